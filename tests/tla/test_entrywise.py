"""Checks over a function's entries, remembered entry by entry (compile/entrywise.py)."""

import pytest

from conformance.tla.errors import EvalError
from conformance.tla.model import load
from conformance.tla.steps import StepModel
from conformance.values import Fn, FSet, Tup

SPEC = """VARIABLES b, t
Init == b = <<>> /\\ t = {}
Next == UNCHANGED <<b, t>>
Entries == \\A m \\in DOMAIN b : b[m] \\in [g : BOOLEAN]
OnlyYes == \\A m \\in DOMAIN b : b[m] \\in [g : {TRUE}]
Reads == \\A m \\in DOMAIN b : b[m] \\in [g : BOOLEAN] /\\ t = {}
Whole == \\A m \\in DOMAIN b : b[m] \\in [g : BOOLEAN] /\\ Cardinality(DOMAIN b) < 9
Keys == DOMAIN b \\subseteq [k : 1..3]
IsFnOf(f, R) == \\A x \\in DOMAIN f : f[x] \\in R
Typed == IsFnOf(b, [g : BOOLEAN])
TypedYes == IsFnOf(b, [g : {TRUE}])
"""


@pytest.fixture
def counted(record_set_members):
    return record_set_members


def _model(tla) -> StepModel:
    return StepModel(load(tla.spec(SPEC), None, need_behavior=False))


k1, k2, k3 = Fn({"k": 1}), Fn({"k": 2}), Fn({"k": 3})
yes, no = Fn({"g": True}), Fn({"g": False})


def test_a_body_reading_the_function_only_at_the_key_tests_only_the_entries_it_has_not_held_for(
        tla, counted):
    sm = _model(tla)
    assert sm.evaluate("Entries", {"b": Fn({k1: yes}), "t": FSet()}) is True
    assert counted == [yes]
    counted.clear()
    assert sm.evaluate("Entries", {"b": Fn({k1: yes, k2: no}), "t": FSet()}) is True
    assert counted == [no]  # the entry the last function held is not tested again
    counted.clear()
    # an equal entry that is another object, and an equal key that is another object: tested
    assert sm.evaluate("Entries", {"b": Fn({k1: Fn({"g": True}), Fn({"k": 2}): no}),
                                   "t": FSet()}) is True
    assert len(counted) == 2 and counted[0] is not yes
    counted.clear()
    one = Fn({"g": 1})  # Python's equality takes it for yes; TLA+ does not
    with pytest.raises(EvalError):
        sm.evaluate("Entries", {"b": Fn({k1: one, k2: no}), "t": FSet()})


def test_a_false_entry_is_found_whatever_the_memory_holds(tla, counted):
    sm = _model(tla)
    assert sm.evaluate("OnlyYes", {"b": Fn({k1: yes}), "t": FSet()}) is True
    assert sm.evaluate("OnlyYes", {"b": Fn({k1: yes, k2: no}), "t": FSet()}) is False
    assert sm.evaluate("OnlyYes", {"b": Fn({k1: yes, k3: yes}), "t": FSet()}) is True


def test_a_body_reading_more_than_the_entry_is_tested_on_every_entry(tla, counted):
    sm = _model(tla)
    for name in ("Reads", "Whole"):
        counted.clear()
        state = {"b": Fn({k1: yes, k2: no}), "t": FSet()}
        assert sm.evaluate(name, state) is True
        assert sm.evaluate(name, state) is True
        assert len(counted) == 4, name  # every entry, every time
    assert sm.evaluate("Reads", {"b": Fn({k1: yes}), "t": FSet([1])}) is False


def test_the_keys_of_a_function_within_a_set_are_looked_for_once_per_key_object(tla, counted):
    sm = _model(tla)
    assert sm.evaluate("Keys", {"b": Fn({k1: yes}), "t": FSet()}) is True
    assert counted == [k1]
    counted.clear()
    assert sm.evaluate("Keys", {"b": Fn({k1: no, k2: no}), "t": FSet()}) is True
    assert counted == [k2]
    counted.clear()
    assert sm.evaluate("Keys", {"b": Fn({k1: no, Fn({"k": 7}): no}), "t": FSet()}) is False
    assert sm.evaluate("Keys", {"b": Fn({Fn({"k": 1}): no}), "t": FSet()}) is True
    with pytest.raises(EvalError):  # TRUE is not compared with numbers: TLC's error
        sm.evaluate("Keys", {"b": Fn({Fn({"k": True}): no}), "t": FSet()})


def test_a_body_reading_an_operator_parameter_remembers_its_entries_for_that_value_alone(
        tla, counted):
    """IsFnOf(f, R) reads R, bound outside its quantifier: the entries found in one R are
    not taken as found in another."""
    sm = _model(tla)
    assert sm.evaluate("Typed", {"b": Fn({k1: yes, k2: no}), "t": FSet()}) is True
    assert counted == [yes, no] or counted == [no, yes]
    counted.clear()
    assert sm.evaluate("Typed", {"b": Fn({k1: yes, k2: no, k3: yes}), "t": FSet()}) is True
    assert counted == [yes]  # only the new entry
    assert sm.evaluate("TypedYes", {"b": Fn({k1: yes, k2: no}), "t": FSet()}) is False
    assert sm.evaluate("Typed", {"b": Fn({k1: yes, k2: no}), "t": FSet()}) is True


def test_a_sequence_is_remembered_by_position(tla, counted):
    sm = _model(tla)
    assert sm.evaluate("Entries", {"b": Tup([yes]), "t": FSet()}) is True
    counted.clear()
    assert sm.evaluate("Entries", {"b": Tup([yes, no]), "t": FSet()}) is True
    assert counted == [no]
    counted.clear()
    assert sm.evaluate("Entries", {"b": Tup([no, yes]), "t": FSet()}) is True
    assert len(counted) == 2  # other entries at those positions: tested
    assert sm.evaluate("OnlyYes", {"b": Tup([yes]), "t": FSet()}) is True
    assert sm.evaluate("OnlyYes", {"b": Tup([yes, no]), "t": FSet()}) is False
    with pytest.raises(EvalError):
        sm.evaluate("Entries", {"b": Tup([yes, Fn({"g": 1})]), "t": FSet()})
