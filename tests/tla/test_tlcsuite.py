"""conform tlc-suite: reading TLC's JUnit classes, sorting comparisons into kinds, and a
fast subset of TLC's regression models checked against the verdicts recorded with TLC
(conformance/tlcsuite/expected.json). The subset needs TLC's source tree (test-model/):
$TLC_TLATOOLS, or tlc/src/tlatools/org.lamport.tlatools beside the clone; it skips
elsewhere."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conformance.result import Outcome
from conformance.tlcsuite import suite
from conformance.tlcsuite.junit import parse_class, read_runs

REPO = Path(__file__).resolve().parents[2]


def _tlatools() -> Path | None:
    for c in (os.environ.get("TLC_TLATOOLS"),
              REPO.parent / "tlc" / "src" / "tlatools" / "org.lamport.tlatools",
              Path("/work/tlc/src/tlatools/org.lamport.tlatools")):
        if c and (Path(c) / "test-model").is_dir():
            return Path(c)
    return None


TLATOOLS = _tlatools()


def test_junit_classes_are_read_through_their_helpers(tmp_path):
    (tmp_path / "ModelCheckerTestCase.java").write_text(
        "public abstract class ModelCheckerTestCase extends CommonTestCase {}")
    (tmp_path / "Helper.java").write_text('''
        public abstract class Helper extends ModelCheckerTestCase {
            public Helper(final String cfg, final int status) {
                super("Spec", "folder" + File.separator + "sub",
                      new String[] {"-config", cfg}, status);
            }
            protected boolean checkDeadLock() { return true; }
        }''')
    (tmp_path / "SpecATest.java").write_text('''
        /* a comment with super("Nope") in it */
        public class SpecATest extends Helper {
            public SpecATest() {
                super("SpecA.cfg", ExitStatus.VIOLATION_SAFETY);  // "not a call"
            }
            public void beforeSetUp() {
                System.setProperty(Tool.CDOT_KEY, Boolean.TRUE.toString());
            }
        }''')
    (tmp_path / "SuiteLike.java").write_text('''
        public class Test12 extends ModelCheckerTestCase {
            public Test12() { super("setBySetUp", "suite", EC.ExitStatus.SUCCESS); }
        }''')
    runs, unread = read_runs(tmp_path)
    assert unread == []
    by = {r.test: r for r in runs}
    a = by["SpecATest"]
    assert (a.folder, a.spec, a.args, a.exit_status, a.check_deadlock) == \
        ("folder/sub", "Spec", ["-config", "SpecA.cfg"], 12, True)
    assert a.properties == {"tlc2.tool.impl.Tool.cdot": "true"}
    assert a.config == "SpecA.cfg"
    t = by["Test12"]
    assert (t.folder, t.spec, t.check_deadlock, t.config) == ("suite", "test12", False,
                                                              "test12.cfg")
    assert parse_class(tmp_path / "ModelCheckerTestCase.java").abstract


def _entry(outcome: str, **tlc) -> suite.Entry:
    return suite.Entry("T", "", "Spec", "Spec.cfg", tlc={"outcome": outcome, **tlc})


@pytest.mark.parametrize("tlc, engine, kind", [
    ({"outcome": "holds", "distinct": 3, "generated": 5},
     {"outcome": "holds", "distinct": 3, "generated": 5}, "agrees"),
    ({"outcome": "holds", "distinct": 3, "generated": 5},
     {"outcome": "holds", "distinct": 3, "generated": 6}, "counts differ"),
    ({"outcome": "parse error"}, {"outcome": "semantic error"}, "agrees"),
    ({"outcome": "evaluation error"}, {"outcome": "holds"}, "wrong verdict"),
    ({"outcome": "holds"}, {"outcome": "invariant violated"}, "wrong verdict"),
    ({"outcome": "holds"}, {"crash": "Traceback ... KeyError"}, "traceback"),
    ({"outcome": "holds"}, {"outcome": "timeout"}, "resource"),
    ({"outcome": "holds"}, {"outcome": "semantic error", "unsupported": "X"},
     "unsupported"),
    ({"outcome": "holds"}, {"outcome": "parse error"}, "parse error"),
    ({"outcome": "holds"}, {"outcome": "evaluation error"}, "engine error"),
    ({"outcome": "invariant violated"}, {"outcome": "holds", "random": True},
     "random choices"),
    ({"outcome": "holds", "distinct": 3, "generated": 5},
     {"outcome": "holds", "distinct": 2, "generated": 5, "random": True}, "random choices"),
    ({"outcome": "holds"}, {"outcome": "evaluation error", "random": True}, "engine error"),
])
def test_comparisons_are_sorted_into_kinds(tlc, engine, kind):
    outcome = tlc.pop("outcome")
    assert suite.compare(_entry(outcome, **tlc), engine).kind == kind


def test_the_expected_results_are_measured_facts():
    header, entries = suite.load()
    assert header["workers"] == 1 and header["tlc"]
    compared = [e for e in entries if e.skip is None and e.finished]
    assert len(compared) >= 450
    assert {e.tlc["outcome"] for e in compared} <= {o.value for o in Outcome}


# a fast subset: one or two runs per kind of fix, each a second or less on the engine
FAST = ["AssignmentNextTest", "AssignmentInitTest", "AssignmentInitNegTest", "Github297Test",
        "EmptySubsetEqTest", "EvaluatingValueTest", "TLCGetLevelTest", "PostConditionsTest",
        "PossibleFailActionTest", "AliasSafetyTest", "LetDef1BoxedcTest", "BagsTest",
        "Test3", "Test45", "Test61", "Github1109Test", "Github179bTest", "Github525Test",
        "Github607Test", "Github696bTest", "ConstantOperatorConfigurationTest",
        "TLCGetNamedUndefinedTest", "EmptyOrderOfSolutionsTest", "StandardModulesTest",
        "Test55", "ETest7", "CdotWithContextBTest", "Github798ITest", "Github377CoverageTest",
        "April22Test", "Github715bTest", "Github817cTest", "ExamplesEWD840Test",
        "LetDef2BoxedbTest", "TLCExtTest", "ConstantRank2AssertErrorTest", "ContinueTest",
        "CyclicRedefineVarsTest", "InvParameterizedBTest", "TLCGetAllTest",
        "Github687Test"]


@pytest.mark.skipif(TLATOOLS is None, reason="TLC's source tree (test-model/) not found; "
                    "set TLC_TLATOOLS")
def test_a_fast_subset_agrees_with_tlc():
    from conformance.corpus import tlc_options
    from conformance.tla import check_model

    assert TLATOOLS is not None
    _, entries = suite.load()
    chosen = [e for e in entries if e.id in FAST and e.skip is None and e.finished]
    assert len(chosen) >= len(FAST) - 2
    models = TLATOOLS / "test-model"
    bad = []
    for e in chosen:
        folder = models / e.folder
        limits, unknown = tlc_options(e.options, [f"{k}={v}" for k, v in e.properties.items()])
        assert unknown == [], e.name
        r = check_model(folder / f"{e.spec}.tla", folder / e.config, timeout=60,
                        check_deadlock=None if e.check_deadlock else False, **limits)
        got = {"outcome": r.outcome.value, "distinct": r.distinct_states,
               "generated": r.states_generated}
        c = suite.compare(e, got)
        if c.kind != "agrees":
            bad.append(f"{e.name}: {c.kind}: {c.detail}")
    assert bad == []


# --------------------------------------------------------------------------- recording

PINNED = Path(__file__).parent / "specs" / "pinned"


def test_an_assert_error_on_a_tlc_message_holds_in_the_engine():
    from conformance.tla import check_model

    r = check_model(PINNED / "ToolModeMessage.tla", timeout=60)
    assert (r.outcome, r.states_generated, r.distinct_states) == (Outcome.HOLDS, 3, 2)


@pytest.mark.tlc
def test_the_recorder_keeps_what_tlc_says_in_its_plain_mode():
    """Under -tool the ASSUME is false (TLC's message ends with "--End Error."); TLC's own
    harness, without -tool, finds it true: the recording says what the harness sees."""
    from tlc_support import real_toolchain

    tools = real_toolchain()
    if tools is None:
        pytest.skip("TLC not found (conform tlc where)")
    entry = suite.Entry("ToolModeMessage", "", "ToolModeMessage", "ToolModeMessage.cfg")
    got = suite.tlc_result(entry, PINNED, tools, 120, None)
    assert (got["outcome"], got["generated"], got["distinct"], got["mode"]) == \
        ("holds", 3, 2, "plain")
    assert got["tool_mode"]["outcome"] == "assumption failed"


def test_a_run_drawing_at_random_says_so():
    from conformance.tla import check_model

    spec = PINNED / "RandomDraws.tla"
    r = check_model(spec, timeout=60, check_deadlock=False)
    assert r.outcome == Outcome.HOLDS
    assert any(w.startswith("random choices:") for w in r.warnings)
    r = check_model(PINNED / "CachedOnce.tla", timeout=60, check_deadlock=False)
    assert not any(w.startswith("random choices:") for w in r.warnings)


def test_a_run_that_outgrows_its_memory_meets_the_engines_bound_first(tmp_path):
    # The harness bounds each run's address space. Met alone, that limit stalled a run
    # (Github710b) until it was killed at twice its time limit, without figures: the engine
    # could not allocate, not even to enforce its time limit. The engine's own bound on
    # resident memory, set below the address-space limit, must end the run first.
    (tmp_path / "Grows.tla").write_text(
        "---- MODULE Grows ----\nEXTENDS Naturals\nVARIABLE x\n"
        "Spec == x = 0 /\\ [][x' = x + 1]_x\nLive == []<>(x >= 0)\n====\n")
    (tmp_path / "Grows.cfg").write_text("SPECIFICATION Spec\nPROPERTY Live\n")
    entry = suite.Entry("Grows", "", "Grows", "Grows.cfg", tlc={"outcome": "holds"})
    got = suite.engine_result(entry, tmp_path, timeout=300, memory=400 << 20)
    assert not got.get("killed"), got
    assert got["resource"] is True and "memory bound" in got["message"], got
    assert got["distinct"] and got["distinct"] > 1000, got
    assert suite.compare(entry, got).kind == "resource"
