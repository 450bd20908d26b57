"""FiniteSets and the community modules FiniteSetsExt and Folds."""

from __future__ import annotations

import itertools

from conformance.tla.builtins.native import Native, need_int, op, ppr, truth
from conformance.tla.builtins.numbers import plus, times
from conformance.tla.errors import EvalError
from conformance.tla.lazy import as_fset, is_finite, is_set, ordered, set_size
from conformance.values import FSet

# --------------------------------------------------------------------------- FiniteSets


def cardinality(s):
    if type(s) is FSet:
        return len(s)
    if is_set(s):
        if not is_finite(s):
            raise EvalError(f"Attempted to compute cardinality of the value\n{ppr(s)}")
        return set_size(s)
    raise EvalError(f"Attempted to compute cardinality of the value\n{ppr(s)}")


def is_finite_set(s):
    if not is_set(s):
        raise EvalError(f"Attempted to apply IsFiniteSet to the non-set {ppr(s)}")
    return is_finite(s)



# --------------------------------------------------------------------------- FiniteSetsExt


def fold_set(op, base, s):
    """``op(x1, op(x2, ... op(xn, base)))`` with x1 < x2 < ... in TLC's order, which is what
    FiniteSetsExt's definition (MapThenFoldSet choosing with CHOOSE) computes."""
    acc = base
    for x in reversed(ordered(as_fset(s))):
        acc = op(x, acc)
    return acc


def sum_set(s):
    total = 0
    for x in as_fset(s):
        total = plus(total, x)
    return total


def product_set(s):
    total = 1
    for x in as_fset(s):
        total = times(total, x)
    return total


def set_max(s):
    elems = as_fset(s)
    if not elems:
        raise EvalError("Attempted to compute the maximum of the empty set.")
    return max(elems, key=lambda v: (need_int(v, "first", "Max"), v)[1])


def set_min(s):
    elems = as_fset(s)
    if not elems:
        raise EvalError("Attempted to compute the minimum of the empty set.")
    return min(elems, key=lambda v: (need_int(v, "first", "Min"), v)[1])


def quantify(s, p):
    return sum(1 for x in ordered(as_fset(s)) if truth(p(x), "Quantify"))


def k_subset(k, s):
    elems = ordered(as_fset(s))
    return FSet(FSet(c) for c in itertools.combinations(elems, k))


def map_then_fold_set(op, base, f, choose, s):
    r"""Folds' MapThenFoldSet: ``op(f(x1), op(f(x2), ... op(f(xn), base)))`` where x1 is
    ``choose(S)``, x2 is ``choose(S \ {x1})``, and so on."""
    chosen = []
    rest = as_fset(s)
    while rest:
        x = choose(rest)
        if x not in rest:
            raise EvalError("The choose argument of MapThenFoldSet returned "
                            f"{ppr(x)}, which is not in the set it was given.")
        chosen.append(x)
        rest = FSet(rest - {x})
    acc = base
    for x in reversed(chosen):
        acc = op(f(x), acc)
    return acc


def symmetric_difference(a, b):
    return FSet(as_fset(a) ^ as_fset(b))


def reduce_set(op, s, acc):
    for x in reversed(ordered(as_fset(s))):
        acc = op(x, acc)
    return acc


def flatten_set(s):
    out: set = set()
    for x in as_fset(s):
        out |= as_fset(x)
    return FSet(out)


def choose_unique(s, p):
    found = [x for x in ordered(as_fset(s)) if truth(p(x), "ChooseUnique")]
    if not found:
        raise EvalError("Attempted to compute the value of an expression of form\n"
                        "CHOOSE x \\in S: P, but no element of S satisfied P.")
    return found[0]














MODULES: dict[str, dict[str, Native]] = {
    "FiniteSets": {"IsFiniteSet": op(1, is_finite_set), "Cardinality": op(1, cardinality)},
    "FiniteSetsExt": {
        "FoldSet": op(3, fold_set, op_args=(0,)), "SumSet": op(1, sum_set),
        "ProductSet": op(1, product_set), "Max": op(1, set_max), "Min": op(1, set_min),
        "Quantify": op(2, quantify, op_args=(1,)), "kSubset": op(2, k_subset),
        "MapThenFoldSet": op(5, map_then_fold_set, op_args=(0, 2, 3)),
        "SymDiff": op(2, symmetric_difference), "ReduceSet": op(3, reduce_set, op_args=(0,)),
        "MapThenSumSet": op(2, lambda op, s: sum_set(FSet(op(x) for x in as_fset(s))),
                            op_args=(0,)),
        "FlattenSet": op(1, flatten_set), "ChooseUnique": op(2, choose_unique, op_args=(1,)),
    },
    "Folds": {"MapThenFoldSet": op(5, map_then_fold_set, op_args=(0, 2, 3))},
}
