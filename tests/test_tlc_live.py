"""The real TLC on the fixture specs, where a jar and Java are found (marker ``tlc``).

Run them with ``TLA2TOOLS_JAR=/path/to/tla2tools.jar``; they skip cleanly without one. The
runs happen once, side by side, and each test reads its result. Every live run must agree
with the recorded one, whatever TLC version is installed (older ones write no trace dumps,
and the counterexample then comes from the printed states).
"""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from test_tlc_fixtures import EXPECTED, replay
from tlc_support import CASES, FIXTURES, config_of, module_of, real_toolchain

from conformance.cli import main
from conformance.result import Outcome
from conformance.tlc import run_tlc
from conformance.trace import read_trace

TOOLS = real_toolchain()
pytestmark = [pytest.mark.tlc,
              pytest.mark.skipif(TOOLS is None, reason="no TLC jar and Java 11+ found "
                                 "(set TLA2TOOLS_JAR or run `conform tlc install`)")]

EXTRA = {
    # x cycles 0 -> 1 -> 2 -> 0 under weak fairness, so <>[](x = 0) fails on a lasso
    "Toggle": ("---- MODULE Toggle ----\nEXTENDS Naturals\nVARIABLE x\nInit == x = 0\n"
               "Next == x' = (x + 1) % 3\nSpec == Init /\\ [][Next]_x /\\ WF_x(Next)\n"
               "Stays == <>[](x = 0)\n====\n", "SPECIFICATION Spec\nPROPERTY Stays\n"),
    # an action with parameters
    "Params": ("---- MODULE Params ----\nEXTENDS Naturals\nCONSTANT Nodes\nVARIABLE x\n"
               "Init == x = [n \\in Nodes |-> 0]\n"
               "Bump(n, k) == x[n] < 2 /\\ x' = [x EXCEPT ![n] = @ + k]\n"
               "Next == \\E n \\in Nodes, k \\in {1} : Bump(n, k)\n"
               "Inv == \\A n \\in Nodes : x[n] < 2\n====\n",
               "CONSTANT Nodes = {a, b}\nINIT Init\nNEXT Next\nINVARIANT Inv\n"),
    # far too many states for the time limit
    "Big": ("---- MODULE Big ----\nEXTENDS Naturals\nVARIABLES x, y\nInit == x = 0 /\\ y = 0\n"
            "Next == \\/ x' = x + 1 /\\ UNCHANGED y\n        \\/ y' = y + 1 /\\ UNCHANGED x\n"
            "====\n", "INIT Init\nNEXT Next\n"),
}


def _stage(name: str, into: Path) -> tuple[Path, Path, list[str]]:
    into.mkdir(parents=True)
    if name in EXTRA:
        tla, cfg = EXTRA[name]
        (into / f"{name}.tla").write_text(tla)
        (into / f"{name}.cfg").write_text(cfg)
        spec, config = into / f"{name}.tla", into / f"{name}.cfg"
    else:
        spec = into / f"{module_of(name)}.tla"
        config = into / config_of(name).name
        shutil.copy(FIXTURES / name / spec.name, spec)
        shutil.copy(config_of(name), config)
    return spec, config, sorted(p.name for p in into.iterdir())


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """Every live run, side by side: name -> (result, spec folder listing before, after)."""
    root = tmp_path_factory.mktemp("live")
    jobs = {name: _stage(name, root / name) for name in [*CASES, *EXTRA]}

    def run(name):
        spec, config, before = jobs[name]
        timeout = 5 if name == "Big" else 120
        result = run_tlc(spec, config, timeout=timeout, tools=TOOLS)
        return name, (result, before, sorted(p.name for p in spec.parent.iterdir()))

    with pytest.MonkeyPatch.context() as mp, \
            ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        # These models are tiny: the JIT's optimizing tier costs more than it saves.
        mp.setenv("JAVA_TOOL_OPTIONS", "-XX:TieredStopAtLevel=1")
        return dict(pool.map(run, jobs))


