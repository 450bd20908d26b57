"""Paxos safety, proved about :func:`impl.paxos.rules.value_to_propose` and the quorum system
(:class:`impl.quorum.QuorumSystem`) that the Paxos nodes run.

The claim is the inductive step of Paxos safety ("Paxos Made Simple", P2c). A value v is
chosen at ballot b: a phase-2 quorum accepted it there. Every proposal of a ballot between b
and a later ballot b' carried v (the induction hypothesis). The proposer of b' collects promises
from a phase-1 quorum, each reporting the acceptor's highest-ballot accepted proposal below
b', and proposes what ``value_to_propose`` returns. Then it proposes v. By induction on b',
nothing but v is ever proposed after b, so v stays chosen. Ballots are bounded (0 .. B-1);
values and the proposer's own value are unbounded integers.

All the votes of an acceptor below b' are in its promise: once it has promised b' it never
accepts below b', so every such vote came before the promise.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
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
from conformance.smt.quorums import phases_meet
from impl.paxos import rules as paxos_rules
from impl.paxos.rules import NO_BALLOT
from impl.quorum import QuorumSystem

ValueRule = Callable[[Iterable[tuple[Any, Any]], Any], Any]
"""The shape of :func:`impl.paxos.rules.value_to_propose`: (promises, own value) -> value."""


def acceptors(n: int) -> list[str]:
    return [f"a{i}" for i in range(1, n + 1)]


def chosen_value_stable(system: QuorumSystem, ballots: int,
                        rule: ValueRule | None = None) -> Finding:
    """A value chosen at some ballot is the only value proposed at any later ballot (up to
    ``ballots``), when proposers follow ``rule`` and quorums are ``system``'s."""
    rule = rule or paxos_rules.value_to_propose
    names = list(system.acceptors)
    ballot_range = range(ballots)
    proposed = {c: z3.Bool(f"proposed_{c}") for c in ballot_range}
    value = {c: z3.Int(f"value_{c}") for c in ballot_range}
    voted = {(a, c): z3.Bool(f"voted_{a}_{c}") for a in names for c in ballot_range}
    promised = {a: z3.Bool(f"promised_{a}") for a in names}
    b, later = z3.Ints("chosen_ballot later_ballot")
    own = z3.Int("own_value")

    def at(ballot: Any, of: dict) -> Any:
        out: Any = of[0]
        for c in ballot_range[1:]:
            out = z3.If(ballot == c, of[c], out)
        return out

    chosen_value = at(b, value)
    hypotheses = [0 <= b, b < later, later < ballots]
    hypotheses += [z3.Implies(voted[a, c], proposed[c]) for a in names for c in ballot_range]
    hypotheses.append(system.phase2(lambda a: at(b, {c: voted[a, c] for c in ballot_range})))
    hypotheses += [z3.Implies(z3.And(proposed[c], b < c, c < later), value[c] == chosen_value)
                   for c in ballot_range]
    hypotheses.append(system.phase1(promised.get))

    def last_vote(a: str) -> tuple[Any, Any]:
        ballot: Any = z3.IntVal(NO_BALLOT)
        val: Any = own
        for c in ballot_range:
            cast = z3.And(c < later, voted[a, c])
            ballot, val = z3.If(cast, c, ballot), z3.If(cast, value[c], val)
        return ballot, val

    reports = {a: last_vote(a) for a in names}
    promises = [(z3.If(promised[a], reports[a][0], NO_BALLOT), reports[a][1]) for a in names]
    proposal = rule(promises, own)

    def explain(model: z3.ModelRef) -> Counterexample:
        bi, li = int_in(model, b), int_in(model, later)
        chosen_by = [a for a in names if true_in(model, voted[a, bi])]
        promisers = [a for a in names if true_in(model, promised[a])]
        lines = []
        for a in names:
            votes = [f"(ballot {c}, value {int_in(model, value[c])})" for c in ballot_range
                     if true_in(model, voted[a, c])]
            line = f"{a}: accepted {', '.join(votes)}" if votes else f"{a}: accepted nothing"
            if a in promisers:
                rb = int_in(model, reports[a][0])
                line += (f"; promised ballot {li}, reporting (ballot {rb}, value "
                         f"{int_in(model, reports[a][1])})" if rb != NO_BALLOT
                         else f"; promised ballot {li}, reporting nothing accepted")
            lines.append(line)
        got, want = int_in(model, proposal), int_in(model, chosen_value)
        return Counterexample(
            summary=f"value {want} chosen at ballot {bi} by {set_text(chosen_by)}, yet the "
                    f"proposer of ballot {li}, promised by {set_text(promisers)}, proposes "
                    f"{got} (its own value {int_in(model, own)})",
            lines=tuple(lines),
            data={"chosen": {"ballot": bi, "value": want, "by": chosen_by},
                  "proposal": {"ballot": li, "value": got, "own_value": int_in(model, own),
                               "promised_by": promisers},
                  "accepted": {a: [[c, int_in(model, value[c])] for c in ballot_range
                                   if true_in(model, voted[a, c])] for a in names}})

    measure = size_of(b, later, own, *voted.values(), *promised.values(), *value.values())
    return decide(hypotheses, proposal == chosen_value, explain, measure=measure,
                  logic="QF_LIA")


def majority_stable_upto(n_max: int, ballots: int,
                         rule: ValueRule | None = None) -> Finding:
    """:func:`chosen_value_stable` for classic Paxos with 1..n_max acceptors."""
    def each() -> Iterator[Finding]:
        for n in range(1, n_max + 1):
            yield chosen_value_stable(QuorumSystem.majority(acceptors(n)), ballots, rule)
    return all_of(each())


def majority_phases_meet_upto(n_max: int) -> Finding:
    """Phase-1 and phase-2 quorums of classic Paxos meet, with 1..n_max acceptors."""
    return all_of(phases_meet(QuorumSystem.majority(acceptors(n)))
                  for n in range(1, n_max + 1))
