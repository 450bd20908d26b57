"""Bags and BagsExt: a bag is a function from elements to their (positive) number of
copies."""

from __future__ import annotations

import itertools

from conformance.tla.builtins.finitesets import map_then_fold_set
from conformance.tla.builtins.native import Native, const, op, ppr
from conformance.tla.errors import EvalError
from conformance.tla.lazy import LazyFn, as_fset, ordered
from conformance.values import Fn, FSet, Tup, fn_of, make_fn


def _bag(b, op="a bag operator"):
    if type(b) is Tup and not b:
        return {}
    if type(b) is Fn:
        return b.map
    if type(b) is Tup:
        return {i + 1: x for i, x in enumerate(b)}
    raise EvalError(f"Applying {op} to the following value,\nwhich is not a bag:\n{ppr(b)}")


def is_a_bag(b):
    try:
        m = _bag(b)
    except EvalError:
        return False
    return all(type(c) is int and c > 0 for c in m.values())


def bag_to_set(b):
    return FSet(_bag(b, "BagToSet"))


def set_to_bag(s):
    return make_fn({x: 1 for x in as_fset(s)})


def bag_in(e, b):
    return e in _bag(b, "BagIn")


def bag_plus(a, b):
    out = dict(_bag(a, "(+)"))
    for k, c in _bag(b, "(+)").items():
        out[k] = out.get(k, 0) + c
    return fn_of(out)


def bag_minus(a, b):
    bm = _bag(b, "(-)")
    out = {}
    for k, c in _bag(a, "(-)").items():
        n = c - bm.get(k, 0)
        if n > 0:
            out[k] = n
    return fn_of(out)


# ``B (+) SetToBag(S)`` and ``B (-) SetToBag(S)``, S a set or the one element of {e}: the
# bag of S is not made (see conformance.tla.compile.rewrites). Each gives the value and the
# error its two operators give.

def bag_plus_one(a, e):
    """``a (+) SetToBag({e})``."""
    out = dict(_bag(a, "(+)"))
    out[e] = out.get(e, 0) + 1
    return fn_of(out)


def bag_plus_set(a, s):
    """``a (+) SetToBag(s)``."""
    s = as_fset(s)
    out = dict(_bag(a, "(+)"))
    for x in s:
        out[x] = out.get(x, 0) + 1
    return fn_of(out)


def _positive(g: dict) -> bool:
    for c in g.values():
        if type(c) is not int or c <= 0:
            return False
    return True


def bag_minus_one(a, e):
    """``a (-) SetToBag({e})``: ``a`` itself when it holds no copy of ``e``."""
    g = _bag(a, "(-)")
    if not _positive(g):  # not a bag: what (-) makes of that (it keeps positive counts)
        return bag_minus(a, set_to_bag(FSet((e,))))
    c = g.get(e)
    if c is None:
        return a
    out = dict(g)
    if c > 1:
        out[e] = c - 1
    else:
        del out[e]
    return fn_of(out)


def bag_minus_set(a, s):
    """``a (-) SetToBag(s)``."""
    s = as_fset(s)
    g = _bag(a, "(-)")
    if not _positive(g):
        return bag_minus(a, set_to_bag(s))
    out = None
    for x in s:
        c = g.get(x)
        if c is None:
            continue
        if out is None:
            out = dict(g)
        if c > 1:
            out[x] = c - 1
        else:
            del out[x]
    return a if out is None else fn_of(out)


def bag_union(s):
    out: dict = {}
    for b in ordered(as_fset(s)):
        for k, c in _bag(b, "BagUnion").items():
            out[k] = out.get(k, 0) + c
    return make_fn(out)


def bag_subseteq(a, b):
    bm = _bag(b, "\\sqsubseteq")
    return all(k in bm and c <= bm[k] for k, c in _bag(a, "\\sqsubseteq").items())


def sub_bag(b):
    m = _bag(b, "SubBag")
    keys = list(ordered(FSet(m)))
    out = []
    for counts in itertools.product(*(range(m[k] + 1) for k in keys)):
        out.append(make_fn({k: c for k, c in zip(keys, counts, strict=True) if c > 0}))
    return FSet(out)


def bag_of_all(f, b):
    out: dict = {}
    for k, c in _bag(b, "BagOfAll").items():
        y = f(k)
        out[y] = out.get(y, 0) + c
    return make_fn(out)


def bag_cardinality(b):
    return sum(_bag(b, "BagCardinality").values())


def copies_in(e, b):
    return _bag(b, "CopiesIn").get(e, 0)




# --------------------------------------------------------------------------- BagsExt


def _graph(b, op: str) -> dict:
    """The bag's function as a dictionary (BagsExt's definitions take any function)."""
    if isinstance(b, LazyFn):
        b = b.materialize()
    if type(b) is Tup or type(b) is Fn:
        return _bag(b, op)
    raise EvalError(f"Applying {op} to the following value,\nwhich is not a bag:\n{ppr(b)}")


def _count(c, op: str):
    if type(c) is not int:
        raise EvalError(f"The first argument of + should be an integer, but instead it "
                        f"is:\n{ppr(c)}")
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
        raise EvalError(f"Attempted to apply the operator {op} to {ppr(c)} (in: {ppr(k)}:>"
                        f"{ppr(c)}), which is not an element of Nat.")
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
    "Bags": {
        "IsABag": op(1, is_a_bag), "BagToSet": op(1, bag_to_set),
        "SetToBag": op(1, set_to_bag), "BagIn": op(2, bag_in), "EmptyBag": const(Tup()),
        "\\oplus": op(2, bag_plus), "\\ominus": op(2, bag_minus),
        "BagUnion": op(1, bag_union), "\\sqsubseteq": op(2, bag_subseteq),
        "SubBag": op(1, sub_bag), "BagOfAll": op(2, bag_of_all, op_args=(0,)),
        "BagCardinality": op(1, bag_cardinality), "CopiesIn": op(2, copies_in),
    },
    "BagsExt": {
        "BagAdd": op(2, bag_add), "BagRemove": op(2, bag_remove),
        "BagRemoveAll": op(2, bag_remove_all),
        "MapThenFoldBag": op(5, map_then_fold_bag, op_args=(0, 2, 3)),
        "FoldBag": op(3, fold_bag, op_args=(0,)),
        "SumBag": op(1, sum_bag), "ProductBag": op(1, product_bag),
    },
}
