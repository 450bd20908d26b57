"""The node core against the rules of Figure 2 of the Raft paper, the Figure 7 and 8
scenarios, pre-vote, check-quorum, ReadIndex, leases and membership change."""

from __future__ import annotations

import pytest

from impl.raft.bugs import Bugs
from impl.raft.core import (
    ChangeMembers,
    FireTimeout,
    Node,
    Options,
    Propose,
    Read,
    Receive,
    Role,
    Tick,
)
from impl.raft.messages import (
    AppendRequest,
    AppendResponse,
    Entry,
    EntryKind,
    VoteRequest,
    VoteResponse,
)
from impl.raft.simulation import make
from impl.sim.world import Decision
from tests.raft.helpers import (
    CommitWatch,
    elect,
    entries,
    isolate,
    preload,
    terms,
    tick,
)
from tests.steer import deliver_where, drop_where, settle, to

PLAIN = Options(pre_vote=False, check_quorum=False)
ABC = ["a", "b", "c"]


def node(log=(), term=0, voted_for=None, opts=PLAIN, me="a", members=ABC) -> Node:
    return Node(me, members, opts, term=term, voted_for=voted_for, entries=list(log))


def append(term, prev_index, prev_term, ents=(), commit=0, src="b", dst="a"):
    return Receive(AppendRequest(term, src, dst, prev_index, prev_term, tuple(ents), commit))


def vote_req(term, last_term, last_index, src="b", dst="a", prevote=False):
    return Receive(VoteRequest(term, src, dst, last_term, last_index, prevote=prevote))


# --------------------------------------------------------------------------- all servers


def test_newer_term_in_any_message_makes_a_follower_of_that_term():
    n = node()
    n.step(FireTimeout())
    assert n.role is Role.CANDIDATE and n.term == 1
    r = n.step(Receive(VoteResponse(5, "b", "a", False)))
    assert (n.role, n.term, n.voted_for) == (Role.FOLLOWER, 5, None)
    assert r.hard_state == (5, None)  # the new term is persisted


def test_committed_entries_are_handed_out_once_in_order():
    n = node()
    r1 = n.step(append(1, 0, 0, entries(1, 1), commit=1))
    assert [i for i, _ in r1.committed] == [1]
    r2 = n.step(append(1, 2, 1, (), commit=2))
    assert [i for i, _ in r2.committed] == [2]
    r3 = n.step(append(1, 2, 1, (), commit=2))
    assert r3.committed == []


# --------------------------------------------------------------------------- AppendEntries


def test_append_rejects_a_stale_term():
    n = node(term=3)
    r = n.step(append(2, 0, 0, entries(2)))
    (resp,) = r.messages
    assert not resp.success and resp.term == 3 and n.log.last_index == 0


def test_append_rejects_when_prev_entry_is_missing_or_differs():
    n = node(entries(1, 2, 2, 2), term=3)
    (resp,) = n.step(append(3, 6, 1, entries(3))).messages
    assert not resp.success and resp.match_index == 4  # hint: where our log ends
    (resp,) = n.step(append(3, 4, 3, entries(3))).messages
    assert not resp.success and resp.match_index == 1  # hint: before our whole term 2
    assert terms(n) == [1, 2, 2, 2]


def test_append_deletes_a_conflicting_suffix_and_appends():
    n = node(entries(1, 1, 1), term=1)
    r = n.step(append(2, 1, 1, [Entry(2, EntryKind.NORMAL, b"y")]))
    assert terms(n) == [1, 2]
    assert r.log_writes == [(2, (Entry(2, EntryKind.NORMAL, b"y"),))]
    assert r.messages[0].success and r.messages[0].match_index == 2


def test_append_never_truncates_matching_entries():
    """A stale, reordered AppendEntries that is a prefix of the log changes nothing."""
    n = node(entries(1, 1, 1), term=1)
    r = n.step(append(1, 0, 0, entries(1)))
    assert terms(n) == [1, 1, 1] and r.log_writes == []
    assert r.messages[0].match_index == 1  # what this request verified, not the log's end