@pytest.mark.skipif(not CASES, reason=f"no TLC fixtures at {FIXTURES}")
@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_live_run_agrees_with_the_recorded_one(case, live):
    result, before, after = live[case]
    recorded, _ = replay(case)
    assert result.outcome is recorded.outcome, result.message
    assert result.violated == recorded.violated
    assert (result.states_generated, result.distinct_states, result.depth) == (
        recorded.states_generated, recorded.distinct_states, recorded.depth)
    assert [(p.line, p.column) for p in result.positions] == [
        (p.line, p.column) for p in recorded.positions]
    if recorded.counterexample is not None:
        assert result.counterexample.states() == recorded.counterexample.states()
        assert result.counterexample.actions() == recorded.counterexample.actions()
        assert result.counterexample.header.loop == recorded.counterexample.header.loop
    assert not result.warnings, result.warnings  # printed, trace.tla and trace.json agree
    assert after == before  # TLC wrote nothing beside the spec


def test_a_lasso_back_to_the_first_state(live):
    result, _, _ = live["Toggle"]
    assert result.outcome is Outcome.PROPERTY_VIOLATED and result.violated == "Stays"
    trace = result.counterexample
    assert trace.states() == [{"x": 0}, {"x": 1}, {"x": 2}]
    assert trace.header.loop == 0 and trace.header.extra["loop_action"] == "Next"
    assert not result.warnings


def test_action_parameters_are_named(live):
    from conformance.values import ModelValue

    result, _, _ = live["Params"]
    assert result.outcome is Outcome.INVARIANT_VIOLATED
    steps = result.counterexample.steps
    assert [s.action for s in steps] == ["Init", "Bump", "Bump"]
    assert steps[1].params == {"n": ModelValue("a"), "k": 1}
    assert not result.warnings


def _java_processes_in(folder_prefix: str) -> list[str]:
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if folder_prefix in cmdline and "tlc2.TLC" in cmdline:
            found.append(cmdline)
    return found


def test_a_timeout_stops_tlc(live):
    result, before, after = live["Big"]
    assert result.outcome is Outcome.TIMEOUT
    assert result.duration < 5 + 10
    assert after == before
    if Path("/proc").is_dir():
        assert _java_processes_in("Big.cfg") == []


def test_modelcheck_writes_a_counterexample_that_reads_back(tmp_path, monkeypatch, capsys):
    """The bridge's promise: a violated invariant gives a table and a trace file."""
    monkeypatch.setenv("TLA2TOOLS_JAR", str(TOOLS.jar))
    spec, _, _ = _stage("invariant", tmp_path / "spec")
    traces = tmp_path / "traces"
    assert main(["modelcheck", "--engine", "tlc", str(spec), "--trace-dir", str(traces)]) == 1
    out = capsys.readouterr().out
    assert "invariant violated" in out and "Small" in out
    trace = read_trace(traces / "Counter.ndjson")
    assert trace.states() == [{"x": x} for x in range(4)]
    assert trace.header.origin["tool"] == "tlc"
    assert main(["trace", "show", str(traces / "Counter.ndjson")]) == 0
    assert "counterexample to Small" in capsys.readouterr().out


@pytest.mark.skipif(TOOLS is not None and not any("CommunityModules" in p.name
                                                  for p in TOOLS.classpath),
                    reason="no CommunityModules jar (`conform tlc install` fetches it)")
def test_a_spec_that_extends_community_modules_runs(tmp_path):
    # SequencesExt and Functions come from the CommunityModules jar on TLC's class path;
    # without it TLC reports a parse error (the module cannot be found)
    spec = tmp_path / "UsesExt.tla"
    spec.write_text("---- MODULE UsesExt ----\n"
                    "EXTENDS Naturals, Sequences, SequencesExt, Functions\n"
                    "VARIABLE s\nInit == s = <<>>\n"
                    "Next == Len(s) < 3 /\\ \\E x \\in 1..2 : s' = Append(s, x)\n"
                    "Inv == ToSet(s) \\subseteq 1..2 /\\ Range(s) = ToSet(s)\n====\n")
    cfg = tmp_path / "UsesExt.cfg"
    cfg.write_text("INIT Init\nNEXT Next\nINVARIANT Inv\nCHECK_DEADLOCK FALSE\n")
    r = run_tlc(spec, cfg, workers=2)
    assert r.outcome is Outcome.HOLDS, r.message
    assert (r.distinct_states, r.depth) == (15, 4)
