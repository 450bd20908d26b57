"""Election-restriction proofs: the implementation's up-to-date check equals the spec, is a
total preorder and gives leader completeness; each broken check is refuted, and the
counterexample logs really break it."""

import pytest

from conformance.smt import broken, election
from conformance.smt.proof import Verdict
from impl.logic import And
from impl.quorum import is_quorum
from impl.raft.rules import log_up_to_date


def _spec(ct, ci, vt, vi):
    return ct > vt or (ct == vt and ci >= vi)


def test_up_to_date_equals_the_spec_and_is_a_total_preorder():
    assert election.equals_spec().proved
    assert election.total_preorder().proved


@pytest.mark.parametrize("wrong", [broken.up_to_date_by_length, broken.up_to_date_by_term,
                                   broken.up_to_date_strict])
def test_a_wrong_check_differs_from_the_spec_on_the_pair_shown(wrong):
    finding = election.equals_spec(wrong)
    assert finding.verdict is Verdict.COUNTEREXAMPLE
    d = finding.counterexample.data
    args = (d["candidate"]["last_term"], d["candidate"]["last_index"],
            d["voter"]["last_term"], d["voter"]["last_index"])
    assert wrong(*args) == d["implementation"]
    assert _spec(*args) == d["spec"] != d["implementation"]


@pytest.mark.parametrize("wrong, law", [
    (broken.up_to_date_strict, "reflexive"),
    (lambda ct, ci, vt, vi: And(ct >= vt, ci >= vi), "total"),
    (broken.up_to_date_without_term_equality, "transitive"),
])
def test_each_preorder_law_can_fail(wrong, law):
    finding = election.total_preorder(wrong)
    assert finding.verdict is Verdict.COUNTEREXAMPLE
    assert finding.counterexample.data["law"] == law
    logs = {k: (v["last_term"], v["last_index"]) for k, v in
            finding.counterexample.data["logs"].items()}
    if law == "reflexive":
        assert not wrong(*logs["A"], *logs["A"])
    elif law == "total":
        assert not wrong(*logs["A"], *logs["B"]) and not wrong(*logs["B"], *logs["A"])
    else:
        assert wrong(*logs["A"], *logs["B"]) and wrong(*logs["B"], *logs["C"])
        assert not wrong(*logs["A"], *logs["C"])


def test_leader_completeness_for_the_implementation():
    assert election.leader_completeness_upto(5, 3).proved


def _check_log_counterexample(finding, up_to_date, quorum=is_quorum):
    """Replay the counterexample on plain values: the entry is on a quorum, the voters are a
    quorum and each grants the vote by the refuted check, and the candidate lacks the entry."""
    assert finding.verdict is Verdict.COUNTEREXAMPLE
    d = finding.counterexample.data
    logs = d["logs"]
    names = list(logs)
    k, t = d["entry"]["index"], d["entry"]["term"]

    def last(log):
        return (log[-1] if log else 0), len(log)

    assert quorum(names, set(d["stored_on"]).__contains__)
    assert all(len(logs[s]) >= k and logs[s][k - 1] == t for s in d["stored_on"])
    assert quorum(names, set(d["voters"]).__contains__)
    cand = logs[d["candidate"]]
    assert all(up_to_date(*last(cand), *last(logs[v])) for v in d["voters"])
    assert not (len(cand) >= k and cand[k - 1] == t)
    return d


@pytest.mark.parametrize("wrong", [broken.up_to_date_by_length, broken.up_to_date_by_term,
                                   broken.up_to_date_without_term_equality])
def test_a_wrong_check_loses_a_committed_entry(wrong):
    finding = election.leader_completeness_upto(5, 3, wrong)
    d = _check_log_counterexample(finding, wrong)
    assert d["servers"] == 3
    assert "candidate s1" in finding.counterexample.summary


def test_the_length_only_counterexample_is_a_readable_log_pair():
    finding = election.leader_completeness_upto(3, 3, broken.up_to_date_by_length)
    lines = finding.counterexample.lines
    assert any("(candidate" in line for line in lines)
    assert any("stores the entry" in line for line in lines)
    d = finding.counterexample.data
    assert sum(len(log) for log in d["logs"].values()) <= 4   # shrunk, not Z3's first pick


def test_leader_completeness_fails_with_a_tie_quorum():
    finding = election.leader_completeness_upto(4, 2, quorum=broken.tie_quorum)
    d = _check_log_counterexample(finding, log_up_to_date, broken.tie_quorum)
    assert d["servers"] % 2 == 0


@pytest.mark.parametrize("hypothesis", ["later_terms_hold", "one_leader_per_term"])
def test_each_hypothesis_of_leader_completeness_is_needed(monkeypatch, hypothesis):
    """The hypotheses are not decoration: drop one and the proof finds a counterexample, so
    the proof rests on exactly the invariants its docstring names."""
    monkeypatch.setattr(election.Logs, hypothesis, lambda self, *args: [])
    finding = election.leader_completeness_upto(3, 2)
    assert finding.verdict is Verdict.COUNTEREXAMPLE