def test_planted_bug_ack_whole_log():
    n = node(entries(1, 1, 1), term=1, opts=Options(bugs=Bugs.only("ack_whole_log")))
    r = n.step(append(1, 0, 0, entries(1)))
    assert r.messages[0].match_index == 3  # more than this request matched


def test_planted_bug_truncate_without_conflict():
    n = node(entries(1, 1, 1), term=1, opts=Options(bugs=Bugs.only("truncate_without_conflict")))
    n.step(append(1, 0, 0, entries(1)))
    assert terms(n) == [1]


def test_follower_commit_is_min_of_leader_commit_and_last_new_entry():
    n = node(entries(1, 1, 1, 1), term=1)
    n.step(append(1, 1, 1, [], commit=4))
    assert n.commit == 1  # entries 2..4 were not verified by this request
    n.step(append(1, 2, 1, entries(1, 1, 1)[2:], commit=4))
    assert n.commit == 3
    n.step(append(1, 0, 0, [], commit=1))
    assert n.commit == 3  # never lowered


def test_planted_bug_follower_commit_past_log():
    n = node(entries(1), term=1, opts=Options(bugs=Bugs.only("follower_commit_past_log")))
    n.step(append(1, 1, 1, [], commit=5))
    assert n.commit == 5


def test_append_of_current_term_turns_a_candidate_into_follower():
    n = node()
    n.step(FireTimeout())
    n.step(append(1, 0, 0))
    assert n.role is Role.FOLLOWER and n.leader == "b"


# --------------------------------------------------------------------------- RequestVote


def test_vote_once_per_term():
    n = node()
    assert n.step(vote_req(1, 0, 0, src="b")).messages[0].granted
    assert not n.step(vote_req(1, 0, 0, src="c")).messages[0].granted
    assert n.step(vote_req(1, 0, 0, src="b")).messages[0].granted  # a retry is fine
    assert n.voted_for == "b"


def test_vote_is_persisted_before_the_reply():
    r = node().step(vote_req(1, 0, 0))
    assert r.hard_state == (1, "b") and r.must_persist


def test_vote_only_for_an_up_to_date_log():
    n = node(entries(1, 2), term=2)
    assert not n.step(vote_req(3, 1, 5)).messages[0].granted  # older last term
    assert not n.step(vote_req(4, 2, 1)).messages[0].granted  # same term, shorter
    assert n.step(vote_req(5, 2, 2)).messages[0].granted


def test_planted_bug_vote_without_log_check():
    n = node(entries(1, 2), term=2, opts=Options(pre_vote=False,
                                                 bugs=Bugs.only("vote_without_log_check")))
    assert n.step(vote_req(3, 1, 1)).messages[0].granted


def test_stale_vote_request_is_refused_with_our_term():
    n = node(term=4)
    (resp,) = n.step(vote_req(3, 0, 0)).messages
    assert not resp.granted and resp.term == 4


def test_planted_bug_forget_vote_on_restart():
    sim = make(3, pre_vote=False, check_quorum=False,
               bugs=Bugs.only("forget_vote_on_restart"))
    sim.apply(Decision("timeout", "s1"))
    deliver_where(sim, lambda m: isinstance(m, VoteRequest) and m.dst == "s2")
    assert sim.nodes["s2"].voted_for == "s1"
    sim.apply(Decision("crash", "s2", 0))
    assert sim.nodes["s2"].voted_for is None


# --------------------------------------------------------------------------- elections


def test_timeout_makes_a_candidate_that_votes_for_itself_and_asks_everyone():
    n = node()
    r = n.step(FireTimeout())
    assert (n.role, n.term, n.voted_for, n.votes) == (Role.CANDIDATE, 1, "a", {"a"})
    assert sorted(m.dst for m in r.messages) == ["b", "c"]
    assert r.hard_state == (1, "a")


def test_ticks_fire_the_election_timeout_after_the_drawn_delay():
    n = node()
    n.next_draw = 3
    n._reset_timer()
    for _ in range(12):
        n.step(Tick())
    assert n.role is Role.FOLLOWER
    n.step(Tick())
    assert n.role is Role.CANDIDATE


