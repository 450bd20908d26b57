"""Whole models: successor semantics, symmetry, instances, liveness. Every expected figure
here was produced by TLC (tla2tools, -workers 1) on the same spec and model."""

import pytest

from conformance.result import Outcome
from conformance.tla import check_model
from conformance.tla.errors import EvalError
from conformance.tla.model import load


def check(specdir, spec, cfg=None):
    return check_model(specdir / f"{spec}.tla", specdir / f"{cfg or spec}.cfg")


def test_branching_counts_duplicates_as_tlc_does(specdir):
    # \E and \/ yield a successor per witness while variables are unassigned, and only
    # one once all are assigned (TLC: 60 generated, 8 distinct, depth 3)
    r = check(specdir, "Branching")
    assert r.outcome is Outcome.HOLDS
    assert (r.states_generated, r.distinct_states, r.depth) == (60, 8, 3)


@pytest.mark.parametrize("cfg, generated, distinct", [("Sym", 21, 10), ("SymNone", 55, 27)])
def test_symmetry_reduces_like_tlc(specdir, cfg, generated, distinct):
    r = check(specdir, "Sym", cfg)
    assert (r.states_generated, r.distinct_states, r.depth) == (generated, distinct, 7)


@pytest.mark.parametrize("cfg, generated, distinct", [
    ("Types", 362, 19), ("TypesView", 362, 19), ("TypesSym", 324, 17)])
def test_false_and_zero_are_different_states(specdir, cfg, generated, distinct):
    # Python has FALSE = 0 and TRUE = 1 (equal hashes too); TLC's fingerprints keep x = 0
    # and x = FALSE apart, and [a |-> 0] and [a |-> FALSE], {1} and {TRUE}, ... (TLC: 362
    # generated, 19 distinct; under SYMMETRY (s1 :> 0) and (s2 :> 0) are one: 324 and 17)
    r = check(specdir, "Types", cfg)
    assert r.outcome is Outcome.HOLDS, r.message
    assert (r.states_generated, r.distinct_states, r.depth) == (generated, distinct, 2)


def test_comparing_false_with_zero_fails_as_in_tlc(specdir):
    # TLC: 2 generated, 2 distinct, then "Attempted to check equality of integer 0 with
    # non-integer: FALSE" (the engine used to find 1 state and report success)
    r = check(specdir, "Alternate")
    assert r.outcome is Outcome.EVALUATION_ERROR
    assert (r.states_generated, r.distinct_states) == (2, 2)
    assert "Attempted to check equality of integer 0 with non-integer" in r.message


def test_the_step_api_keeps_false_and_zero_apart(specdir):
    from conformance.tla import load_model
    from conformance.values import FSet, ModelValue

    m = load_model(specdir / "Types.tla", specdir / "Types.cfg",
                   constants={"S": FSet({ModelValue("s1"), ModelValue("s2")})})
    values = [t["x"] for t in m.successors({"x": 0})]
    assert len(values) == 19
    assert [type(v) for v in values[:4]] == [int, bool, int, bool]


def test_symmetry_sets_are_closed_under_composition(specdir):
    # Permutations(A) \cup Permutations(V) also relates states that differ by a swap in
    # A and one in V at once (TLC: 35 generated, 6 distinct; without closure it would be 8)
    r = check(specdir, "SymUnion")
    assert (r.states_generated, r.distinct_states, r.depth) == (35, 6, 3)


def test_action_composition_counts_intermediate_states(specdir):
    # TLC (-Dtlc2.tool.impl.Tool.cdot=true): 60 generated, 20 distinct, depth 8
    r = check(specdir, "Compose")
    assert r.outcome is Outcome.HOLDS, r.message
    assert (r.states_generated, r.distinct_states, r.depth) == (60, 20, 8)


def test_enabled_keeps_substituted_instance_variables_by_name(specdir):
    # WF of an instance action whose UNCHANGED variable is substituted by an expression:
    # TLC binds it by name under ENABLED instead of failing (4 / 4 / 4, property holds)
    r = check(specdir, "Outer")
    assert r.outcome is Outcome.HOLDS, r.message
    assert (r.states_generated, r.distinct_states, r.depth) == (4, 4, 4)


def test_instances_recursion_and_lambda(specdir):
    r = check(specdir, "Inst")
    assert r.outcome is Outcome.HOLDS, r.message
    assert (r.states_generated, r.distinct_states, r.depth) == (4, 4, 4)


