"""The planted bugs of rare situations (issue 15): each shows only in a state random faults
seldom reach, so each is shown here along a schedule written to reach it."""

from __future__ import annotations

from conformance.protocols import get as get_protocol
from conformance.schedules.execution import Execution
from impl.paxos.bugs import lowest_promised_value
from impl.paxos.rules import NO_BALLOT, value_to_propose
from impl.raft.log import RaftLog
from impl.raft.messages import Entry
from impl.sim.world import Decision

RAFT = get_protocol("raft")
PLAIN = next(v.settings for v in RAFT.variants
             if not v.settings["pre_vote"] and not v.settings["check_quorum"]
             and v.settings["initial"] == ["s1", "s2", "s3"])


def _deliver(ex: Execution, kind: str, keep: frozenset = frozenset()) -> None:
    while ex.divergence is None:
        ids = [e.id for e in ex.sim.network.in_flight()
               if type(e.payload).__name__ == kind and e.id not in keep]
        if not ids:
            return
        ex.apply(Decision("deliver", None, ids[0]))


def _reelected_leader_meets_a_stale_ack(bugs: tuple[str, ...]) -> Execution:
    """s1 leads term 1 and its followers' acknowledgments stay in flight; s3's election in
    term 2 fails (its log is behind), s1 wins term 3, and then the term-1 acks arrive."""
    ex = Execution(RAFT, PLAIN, bugs)
    ex.apply(Decision("timeout", "s1"))
    _deliver(ex, "VoteRequest")
    _deliver(ex, "VoteResponse")
    _deliver(ex, "AppendRequest")
    stale = frozenset(e.id for e in ex.sim.network.in_flight())
    assert stale and all(type(e.payload).__name__ == "AppendResponse"
                         for e in ex.sim.network.in_flight())
    for node in ("s3", "s1"):
        ex.apply(Decision("timeout", node))
        _deliver(ex, "VoteRequest", stale)
        _deliver(ex, "VoteResponse", stale)
    assert ex.sim.leaders() == ["s1"]
    for i in sorted(stale):
        if ex.divergence is None:
            ex.apply(Decision("deliver", None, i))
    return ex


def test_a_stale_ack_at_a_reelected_leader_is_dropped_and_the_bug_counts_it():
    assert _reelected_leader_meets_a_stale_ack(()).divergence is None
    d = _reelected_leader_meets_a_stale_ack(("count_stale_acks",)).divergence
    assert d is not None and d.action == "HandleAppendEntriesResponse"
    assert "matchIndex" in d.render()


def test_lowest_promised_value_differs_only_with_two_accepted_ballots():
    one = [(3, "a"), (NO_BALLOT, None), (3, "a")]
    two = [(3, "a"), (5, "b"), (NO_BALLOT, None)]
    assert lowest_promised_value(one, "own") == value_to_propose(one, "own") == "a"
    assert value_to_propose(two, "own") == "b" and lowest_promised_value(two, "own") == "a"
    assert lowest_promised_value([(NO_BALLOT, None)], "own") == "own"


def test_a_truncated_configuration_reverts_unless_the_bug_keeps_it():
    entries = [Entry.config(1, frozenset({"s1", "s2"}))]
    for revert, expected in ((True, {"s1", "s2", "s3"}), (False, {"s1", "s2"})):
        log = RaftLog(["s1", "s2", "s3"], entries)
        log.truncate(1, revert_config=revert)
        assert log.last_index == 0 and log.members() == expected
        log.append([Entry.config(2, frozenset({"s1"}))])  # the next config is in force
        assert log.members() == {"s1"}


def _candidate_meets_a_vote_of_its_earlier_election(bugs: tuple[str, ...]) -> Execution:
    """s1 stands in term 1 and s2's grant stays in flight; s1 times out, stands in term 2,
    and then the term-1 grant arrives."""
    ex = Execution(RAFT, PLAIN, bugs)
    ex.apply(Decision("timeout", "s1"))
    _deliver(ex, "VoteRequest")
    grants = frozenset(e.id for e in ex.sim.network.in_flight())
    ex.apply(Decision("timeout", "s1"))
    for i in sorted(grants):
        if ex.divergence is None:
            ex.apply(Decision("deliver", None, i))
    return ex


def test_a_vote_of_an_earlier_election_is_dropped_and_the_bug_counts_it():
    ex = _candidate_meets_a_vote_of_its_earlier_election(())
    assert ex.divergence is None and ex.sim.leaders() == []
    d = _candidate_meets_a_vote_of_its_earlier_election(("count_stale_votes",)).divergence
    assert d is not None and d.action == "HandleRequestVoteResponse"
