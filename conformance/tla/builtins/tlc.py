"""TLC, TLCExt and Randomization: the operators of TLC's own modules (printing, assertions,
TLCGet/TLCSet, permutations, random choice)."""

from __future__ import annotations

import itertools
import random
import time

from conformance.tla.builtins.native import (
    Native,
    Runtime,
    as_seq,
    const,
    fail_arg,
    fn_graph,
    op,
    ppr,
    truth,
)
from conformance.tla.errors import AssertionFailed, EvalError
from conformance.tla.lazy import LazySet, as_fset, ordered
from conformance.values import FSet, ModelValue, Tup, make_fn

# --------------------------------------------------------------------------- TLC


def colon_gt(a, b):
    return make_fn({a: b})


def at_at(f, g):
    fm = fn_graph(f, "@@")
    gm = fn_graph(g, "@@")
    out = dict(gm)
    out.update(fm)
    return make_fn(out)




def tlc_print(rt: Runtime, out, val):
    rt.print(f"{ppr(out)}  {ppr(val)}")
    return val


def tlc_printt(rt: Runtime, out):
    rt.print(ppr(out))
    return True


def tlc_assert(val, out):
    if val is True:
        return True
    raise AssertionFailed("The first argument of Assert evaluated to FALSE; the second "
                          f"argument was:\n{ppr(out)}")


def java_time():
    return int(time.time() * 1000) & 0x7FFFFFFF




def tlc_get(rt: Runtime, i):
    if type(i) is str:
        if i == "level":
            return rt.level
        if i in rt.stats:
            return rt.stats[i]
        if i.startswith("-D"):
            return rt.properties.get(i[2:], i)
        raise EvalError(f"TLCGet({ppr(i)}) is not supported by the embedded engine.")
    if i in rt.registers:
        return rt.registers[i]
    raise EvalError(f"The argument of TLCGet, {ppr(i)}, is not a register that TLCSet "
                    "has set.")


def tlc_set(rt: Runtime, i, v):
    if type(i) is str and i.startswith("-D"):
        rt.properties[i[2:]] = v if type(v) is str else ppr(v)
        return True
    if type(i) is not int:
        raise EvalError(f"The first argument of TLCSet should be a natural number, but "
                        f"instead it is:\n{ppr(i)}")
    rt.registers[i] = v
    return True


def permutations(s):
    elems = list(ordered(as_fset(s)))
    out = []
    for perm in itertools.permutations(elems):
        out.append(make_fn(dict(zip(elems, perm, strict=True))))
    return FSet(out)


def sort_seq(s, lt):
    s = as_seq(s, "SortSeq")
    if not s:
        return s
    out = [s[0]]
    for i in range(1, len(s)):
        x = s[i]
        j = i
        out.append(x)
        while j > 0 and truth(lt(x, out[j - 1]), "SortSeq"):
            out[j] = out[j - 1]
            j -= 1
        out[j] = x
    return Tup(out)




def random_element(rt: Runtime, s):
    elems = ordered(as_fset(s))
    if not elems:
        raise EvalError("Attempted to apply RandomElement to the empty set.")
    return elems[rt.rng.randrange(len(elems))]


class _AnySet(LazySet):
    __slots__ = ()

    def __init__(self) -> None:
        self.finite = False

    def member(self, v):
        return True

    def size(self):
        raise EvalError("Attempted to compute the number of elements of Any.")

    def __iter__(self):
        raise EvalError("Attempted to enumerate Any.")

    def to_tla(self):
        return "Any"


ANY = _AnySet()


def to_string(v):
    return ppr(v)



# --------------------------------------------------------------------------- TLCExt


def assert_eq(a, b):
    if a == b:
        return True
    raise AssertionFailed(f"Assertion failed: {ppr(a)} is not equal to {ppr(b)}")


def tlc_model_value(name):
    if type(name) is not str:
        raise fail_arg("first", "TLCModelValue", "string", name)
    return ModelValue(name)




MODULES: dict[str, dict[str, Native]] = {
    "TLC": {
        ":>": op(2, colon_gt), "@@": op(2, at_at),
        "Print": op(2, tlc_print, impure=True, runtime=True),
        "PrintT": op(1, tlc_printt, impure=True, runtime=True),
        "Assert": op(2, tlc_assert), "JavaTime": op(0, java_time, impure=True),
        "TLCGet": op(1, tlc_get, impure=True, runtime=True, state_level=True),
        "TLCSet": op(2, tlc_set, impure=True, runtime=True),
        "Permutations": op(1, permutations), "SortSeq": op(2, sort_seq, op_args=(1,)),
        "RandomElement": op(1, random_element, impure=True, runtime=True),
        "Any": const(ANY), "ToString": op(1, to_string), "TLCEval": op(1, lambda v: v),
    },
    "TLCExt": {
        "AssertEq": op(2, assert_eq), "TLCModelValue": op(1, tlc_model_value),
        "TLCNoOp": op(1, lambda v: v), "TLCCache": op(2, lambda v, _closure: v),
        "TLCDefer": op(1, lambda v: True),
    },
    "Randomization": {
        "RandomSubset": op(2, lambda k, s: FSet(random.sample(list(ordered(as_fset(s))), k)),
                           impure=True),
        "RandomSetOfSubsets": op(3, lambda k, n, s: FSet(), impure=True),
    },
}
