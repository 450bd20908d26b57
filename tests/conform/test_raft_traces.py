"""Recorded Raft traces: node-local traces, tampered traces, spec counterexamples replayed on
the implementation."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.cli import main
from conformance.schedules import failures
from conformance.schedules.counterexample import to_schedule
from conformance.schedules.execution import replay, spec_engine
from conformance.tla.check import check_model
from conformance.trace import Step, write_trace
from conformance.validate import Validator
from conformance.validate.report import LED_ELSEWHERE
from impl.raft.abstraction import VARIABLES
from tests.conform.raft_runs import RAFT, local_view, random_run

SPECS = Path(__file__).resolve().parents[2] / "specs"


@pytest.fixture(scope="module")
def run():
    ex = random_run(seed=3, decisions=120)
    assert ex.divergence is None, ex.divergence.render()
    return ex


def test_a_node_local_trace_is_checked_by_searching_over_what_it_leaves_out(run):
    partial = [v for v in VARIABLES if v != "msgs"]
    v = Validator(spec_engine(RAFT, run.settings), partial=partial)
    assert v.validate(local_view(run.steps)) is None
    assert v.events == run.events


def test_a_node_local_trace_with_a_wrong_entry_diverges_there(run):
    steps = local_view(run.steps)
    k = next(i for i, s in enumerate(steps) if s.action == "HandleRequestVoteRequest")
    term = steps[k].state["currentTerm"]
    ((me, t),) = term.map.items()
    steps[k] = Step(k, steps[k].action, {**steps[k].state,
                                         "currentTerm": type(term)({me: t + 5})},
                    params=steps[k].params, node=steps[k].node)
    v = Validator(spec_engine(RAFT, run.settings), partial=[x for x in VARIABLES])
    div = v.validate(steps)
    assert div is not None and div.index == k and div.kind == LED_ELSEWHERE
    assert any(d.path.startswith("currentTerm") for d in div.differences)


def test_a_saved_run_validates_from_the_file_alone(run, tmp_path, capsys):
    path = failures.save(run, tmp_path, name="run.ndjson")
    assert main(["validate", str(path)]) == 0
    assert f"all {run.events} events" in capsys.readouterr().out


def test_a_tampered_file_is_a_divergence_at_the_tampered_event(run, tmp_path, capsys):
    path = failures.save(run, tmp_path, name="run.ndjson")
    lines = path.read_text().splitlines()
    k = len(lines) // 2
    lines[k] = lines[k].replace('"commitIndex":{"#map":[[{"#mv":"s1"},',
                                '"commitIndex":{"#map":[[{"#mv":"s1"},7', 1)
    assert "7" in lines[k]
    path.write_text("\n".join(lines) + "\n")
    assert main(["validate", "--json", str(path)]) == 1
    assert f'"index": {k - 1}' in capsys.readouterr().out


@pytest.fixture(scope="module")
def counterexample(tmp_path_factory):
    """The embedded engine's counterexample to the bug model ForgetVoteOnRestart."""
    result = check_model(SPECS / "Raft.tla", SPECS / "RaftBugForgetVote.cfg")
    assert result.outcome.is_violation and result.counterexample is not None
    path = tmp_path_factory.mktemp("cex") / "forget-vote.ndjson"
    write_trace(result.counterexample, path)
    return result.counterexample, path


def test_a_spec_counterexample_becomes_a_schedule(counterexample):
    trace, _ = counterexample
    conv = to_schedule(RAFT, trace, ("forget_vote_on_restart",))
    assert conv.stuck is None and conv.covered == conv.total == len(trace.steps) - 1
    kinds = [d["kind"] for d in conv.schedule]
    assert "timeout" in kinds and "crash" in kinds


def test_a_spec_counterexample_replays_against_the_planted_bug(counterexample, capsys):
    _, path = counterexample
    code = main(["replay", str(path), "--protocol", "raft", "--bug",
                 "forget_vote_on_restart"])
    out = capsys.readouterr().out
    assert code == 1 and "Restart" in out and "votedFor" in out


def test_the_same_counterexample_cannot_be_reproduced_by_the_correct_code(counterexample):
    trace, _ = counterexample
    conv = to_schedule(RAFT, trace)
    assert conv.stuck is not None  # the correct code never re-votes after a restart
    result = replay(RAFT, conv.settings, (), conv.schedule)
    assert result.execution.divergence is None
