"""Breadth-first exploration of a model's states, counted and checked as TLC does.

TLC's figures are the contract, so the search mirrors ``tlc2.tool.Worker``: initial states
first (each one generated, checked against the invariants when new), then states in FIFO
order; every successor an action produces counts as generated, duplicates included; a
successor is checked against the state and action constraints, then looked up in the set of
seen states, checked against the invariants if it is new (or excluded by a constraint), and
against the action properties in any case; a state with no successor at all is a deadlock.
The search stops at the first violation, so the counts then are TLC's counts at that moment.

Seen states are keyed, as in TLC, by a 64-bit fingerprint: the typed hash of the state (of
its canonical form under SYMMETRY or VIEW), in which a variable holding FALSE differs from
one holding 0 (see values.typed_hash); two states are taken as one when their fingerprints
are equal, as TLC takes them, which for n states errs with a probability near n^2 / 2^64
(1e-8 for half a million states). Each seen state keeps the state it was reached from and
the action, which gives the shortest counterexample directly. ``parallel`` runs the same
search on several processes, with the same figures.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from conformance.heap import Frozen
from conformance.result import Progress
from conformance.tla.errors import EvalError
from conformance.tla.lazy import LazyFn, LazySet, to_tla_any
from conformance.tla.limits import MemoryLimit, TimeLimit
from conformance.tla.model import Model
from conformance.tla.symmetry import symmetric_fingerprint
from conformance.values import Fn, FSet, ModelValue, Tup, typed_hash

Value = Any


class _Stop(Exception):
    """Ends the search: a violation or an error was found."""


@dataclass
class Violation:
    kind: str  # "invariant", "action property", "deadlock", "error", "init invariant",
    #            "implied init", "incomplete"
    name: str | None
    message: str
    trace: list[tuple[int, tuple]]  # (action index or -1 for initial, state)
    locs: list = field(default_factory=list)  # nested positions of an evaluation error


@dataclass
class SearchResult:
    generated: int = 0
    distinct: int = 0
    left: int = 0
    depth: int = 0
    duration: float = 0.0
    violation: Violation | None = None
    timed_out: bool = False
    limited: bool = False  # stopped at max_distinct
    complete: bool = False
    stopped: str | None = None  # why a limit other than time stopped it (memory)
    initial: int = 0  # initial states generated


# Python's collector of reference cycles walks every long-lived object each time their
# number grows by a quarter, and the long-lived objects of a search are the states it found:
# on MultiPaxos_MC_small 19 full collections took 9.9 of 68 CPU s (15%), for nothing: a
# search of 20,016 states collects no cycle at all (states, and the memories about them,
# are freed by their reference counts). So at the start and every FREEZE states expanded,
# what is alive is frozen (conformance.heap.Frozen; gc.freeze: out of the collector's
# sight, still freed by its counts), and a full collection walks only what came since; the
# search thaws it all when it ends, so a caller that goes on (a test run, a campaign)
# collects its own cycles as before.
FREEZE = 2000

_LEAVES = frozenset((int, str, bool))  # values no permutation of model values changes


class Permuter:
    """Applies one permutation of model values to whole values, remembering results.

    States share most of their values with their neighbours (a message set grows by one
    message, one node's record changes), so remembering the image of every value seen
    makes symmetry reduction cost a lookup for most of a state. An entry found by Python's
    equality is taken only for the same value or one of the same typed hash (see
    values.typed_hash, cached on sets and functions): Python's equality would give
    [a |-> FALSE] the image of [a |-> 0].
    """

    __slots__ = ("perm", "cache", "limit")

    def __init__(self, perm: dict, limit: int = 400_000) -> None:
        self.perm = perm
        self.cache: dict = {}
        self.limit = limit

    def __call__(self, v: Value) -> Value:
        t = type(v)
        if t is int or t is str or t is bool:
            return v
        if t is ModelValue:
            return self.perm.get(v, v)
        cache = self.cache
        hit = cache.get(v)
        if hit is not None:
            src = hit[0]
            if src is v:
                return hit[1]
            # sets and functions of a state carry their typed hash: see canonical
            if typed_hash(src) == typed_hash(v):
                return hit[1]
        # leaves are mapped in line: a call per integer or model value would cost more than
        # the rest of the permutation
        L, M, pg = _LEAVES, ModelValue, self.perm.get
        if t is FSet:
            out: Value = FSet([x if type(x) in L else pg(x, x) if type(x) is M else self(x)
                               for x in v])
        elif t is Tup:
            out = Tup([x if type(x) in L else pg(x, x) if type(x) is M else self(x)
                       for x in v])
        elif t is Fn:
            out = Fn({(k if type(k) in L else pg(k, k) if type(k) is M else self(k)):
                      (x if type(x) in L else pg(x, x) if type(x) is M else self(x))
                      for k, x in v.map.items()})
        elif isinstance(v, (LazySet, LazyFn)):
            out = self(v.materialize())
        else:
            out = v
        if len(cache) >= self.limit:
            cache.clear()
        cache[v] = (v, out)
        return out


def permute(v: Value, perm: dict, memo: dict | None = None) -> Value:
    """``v`` with model values renamed by ``perm``."""
    return Permuter(perm)(v)


def fingerprint_function(model: Model) -> Callable[[tuple], int]:
    """The function from a state to its fingerprint: its typed hash, or that of its view,
    or under SYMMETRY the least typed hash over the orbit (symmetry.symmetric_fingerprint;
    with a VIEW too, that of a canonical image's view: see ``canonical``)."""
    view = model.view
    perms = model.symmetry
    if view is None:
        return symmetric_fingerprint(perms) if perms else typed_hash
    vfn = view.fn

    def view_of(s):
        v = vfn((s, None))
        return v.materialize() if isinstance(v, (LazySet, LazyFn)) else v
    if not perms:
        return lambda s: typed_hash(view_of(s))
    # with SYMMETRY too, the view of each permuted state: built, then hashed
    permuters = [Permuter(p) for p in perms]
    # the same state is often generated again (about half of the successors of
    # MultiPaxos_MC_small): its key is then one lookup instead of a permutation each
    memo: dict = {}

    # The representative of a state's orbit is the image with the least hash; Python's
    # hash is cheap (C code over cached hashes) where the typed one walks every fresh
    # image, so the typed hash only breaks ties, which is where images that Python
    # equates but TLA+ does not ([a |-> 0], [a |-> FALSE]) meet. Any total order on
    # the orbit gives each state the same representative.
    def canonical(s):
        sk = typed_hash(s)
        best = memo.get(sk)
        if best is not None:
            return best
        best = view_of(s)
        best_h = hash(best)
        best_t = None
        for pm in permuters:
            cand = view_of(tuple(map(pm, s)))
            h = hash(cand)
            if h < best_h:
                best, best_h, best_t = cand, h, None
            elif h == best_h:
                if best_t is None:
                    best_t = typed_hash(best)
                t = typed_hash(cand)
                if t < best_t:
                    best, best_t = cand, t
        best = memo[sk] = typed_hash(best)
        return best
    return canonical


class Explorer:
    """One breadth-first search of a model."""

    def __init__(self, model: Model, *, timeout: float | None = None,
                 progress: Callable[[Progress], None] | None = None,
                 progress_interval: float = 2.0, record_graph: bool = False,
                 record_figures: bool = False,
                 max_distinct: int | None = None, handoff: int | None = None) -> None:
        self.model = model
        # stop at the start of the first level of at least this many states, to hand the
        # search over to the parallel explorer (``handed_off``; see parallel.py)
        self.handoff = handoff
        self.handed_off = False
        # stop (incomplete) once this many distinct states are found: for benchmarks
        self.max_distinct = max_distinct
        # the behavior graph for liveness: state key -> [(successor key, action index)],
        # with the successor itself as a third item under SYMMETRY or VIEW
        self.graph: dict | None = {} if record_graph else None
        # TLCGet's figures as TLC's liveness checker sees them, by state key: for an initial
        # state when it was queued, for every other state when all its successors had been
        # generated (TLC evaluates a temporal property's predicates at those moments)
        self.queued_figures: dict | None = {} if record_figures else None
        self.expanded_figures: dict | None = {} if record_figures else None
        self.timeout = timeout
        self.progress = progress
        self.progress_interval = progress_interval
        self.seen: dict = {}
        self.queue: deque = deque()
        self.result = SearchResult()
        self.key = self._key_function()
        self.at: tuple = (None, None)  # where TLCExt!Trace ends: (a state's key, a new state)

    # ------------------------------------------------------------------ keys

    def _key_function(self) -> Callable[[tuple], int]:
        return fingerprint_function(self.model)

    # ------------------------------------------------------------------ search

    def run(self) -> SearchResult:
        model = self.model
        res = self.result
        start = time.monotonic()
        self.start = start
        self.next_report = start + self.progress_interval
        model.runtime.counters = self._figures
        model.runtime.behavior = self._behavior
        # see FREEZE: left, the search thaws what it froze (the caller's objects are its
        # collector's again)
        with Frozen(FREEZE // 200) as heap:
            try:
                self._initial()
                if not model.actions:
                    res.complete = True
                else:
                    self._bfs(heap)
                    res.complete = res.violation is None and not res.timed_out \
                        and not res.limited and not self.handed_off
            except _Stop:
                pass
            except TimeLimit:
                res.timed_out = True
            except MemoryLimit as e:
                res.stopped = e.message
        res.duration = time.monotonic() - start
        res.distinct = len(self.seen)
        res.left = len(self.queue)
        return res

    def _initial(self) -> None:
        model = self.model
        res = self.result
        seen = self.seen
        key = self.key
        invariants = [(c.name, c.code.fn) for c in model.invariants]
        implied = [(c.name, c.code.fn) for c in model.implied_inits]
        constraints = [c.code.fn for c in model.constraints]

        runtime = model.runtime

        def on_init(s):
            res.generated += 1
            res.initial += 1
            E = (s, None)
            runtime.level = 1  # TLCGet("level") of an initial state (0 while Init runs)
            self.at = (None, s)  # TLCExt!Trace in a constraint: the behavior up to s
            try:
                in_model = holds(constraints, E)
            except EvalError as e:
                self._error(e, [(-1, s)])
            seen_before = False
            if in_model:
                k = key(s)
                if k in seen:
                    seen_before = True
                else:
                    seen[k] = (None, -1, s)
                    self.queue.append((s, k, 1))
                    if self.queued_figures is not None:
                        self.queued_figures[k] = self._figures()
                    if res.depth < 1:
                        res.depth = 1
            if not seen_before:
                self.at = (None, s)
                for name, inv in invariants:
                    try:
                        ok = inv(E)
                    except EvalError as e:
                        self._error(e, [(-1, s)], f"evaluating invariant {name}")
                    if ok is not True:
                        self._violation("init invariant", name,
                                        f"Invariant {name} is violated by the initial state.",
                                        [(-1, s)])
                for name, inv in implied:
                    try:
                        ok = inv(E)
                    except EvalError as e:
                        self._error(e, [(-1, s)], f"evaluating property {name}")
                    if ok is not True:
                        self._violation("implied init", name,
                                        f"Property {name} is violated by the initial state.",
                                        [(-1, s)])
            runtime.level = 0
        try:
            model.initial_states(on_init)
        except EvalError as e:
            self._error(e, [], rerun=lambda tm: tm.initial_states(lambda s: None))

    def _bfs(self, heap: Frozen) -> None:
        model = self.model
        res = self.result
        seen = self.seen
        queue = self.queue
        key = self.key
        actions = model.actions
        invariants = [(c.name, c.code.fn) for c in model.invariants]
        action_props = [(c.name, c.code.fn) for c in model.action_properties]
        constraints = [c.code.fn for c in model.constraints]
        action_constraints = [c.code.fn for c in model.action_constraints]
        check_deadlock = model.check_deadlock
        nvars = len(model.variables)
        runtime = model.runtime
        timeout = self.timeout
        simple = not constraints and not action_constraints and not action_props
        graph: dict = {} if self.graph is None else self.graph
        rec = self.graph is not None
        expanded = self.expanded_figures
        # Under SYMMETRY or VIEW a successor stands for every state of its key: the graph
        # keeps the successor itself, on which TLC evaluates the properties' actions.
        actual = rec and (bool(model.symmetry) or model.view is not None)

        from conformance.tla.actions import Partial

        cur: list = [None, None, 0, 0, None]  # state, key, level, action index, edges

        def on_succ(t):
            res.generated += 1
            s = cur[0]
            if simple:
                runtime.level = cur[2] + 1  # TLCGet("level") in a VIEW: the successor's
                k = key(t)
                runtime.level = cur[2]
                if rec:
                    cur[4].append((k, cur[3], t) if actual else (k, cur[3]))
                if k in seen:
                    return
                seen[k] = (cur[1], cur[3], t)
            else:
                E2 = (s, t)
                at = self.at
                try:  # TLCGet("level"): the successor's in a state constraint, else s's
                    runtime.level = cur[2] + 1
                    self.at = (cur[1], t)  # TLCExt!Trace: the behavior up to t
                    in_model = holds(constraints, (t, None))
                    runtime.level = cur[2]
                    in_model = in_model and holds(action_constraints, E2)
                except EvalError as e:
                    self._error(e, self._path(cur[1]) + [(cur[3], t)])
                finally:
                    self.at = at
                unseen = True
                if in_model:
                    runtime.level = cur[2] + 1
                    k = key(t)
                    runtime.level = cur[2]
                    if rec:
                        cur[4].append((k, cur[3], t) if actual else (k, cur[3]))
                    if k in seen:
                        unseen = False
                    else:
                        seen[k] = (cur[1], cur[3], t)
                        if cur[2] + 1 > res.depth:
                            res.depth = cur[2] + 1
                if unseen:
                    self._check_invariants(invariants, t, cur)
                for name, prop in action_props:
                    try:
                        ok = prop(E2)
                    except EvalError as e:
                        self._error(e, self._path(cur[1]) + [(cur[3], t)],
                                    f"evaluating action property {name}")
                    if ok is not True:
                        self._violation("action property", name,
                                        f"Action property {name} is violated.",
                                        self._path(cur[1]) + [(cur[3], t)])
                if not (in_model and unseen):
                    return
            level = cur[2] + 1
            if level > res.depth:
                res.depth = level
            if simple:
                self._check_invariants(invariants, t, cur)
            queue.append((t, k, level))

        def on_middle(count):  # intermediate states of an action composition
            res.generated += count

        partial = Partial([None] * nvars)
        partial.sink = on_succ
        partial.extra = on_middle
        popleft = queue.popleft
        checks = 0
        handoff = self.handoff
        last_level = 0
        while queue:
            s, k, level = popleft()
            if level != last_level:
                last_level = level
                if handoff is not None and len(queue) + 1 >= handoff:
                    queue.appendleft((s, k, level))
                    self.handed_off = True
                    return
            cur[0], cur[1], cur[2] = s, k, level
            self.at = (k, None)
            if rec:
                cur[4] = graph[k] = []
            runtime.level = level
            before = res.generated
            E = (s, partial)
            for ai, action in enumerate(actions):
                cur[3] = ai
                try:
                    action.fn(E)
                except EvalError as e:
                    for i in range(nvars):
                        partial[i] = None
                    partial.n = 0
                    def rerun(tm: Model, s: tuple = s, ai: int = ai) -> None:
                        tm.successors(s, tm.actions[ai], lambda t: None)
                    self._error(e, self._path(k), rerun=rerun)
            if expanded is not None:
                expanded[k] = self._figures()
            if check_deadlock and res.generated == before:
                self._violation("deadlock", None, "Deadlock reached.", self._path(k))
            if runtime.exit:  # TLCSet("exit", TRUE): TLC's workers stop after this state
                return
            checks += 1
            if checks >= 200:
                checks = 0
                heap.tick()  # (a round of 200 states: see FREEZE)
                now = time.monotonic()
                if timeout is not None and now - self.start > timeout:
                    res.timed_out = True
                    return
                if self.max_distinct is not None and len(seen) >= self.max_distinct:
                    res.limited = True
                    return
                if self.progress is not None and now >= self.next_report:
                    self.next_report = now + self.progress_interval
                    self.progress(Progress(res.generated, len(seen), len(queue),
                                           res.depth))

    def _behavior(self) -> list[tuple]:
        """TLCExt!Trace: the states from an initial state to the one being evaluated (the
        state being explored, or the new state an invariant is checked on)."""
        key, last = self.at
        states = [t for _, t in self._path(key)] if key is not None else []
        return states + [last] if last is not None else states

    def _figures(self) -> dict[str, int]:
        """The search so far, as TLCGet reads it ("distinct", "diameter"...)."""
        res = self.result
        return {"distinct": len(self.seen), "generated": res.generated,
                "queue": len(self.queue), "diameter": max(res.depth, 1),
                "initial": res.initial}

    def _check_invariants(self, invariants, t, cur) -> None:
        E = (t, None)
        at, self.at = self.at, (cur[1], t)
        runtime = self.model.runtime
        runtime.level = cur[2] + 1  # TLCGet("level") of the successor
        try:
            self._check_each(invariants, t, cur, E)
        finally:
            runtime.level = cur[2]
            self.at = at

    def _check_each(self, invariants, t, cur, E) -> None:
        for j, (name, inv) in enumerate(invariants):
            try:
                ok = inv(E)
            except EvalError as e:
                def rerun(tm: Model, j: int = j) -> None:
                    tm.invariants[j].code.fn(E)
                self._error(e, self._path(cur[1]) + [(cur[3], t)],
                            f"evaluating invariant {name}",
                            rerun=rerun)
            if ok is not True:
                self._violation("invariant", name, f"Invariant {name} is violated.",
                                self._path(cur[1]) + [(cur[3], t)])

    # ------------------------------------------------------------------ outcomes

    def _path(self, k) -> list[tuple[int, tuple]]:
        """The behavior from an initial state to the state with key ``k``."""
        out = []
        seen = self.seen
        while k is not None:
            parent, action, state = seen[k]
            out.append((action, state))
            k = parent
        out.reverse()
        return out

    def _violation(self, kind: str, name: str | None, message: str, trace) -> None:
        if self.model.keep_going and kind in ("invariant", "init invariant"):
            if self.result.violation is None:  # TLC's -continue reports the first
                self.result.violation = Violation(kind, name, message, trace)
            return
        self.result.violation = Violation(kind, name, message, trace)
        raise _Stop()

    def _error(self, e: EvalError, trace, context: str | None = None,
               rerun: Callable[[Model], Any] | None = None) -> None:
        message = e.message
        if context:
            message = f"{message}\n(while {context})"
        locs = e.nested()
        if rerun is not None:
            locs = self._retrace(rerun) or locs
        self.result.violation = Violation("error", None, message, trace, locs)
        raise _Stop()

    def _retrace(self, rerun: Callable[[Model], Any]) -> list:
        """Rerun the failing evaluation compiled with positions (see compile.Tracing)."""
        try:
            rerun(self.model.traced())
        except EvalError as e:
            return e.nested()
        except Exception:  # noqa: BLE001 - best effort: the error is reported anyway
            return []
        return []


def holds(checks: list, E: tuple) -> bool:
    """Whether every constraint holds in ``E``; one that is not a boolean is TLC's error."""
    for c in checks:
        v = c(E)
        if v is not True:
            if v is False:
                return False
            raise EvalError("A constraint of the model is not a boolean:\n"
                            f"{to_tla_any(v)}")
    return True


def explore(model: Model, **kw) -> SearchResult:
    return Explorer(model, **kw).run()
