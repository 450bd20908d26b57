"""TLC, TLCExt and Randomization: the operators of TLC's own modules (printing, assertions,
TLCGet/TLCSet, permutations, random choice)."""

from __future__ import annotations

import hashlib
import itertools
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
    refused,
    truth,
)
from conformance.tla.errors import AssertionFailed, EvalError
from conformance.tla.lazy import LazySet, as_fset, element_at, forced, is_set, ordered, set_size
from conformance.values import Fn, FSet, ModelValue, Tup, make_fn

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
    rt.print(f"{ppr(forced(out))}  {ppr(forced(val))}")
    return val


def tlc_printt(rt: Runtime, out):
    rt.print(ppr(forced(out)))
    return True


def tlc_assert(val, out):
    if val is True:
        return True
    raise AssertionFailed("The first argument of Assert evaluated to FALSE; the second "
                          f"argument was:\n{ppr(out)}")


def java_time():
    return int(time.time() * 1000) & 0x7FFFFFFF




# TLCGet's names for the search's figures (TLC's TLCGetSet); each is read from the search
_COUNTERS = ("distinct", "generated", "queue", "diameter", "duration")


def tlc_get(rt: Runtime, i):
    """TLC's TLCGet: a register (a natural number, or a name ``"s:..."``), a Java system
    property (``"-Dname"``), or a figure of the search in progress."""
    if type(i) is int and i >= 0:
        if i in rt.registers:
            return rt.registers[i]
        raise EvalError(f"TLCGet({i}) was undefined.")
    if type(i) is not str:
        raise EvalError("The argument of TLCGet should be a nonnegative integer, but instead "
                        f"it is:\n{ppr(i)}")
    if i == "level":
        return rt.level
    if i in _COUNTERS or i == "stats":
        figures = rt.figures()
        if i == "stats":
            return make_fn({"queue": figures["queue"], "distinct": figures["distinct"],
                            "initial": figures["initial"], "generated": figures["generated"],
                            "diameter": figures["diameter"], "duration": figures["duration"],
                            "worker": 0})
        return figures[i]
    if i in rt.stats:
        return rt.stats[i]
    if i == "all:named":  # the named registers, one value per worker (one worker here)
        return make_fn({k: Tup((v,)) for k, v in rt.registers.items()
                        if type(k) is str and k.startswith("s:")})
    if i == "all":  # the numbered registers, one value per worker
        return make_fn({k: Tup((v,)) for k, v in rt.registers.items() if type(k) is int})
    if i.startswith("s:"):
        if i in rt.registers:
            return rt.registers[i]
        raise EvalError(f"TLCGet({i}) was undefined.")
    if i.startswith("-D"):
        return rt.properties.get(i[2:], i)
    if i in ("spec", "action", "revision"):
        raise EvalError(f"TLCGet({ppr(i)}) is not supported by the embedded engine.")
    raise EvalError(f"TLCGet({i}) was undefined.")


def tlc_get_next(rt: Runtime, i):
    """TLCGet under a prime: the next state's level; the rest as unprimed."""
    if i == "level":
        return rt.level + 1
    return tlc_get(rt, i)


def possible_counts(rt: Runtime):
    """_Possible's _Counts: how often each _POSSIBLE predicate held (see check.possible)."""
    return rt.registers.get("s:_possible", make_fn({}))


def possible_check(rt: Runtime, name):
    counts = possible_counts(rt)
    if counts.map.get(name, 0) == 0:
        tlc_printt(rt, counts)
        return False
    return True


def tlc_set(rt: Runtime, i, v):
    """TLC's TLCSet: a register, a named register ``"s:..."``, a Java system property, or
    ``"exit"`` (TRUE stops the search, as TLC stops its workers)."""
    if type(i) is int and i >= 0:
        rt.registers[i] = v
        return True
    if type(i) is str:
        if i == "exit":
            if v is True:
                rt.exit = True
            return True
        if i == "pause":
            return True
        if i.startswith("s:"):
            rt.registers[i] = v
            return True
        if i.startswith("-D"):
            rt.properties[i[2:]] = v if type(v) is str else ppr(v)
            return True
    raise EvalError(f"The first argument of TLCSet should be a nonnegative integer, but "
                    f"instead it is:\n{ppr(i)}")


def tlc_get_or_default(rt: Runtime, key, default):
    """TLCExt's TLCGetOrDefault: a register's value, or ``default`` where none is set."""
    if type(key) in (int, str) and key in rt.registers:
        return rt.registers[key]
    return default


def tlc_get_and_set(rt: Runtime, key, update, value, default):
    """TLCExt's TLCGetAndSet: the register's old value; it becomes update(old, value)."""
    old = tlc_get_or_default(rt, key, default)
    tlc_set(rt, key, update(old, value))
    return old


# TLCExt's CounterExample where there is none: the engine evaluates POSTCONDITIONs (the only
# place TLC binds a counterexample) when the search found nothing
NO_COUNTEREXAMPLE = Fn({"action": FSet(), "state": FSet()})