@pytest.mark.parametrize("cfg, outcome, trace, loop", [
    ("Fair_Reaches3_Spec", Outcome.PROPERTY_VIOLATED, [0, 1, 2], 2),
    ("Fair_Reaches3_WeakSpec", Outcome.HOLDS, None, None),
    ("Fair_Always0_WeakSpec", Outcome.PROPERTY_VIOLATED, [0, 1, 2, 3], 3),
    ("Fair_Always0_FullSpec", Outcome.HOLDS, None, None),
    ("Fair_LeadsBack_FullSpec", Outcome.HOLDS, None, None),
    ("Fair_LeadsBack_WeakSpec", Outcome.PROPERTY_VIOLATED, [0, 1, 2, 3], 3),
    ("Fair_Stays_FullSpec", Outcome.PROPERTY_VIOLATED, [0, 1, 2, 3], 0),
])
def test_liveness_under_fairness(specdir, cfg, outcome, trace, loop):
    r = check(specdir, "Fair", cfg)
    assert r.outcome is outcome, r.message
    assert (r.states_generated, r.distinct_states, r.depth) == (5, 4, 4)
    if trace is None:
        assert r.counterexample is None
    else:
        assert [s.state["x"] for s in r.counterexample.steps] == trace
        assert r.counterexample.header.loop == loop


def test_a_liveness_search_stopped_by_its_memory_bound_checks_no_partial_graph(tla):
    # x grows forever: the search never ends, and the memory bound stops it. Its last
    # states have no successors yet, so the graph is not the model's; building it and
    # checking the property on it would only spend more memory past the bound (the bound
    # fires once) and more time, for a verdict about a different model. The run must end
    # as the limit it met, with the figures reached, and build no graph. In a fresh
    # interpreter: one that has freed memory (this test suite's) reuses it before its
    # resident size grows, and would reach the bound only much later.
    import json
    import subprocess
    import sys
    from pathlib import Path

    path = tla.spec("VARIABLE x\nSpec == x = 0 /\\ [][x' = x + 1]_x /\\ WF_x(x' = x + 1)\n"
                    "Reaches == <>(x = 1000000000)", "SPECIFICATION Spec\nPROPERTY Reaches\n")
    script = f"""
import json
from conformance.tla import check_model, liveness
from conformance.tla.limits import resident

def no_graph(explorer):
    raise AssertionError("a liveness graph was built from a search stopped early")
liveness.Graph = no_graph
r = check_model({str(path)!r}, {str(path.with_suffix(".cfg"))!r}, timeout=300,
                max_memory=(resident() or 0) + (100 << 20))
print(json.dumps([r.outcome.value, r.message, r.distinct_states]))
"""
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True,
                         text=True, timeout=320)
    assert out.returncode == 0, out.stderr[-2000:]
    outcome, message, distinct = json.loads(out.stdout.strip().splitlines()[-1])
    assert outcome == Outcome.TLC_FAILURE.value, (outcome, message)
    assert "memory bound" in message
    assert distinct and distinct > 1000


def test_incompletely_specified_successor_is_an_error(tla):
    path = tla.spec("VARIABLES x, y\nInit == x = 0 /\\ y = 0\nNext == x' = 1",
                    "INIT Init\nNEXT Next\n")
    r = check_model(path, path.with_suffix(".cfg"))
    assert r.outcome is Outcome.EVALUATION_ERROR
    assert "not completely specified" in r.message and "y" in r.message


def test_state_and_action_constraints_bound_the_search(tla):
    path = tla.spec("VARIABLE x\nInit == x = 0\nNext == x' = x + 1\nC == x < 5\n"
                    "A == x' # 3", "INIT Init\nNEXT Next\nCONSTRAINT C\n"
                    "ACTION_CONSTRAINT A\nCHECK_DEADLOCK FALSE\n")
    r = check_model(path, path.with_suffix(".cfg"))
    # TLC: 3 distinct (0, 1, 2); generated counts the excluded successor 3 too
    assert (r.states_generated, r.distinct_states) == (4, 3)


def test_progress_reports_figures_while_searching(tla):
    from conformance.result import Progress
    from conformance.tla.explore import Explorer

    path = tla.spec("VARIABLE x\nInit == x = 0\nNext == x < 1000 /\\ x' = x + 1",
                    "INIT Init\nNEXT Next\nCHECK_DEADLOCK FALSE\n")
    reports: list[Progress] = []
    explorer = Explorer(load(path, path.with_suffix(".cfg")), progress=reports.append,
                        progress_interval=0.0)
    explorer.run()
    assert reports and all(isinstance(p, Progress) for p in reports)
    figures = [(p.distinct_states, p.depth) for p in reports]
    assert figures == sorted(figures) and 0 < figures[-1][0] <= 1001


