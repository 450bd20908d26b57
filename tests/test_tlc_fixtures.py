"""Every recorded TLC run in the shared fixtures, read back through the bridge.

Each case's ``stdout.tool.txt`` is fed through the stream reader and the report, exactly as a
live run's output would be, and the result is compared with what TLC said in that run: the
outcome, the figures, the property, the positions, and the counterexample, whose three
readings (printed states, trace.tla, trace.json) must agree.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tlc_support import CASES, FIXTURES, config_of, exit_status_of, module_of

from conformance.result import Outcome
from conformance.tlc import counterexample as cex
from conformance.tlc.report import Report, outcome_of_exit_status
from conformance.tlc.runner import build_result
from conformance.tlc.stream import read_messages
from conformance.trace import INIT
from conformance.values import FSet, ModelValue, Tup, make_fn, record

pytestmark = pytest.mark.skipif(not CASES, reason=f"no TLC fixtures at {FIXTURES}")

ALL_CASES = {"success", "invariant", "deadlock", "liveness", "liveness_ok", "action_property",
             "values_trace", "values_ok", "assume_fail", "parse_error", "semantic_error",
             "eval_error", "missing_constant", "bad_cfg"}


def replay(case: str, *, with_dumps: bool = True):
    folder = FIXTURES / case
    spec = folder / f"{module_of(case)}.tla"
    report = Report()
    with open(folder / "stdout.tool.txt", encoding="utf-8") as out:
        for msg in read_messages(out):
            report.add(msg)
    return build_result(report, spec=spec, config=config_of(case),
                        exit_status=exit_status_of(case),
                        dump_dir=folder if with_dumps else None), report


def test_every_fixture_case_is_covered():
    assert set(CASES) == ALL_CASES


# (outcome, violated, generated, distinct, left, depth)
EXPECTED = {
    "success": (Outcome.HOLDS, None, 6, 6, 0, 6),
    "invariant": (Outcome.INVARIANT_VIOLATED, "Small", 4, 4, 0, 4),
    "deadlock": (Outcome.DEADLOCK, None, 4, 4, 0, 4),
    "liveness": (Outcome.PROPERTY_VIOLATED, "Reaches", 4, 4, 0, 4),
    "liveness_ok": (Outcome.HOLDS, None, 4, 4, 0, 4),
    "action_property": (Outcome.PROPERTY_VIOLATED, "StepsByTwo", 2, 2, 0, 2),
    "values_trace": (Outcome.INVARIANT_VIOLATED, "ShortLog", 4, 4, 1, 3),
    "values_ok": (Outcome.HOLDS, None, 15, 15, 0, 4),
    "assume_fail": (Outcome.ASSUMPTION_FAILED, "ASSUME", None, None, None, None),
    "parse_error": (Outcome.PARSE_ERROR, None, None, None, None, None),
    "semantic_error": (Outcome.SEMANTIC_ERROR, None, None, None, None, None),
    "eval_error": (Outcome.EVALUATION_ERROR, None, 3, 3, 0, 3),
    "missing_constant": (Outcome.CONFIG_ERROR, None, None, None, None, None),
    "bad_cfg": (Outcome.CONFIG_ERROR, None, None, None, None, None),
}


@pytest.mark.parametrize("case", sorted(ALL_CASES))
def test_outcome_and_figures(case):
    result, report = replay(case)
    outcome, violated, generated, distinct, left, depth = EXPECTED[case]
    assert result.outcome is outcome, result.message
    assert result.engine == "tlc"
    assert result.spec == module_of(case)
    assert result.model == config_of(case).name
    assert result.violated == violated
    assert (result.states_generated, result.distinct_states, result.states_left,
            result.depth) == (generated, distinct, left, depth)
    assert result.tool_version == "2026.11.27.074400 (rev: cc6b616)"
    assert result.duration is not None and 0.1 < result.duration < 1.0  # "Finished in ...ms"
    assert (result.counterexample is not None) == (
        outcome.is_violation and outcome is not Outcome.ASSUMPTION_FAILED)
    assert not result.warnings, result.warnings  # the three readings agree


@pytest.mark.parametrize("case", sorted(ALL_CASES))
def test_exit_status_alone_implies_a_compatible_outcome(case):
    result, _ = replay(case)
    by_status = outcome_of_exit_status(exit_status_of(case))
    if exit_status_of(case) == 150:  # SANY failed: parse and semantic errors share it
        assert result.outcome in (Outcome.PARSE_ERROR, Outcome.SEMANTIC_ERROR)
    elif exit_status_of(case) == 255:  # TLC's catch-all; only the messages say more
        assert by_status is Outcome.TLC_FAILURE
        assert result.outcome is Outcome.EVALUATION_ERROR
    else:
        assert by_status is result.outcome


def test_exit_status_table():
    assert outcome_of_exit_status(0) is Outcome.HOLDS
    assert outcome_of_exit_status(10) is Outcome.ASSUMPTION_FAILED
    assert outcome_of_exit_status(11) is Outcome.DEADLOCK
    assert outcome_of_exit_status(12) is Outcome.INVARIANT_VIOLATED
    assert outcome_of_exit_status(13) is Outcome.PROPERTY_VIOLATED
    assert outcome_of_exit_status(14) is Outcome.EVALUATION_ERROR  # Assert
    assert outcome_of_exit_status(75) is Outcome.EVALUATION_ERROR
    assert outcome_of_exit_status(151) is Outcome.CONFIG_ERROR
    assert outcome_of_exit_status(153) is Outcome.TLC_FAILURE
    assert outcome_of_exit_status(1) is Outcome.TLC_FAILURE  # java itself failed


def _counter_trace(result, xs):
    trace = result.counterexample
    assert trace.states() == [{"x": x} for x in xs]
    assert trace.actions() == [INIT] + ["Next"] * (len(xs) - 1)
    for step in trace.steps[1:]:
        loc = step.location
        assert (loc.module, loc.line, loc.column, loc.end_line, loc.end_column) == (
            "Counter", 8, 9, 8, 29)
        assert Path(loc.file).name == "Counter.tla" and Path(loc.file).is_file()
    assert trace.header.spec == "Counter"
    assert trace.header.model == "Counter.cfg"
    assert trace.header.variables == ["x"]
    assert trace.header.origin["tool"] == "tlc"
    return trace


def test_invariant_counterexample():
    result, _ = replay("invariant")
    trace = _counter_trace(result, [0, 1, 2, 3])
    assert trace.header.violated == "Small"
    assert trace.header.loop is None
    assert trace.header.constants == {"Max": 5}


def test_deadlock_counterexample():
    result, _ = replay("deadlock")
    _counter_trace(result, [0, 1, 2, 3])


def test_action_property_counterexample():
    result, _ = replay("action_property")
    trace = _counter_trace(result, [0, 1])
    assert trace.header.violated == "StepsByTwo"


def test_liveness_counterexample_is_a_lasso_that_stutters():
    result, report = replay("liveness")
    trace = _counter_trace(result, [0, 1, 2])
    assert trace.is_lasso and trace.header.loop == 2  # the behavior stays in x = 2 forever
    assert [s.kind for s in report.states] == ["state", "state", "state", "stuttering"]
    # trace.json records the stuttering step as an action from state 3 to itself
    from_json = cex.from_dump_json(FIXTURES / "liveness" / "trace.json", spec="Counter")
    assert from_json.header.loop == 2


def test_evaluation_error_has_nested_positions_and_the_behavior_before_it():
    result, _ = replay("eval_error")
    assert result.message == "Attempted to apply Tail to the empty sequence."
    spans = [(p.module, p.line, p.column, p.end_line, p.end_column) for p in result.positions]
    assert spans == [("EvalError", 5, 9, 5, 35), ("EvalError", 5, 9, 5, 20),
                     ("EvalError", 5, 14, 5, 20)]
    trace = result.counterexample
    assert trace.states() == [{"s": Tup((1, 2))}, {"s": Tup((2,))}, {"s": Tup()}]
    assert trace.actions() == [INIT, "Next", "Next"]


def test_assumption_failure_points_at_the_assume():
    result, _ = replay("assume_fail")
    (pos,) = result.positions
    assert (Path(pos.file).name, pos.line, pos.column, pos.end_line, pos.end_column) == (
        "AssumeFail.tla", 4, 8, 4, 13)
    assert "is false" in result.message


def test_parse_error_position():
    result, _ = replay("parse_error")
    (pos,) = result.positions
    assert (Path(pos.file).name, pos.line, pos.column, pos.module) == (
        "ParseError.tla", 6, 1, "ParseError")
    assert result.message.startswith('Encountered "===="')


def test_semantic_error_position():
    result, _ = replay("semantic_error")
    (pos,) = result.positions
    assert (Path(pos.file).name, pos.line, pos.column, pos.end_line, pos.end_column) == (
        "SemanticError.tla", 5, 14, 5, 14)
    assert result.message == "Unknown operator: `y'."


def test_missing_constant_names_the_cfg_and_the_declaration():
    result, _ = replay("missing_constant")
    assert "Max" in result.message
    cfg, decl = result.positions
    assert Path(cfg.file).name == "Counter.cfg" and cfg.line == 0
    assert (Path(decl.file).name, decl.line, decl.column) == ("Counter.tla", 4, 10)


def test_unknown_invariant_points_into_the_cfg():
    result, _ = replay("bad_cfg")
    (pos,) = result.positions
    assert (Path(pos.file).name, pos.line, pos.column) == ("Counter.cfg", 3, 11)
    assert "NoSuchOp" in result.message


# --------------------------------------------------------------------------- every value kind

N1, N2 = ModelValue("n1"), ModelValue("n2")


def _values_state(step: int, msgs_terms: list[int]):
    log = Tup(record(term=t, cmd="set") for t in range(step))
    return {
        "step": step,
        "log": log,
        "votes": make_fn({N1: FSet({N1}) if step else FSet(), N2: FSet()}),
        "role": make_fn({N1: "candidate" if step else "follower", N2: "follower"}),
        "msgs": FSet(record(type="RequestVote", term=t, **{"from": N1}) for t in msgs_terms),
        "meta": record(leader=N1 if step else ModelValue("None"), term=step,
                       pair=Tup((1, "a"))),
    }


def test_values_counterexample_is_exact():
    result, _ = replay("values_trace")
    trace = result.counterexample
    assert trace.header.origin["source"] == "trace.tla"
    assert trace.states() == [_values_state(0, []), _values_state(1, [0]),
                              _values_state(2, [0, 1])]
    assert trace.header.variables == ["step", "log", "votes", "role", "msgs", "meta"]
    assert list(trace.steps[0].state) == trace.header.variables
    assert trace.header.constants == {"Nodes": FSet({N1, N2}), "None": ModelValue("None")}
    loc = trace.steps[1].location
    assert (loc.line, loc.column, loc.end_line, loc.end_column, loc.module) == (
        15, 11, 21, 63, "Values")


def test_three_readings_of_one_counterexample_agree():
    _, report = replay("values_trace")
    folder = FIXTURES / "values_trace"
    common = dict(spec="Values", model="Values.cfg", spec_dir=folder)
    printed = cex.from_printed(report.states, **common)
    dumped = cex.from_dump_tla(folder / "trace.tla", **common)
    assert cex.disagreements(printed, dumped) == []
    assert cex.json_disagreements(printed, folder / "trace.json") == []
    # the JSON dump alone is lossy: model values come back as strings, sets as sequences
    lossy = cex.from_dump_json(folder / "trace.json", **common)
    assert lossy.actions() == printed.actions()
    assert lossy.states()[1]["meta"].map["leader"] == "n1"
    assert lossy.states()[1]["msgs"] != printed.states()[1]["msgs"]
    assert "lossy" in lossy.header.extra


def test_a_changed_value_is_a_disagreement():
    _, report = replay("values_trace")
    folder = FIXTURES / "values_trace"
    printed = cex.from_printed(report.states, spec="Values", spec_dir=folder)
    printed.steps[2].state["step"] = 7
    dumped = cex.from_dump_tla(folder / "trace.tla", spec="Values", spec_dir=folder)
    assert cex.disagreements(printed, dumped) == ["state 2: step differ"]
    assert cex.json_disagreements(printed, folder / "trace.json") == ["state 2: step differ"]


@pytest.mark.parametrize("case", ["invariant", "deadlock", "liveness", "action_property"])
def test_printed_states_agree_with_trace_json(case):
    _, report = replay(case)
    printed = cex.from_printed(report.states, spec="Counter")
    assert cex.json_disagreements(printed, FIXTURES / case / "trace.json") == []
    from_json = cex.from_dump_json(FIXTURES / case / "trace.json", spec="Counter")
    assert from_json.states() == printed.states()  # integers survive JSON exactly
    assert from_json.actions() == printed.actions()
    assert from_json.header.loop == printed.header.loop


def test_without_dumps_the_printed_states_are_used():
    result, _ = replay("values_trace", with_dumps=False)
    assert result.counterexample.header.origin["source"] == "printed states"
    assert result.counterexample.states()[2] == _values_state(2, [0, 1])


def test_progress_reaches_the_callback_as_messages_arrive():
    seen = []
    report = Report(on_progress=seen.append)
    with open(FIXTURES / "values_ok" / "stdout.tool.txt", encoding="utf-8") as out:
        for msg in read_messages(out):
            report.add(msg)
    assert [(p.states_generated, p.distinct_states, p.states_left, p.depth) for p in seen] == [
        (15, 15, 0, 4)]
