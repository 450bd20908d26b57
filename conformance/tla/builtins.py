"""The operators of TLA+'s standard modules, implemented in Python, with TLC's semantics.

TLC implements its standard modules (Naturals, Sequences, TLC, ...) and many community
modules in Java rather than by evaluating their TLA+ definitions; this module does the same
for the engine. :data:`NATIVE_MODULES` maps a module name to its operators; a module with
only native operators needs no .tla file, and in a module that has one (``stdlib/`` or a copy
next to the spec) a native replaces the definition of the same name and arity, as TLC's
overrides do.

Each :class:`Native` receives evaluated arguments (values; an operator argument arrives as a
Python callable) and returns a value, or raises :class:`EvalError` with TLC's message.
"""

from __future__ import annotations

import itertools
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.tla.errors import AssertionFailed, EvalError
from conformance.tla.lazy import (
    INT,
    NAT,
    REAL,
    STRING,
    FunctionSet,
    Interval,
    LazyFn,
    LazySet,
    Powerset,
    SeqSet,
    as_fset,
    is_finite,
    is_set,
    member,
    ordered,
    set_size,
    to_tla_any,
    value_kind,
)
from conformance.values import Fn, FSet, ModelValue, Tup, make_fn, order_key, to_tla

Value = Any


@dataclass(frozen=True)
class Native:
    """A natively implemented operator.

    ``op_args`` lists the positions of arguments that are operators (passed as callables);
    ``impure`` operators (Print, TLCGet, RandomElement...) are never folded inside an
    expression (a 0-arity constant definition using them is still evaluated once, as TLC
    does at startup); ``state_level`` ones read the search's state (TLCGet: TLC gives it a
    minimum level of 1), so definitions using them are never evaluated ahead;
    ``runtime`` operators get the model's :class:`Runtime` as their first argument.
    """

    arity: int
    fn: Callable
    op_args: tuple[int, ...] = ()
    impure: bool = False
    runtime: bool = False
    state_level: bool = False
    name: str = field(default="", compare=False)


class Runtime:
    """Per-model state that some TLC operators read or write."""

    def __init__(self, out=None, seed: int | None = None) -> None:
        self.out = out or sys.stdout
        self.registers: dict = {}
        self.properties: dict = dict(PROPERTIES)
        # RandomElement and friends draw from this; a model compiled again (to trace an
        # error) starts from the same seed, so constants it drew come out the same
        self.seed = seed if seed is not None else random.randrange(2**63)
        self.rng = random.Random(self.seed)
        self.level = 0  # TLCGet("level"): the depth of the state being explored
        self.stats: dict[str, Any] = {}
        self.printed: list[str] = []
        self.base_dir: Path | None = None  # the spec's folder (files the spec reads)
        self.files: dict = {}  # files read, by name and version (see tlajson)

    def print(self, text: str) -> None:
        self.printed.append(text)
        print(text, file=self.out)


def _ppr(v: Value) -> str:
    return to_tla_any(v)


def _fail_arg(which: str, op: str, what: str, v: Value) -> EvalError:
    article = "an" if what[:1] in "aeiou" else "a"
    return EvalError(f"The {which} argument of {op} should be {article} {what}, but instead "
                     f"it is:\n{_ppr(v)}")


def _need_int(v: Value, which: str, op: str) -> int:
    if type(v) is not int:
        raise _fail_arg(which, op, "integer", v)
    return v


# --------------------------------------------------------------------------- Naturals


def plus(a, b):
    if type(a) is int and type(b) is int:
        return a + b
    raise _fail_arg("first" if type(a) is not int else "second", "+", "integer",
                    a if type(a) is not int else b)


def minus(a, b):
    if type(a) is int and type(b) is int:
        return a - b
    raise _fail_arg("first" if type(a) is not int else "second", "-", "integer",
                    a if type(a) is not int else b)


def times(a, b):
    if type(a) is int and type(b) is int:
        return a * b
    raise _fail_arg("first" if type(a) is not int else "second", "*", "integer",
                    a if type(a) is not int else b)


def power(a, b):
    _need_int(a, "first", "^")
    if type(b) is not int or b < 0:
        raise _fail_arg("second", "^", "natural number", b)
    if a == 0 and b == 0:
        raise EvalError("0^0 is undefined.")
    return a ** b


def _cmp(name):
    import operator

    op = {"<": operator.lt, ">": operator.gt, "\\leq": operator.le, "\\geq": operator.ge}[name]

    def f(a, b):
        if type(a) is int and type(b) is int:
            return op(a, b)
        bad, which = (a, "first") if type(a) is not int else (b, "second")
        raise _fail_arg(which, name.lstrip("\\"), "integer", bad)
    return f


