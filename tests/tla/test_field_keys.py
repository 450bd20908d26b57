"""\\E over a set of records whose body opens with ``c.field = e``, ``e`` read outside the
element (``\\E c \\in committed : c.index = n /\\ ...``): the engine binds only the records
whose field is e's value (compile/fieldindex.opening_key). The answers and errors are those
of binding every record, as TLC does."""

import pytest

from conformance.tla.compile import fieldindex
from conformance.tla.errors import EvalError
from conformance.values import FSet

S = ('{[index |-> 1, v |-> "x"], [index |-> 2, v |-> "y"], [index |-> 2, v |-> "x"], '
     '[index |-> 3, v |-> "y"]}')


@pytest.fixture
def asked(monkeypatch):
    """The (field, value) pairs the index was asked for."""
    out: list = []
    some = fieldindex.FieldIndex.some

    def spy(self, s, field, c):
        got = some(self, s, field, c)
        out.append((field, c, got is not None))
        return got
    monkeypatch.setattr(fieldindex.FieldIndex, "some", spy)
    return out


def test_the_records_with_the_value_are_bound(tla, asked):
    expr = f'{{n \\in 0..4 : \\E c \\in {S} : c.index = n /\\ c.v = "x"}}'
    assert tla(expr) == FSet({1, 2})
    assert {("index", n, True) for n in range(5)} <= set(asked)
    # either side of the equality, and a value made by an expression
    expr = f'{{n \\in 0..4 : \\E c \\in {S} : n + 1 = c.index /\\ c.v = "y"}}'
    assert tla(expr) == FSet({1, 2})


def test_a_value_of_another_kind_is_compared_as_written(tla, asked):
    # TLC fails comparing a record's integer with a string: so does every record bound
    with pytest.raises(EvalError, match="integer"):
        tla(f'\\E n \\in {{"a"}} : \\E c \\in {S} : c.index = n')
    assert ("index", "a", False) in asked


def test_a_value_that_fails_is_the_bodys_error_and_only_where_an_element_is_bound(tla):
    assert tla('\\E n \\in {<<>>} : \\E c \\in {} : c.index = n[1]') is False
    with pytest.raises(EvalError, match="<<>>"):
        tla(f'\\E n \\in {{<<>>}} : \\E c \\in {S} : c.index = n[1]')


def test_a_record_without_the_field_is_the_error_binding_every_record_gives(tla):
    with pytest.raises(EvalError, match="nonexistent field"):
        tla('\\E n \\in {1} : \\E c \\in {[index |-> 2], [other |-> 1]} : c.index = n')


def test_a_body_that_reads_the_element_on_both_sides_is_not_keyed(tla, asked):
    assert tla(f'\\E c \\in {S} : c.index = c.index + 1') is False
    assert not asked
