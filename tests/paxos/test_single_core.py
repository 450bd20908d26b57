"""Single-decree Paxos: the rules of each role, and agreement under duels and crashes."""

from __future__ import annotations

import random

from impl.paxos.bugs import Bugs
from impl.paxos.single.core import Node, Phase, Propose, Receive, Roles
from impl.paxos.single.messages import Accept, Accepted, Prepare, Promise, Reject
from impl.paxos.single.simulation import SimConfig, SingleSimulation, make
from impl.sim.world import Decision
from tests.paxos.helpers import crash
from tests.paxos.walk import random_walk
from tests.steer import both, deliver_where, drop_where, kind, settle, to

ROLES = Roles.everyone(["n1", "n2", "n3"])


def acceptor(promised: int = -1) -> Node:
    n = Node("n1", ROLES)
    n.promised = promised
    return n


def test_one_proposer_gets_its_value_chosen_and_everyone_learns_it():
    sim = make(3)
    sim.apply(Decision("propose", "n1", "v1"))
    settle(sim)
    assert sim.learned == {"n1": b"v1", "n2": b"v1", "n3": b"v1"}


def test_the_ballot_is_persisted_in_the_step_that_sends_the_prepares():
    n = Node("n2", ROLES)
    r = n.step(Propose(b"v"))
    assert r.writes.ballot == n.ballot == 1  # n2 owns 1, 4, 7, ...
    assert [type(m) for m in r.messages] == [Prepare] * 3


def test_an_acceptor_promises_only_upward_and_answers_a_retransmission():
    a = acceptor(promised=4)
    r = a.step(Receive(Prepare(3, "n2", "n1")))
    assert r.messages == [Reject(4, "n1", "n2")] and not r.writes
    r = a.step(Receive(Prepare(4, "n2", "n1")))
    assert r.messages == [Promise(4, -1, None, "n1", "n2")]
    r = a.step(Receive(Prepare(7, "n3", "n1")))
    assert a.promised == 7 and r.writes.promised == 7


def test_an_acceptor_refuses_to_accept_below_its_promise():
    a = acceptor(promised=5)
    r = a.step(Receive(Accept(4, b"x", "n2", "n1")))
    assert r.messages == [Reject(5, "n1", "n2")] and a.acc_bal == -1
    r = a.step(Receive(Accept(5, b"x", "n3", "n1")))
    assert (a.acc_bal, a.acc_val) == (5, b"x") and r.writes.accepts == {1: (5, b"x")}
    assert sorted(m.dst for m in r.messages if isinstance(m, Accepted)) == ["n1", "n2", "n3"]


def test_the_planted_bug_accepts_below_the_promise():
    a = Node("n1", ROLES, _bugged("accept_below_promise"))
    a.promised = 5
    a.step(Receive(Accept(4, b"x", "n2", "n1")))
    assert a.acc_bal == 4


def _bugged(name: str):
    from impl.paxos.single.core import Options

    return Options(bugs=Bugs.only(name))


def test_phase_two_takes_the_highest_ballot_value_the_promises_report():
    p = Node("n1", ROLES)
    p.step(Propose(b"mine"))
    b = p.ballot
    p.step(Receive(Promise(b, 1, b"old", "n2", "n1")))
    r = p.step(Receive(Promise(b, -1, None, "n3", "n1")))
    assert p.phase is Phase.ACCEPT and p.value == b"old"
    assert {m.val for m in r.messages} == {b"old"}


def test_the_planted_bug_proposes_its_own_value_anyway():
    p = Node("n1", ROLES, _bugged("ignore_promised_values"))
    p.step(Propose(b"mine"))
    p.step(Receive(Promise(p.ballot, 1, b"old", "n2", "n1")))
    p.step(Receive(Promise(p.ballot, -1, None, "n3", "n1")))
    assert p.value == b"mine"


def test_a_rejection_from_a_higher_ballot_ends_the_running_one():
    p = Node("n1", ROLES)
    p.step(Propose(b"v"))
    p.step(Receive(Reject(p.ballot - 1, "n2", "n1")))
    assert p.phase is Phase.PREPARE  # old news
    p.step(Receive(Reject(10, "n2", "n1")))
    assert p.phase is Phase.IDLE
    p.step(Propose(b"v"))
    assert p.ballot > 10


def test_a_learner_needs_a_quorum_in_one_ballot():
    n = Node("n1", ROLES)
    n.step(Receive(Accepted(1, b"x", "n2", "n1")))
    n.step(Receive(Accepted(2, b"y", "n3", "n1")))
    assert n.learned is None
    r = n.step(Receive(Accepted(2, b"y", "n2", "n1")))
    assert n.learned == b"y" and r.learned == b"y"


def test_a_later_proposer_adopts_a_value_accepted_by_a_minority():
    sim = make(3)
    sim.apply(Decision("propose", "n1", "v1"))
    deliver_where(sim, kind(Prepare, Promise))
    deliver_where(sim, both(kind(Accept), to("n1")))  # only n1 accepts v1
    drop_where(sim, kind(Accept, Accepted))
    sim.apply(Decision("propose", "n2", "v2"))
    deliver_where(sim, lambda m: not (isinstance(m, Prepare) and m.dst == "n3"))
    settle(sim)
    assert set(sim.learned.values()) == {b"v1"}


def test_an_acceptor_keeps_its_promise_across_a_restart():
    sim = make(3)
    sim.apply(Decision("propose", "n1", "v1"))
    deliver_where(sim, kind(Prepare))
    crash(sim, "n2")
    assert sim.nodes["n2"].promised == sim.nodes["n1"].ballot


def test_duels_and_crashes_never_let_two_values_be_learned():
    learned_runs = 0
    for seed in range(8):
        cfg = SimConfig(roles=Roles(("p1", "p2", "p3"), ("a1", "a2", "a3"), ("l1", "l2")),
                        retry_ticks=2, trace=False)
        sim = SingleSimulation(cfg)
        random_walk(sim, random.Random(seed), 300, fault_rate=0.1)
        assert len(set(sim.learned.values())) <= 1, f"seed {seed}: {sim.learned}"
        learned_runs += bool(sim.learned)
    assert learned_runs >= 2  # the runs do get somewhere


def test_a_role_nobody_plays_is_the_empty_function():
    from conformance.values import Tup
    from impl.paxos.single.abstraction import Abstraction

    roles = Roles(("p1",), ("a1", "a2", "a3"), ())
    sim = SingleSimulation(SimConfig(roles=roles))
    view = Abstraction(roles).cluster(sim.nodes, [])
    assert view["heard"] == Tup() and view["learned"] == Tup()
