"""Quorum-intersection proofs: they prove the implementation's predicates, and each one
refutes a broken variant with two quorums that really are disjoint."""

from conformance.smt import broken, quorums
from conformance.smt.proof import Verdict
from impl.logic import count
from impl.quorum import QuorumSystem, Threshold, is_quorum


def _disjoint_quorums(finding, predicate_of_label):
    """Check the printed counterexample on plain values: both sets are quorums by the
    predicate that was refuted, and they share no member."""
    assert finding.verdict is Verdict.COUNTEREXAMPLE
    first, second = finding.counterexample.data["quorums"]
    for q in (first, second):
        accepted = predicate_of_label(q["label"])
        assert set(q["quorum"]) <= set(q["members"])
        assert accepted(q["members"], set(q["quorum"]).__contains__)
    assert not set(first["quorum"]) & set(second["quorum"])
    return first, second


def test_majorities_intersect_for_the_implementation():
    assert quorums.majorities_intersect(7).proved


def test_is_quorum_equals_the_spec_and_a_tie_quorum_does_not():
    assert quorums.equals_spec(7).proved
    finding = quorums.equals_spec(7, broken.tie_quorum)
    assert finding.verdict is Verdict.COUNTEREXAMPLE
    d = finding.counterexample.data
    assert broken.tie_quorum(d["members"], set(d["acked"]).__contains__) == d["implementation"]
    assert (2 * len(d["acked"]) > len(d["members"])) == d["spec"] != d["implementation"]


def test_tie_accepting_quorum_splits_an_even_cluster():
    finding = quorums.majorities_intersect(7, broken.tie_quorum)
    first, second = _disjoint_quorums(finding, lambda label: broken.tie_quorum)
    assert len(first["members"]) % 2 == 0
    assert len(first["quorum"]) * 2 == len(first["members"])
    assert "share no member" in finding.counterexample.summary


def test_single_server_change_is_safe_and_two_servers_are_not():
    assert quorums.configuration_change(7, 1).proved
    finding = quorums.configuration_change(7, 2)
    first, second = _disjoint_quorums(finding, lambda label: is_quorum)
    assert len(second["members"]) - len(first["members"]) == 2


def test_single_server_change_fails_with_a_tie_quorum():
    finding = quorums.configuration_change(5, 1, broken.tie_quorum)
    _disjoint_quorums(finding, lambda label: broken.tie_quorum)


def test_canonical_pairs_cover_every_shape_of_two_configurations():
    shapes = {(len(set(o) - set(n)), len(set(o) & set(n)), len(set(n) - set(o)))
              for o, n in quorums.canonical_pairs(4)}
    expected = {(a, b, c) for a in range(5) for b in range(5) for c in range(5)
                if a + b + c <= 4 and a + b >= 1 and b + c >= 1 and (a, c) != (0, 0)}
    assert shapes == expected


def test_joint_consensus_is_safe():
    assert quorums.joint_consensus(5).proved


def test_joint_consensus_as_one_big_majority_is_refuted():
    finding = quorums.joint_consensus(5, joint=broken.union_majority_joint_quorum)
    assert finding.verdict is Verdict.COUNTEREXAMPLE
    joint, other = finding.counterexample.data["quorums"]
    assert joint["label"] == "C_old,new" and other["label"] in ("C_old", "C_new")
    assert is_quorum(joint["members"], set(joint["quorum"]).__contains__)
    assert is_quorum(other["members"], set(other["quorum"]).__contains__)
    assert not set(joint["quorum"]) & set(other["quorum"])


def test_joint_consensus_needing_only_the_old_majority_is_refuted():
    def old_only(old, new, acked):
        return is_quorum(old, acked)
    finding = quorums.joint_consensus(4, joint=old_only)
    assert finding.verdict is Verdict.COUNTEREXAMPLE
    assert finding.counterexample.data["quorums"][1]["label"] == "C_new"


def test_a_predicate_that_never_holds_is_vacuous_not_proved():
    def never(members, acked):
        return 2 * count(acked(m) for m in members) > 2 * len(members)
    assert quorums.majorities_intersect(3, never).verdict is Verdict.VACUOUS


def test_flexible_paxos_phases():
    names = ("a", "b", "c", "d", "e")
    unit = tuple((a, 1) for a in names)
    safe = QuorumSystem(names, Threshold(unit, 4), Threshold(unit, 2))
    assert quorums.phases_meet(safe).proved
    unsafe = QuorumSystem(names, Threshold(unit, 3), Threshold(unit, 2))
    finding = quorums.phases_meet(unsafe)
    p1, p2 = finding.counterexample.data["quorums"]
    assert unsafe.phase1(set(p1["quorum"]).__contains__)
    assert unsafe.phase2(set(p2["quorum"]).__contains__)
    assert not set(p1["quorum"]) & set(p2["quorum"])


def test_counterexamples_are_shrunk_to_minimal_quorums():
    finding = quorums.majorities_intersect(9, broken.tie_quorum)
    first, second = finding.counterexample.data["quorums"]
    assert len(first["members"]) == 2
    assert len(first["quorum"]) == len(second["quorum"]) == 1
