"""The pipeline on the Raft implementation: campaigns, saved failures, replay, the registry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance import protocols
from conformance.cli import main
from conformance.schedules import profiles
from conformance.schedules.campaign import run_campaign
from conformance.schedules.execution import Execution, replay, spec_engine
from conformance.validate.report import LED_ELSEWHERE
from impl.raft.bugs import Bugs
from impl.sim.world import Decision

RAFT = protocols.get("raft")
SMALL = profiles.get("ci").with_overrides(examples=6, max_decisions=60)


def test_the_registry_names_every_planted_bug_of_the_implementation():
    assert set(RAFT.bugs) == set(Bugs.names())
    assert len(RAFT.bugs) >= 8
    assert set(RAFT.bug_docs) == set(RAFT.bugs)


def test_every_variant_binds_the_spec_and_builds_a_cluster():
    for v in RAFT.variants:
        engine = spec_engine(RAFT, v.settings)
        assert set(engine.variables) >= {"currentTerm", "log", "msgs", "committed"}
        ex = Execution(RAFT, v.settings)
        assert ex.divergence is None, ex.divergence.render()
        assert ex.sim.enabled()


def test_a_hand_written_schedule_conforms_step_by_step():
    ex = Execution(RAFT, RAFT.variants[1].settings)  # no pre-vote: a timeout campaigns
    assert ex.apply(Decision("timeout", "s1")) is None
    while True:
        deliver = [d for d in ex.sim.enabled() if d.kind == "deliver"]
        if not deliver:
            break
        assert ex.apply(deliver[0]) is None, ex.divergence.render()
    assert ex.sim.leaders() == ["s1"]
    assert ex.apply(Decision("submit", "s1", "v1")) is None
    actions = [s.action for s in ex.steps]
    assert actions[:2] == ["Init", "Timeout"] and "ClientRequest" in actions


def test_a_short_campaign_on_the_correct_implementation_conforms(tmp_path):
    r = run_campaign(RAFT, SMALL, save_dir=tmp_path)
    assert r.ok, r.divergence.render() if r.divergence else r.error
    assert r.progress.examples == SMALL.examples and r.progress.events > 50
    assert not list(tmp_path.iterdir())


@pytest.fixture(scope="module")
def off_by_one(tmp_path_factory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("failing")
    profile = profiles.get("ci").with_overrides(examples=40, max_decisions=40)
    r = run_campaign(RAFT, profile, ("quorum_off_by_one",), save_dir=out)
    return out, r


def test_a_planted_bug_is_found_shrunk_and_saved(off_by_one):
    out, r = off_by_one
    assert r.divergence is not None and r.divergence.kind == LED_ELSEWHERE
    # a quorum too small makes a lone server leader at its first timeout
    assert r.divergence.action == "Timeout"
    assert r.shrunk_events == 1 and r.shrunk_decisions <= 4
    page, path = sorted(out.iterdir())  # the trace, and beside it its page
    assert path == r.trace_file and page == path.with_suffix(".html")
    header = json.loads(path.read_text().splitlines()[0])
    assert header["protocol"] == "raft"
    assert header["cluster"]["bugs"] == ["quorum_off_by_one"]
    assert header["divergence"]["kind"] == LED_ELSEWHERE
    assert len(header["schedule"]) == r.shrunk_decisions


def test_replay_shows_the_same_divergence_and_exits_non_zero(off_by_one, capsys):
    _, r = off_by_one
    assert main(["replay", str(r.trace_file)]) == 1
    text = capsys.readouterr().out
    assert "the same divergence as recorded" in text and "Timeout" in text


def test_replay_without_the_bug_conforms(off_by_one, tmp_path, capsys):
    _, r = off_by_one
    lines = r.trace_file.read_text().splitlines()
    header = json.loads(lines[0])
    header["cluster"]["bugs"] = []
    fixed = tmp_path / "fixed.ndjson"
    fixed.write_text("\n".join([json.dumps(header)] + lines[1:]) + "\n")
    assert main(["replay", str(fixed)]) == 0
    text = capsys.readouterr().out
    assert "conforms" in text and "no longer happens" in text


def test_replay_of_a_schedule_that_no_longer_applies(off_by_one, tmp_path, capsys):
    _, r = off_by_one
    lines = r.trace_file.read_text().splitlines()
    header = json.loads(lines[0])
    header["schedule"] = [{"kind": "deliver", "node": "s2", "arg": 999}]
    bad = tmp_path / "stale.ndjson"
    bad.write_text("\n".join([json.dumps(header)] + lines[1:]) + "\n")
    assert main(["replay", str(bad)]) == 3
    assert "no longer applies" in capsys.readouterr().out


def test_replay_reports_bad_files_without_a_traceback(tmp_path, capsys):
    f = tmp_path / "broken.ndjson"
    f.write_text('{"format": "conform-trace", "version": 1, "spec": "Raft"}\n')
    assert main(["replay", str(f)]) == 2
    assert "no schedule" in capsys.readouterr().err
    f.write_text('{"format": "conform-trace", "version": 1, "spec": "Raft", '
                 '"protocol": "raft", "schedule": [{"kind": "tick"}]}\n')
    assert main(["replay", str(f)]) == 2
    assert "cluster" in capsys.readouterr().err


def test_the_replay_api_stops_at_the_divergence():
    settings = RAFT.variants[0].settings
    result = replay(RAFT, settings, ("quorum_off_by_one",), [{"kind": "timeout", "node": "s2"},
                                                              {"kind": "tick", "node": "s1"}])
    ex = result.execution
    assert ex.divergence is not None and ex.divergence.index == 1
    assert len(ex.decisions) == 1  # the tick after the divergence never ran


def test_unknown_bugs_and_protocols_are_user_errors(capsys):
    assert main(["run", "--bug", "no_such_bug", "--examples", "1"]) == 2
    assert "no planted bug" in capsys.readouterr().err
    assert main(["run", "--protocol", "nope", "--examples", "1"]) == 2
    for bad in (["--examples", "0"], ["--max-decisions", "0"], ["--examples", "x"]):
        with pytest.raises(SystemExit) as exit_:
            main(["run", *bad])
        assert exit_.value.code == 2
        assert f"argument {bad[0]}" in capsys.readouterr().err


def test_an_exception_in_the_implementation_is_saved_and_replays(tmp_path):
    from dataclasses import replace as replace_field

    from conformance.schedules import failures
    from impl.raft.simulation import RaftSimulation

    class Broken(RaftSimulation):
        def on_timeout(self, node: str) -> None:
            raise ZeroDivisionError("the timer broke")

    def simulator(settings: dict, bugs: tuple[str, ...]) -> Broken:
        sim = RAFT.simulator(settings, bugs)
        sim.__class__ = Broken
        return sim

    broken = replace_field(RAFT, simulator=simulator)
    r = run_campaign(broken, SMALL, save_dir=tmp_path)
    assert r.divergence is None and r.error == "ZeroDivisionError: the timer broke"
    assert r.trace_file is not None and r.trace_file.exists()
    saved = failures.load(r.trace_file, protocols)
    assert saved.error == r.error and saved.schedule[-1]["kind"] == "timeout"
    again = replay(broken, saved.settings, saved.bugs, saved.schedule)
    assert again.execution.error == r.error
    assert again.stopped_at == len(saved.schedule) - 1


def test_the_deletion_pass_keeps_the_divergence_and_drops_the_rest():
    from conformance.schedules.minimize import diverges_like, minimize, moves_of
    from tests.conform.raft_runs import random_run

    ex = random_run(seed=0, decisions=150, bugs=("vote_without_log_check",))
    div = ex.divergence
    assert div is not None
    signature = (div.action, div.kind)
    shorter = minimize(RAFT, ex.settings, ex.bugs, ex.decisions, signature, budget=150)
    assert len(shorter) < len(ex.decisions)
    again = diverges_like(RAFT, ex.settings, ex.bugs, moves_of(RAFT, ex.settings, ex.bugs,
                                                                shorter), signature, True)
    assert again is not None and again.decisions == shorter
