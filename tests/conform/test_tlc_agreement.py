"""The two validators agree: the embedded engine and TLC (a generated trace-checking module)
give the same verdict, at the same event, on conforming, buggy, tampered and partial traces."""

from __future__ import annotations

import pytest

from conformance.schedules.execution import spec_engine
from conformance.trace import Step
from conformance.validate import Validator
from conformance.validate.tlc import find_jar, trace_module, validate_with_tlc
from impl.raft.abstraction import VARIABLES
from tests.conform.raft_runs import RAFT, local_view, random_run

needs_tlc = [pytest.mark.tlc,
             pytest.mark.skipif(find_jar() is None,
                                reason="no TLC: set TLA2TOOLS_JAR and put java on PATH")]


def tlc(test):
    for mark in needs_tlc:
        test = mark(test)
    return test


def both(ex, steps=None, partial=()):
    steps = ex.steps if steps is None else steps
    engine = spec_engine(RAFT, ex.settings)
    div = Validator(engine, partial=partial).validate(steps)
    tlc = validate_with_tlc(engine, steps, partial=partial)
    return div, tlc


@tlc
def test_a_conforming_run_conforms_for_both():
    ex = random_run(seed=3, decisions=60)
    assert ex.divergence is None
    div, tlc = both(ex)
    assert div is None and tlc.conforms, tlc.output


@tlc
@pytest.mark.parametrize("bug,seed", [("quorum_off_by_one", 0),
                                      ("vote_without_log_check", 0)])
def test_a_buggy_run_diverges_at_the_same_event_for_both(bug, seed):
    ex = random_run(seed=seed, decisions=150, bugs=(bug,))
    assert ex.divergence is not None
    div, tlc = both(ex)
    assert div is not None and not tlc.conforms
    assert tlc.diverged_at == div.index == ex.divergence.index, tlc.output


@tlc
def test_a_tampered_partial_trace_diverges_at_the_same_event_for_both():
    ex = random_run(seed=5, decisions=50, variant=1)
    steps = local_view(ex.steps)
    partial = [v for v in VARIABLES if v != "msgs"]
    k = next(i for i, s in enumerate(steps) if s.action == "Timeout")
    term = steps[k].state["currentTerm"]
    ((me, t),) = term.map.items()
    steps[k] = Step(k, "Timeout", {**steps[k].state, "currentTerm": type(term)({me: t + 2})},
                    params=steps[k].params, node=steps[k].node)
    div, tlc = both(ex, steps, partial)
    assert div is not None and div.index == k
    assert not tlc.conforms and tlc.diverged_at == k, tlc.output


def test_the_generated_module_is_readable_tla():
    ex = random_run(seed=3, decisions=5)
    name, module, cfg = trace_module(spec_engine(RAFT, ex.settings), ex.steps)
    assert module.startswith(f"---- MODULE {name} ----\nEXTENDS Raft,")
    assert "TraceInit == Init" in module and "INIT TraceInit" in cfg
    assert "TraceUnfinished" in cfg


@tlc
def test_an_invariant_violation_is_reported_at_the_same_event_by_both():
    from pathlib import Path

    from conformance.validate import SpecEngine
    from conformance.values import Fn, FSet, ModelValue

    a, b = ModelValue("a"), ModelValue("b")
    engine = SpecEngine(Path(__file__).parent / "specs" / "Counter.tla",
                        {"Server": FSet([a, b]), "Limit": 5}, invariants=["Small"])
    seen = Fn({a: 0, b: 0})
    steps = [Step(0, "Init", {"x": 0, "seen": seen}),
             Step(1, "Inc", {"x": 2, "seen": seen}, params={"n": 2}),
             Step(2, "Bump", {"seen": seen}),  # x left out: 3 or 4, and 4 breaks Small
             Step(3, "Observe", {"x": 4, "seen": Fn({a: 4, b: 0})}, params={"s": a})]
    div = Validator(engine).validate(steps)
    tlc = validate_with_tlc(engine, steps)
    assert div is not None and div.violated == ["Small"] and div.index == 2
    assert tlc.violated == "Small" and tlc.diverged_at == 2, tlc.output
    # in the last state too, where the trace is also finished: the violation wins
    last = validate_with_tlc(engine, steps[:3])
    assert last.violated == "Small" and last.diverged_at == 2, last.output
