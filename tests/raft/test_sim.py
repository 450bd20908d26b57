"""The simulator: a run is a pure function of configuration and schedule."""

from __future__ import annotations

import json
import random

import pytest

from conformance.values import Tup
from impl.raft.core import Options
from impl.raft.simulation import RaftSimulation, SimConfig, make
from impl.sim.world import Decision, DecisionError
from tests.raft.helpers import random_walk
from tests.steer import settle


def test_the_same_schedule_gives_the_same_trace():
    sim = make(3, seed=7)
    events = random_walk(sim, random.Random(3), 300)
    schedule = json.loads(json.dumps(sim.schedule_json()))
    again = make(3, seed=7)
    replay = [again.initial_step()] + again.run(schedule)
    assert [(e.action, e.params, e.state) for e in events] == \
        [(e.action, e.params, e.state) for e in replay]


def test_tracing_off_runs_the_same_cluster_and_records_nothing():
    on, off = make(3, seed=1), make(3, seed=1, trace=False)
    random_walk(on, random.Random(5), 200)
    assert off.run(on.schedule_json()) == []
    assert on.abstract() == off.abstract()


def test_every_enabled_decision_applies():
    sim = make(3)
    rng = random.Random(11)
    for _ in range(200):
        enabled = sim.enabled()
        assert enabled
        sim.apply(rng.choice(enabled))


def test_a_down_node_gets_nothing_and_can_only_restart():
    sim = make(3)
    sim.apply(Decision("crash", "s2", 0))
    sim.apply(Decision("timeout", "s1"))
    to_s2 = [e for e in sim.network.in_flight() if e.dst == "s2"]
    assert to_s2
    kinds = {(d.kind, d.node) for d in sim.enabled() if d.node == "s2"}
    assert ("deliver", "s2") not in kinds and ("restart", "s2") in kinds
    assert ("tick", "s2") not in kinds
    with pytest.raises(DecisionError):
        sim.apply(Decision("deliver", "s2", to_s2[0].id))
    sim.apply(Decision("restart", "s2"))
    sim.apply(Decision("deliver", "s2", to_s2[0].id))


def test_a_crash_is_the_spec_restart_and_the_later_restart_changes_nothing():
    sim = make(3)
    (event,) = sim.apply(Decision("crash", "s1", 0))
    assert event.action == "Restart"
    assert sim.apply(Decision("restart", "s1")) == []


def test_partitions_hold_messages_until_healed():
    sim = make(3)
    sim.apply(Decision("partition", None, (("s1",), ("s2", "s3"))))
    sim.apply(Decision("timeout", "s1"))
    assert settle(sim) == 0 and len(list(sim.network.in_flight())) == 2
    sim.apply(Decision("heal"))
    assert settle(sim) > 0


def test_duplicates_and_drops_are_spec_steps():
    sim = make(3)
    sim.apply(Decision("timeout", "s1"))
    msg = next(sim.network.in_flight())
    (dup,) = sim.apply(Decision("duplicate", None, msg.id))
    assert dup.action == "DuplicateMessage"
    assert list(dup.state["msgs"].map.values()) .count(2) == 1
    (drop,) = sim.apply(Decision("drop", None, msg.id))
    assert drop.action == "DropMessage"


def test_ticks_that_change_nothing_visible_make_no_event():
    sim = RaftSimulation(SimConfig(options=Options(election_ticks=50)))
    assert sim.apply(Decision("tick", "s1")) == []


def test_decisions_round_trip_through_json():
    for d in [Decision("deliver", "s1", 3), Decision("partition", None, (("s1",), ("s2",))),
              Decision("heal"), Decision("submit", "s1", "v1")]:
        assert Decision.from_json(json.loads(json.dumps(d.to_json()))) == d


def test_a_simulated_trace_writes_and_reads_back(tmp_path):
    from conformance.trace import Trace, read_trace, write_trace

    sim = make(3, seed=4)
    events = random_walk(sim, random.Random(4), 100)
    path = write_trace(Trace(sim.header(), events), tmp_path / "t.ndjson")
    back = read_trace(path)
    assert back.header.constants["BatchSize"] == 64
    assert back.header.schedule == sim.schedule_json()
    assert [(s.action, s.params, s.state) for s in back.steps] == \
        [(s.action, s.params, s.state) for s in events]


@pytest.mark.parametrize("seed", range(4))
def test_the_abstraction_shares_what_did_not_change_and_equals_a_fresh_one(seed):
    """Each state is the one a fresh Abstraction gives (kinds at every depth), and a
    variable no node changed is the very object of the state before, as are the entries of
    the nodes that did not change it and each message record that stays in flight or is
    sent again; a variable (but the bag) made again with the same value is the same object
    too."""
    from conformance.values import same_value
    from impl.raft.abstraction import Abstraction

    sim = make(3, seed=seed, pre_vote=seed % 2 == 0)
    rng = random.Random(seed)
    before = sim.abstract()
    whole = entries = messages = 0
    for _ in range(250):
        sim.apply(rng.choice(sim.enabled()))
        state = sim.abstract()
        flight = [e.payload for e in sim.network.in_flight()] + list(sim._pending)
        fresh = Abstraction(sim.absn.servers, sim.absn.value_of).cluster(sim.nodes, flight)
        assert list(state) == list(fresh)
        for var, value in state.items():
            assert value == fresh[var] and same_value(value, fresh[var]), var
            was = before[var]
            if var != "msgs" and value == was and same_value(value, was):
                assert value is was, var  # made again the same: the one object
            if value is was:
                whole += 1
            elif var == "msgs" and type(value) is type(was) is not Tup:
                old = {id(k) for k in was.map}
                messages += sum(1 for k in value.map if id(k) in old)
                # a message in flight before, or sent again, is the record it was
                keys = {k: k for k in was.map}
                assert all(keys.get(k, k) is k for k in value.map)
            elif var != "msgs":
                entries += sum(1 for k, x in value.map.items() if x is was.map[k])
        before = state
    assert whole > 5 * 250 and entries > 20 and messages > 50