def mod(a, b):
    _need_int(a, "first", "%")
    if type(b) is not int or b <= 0:
        raise _fail_arg("second", "%", "positive number", b)
    return a % b


def div(a, b):
    _need_int(a, "first", "\\div")
    _need_int(b, "second", "\\div")
    if b == 0:
        raise EvalError("The second argument of \\div is 0.")
    return a // b


def interval(a, b):
    _need_int(a, "first", "..")
    _need_int(b, "second", "..")
    return Interval(a, b)


def uminus(a):
    _need_int(a, "first", "-")
    return -a


# --------------------------------------------------------------------------- Sequences


def _seq(v, op: str, what: str = "sequence"):
    if type(v) is Tup:
        return v
    if type(v) is Fn or isinstance(v, LazyFn):
        f = v.materialize() if isinstance(v, LazyFn) else v
        if type(f) is Tup:
            return f
    raise EvalError(f"The argument of {op} should be a {what}, but instead it is:\n{_ppr(v)}")


def seq_len(s):
    if type(s) is Tup:
        return len(s)
    if type(s) is str:
        return len(s)
    return len(_seq(s, "Len"))


def concat(a, b):
    if type(a) is str:
        if type(b) is not str:
            raise EvalError("Evaluating an expression of the form t \\o s when s is not a "
                            f"string:\n{_ppr(b)}")
        return a + b
    if type(a) is not Tup:
        a = _seq_or_fail(a, "s \\o t")
    if type(b) is not Tup:
        b = _seq_or_fail(b, "t \\o s")
    return Tup(a + b)


def _seq_or_fail(v, form):
    try:
        return _seq(v, form)
    except EvalError:
        raise EvalError(f"Evaluating an expression of the form {form} when s is not a "
                        f"sequence:\n{_ppr(v)}")


def append(s, e):
    if type(s) is not Tup:
        s = _seq_or_fail(s, "Append(s, v)")
    return Tup(s + (e,))


def head(s):
    if type(s) is not Tup:
        if type(s) is str:
            if not s:
                raise EvalError("Attempted to apply Head to the empty sequence.")
            return s[0]
        s = _seq(s, "Head")
    if not s:
        raise EvalError("Attempted to apply Head to the empty sequence.")
    return s[0]


def tail(s):
    if type(s) is not Tup:
        if type(s) is str:
            if not s:
                raise EvalError("Attempted to apply Tail to the empty sequence.")
            return s[1:]
        s = _seq(s, "Tail")
    if not s:
        raise EvalError("Attempted to apply Tail to the empty sequence.")
    return Tup(s[1:])


def subseq(s, m, n):
    _need_int(m, "second", "SubSeq")
    _need_int(n, "third", "SubSeq")
    if type(s) is str:
        if m > n:
            return ""
        if m < 1 or n > len(s):
            raise EvalError(f"The second argument of SubSeq must be in the domain of its first "
                            f"argument:\n{_ppr(s)}\n, but instead it is\n{m}")
        return s[m - 1:n]
    s = _seq(s, "SubSeq")
    if m > n:
        return Tup()
    if m < 1 or m > len(s):
        raise EvalError(f"The second argument of SubSeq must be in the domain of its first "
                        f"argument:\n{_ppr(s)}\n, but instead it is\n{m}")
    if n > len(s):
        raise EvalError(f"The third argument of SubSeq must be in the domain of its first "
                        f"argument:\n{_ppr(s)}\n, but instead it is\n{n}")
    return Tup(s[m - 1:n])


def select_seq(s, test):
    s = _seq(s, "SelectSeq")
    out = []
    for x in s:
        r = test(x)
        if type(r) is not bool:
            raise EvalError("The second argument of SelectSeq should be a boolean-valued "
                            f"operator, but it returned:\n{_ppr(r)}")
        if r:
            out.append(x)
    return Tup(out)


# --------------------------------------------------------------------------- FiniteSets


def cardinality(s):
    if type(s) is FSet:
        return len(s)
    if is_set(s):
        if not is_finite(s):
            raise EvalError(f"Attempted to compute cardinality of the value\n{_ppr(s)}")
        return set_size(s)
    raise EvalError(f"Attempted to compute cardinality of the value\n{_ppr(s)}")


def is_finite_set(s):
    if not is_set(s):
        raise EvalError(f"Attempted to apply IsFiniteSet to the non-set {_ppr(s)}")
    return is_finite(s)


# --------------------------------------------------------------------------- TLC


def colon_gt(a, b):
    return make_fn({a: b})


def at_at(f, g):
    fm = _graph(f, "@@")
    gm = _graph(g, "@@")
    out = dict(gm)
    out.update(fm)
    return make_fn(out)