def test_majority_elects_and_the_leader_appends_a_noop_and_heartbeats():
    sim = make(5, pre_vote=False, check_quorum=False)
    elect(sim, "s1")
    leader = sim.nodes["s1"]
    assert leader.log.entry(1).kind is EntryKind.NOOP and leader.commit == 1
    assert all(n.leader == "s1" for n in sim.nodes.values())
    tick(sim, "s1", 2)  # heartbeat_ticks
    assert sum(1 for e in sim.network.in_flight() if isinstance(e.payload, AppendRequest)) == 4


def test_no_majority_no_leader():
    sim = make(5, pre_vote=False, check_quorum=False)
    isolate(sim, ("s1", "s2"), ("s3", "s4", "s5"))
    sim.apply(Decision("timeout", "s1"))
    settle(sim)
    assert sim.nodes["s1"].role is Role.CANDIDATE


def test_one_server_configuration_leads_and_commits_alone():
    sim = make(1)
    sim.apply(Decision("timeout", "s1"))
    assert sim.nodes["s1"].is_leader()
    sim.apply(Decision("submit", "s1", "v1"))
    assert sim.nodes["s1"].commit == 2


# --------------------------------------------------------------------------- leaders


def test_leader_commits_only_over_a_quorum():
    sim = make(5, pre_vote=False, check_quorum=False)
    elect(sim, "s1")
    isolate(sim, ("s1", "s2"), ("s3", "s4", "s5"))
    sim.apply(Decision("submit", "s1", "v1"))
    settle(sim)
    assert sim.nodes["s1"].commit == 1
    sim.apply(Decision("heal"))
    tick(sim, "s1", 2)
    settle(sim)
    assert sim.nodes["s1"].commit == 2


def test_leader_backs_off_and_repairs_a_follower_after_rejection():
    sim = make(3, pre_vote=False, check_quorum=False)
    preload(sim, "s1", 3, entries(1, 1, 2, 3))
    preload(sim, "s2", 3, entries(1, 1, 2, 3))
    preload(sim, "s3", 2, entries(1, 1, 2, 2, 2, 2, 2))
    elect(sim, "s1")
    tick(sim, "s1", 2)
    settle(sim)
    assert terms(sim.nodes["s3"]) == terms(sim.nodes["s1"]) == [1, 1, 2, 3, 4]


@pytest.mark.parametrize("follower", [
    (1, 1, 1, 4, 4, 5, 5, 6, 6),  # (a) missing entries
    (1, 1, 1, 4),  # (b)
    (1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6),  # (c) an extra uncommitted entry
    (1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7),  # (d) extra entries of a newer term
    (1, 1, 1, 4, 4, 4, 4),  # (e) missing and extra
    (1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3),  # (f) a leader of terms 2 and 3 that never committed
], ids="abcdef")
def test_figure_7_every_follower_ends_with_the_leaders_log(follower):
    """Figure 7: the leader of term 8 brings each of the paper's followers into line."""
    sim = make(3, pre_vote=False, check_quorum=False)
    leader_log = entries(1, 1, 1, 4, 4, 5, 5, 6, 6, 6)
    preload(sim, "s1", 7, leader_log)
    preload(sim, "s2", 7, leader_log)  # votes for s1
    preload(sim, "s3", 7, entries(*follower))
    sim.apply(Decision("timeout", "s1"))
    deliver_where(sim, lambda m: "s3" not in (m.src, m.dst))
    assert sim.nodes["s1"].is_leader() and sim.nodes["s1"].term == 8
    for _ in range(20):
        tick(sim, "s1")
        settle(sim)
    assert terms(sim.nodes["s3"]) == [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 8]
    assert sim.nodes["s3"].commit == 11


