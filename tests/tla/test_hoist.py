"""Existentials whose bodies have conjuncts that do not read the bound variables: the engine
evaluates those once (compile/hoist.py); the answers and errors stay TLC's. Each expected
outcome and figure is TLC's (tla2tools, -workers 1) on specs/Hoist.tla."""

import pytest

from conformance.result import Outcome
from conformance.tla import check_model
from conformance.tla.compile.hoist import conjuncts, leading_guards
from conformance.tla.model import load
from conformance.tla.steps import StepModel


def test_answers_are_tlcs(specdir):
    # Sends holds in the state y = 3 alone (a pair with e - b = 3 among 40 * 40); y \in 3
    # fails but is never reached (TLC: no error, 5 generated, 4 distinct, depth 4)
    r = check_model(specdir / "Hoist.tla", specdir / "Hoist.cfg")
    assert r.outcome is Outcome.HOLDS, r.message
    assert (r.states_generated, r.distinct_states, r.depth) == (5, 4, 4)


@pytest.mark.parametrize("cfg, message", [
    # TLC: "Attempted to access index 1 of tuple <<>> which is out of bounds." (y = 7 is
    # false everywhere, but x[1] = 1 comes first and fails on <<>>)
    ("HoistFailsFirst", "<<>>\nto argument 1, which is not in the domain"),
    # TLC: "Attempted to evaluate an expression of form P /\ Q when P was an integer."
    ("HoistNotBoolean", "non-boolean expression was used as a conjunct:\n7"),
])
def test_errors_before_a_false_conjunct_are_tlcs(specdir, cfg, message):
    r = check_model(specdir / "Hoist.tla", specdir / f"{cfg}.cfg")
    assert r.outcome is Outcome.EVALUATION_ERROR
    assert message in r.message


def test_definitions_are_seen_through(specdir):
    # Send(y, <<b, e>>) is flattened into its four conjuncts, so that i # 2 and y = 3 are
    # evaluated once per state rather than 1,600 times
    model = load(specdir / "Hoist.tla", specdir / "Hoist.cfg")
    comp = model.comp
    quant = model.root.table["Sends"].node.body
    scope = comp.bounds(quant.bounds, comp.root_scope())[2]
    assert len(conjuncts(comp, quant.body, scope)) == 4
    steps = StepModel(model)
    assert [steps.evaluate("Sends", {"y": y}) for y in range(4)] == [False] * 3 + [True]


def test_sums_are_cheap_arguments(specdir):
    # Send(y - 1 + 1, <<b, e + 1 - 1>>): integer arithmetic on names and literals is
    # substituted by name as a name would be, so the body is flattened all the same and the
    # conjuncts reading y alone are evaluated once per state
    model = load(specdir / "Hoist.tla", specdir / "Hoist.cfg")
    comp = model.comp
    quant = model.root.table["SendsShifted"].node.body
    scope = comp.bounds(quant.bounds, comp.root_scope())[2]
    assert len(conjuncts(comp, quant.body, scope)) == 4
    steps = StepModel(model)
    assert [steps.evaluate("SendsShifted", {"y": y}) for y in range(4)] == [False] * 3 + [True]


# Existential actions (the action compiler): guards that open the body and read no bound
# variable are evaluated once per state. Each expected figure and error is TLC's (tla2tools,
# -workers 1) on specs/HoistAction.tla.

def test_action_successors_are_tlcs(specdir, monkeypatch):
    # TLC: no error, 337 generated, 9 distinct, depth 5 (the guard y < 6 cuts every binding
    # from y = 6 on, i # 2 every binding of i = 2)
    from conformance.tla.actions import branching

    found: list = []

    def spy(*args):
        guards = leading_guards(*args)
        found.append(guards)
        return guards
    monkeypatch.setattr(branching, "leading_guards", spy)
    r = check_model(specdir / "HoistAction.tla", specdir / "HoistAction.cfg")
    assert r.outcome is Outcome.HOLDS, r.message
    assert (r.states_generated, r.distinct_states, r.depth) == (337, 9, 5)
    assert any(g is not None and len(g) == 2 for g in found)  # the guards were in use


def test_action_guards_are_found_through_definitions(specdir):
    model = load(specdir / "HoistAction.tla", specdir / "HoistAction.cfg")
    comp = model.comp
    quant = model.root.table["Next"].node.body.body  # \E b, e \in y..y + 29 : Send(...)
    outer = comp.bounds(model.root.table["Next"].node.body.bounds, comp.root_scope())[2]
    inner = comp.bounds(quant.bounds, outer)[2]
    guards = leading_guards(comp, quant.body, outer, inner)
    assert guards is not None and len(guards) == 2  # i # 2 and y < 6, not range[1] <= ...


@pytest.mark.parametrize("cfg, outcome, message", [
    # TLC: "Attempted to access index 1 of tuple <<>> which is out of bounds." The bound is
    # evaluated before any guard, so a false guard does not hide its error
    ("HoistActionBadBound", Outcome.EVALUATION_ERROR, "<<>>\nto argument 1"),
    # TLC: the same error, from the guard at the first binding
    ("HoistActionBadGuard", Outcome.EVALUATION_ERROR, "<<>>\nto argument 1"),
    # TLC: "The next state relation is not a boolean expression. 7"
    ("HoistActionNotBoolean", Outcome.EVALUATION_ERROR, "expected a boolean"),
    # TLC: no error (no binding, so the failing guard is never evaluated); 3 states
    ("HoistActionNoBinding", Outcome.HOLDS, ""),
])
def test_action_errors_are_tlcs(specdir, cfg, outcome, message):
    r = check_model(specdir / "HoistAction.tla", specdir / f"{cfg}.cfg")
    assert r.outcome is outcome, r.message
    assert message in r.message
    if outcome is Outcome.HOLDS:
        assert (r.states_generated, r.distinct_states) == (3, 3)


