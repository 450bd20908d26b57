"""Model-guided schedules: runs steered to the states and transitions of the small models
that the runs so far missed.

Random schedules reach few of a small model's states: a run soon holds more messages, a
higher term or a longer log than the model's bounds allow, and never comes back. Guidance
(after Mocket, EuroSys'23, which drives an implementation along the model checker's state
graph) picks what the campaign has not covered yet in the protocol's CI models
(:mod:`conformance.coverage.models`) and makes a schedule that leads there, in two ways:

* **a transition out of a covered state** (the model's state s, which some run reached, and
  an action a no run took from it): the schedule of the run that first reached s, then the
  decision that makes the implementation take a next, found as the counterexample converter
  finds one (:func:`conformance.schedules.counterexample.search`, on copies of the cluster);
* **a state no run came near**: the shortest path the engine found to it (the graph's
  breadth-first tree), as a concrete spec trace, turned into a schedule by the
  counterexample converter under the model's own constants. The implementation may not
  follow it to its end (it does more in one step than the spec, or cannot take the spec's
  order); the converter stops where it cannot.

A guided run applies its guide's schedule, then lets Hypothesis choose every decision after
it, so the run continues from where the guide led. Schedules are made when a run first draws
their guide, and a round's pool of guides is fixed before the round starts (see
``run_campaign``), so that Hypothesis replays and shrinks a guided run like any other.
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass, field
from typing import Any

from conformance.coverage import models
from conformance.coverage.fingerprint import Fingerprinter
from conformance.coverage.models import ModelGraph
from conformance.coverage.record import Coverage
from conformance.errors import UserError
from conformance.protocols import Protocol
from conformance.schedules.chooser import Chooser
from conformance.schedules.counterexample import search, to_schedule
from conformance.tla.model import Model, load
from conformance.trace import Step, Trace, TraceHeader
from impl.sim.world import Decision, DecisionError

# the share of a pool's guides that follow a whole shortest path from an initial state (each
# costs a conversion of the path); the others leave a covered state by an uncovered action
PATH_SHARE = 0.25


@dataclass
class Guide:
    """A schedule toward something a model has and the runs missed (made when first
    used): with ``prefix``, the decisions that reached ``source`` and then one taking
    ``action``; without, a path from an initial state to ``target``."""

    graph: ModelGraph
    settings: dict[str, Any]
    target: int | None = None
    source: int | None = None
    action: str | None = None
    prefix: list[Decision] | None = None
    _schedule: list[Decision] | None = field(default=None, repr=False)

    def schedule(self, guidance: Guidance) -> list[Decision]:
        if self._schedule is None:
            self._schedule = guidance.make(self)
        return self._schedule

    def __str__(self) -> str:
        if self.prefix is not None:
            return f"{self.graph.name}: {self.action} from state {self.source}"
        return f"{self.graph.name}: state {self.target}"


class Guidance:
    """The guides of one campaign slice: the protocol's CI models, and what is left of them
    to cover."""

    def __init__(self, protocol: Protocol, bugs: tuple[str, ...] = ()) -> None:
        self.protocol = protocol
        self.bugs = bugs
        # the models a cluster variant runs under (the others cannot be measured, and their
        # constants may choose what the implementation does not do)
        runs = [protocol.constants(v.settings) for v in protocol.variants]
        self.graphs = [models.graph_for(m) for m in models.ci_models(protocol.spec)
                       if any(models.same_constants(*models.model_constants(m), c)
                              for c in runs)]
        self.chooser = Chooser(protocol.decision_weights)
        self._models: dict[str, Model] = {}
        self._fp = Fingerprinter()

    # ------------------------------------------------------------------ choosing

    def pool(self, coverage: Coverage, size: int, rng: random.Random) -> list[Guide]:
        """Up to ``size`` guides, the models taken in turn: transitions no run took out of
        states some run reached (with the run that reached each, in this process), and
        states no run reached (a share of ``PATH_SHARE``)."""
        steps: list[list[Guide]] = []
        paths: list[list[Guide]] = []
        for g in self.graphs:
            s, p = self._candidates(g, coverage)
            rng.shuffle(s)
            rng.shuffle(p)
            steps.append(s)
            paths.append(p)
        want_paths = round(size * PATH_SHARE)
        out: list[Guide] = []
        for kind, quota in ((paths, want_paths), (steps, size), (paths, size)):
            while len(out) < min(quota, size) and any(kind):
                for left in kind:
                    if left and len(out) < min(quota, size):
                        out.append(left.pop())
        return out

    def _candidates(self, g: ModelGraph, coverage: Coverage) -> tuple[list[Guide], list[Guide]]:
        covered: dict[int, int] = {}  # state -> a fingerprint a run reached it by
        taken: set[tuple[int, str]] = set()
        for r in coverage.reached.values():
            if g.applies_to(r.constants):
                for h in r.states:
                    s = g.images.get(h)
                    if s is not None:
                        covered.setdefault(s, h)
                for h, action in r.transitions:
                    s = g.images.get(h)
                    if s is not None:
                        taken.add((s, action))
        settings = self.protocol.settings_for(g.constants)
        steps = []
        for s, edges in sorted(g.successors().items()):
            origin = coverage.origins.get(covered[s]) if s in covered else None
            if origin is None or origin[0] != settings:
                continue
            for action in sorted({g.actions[label] for label, _t in edges}):
                if (s, action) not in taken:
                    steps.append(Guide(g, settings, source=s, action=action,
                                       prefix=list(origin[1][:origin[2]])))
        paths = [Guide(g, settings, target=t) for t in range(g.distinct) if t not in covered]
        return steps, paths

    # ------------------------------------------------------------------ making schedules

    def make(self, guide: Guide) -> list[Decision]:
        """The guide's schedule (as far as the implementation follows it)."""
        if guide.prefix is None:
            assert guide.target is not None
            try:
                conv = to_schedule(self.protocol, self.trace_to(guide.graph, guide.target),
                                   self.bugs)
            except UserError:
                return []
            return [Decision.from_json(d) for d in conv.schedule]
        sim = self.protocol.simulator(guide.settings, self.bugs)
        try:
            for d in guide.prefix:
                sim.apply(d)
        except DecisionError:
            return []
        found = search(copy.deepcopy(sim), self.chooser, lambda e: e.action == guide.action)
        return guide.prefix + (found[1] if found is not None else [])

    def trace_to(self, graph: ModelGraph, target: int) -> Trace:
        """A concrete spec trace along the graph's shortest path to ``target``."""
        model = self._models.get(graph.name)
        if model is None:
            model = self._models[graph.name] = load(graph.spec, graph.config)
        model.use_names()
        chain = [target]
        while graph.parent[chain[-1]] >= 0:
            chain.append(graph.parent[chain[-1]])
        chain.reverse()
        images, fp = graph.images, self._fp
        state = next(s for s in model.all_initial_states() if images.get(fp(s)) == chain[0])
        names = model.names
        steps = [Step(0, "Init", dict(zip(names, state, strict=True)))]
        for n, want in enumerate(chain[1:], 1):
            action = model.actions[graph.via[want]]
            found: list[tuple] = []
            model.successors(state, action, found.append)
            state = next(t for t in found if images.get(fp(t)) == want)
            steps.append(Step(n, action.name, dict(zip(names, state, strict=True))))
        header = TraceHeader(spec=model.module, model=graph.config.name,
                             variables=list(names), constants=dict(graph.constants))
        return Trace(header, steps)
