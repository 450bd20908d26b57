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


def test_a_set_that_grew_is_indexed_in_what_it_added():
    from conformance.values import record

    recs = [record(index=i % 7, v=i) for i in range(40)]
    fi = fieldindex.FieldIndex()
    grown_from: list = []
    grown = fieldindex._grown

    def spy(last, s, field, ids):
        grown_from.append(len(last[0]))
        return grown(last, s, field, ids)

    def bucket(s, c):
        return sorted(x.map["v"] for x in fi.some(s, "index", c))
    fieldindex._grown, saved = spy, fieldindex._grown
    try:
        assert bucket(FSet(recs[:10]), 3) == [3]
        assert bucket(FSet(recs[:30]), 3) == [3, 10, 17, 24]  # grew: the 20 new indexed
        assert grown_from == [10]
        # equal records that are other objects: indexed afresh, and the bucket holds them
        again = [record(index=i % 7, v=i) for i in range(30)]
        got = fi.some(FSet(again), "index", 3)
        assert grown_from == [10] and all(any(x is y for y in again) for x in got)
        assert bucket(FSet(again[:5]), 3) == [3]  # smaller: afresh
        # a record without the field among the new ones: no index (every record bound)
        assert fi.some(FSet(again[:5] + [record(other=1)]), "index", 3) is None
    finally:
        fieldindex._grown = saved
