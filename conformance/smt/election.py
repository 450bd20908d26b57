"""The election restriction, proved about :func:`impl.raft.rules.log_up_to_date` itself.

Three facts. The predicate is the spec's definition, for every integer input. It is a total
preorder (reflexive, transitive, total), so "at least as up-to-date" orders all logs and a
vote is never refused to a log identical to the voter's. And, over bounded symbolic logs, it
gives leader completeness: a candidate that wins the votes of a quorum holds every entry
stored on a quorum. That last proof also calls :func:`impl.quorum.is_quorum`, so it holds only
while both predicates are right.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import z3

from conformance.smt.proof import (
    Counterexample,
    Finding,
    all_of,
    decide,
    int_in,
    set_text,
    size_of,
    true_in,
)
from conformance.smt.quorums import QuorumPredicate, servers
from impl import quorum as impl_quorum
from impl.raft import rules as raft_rules

UpToDate = Callable[[Any, Any, Any, Any], Any]
"""The shape of :func:`impl.raft.rules.log_up_to_date`:
(candidate last term, candidate last index, voter last term, voter last index)."""


def spec_up_to_date(cand_last_term: Any, cand_last_index: Any,
                    last_term: Any, last_index: Any) -> Any:
    """The definition in ``specs/Raft.tla`` (as ``logOk`` in Ongaro's raft.tla), stated here
    once as the reference the implementation is held to:

        UpToDate(candLastTerm, candLastIndex, lastTerm, lastIndex) ==
            \\/ candLastTerm > lastTerm
            \\/ candLastTerm = lastTerm /\\ candLastIndex >= lastIndex
    """
    return z3.Or(cand_last_term > last_term,
                 z3.And(cand_last_term == last_term, cand_last_index >= last_index))


def _pair_text(model: z3.ModelRef, ct: Any, ci: Any, vt: Any, vi: Any) -> str:
    return (f"candidate (last term {int_in(model, ct)}, last index {int_in(model, ci)}), "
            f"voter (last term {int_in(model, vt)}, last index {int_in(model, vi)})")


def equals_spec(up_to_date: UpToDate | None = None) -> Finding:
    """The predicate and the spec's ``UpToDate`` agree on all integers."""
    up_to_date = up_to_date or raft_rules.log_up_to_date
    ct, ci, vt, vi = z3.Ints("cand_last_term cand_last_index last_term last_index")
    impl, spec = up_to_date(ct, ci, vt, vi), spec_up_to_date(ct, ci, vt, vi)

    def explain(model: z3.ModelRef) -> Counterexample:
        grants = true_in(model, impl)
        return Counterexample(
            summary=f"{_pair_text(model, ct, ci, vt, vi)}: the implementation "
                    f"{'grants' if grants else 'refuses'} the vote, the spec "
                    f"{'refuses' if grants else 'grants'} it",
            data={"candidate": {"last_term": int_in(model, ct), "last_index": int_in(model, ci)},
                  "voter": {"last_term": int_in(model, vt), "last_index": int_in(model, vi)},
                  "implementation": grants, "spec": not grants})

    return decide([], impl == spec, explain, measure=size_of(ct, ci, vt, vi),
                  logic="QF_LIA")


def total_preorder(up_to_date: UpToDate | None = None) -> Finding:
    """Reflexive, transitive and total, on (last term, last index) pairs of all integers."""
    up_to_date = up_to_date or raft_rules.log_up_to_date
    t1, i1, t2, i2, t3, i3 = z3.Ints("t1 i1 t2 i2 t3 i3")

    def law(name: str, hypotheses: list, conclusion: Any, logs: list) -> Finding:
        def explain(model: z3.ModelRef) -> Counterexample:
            shown = ", ".join(f"{label} = (last term {int_in(model, t)}, last index "
                              f"{int_in(model, i)})" for label, t, i in logs)
            return Counterexample(summary=f"not {name}: {shown}",
                                  data={"law": name, "logs": {
                                      label: {"last_term": int_in(model, t),
                                              "last_index": int_in(model, i)}
                                      for label, t, i in logs}})
        return decide(hypotheses, conclusion, explain,
                      measure=size_of(*[x for _, t, i in logs for x in (t, i)]),
                      logic="QF_LIA")

    def laws() -> Iterator[Finding]:
        yield law("reflexive", [], up_to_date(t1, i1, t1, i1), [("A", t1, i1)])
        yield law("total", [], z3.Or(up_to_date(t1, i1, t2, i2), up_to_date(t2, i2, t1, i1)),
                  [("A", t1, i1), ("B", t2, i2)])
        yield law("transitive", [up_to_date(t1, i1, t2, i2), up_to_date(t2, i2, t3, i3)],
                  up_to_date(t1, i1, t3, i3), [("A", t1, i1), ("B", t2, i2), ("C", t3, i3)])
    return all_of(laws())


class Logs:
    """``n`` symbolic Raft logs of at most ``max_len`` entries, each entry its term.

    ``term[s][i]`` is the term of entry ``i`` (1-based) of server ``s``; past the end of the
    log it is pinned to 0, so every model has one reading. The well-formedness constraints are
    what every Raft log satisfies: terms are at least 1 and never decrease along a log."""

    def __init__(self, names: list[str], max_len: int):
        self.names, self.max_len = names, max_len
        self.length = {s: z3.Int(f"len_{s}") for s in names}
        self.term = {s: {i: z3.Int(f"term_{s}_{i}") for i in self.indexes} for s in names}

    @property
    def indexes(self) -> range:
        return range(1, self.max_len + 1)

    def well_formed(self) -> list:
        out = []
        for s in self.names:
            out.append(z3.And(self.length[s] >= 0, self.length[s] <= self.max_len))
            for i in self.indexes:
                inside = i <= self.length[s]
                out.append(z3.If(inside, self.term[s][i] >= 1, self.term[s][i] == 0))
                if i > 1:
                    out.append(z3.Implies(inside, self.term[s][i - 1] <= self.term[s][i]))
        return out

    def holds(self, s: str, i: int, term: Any) -> Any:
        """Server ``s`` has an entry of ``term`` at index ``i`` (a number)."""
        return z3.And(i <= self.length[s], self.term[s][i] == term)

    def holds_at(self, s: str, index: Any, term: Any) -> Any:
        """Server ``s`` has an entry of ``term`` at ``index`` (a symbolic integer)."""
        return z3.Or(*[z3.And(index == i, self.holds(s, i, term)) for i in self.indexes])

    def last_term(self, s: str) -> Any:
        """The spec's LastTerm: the term of the last entry, 0 for an empty log."""
        last: Any = z3.IntVal(0)
        for i in self.indexes:
            last = z3.If(self.length[s] == i, self.term[s][i], last)
        return last

    def log_matching(self) -> list:
        """Raft's Log Matching property: two logs that hold an entry with the same index and
        term are identical in all entries up to that index."""
        out = []
        for x, s in enumerate(self.names):
            for r in self.names[x + 1:]:
                for i in self.indexes:
                    if i == 1:
                        continue
                    same = z3.And(self.holds(s, i, self.term[r][i]), i <= self.length[r])
                    out.append(z3.Implies(same, z3.And(*[self.term[s][j] == self.term[r][j]
                                                         for j in range(1, i)])))
        return out

    def one_leader_per_term(self) -> list:
        """The entries of a term are all created by the one leader of that term, in index
        order, and it never drops its own entries: so if one log holds term u at index i and
        another holds u at a later index j, the second also holds u at index i."""
        out = []
        for s in self.names:
            for r in self.names:
                if r == s:
                    continue
                for i in self.indexes:
                    for j in self.indexes:
                        if j <= i:
                            continue
                        out.append(z3.Implies(
                            z3.And(self.holds(s, i, self.term[s][i]),
                                   self.holds(r, j, self.term[s][i])),
                            self.term[r][i] == self.term[s][i]))
        return out

    def later_terms_hold(self, k: Any, t: Any) -> list:
        """Leader Completeness for the terms after t, the induction hypothesis of Raft section
        5.4.3: every log that holds an entry of a term greater than t holds the entry (k, t),
        because the leader that created that later entry held (k, t) and Log Matching carries
        the prefix along."""
        return [z3.Implies(z3.And(i <= self.length[s], self.term[s][i] > t),
                           self.holds_at(s, k, t))
                for s in self.names for i in self.indexes]

    def text(self, model: z3.ModelRef, s: str) -> str:
        n = int_in(model, self.length[s])
        return "[" + ", ".join(str(int_in(model, self.term[s][i])) for i in range(1, n + 1)) + "]"


def leader_completeness(n: int, max_len: int, up_to_date: UpToDate | None = None,
                        quorum: QuorumPredicate | None = None) -> Finding:
    """With ``n`` servers and logs of at most ``max_len`` entries: if an entry (index k,
    term t) is stored on a quorum, and a candidate (server s1) gets the votes of a quorum, each
    granted because ``up_to_date`` holds, then the candidate's log holds the entry.

    Hypotheses, each an invariant the rest of Raft maintains (and that the model checker
    checks on the spec): logs are well formed; Log Matching; one leader per term
    (:meth:`Logs.one_leader_per_term`); and Leader Completeness for the terms between t and
    this election (:meth:`Logs.later_terms_hold`), the induction hypothesis of Raft section
    5.4.3. Each is needed: without the last, a candidate whose last entry has a later term wins
    without the entry, as Log Matching alone does not tie that later entry to it; without the
    one-leader rule, a longer log with the same last term need not hold the voter's prefix."""
    up_to_date = up_to_date or raft_rules.log_up_to_date
    quorum = quorum or impl_quorum.is_quorum
    names = servers(n)
    candidate = names[0]
    logs = Logs(names, max_len)
    k, t = z3.Ints("k t")
    stored = {s: z3.Bool(f"stored_{s}") for s in names}
    voted = {s: z3.Bool(f"voted_{s}") for s in names}

    hypotheses = logs.well_formed() + logs.log_matching() + logs.one_leader_per_term()
    hypotheses += [k >= 1, k <= max_len, t >= 1]
    hypotheses += [z3.Implies(stored[s], logs.holds_at(s, k, t)) for s in names]
    hypotheses.append(quorum(names, stored.get))
    hypotheses += logs.later_terms_hold(k, t)
    cand_term, cand_index = logs.last_term(candidate), logs.length[candidate]
    hypotheses += [z3.Implies(voted[s], up_to_date(cand_term, cand_index,
                                                   logs.last_term(s), logs.length[s]))
                   for s in names]
    hypotheses.append(quorum(names, voted.get))

    def explain(model: z3.ModelRef) -> Counterexample:
        ki, ti = int_in(model, k), int_in(model, t)
        holders = [s for s in names if true_in(model, stored[s])]
        voters = [s for s in names if true_in(model, voted[s])]
        lines = []
        for s in names:
            notes = [note for note, flag in [("candidate", s == candidate),
                                             ("stores the entry", s in holders),
                                             ("votes for the candidate", s in voters)] if flag]
            lines.append(f"{s}: log {logs.text(model, s)}" + (f"  ({', '.join(notes)})"
                                                               if notes else ""))
        return Counterexample(
            summary=f"n = {n}: entry (index {ki}, term {ti}) is on quorum {set_text(holders)}, "
                    f"candidate {candidate} with log {logs.text(model, candidate)} wins votes "
                    f"of {set_text(voters)} without it",
            lines=tuple(lines),
            data={"servers": n, "entry": {"index": ki, "term": ti},
                  "candidate": candidate, "stored_on": holders, "voters": voters,
                  "logs": {s: [int_in(model, logs.term[s][i])
                               for i in range(1, int_in(model, logs.length[s]) + 1)]
                           for s in names}})

    measure = size_of(k, t, *logs.length.values(), *stored.values(), *voted.values(),
                      *[x for s in names for x in logs.term[s].values()])
    return decide(hypotheses, logs.holds_at(candidate, k, t), explain, measure=measure,
                  logic="QF_LIA")


def leader_completeness_upto(n_max: int, max_len: int,
                             up_to_date: UpToDate | None = None,
                             quorum: QuorumPredicate | None = None) -> Finding:
    """:func:`leader_completeness` for every cluster size 1..n_max."""
    return all_of(leader_completeness(n, max_len, up_to_date, quorum)
                  for n in range(1, n_max + 1))