def to_trace(ce):
    """TLCExt's ToTrace: the states of a counterexample record, as a sequence."""
    states = ce.map.get("state") if type(ce) is Fn else None
    if not is_set(states):
        raise EvalError("The argument of ToTrace should be a CounterExample, but instead it "
                        f"is:\n{ppr(ce)}")
    pairs = sorted(as_fset(states), key=lambda p: p[0])
    return Tup(p[1] for p in pairs)


def random_subset(rt: Runtime, k, s):
    """Randomization's RandomSubset(k, S): k elements of S drawn without building S (TLC
    draws from [S -> T] with 10^9 elements)."""
    need_int = k if type(k) is int else None
    if need_int is None or k < 0:
        raise EvalError(f"The first argument of RandomSubset should be a natural number, but "
                        f"instead it is:\n{ppr(k)}")
    n = set_size(s)
    if k > n:
        raise EvalError(f"The first argument of RandomSubset ({k}) is larger than the "
                        f"cardinality of the second argument ({n}).")
    return FSet(element_at(s, i) for i in rt.rng.sample(range(n), k))


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


def tlc_fingerprint(v):
    """TLCExt!TLCFP: a 32-bit integer that equal values share, as TLC's fingerprint of a value
    (its lower 32 bits) is. The numbers are the engine's own, not TLC's: TLC's come from its
    FP64 polynomial over its internal encoding of values; what a spec can rely on, that equal
    values (however they were built) have equal fingerprints, holds for both."""
    text = ppr(forced(v))  # the canonical form: sets sorted, functions as tables
    digest = hashlib.blake2b(text.encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


def tlc_trace(rt: Runtime):
    """TLCExt!Trace: the behavior from an initial state to the state being evaluated, as a
    sequence of records of the variables."""
    if rt.behavior is None:
        raise EvalError("TLCExt!Trace was evaluated outside of a search: there is no "
                        "behavior to return.")
    names = rt.variables
    return Tup([make_fn(dict(zip(names, s, strict=True))) for s in rt.behavior()])


def assert_error(expected, expression):
    """TLCExt's AssertError(err, exp): TRUE if evaluating exp fails with the message err,
    FALSE if it does not fail. Where it fails with another message the engine cannot tell
    what TLC's message would be, and says so rather than answer."""
    if type(expected) is not str:
        raise EvalError("In computing AssertError, a non-string expression was used as the "
                        "err of an AssertError(err, exp).")
    try:
        expression()
    except EvalError as e:
        if e.message == expected:
            return True
        raise EvalError("AssertError: the expression fails, but with the engine's message "
                        f"{e.message!r}, not the one expected; whether TLC's message is the "
                        "expected one, the engine cannot tell.") from None
    return False


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
        "TLCGet": op(1, tlc_get, impure=True, runtime=True, state_level=True,
                     primed=tlc_get_next),
        "TLCSet": op(2, tlc_set, impure=True, runtime=True),
        "Permutations": op(1, permutations), "SortSeq": op(2, sort_seq, op_args=(1,)),
        "RandomElement": op(1, random_element, impure=True, runtime=True),
        "Any": const(ANY), "ToString": op(1, to_string), "TLCEval": op(1, lambda v: v),
    },
    "TLCExt": {
        "AssertEq": op(2, assert_eq), "TLCModelValue": op(1, tlc_model_value),
        "TLCNoOp": op(1, lambda v: v), "TLCCache": op(2, lambda v, _closure: v),
        "TLCDefer": op(1, lambda v: True),
        "TLCGetOrDefault": op(2, tlc_get_or_default, impure=True, runtime=True,
                              state_level=True),
        "TLCGetAndSet": op(4, tlc_get_and_set, op_args=(1,), impure=True, runtime=True,
                           state_level=True),
        "AssertError": op(2, assert_error, lazy=(1,)),
        "Trace": op(0, tlc_trace, impure=True, runtime=True, state_level=True),
        "CounterExample": op(0, lambda: NO_COUNTEREXAMPLE, impure=True, state_level=True),
        "ToTrace": op(1, to_trace),
        "PickSuccessor": refused(1, "TLCExt!PickSuccessor (interactive choice)"),
        "TLCFP": op(1, tlc_fingerprint),
        "TLCEvalDefinition": refused(1, "TLCEvalDefinition"),
    },
    "_Possible": {  # TLC's _POSSIBLE: the engine counts once the search is done
        "_Counts": op(0, possible_counts, impure=True, runtime=True, state_level=True),
        "_CheckName": op(1, possible_check, impure=True, runtime=True, state_level=True),
        "_PrintCounts": op(0, lambda rt: tlc_printt(rt, possible_counts(rt)), impure=True,
                           runtime=True, state_level=True),
        "_Track": refused(2, "_Possible!_Track (TLC wires it itself for _POSSIBLE)"),
    },
    "Randomization": {
        "RandomSubset": op(2, random_subset, impure=True, runtime=True),
        "RandomSetOfSubsets": op(3, lambda k, n, s: FSet(), impure=True),
        "TestRandomSetOfSubsets": refused(3, "Randomization!TestRandomSetOfSubsets"),
    },
}
