"""Bags: a bag is a function from elements to their (positive) number of copies."""

from __future__ import annotations

import itertools

from conformance.tla.builtins.native import Native, const, op, ppr
from conformance.tla.errors import EvalError
from conformance.tla.lazy import as_fset, ordered
from conformance.values import Fn, FSet, Tup, make_fn


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
    return make_fn(out)


def bag_minus(a, b):
    bm = _bag(b, "(-)")
    out = {}
    for k, c in _bag(a, "(-)").items():
        n = c - bm.get(k, 0)
        if n > 0:
            out[k] = n
    return make_fn(out)


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




MODULES: dict[str, dict[str, Native]] = {
    "Bags": {
        "IsABag": op(1, is_a_bag), "BagToSet": op(1, bag_to_set),
        "SetToBag": op(1, set_to_bag), "BagIn": op(2, bag_in), "EmptyBag": const(Tup()),
        "\\oplus": op(2, bag_plus), "\\ominus": op(2, bag_minus),
        "BagUnion": op(1, bag_union), "\\sqsubseteq": op(2, bag_subseteq),
        "SubBag": op(1, sub_bag), "BagOfAll": op(2, bag_of_all, op_args=(0,)),
        "BagCardinality": op(1, bag_cardinality), "CopiesIn": op(2, copies_in),
    },
}