def _graph(f, op: str) -> dict:
    if type(f) is Tup:
        return {i + 1: x for i, x in enumerate(f)}
    if type(f) is Fn:
        return f.map
    if isinstance(f, LazyFn):
        return _graph(f.materialize(), op)
    raise EvalError(f"The argument of {op} should be a function, but instead it is:\n"
                    f"{_ppr(f)}")


def tlc_print(rt: Runtime, out, val):
    rt.print(f"{_ppr(out)}  {_ppr(val)}")
    return val


def tlc_printt(rt: Runtime, out):
    rt.print(_ppr(out))
    return True


def tlc_assert(val, out):
    if val is True:
        return True
    raise AssertionFailed("The first argument of Assert evaluated to FALSE; the second "
                          f"argument was:\n{_ppr(out)}")


def java_time():
    return int(time.time() * 1000) & 0x7FFFFFFF


# Java system properties as TLCGet("-Dname") reads them: the engine always composes actions
# (TLC does when run with -Dtlc2.tool.impl.Tool.cdot=true, as the Examples that use \cdot
# require)
PROPERTIES = {"tlc2.tool.impl.Tool.cdot": "true"}


def tlc_get(rt: Runtime, i):
    if type(i) is str:
        if i == "level":
            return rt.level
        if i in rt.stats:
            return rt.stats[i]
        if i.startswith("-D"):
            return rt.properties.get(i[2:], i)
        raise EvalError(f"TLCGet({_ppr(i)}) is not supported by the embedded engine.")
    if i in rt.registers:
        return rt.registers[i]
    raise EvalError(f"The argument of TLCGet, {_ppr(i)}, is not a register that TLCSet "
                    "has set.")


def tlc_set(rt: Runtime, i, v):
    if type(i) is str and i.startswith("-D"):
        rt.properties[i[2:]] = v if type(v) is str else _ppr(v)
        return True
    if type(i) is not int:
        raise EvalError(f"The first argument of TLCSet should be a natural number, but "
                        f"instead it is:\n{_ppr(i)}")
    rt.registers[i] = v
    return True


def permutations(s):
    elems = list(ordered(as_fset(s)))
    out = []
    for perm in itertools.permutations(elems):
        out.append(make_fn(dict(zip(elems, perm, strict=True))))
    return FSet(out)


def sort_seq(s, lt):
    s = _seq(s, "SortSeq")
    if not s:
        return s
    out = [s[0]]
    for i in range(1, len(s)):
        x = s[i]
        j = i
        out.append(x)
        while j > 0 and _truth(lt(x, out[j - 1]), "SortSeq"):
            out[j] = out[j - 1]
            j -= 1
        out[j] = x
    return Tup(out)


def _truth(v, op: str) -> bool:
    if type(v) is not bool:
        raise EvalError(f"The second argument of {op} should be a boolean function, but "
                        f"instead it returned:\n{_ppr(v)}")
    return v


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
    return _ppr(v)


# --------------------------------------------------------------------------- TLCExt


def assert_eq(a, b):
    if a == b:
        return True
    raise AssertionFailed(f"Assertion failed: {_ppr(a)} is not equal to {_ppr(b)}")


def tlc_model_value(name):
    if type(name) is not str:
        raise _fail_arg("first", "TLCModelValue", "string", name)
    return ModelValue(name)


# --------------------------------------------------------------------------- Bags


def _bag(b, op="a bag operator"):
    if type(b) is Tup and not b:
        return {}
    if type(b) is Fn:
        return b.map
    if type(b) is Tup:
        return {i + 1: x for i, x in enumerate(b)}
    raise EvalError(f"Applying {op} to the following value,\nwhich is not a bag:\n{_ppr(b)}")


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


# --------------------------------------------------------------------------- SequencesExt


def set_to_seq(s):
    return Tup(ordered(as_fset(s)))


def set_to_sort_seq(s, lt):
    return sort_seq(set_to_seq(s), lt)


def to_set(s):
    if type(s) is Tup:
        return FSet(s)
    return FSet(_graph(s, "ToSet").values())


def reverse(s):
    return Tup(reversed(_seq(s, "Reverse")))


def seq_remove(s, e):
    return Tup(x for x in _seq(s, "Remove") if x != e)


def replace_all(s, old, new):
    return Tup(new if x == old else x for x in _seq(s, "ReplaceAll"))


def insert_at(s, i, e):
    s = _seq(s, "InsertAt")
    return Tup(s[:i - 1] + (e,) + s[i - 1:])


def remove_at(s, i):
    s = _seq(s, "RemoveAt")
    return Tup(s[:i - 1] + s[i:])


def replace_at(s, i, e):
    s = _seq(s, "ReplaceAt")
    return Tup(s[:i - 1] + (e,) + s[i:])


def cons(e, s):
    return Tup((e,) + _seq(s, "Cons"))


