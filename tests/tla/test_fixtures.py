"""Every recorded TLC run in ../shared/tlc-fixtures: the engine gives TLC's outcome, counts,
depth, trace length and error positions (figures read from TLC's own output)."""

import json
import re
from pathlib import Path

import pytest

from conformance.result import Outcome
from conformance.tla import check_model

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "tlc-fixtures"
if not FIXTURES.is_dir():
    FIXTURES = Path("/work/shared/tlc-fixtures")

pytestmark = pytest.mark.skipif(not FIXTURES.is_dir(), reason="tlc-fixtures not present")

EXIT_OUTCOME = {0: Outcome.HOLDS, 10: Outcome.ASSUMPTION_FAILED, 11: Outcome.DEADLOCK,
                12: Outcome.INVARIANT_VIOLATED, 13: Outcome.PROPERTY_VIOLATED,
                150: (Outcome.PARSE_ERROR, Outcome.SEMANTIC_ERROR), 151: Outcome.CONFIG_ERROR,
                255: Outcome.EVALUATION_ERROR}


def cases():
    if not FIXTURES.is_dir():
        return []
    return sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())


def tlc_figures(case: Path) -> dict:
    out = (case / "stdout.plain.txt").read_text()
    figures = {"exit": int((case / "exitcode.plain").read_text().strip())}
    m = re.search(r"(\d+) states generated, (\d+) distinct states found, (\d+) states left",
                  out)
    if m:
        figures["generated"], figures["distinct"], figures["left"] = map(int, m.groups())
    m = re.search(r"The depth of the complete state graph search is (\d+)", out)
    if m:
        figures["depth"] = int(m.group(1))
    figures["trace"] = len(re.findall(r"^State \d+: <", out, re.M))
    figures["positions"] = [tuple(map(int, p)) for p in re.findall(
        r"^\d+\. Line (\d+), column (\d+) to line (\d+), column (\d+)", out, re.M)]
    return figures


def run(case: Path):
    (cfg,) = case.glob("*.cfg")
    return check_model(cfg.with_suffix(".tla"), cfg)


@pytest.mark.parametrize("name", cases())
def test_fixture_outcome_counts_and_depth(name):
    case = FIXTURES / name
    want = tlc_figures(case)
    got = run(case)
    expected = EXIT_OUTCOME[want["exit"]]
    if isinstance(expected, tuple):
        assert got.outcome in expected, got.message
    else:
        assert got.outcome is expected, got.message
    for key, attr in (("generated", "states_generated"), ("distinct", "distinct_states"),
                      ("left", "states_left"), ("depth", "depth")):
        if key in want:
            assert getattr(got, attr) == want[key], key
    if want["trace"]:
        assert got.counterexample is not None
        assert len(got.counterexample.steps) == want["trace"]
    if want["positions"]:
        assert [(p.line, p.column, p.end_line, p.end_column) for p in got.positions] == \
            want["positions"]


def test_parse_and_semantic_errors_point_where_sany_does():
    got = run(FIXTURES / "parse_error")
    assert got.outcome is Outcome.PARSE_ERROR
    assert (got.positions[0].line, got.positions[0].column) == (6, 1)
    got = run(FIXTURES / "semantic_error")
    assert got.outcome is Outcome.SEMANTIC_ERROR
    assert "Unknown operator: `y'" in got.message
    assert (got.positions[0].line, got.positions[0].column) == (5, 14)


def test_config_errors_name_what_is_missing():
    got = run(FIXTURES / "missing_constant")
    assert "The constant parameter Max is not assigned a value" in got.message
    got = run(FIXTURES / "bad_cfg")
    assert "The invariant NoSuchOp specified in the configuration file" in got.message


def test_assumption_failure_names_the_assumption_as_tlc_does():
    got = run(FIXTURES / "assume_fail")
    assert got.message == ("Assumption line 4, col 8 to line 4, col 13 of module AssumeFail "
                           "is false.")


def test_counterexample_states_and_actions_match_tlcs_trace():
    case = FIXTURES / "values_trace"
    got = run(case).counterexample
    tlc = json.loads((case / "trace.json").read_text())["counterexample"]
    assert [s.action for s in got.steps] == ["Init", "Next", "Next"]
    loc = got.steps[1].location
    assert (loc.line, loc.column, loc.end_line, loc.end_column) == (15, 11, 21, 63)
    assert got.steps[1].params == {"n": got.steps[1].state["meta"]["leader"]}
    for step, (_, tlc_state) in zip(got.steps, tlc["state"], strict=True):
        assert step.state["step"] == tlc_state["step"]
        assert len(step.state["msgs"]) == len(tlc_state["msgs"])
    assert got.header.violated == "ShortLog"


def test_liveness_counterexample_is_a_lasso_ending_in_stuttering():
    got = run(FIXTURES / "liveness")
    assert got.violated == "Reaches"
    assert [s.state["x"] for s in got.counterexample.steps] == [0, 1, 2]
    assert got.counterexample.header.loop == 2
