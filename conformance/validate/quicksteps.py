"""Quick checks of a spec's action properties, in Python: what :mod:`quick` does for
invariants, for the steps of a trace.

An action property ``[][A]_vars`` is checked on every step the validator accepts. Raft's
``MonotonicTerm``, ``MonotonicCommitIndex`` and ``LeaderAppendOnly`` quantify over the
servers and read a variable before and after the step, and ``CommittedStable`` compares a
set with the next: a few comparisons, which the TLA+ evaluator makes through a few dozen
calls (and a memory keyed by the values of both states), a sixth of the time a step's
validation took on the bench's runs. The checks here test ``A`` itself, on the same values
(and on the event: a step the validator found a step of ``Restart(i)`` is one), and answer
as :mod:`quick`'s do: True only when ``A`` holds on the step (so the property does);
False, or a value of a shape not expected, leaves the step to the spec's own definition,
which finds, names and explains a violation. They are keyed by spec module and property
name; a spec edited so that a property no longer means what its check states must update
or drop the check here (the tests compare them on steps that keep and break each
property).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance.trace import Step
from conformance.validate.engine import concrete
from conformance.validate.quick import _extends, _fn, _seq, _set, _Shape, _str
from conformance.values import FSet

Value = Any
State = tuple
StepCheck = Callable[[State, State, Step], bool]
_NONE = object()  # (no server)


class _RaftSteps:
    """specs/Raft.tla's action properties over the servers' terms, commit indexes and
    logs."""

    def __init__(self, index: dict[str, int], servers: FSet) -> None:
        self.servers = servers
        self.term = index["currentTerm"]
        self.commit = index["commitIndex"]
        self.state = index["state"]
        self.log = index["log"]

    def _grows(self, k: int, s: State, t: State, but: Value = _NONE) -> bool:
        # \A i \in Server : x'[i] >= x[i] (but at ``but``)
        a, b = _fn(concrete(s[k])), _fn(concrete(t[k]))
        for i in self.servers:
            x, y = b[i], a[i]
            if type(x) is not int or type(y) is not int:
                raise _Shape
            if x < y and i is not but:
                return False
        return True

    def monotonic_term(self, s: State, t: State, step: Step) -> bool:
        # [][\A i \in Server : currentTerm'[i] >= currentTerm[i]]_vars
        return self._grows(self.term, s, t)

    def monotonic_commit_index(self, s: State, t: State, step: Step) -> bool:
        # [][\A i \in Server : commitIndex'[i] >= commitIndex[i] \/ Restart(i)]_vars
        # Restart(i) holds on a step validated as Restart(i): the validator found t as
        # its successor of s. Any other commit index that fell is left to the spec.
        but = _NONE
        if step.action == "Restart" and step.params:
            but = step.params.get("i", _NONE)
        return self._grows(self.commit, s, t, but)

    def leader_append_only(self, s: State, t: State, step: Step) -> bool:
        # [][\A i \in Server :
        #       state[i] = "Leader" /\ state'[i] = "Leader" =>
        #           SubSeq(log'[i], 1, Len(log[i])) = log[i]]_vars
        # Passed where the log after holds the very entries of the log before, then more;
        # anything else (entries equal but other objects) is left to the spec.
        before, after = _fn(concrete(s[self.state])), _fn(concrete(t[self.state]))
        logs = None
        for i in self.servers:
            if _str(before[i]) != "Leader" or _str(after[i]) != "Leader":
                continue
            if logs is None:
                logs = (_fn(concrete(s[self.log])), _fn(concrete(t[self.log])))
            old, new = _seq(logs[0][i]), _seq(logs[1][i])
            if not _extends(new, old, len(old)):
                return False
        return True


def _kept_all(s: State, t: State, k: int) -> bool:
    # [][x \subseteq x']_vars, passed where x' holds the very objects of x (a set that
    # only grew); anything else (elements equal but other objects) is left to the spec
    a, b = _set(concrete(s[k])), _set(concrete(t[k]))
    if a is b or not a:
        return True
    return set(map(id, b)).issuperset(map(id, a))  # (at C speed: x grows to thousands)


def step_checks_for(spec: str, index: dict[str, int], constants: dict[str, Value] | None = None
                    ) -> dict[str, tuple[StepCheck, frozenset[int]]]:
    """The quick checks of the spec module ``spec``'s action properties (by property
    name), given each variable's index in a state and the spec's constants: each returns
    True only when the property holds on the step from its first state to its second (the
    validated event, its third, names the action that step was found a step of), and comes
    with the variables whose values (before and after) decide a True."""
    servers = (constants or {}).get("Server")
    if spec == "Raft" and type(servers) is FSet and \
            {"currentTerm", "commitIndex", "state", "log"} <= set(index):
        raft = _RaftSteps(index, servers)
        committed = index.get("committed")
        named = {"MonotonicTerm": (raft.monotonic_term, ("currentTerm",)),
                 "MonotonicCommitIndex": (raft.monotonic_commit_index, ("commitIndex",)),
                 "LeaderAppendOnly": (raft.leader_append_only, ("state", "log"))}
        if committed is not None:  # CommittedStable == [][committed \subseteq committed']_vars
            named["CommittedStable"] = (lambda s, t, step: _kept_all(s, t, committed),
                                        ("committed",))
        return {name: (_guarded(fn), frozenset(index[v] for v in reads))
                for name, (fn, reads) in named.items()}
    return {}


def _guarded(fn: StepCheck) -> StepCheck:
    def check(s: State, t: State, step: Step) -> bool:
        try:
            return fn(s, t, step) is True
        except (_Shape, KeyError, IndexError, TypeError):
            return False  # not decided here: the spec's definition is evaluated
    return check