def front(s):
    s = _seq(s, "Front")
    if not s:
        raise EvalError("Attempted to apply Front to the empty sequence.")
    return Tup(s[:-1])


def last(s):
    s = _seq(s, "Last")
    if not s:
        raise EvalError("Attempted to apply Last to the empty sequence.")
    return s[-1]


def is_prefix(s, t):
    s, t = _seq(s, "IsPrefix"), _seq(t, "IsPrefix")
    return len(s) <= len(t) and t[:len(s)] == s


def is_strict_prefix(s, t):
    return is_prefix(s, t) and len(_seq(s, "IsStrictPrefix")) < len(_seq(t, "IsStrictPrefix"))


def is_suffix(s, t):
    s, t = _seq(s, "IsSuffix"), _seq(t, "IsSuffix")
    return len(s) <= len(t) and (not s or t[len(t) - len(s):] == s)


def is_strict_suffix(s, t):
    return is_suffix(s, t) and len(_seq(s, "IsStrictSuffix")) < len(_seq(t, "IsStrictSuffix"))


def contains(s, e):
    return e in _seq(s, "Contains")


def indices(s):
    return Interval(1, len(_seq(s, "Indices")))


def fold_left(op, base, s):
    acc = base
    for x in _seq(s, "FoldLeft"):
        acc = op(acc, x)
    return acc


def fold_right(op, s, base):
    acc = base
    for x in reversed(_seq(s, "FoldRight")):
        acc = op(x, acc)
    return acc


def fold_seq(op, base, s):
    acc = base
    for x in reversed(_seq(s, "FoldSeq")):
        acc = op(x, acc)
    return acc


def flatten_seq(ss):
    out: list = []
    for s in _seq(ss, "FlattenSeq"):
        out.extend(_seq(s, "FlattenSeq"))
    return Tup(out)


def zip_seqs(s, t):
    s, t = _seq(s, "Zip"), _seq(t, "Zip")
    return Tup(Tup(p) for p in zip(s, t, strict=False))


def bounded_seq(s, n):
    elems = ordered(as_fset(s))
    out = []
    for k in range(n + 1):
        for combo in itertools.product(elems, repeat=k):
            out.append(Tup(combo))
    return FSet(out)


def seq_of(s, n):
    return bounded_seq(s, n)


def tuple_of(s, n):
    elems = ordered(as_fset(s))
    return FSet(Tup(c) for c in itertools.product(elems, repeat=n))


def select_in_seq(s, test):
    for i, x in enumerate(_seq(s, "SelectInSeq")):
        if _truth(test(x), "SelectInSeq"):
            return i + 1
    return 0


def select_last_in_seq(s, test):
    seq = _seq(s, "SelectLastInSeq")
    for i in range(len(seq) - 1, -1, -1):
        if _truth(test(seq[i]), "SelectLastInSeq"):
            return i + 1
    return 0


def prefixes(s):
    s = _seq(s, "Prefixes")
    return FSet(Tup(s[:i]) for i in range(len(s) + 1))


def suffixes(s):
    s = _seq(s, "Suffixes")
    return FSet(Tup(s[i:]) for i in range(len(s) + 1))


def subseqs_all(s):
    s = _seq(s, "AllSubSeqs")
    out = set()
    for mask in itertools.product((False, True), repeat=len(s)):
        out.add(Tup(x for x, keep in zip(s, mask, strict=True) if keep))
    return FSet(out)


def longest_common_prefix(ss):
    seqs = [_seq(s, "LongestCommonPrefix") for s in as_fset(ss)]
    if not seqs:
        return Tup()
    n = min(len(s) for s in seqs)
    i = 0
    while i < n and all(s[i] == seqs[0][i] for s in seqs):
        i += 1
    return Tup(seqs[0][:i])


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
    return max(elems, key=lambda v: (_need_int(v, "first", "Max"), v)[1])


def set_min(s):
    elems = as_fset(s)
    if not elems:
        raise EvalError("Attempted to compute the minimum of the empty set.")
    return min(elems, key=lambda v: (_need_int(v, "first", "Min"), v)[1])


def quantify(s, p):
    return sum(1 for x in ordered(as_fset(s)) if _truth(p(x), "Quantify"))


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
                            f"{_ppr(x)}, which is not in the set it was given.")
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
    found = [x for x in ordered(as_fset(s)) if _truth(p(x), "ChooseUnique")]
    if not found:
        raise EvalError("Attempted to compute the value of an expression of form\n"
                        "CHOOSE x \\in S: P, but no element of S satisfied P.")
    return found[0]


def snoc(s, e):
    return Tup(_seq(s, "Snoc") + (e,))


def remove_first(s, e):
    s = _seq(s, "RemoveFirst")
    for i, x in enumerate(s):
        if x == e:
            return Tup(s[:i] + s[i + 1:])
    return s


