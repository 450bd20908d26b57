"""The Paxos simulators: a run is a pure function of its configuration and schedule."""

from __future__ import annotations

import json
import random

import pytest

from impl.paxos.multi.simulation import make as make_multi
from impl.paxos.single.simulation import make as make_single
from impl.sim.world import Decision, DecisionError
from tests.paxos.walk import random_walk

MAKERS = {"paxos": lambda **kw: make_single(3, retry_ticks=2, **kw),
          "multipaxos": lambda **kw: make_multi(3, seed=4, election_ticks=3, **kw)}


@pytest.mark.parametrize("name", MAKERS)
def test_the_same_schedule_gives_the_same_trace(name):
    sim = MAKERS[name]()
    events = random_walk(sim, random.Random(3), 250)
    schedule = json.loads(json.dumps(sim.schedule_json()))
    again = MAKERS[name]()
    replay = [again.initial_step()] + again.run(schedule)
    assert [(e.action, e.params, e.state) for e in events] == \
        [(e.action, e.params, e.state) for e in replay]
    assert len(events) > 100


@pytest.mark.parametrize("name", MAKERS)
def test_tracing_off_runs_the_same_cluster_and_records_nothing(name):
    on, off = MAKERS[name](), MAKERS[name](trace=False)
    random_walk(on, random.Random(5), 200)
    assert off.run(on.schedule_json()) == []
    assert on.abstract() == off.abstract()


def test_a_decision_that_is_not_enabled_is_refused():
    sim = make_multi(3)
    with pytest.raises(DecisionError):
        sim.apply(Decision("deliver", None, 12345))
    sim.apply(Decision("crash", "s2", 0))
    with pytest.raises(DecisionError):
        sim.apply(Decision("submit", "s2", "v1"))


def test_a_command_sent_to_a_follower_is_redirected_and_is_no_spec_step():
    sim = make_multi(3)
    before = sim.abstract()
    assert sim.apply(Decision("submit", "s1", "v1")) == []
    assert sim.ops[0].reply is not None and sim.ops[0].reply.error == "not leader"
    assert sim.abstract() == before


def test_a_crash_is_the_spec_restart_and_loses_nothing_synced():
    sim = make_multi(3)
    sim.apply(Decision("timeout", "s1"))
    promised = sim.nodes["s1"].promised
    events = sim.apply(Decision("crash", "s1", 0))
    assert [e.action for e in events] == ["Restart"]
    assert sim.nodes["s1"].promised == promised and sim.nodes["s1"].ballot == promised
    assert sim.apply(Decision("restart", "s1")) == []
