"""A bag operator applied to SetToBag's result is evaluated as one function
(compile/rewrites.py). Its values, keys' order and errors are those of the expression as
written: the oracle here is the Bags module's own (+), (-) and SetToBag, applied in turn."""

import pytest

from conformance.tla.builtins import bags
from conformance.tla.errors import EvalError
from conformance.tla.model import load
from conformance.tla.steps import StepModel
from conformance.values import Fn, FSet, Tup, record

SPEC = """
VARIABLES msgs, m, ms
Take == msgs (-) SetToBag({m})
Put == msgs (+) SetToBag({m})
TakeAll == msgs (-) SetToBag(ms)
PutAll == msgs (+) SetToBag(ms)
Reply == (msgs (-) SetToBag({m})) (+) SetToBag({[m EXCEPT !.n = 0]})
"""

ONE = {"Take": bags.bag_minus_one, "Put": bags.bag_plus_one}
MANY = {"TakeAll": bags.bag_minus_set, "PutAll": bags.bag_plus_set}


@pytest.fixture(scope="module")
def rewritten(tmp_path_factory):
    path = tmp_path_factory.mktemp("rw") / "Rewrites.tla"
    path.write_text(f"---- MODULE Rewrites ----\nEXTENDS Bags\n{SPEC}\n====\n")
    model = load(path, None, need_behavior=False)
    return model, StepModel(model)


def _written(name, msgs, m, ms):
    """What the definition is as written: SetToBag's bag, then (+) or (-)."""
    op = bags.bag_minus if name.startswith("Take") else bags.bag_plus
    return op(msgs, bags.set_to_bag(FSet((m,)) if name in ONE else ms))


def test_the_definitions_are_rewritten(rewritten):
    model, _ = rewritten
    comp = model.comp
    for name, f in {**ONE, **MANY}.items():
        code = comp.expr(model.root.table[name].node.body, comp.root_scope())
        assert code.applies is not None and code.applies[0] is f, name
    reply = comp.expr(model.root.table["Reply"].node.body, comp.root_scope())
    assert reply.applies[0] is bags.bag_plus_one
    assert reply.applies[1][0].applies[0] is bags.bag_minus_one


a, b = record(n=1), record(n=2)
BAGS = [
    Tup(),                              # the empty bag
    Fn({a: 1}), Fn({a: 2}), Fn({b: 1, a: 1}), Fn({a: 3, b: 2}),
    Tup((1, 2)),                        # a bag of the numbers 1 and 2: 1..2 is its domain
    Fn({a: 0, b: 1}), Fn({a: -1}),      # counts that are no counts: not bags
]


@pytest.mark.parametrize("msgs", BAGS)
@pytest.mark.parametrize("m", [a, b, 1, 2, 3])
@pytest.mark.parametrize("name", sorted(ONE))
def test_one_element_as_written(rewritten, name, msgs, m):
    _, steps = rewritten
    got = steps.evaluate(name, {"msgs": msgs, "m": m, "ms": FSet()})
    want = _written(name, msgs, m, None)
    assert got == want and type(got) is type(want)
    if type(want) is Fn:
        assert list(got.map) == list(want.map)  # the first bag's order kept


@pytest.mark.parametrize("msgs", BAGS)
@pytest.mark.parametrize("ms", [FSet(), FSet({a}), FSet({a, b}), FSet({1, 2}), FSet({3})])
@pytest.mark.parametrize("name", sorted(MANY))
def test_a_set_as_written(rewritten, name, msgs, ms):
    _, steps = rewritten
    got = steps.evaluate(name, {"msgs": msgs, "m": a, "ms": ms})
    want = _written(name, msgs, None, ms)
    assert got == want and type(got) is type(want)
    if type(want) is Fn:
        assert list(got.map) == list(want.map)


def test_nothing_taken_is_the_bag_itself(rewritten):
    _, steps = rewritten
    msgs = Fn({a: 1})
    assert steps.evaluate("Take", {"msgs": msgs, "m": b, "ms": FSet()}) is msgs
    assert steps.evaluate("TakeAll", {"msgs": msgs, "m": a, "ms": FSet({b})}) is msgs


def test_a_reply_takes_one_and_puts_one(rewritten):
    _, steps = rewritten
    msgs = Fn({a: 2, b: 1})
    got = steps.evaluate("Reply", {"msgs": msgs, "m": b, "ms": FSet()})
    assert got == Fn({a: 2, record(n=0): 1})


@pytest.mark.parametrize("name, state, message", [
    ("Take", {"msgs": 7, "m": a, "ms": FSet()}, "which is not a bag:\n7"),
    ("Put", {"msgs": FSet({1}), "m": a, "ms": FSet()}, "which is not a bag"),
    ("PutAll", {"msgs": Tup(), "m": a, "ms": 3}, "3"),
    ("TakeAll", {"msgs": Tup(), "m": a, "ms": 3}, "3"),
    ("TakeAll", {"msgs": 7, "m": a, "ms": 3}, "3"),  # SetToBag's error comes first
    ("PutAll", {"msgs": 7, "m": a, "ms": 3}, "3"),
    ("Put", {"msgs": Fn({a: "x"}), "m": a, "ms": FSet()}, ""),
])
def test_errors_are_the_written_ones(rewritten, name, state, message):
    _, steps = rewritten
    with pytest.raises(EvalError) as rewritten_error:
        steps.evaluate(name, state)
    assert message in str(rewritten_error.value)
    with pytest.raises(Exception) as written_error:
        _written(name, state["msgs"], state["m"], state["ms"])
    assert str(written_error.value) in str(rewritten_error.value)