def remove_first_match(s, test):
    s = _seq(s, "RemoveFirstMatch")
    for i, x in enumerate(s):
        if _truth(test(x), "RemoveFirstMatch"):
            return Tup(s[:i] + s[i + 1:])
    return s


def set_to_seqs(s):
    elems = ordered(as_fset(s))
    return FSet(Tup(p) for p in itertools.permutations(elems))


def seq_mod(a, b):
    return b if a % b == 0 else a % b


# --------------------------------------------------------------------------- Functions


def fn_range(f):
    if type(f) is Tup:
        return FSet(f)
    return FSet(_graph(f, "Range").values())


def fn_restrict(f, s):
    from conformance.tla.ops import apply as _apply

    return make_fn({k: _apply(f, k) for k in ordered(as_fset(s))})


def fn_restrict_domain(f, p):
    m = _graph(f, "RestrictDomain")
    return make_fn({k: v for k, v in m.items() if _truth(p(k), "RestrictDomain")})


def fn_restrict_values(f, p):
    m = _graph(f, "RestrictValues")
    return make_fn({k: v for k, v in m.items() if _truth(p(v), "RestrictValues")})


def is_injective(f):
    vals = list(_graph(f, "IsInjective").values())
    return len(set(vals)) == len(vals)


def is_surjective(f, s, t):
    m = _graph(f, "IsSurjective")
    return all(member(y, FSet(m.values())) for y in as_fset(t)) if True else False


def is_bijection(f, s, t):
    return is_injective(f) and is_surjective(f, s, t)


def _fns(s, t):
    return list(FunctionSet(as_fset(s), as_fset(t)))


def injections(s, t):
    return FSet(f for f in _fns(s, t) if is_injective(f))


def surjections(s, t):
    return FSet(f for f in _fns(s, t) if is_surjective(f, s, t))


def bijections(s, t):
    return FSet(f for f in _fns(s, t) if is_injective(f) and is_surjective(f, s, t))


def exists_injection(s, t):
    return set_size(s) <= set_size(t)


def exists_surjection(s, t):
    return set_size(s) >= set_size(t) and (set_size(t) > 0 or set_size(s) == 0)


def exists_bijection(s, t):
    return set_size(s) == set_size(t)


def inverse(f, s, t):
    m = _graph(f, "Inverse")
    out = {}
    for y in ordered(as_fset(t)):
        for x in ordered(as_fset(s)):
            if x in m and m[x] == y:
                out[y] = x
                break
        else:
            dom = ordered(as_fset(s))
            if dom:
                out[y] = dom[0]
    return make_fn(out)


def fold_function(op, base, f):
    m = _graph(f, "FoldFunction")
    acc = base
    for k in reversed(ordered(FSet(m))):
        acc = op(m[k], acc)
    return acc


def fold_function_on_set(op, base, f, s):
    m = _graph(f, "FoldFunctionOnSet")
    acc = base
    for k in reversed(ordered(as_fset(s))):
        if k not in m:
            raise EvalError(f"FoldFunctionOnSet: {_ppr(k)} is not in the domain of the "
                            "function.")
        acc = op(m[k], acc)
    return acc


def pointwise(f, g, op):
    fm, gm = _graph(f, "Pointwise"), _graph(g, "Pointwise")
    return make_fn({k: op(v, gm[k]) for k, v in fm.items()})


def is_restriction(narrow, wide):
    nm, wm = _graph(narrow, "IsRestriction"), _graph(wide, "IsRestriction")
    return all(k in wm and wm[k] == v for k, v in nm.items())


def anti_function(f):
    m = _graph(f, "AntiFunction")
    return make_fn({v: k for k, v in m.items()})


# --------------------------------------------------------------------------- Relation


def transitive_closure(r):
    pairs = set()
    for p in as_fset(r):
        if type(p) is not Tup or len(p) != 2:
            raise EvalError("Attempted to apply TransitiveClosure to a set containing\nthe "
                            f"following value:\n{_ppr(p)}")
        pairs.add((p[0], p[1]))
    changed = True
    while changed:
        changed = False
        for a, b in list(pairs):
            for c, d in list(pairs):
                if b == c and (a, d) not in pairs:
                    pairs.add((a, d))
                    changed = True
    return FSet(Tup(p) for p in pairs)


# --------------------------------------------------------------------------- UndirectedGraphs


def _graph_parts(g, op: str):
    if type(g) is not Fn or set(g.map) != {"node", "edge"}:
        raise EvalError(f"The argument of {op} should be a graph [node |-> ..., edge |-> ...],"
                        f" but instead it is:\n{_ppr(g)}")
    return as_fset(g.map["node"]), as_fset(g.map["edge"])


