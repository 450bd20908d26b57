"""Multi-Paxos: elections, takeover with re-proposals and no-ops, in-order execution,
catching up, and agreement of the executed logs under faults."""

from __future__ import annotations

import random

from impl.paxos.bugs import Bugs
from impl.paxos.multi.core import (
    FireTimeout,
    Node,
    Options,
    Propose,
    Receive,
    Role,
)
from impl.paxos.multi.messages import (
    Accept,
    Accepted,
    Decide,
    Heartbeat,
    HeartbeatReply,
    Prepare,
    Promise,
    Reject,
)
from impl.paxos.multi.simulation import make
from impl.sim.world import Decision
from tests.paxos.helpers import crash
from tests.paxos.walk import random_walk
from tests.steer import both, deliver_where, drop_where, kind, settle, to

SERVERS = ("s1", "s2", "s3")


def leader_of(sim, node: str) -> None:
    sim.apply(Decision("timeout", node))
    settle(sim)
    assert sim.leaders() == [node]


def submit(sim, node: str, value: str) -> None:
    sim.apply(Decision("submit", node, value))


def test_a_leader_is_elected_and_every_replica_executes_in_order():
    sim = make(3)
    leader_of(sim, "s1")
    for v in ("v1", "v2", "v1"):
        submit(sim, "s1", v)
    settle(sim)
    for s in SERVERS:
        assert sim.applied[s] == [(1, b"v1"), (2, b"v2"), (3, b"v1")]


def test_prepare_promises_locally_and_persists_ballot_and_promise_together():
    n = Node("s2", SERVERS)
    r = n.step(FireTimeout())
    assert n.role is Role.CANDIDATE and n.ballot == n.promised == 1  # s2 owns 1, 4, ...
    assert (r.writes.ballot, r.writes.promised) == (1, 1)
    assert sorted(m.dst for m in r.messages) == ["s1", "s3"]
    assert all(isinstance(m, Prepare) and m.first == 1 for m in r.messages)


def test_a_follower_redirects_clients_to_the_leader_it_knows():
    sim = make(3)
    leader_of(sim, "s2")
    sim.apply(Decision("tick", "s2"))  # the first heartbeat
    settle(sim)
    r = sim.nodes["s3"].step(Propose("t", b"v1"))
    assert r.replies[0].error == "not leader" and r.replies[0].leader == "s2"


def test_a_new_leader_re_proposes_accepted_values_and_fills_gaps_with_no_ops():
    sim = make(3)
    leader_of(sim, "s1")
    for v in ("v1", "v2"):
        submit(sim, "s1", v)
    # slot 2 reaches s2; slot 1 reaches nobody; no decision reaches anyone
    deliver_where(sim, both(kind(Accept), to("s2"), lambda m: m.slot == 2))
    drop_where(sim)
    crash(sim, "s1")
    sim.apply(Decision("timeout", "s3"))
    deliver_where(sim, lambda m: not (isinstance(m, Prepare) and m.dst == "s1"))
    settle(sim)
    assert sim.leaders() == ["s3"]
    assert sim.applied["s3"] == [(1, None), (2, b"v2")]
    submit(sim, "s3", "v1")
    settle(sim)
    assert sim.applied["s3"][-1] == (3, b"v1")


def test_the_planted_bug_leaves_a_chosen_slot_open_for_a_new_command():
    sim = make(3, bugs=Bugs.only("skip_reproposal"))
    leader_of(sim, "s1")
    submit(sim, "s1", "v1")
    deliver_where(sim, both(kind(Accept, Accepted), lambda m: "s3" not in (m.src, m.dst)))
    assert sim.applied["s1"] == [(1, b"v1")]  # chosen by s1 and s2
    drop_where(sim)
    sim.apply(Decision("timeout", "s2"))
    settle(sim)
    submit(sim, "s2", "v2")
    settle(sim)
    assert sim.applied["s2"][0] == (1, b"v2")  # slot 1 executed two different commands


def test_decisions_out_of_order_wait_for_the_gap():
    n = Node("s3", SERVERS)
    r = n.step(Receive(Decide(2, b"b", "s1", "s3")))
    assert r.executed == [] and n.decided == {2: b"b"}
    r = n.step(Receive(Decide(1, b"a", "s1", "s3")))
    assert r.executed == [(1, b"a"), (2, b"b")]


def test_the_planted_bug_executes_across_a_gap():
    n = Node("s3", SERVERS, Options(bugs=Bugs.only("execute_out_of_order")))
    r = n.step(Receive(Decide(2, b"b", "s1", "s3")))
    assert r.executed == [(2, b"b")]


