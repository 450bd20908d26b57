"""Simulated runs, checked step by step against specs/Raft.tla by the real TLC."""

from __future__ import annotations

import random

import pytest

from impl.raft.bugs import Bugs
from impl.raft.core import Options
from impl.raft.simulation import RaftSimulation, SimConfig
from tests.raft import tlc_trace
from tests.raft.helpers import random_walk

pytestmark = [
    pytest.mark.tlc,
    pytest.mark.skipif(tlc_trace.find_tlc() is None, reason="TLC not found (conform tlc where)"),
    pytest.mark.skipif(tlc_trace.find_spec() is None, reason="specs/Raft.tla not present"),
]


def run(seed: int, steps: int, pre_vote: bool, bugs: Bugs | None = None) -> tuple[bool, str]:
    opts = Options(pre_vote=pre_vote, check_quorum=pre_vote, election_ticks=3,
                   heartbeat_ticks=1, max_batch=2, bugs=bugs or Bugs())
    cfg = SimConfig(servers=("s1", "s2", "s3", "s4"), initial=("s1", "s2", "s3"),
                    options=opts, seed=seed)
    events = random_walk(RaftSimulation(cfg), random.Random(seed), steps)
    return tlc_trace.check(events, list(cfg.servers), list(cfg.values), pre_vote, pre_vote,
                           list(cfg.initial), batch=opts.max_batch)


def test_a_random_run_follows_the_spec():
    ok, report = run(1, 150, True)
    assert ok, report


@pytest.mark.slow
@pytest.mark.parametrize("seed,pre_vote", [(2, False), (3, True)])
def test_longer_random_runs_follow_the_spec(seed, pre_vote):
    ok, report = run(seed, 400, pre_vote)
    assert ok, report


def test_a_planted_bug_is_a_divergence():
    ok, report = run(7, 150, False, Bugs.only("vote_without_log_check"))
    assert not ok and "diverged at step" in report