def _is_graph(g, loop_free: bool) -> bool:
    if type(g) is not Fn or set(g.map) != {"node", "edge"}:
        return False
    nodes, edges = _graph_parts(g, "IsUndirectedGraph")
    for e in edges:
        if not is_set(e):
            return False
        es = as_fset(e)
        if not es or len(es) > 2 or not all(x in nodes for x in es):
            return False
        if loop_free and len(es) != 2:
            return False
    return True


def connected_components(g):
    nodes, edges = _graph_parts(g, "ConnectedComponents")
    comp = {n: FSet((n,)) for n in nodes}
    for e in ordered(edges):
        es = list(as_fset(e))
        a, b = es[0], es[-1]
        if comp[a] is not comp[b]:
            merged = FSet(comp[a] | comp[b])
            for n in merged:
                comp[n] = merged
    return FSet(comp.values())


def undirected_subgraphs(g):
    nodes, edges = _graph_parts(g, "UndirectedSubgraph")
    out = []
    for ns in Powerset(nodes):
        for es in Powerset(edges):
            h = Fn({"node": ns, "edge": es})
            if _is_graph(h, False):
                out.append(h)
    return FSet(out)


def simple_paths(g):
    nodes, edges = _graph_parts(g, "SimplePath")
    out = []
    elems = ordered(nodes)
    for k in range(1, len(elems) + 1):
        for p in itertools.permutations(elems, k):
            if all(FSet((p[i], p[i + 1])) in edges for i in range(k - 1)):
                out.append(Tup(p))
    return FSet(out)


# --------------------------------------------------------------------------- Bitwise


def _nat(v, op):
    if type(v) is not int or v < 0:
        raise EvalError(f"The argument of {op} should be a natural number, but instead it is:"
                        f"\n{_ppr(v)}")
    return v


def bit_not(a):
    a = _nat(a, "Not")
    return a ^ ((1 << a.bit_length()) - 1)


# --------------------------------------------------------------------------- IOUtils


def io_env():
    import os

    return Fn({k: v for k, v in os.environ.items()}) if os.environ else Tup()


def atoi(s):
    if type(s) is not str:
        raise _fail_arg("first", "atoi", "string", s)
    try:
        return int(s)
    except ValueError:
        raise EvalError(f"atoi: {_ppr(s)} is not a number")


def _unsupported_io(name):
    def f(*args):
        raise EvalError(f"{name} (reading, writing or running outside the model) is not "
                        "supported by the embedded engine.")
    return f


# --------------------------------------------------------------------------- registry


def _n(arity, fn, **kw) -> Native:
    return Native(arity, fn, **kw)


def _const(v):
    return Native(0, lambda: v)


