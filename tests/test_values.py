"""TLA+ values: one representation per value, TLC's order, TLC's printing."""

import pytest

from conformance.values import (
    Fn,
    FSet,
    ModelValue,
    Tup,
    ValueError_,
    apply,
    compare,
    domain,
    intern_names,
    make_fn,
    record,
    sorted_values,
    to_tla,
)


def test_function_with_domain_one_to_n_is_a_tuple():
    f = make_fn({2: "b", 1: "a"})
    assert type(f) is Tup
    assert f == Tup(("a", "b"))
    assert hash(f) == hash(Tup(("a", "b")))
    assert make_fn({}) == Tup()


def test_boolean_keys_are_not_mistaken_for_one_to_n():
    f = make_fn({True: 1})
    assert type(f) is Fn
    g = make_fn({0: "x", 1: "y"})
    assert type(g) is Fn


def test_record_equals_function_over_strings():
    assert record(a=1, b=2) == make_fn({"b": 2, "a": 1})
    assert hash(record(a=1, b=2)) == hash(make_fn({"b": 2, "a": 1}))
    assert record(a=1) != record(a=2)
    assert record(a=1) != Tup((1,))


def test_model_values_are_interned_and_differ_from_strings():
    assert ModelValue("n1") is ModelValue("n1")
    assert ModelValue("n1") != "n1"
    assert len(FSet([ModelValue("n1"), "n1"])) == 2


def test_apply_outside_the_domain_fails_like_tlc():
    assert apply(Tup((10, 20)), 2) == 20
    assert apply(record(a=1), "a") == 1
    with pytest.raises(ValueError_, match="not in the domain"):
        apply(Tup((10,)), 2)
    with pytest.raises(ValueError_, match="not in the domain"):
        apply(record(a=1), "b")
    assert domain(Tup((5, 6))) == FSet({1, 2})


def test_tlc_order_sets_by_size_then_elements():
    s = [FSet({3}), FSet({1, 2}), FSet(), FSet({2})]
    assert sorted_values(s) == [FSet(), FSet({2}), FSet({3}), FSet({1, 2})]


def test_tlc_order_tuples_by_length_then_elements():
    assert sorted_values([Tup((1, 1)), Tup((2,)), Tup((0, 5))]) == [
        Tup((2,)), Tup((0, 5)), Tup((1, 1))]


def test_strings_sort_in_interning_order_not_alphabetically():
    intern_names(["zeta-order-test", "alpha-order-test"])
    assert compare("zeta-order-test", "alpha-order-test") < 0
    # never-interned strings come after interned ones, alphabetically among themselves
    assert compare("alpha-order-test", "bbb-unseen") < 0
    assert compare("aaa-unseen", "bbb-unseen") < 0


def test_model_values_sort_before_other_values_and_typed_ones_refuse():
    assert compare(ModelValue("m"), 1) < 0
    assert compare(1, ModelValue("m")) > 0
    with pytest.raises(ValueError_):
        compare(ModelValue("A_x"), 1)
    with pytest.raises(ValueError_):
        compare(1, "a")


def test_printing_matches_tlc(monkeypatch):
    # a fresh name table: specs loaded by earlier tests interned names in their own order
    import conformance.values

    monkeypatch.setattr(conformance.values, "_RANK", {})
    intern_names(["term", "type", "from"])
    msg = make_fn({"type": "RequestVote", "from": ModelValue("n1"), "term": 0})
    assert to_tla(msg) == '[term |-> 0, type |-> "RequestVote", from |-> n1]'
    assert to_tla(FSet()) == "{}"
    assert to_tla(Tup()) == "<<>>"
    assert to_tla(Tup((1, "a"))) == '<<1, "a">>'
    assert to_tla(FSet({3, 1, 2})) == "{1, 2, 3}"
    assert to_tla(make_fn({ModelValue("n1"): FSet(), ModelValue("n2"): FSet()})) in (
        "(n1 :> {} @@ n2 :> {})", "(n2 :> {} @@ n1 :> {})")
    assert to_tla('say "hi"\n') == '"say \\"hi\\"\\n"'
    assert to_tla(True) == "TRUE"