# Existential actions over sets of records whose bodies open with m.field = constant: the
# engine enters only the records with that value (actions/branching.by_field, from
# compile/fieldindex). Figures and
# traces are TLC's (tla2tools, -workers 1) on specs/FieldIndex.tla.

def test_records_entered_by_field_give_tlcs_successors(specdir, monkeypatch):
    # TLC: no error, 103 generated, 25 distinct, depth 8
    from conformance.tla.compile import fieldindex

    indexed: list = []

    def spy(s, field, last=None):
        entry = built(s, field, last)
        indexed.append(entry[1])
        return entry
    built = fieldindex._index
    monkeypatch.setattr(fieldindex, "_index", spy)
    r = check_model(specdir / "FieldIndex.tla", specdir / "FieldIndex.cfg")
    assert r.outcome is Outcome.HOLDS, r.message
    assert (r.states_generated, r.distinct_states, r.depth) == (103, 25, 8)
    assert str in indexed  # the index was in use


def test_records_entered_by_field_give_tlcs_counterexample(specdir):
    # TLC: Small violated after 44 generated, 16 distinct; n along the behavior 0, 0, 0, 0,
    # 2, 5 (three requests, then the acks of v = 1 and v = 2, in TLC's order of the set)
    r = check_model(specdir / "FieldIndex.tla", specdir / "FieldIndexInvariant.cfg")
    assert r.outcome is Outcome.INVARIANT_VIOLATED, r.message
    assert (r.states_generated, r.distinct_states) == (44, 16)
    assert r.counterexample is not None
    assert [s.state["n"] for s in r.counterexample.steps] == [0, 0, 0, 0, 2, 5]


def test_a_record_without_the_field_is_tlcs_error(specdir):
    # TLC: 'Attempted to select nonexistent field "type" from the record [v |-> 1, kind |->
    # "req"]' after 2 generated, 2 distinct (the record with the field comes first)
    r = check_model(specdir / "FieldIndex.tla", specdir / "FieldIndexMissing.cfg")
    assert r.outcome is Outcome.EVALUATION_ERROR
    assert "nonexistent field 'type'" in r.message and "kind |-> \"req\"" in r.message
    assert (r.states_generated, r.distinct_states) == (2, 2)


# Set filters and \E inside expressions whose bodies open with m.field = constant: only the
# records with that value are tested (compile/fieldindex). Figures and traces are TLC's
# (tla2tools, -workers 1) on specs/FieldFilter.tla.

def test_filters_by_field_give_tlcs_states(specdir, monkeypatch):
    # TLC: no error, 13 generated, 11 distinct, depth 7
    from conformance.tla.compile import fieldindex

    asked: list = []
    some = fieldindex.FieldIndex.some  # (which bucket, the sorted one, calls too)

    def spy(self, s, field, c):
        got = some(self, s, field, c)
        asked.append((field, c, got is not None))
        return got
    monkeypatch.setattr(fieldindex.FieldIndex, "some", spy)
    r = check_model(specdir / "FieldFilter.tla", specdir / "FieldFilter.cfg")
    assert r.outcome is Outcome.HOLDS, r.message
    assert (r.states_generated, r.distinct_states, r.depth) == (13, 11, 7)
    # the filters (Acks, the reqs above n) and the \E of the guard were served by the index
    assert {("type", "ack", True), ("type", "req", True)} <= set(asked)


def test_filters_by_field_give_tlcs_counterexample(specdir):
    # TLC: Small violated after 6 generated, 6 distinct; n along the behavior 0, 0, 0, 0, 3
    r = check_model(specdir / "FieldFilter.tla", specdir / "FieldFilterInvariant.cfg")
    assert r.outcome is Outcome.INVARIANT_VIOLATED, r.message
    assert (r.states_generated, r.distinct_states) == (6, 6)
    assert r.counterexample is not None
    assert [s.state["n"] for s in r.counterexample.steps] == [0, 0, 0, 0, 3]


def test_a_filtered_record_without_the_field_is_tlcs_error(specdir):
    # TLC: 'Attempted to select nonexistent field "type" from the record [v |-> 1, kind |->
    # "ack"]', 1 generated, 1 distinct
    r = check_model(specdir / "FieldFilter.tla", specdir / "FieldFilterMissing.cfg")
    assert r.outcome is Outcome.EVALUATION_ERROR
    assert "nonexistent field 'type'" in r.message and "kind |-> \"ack\"" in r.message
    assert (r.states_generated, r.distinct_states) == (1, 1)


def test_definitions_read_once_per_state_give_tlcs_states(specdir, monkeypatch):
    # TLC: no error, 13 generated, 4 distinct, depth 2 (Done and High are read by every
    # process's action of a state: compile/calls keeps the last state's value)
    from conformance.tla.compile import calls

    kept: list = []
    per_state = calls._per_state

    def spy(call0):
        kept.append(call0)
        return per_state(call0)
    monkeypatch.setattr(calls, "_per_state", spy)
    r = check_model(specdir / "PerState.tla", specdir / "PerState.cfg")
    assert r.outcome is Outcome.HOLDS, r.message
    assert (r.states_generated, r.distinct_states, r.depth) == (13, 4, 2)
    assert len(kept) >= 2