def test_view_merges_states_with_equal_views(tla):
    path = tla.spec("VARIABLES x, t\nInit == x = 0 /\\ t = 0\n"
                    "Next == x' = (x + 1) % 3 /\\ t' = t + 1 /\\ t < 6\nV == x",
                    "INIT Init\nNEXT Next\nVIEW V\nCHECK_DEADLOCK FALSE\n")
    r = check_model(path, path.with_suffix(".cfg"))
    assert r.distinct_states == 3


def test_deadlock_is_a_state_without_successors(tla):
    path = tla.spec("VARIABLE x\nInit == x = 0\nNext == x < 2 /\\ x' = x + 1",
                    "INIT Init\nNEXT Next\n")
    r = check_model(path, path.with_suffix(".cfg"))
    assert r.outcome is Outcome.DEADLOCK
    assert [s.state["x"] for s in r.counterexample.steps] == [0, 1, 2]
    r = check_model(path, path.with_suffix(".cfg"), check_deadlock=False)
    assert r.outcome is Outcome.HOLDS


def test_actions_are_named_by_the_definition_tlc_enters(tla):
    path = tla.spec("CONSTANT P\nVARIABLE x\nInit == x = 0\n"
                    "Go(p) == x < 2 /\\ x' = x + 1\nNext == \\E p \\in P : Go(p)\n"
                    "Small == x < 2", "CONSTANT P = {a, b}\nINIT Init\nNEXT Next\n"
                    "INVARIANT Small\n")
    r = check_model(path, path.with_suffix(".cfg"))
    assert r.outcome is Outcome.INVARIANT_VIOLATED
    steps = r.counterexample.steps
    assert [s.action for s in steps] == ["Init", "Go", "Go"]
    assert steps[1].params["p"].name == "a"
    assert (steps[1].location.line, steps[1].location.column) == (6, 10)  # Go's body


def test_error_positions_come_from_a_traced_rerun(tla):
    path = tla.spec("VARIABLE s\nInit == s = <<1>>\nNext == s' = Tail(s) /\\ Head(s) > 0",
                    "INIT Init\nNEXT Next\nCHECK_DEADLOCK FALSE\n")
    r = check_model(path, path.with_suffix(".cfg"))
    assert r.outcome is Outcome.EVALUATION_ERROR
    assert r.message == "Attempted to apply Tail to the empty sequence."
    # the action, the conjunct, then Tail(s): as TLC lists them
    assert [(p.line, p.column) for p in r.positions] == [(5, 9), (5, 9), (5, 14)]


def test_constants_can_replace_definitions_and_be_overridden(tla):
    path = tla.spec("CONSTANT N\nDef == 1\nVARIABLE x\nInit == x = N + Def\nNext == UNCHANGED x",
                    "CONSTANT N = 2\nDef <- Two\nINIT Init\nNEXT Next\n")
    text = path.read_text().replace("Def == 1", "Def == 1\nTwo == 2")
    path.write_text(text)
    model = load(path, path.with_suffix(".cfg"))
    assert model.all_initial_states() == [(4,)]


def test_load_reports_missing_init(tla):
    path = tla.spec("VARIABLE x\nInit == x = 0", "")
    r = check_model(path, path.with_suffix(".cfg"))
    assert r.outcome is Outcome.CONFIG_ERROR


def test_unassigned_primed_variable_read_is_an_evaluation_error(tla):
    path = tla.spec("VARIABLE x\nInit == x = 0\nNext == x' > 0 /\\ x' = 1",
                    "INIT Init\nNEXT Next\n")
    model = load(path, path.with_suffix(".cfg"))
    with pytest.raises(EvalError, match="used before it is assigned"):
        model.successors((0,), model.actions[0], lambda t: None)


def test_a_community_module_is_unsupported_and_a_missing_module_an_error(tmp_path):
    for name, extends in (("UsesStatistics", "Statistics"), ("UsesNothing", "NoSuchModule")):
        (tmp_path / f"{name}.tla").write_text(
            f"---- MODULE {name} ----\nEXTENDS Naturals, {extends}\nVARIABLE x\n"
            "Init == x = 0\nNext == x' = x\n====\n")
        (tmp_path / f"{name}.cfg").write_text("INIT Init\nNEXT Next\n")
    stats = check_model(tmp_path / "UsesStatistics.tla")
    assert stats.outcome is Outcome.SEMANTIC_ERROR
    assert "unsupported: the community module Statistics" in stats.warnings
    assert stats.positions[0].line == 2
    missing = check_model(tmp_path / "UsesNothing.tla")
    assert missing.outcome is Outcome.SEMANTIC_ERROR and not missing.warnings
    assert "Cannot find source file for module NoSuchModule" in missing.message