NATIVE_MODULES: dict[str, dict[str, Native]] = {
    "Naturals": {
        "Nat": _const(NAT), "+": _n(2, plus), "-": _n(2, minus), "*": _n(2, times),
        "^": _n(2, power), "<": _n(2, _cmp("<")), ">": _n(2, _cmp(">")),
        "\\leq": _n(2, _cmp("\\leq")), "\\geq": _n(2, _cmp("\\geq")), "%": _n(2, mod),
        "\\div": _n(2, div), "..": _n(2, interval),
    },
    "Integers": {"Int": _const(INT), "-.": _n(1, uminus)},
    "Reals": {"Real": _const(REAL),
              "/": _n(2, lambda a, b: (_ for _ in ()).throw(
                  EvalError("TLC does not support real numbers (/)."))),
              "Infinity": _const(10 ** 18)},
    "Sequences": {
        "Seq": _n(1, SeqSet), "Len": _n(1, seq_len), "\\o": _n(2, concat),
        "Append": _n(2, append), "Head": _n(1, head), "Tail": _n(1, tail),
        "SubSeq": _n(3, subseq), "SelectSeq": _n(2, select_seq, op_args=(1,)),
    },
    "FiniteSets": {"IsFiniteSet": _n(1, is_finite_set), "Cardinality": _n(1, cardinality)},
    "Bags": {
        "IsABag": _n(1, is_a_bag), "BagToSet": _n(1, bag_to_set),
        "SetToBag": _n(1, set_to_bag), "BagIn": _n(2, bag_in), "EmptyBag": _const(Tup()),
        "\\oplus": _n(2, bag_plus), "\\ominus": _n(2, bag_minus),
        "BagUnion": _n(1, bag_union), "\\sqsubseteq": _n(2, bag_subseteq),
        "SubBag": _n(1, sub_bag), "BagOfAll": _n(2, bag_of_all, op_args=(0,)),
        "BagCardinality": _n(1, bag_cardinality), "CopiesIn": _n(2, copies_in),
    },
    "TLC": {
        ":>": _n(2, colon_gt), "@@": _n(2, at_at),
        "Print": _n(2, tlc_print, impure=True, runtime=True),
        "PrintT": _n(1, tlc_printt, impure=True, runtime=True),
        "Assert": _n(2, tlc_assert), "JavaTime": _n(0, java_time, impure=True),
        "TLCGet": _n(1, tlc_get, impure=True, runtime=True, state_level=True),
        "TLCSet": _n(2, tlc_set, impure=True, runtime=True),
        "Permutations": _n(1, permutations), "SortSeq": _n(2, sort_seq, op_args=(1,)),
        "RandomElement": _n(1, random_element, impure=True, runtime=True),
        "Any": _const(ANY), "ToString": _n(1, to_string), "TLCEval": _n(1, lambda v: v),
    },
    "TLCExt": {
        "AssertEq": _n(2, assert_eq), "TLCModelValue": _n(1, tlc_model_value),
        "TLCNoOp": _n(1, lambda v: v), "TLCCache": _n(2, lambda v, _closure: v),
        "TLCDefer": _n(1, lambda v: True),
    },
    "Randomization": {
        "RandomSubset": _n(2, lambda k, s: FSet(random.sample(list(ordered(as_fset(s))), k)),
                           impure=True),
        "RandomSetOfSubsets": _n(3, lambda k, n, s: FSet(), impure=True),
    },
    "SequencesExt": {
        "SetToSeq": _n(1, set_to_seq), "SetToSortSeq": _n(2, set_to_sort_seq, op_args=(1,)),
        "ToSet": _n(1, to_set), "Reverse": _n(1, reverse), "Remove": _n(2, seq_remove),
        "ReplaceAll": _n(3, replace_all), "InsertAt": _n(3, insert_at),
        "RemoveAt": _n(2, remove_at), "ReplaceAt": _n(3, replace_at), "Cons": _n(2, cons),
        "Front": _n(1, front), "Last": _n(1, last), "IsPrefix": _n(2, is_prefix),
        "IsStrictPrefix": _n(2, is_strict_prefix), "IsSuffix": _n(2, is_suffix),
        "IsStrictSuffix": _n(2, is_strict_suffix), "Contains": _n(2, contains),
        "Indices": _n(1, indices), "FoldLeft": _n(3, fold_left, op_args=(0,)),
        "FoldRight": _n(3, fold_right, op_args=(0,)), "FoldSeq": _n(3, fold_seq, op_args=(0,)),
        "FlattenSeq": _n(1, flatten_seq), "Zip": _n(2, zip_seqs),
        "BoundedSeq": _n(2, bounded_seq), "SeqOf": _n(2, seq_of), "TupleOf": _n(2, tuple_of),
        "SelectInSeq": _n(2, select_in_seq, op_args=(1,)),
        "SelectLastInSeq": _n(2, select_last_in_seq, op_args=(1,)),
        "Prefixes": _n(1, prefixes), "Suffixes": _n(1, suffixes),
        "AllSubSeqs": _n(1, subseqs_all), "LongestCommonPrefix": _n(1, longest_common_prefix),
        "Snoc": _n(2, snoc), "RemoveFirst": _n(2, remove_first),
        "RemoveFirstMatch": _n(2, remove_first_match, op_args=(1,)),
        "SetToSeqs": _n(1, set_to_seqs), "SetToAllKPermutations": _n(1, set_to_seqs),
        "SeqMod": _n(2, seq_mod),
        "FoldLeftDomain": _n(3, lambda op, base, s: fold_left(
            op, base, Tup(range(1, len(_seq(s, "FoldLeftDomain")) + 1))), op_args=(0,)),
        "FoldRightDomain": _n(3, lambda op, s, base: fold_right(
            op, Tup(range(1, len(_seq(s, "FoldRightDomain")) + 1)), base), op_args=(0,)),
    },
    "FiniteSetsExt": {
        "FoldSet": _n(3, fold_set, op_args=(0,)), "SumSet": _n(1, sum_set),
        "ProductSet": _n(1, product_set), "Max": _n(1, set_max), "Min": _n(1, set_min),
        "Quantify": _n(2, quantify, op_args=(1,)), "kSubset": _n(2, k_subset),
        "MapThenFoldSet": _n(5, map_then_fold_set, op_args=(0, 2, 3)),
        "SymDiff": _n(2, symmetric_difference), "ReduceSet": _n(3, reduce_set, op_args=(0,)),
        "MapThenSumSet": _n(2, lambda op, s: sum_set(FSet(op(x) for x in as_fset(s))),
                            op_args=(0,)),
        "FlattenSet": _n(1, flatten_set), "ChooseUnique": _n(2, choose_unique, op_args=(1,)),
    },
    "Folds": {"MapThenFoldSet": _n(5, map_then_fold_set, op_args=(0, 2, 3))},
    "Functions": {
        "Range": _n(1, fn_range), "Restrict": _n(2, fn_restrict),
        "RestrictDomain": _n(2, fn_restrict_domain, op_args=(1,)),
        "RestrictValues": _n(2, fn_restrict_values, op_args=(1,)),
        "IsInjective": _n(1, is_injective), "IsSurjective": _n(3, is_surjective),
        "IsBijection": _n(3, is_bijection), "Injection": _n(2, injections),
        "Surjection": _n(2, surjections), "Bijection": _n(2, bijections),
        "ExistsInjection": _n(2, exists_injection), "ExistsSurjection": _n(2, exists_surjection),
        "ExistsBijection": _n(2, exists_bijection), "Inverse": _n(3, inverse),
        "FoldFunction": _n(3, fold_function, op_args=(0,)),
        "FoldFunctionOnSet": _n(4, fold_function_on_set, op_args=(0,)),
        "AntiFunction": _n(1, anti_function), "Pointwise": _n(3, pointwise, op_args=(2,)),
        "IsRestriction": _n(2, is_restriction),
    },
    "Relation": {"TransitiveClosure": _n(1, transitive_closure)},
    "UndirectedGraphs": {
        "IsUndirectedGraph": _n(1, lambda g: _is_graph(g, False)),
        "IsLoopFreeUndirectedGraph": _n(1, lambda g: _is_graph(g, True)),
        "UndirectedSubgraph": _n(1, undirected_subgraphs),
        "SimplePath": _n(1, simple_paths),
        "ConnectedComponents": _n(1, connected_components),
        "AreConnectedIn": _n(3, lambda m, n, g: any(m in c and n in c for c in
                                                     connected_components(g))),
        "IsStronglyConnected": _n(1, lambda g: len(connected_components(g)) == 1),
    },
    "Bitwise": {
        "&": _n(2, lambda a, b: _nat(a, "&") & _nat(b, "&")),
        "|": _n(2, lambda a, b: _nat(a, "|") | _nat(b, "|")),
        "^^": _n(2, lambda a, b: _nat(a, "^^") ^ _nat(b, "^^")),
        "Not": _n(1, bit_not),
        "shiftR": _n(2, lambda n, pos: _nat(n, "shiftR") >> _nat(pos, "shiftR")),
    },
    "IOUtils": {
        "IOEnv": _n(0, io_env, impure=True), "atoi": _n(1, atoi),
        "IOExec": _n(1, _unsupported_io("IOExec"), impure=True),
        "IOEnvExec": _n(2, _unsupported_io("IOEnvExec"), impure=True),
        "IOExecTemplate": _n(2, _unsupported_io("IOExecTemplate"), impure=True),
        "IOEnvExecTemplate": _n(3, _unsupported_io("IOEnvExecTemplate"), impure=True),
        "IOSerialize": _n(3, _unsupported_io("IOSerialize"), impure=True),
        "IODeserialize": _n(2, _unsupported_io("IODeserialize"), impure=True),
        "Serialize": _n(3, _unsupported_io("Serialize"), impure=True),
        "Deserialize": _n(2, _unsupported_io("Deserialize"), impure=True),
    },
    "TransitiveClosure": {"TransitiveClosure": _n(1, transitive_closure)},
}

