"""Simulated runs, checked step by step against specs/Paxos.tla and specs/MultiPaxos.tla by
the real TLC: the second opinion on the embedded validator's verdicts."""

from __future__ import annotations

import random

import pytest

from conformance.trace import Step
from conformance.values import Fn
from impl.paxos.bugs import NO_BUGS, Bugs
from impl.paxos.multi import abstraction as multi_abstraction
from impl.paxos.multi.simulation import make as make_multi
from impl.paxos.single import abstraction as single_abstraction
from impl.paxos.single.simulation import make as make_single
from tests.paxos import tlc_trace
from tests.paxos.walk import random_walk

pytestmark = [
    pytest.mark.tlc,
    pytest.mark.skipif(tlc_trace.find_tlc() is None, reason="TLC not found (conform tlc where)"),
]

BOUNDS_SINGLE = {"MaxBallot": "0", "MaxInFlight": "0", "MaxCopies": "0", "Faults": "{}"}
BOUNDS_MULTI = dict(BOUNDS_SINGLE, MaxSlot="0", Resend="FALSE")


def run_single(seed: int, steps: int, bugs: Bugs = NO_BUGS) -> tuple[bool, str]:
    sim = make_single(3, retry_ticks=3, bugs=bugs)
    events = random_walk(sim, random.Random(seed), steps)
    nodes = "{n1, n2, n3}"
    consts = {"Proposer": nodes, "Acceptor": nodes, "Learner": nodes, "Value": "{v1, v2}",
              "Nil": "Nil", "Bug": '"None"', **BOUNDS_SINGLE}
    return tlc_trace.check("Paxos", events, single_abstraction.PARAMS, consts,
                           ["n1", "n2", "n3", "v1", "v2", "Nil"])


def run_multi(seed: int, steps: int, bugs: Bugs = NO_BUGS) -> tuple[bool, str]:
    sim = make_multi(3, seed=seed, election_ticks=3, heartbeat_ticks=1, resend_batch=2,
                     bugs=bugs)
    events = random_walk(sim, random.Random(seed), steps)
    consts = {"Server": "{s1, s2, s3}", "Value": "{v1, v2}", "NoOp": "NoOp", "Nil": "Nil",
              "Bug": '"None"', **BOUNDS_MULTI}
    return tlc_trace.check("MultiPaxos", events, multi_abstraction.PARAMS, consts,
                           ["s1", "s2", "s3", "v1", "v2", "NoOp", "Nil"])


def test_a_random_paxos_run_follows_the_spec():
    ok, report = run_single(2, 200)
    assert ok, report


def test_a_random_multipaxos_run_follows_the_spec():
    ok, report = run_multi(1, 200)
    assert ok, report


@pytest.mark.slow
@pytest.mark.parametrize("seed", [3, 4, 5])
def test_longer_random_runs_follow_the_specs(seed):
    for run in (run_single, run_multi):
        ok, report = run(seed, 500)
        assert ok, report


@pytest.mark.slow
def test_a_planted_bug_is_a_divergence_for_tlc_too():
    ok, report = run_multi(7, 150, Bugs.only("reuse_ballots"))
    assert not ok and "diverged at step" in report and "Prepare" in report


def test_a_tampered_message_bag_is_a_divergence_at_its_step():
    """The trace module writes each state as its change from the one before; a wrong count
    in the bag must still be caught at the step that claims it."""
    sim = make_multi(3, seed=1, election_ticks=3, heartbeat_ticks=1, resend_batch=2)
    events = random_walk(sim, random.Random(1), 40)
    k = next(i for i, e in enumerate(events) if i > 5 and len(e.state["msgs"].map) > 1)
    msgs = events[k].state["msgs"]
    key = next(iter(msgs.map))
    tampered = Step(events[k].index, events[k].action,
                    {**events[k].state, "msgs": Fn({**msgs.map, key: msgs.map[key] + 1})},
                    params=events[k].params, node=events[k].node)
    consts = {"Server": "{s1, s2, s3}", "Value": "{v1, v2}", "NoOp": "NoOp", "Nil": "Nil",
              "Bug": '"None"', **BOUNDS_MULTI}
    ok, report = tlc_trace.check("MultiPaxos", events[:k] + [tampered] + events[k + 1:],
                                 multi_abstraction.PARAMS, consts,
                                 ["s1", "s2", "s3", "v1", "v2", "NoOp", "Nil"])
    assert not ok and f"diverged at step {k}:" in report, report[-2000:]