def _figure_8(bugs: Bugs) -> CommitWatch:
    """Figure 8 of the paper, with our leaders' no-op entries in the picture. One entry
    per AppendEntries, so that the old entry can travel without the new leader's no-op."""
    sim = make(5, pre_vote=False, check_quorum=False, max_batch=1, bugs=bugs)
    watch = CommitWatch(sim)
    elect(sim, "s1")  # term 1, no-op committed everywhere
    # (a) s1, leader of term 2, replicates a term-2 entry x to s2 only
    sim.apply(Decision("crash", "s1", 0))
    sim.apply(Decision("restart", "s1"))
    elect(sim, "s1")
    tick(sim, "s1", 2)
    settle(sim)
    isolate(sim, ("s1", "s2"), ("s3", "s4", "s5"))
    sim.apply(Decision("submit", "s1", "v1"))
    settle(sim)
    x = sim.nodes["s1"].log.last_index
    assert sim.nodes["s2"].log.last_index == x
    # (b) s1 crashes; s5 wins term 3 with s3 and s4, and appends at x's index alone
    sim.apply(Decision("crash", "s1", 0))
    sim.apply(Decision("timeout", "s5"))
    deliver_where(sim, lambda m: isinstance(m, (VoteRequest, VoteResponse)))
    assert sim.nodes["s5"].is_leader() and sim.nodes["s5"].term == 3
    drop_where(sim)
    sim.apply(Decision("crash", "s5", 0))
    # (c) s1 restarts, wins term 4, and copies x (not its no-op) to s3 and s4:
    #     x is stored on a majority, and s1 knows it
    sim.apply(Decision("restart", "s1"))
    sim.apply(Decision("heal"))
    for _ in range(2):  # term 3 is s5's on s3 and s4: s1 needs a second try
        sim.apply(Decision("timeout", "s1"))
        deliver_where(sim, lambda m: isinstance(m, (VoteRequest, VoteResponse)))
    assert sim.nodes["s1"].is_leader() and sim.nodes["s1"].term == 4
    drop_where(sim, to("s2", "s5"))

    def would_store_the_noop(m) -> bool:
        return (isinstance(m, AppendRequest) and any(e.term == 4 for e in m.entries)
                and sim.nodes[m.dst].log.last_index >= m.prev_index)

    deliver_where(sim, lambda m: not would_store_the_noop(m))
    drop_where(sim)
    assert [sim.nodes[n].log.entry(x).term for n in ("s1", "s2", "s3", "s4")] == [2] * 4
    watch.look()
    # (d) s1 crashes; s5 wins term 5 with s2 and s4, and overwrites x everywhere
    sim.apply(Decision("crash", "s1", 0))
    sim.apply(Decision("restart", "s5"))
    for _ in range(2):  # term 4 is s1's: s5 needs a second try
        sim.apply(Decision("timeout", "s5"))
        settle(sim)
    assert sim.nodes["s5"].is_leader() and sim.nodes["s5"].term == 5
    for _ in range(6):
        tick(sim, "s5", 2)
        settle(sim)
    watch.look()
    assert sim.nodes["s2"].log.entry(x).term == 3
    return watch


def test_figure_8_an_old_term_entry_on_a_majority_is_not_committed_by_counting():
    assert _figure_8(Bugs()).conflicts() == {}


def test_figure_8_with_the_planted_bug_a_committed_entry_is_overwritten():
    assert _figure_8(Bugs.only("commit_old_term")).conflicts() != {}


def test_planted_bug_quorum_off_by_one_commits_on_a_minority():
    sim = make(5, pre_vote=False, check_quorum=False, bugs=Bugs.only("quorum_off_by_one"))
    elect(sim, "s1")
    isolate(sim, ("s1", "s2"), ("s3", "s4", "s5"))
    sim.apply(Decision("submit", "s1", "v1"))
    settle(sim)
    assert sim.nodes["s1"].commit == 2


def test_planted_bug_accept_stale_append():
    n = node(entries(1), term=3, opts=Options(bugs=Bugs.only("accept_stale_append")))
    r = n.step(append(2, 1, 1, entries(1, 2)[1:]))
    assert r.messages[0].success and terms(n) == [1, 2]


def test_client_requests_to_a_follower_are_refused_with_a_leader_hint():
    sim = make(3)
    elect(sim, "s1")
    sim.apply(Decision("submit", "s2", "v1"))
    assert sim.ops[-1].reply.error == "not leader" and sim.ops[-1].reply.leader == "s1"


# --------------------------------------------------------------------------- pre-vote