def test_same_value_tells_integers_from_booleans_at_any_depth():
    from conformance.values import same_value
    a = ModelValue("a")
    pairs = [(1, True), (0, False), (Tup([1]), Tup([True])), (Fn({a: 0}), Fn({a: False})),
             (Fn({"g": Fn({"h": 1})}), Fn({"g": Fn({"h": True})})),
             (FSet([Fn({"g": 1})]), FSet([Fn({"g": True})])),  # an element Python matched
             (Fn({Fn({"g": 1}): 2}), Fn({Fn({"g": True}): 2})),  # a key Python matched
             (FSet([1]), FSet([True]))]
    for x, y in pairs:
        assert x == y  # Python's equality: why same_value exists
        assert not same_value(x, y) and not same_value(y, x)
    shared = Tup([1, 2])
    for x, y in [(Fn({a: shared, "b": FSet(["s"])}), Fn({a: shared, "b": FSet(["s"])})),
                 (FSet([Fn({"g": True})]), FSet([Fn({"g": True})])), (3, 3), ("s", "s")]:
        assert same_value(x, y)


def test_same_value_of_functions_keyed_by_records_compares_each_key_and_entry():
    """A bag keyed by records, as Raft's msgs: keys matched by Python's equality, the keys
    shared with the other function, or not, the entries, both ways round."""
    from conformance.values import same_value, typed_hash
    yes, no = Fn({"g": True}), Fn({"g": False})
    bag = Fn({yes: 1, no: 2})
    assert same_value(bag, Fn({yes: 1, no: 2}))  # the same key objects
    assert same_value(bag, Fn({Fn({"g": True}): 1, Fn({"g": False}): 2}))  # equal ones
    for other in [Fn({yes: 1, Fn({"g": 0}): 2}),  # an integer in a key
                  Fn({yes: True, no: 2}),  # an entry
                  Fn({Fn({"g": 1}): 1, no: 2})]:
        assert other == bag
        assert not same_value(bag, other) and not same_value(other, bag)
    # with both typed hashes known (cached), they decide
    same, other = Fn({yes: 1, no: 2}), Fn({yes: 1, Fn({"g": 0}): 2})
    for f in (bag, same, other):
        typed_hash(f)
    assert same_value(bag, same) and not same_value(bag, other)


def test_typed_hashes_of_copies_and_pickles_are_the_values_own():
    """Sets and functions cache their typed hash (empty until asked); a copy, a pickle
    read back (what parallel workers exchange) and a function made without its __init__
    hash as the value does, and FALSE and 0 stay apart inside them."""
    import copy
    import pickle

    from conformance.values import typed_hash
    v = FSet([Fn({"g": Tup([1, -1]), "h": FSet([False])}), Fn({"g": Tup()})])
    fresh = typed_hash(FSet([Fn({"g": Tup([1, -1]), "h": FSet([False])}),
                             Fn({"g": Tup()})]))
    assert typed_hash(v) == fresh
    for other in (copy.deepcopy(v), pickle.loads(pickle.dumps(v)), copy.copy(v)):
        assert typed_hash(other) == fresh
    bare = Fn.__new__(Fn)
    bare.map = {"h": FSet([False])}
    assert typed_hash(bare) == typed_hash(Fn({"h": FSet([False])}))
    assert typed_hash(bare) != typed_hash(Fn({"h": FSet([0])}))
    assert typed_hash(Fn({"g": Tup([-1])})) != typed_hash(Fn({"g": Tup([-2])}))



def test_a_long_sequence_hashes_as_a_tuple_and_once():
    """A sequence past a few hundred elements (a long run's log) keeps its hash while it is
    among the last ones hashed: the hash of the tuple of its elements, found again without
    hashing them; an equal sequence that is another object hashes alike."""
    calls = []

    class Entry(Fn):
        __slots__ = ()

        def __hash__(self) -> int:
            calls.append(1)
            return super().__hash__()

    log = Tup(Entry({"term": n}) for n in range(300))
    assert hash(log) == hash(tuple(log)) and len(calls) == 600
    assert hash(log) == hash(tuple(log)) and len(calls) == 900  # (the tuple's walk alone)
    again = Tup(log)
    assert again is not log and hash(again) == hash(log) and len(calls) == 1200
    assert {log: 1}[again] == 1 and len(calls) == 1200
    short = Tup(Entry({"term": n}) for n in range(3))  # (short ones are walked each time)
    assert hash(short) == hash(short) == hash(tuple(short)) and len(calls) == 1209
