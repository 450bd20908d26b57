"""Quick checks of a spec's costliest invariants, in Python, for validating long real runs.

Validating a real run checks every invariant on every state, and the state grows with the
run: a 1.5-second traced Raft cluster commits ~2,000 entries, and the spec's
``CommittedOnQuorum``, ``StateMachineSafety`` and ``LeaderCompleteness`` quantify over the
ghost set ``committed`` and the logs, costing the TLA+ evaluator ~20 ms per event by the end.
The checks here state the same invariants over the same values in plain Python (dictionaries
and identity-first comparisons), an order of magnitude faster.

A quick check only ever says "holds": when it returns True the invariant holds in that state
(it implements the TLA+ definition exactly, on the values' TLA+ equality); when it returns
False or meets a value of a shape it does not expect, the validator evaluates the spec's own
definition as before, so a violation is found, named and explained by the spec, never by
this module. The checks are keyed by spec module and invariant name; a spec edited so that
an invariant no longer means what its check states must update or drop the check here (the
tests compare them on states where each invariant fails).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance.validate.engine import concrete
from conformance.values import Fn, FSet, Tup, typed_hash

Value = Any
State = tuple
Check = Callable[[State], bool]


def _eq(a: Value, b: Value) -> bool:
    """TLA+ equality of two values (Python's equates 1 and TRUE; the typed hash does not).
    The typed hash, cached on a record, first: most unequal entries differ there."""
    return a is b or (typed_hash(a) == typed_hash(b) and a == b)


def _fn(v: Value) -> dict:
    if type(v) is not Fn:
        raise _Shape
    return v.map


def _seq(v: Value) -> tuple:
    if type(v) is not Tup:
        raise _Shape
    return v


def _set(v: Value) -> FSet:
    if type(v) is not FSet:
        raise _Shape
    return v


def _int(v: Value) -> int:
    if type(v) is not int:
        raise _Shape
    return v


class _Shape(Exception):
    """A value of a shape the quick check does not handle: the spec decides."""


def _committed(c: Value) -> tuple[int, Value, int, FSet]:
    m = _fn(c)
    cfg = _set(m["config"])
    return _int(m["index"]), m["entry"], _int(m["term"]), cfg


class _Raft:
    """specs/Raft.tla's invariants over ``committed`` and the logs."""

    def __init__(self, index: dict[str, int]) -> None:
        self.committed = index["committed"]
        self.log = index["log"]
        self.state = index["state"]
        self.term = index["currentTerm"]
        self.commit = index["commitIndex"]

    def committed_on_quorum(self, s: State) -> bool:
        # \A c \in committed : IsQuorum({j : c.index <= Len(log[j]) /\ log[j][c.index] =
        # c.entry}, c.config)
        logs = {j: _seq(lg) for j, lg in _fn(concrete(s[self.log])).items()}
        for c in _set(concrete(s[self.committed])):
            index, entry, _, cfg = _committed(c)
            if index < 1:
                raise _Shape
            have = sum(1 for j, lg in logs.items()
                       if j in cfg and index <= len(lg) and _eq(lg[index - 1], entry))
            if not 2 * have > len(cfg):
                return False
        return True

    def state_machine_safety(self, s: State) -> bool:
        # LET pairs == {<<c.index, c.entry>> : c \in committed}
        # IN /\ Cardinality({p[1] : p \in pairs}) = Cardinality(pairs)
        #    /\ \A i \in Server : \A n \in 1..commitIndex[i] : <<n, log[i][n]>> \in pairs
        at: dict[int, Value] = {}
        for c in _set(concrete(s[self.committed])):
            index, entry, _, _ = _committed(c)
            had = at.setdefault(index, entry)
            if not _eq(had, entry):
                return False
        logs = _fn(concrete(s[self.log]))
        for i, ci in _fn(concrete(s[self.commit])).items():
            lg = _seq(logs[i])
            if _int(ci) > len(lg):
                raise _Shape  # log[i][n] out of its domain: the spec's evaluation says so
            for n in range(1, ci + 1):
                e = at.get(n, _MISSING)
                if e is _MISSING or not _eq(lg[n - 1], e):
                    return False
        return True

    def leader_completeness(self, s: State) -> bool:
        # \A c \in committed : \A i \in Server :
        #     state[i] = "Leader" /\ currentTerm[i] >= c.term =>
        #         c.index <= Len(log[i]) /\ log[i][c.index] = c.entry
        roles, terms = _fn(concrete(s[self.state])), _fn(concrete(s[self.term]))
        logs = _fn(concrete(s[self.log]))
        leaders = [(_int(terms[i]), _seq(logs[i])) for i, r in roles.items()
                   if type(r) is str and r == "Leader"]
        if not leaders:
            _set(concrete(s[self.committed]))
            return True
        for c in _set(concrete(s[self.committed])):
            index, entry, term, _ = _committed(c)
            for t, lg in leaders:
                if t >= term and not (1 <= index <= len(lg) and _eq(lg[index - 1], entry)):
                    return False
        return True


_MISSING = object()


def checks_for(spec: str, index: dict[str, int]) -> dict[str, Check]:
    """The quick checks of the spec module ``spec`` (by invariant name), given the index of
    each variable in a state; each returns True only when the invariant holds."""
    if spec != "Raft" or not {"committed", "log", "state", "currentTerm",
                              "commitIndex"} <= set(index):
        return {}
    raft = _Raft(index)
    named = {"CommittedOnQuorum": raft.committed_on_quorum,
             "StateMachineSafety": raft.state_machine_safety,
             "LeaderCompleteness": raft.leader_completeness}
    return {name: _guarded(fn) for name, fn in named.items()}


def _guarded(fn: Check) -> Check:
    def check(s: State) -> bool:
        try:
            return fn(s) is True
        except (_Shape, KeyError, IndexError, TypeError):
            return False  # not decided here: the spec's definition is evaluated
    return check