def test_prevote_does_not_bump_terms_of_a_partitioned_node():
    sim = make(3)
    elect(sim, "s1")
    isolate(sim, ("s3",), ("s1", "s2"))
    for _ in range(5):
        sim.apply(Decision("timeout", "s3"))
        settle(sim)
    assert sim.nodes["s3"].term == 1 and sim.nodes["s3"].role is Role.PRE_CANDIDATE
    sim.apply(Decision("heal"))
    tick(sim, "s1", 2)
    settle(sim)
    assert sim.nodes["s1"].is_leader() and sim.nodes["s1"].term == 1  # not disrupted


def test_without_prevote_a_rejoining_node_disrupts_the_leader():
    sim = make(3, pre_vote=False, check_quorum=False)
    elect(sim, "s1")
    isolate(sim, ("s3",), ("s1", "s2"))
    for _ in range(3):
        sim.apply(Decision("timeout", "s3"))
    sim.apply(Decision("heal"))
    tick(sim, "s1", 2)
    settle(sim)
    assert not sim.nodes["s1"].is_leader() or sim.nodes["s1"].term > 1


def test_prevote_is_granted_without_changing_the_voter():
    n = node(opts=Options())
    r = n.step(vote_req(1, 0, 0, prevote=True))
    assert r.messages[0].granted and r.messages[0].term == 1
    assert (n.term, n.voted_for, r.hard_state) == (0, None, None)


def test_prevote_quorum_starts_the_real_election():
    sim = make(3)
    sim.apply(Decision("timeout", "s1"))
    assert sim.nodes["s1"].role is Role.PRE_CANDIDATE and sim.nodes["s1"].term == 0
    settle(sim)
    assert sim.nodes["s1"].is_leader() and sim.nodes["s1"].term == 1


# --------------------------------------------------------------------------- check-quorum


def test_check_quorum_leader_steps_down_when_cut_off():
    sim = make(3, election_ticks=4, heartbeat_ticks=1)
    elect(sim, "s1")
    isolate(sim, ("s1",), ("s2", "s3"))
    for _ in range(8):
        tick(sim, "s1")
    assert sim.nodes["s1"].role is Role.FOLLOWER


def test_check_quorum_leader_stays_while_it_hears_from_a_quorum():
    sim = make(3, election_ticks=4, heartbeat_ticks=1)
    elect(sim, "s1")
    for _ in range(12):
        tick(sim, "s1")
        settle(sim)
    assert sim.nodes["s1"].is_leader()


def test_a_follower_in_lease_ignores_a_vote_request_for_a_newer_term():
    n = node(opts=Options())
    n.step(append(1, 0, 0))
    assert n.heard_from_leader
    r = n.step(vote_req(2, 0, 0, src="c"))
    assert r.messages == [] and n.term == 1


# --------------------------------------------------------------------------- reads


def test_read_index_waits_for_a_quorum_round():
    sim = make(3)
    elect(sim, "s1")
    sim.apply(Decision("submit", "s1", "v1"))
    settle(sim)
    sim.apply(Decision("read", "s1"))
    read = sim.ops[-1]
    assert read.reply is None  # not before a quorum confirmed the leadership
    deliver_where(sim, lambda m: "s2" in (m.src, m.dst))
    assert read.reply is not None and read.reply.error is None
    assert read.reply.index == 2


def test_read_on_a_deposed_leader_never_completes():
    sim = make(3)
    elect(sim, "s1")
    isolate(sim, ("s1",), ("s2", "s3"))
    for n in ("s3", "s2", "s3"):  # their own timeouts end their lease on s1
        sim.apply(Decision("timeout", n))
        settle(sim)
    assert {n for n in ("s2", "s3") if sim.nodes[n].is_leader()}
    sim.apply(Decision("read", "s1"))
    settle(sim)
    assert sim.ops[-1].reply is None
    sim.apply(Decision("heal"))
    settle(sim)  # the old leader learns of term 2 and fails the read
    assert sim.ops[-1].reply is not None and sim.ops[-1].reply.error == "not leader"


def test_reads_arriving_together_share_one_round():
    sim = make(3)
    elect(sim, "s1")
    n = sim.nodes["s1"]
    n.step(Read("r1"))
    r = n.step(Read("r2"))
    assert n.read_round == 1 and n.reads_waiting == ["r2"] and r.messages == []


