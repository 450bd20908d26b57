"""Campaigns spread over processes (-j) and machines (--shard): the same runs, the same
verdict; and the example database that replays a failure first."""

from __future__ import annotations

import pytest

from conformance import protocols
from conformance.cli import main
from conformance.errors import UserError
from conformance.schedules import profiles
from conformance.schedules.spread import Campaign, parse_shard, plan, run_spread, slice_seed

RAFT = protocols.get("raft")
# three slices of three short runs each
TINY = profiles.get("ci").with_overrides(examples=9, max_decisions=30)
TINY = TINY.__class__(**{**TINY.__dict__, "slice_examples": 3})


def test_slices_cover_the_campaign_and_shards_split_them_exactly():
    campaigns = [Campaign(RAFT), Campaign(RAFT, ("commit_old_term",))]
    profile = profiles.get("ci").with_overrides(examples=250)
    whole = plan(campaigns, profile, seed=7)
    assert [s.examples for s in whole] == [84, 83, 83] * 2
    assert [s.number for s in whole] == list(range(6))
    assert whole[0].seed == 7 and len({s.seed for s in whole[:3]}) == 3
    assert [s.seed for s in whole[:3]] == [s.seed for s in whole[3:]]  # seeds per campaign
    assert slice_seed(7, 2) == slice_seed(7, 2) != slice_seed(8, 2)
    shards = [plan(campaigns, profile, seed=7, shard=(i, 4)) for i in range(1, 5)]
    assert sorted((s for sh in shards for s in sh), key=lambda s: s.number) == whole
    assert all(shards)  # every shard has work
    assert plan(campaigns, profiles.get("ci").with_overrides(examples=5), 0)[0].examples == 5


def test_shard_syntax_is_checked():
    assert parse_shard("2/4") == (2, 4)
    for bad in ("0/4", "5/4", "2", "a/b", "1/0"):
        with pytest.raises(UserError):
            parse_shard(bad)


def _figures(r):
    return (r.ok, r.progress.examples, r.progress.events, r.progress.decisions,
            r.progress.found_at_example,
            None if r.divergence is None else (r.divergence.action, r.divergence.kind))


def test_two_processes_run_the_same_slices_as_one():
    campaigns = [Campaign(RAFT)]
    one = run_spread(campaigns, TINY, seed=3, jobs=1)
    two = run_spread(campaigns, TINY, seed=3, jobs=2)
    assert _figures(one[0]) == _figures(two[0])
    assert one[0].ok and one[0].progress.examples == 9


def test_the_lowest_failing_slice_gives_the_verdict_whatever_the_jobs(tmp_path):
    # the bug is found in every slice; the verdict is slice 0's, in one process or three
    campaigns = [Campaign(RAFT, ("quorum_off_by_one",)), Campaign(RAFT)]
    seq = run_spread(campaigns, TINY, seed=5, jobs=1, save_dir=tmp_path / "a")
    par = run_spread(campaigns, TINY, seed=5, jobs=3, save_dir=tmp_path / "b")
    assert _figures(seq[0]) == _figures(par[0])
    assert seq[0].divergence is not None and seq[0].progress.found_at_example <= 3
    assert seq[0].trace_file is not None and seq[0].trace_file.parent == tmp_path / "a"
    assert _figures(seq[1]) == _figures(par[1]) and seq[1].ok


def test_the_shards_together_are_the_unsharded_campaign():
    campaigns = [Campaign(RAFT)]
    whole = run_spread(campaigns, TINY, seed=11)[0]
    parts = [run_spread(campaigns, TINY, seed=11, shard=(i, 2))[0] for i in (1, 2)]
    assert all(p is not None and p.ok for p in parts)
    assert sum(p.progress.examples for p in parts) == whole.progress.examples == 9
    assert sum(p.progress.events for p in parts) == whole.progress.events
    assert run_spread(campaigns, profiles.get("ci").with_overrides(examples=2), seed=1,
                      shard=(2, 2)) == [None]  # one slice: the second shard has none


def test_a_failure_in_the_example_database_is_tried_first(tmp_path, capsys):
    db = str(tmp_path / "db")
    bug = [Campaign(RAFT, ("reply_before_sync",))]
    quick = profiles.get("ci").with_overrides(examples=40, max_decisions=60)
    quick = quick.__class__(**{**quick.__dict__, "shrink_seconds": 1, "minimize_replays": 1})
    first = run_spread(bug, quick, seed=0, database=db, save_dir=tmp_path / "out")[0]
    assert first.divergence is not None and first.progress.found_at_example > 1
    one = quick.with_overrides(examples=1)
    assert run_spread(bug, one, seed=0, save_dir=tmp_path / "out")[0].ok  # not by chance
    again = run_spread(bug, one, seed=0, database=db, save_dir=tmp_path / "out")[0]
    assert again.divergence is not None and again.progress.found_at_example == 1
    other = run_spread([Campaign(RAFT)], one, seed=0, database=db)[0]
    assert other.ok  # filed under the protocol and its bugs: not replayed without the bug
    trace = next((tmp_path / "out").iterdir())
    assert main(["run", "--examples", "1", "--example-db", str(trace)]) == 2
    assert "must be a directory" in capsys.readouterr().err


def test_a_campaigns_times_count_from_its_own_first_slice():
    # campaigns share the processes: this one's slices began 100 s after the plan was made;
    # its failure, 2 s into its second slice (begun at +105 s), was found 7 s in, not 107
    from conformance.schedules.campaign import Progress
    from conformance.schedules.spread import _Tally

    t = _Tally(slices=[], started=1000.0)
    t.begun = {0: 1100.0, 1: 1105.0}
    t.live = {0: (Progress(examples=100, started=0.0), 1.0),
              1: (Progress(examples=10, found_at_example=4, found_after=2.0, started=0.0), 0.5)}
    p = t.progress()
    assert p.found_at_example == 104
    assert p.found_after == 7.0
    assert p.started == 1100.0
