"""Step-by-step validation of a trace against a spec.

For each event, the named action with its parameters must lead, in the spec, from the state
before the event to the state after it, and the spec's invariants (and action properties)
must hold. The validator knows no protocol: it reads action names, parameters and states,
and asks the spec (:mod:`conformance.validate.engine`) the rest.

Traces may leave things out. A variable missing from a state (a ghost variable that only the
spec knows, or anything a real node cannot see) is searched over: the validator keeps every
spec state that agrees with what the trace says so far (its *candidates*) and steps all of
them. A variable named in ``partial`` is a function given only in part (a real node logs its
own entry of ``currentTerm`` but not the others'): the spec state must agree on the keys the
trace gives. When an action's successors are determined by the state before it, as they are
for a deterministic spec, the candidates stay one. An invariant is reported violated when it
fails in any candidate: a spec state the trace admits breaks it.

It is built to run while the implementation runs (:meth:`Validator.step` takes one event at a
time), so that a schedule generator can stop at the first divergence and shrink it.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import compress, count
from operator import is_, is_not
from typing import Any

from conformance.coverage.record import Coverage
from conformance.errors import UserError
from conformance.heap import Frozen
from conformance.tla.errors import EvalError
from conformance.tla.remember import Remembered
from conformance.trace import Step
from conformance.validate.diff import diff_states
from conformance.validate.engine import SpecEngine, State, concrete
from conformance.validate.quick import checks_for, piece_checks_for
from conformance.validate.quicksteps import step_checks_for
from conformance.validate.report import (
    INITIAL,
    INVARIANT,
    LED_ELSEWHERE,
    NOT_ENABLED,
    PROPERTY,
    UNKNOWN_ACTION,
    Divergence,
)
from conformance.values import Fn, FSet, ModelValue, Tup, same_value, typed_hash

Value = Any


def _same(a: Value, b: Value) -> bool:
    """Whether ``a`` and ``b`` are surely one TLA+ value (False may also mean: not
    worth finding out). Python's equality equates 0 and FALSE, [a |-> 0] and [a |-> FALSE]:
    the walk compares types as it goes, and skips the parts the two share (a trace's
    states are built afresh, but often from the same entries and logs). Where Python's
    equality of elements could merge such values, the typed hashes decide; functions keyed by
    such values (records as keys) are left to :func:`_shared_keys`."""
    if a is b:
        return True
    t = type(a)
    if t is not type(b):
        return False
    if t is Fn:
        ha = getattr(a, "_thash", None)
        if ha is not None:  # both hashed already (a trace validated before): faster
            hb = getattr(b, "_thash", None)
            if hb is not None:
                return ha == hb and a == b
        am, bm = a.map, b.map
        if len(am) != len(bm):
            return False
        for k, x in am.items():
            if type(k) is not str and type(k) is not ModelValue:
                return False  # keys matched by Python's equality: see _shared_keys
            y = bm.get(k, _ABSENT)
            if x is not y and (y is _ABSENT or not _same(x, y)):
                return False
        if ha is not None:  # one value: b's hashes are a's (for the next time b is met)
            b._thash = ha
        if a._hash is not None and b._hash is None:
            b._hash = a._hash
        return True
    if t is Tup:
        return len(a) == len(b) and all(x is y or _same(x, y) for x, y in zip(a, b))
    if t is FSet:
        if a != b:
            return False
        if all(type(x) is ModelValue or type(x) is str for x in a):
            return True
        return typed_hash(a) == typed_hash(b)
    if t is int or t is str or t is bool or t is ModelValue:
        return a == b
    return False


_ABSENT = object()


def _taken(have: Value, value: Value) -> Value:
    """``value`` (from the trace) with the parts it has in common with ``have`` (the state
    before's value of the variable) taken as ``have``'s own objects, at any depth of
    functions over strings and model values and of sequences; ``have`` itself when the two
    are one TLA+ value. The spec's next value shares those parts too (``[x EXCEPT ![i] =
    e]`` keeps the other entries), so comparing the two, and the checks remembered by
    identity, see the same objects and skip them. One walk: the parts are compared as they
    are taken."""
    if have is value:
        return have
    t = type(value)
    if t is not type(have):
        return value
    if t is Fn:
        ha = getattr(have, "_thash", None)
        if ha is not None and ha == getattr(value, "_thash", None) and have == value:
            return have  # both hashed already (a trace validated before): no walk
        hm = have.map
        out = {}
        every = len(hm) == len(value.map)  # so far, value is have
        own = True  # so far, every part is value's own object
        for k, x in value.map.items():
            if type(k) is not str and type(k) is not ModelValue:
                return _shared_keys(have, value)
            y = hm.get(k, _ABSENT)
            if y is _ABSENT:
                every = False
            elif y is not x:
                z = _taken(y, x)
                if z is not y:
                    every = False
                if z is not x:
                    own = False
                    x = z
            out[k] = x
        return have if every else value if own else _as(Fn(out), value)
    if t is Tup:
        n = len(have)
        every = n == len(value)
        own = True
        items = []
        for i, x in enumerate(value):
            if i < n:
                y = have[i]
                if y is not x:
                    z = _taken(y, x)
                    if z is not y:
                        every = False
                    if z is not x:
                        own = False
                        x = z
            items.append(x)
        return have if every else value if own else Tup(items)
    if t is int or t is str or t is bool or t is ModelValue:
        return have if have == value else value
    return have if _same(have, value) else value


def _as(made: Fn, value: Fn) -> Fn:
    """``made``, one TLA+ value with ``value``, with the hashes ``value`` has cached."""
    made._hash = value._hash
    h = getattr(value, "_thash", None)
    if h is not None:
        made._thash = h
    return made


def _shared_keys(have: Fn, value: Fn) -> Value:
    """:func:`_taken` for functions whose keys are not strings or model values (Raft's
    message bag, keyed by records): each key of ``value`` that is one TLA+ value with a key
    of ``have`` is taken as ``have``'s key object, and so is its entry; ``have`` itself when
    they are the same function. The state's keys then stay the same objects from state to
    state (checks remembered by identity hit, see ``ops.subseteq``), and the comparisons
    walk only the keys that are new."""
    hm, vm = have.map, value.map
    every = len(hm) == len(vm)  # so far, value is have
    swaps = {}  # value's position -> the key and entry to hold there instead (have's)
    # the two walked in order, a key of value that is have's next key object (or the one
    # after: have's was removed) taken at once, no key hashed: a recorder or reader that
    # shares what did not change, and a bag that added, removed one or counted one again.
    # A key out of that order is new (one hash tells), or Python's equality finds the
    # candidate in have and _same decides
    olds, ys = list(hm), list(hm.values())
    n, i = len(olds), 0
    keys: dict | None = None
    for j, (k, x) in enumerate(vm.items()):
        if i < n and olds[i] is k:
            y, h = ys[i], k
            i += 1
        elif i + 1 < n and olds[i + 1] is k:
            y, h = ys[i + 1], k
            i += 2
            every = False
        else:
            if keys is None:
                if k not in hm:
                    every = False
                    continue
                keys = {h: h for h in hm}
            h = keys.get(k, _ABSENT)
            if h is _ABSENT or (h is not k and not _same(h, k)):
                every = False
                continue
            y = hm[h]
            if i < n and olds[i] is h:
                i += 1
        taken = y if y is x else _taken(y, x)
        if taken is not y:
            every = False
        if h is not k or taken is not x:
            swaps[j] = (h, taken)
    if every:
        return have
    if not swaps:
        return value  # what it shares with have is have's objects already
    out = {}
    for j, (k, x) in enumerate(vm.items()):
        if j in swaps:
            k, x = swaps[j]
        out[k] = x
    return _as(Fn(out), value)


def _equal(a: Value, b: Value) -> bool:
    """``a = b`` as TLA+ values (Python's equality takes 1 for TRUE, at any depth)."""
    return a is b or (a == b and same_value(a, b))


class TraceError(UserError):
    """A trace that cannot be validated at all (not a divergence: bad input)."""


class Validator:
    """Holds the spec states consistent with the trace so far; feed it events in order."""

    def __init__(self, engine: SpecEngine, partial: Iterable[str] = (),
                 max_candidates: int = 512, check_invariants: bool = True,
                 coverage: Coverage | None = None) -> None:
        self.engine = engine
        # told of every step accepted: the action, its branches, the states (see
        # conformance.coverage.record)
        self.coverage = coverage
        self.partial = frozenset(partial)
        self.max_candidates = max_candidates
        self.check_invariants = check_invariants
        self.candidates: list[State] = []
        self.events = 0  # events validated
        self.truncated = False  # the candidate search hit max_candidates
        # each invariant in pieces, with the variables it reads: a piece is evaluated
        # again only when one of its variables changed
        self._checks = engine.invariant_checks()
        # the pieces' results in the state checked last (None: none checked yet), and for
        # each variable the pieces that read it: see failed_invariants
        self._last_state: State | None = None
        self._held: list[bool] = [True] * len(self._checks)
        self._failing = 0  # pieces whose _held is False
        # the pieces to check again for each set of changed variables met (see above)
        self._todo: dict[tuple[int, ...], tuple[int, ...]] = {}
        # the action properties; for each, the variables whose values made it hold on the
        # last step checked, when that step left them as they were (None otherwise); and
        # the state that step ended in (see failed_properties)
        # (with the Python check of each, where quicksteps has one: a True skips the spec)
        quick = step_checks_for(engine.spec.stem, engine.index, engine.constants)
        self._props = [(p.name, p.code.fn, p.code.fn.reads if isinstance(p.code.fn, Remembered)
                        else None, quick.get(p.name)) for p in engine.model.action_properties]
        self._steady: list[frozenset[int] | None] = [None] * len(self._props)
        self._quiet: frozenset[int] | None = None  # their union, when none is None
        self._props_after: State | None = None
        # the last two states failed_invariants compared, and the variables that differ
        self._step_changed: tuple[State, State, tuple[int, ...]] | None = None
        self._readers = engine.piece_readers()
        # Python checks of the costliest invariants: a True skips the spec's evaluation;
        # and of single pieces, by their text
        self._quick = checks_for(engine.spec.stem, engine.index, engine.constants)
        pieces = piece_checks_for(engine.spec.stem, engine.index)
        self._piece_quick = [pieces.get(text) for text in engine.piece_texts()] \
            if pieces else [None] * len(self._checks)
        self.failed_piece: Any = None  # where the last invariant that failed failed
        # what _taken_after met last: the names the event gave, in its order, their
        # indexes, the event's objects, and what it took them as (by index)
        self._given: tuple[tuple[str, ...], tuple[int, ...], tuple, list] | None = None
        self._stepped: State | None = None  # the state _given's values fixed
        # whether the trace repeats its objects: a function, a sequence or a set an event
        # did not change given as the very object the event before gave (see _taken_after)
        self._shares = False
        # each variable's index, and whether the trace gives it in part
        self._slots = {n: (k, n in self.partial) for n, k in engine.index.items()}

    # ------------------------------------------------------------------ the trace

    def start(self, init: Step) -> Divergence | None:
        # (several specs may be loaded in this process: compare in this one's TLC order)
        self.engine.model.use_names()
        known, fixed, _ = self._known(init)
        if known is None:
            known = self._given_whole(init, fixed)
        inits = self.engine.initial_states()
        self.candidates = [s for s in inits if self._matches(s, known)]
        if not self.candidates:
            return self._diverged(init, INITIAL, inits, known, [])
        if self.coverage is not None:
            self.coverage.initial(self.engine, self.candidates)
        return self._check_states(init, self.candidates, None)

    def step(self, event: Step) -> Divergence | None:
        """Validate one event; on success the candidates move to the states after it."""
        self.engine.model.use_names()
        if not self.engine.has_action(event.action):
            return Divergence(event.index, event.action, event.params, event.node,
                              UNKNOWN_ACTION, why=f"{self.engine.spec.name} defines no "
                              f"action {event.action}")
        # The variables the event gives whole are bound before the action runs (``fixed``),
        # so that it tests them instead of building successors to compare (see
        # SpecEngine.steps_to); only when nothing matches are the successors computed, to
        # say what went wrong. The successors then agree with the variables given whole
        # (the action tested them): only those given in part are left to compare.
        known, fixed, in_part = self._known(event)
        self._stepped = None
        params = event.params or {}
        coverage = self.coverage
        if coverage is None and len(self.candidates) == 1:
            # the usual case, one state before and the one state after it: no dictionary
            # (whose keys, whole states, hash every variable's value)
            before = self.candidates[0]
            try:
                # (given whole, see _known: each variable the event gives, fixed)
                succ = self.engine.steps_to(before, event.action, params, fixed,
                                            assigned=len(event.state) if known is None
                                            else None)
            except EvalError as e:
                raise TraceError(f"event {event.index}: evaluating {event.action}: "
                                 f"{e.message}")
            if len(succ) == 1 and (not in_part or self._matches(succ[0], in_part)):
                self.events += 1
                if known is None:  # (every variable given as _taken_after took it)
                    self._stepped = succ[0]
                div = self._check(event, succ[0], before, 1) if self.check_invariants \
                    else None
                self.candidates = succ
                return div
            return self._step_all(event, known, params, fixed, in_part, [before], succ)
        return self._step_all(event, known, params, fixed, in_part, self.candidates, None)

    def _step_all(self, event: Step, known: list[tuple[int, Value, bool]] | None,
                  params: dict[str, Value], fixed: list[Value | None],
                  in_part: list[tuple[int, Value, bool]], candidates: list[State],
                  first: list[State] | None) -> Divergence | None:
        """:meth:`step` for any number of candidates and successors (``first``: the
        successors of the first candidate, already computed)."""
        if known is None:
            known = self._given_whole(event, fixed)
        reached: dict[State, State] = {}  # state after -> a state before it
        every: list[State] = []
        coverage = self.coverage
        paths: list[tuple[int, ...]] | None = [] if coverage is not None else None
        taken: set[int] = set()
        for before in candidates:
            if first is not None:
                succ, first = first, None
            else:
                try:
                    succ = self.engine.steps_to(before, event.action, params, fixed, paths)
                except EvalError as e:
                    raise TraceError(f"event {event.index}: evaluating {event.action}: "
                                     f"{e.message}")
            if paths:
                for after, path in zip(succ, paths, strict=True):
                    if not in_part or self._matches(after, in_part):
                        reached.setdefault(after, before)
                        taken.update(path)
                paths.clear()
            else:
                for after in succ:
                    if after not in reached and (not in_part or self._matches(after, in_part)):
                        reached[after] = before
            if len(reached) >= self.max_candidates:
                self.truncated = True
                break
        if reached:
            self.events += 1
            if coverage is not None:
                coverage.step(self.engine, event.action, taken, reached)
            div = self._check_states(event, list(reached), list(reached.values()))
            self.candidates = list(reached)
            return div
        for before in self.candidates:
            try:
                succ = self.engine.successors(before, event.action, params)
            except EvalError as e:
                raise TraceError(f"event {event.index}: evaluating {event.action}: {e.message}")
            every.extend(succ)
            for after in succ:
                if after not in reached and self._matches(after, known):
                    reached[after] = before
                    if len(reached) >= self.max_candidates:
                        break
            if len(reached) >= self.max_candidates:
                # keep the search bounded; a later divergence may then be a false alarm,
                # which the report says (Validator.truncated)
                self.truncated = True
                break
        if not reached:
            kind = LED_ELSEWHERE if every else NOT_ENABLED
            return self._diverged(event, kind, every, known, self.candidates)
        self.events += 1
        if coverage is not None:  # found only by comparing whole states: branches unknown
            coverage.step(self.engine, event.action, (), reached)
        div = self._check_states(event, list(reached), list(reached.values()))
        self.candidates = list(reached)
        return div

    def validate(self, steps: Iterable[Step]) -> Divergence | None:
        """A whole trace, the initial state first."""
        it = iter(steps)
        first = next(it, None)
        if first is None:
            raise TraceError("the trace has no states")
        with Frozen() as heap:  # the trace, and what the check keeps (see conformance.heap)
            div = self.start(first)
            if div is not None:
                return div
            for event in it:
                div = self.step(event)
                if div is not None:
                    return div
                heap.tick()
        return None

    # ------------------------------------------------------------------ matching

    def _known(self, step: Step) -> tuple[list[tuple[int, Value, bool]] | None,
                                          list[Value | None], list[tuple[int, Value, bool]]]:
        """What ``step`` says of the state after it: each variable it gives (its index, its
        value, whether it is given in part; None where it gives each whole, see
        :meth:`_given_whole`); the next state's variables it gives whole (None for the
        others); and those it gives in part."""
        last = self.candidates[0] if len(self.candidates) == 1 else None
        taken = self._taken_after(step.state, last) if last is not None else None
        if taken is not None and not self.partial:
            return None, taken, []
        slots = self._slots
        out = []
        fixed: list[Value | None] = [None] * len(self.engine.variables)
        in_part = []
        for name, value in step.state.items():
            slot = slots.get(name)
            if slot is None:
                raise TraceError(f"event {step.index}: the state has a variable {name!r} that "
                                 f"{self.engine.spec.name} does not declare")
            k = slot[0]
            if taken is not None:
                value = taken[k]
            if slot[1]:
                kv = (k, value, True)
                in_part.append(kv)
            else:
                kv = (k, value, False)
                fixed[k] = value
            out.append(kv)
        return out, fixed, in_part

    def _taken_after(self, state: dict[str, Value], last: State) -> list[Value | None] | None:
        """The values an event gives (``state``), by variable index (None for those it
        leaves out), after the one state ``last``: each taken as the very object ``last``
        holds where it is one TLA+ value with it, and with the parts the two share taken
        as ``last``'s objects (see _taken), so that the checks remembered by identity hit;
        None for a variable the spec does not declare (:meth:`_known` says so).

        A reader or recorder shares what did not change: after the state this method's
        values last stepped to (``_stepped``, see :meth:`step`), a variable the event
        gives as the very object the event before gave is what it was taken as then,
        without a walk; those are found at C speed (an event changes two or three of a
        dozen variables). A changed variable is walked only where the state holds other
        objects than the trace gave, or the trace is not known to share (``_shares``):
        where the state holds the event before's object as itself, what a sharing source
        repeats of that object is the state's already, and the walk would find nothing
        to take (the walk is for identity alone: the trace's value is the value)."""
        names = tuple(state)
        values = tuple(state.values())
        given = self._given
        if last is self._stepped and given is not None and given[0] == names:
            _, ks, objs, taken = given
            taken = taken.copy()  # (the list returned last, which its callers only read)
            changed = tuple(compress(count(), map(is_not, values, objs)))
            shares = self._shares
            if not shares and len(changed) < len(ks):
                shares = self._shares = any(
                    type(x) is Fn or type(x) is Tup or type(x) is FSet
                    for x in compress(values, map(is_, values, objs)))
            for j in changed:
                k = ks[j]
                have, value = last[k], values[j]
                # (a source that shares, where the state holds the event before's object
                # as itself: what this value shares with that object is the state's)
                taken[k] = value if shares and have is objs[j] else _taken(have, value)
        else:
            index = self.engine.index
            ks = tuple(index[n] for n in names if n in index)
            if len(ks) != len(names):
                return None
            taken = [None] * len(last)
            for j, k in enumerate(ks):
                have, value = last[k], values[j]
                taken[k] = have if have is value else _taken(have, value)
        self._given = (names, ks, values, taken)
        return taken

    def _given_whole(self, step: Step, fixed: list[Value | None]) -> list[
            tuple[int, Value, bool]]:
        """What :meth:`_known` says ``step`` gives, from the next state it fixed (when it
        gives no variable in part), in the trace's order."""
        index = self.engine.index
        return [(k, fixed[k], False) for k in map(index.__getitem__, step.state)]

    @staticmethod
    def _matches(state: State, known: list[tuple[int, Value, bool]]) -> bool:
        for k, value, partial in known:
            have = state[k]
            if partial:
                have = concrete(have)
                if type(value) is not Fn or type(have) is not Fn:
                    if not _equal(have, value):
                        return False
                    continue
                hm = have.map
                for key, v in value.map.items():
                    if key not in hm or not _equal(hm[key], v):
                        return False
            elif not _equal(have, value) and not _equal(concrete(have), value):
                return False
        return True

    # ------------------------------------------------------------------ checks

    def failed_invariants(self, state: State) -> list[str]:
        """The invariants that fail in ``state``. Only the pieces that read a variable whose
        value is not the very object it was in the state checked last are evaluated again;
        the others keep their results. A value an event did not change is the object of the
        state before (see _known), and the identity test cannot confuse values Python
        equates (0 and FALSE) as an equality test would."""
        checks = self._checks
        last = self._last_state
        if last is None:
            if not self._failing and any(state is s for s in self.engine.sound_states):
                # (an initial state of the engine's, found to keep every invariant before)
                self._last_state = state
                self.failed_piece = None
                return []
            todo: Iterable[int] = range(len(checks))
        else:
            # the variables that changed (at C speed), and their readers (once per set)
            changed = tuple(compress(count(), map(is_not, state, last)))
            self._step_changed = (last, state, changed)  # for failed_properties
            found = self._todo.get(changed)
            if found is None:
                readers = self._readers
                found = self._todo[changed] = tuple(sorted({n for k in changed
                                                            for n in readers[k]}))
            todo = found
        if todo:
            held = self._held
            quick = self._quick
            piece_quick = self._piece_quick
            passed: dict[str, bool] = {}  # the quick checks' verdicts in this state
            self._last_state = None  # until every piece's result is of this state
            for n in todo:
                name, fn, _, _ = checks[n]
                pq = piece_quick[n]
                if pq is not None and pq(state):
                    ok = True
                elif name in quick and (passed[name] if name in passed else
                                        passed.setdefault(name, quick[name](state))):
                    ok = True
                else:
                    try:
                        ok = fn((state, None)) is True
                    except EvalError as e:
                        raise TraceError(f"evaluating the invariant {name}: {e.message}")
                if ok is not held[n]:
                    held[n] = ok
                    self._failing += -1 if ok else 1
        self._last_state = state
        self.failed_piece = None
        if not self._failing:
            if last is None and any(state is s for s in self.engine.initial_states()):
                self.engine.sound_states.append(state)
            return []
        bad: list[str] = []
        for n, (name, _, _, loc) in enumerate(checks):
            if not self._held[n]:
                if self.failed_piece is None:
                    self.failed_piece = loc
                if name not in bad:
                    bad.append(name)
        return bad

    def failed_properties(self, step: Step, state: State, nxt: State) -> list[str]:
        """The action properties that fail on the step from ``state`` to ``nxt``.

        A property that held on the last step checked, a step that changed none of the
        variables its evaluation read (a stutter of them), holds on this step too when this
        step starts where that one ended and changes none of them either: the two steps
        hold the very same values of those variables, before and after, and an evaluation
        depends on nothing else (see conformance.tla.remember). Only the other properties
        are evaluated: MonotonicTerm once when a term changes and once after, not on every
        event."""
        if not self._props:
            return []
        steady = self._steady
        if self._props_after is not state:  # another chain of states: nothing is known
            steady = self._steady = [None] * len(self._props)
            self._quiet = None
        c = self._step_changed
        changed = c[2] if c is not None and c[0] is state and c[1] is nxt else \
            tuple(compress(count(), map(is_not, nxt, state)))
        if self._quiet is not None and self._quiet.isdisjoint(changed):
            self._props_after = nxt  # every property steady: one test for them all
            return []
        bad: list[str] = []
        for n, (name, fn, reads, quick) in enumerate(self._props):
            quiet = steady[n]
            if quiet is not None and quiet.isdisjoint(changed):
                continue
            if quick is not None and quick[0](state, nxt, step):
                # (held, as decided by the variables the check reads: as above)
                steady[n] = quick[1] if quick[1].isdisjoint(changed) else None
                continue
            try:
                ok = fn((state, nxt)) is True
            except EvalError as e:
                raise TraceError(f"event {step.index}: evaluating the property {name}: "
                                 f"{e.message}")
            steady[n] = None
            if not ok:
                bad.append(name)
            elif reads is not None:
                read = reads()
                if read is not None and read.isdisjoint(changed):
                    steady[n] = read
        self._props_after = nxt
        self._quiet = None if None in steady else \
            frozenset().union(*(q for q in steady if q is not None))
        return bad

    def _check_states(self, step: Step, states: list[State],
                      befores: list[State] | None) -> Divergence | None:
        """The invariants in each of ``states``, and the action properties on its step from
        the state before it (``befores``, in the same order; None for initial states)."""
        if not self.check_invariants:
            return None
        for n, s in enumerate(states):
            div = self._check(step, s, befores[n] if befores is not None else None,
                              len(states))
            if div is not None:
                return div
        return None

    def _check(self, step: Step, state: State, before: State | None,
               candidates: int) -> Divergence | None:
        """The invariants in ``state``, and the action properties on the step to it from
        ``before`` (None: an initial state), one of ``candidates`` states."""
        bad = self.failed_invariants(state)
        if bad:
            div = Divergence(step.index, step.action, step.params, step.node, INVARIANT,
                             violated=bad, candidates=candidates)
            if self.failed_piece is not None:
                c = self.engine.conjunct_at(self.failed_piece, "false")
                div.conjunct, div.position = c.text, c.position
            return div
        if before is not None:
            bad = self.failed_properties(step, before, state)
            if bad:
                return Divergence(step.index, step.action, step.params, step.node,
                                  PROPERTY, violated=bad, candidates=candidates)
        return None

    # ------------------------------------------------------------------ reporting

    def _diverged(self, step: Step, kind: str, allowed: list[State],
                  known: list[tuple[int, Value, bool]], befores: list[State]) -> Divergence:
        observed = self._observed(known)
        partial = {self.engine.variables[k] for k, _, p in known if p}
        diffs: list = []
        if allowed:
            best = None
            for s in allowed:
                d = diff_states(observed, _restricted(self.engine.as_dict(s), observed, partial))
                if best is None or len(d) < len(best):
                    best = d
            diffs = best or []
        div = Divergence(step.index, step.action, step.params, step.node, kind,
                         differences=diffs, candidates=max(1, len(befores)))
        if kind in (NOT_ENABLED, LED_ELSEWHERE) and befores:
            # NOT_ENABLED: the deepest guard that was false. LED_ELSEWHERE: the first
            # assignment that disagrees with what the implementation reached.
            target: list[Value] | None = None
            if kind == LED_ELSEWHERE:
                target = [None] * len(self.engine.variables)
                for k, value, given_in_part in known:
                    if not given_in_part:
                        target[k] = value
            try:
                c = self.engine.explain(befores[0], step.action, step.params or {}, target)
            except UserError:
                c = None
            if c is not None:
                div.conjunct, div.position, div.why = c.text, c.position, c.why
        return div

    def _observed(self, known: list[tuple[int, Value, bool]]) -> dict[str, Value]:
        names = self.engine.variables
        return {names[k]: value for k, value, _ in known}


def _restricted(full: dict[str, Value], observed: dict[str, Value],
                partial: set[str]) -> dict[str, Value]:
    """``full`` with each function given in part cut down to the keys observed, so that a
    diff does not report the keys a node-local trace never gave."""
    out = dict(full)
    for name in partial:
        have, seen = full.get(name), observed.get(name)
        if type(have) is Fn and type(seen) is Fn:
            out[name] = Fn({k: have.map[k] for k in seen.map if k in have.map})
    return out