def test_lease_reads_answer_locally_within_the_lease():
    sim = make(3, lease_reads=True, election_ticks=10, heartbeat_ticks=1)
    elect(sim, "s1")
    tick(sim, "s1")
    settle(sim)  # heartbeat 1 acknowledged by a quorum
    r = sim.nodes["s1"].step(Read("x"))
    assert r.reads and r.reads[0].error is None
    for _ in range(12):
        sim.nodes["s1"].step(Tick())  # no acknowledgements: the lease runs out
    sim.network.drop_to("s2"), sim.network.drop_to("s3")
    r = sim.nodes["s1"].step(Read("y"))
    assert not r.reads or r.reads[0].error is not None or sim.nodes["s1"].role is not Role.LEADER


# --------------------------------------------------------------------------- membership


def test_add_then_remove_a_server():
    sim = make(4, initial=["s1", "s2", "s3"])
    elect(sim, "s1")
    assert sim.nodes["s4"].log.last_index == 0  # not a member: nothing sent to it
    sim.apply(Decision("add", "s1", "s4"))
    settle(sim)
    tick(sim, "s1", 2)  # followers learn the commit index from the next heartbeat
    settle(sim)
    assert all(n.members() == {"s1", "s2", "s3", "s4"} for n in sim.nodes.values())
    assert sim.nodes["s4"].commit == sim.nodes["s1"].commit == 2
    sim.apply(Decision("remove", "s1", "s2"))
    settle(sim)
    assert sim.nodes["s1"].members() == {"s1", "s3", "s4"}
    assert sim.nodes["s1"].commit == 3
    # s2 never hears of its removal; pre-vote and stickiness keep it from disrupting
    for _ in range(3):
        sim.apply(Decision("timeout", "s2"))
        settle(sim)
        tick(sim, "s1", 2)
        settle(sim)
    assert sim.nodes["s1"].is_leader() and sim.nodes["s1"].term == 1


def test_one_membership_change_at_a_time():
    sim = make(5, initial=["s1", "s2", "s3"])
    elect(sim, "s1")
    leader = sim.nodes["s1"]
    r1 = leader.step(ChangeMembers("a", add="s4"))
    r2 = leader.step(ChangeMembers("b", add="s5"))
    assert r1.replies[0].error is None
    assert "in progress" in r2.replies[0].error


def test_no_membership_change_before_an_entry_of_the_term_commits():
    sim = make(3)
    sim.apply(Decision("timeout", "s1"))
    deliver_where(sim, lambda m: isinstance(m, (VoteRequest, VoteResponse)))
    leader = sim.nodes["s1"]
    assert leader.is_leader() and leader.commit == 0
    r = leader.step(ChangeMembers("a", remove="s3"))
    assert "not yet committed" in r.replies[0].error


def test_the_leader_does_not_remove_itself():
    sim = make(3)
    elect(sim, "s1")
    r = sim.nodes["s1"].step(ChangeMembers("a", remove="s1"))
    assert r.replies[0].error


def test_a_new_configuration_takes_effect_before_it_commits():
    sim = make(4, initial=["s1", "s2", "s3"])
    elect(sim, "s1")
    isolate(sim, ("s1",), ("s2", "s3", "s4"))
    sim.nodes["s1"].step(ChangeMembers("a", add="s4"))
    assert sim.nodes["s1"].members() == {"s1", "s2", "s3", "s4"}
    assert sim.nodes["s1"].commit == 1


def test_truncating_a_config_entry_reverts_the_configuration():
    n = node(term=1)
    n.step(append(1, 0, 0, [Entry.config(1, frozenset(ABC + ["d"]))]))
    assert "d" in n.members()
    n.step(append(2, 0, 0, [Entry(2, EntryKind.NOOP)]))
    assert n.members() == frozenset(ABC)


def test_propose_reports_where_the_command_landed():
    sim = make(3)
    elect(sim, "s1")
    r = sim.nodes["s1"].step(Propose("t", b"v1"))
    assert (r.replies[0].index, r.replies[0].term) == (2, 1)
    assert isinstance(r.messages[0], AppendRequest)
    assert not any(isinstance(m, AppendResponse) for m in r.messages)
