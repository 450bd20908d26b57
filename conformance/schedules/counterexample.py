"""A spec counterexample, turned into a schedule the implementation can run.

A model checker's counterexample (TLC's or the embedded engine's) is a sequence of spec
states. To try it on the code, each spec step must become scheduler decisions that make the
implementation take that step. Nothing here knows the protocol: for spec step ``k``, the
converter tries the decisions the simulator has enabled (on copies of the simulated cluster),
and keeps one whose first trace event is a step the spec allows from state ``k-1`` to state
``k`` of the counterexample — the spec itself decides, under the counterexample's own
constants (a bug model's ``Bug`` included). Decisions that produce no event (a tick that
does not fire a timer, a partition) may lead up to it, a few at a time.

An implementation often does more in one decision than the spec does in one step (a new
Raft leader sends its AppendEntries at once); those extra events are kept aside, and a later
spec step that one of them explains is taken as done. Where no decision leads to a spec step
the conversion stops and says which step; the decisions found so far still run.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from conformance.coverage.record import constants_key
from conformance.errors import UserError
from conformance.protocols import Protocol
from conformance.schedules.chooser import Chooser
from conformance.trace import Step, Trace
from conformance.validate.engine import SpecEngine

# how many event-less decisions may precede the one that takes a spec step, which kinds they
# may be (a clock tick that has not fired a timer yet, healing the network, bringing a node
# back), and how many partial paths are kept per spec step
MAX_LEAD = 2
LEAD_KINDS = ("tick", "heal", "restart")
MAX_FRONTIER = 12


@dataclass
class Conversion:
    settings: dict[str, Any]
    schedule: list[dict] = field(default_factory=list)
    total: int = 0  # spec steps after the initial state
    covered: int = 0  # spec steps the schedule takes
    stuck: int | None = None  # the first spec step with no counterpart
    reason: str = ""


_ENGINES: dict[tuple[str, str], SpecEngine] = {}


def _engine(protocol: Protocol, constants: dict[str, Any]) -> SpecEngine:
    """The spec under these constants, loaded once per process (model-guided campaigns
    convert many paths of one model)."""
    key = (str(protocol.spec), constants_key(constants))
    eng = _ENGINES.get(key)
    if eng is None:
        eng = _ENGINES[key] = SpecEngine(protocol.spec, constants, branches=False)
    return eng


class _SpecSteps:
    """Does the spec (with the counterexample's constants) allow an event as step k?"""

    def __init__(self, protocol: Protocol, trace: Trace) -> None:
        self.engine = _engine(protocol, trace.header.constants)
        self.states = [self._tuple(s) for s in trace.steps]

    def _tuple(self, step: Step) -> tuple:
        missing = [v for v in self.engine.variables if v not in step.state]
        if missing:
            raise UserError(f"state {step.index} of the counterexample lacks "
                            f"{', '.join(missing)}: a spec counterexample gives every variable")
        return tuple(step.state[v] for v in self.engine.variables)

    def allows(self, k: int, event: Step) -> bool:
        if not self.engine.has_action(event.action):
            return False
        try:
            succ = self.engine.successors(self.states[k - 1], event.action, event.params or {})
        except UserError:
            return False
        return self.states[k] in succ


def to_schedule(protocol: Protocol, trace: Trace, bugs: tuple[str, ...] = ()) -> Conversion:
    if len(trace.steps) < 1:
        raise UserError("the counterexample has no states")
    settings = protocol.settings_for(trace.header.constants)
    spec = _SpecSteps(protocol, trace)
    chooser = Chooser(protocol.decision_weights)
    conv = Conversion(settings, total=len(trace.steps) - 1)
    sim = protocol.simulator(settings, bugs)
    banked: list[Step] = []  # events the implementation took ahead of the spec trace
    for k in range(1, len(trace.steps)):
        hit = next((e for e in banked if spec.allows(k, e)), None)
        if hit is not None:
            banked.remove(hit)
            conv.covered += 1
            continue
        found = search(sim, chooser, lambda e, k=k: spec.allows(k, e))
        if found is None:
            conv.stuck = k
            step = trace.steps[k]
            conv.reason = (f"no decision makes the implementation take {step.action}"
                           + (f" with {step.params}" if step.params else ""))
            break
        sim, path, events = found
        conv.schedule.extend(d.to_json() for d in path)
        banked.extend(events[1:])
        conv.covered += 1
    return conv


def search(sim: Any, chooser: Chooser, wanted) -> tuple[Any, list, list[Step]] | None:
    """Up to MAX_LEAD event-less decisions, then one whose first event is ``wanted``."""
    frontier: list[tuple[Any, list]] = [(sim, [])]
    for _ in range(MAX_LEAD + 1):
        quiet: list[tuple[Any, list]] = []
        for base, path in frontier:
            for d, _w in chooser.ordered(base, base.enabled()):
                trial = copy.deepcopy(base)
                events = trial.apply(d)
                if events:
                    if wanted(events[0]):
                        return trial, path + [d], events
                elif len(quiet) < MAX_FRONTIER and d.kind in LEAD_KINDS:
                    quiet.append((trial, path + [d]))
        frontier = quiet
        if not frontier:
            break
    return None
