"""Paxos value selection: the implementation's rule keeps a chosen value chosen; a proposer
that ignores the promises, or takes the lowest ballot, or an unsafe quorum system, is refuted."""

import pytest

from conformance.smt import broken, paxos
from conformance.smt.proof import Verdict
from impl.paxos.rules import value_to_propose
from impl.quorum import AnyOf, QuorumSystem, Threshold


def test_classic_paxos_keeps_a_chosen_value():
    assert paxos.majority_phases_meet_upto(5).proved
    assert paxos.majority_stable_upto(5, 4).proved


def test_flexible_and_grid_systems_keep_a_chosen_value():
    names = tuple("abcdef")
    unit = tuple((a, 1) for a in names)
    assert paxos.chosen_value_stable(QuorumSystem(names, Threshold(unit, 4),
                                                  Threshold(unit, 3)), 4).proved
    grid = ("a", "b", "c", "d")
    rows = AnyOf((frozenset("ab"), frozenset("cd")))
    cols = AnyOf((frozenset("ac"), frozenset("bd")))
    assert paxos.chosen_value_stable(QuorumSystem(grid, rows, cols), 4).proved


def _check(finding, rule, system):
    """Replay on plain values: the chosen value was accepted by a phase-2 quorum, the
    promisers are a phase-1 quorum, and the rule on their reports picks another value."""
    assert finding.verdict is Verdict.COUNTEREXAMPLE
    d = finding.counterexample.data
    chosen, proposal = d["chosen"], d["proposal"]
    assert system.phase2(set(chosen["by"]).__contains__)
    assert system.phase1(set(proposal["promised_by"]).__contains__)
    reports = []
    for a in proposal["promised_by"]:
        below = [(b, v) for b, v in d["accepted"][a] if b < proposal["ballot"]]
        reports.append(max(below) if below else (-1, None))
    assert rule(reports, proposal["own_value"]) == proposal["value"] != chosen["value"]


@pytest.mark.parametrize("rule", [broken.ignore_promises, broken.lowest_ballot_value])
def test_a_wrong_value_rule_is_refuted(rule):
    finding = paxos.majority_stable_upto(5, 4, rule)
    _check(finding, rule, QuorumSystem.majority(paxos.acceptors(
        len(finding.counterexample.data["accepted"]))))
    assert "yet the proposer of ballot" in finding.counterexample.summary


def test_non_intersecting_phases_lose_a_chosen_value():
    names = ("a", "b", "c", "d")
    unit = tuple((a, 1) for a in names)
    system = QuorumSystem(names, Threshold(unit, 2), Threshold(unit, 2))
    _check(paxos.chosen_value_stable(system, 3), value_to_propose, system)
