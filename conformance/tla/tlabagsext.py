"""BagsExt (temporary home until the builtins split lands; then into builtins/bags.py)."""

from __future__ import annotations

from conformance.tla.builtins import Native, _bag, _ppr, map_then_fold_set
from conformance.tla.errors import EvalError
from conformance.tla.lazy import LazyFn, as_fset
from conformance.values import Fn, FSet, Tup, make_fn


def _graph(b, op: str) -> dict:
    """The bag's function as a dictionary (BagsExt's definitions take any function)."""
    if isinstance(b, LazyFn):
        b = b.materialize()
    if type(b) is Tup or type(b) is Fn:
        return _bag(b, op)
    raise EvalError(f"Applying {op} to the following value,\nwhich is not a bag:\n{_ppr(b)}")


def _count(c, op: str):
    if type(c) is not int:
        raise EvalError(f"The first argument of + should be an integer, but instead it "
                        f"is:\n{_ppr(c)}")
    return c


def bag_add(b, x):
    g = dict(_graph(b, "BagAdd"))
    g[x] = _count(g[x], "BagAdd") + 1 if x in g else 1
    return make_fn(g)


def bag_remove(b, x):
    g = _graph(b, "BagRemove")
    if x not in g:
        return b
    out = dict(g)
    if out[x] == 1 and type(out[x]) is int:
        del out[x]
    else:
        out[x] = _count(out[x], "BagRemove") - 1
    return make_fn(out)


def bag_remove_all(b, x):
    out = dict(_graph(b, "BagRemoveAll"))
    out.pop(x, None)
    return make_fn(out)


def _copies(c, k, op: str) -> int:
    if type(c) is not int or c <= 0:
        raise EvalError(f"Attempted to apply the operator {op} to {_ppr(c)} (in: {_ppr(k)}:>"
                        f"{_ppr(c)}), which is not an element of Nat.")
    return c


def fold_bag(op, base, b):
    """FoldBag as TLC's override computes it: each element, in TLC's order, folded in as
    many times as the bag holds it."""
    g = _graph(b, "FoldBag")
    acc = base
    for k in as_fset(FSet(g)).ordered():
        for _ in range(_copies(g[k], k, "FoldBag")):
            acc = op(acc, k)
    return acc


def map_then_fold_bag(op, base, f, choose, b):
    """BagsExt's definition: every copy of x contributes f(x), element by element in the
    order CHOOSE picks them (its ``choose`` argument is ignored, as in the definition)."""
    g = _graph(b, "MapThenFoldBag")

    def handle(x):
        acc = base
        for _ in range(_copies(g[x], x, "MapThenFoldBag")):
            acc = op(acc, f(x))
        return acc

    return map_then_fold_set(op, base, handle, lambda s: as_fset(s).ordered()[0], FSet(g))


def sum_bag(b):
    return fold_bag(lambda a, x: _count(a, "SumBag") + _count(x, "SumBag"), 0, b)


def product_bag(b):
    return fold_bag(lambda a, x: _count(a, "ProductBag") * _count(x, "ProductBag"), 1, b)


MODULES: dict[str, dict[str, Native]] = {
    "BagsExt": {
        "BagAdd": Native(2, bag_add), "BagRemove": Native(2, bag_remove),
        "BagRemoveAll": Native(2, bag_remove_all),
        "MapThenFoldBag": Native(5, map_then_fold_bag, op_args=(0, 2, 3)),
        "FoldBag": Native(3, fold_bag, op_args=(0,)),
        "SumBag": Native(1, sum_bag), "ProductBag": Native(1, product_bag),
    },
}
