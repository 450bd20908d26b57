"""Checks remembered by the variables they read: an invariant over ``log`` alone is
evaluated once per distinct ``log``, not once per distinct state.

The explorer evaluates every invariant on every new state and every action property and
constraint on every generated transition, and most of them read a few variables: Raft's
LogMatching reads ``log``, ElectionSafety ``state`` and ``currentTerm``. Evaluation is
deterministic (only pure checks are remembered), so two states that agree on every variable
an evaluation read give the same result: the first evaluation follows the same path in both.
A miss evaluates on states that note which variables are read (:class:`_Reads`); the memory
is keyed by the values of every variable any evaluation read so far, which only widens (and
the memory starts afresh when it does). Values are keyed with their typed hash, so a
variable holding FALSE is not one holding 0. Before any hashing, the values of the last
call are compared by identity: sibling states share their parent's unchanged values.

A check that reads the whole state, or whose lookups cost more than its hits save (timed
over its first calls), is not remembered: it runs as compiled, after one attribute test.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import is_
from time import perf_counter
from typing import Any

from conformance.values import typed_hash

__all__ = ["Remembered"]

_MISS = object()


class _Reads(tuple):
    """A state (a tuple of the variables' values) that notes which variables are read.

    Reading one variable (``s[i]``) notes ``i``; any other use of the whole tuple
    (iteration, comparison, hashing, slicing, concatenation) sets ``whole``, and then the
    evaluation is not remembered."""

    read: set
    whole: bool

    def __getitem__(self, i):  # type: ignore[override]
        if type(i) is int:
            self.read.add(i if i >= 0 else i + len(self))
        else:
            self.whole = True
        return tuple.__getitem__(self, i)

    def _all(self):
        self.whole = True
        return tuple(tuple.__iter__(self))

    def __iter__(self):
        return iter(self._all())

    def __reversed__(self):
        return reversed(self._all())

    def __contains__(self, x) -> bool:
        return x in self._all()

    def __eq__(self, other) -> bool:
        return self._all() == other

    def __ne__(self, other) -> bool:
        return self._all() != other

    def __lt__(self, other) -> bool:
        return self._all() < other

    def __le__(self, other) -> bool:
        return self._all() <= other

    def __gt__(self, other) -> bool:
        return self._all() > other

    def __ge__(self, other) -> bool:
        return self._all() >= other

    def __hash__(self) -> int:
        return hash(self._all())

    def __add__(self, other):  # type: ignore[override]
        return self._all() + other

    def __radd__(self, other):
        return other + self._all()

    def __mul__(self, n):  # type: ignore[override]
        return self._all() * n

    def __rmul__(self, n):  # type: ignore[override]
        return n * self._all()

    def __reduce__(self):
        return (tuple, (self._all(),))

    def index(self, *args):  # type: ignore[override]
        return self._all().index(*args)

    def count(self, x):  # type: ignore[override]
        return self._all().count(x)


def _reads(state: tuple | None) -> Any:
    if state is None:
        return None
    r = _Reads(state)
    r.read = set()
    r.whole = False
    return r


class Remembered:
    """``fn(E)`` for a check, remembered by the values of the variables it reads.

    ``E`` is ``(state, next state or None)``. ``limit`` bounds the memory (it starts afresh
    when full). The first ``trial`` calls are timed: then a memory whose hits saved less
    evaluation than its lookups cost is dropped for good."""

    __slots__ = ("fn", "memo", "now", "nxt", "one", "last", "last_result", "off", "calls",
                 "hits", "cost", "lookup", "limit", "trial", "known", "_read_set")

    def __init__(self, fn: Callable, *, limit: int = 200_000, trial: int = 1_000) -> None:
        self.fn = fn
        self.memo: dict = {}
        self.now: tuple[int, ...] = ()  # variables read in the state
        self.nxt: tuple[int, ...] = ()  # variables read in the next state (primed)
        self.one = -1  # the one variable read, when it is one (of the state)
        self.last: Any = _MISS  # the values read at the last call, and its result
        self.last_result: Any = None
        self.cost = 0.0  # seconds spent evaluating on misses, during the trial
        self.lookup = 0.0  # seconds spent looking up, during the trial
        self.off = False
        self.known = False  # the last call's result is decided by the variables of reads()
        self._read_set: tuple = ((), (), frozenset())  # (now, nxt, reads()) last made
        self.calls = 0
        self.hits = 0
        self.limit = limit
        self.trial = trial

    def __call__(self, E):
        if self.off:
            return self.fn(E)
        s, t = E[0], E[1]
        one = self.one
        # siblings (and a state and its successors) share unchanged values: the same
        # objects as at the last call give the last result without hashing anything.
        # Timed only during the trial (a clock read per call costs as much as the test)
        timed = self.calls < self.trial
        started = perf_counter() if timed else 0.0
        if one >= 0:  # the common case: one variable of the state
            vals = s[one]
            if vals is self.last:
                self.known = True
                return self.last_result
        else:
            if t is None:
                vals = tuple([s[i] for i in self.now])
            else:
                vals = tuple([s[i] for i in self.now] + [t[i] for i in self.nxt])
            last = self.last
            if type(last) is tuple and all(map(is_, vals, last)):
                self.known = True
                return self.last_result
        key = (vals, typed_hash(vals))
        memo = self.memo
        r = memo.get(key, _MISS)
        calls = self.calls = self.calls + 1
        if timed:
            self.lookup += perf_counter() - started
            if calls == self.trial and not self._worth_it():
                self._drop()
                return r if r is not _MISS else self.fn(E)
        if r is not _MISS:
            self.hits += 1
            self.known = True
            self.last, self.last_result = vals, r
            return r
        rs, rt = _reads(s), _reads(t)
        if timed:
            started = perf_counter()
            r = self.fn((rs, rt) + tuple(E[2:]))
            self.cost += perf_counter() - started
        else:
            r = self.fn((rs, rt) + tuple(E[2:]))
        if rs.whole or (rt is not None and rt.whole) or (
                len(rs.read) == len(s) and (rt is None or len(rt.read) == len(t))):
            # it read everything: nothing to share between states. Not remembered (the
            # memory stays keyed by the variables the other evaluations read: a property
            # whose rare branch reads the whole state, MonotonicCommitIndex's Restart(i),
            # keeps its memory for the common one); the memory is dropped for good when it
            # holds nothing yet
            if not memo:
                self._drop()
            self.known = False
            return r
        now = self.now
        nxt = self.nxt
        if not rs.read.issubset(now) or (rt is not None and not rt.read.issubset(nxt)):
            now = self.now = tuple(sorted(rs.read.union(now)))
            if rt is not None:
                nxt = self.nxt = tuple(sorted(rt.read.union(nxt)))
            if len(now) == len(s) and (t is None or len(nxt) == len(t)):
                self._drop()  # together they read everything: nothing to share
                return r
            memo.clear()
            self.last = _MISS
            self.one = now[0] if len(now) == 1 and t is None else -1
            if self.one >= 0:
                vals = s[self.one]
            elif t is None:
                vals = tuple([s[i] for i in now])
            else:
                vals = tuple([s[i] for i in now] + [t[i] for i in nxt])
            key = (vals, typed_hash(vals))
        if len(memo) >= self.limit:
            memo.clear()
        memo[key] = r
        self.last, self.last_result = vals, r
        self.known = True
        return r

    def reads(self) -> frozenset[int] | None:
        """The variables whose values decided the last call's result, in the state or in
        the next state: any call on states that hold the same values of them (in both)
        gives the same result. None when unknown (the memory is off, or the last
        evaluation read the whole state)."""
        if self.off or not self.known:
            return None
        now, nxt, both = self._read_set
        if now is not self.now or nxt is not self.nxt:
            now, nxt = self.now, self.nxt
            both = frozenset(now + nxt)
            self._read_set = (now, nxt, both)
        return both

    def _worth_it(self) -> bool:
        """Did the hits save more evaluation than the lookups cost? (Hashing and comparing
        a big value can cost more than evaluating a simple conjunct.)"""
        misses = self.calls - self.hits
        if not misses:
            return True
        return self.cost / misses * self.hits > 1.5 * self.lookup

    def _drop(self) -> None:
        self.off = True
        self.memo = {}