def test_an_acceptor_rejects_below_its_promise_and_a_stale_leader_steps_down():
    sim = make(3)
    leader_of(sim, "s1")
    sim.apply(Decision("timeout", "s2"))
    deliver_where(sim, both(kind(Prepare), to("s3")))
    assert sim.nodes["s3"].promised == sim.nodes["s2"].ballot
    r = sim.nodes["s3"].step(Receive(Accept(sim.nodes["s1"].ballot, 1, b"x", "s1", "s3")))
    assert isinstance(r.messages[0], Reject)
    s1 = sim.nodes["s1"]
    s1.step(Receive(r.messages[0]))
    assert s1.role is Role.FOLLOWER and not s1.proposals


def test_a_restarted_replica_keeps_its_decisions_and_campaigns_after_them():
    sim = make(3, heartbeat_ticks=1)
    leader_of(sim, "s1")
    for v in ("v1", "v2", "v1"):
        submit(sim, "s1", v)
    settle(sim)
    crash(sim, "s3")
    assert [c for _, c in sim.applied["s3"]] == [b"v1", b"v2", b"v1"]
    s3 = sim.nodes["s3"]
    assert s3.prefix == 3 and s3.executed == [b"v1", b"v2", b"v1"]
    r = s3.step(FireTimeout())
    assert {m.first for m in r.messages if isinstance(m, Prepare)} == {4}


def test_heartbeats_catch_up_a_replica_that_was_down():
    sim = make(3, heartbeat_ticks=1, resend_batch=2)
    leader_of(sim, "s1")
    sim.apply(Decision("crash", "s3", 0))
    for v in ("v1", "v2", "v1"):
        submit(sim, "s1", v)
    settle(sim)
    sim.apply(Decision("restart", "s3"))
    assert sim.applied["s3"] == []
    for _ in range(3):
        sim.apply(Decision("tick", "s1"))
        settle(sim)
    assert [c for _, c in sim.applied["s3"]] == [b"v1", b"v2", b"v1"]


def test_a_heartbeat_reply_reports_the_decided_prefix():
    n = Node("s2", SERVERS)
    n.step(Receive(Decide(1, b"a", "s1", "s2")))
    n.step(Receive(Decide(3, b"c", "s1", "s2")))
    r = n.step(Receive(Heartbeat(0, "s1", "s2")))
    assert r.messages == [HeartbeatReply(0, 1, "s2", "s1")]


def test_a_one_server_cluster_decides_at_once():
    n = Node("s1", ["s1"])
    n.step(FireTimeout())
    assert n.is_leader()
    r = n.step(Propose("t", b"x"))
    assert r.executed == [(1, b"x")]


def test_a_promise_reports_only_the_slots_asked_for():
    n = Node("s2", SERVERS)
    n.accepted = {1: (0, b"a"), 2: (0, b"b"), 5: (0, None)}
    r = n.step(Receive(Prepare(4, 2, "s1", "s2")))
    assert r.messages == [Promise(4, ((2, 0, b"b"), (5, 0, None)), "s2", "s1")]


def test_executed_logs_agree_under_crashes_partitions_and_duels():
    progressed = 0
    for seed in range(6):
        sim = make(3, seed=seed, election_ticks=3, heartbeat_ticks=1, trace=False)
        random_walk(sim, random.Random(seed), 500, fault_rate=0.08)
        logs = [[c for _, c in sim.applied[s]] for s in SERVERS]
        for a in logs:
            for b in logs:
                n = min(len(a), len(b))
                assert a[:n] == b[:n], f"seed {seed}: executed logs differ"
        slots = [[k for k, _ in sim.applied[s]] for s in SERVERS]
        assert all(s == list(range(1, len(s) + 1)) for s in slots)
        progressed += max(len(x) for x in logs) >= 2
    assert progressed >= 2


def test_a_takeover_of_a_long_log_goes_a_window_at_a_time():
    """A leader that knows nothing decided takes over 1,000 accepted slots: it re-proposes
    at most a window of them at once, more as they are decided, until every slot is decided;
    a client command goes after the last reported slot."""
    from impl.paxos.multi.core import Node, Options, Propose, Receive
    from impl.paxos.storage import Durable

    acc = {k: (0, b"c%d" % k) for k in range(1, 1001)}
    opts = Options(takeover_window=50)
    peers = {s: Node(s, SERVERS, opts, Durable(promised=0, ballot=0, accepted=dict(acc)))
             for s in ("s1", "s2")}
    events: list[str] = []
    s3 = Node("s3", SERVERS, opts, tracer=lambda node, action, params: events.append(action))
    queue = list(s3.step(FireTimeout()).messages)
    window_seen = []
    while queue:
        m = queue.pop(0)
        target = s3 if m.dst == "s3" else peers[m.dst]
        r = target.step(Receive(m))
        if target is s3:
            window_seen.append(len(s3.undecided))
        queue.extend(r.messages)
    assert s3.is_leader() and s3.prefix == 1000
    assert [s3.decided[k] for k in (1, 500, 1000)] == [b"c1", b"c500", b"c1000"]
    assert max(window_seen) <= 50 and events.count("Repropose") == 1000
    r = s3.step(Propose("t", b"new"))
    assert r.replies[0].slot == 1001