# modules whose native version extends others (as their TLA+ text would)
NATIVE_EXTENDS: dict[str, tuple[str, ...]] = {
    "Integers": ("Naturals",),
    "Reals": ("Integers",),
    "FiniteSetsExt": ("Folds", "Functions"),
}

from conformance.tla.tlabagsext import MODULES as _BAGSEXT_MODULES  # noqa: E402
from conformance.tla.tlajson import MODULES as _JSON_MODULES  # noqa: E402

NATIVE_MODULES.update(_JSON_MODULES)
NATIVE_MODULES.update(_BAGSEXT_MODULES)
from conformance.tla.tlavectorclocks import MODULES as _VC  # noqa: E402

NATIVE_MODULES.update(_VC)
NATIVE_EXTENDS["VectorClocks"] = ("Naturals", "Sequences", "Functions")
from conformance.tla.tlaseqext import MODULES as _SEQEXT  # noqa: E402

NATIVE_MODULES["SequencesExt"].update(_SEQEXT["SequencesExt"])

for _ops in NATIVE_MODULES.values():
    for _opname, _native in list(_ops.items()):
        object.__setattr__(_native, "name", _opname)


def describe(v: Value) -> str:
    return f"{value_kind(v)} {_ppr(v)}"


__all__ = ["Native", "Runtime", "NATIVE_MODULES", "NATIVE_EXTENDS", "ANY", "Powerset",
           "STRING", "order_key", "to_tla"]
