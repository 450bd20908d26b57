"""What a campaign's runs reached in the spec, counted while the validator checks each step.

The validator (:class:`conformance.validate.Validator`) reports every step it accepts to a
:class:`Coverage`: the action the event named, the branches of the action the accepted
successors came through (see :mod:`conformance.coverage.spec`), and the spec states before
and after it. A campaign keeps one :class:`Coverage`; its slices, run in other processes,
each keep their own and :meth:`Coverage.merge` adds them up, so the figures do not depend on
``-j``.

States are kept as 64-bit fingerprints that every process computes alike
(:mod:`conformance.coverage.fingerprint`), per set of constants the runs were validated under
(each cluster variant is a spec with its own constants): the fingerprints the model graphs of
:mod:`conformance.coverage.models` hold, so a campaign's states and transitions are measured
against a model's without keeping a single state.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from conformance.coverage.fingerprint import Fingerprinter
from conformance.coverage.spec import BranchKey, branch_key, next_actions
from conformance.values import to_tla, typed_hash

State = tuple


def constants_key(constants: dict[str, Any]) -> str:
    """The constants of a spec, as one string (TLA+ syntax, sorted by name)."""
    return ", ".join(f"{k} = {to_tla(constants[k])}" for k in sorted(constants))


@dataclass
class Reached:
    """The states and (state, action) pairs runs reached under one set of constants."""

    constants: dict[str, Any]
    states: set[int] = field(default_factory=set)
    transitions: set[tuple[int, str]] = field(default_factory=set)

    def merge(self, other: Reached) -> None:
        self.states |= other.states
        self.transitions |= other.transitions


class _EngineView:
    """One spec engine's branches, numbered as its compiled actions number them."""

    __slots__ = ("engine", "keys", "reached")

    def __init__(self, engine: Any, reached: Reached, catalog: dict[BranchKey, bool],
                 universe: list[str]) -> None:
        self.engine = engine  # held, so that no other engine takes its id
        self.keys: dict[str, list[BranchKey]] = {}
        self.reached = reached
        for action in universe:
            self.keys_of(engine, action, catalog)

    def keys_of(self, engine: Any, action: str, catalog: dict[BranchKey, bool]
                ) -> list[BranchKey]:
        keys = self.keys.get(action)
        if keys is None:
            trail = engine.branches(action)
            keys = []
            if trail is not None:
                for n, (kind, loc) in enumerate(trail.branches):
                    key = branch_key(action, kind, loc)
                    keys.append(key)
                    catalog[key] = catalog.get(key, False) or n not in trail.dead
            self.keys[action] = keys
        return keys


class Coverage:
    """Actions, branches, states and transitions a campaign's runs reached (mergeable).

    ``catalog`` holds every branch of every action seen so far, and whether it is live
    (its guard is not a constant FALSE) under at least one of the constants the runs used;
    ``universe`` the actions of the spec's next-state relation."""

    def __init__(self) -> None:
        self.actions: Counter[str] = Counter()
        self.branches: Counter[BranchKey] = Counter()
        self.catalog: dict[BranchKey, bool] = {}
        self.universe: list[str] = []
        # action -> whether it is disabled by a constant under every constants the runs used
        self.disabled: dict[str, bool] = {}
        self.reached: dict[str, Reached] = {}
        self.events = 0
        self._views: dict[int, _EngineView] = {}
        # this process's states so far: typed hash (cheap, cached on values) -> fingerprint
        self._known: dict[tuple[int, int], int] = {}
        self._fp = Fingerprinter()
        # where this process's runs first reached each state: fingerprint -> (the run's
        # cluster settings, its decisions, how many of them led there); model guidance
        # continues runs from there (conformance.schedules.guide)
        self.origins: dict[int, tuple[dict, list, int]] = {}
        self._run: tuple[dict, list] | None = None
        # this example's novelty, for hypothesis.target (see begin_example)
        self.new_states = 0
        self.rarity = 0.0

    # ------------------------------------------------------------------ recording

    def view(self, engine: Any) -> _EngineView:
        v = self._views.get(id(engine))
        if v is None:
            if not self.universe:
                self.universe = next_actions(engine.model)
            key = constants_key(engine.constants)
            reached = self.reached.get(key)
            if reached is None:
                reached = self.reached[key] = Reached(dict(engine.constants))
            v = self._views[id(engine)] = _EngineView(engine, reached, self.catalog,
                                                      self.universe)
            for a in self.universe:
                off = bool(getattr(engine, "disabled", lambda _a: False)(a))
                self.disabled[a] = self.disabled.get(a, True) and off
        return v

    def begin_example(self) -> None:
        self.new_states = 0
        self.rarity = 0.0

    def begin_run(self, settings: dict, decisions: list) -> None:
        """A run starts under ``settings``; ``decisions`` is its schedule as it grows."""
        self._run = (settings, decisions)

    def _fingerprint(self, view: _EngineView, s: State) -> int:
        """The state's fingerprint; a state this process did not meet before is new."""
        key = (id(view), typed_hash(s))
        h = self._known.get(key)
        if h is None:
            h = self._known[key] = self._fp(s)
            if h not in view.reached.states:
                view.reached.states.add(h)
                self.new_states += 1
            if h not in self.origins and self._run is not None:
                self.origins[h] = (self._run[0], self._run[1], len(self._run[1]))
        return h

    def initial(self, engine: Any, states: Iterable[State]) -> None:
        v = self.view(engine)
        for s in states:
            self._fingerprint(v, s)

    def step(self, engine: Any, action: str, taken: Iterable[int],
             reached: dict[State, State]) -> None:
        """One accepted event: ``action`` through the branches numbered ``taken``, from
        each state ``reached[after]`` to ``after``."""
        v = self.view(engine)
        self.events += 1
        n = self.actions[action]
        self.actions[action] = n + 1
        rarity = 1.0 / (1 + n)
        keys = v.keys_of(engine, action, self.catalog)
        branches = self.branches
        for b in taken:
            key = keys[b]
            c = branches[key]
            branches[key] = c + 1
            rarity += 1.0 / (1 + c)
        self.rarity += rarity
        moves = v.reached.transitions
        fingerprint = self._fingerprint
        for after, before in reached.items():
            fingerprint(v, after)
            moves.add((fingerprint(v, before), action))

    # ------------------------------------------------------------------ combining

    def merge(self, other: Coverage) -> None:
        self.actions.update(other.actions)
        self.branches.update(other.branches)
        for key, live in other.catalog.items():
            self.catalog[key] = self.catalog.get(key, False) or live
        if not self.universe:
            self.universe = list(other.universe)
        for a, off in other.disabled.items():
            self.disabled[a] = self.disabled.get(a, True) and off
        for k, r in other.reached.items():
            mine = self.reached.get(k)
            if mine is None:
                self.reached[k] = Reached(dict(r.constants), set(r.states),
                                          set(r.transitions))
            else:
                mine.merge(r)
        self.events += other.events

    def __getstate__(self) -> dict:
        # sent between processes: the engines' views and what this process met stay behind
        state = dict(self.__dict__)
        state["_views"], state["_known"], state["_fp"] = {}, {}, Fingerprinter()
        state["origins"], state["_run"] = {}, None
        return state

    # ------------------------------------------------------------------ figures

    @property
    def distinct_states(self) -> int:
        return sum(len(r.states) for r in self.reached.values())

    def live_branches(self) -> list[BranchKey]:
        return sorted(k for k, live in self.catalog.items() if live)

    def dead_branches(self) -> list[BranchKey]:
        return sorted(k for k, live in self.catalog.items() if not live)
