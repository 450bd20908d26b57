"""The shared predicates on plain Python values, as the node cores call them."""

import pytest

from impl.paxos.rules import NO_BALLOT, value_to_propose
from impl.quorum import (
    AnyOf,
    QuorumSystem,
    Threshold,
    covers_one_of,
    is_joint_quorum,
    is_quorum,
    is_weighted_quorum,
    majority_size,
    weight,
)
from impl.raft.rules import log_up_to_date


@pytest.mark.parametrize("n", range(1, 10))
def test_is_quorum_is_a_strict_majority(n):
    members = [f"s{i}" for i in range(n)]
    for k in range(n + 1):
        acked = set(members[:k])
        assert is_quorum(members, acked.__contains__) is (k >= majority_size(n))
        assert type(is_quorum(members, acked.__contains__)) is bool


def test_joint_quorum_needs_both_majorities():
    old, new = ["a", "b", "c"], ["c", "d", "e"]
    assert is_joint_quorum(old, new, {"a", "b", "d", "e"}.__contains__)
    assert not is_joint_quorum(old, new, {"a", "b", "c"}.__contains__)
    assert not is_joint_quorum(old, new, {"c", "d", "e"}.__contains__)


def test_weighted_quorum_counts_votes():
    weights = {"a": 3, "b": 1, "c": 1, "d": 1}
    assert weight(weights, {"a", "b"}.__contains__) == 4
    assert is_weighted_quorum(weights, {"a", "b"}.__contains__)          # 4 of 6 > half
    assert not is_weighted_quorum(weights, {"a"}.__contains__)           # 3 of 6 is a tie
    assert not is_weighted_quorum(weights, {"b", "c", "d"}.__contains__)
    assert is_weighted_quorum(weights, {"a"}.__contains__, at_least=3)


def test_covers_one_of_listed_quorums():
    grid_rows = [{"a", "b"}, {"c", "d"}]
    assert covers_one_of(grid_rows, {"c", "d", "a"}.__contains__)
    assert not covers_one_of(grid_rows, {"a", "c"}.__contains__)
    assert not covers_one_of([], {"a"}.__contains__)


def test_quorum_system_phases():
    system = QuorumSystem(("a", "b", "c", "d"), Threshold(tuple((a, 1) for a in "abcd"), 3),
                          AnyOf((frozenset("ab"), frozenset("cd"))))
    assert system.phase1({"a", "b", "c"}.__contains__)
    assert not system.phase1({"a", "b"}.__contains__)
    assert system.phase2({"a", "b"}.__contains__)
    assert not system.phase2({"a", "c"}.__contains__)
    classic = QuorumSystem.majority(["x", "y", "z"])
    assert classic.phase1({"x", "z"}.__contains__) and classic.phase2({"y", "z"}.__contains__)
    assert not classic.phase1({"x"}.__contains__)
    assert classic.phase1_rule.describe() == "any 2 of 3"


def test_value_to_propose_takes_the_highest_ballot():
    assert value_to_propose([], "mine") == "mine"
    assert value_to_propose([(NO_BALLOT, None), (NO_BALLOT, None)], "mine") == "mine"
    assert value_to_propose([(2, "x"), (NO_BALLOT, None), (5, "y"), (3, "z")], "mine") == "y"
    assert value_to_propose([(0, "x")], "mine") == "x"


def test_log_up_to_date_on_plain_values():
    assert log_up_to_date(3, 1, 2, 9) is True        # higher last term wins
    assert log_up_to_date(2, 5, 2, 5) is True        # identical logs
    assert log_up_to_date(2, 4, 2, 5) is False       # same term, shorter
    assert log_up_to_date(1, 9, 2, 1) is False       # lower last term