_PARITY = """---- MODULE Parity ----
EXTENDS Naturals
VARIABLE b
Init == b \\in {0, 1}
Bit == b \\in {0, 1}
Flip == b' = 1 - b
Spec == Init /\\ [][Flip]_b
====
"""
_COUNTER = """---- MODULE Counter ----
EXTENDS Naturals
CONSTANT Mod
VARIABLE x, y
P == INSTANCE Parity WITH b <- (x + y) % Mod
Init == x \\in 0..2 /\\ y = 0 /\\ P!Init
Next == \\/ x < 6 /\\ x' = x + 1 /\\ y' = y
        \\/ y < 2 /\\ y' = y + 1 /\\ x' = x
Refines == P!Spec
AlwaysBit == P!Bit
====
"""


@pytest.mark.parametrize("mod, outcome, generated, distinct, depth", [
    (2, Outcome.HOLDS, 35, 21, 7), (4, Outcome.PROPERTY_VIOLATED, 5, 4, 2)])
def test_a_refinement_mapping_is_read_in_each_state_it_is_evaluated_in(
        tmp_path, mod, outcome, generated, distinct, depth):
    """The engine remembers a substituted state function for the last state; the initial
    states (built in place) and each step's two states must each see their own value."""
    (tmp_path / "Parity.tla").write_text(_PARITY)
    (tmp_path / "Counter.tla").write_text(_COUNTER)
    (tmp_path / "Counter.cfg").write_text(
        f"CONSTANT Mod = {mod}\nINIT Init\nNEXT Next\nPROPERTY Refines\nCHECK_DEADLOCK FALSE\n"
        + ("INVARIANT AlwaysBit\n" if mod == 2 else ""))
    r = check_model(tmp_path / "Counter.tla")
    assert r.outcome is outcome
    assert (r.states_generated, r.distinct_states, r.depth) == (generated, distinct, depth)
    if outcome is Outcome.PROPERTY_VIOLATED:
        assert len(r.counterexample.steps) == 2


def test_csv_operators_are_refused_where_they_are_evaluated(tmp_path):
    """CSV writes and reads files outside the model: the spec loads, evaluating one fails."""
    (tmp_path / "WritesCsv.tla").write_text(
        "---- MODULE WritesCsv ----\nEXTENDS Naturals, CSV\nVARIABLE x\n"
        "Init == x = 0\nNext == CSVWrite(\"%1$s\", <<x>>, \"out.csv\") /\\ x' = x\n====\n")
    (tmp_path / "WritesCsv.cfg").write_text("INIT Init\nNEXT Next\n")
    r = check_model(tmp_path / "WritesCsv.tla")
    assert r.outcome is Outcome.EVALUATION_ERROR
    assert "CSVWrite (reading, writing or running outside the model) is not supported" \
        in r.message
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize("prop", ["[][~UNCHANGED x]_x", "[][FALSE]_x", "[]<><<TRUE>>_x"])
def test_a_step_from_true_to_one_inside_a_record_is_no_stutter(tla, prop):
    # Python takes [g |-> 1] for [g |-> TRUE]; TLC stops at comparing 1 with TRUE where a
    # property asks whether x changed (the engine used to see a stutter: the first two held,
    # the last was violated; TLC 2026.12 stops with this message for all three)
    spec = tla.spec("VARIABLE x\nInit == x = [g |-> TRUE]\nNext == x' = [g |-> 1]\n"
                    f"Prop == {prop}", "INIT Init\nNEXT Next\nPROPERTY Prop\n")
    r = check_model(spec, check_deadlock=False)
    assert r.outcome is Outcome.EVALUATION_ERROR, r.message
    assert "Attempted to compare equality of boolean TRUE with non-boolean:\n1" in r.message


def test_an_angle_action_from_true_to_one_inside_a_record_is_no_change(tla):
    # <<A>>_x as the next-state action: TLC stops comparing 1 with TRUE; the engine used to
    # find no successor (1 state, no error)
    spec = tla.spec("VARIABLE x\nInit == x = [g |-> TRUE]\nNext == <<x' = [g |-> 1]>>_x",
                    "INIT Init\nNEXT Next\n")
    r = check_model(spec, check_deadlock=False)
    assert r.outcome is Outcome.EVALUATION_ERROR, r.message
    assert (r.states_generated, r.distinct_states) == (1, 1)
    assert "Attempted to compare equality of boolean TRUE with non-boolean:\n1" in r.message
