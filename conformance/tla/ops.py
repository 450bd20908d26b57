"""Operations on values that compiled code calls: TLA+'s built-in operators.

Fast paths first (the common, well-typed case runs a type test and one Python operation),
TLC's error messages where TLC reports an error (comparing an integer with a string,
applying a function outside its domain, ...).
"""

from __future__ import annotations

from itertools import compress
from typing import Any

from conformance.tla.errors import EvalError
from conformance.tla.lazy import (
    Combined,
    LazyFn,
    LazySet,
    Powerset,
    Union,
    any_order,
    as_fset,
    is_finite,
    is_set,
    member,
    ordered,
    to_tla_any,
    value_kind,
)
from conformance.values import (
    Fn,
    FSet,
    ModelValue,
    Tup,
    is_record,
    kind_clash,
    make_fn,
    order_key,
    same_value,
)

Value = Any

_FUNCS = (Tup, Fn)


def _ppr(v):
    return to_tla_any(v)


# --------------------------------------------------------------------------- equality


def _comparable(a, b) -> bool:
    ta, tb = type(a), type(b)
    if ta is tb:
        return True
    if ta is ModelValue or tb is ModelValue:
        mv = a if ta is ModelValue else b
        return mv.typ is None or (ta is tb)
    if is_set(a) and is_set(b):
        return True
    if (ta in _FUNCS or isinstance(a, LazyFn)) and (tb in _FUNCS or isinstance(b, LazyFn)):
        return True
    return False


DEEP = (Fn, Tup, FSet)  # kinds whose parts Python may equate wrongly (1 with TRUE)


def eq(a, b) -> bool:
    """``a = b``, failing as TLC does when the values are of incomparable kinds."""
    if a == b:
        if (type(a) is bool) is (type(b) is bool):
            if type(a) in DEEP and a is not b:
                _deep_clash(a, b)
            return True
        # Python's 0 == FALSE: TLA+ compares no integer with a boolean
    elif type(a) is type(b):
        if type(a) is ModelValue and a.typ and b.typ and a.typ != b.typ:
            raise EvalError("Attempted to check equality of the differently-typed model "
                            f"values {a.name} and {b.name}")
        return False
    if type(a) is not type(b) and not _comparable(a, b):
        verb = "compare" if type(a) is bool else "check"  # TLC's words
        raise EvalError(f"Attempted to {verb} equality of {value_kind(a)} {_ppr(a)} with "
                        f"non-{value_kind(a)}:\n{_ppr(b)}")
    if type(a) is Fn and type(b) is Tup or type(a) is Tup and type(b) is Fn:
        _sequence_clash(a, b)
    return False


def _sequence_clash(a, b) -> None:
    """TLC's rules for a function compared with a sequence: a record never equals one (an
    error); a function with as many elements as the sequence has, but a domain that is not
    all integers (``TRUE :> x``, ``"a" :> x``), stops the comparison at its first element
    that is not an integer."""
    fn = a if type(a) is Fn else b
    if fn is a and is_record(fn):
        raise EvalError(f"Attempted to check equality of record:\n{_ppr(a)}\n"
                        f"with non-record\n{_ppr(b)}")
    if len(fn.map) != len(b if fn is a else a):
        return
    others = [k for k in fn.map if type(k) is not int]
    if others:
        first = min(others, key=order_key)
        raise EvalError(f"Attempted to compare an integer with non-integer:\n{_ppr(first)}.")


def _deep_clash(a, b) -> None:
    """Fail as TLC does for ``a = b`` when Python equates ``a`` and ``b`` but they are not one
    TLA+ value: TLC stops at the first integer it compares with a boolean inside them.
    Sets that cannot be enumerated (``{Int}``) are taken as Python compared them."""
    try:
        if same_value(a, b):
            return
    except EvalError:
        return
    pair = kind_clash(a, b)
    if pair is not None:
        eq(*pair)


def neq(a, b) -> bool:
    return not eq(a, b)


# --------------------------------------------------------------------------- booleans


def need_bool(v, what: str) -> bool:
    if v is True or v is False:
        return v
    raise EvalError(f"A non-boolean expression ({value_kind(v)}) was used as {what}:\n"
                    f"{_ppr(v)}")


# --------------------------------------------------------------------------- sets


def in_(x, s) -> bool:
    return member(x, s)


def subseteq(a, b) -> bool:
    if type(a) is FSet and type(b) is FSet:
        return a <= b
    if type(a) is Powerset and type(b) is Powerset:
        return subseteq(a.base, b.base)
    if not is_set(a):
        raise EvalError(f"Attempted to evaluate an expression of form S \\subseteq T, but S "
                        f"was not a set:\n{_ppr(a)}")
    if not is_set(b):
        raise EvalError(f"Attempted to evaluate an expression of form S \\subseteq T, but T "
                        f"was not a set:\n{_ppr(b)}")
    if type(a) is FSet and not hasattr(a, "_ordered"):
        # S in any order, without sorting it: when every element is in T the answer is
        # TRUE whatever the order; only a FALSE (or an error) depends on TLC's order, so
        # then S is gone through again in that order (TypeOK's DOMAIN msgs \subseteq
        # Message is a new set in every state of a trace). The elements of the last S
        # found in this T are taken as in it: only the new ones are tested.
        held = _held_in.get(id(b))
        try:
            if held is not None and held[0] is b:
                if held[1] is a:
                    return True
                # the elements not held before, picked out at C speed (S grows to
                # thousands: a long run's committed entries)
                ids = frozenset(map(id, a))
                fresh = ids - held[2]
                if all(member(x, b) for x in compress(a, map(fresh.__contains__,
                                                             map(id, a)))):
                    _remember_held(a, b, ids)
                    return True
            elif all(member(x, b) for x in a):
                _remember_held(a, b, frozenset(map(id, a)))
                return True
        except EvalError:
            pass
    for x in ordered(a):
        if not member(x, b):
            return False
    return True


# For each T (by id, the set itself kept so that the id stays its own): the last S found
# to be a subset of T, and the ids of its elements (kept alive by S, so no other object
# has them). The same object again in the same T is in it again: a set is a value, and
# membership does not depend on anything else. A state's set usually shares most of its
# elements with the state before (an action adds or removes a few): those are not tested
# again. Identity, not equality: Python's equality would take [g |-> 1] for [g |-> TRUE].
_held_in: dict[int, tuple[Any, FSet, frozenset[int]]] = {}
_HELD_LIMIT = 64


def _remember_held(a: FSet, b: Any, ids: frozenset[int]) -> None:
    if len(_held_in) >= _HELD_LIMIT and id(b) not in _held_in:
        _held_in.clear()
    _held_in[id(b)] = (b, a, ids)


def _need_set(v, op: str, which: str):
    if not is_set(v):
        raise EvalError(f"Attempted to evaluate an expression of form {op}, but {which} was "
                        f"not a set:\n{_ppr(v)}")


def cup(a, b):
    if type(a) is FSet and type(b) is FSet:
        if not b:
            return a
        if not a:
            return b
        if b <= a:  # nothing new (a message sent again): a itself, its hashes cached
            return a
        return FSet(a | b)
    _need_set(a, "S \\union T", "S")
    _need_set(b, "S \\union T", "T")
    if is_finite(a) and is_finite(b):
        return FSet(as_fset(a) | as_fset(b))
    return Combined("\\cup", a, b)


def cap(a, b):
    if type(a) is FSet and type(b) is FSet:
        return FSet(a & b)
    _need_set(a, "S \\cap T", "S")
    _need_set(b, "S \\cap T", "T")
    if is_finite(a):
        return FSet(x for x in ordered(a) if member(x, b))
    if is_finite(b):
        return FSet(x for x in ordered(b) if member(x, a))
    return Combined("\\cap", a, b)


def setminus(a, b):
    if type(a) is FSet and type(b) is FSet:
        return FSet(a - b)
    _need_set(a, "S \\ T", "S")
    _need_set(b, "S \\ T", "T")
    if is_finite(a):
        return FSet(x for x in ordered(a) if not member(x, b))
    return Combined("\\", a, b)


def subset(s):
    _need_set(s, "SUBSET S", "S")
    return Powerset(s)


def union(s):
    _need_set(s, "UNION S", "S")
    out: set = set()
    try:
        for x in any_order(s):
            if not is_set(x) or not is_finite(x):
                break
            out.update(as_fset(x))
        else:
            return FSet(out)
    except EvalError:
        pass
    # one element needs no order (TLC sorts, and so compares, only two or more)
    parts = tuple(s) if type(s) is FSet and len(s) == 1 else tuple(ordered(s))
    for x in parts:  # report what TLC meets first
        if not is_set(x):
            _not_a_set(x)
    if any(not is_finite(x) for x in parts):
        return Union(parts)  # UNION {[D -> Int]}: members are tested, never enumerated
    for x in parts:
        as_fset(x)
    raise AssertionError("unreachable")


def _not_a_set(x):
    raise EvalError(f"Attempted to compute UNION of a set containing the non-set {_ppr(x)}")


# --------------------------------------------------------------------------- functions


def apply(f, x):
    """``f[x]``."""
    t = type(f)
    if t is Tup:
        if type(x) is int and 0 < x <= len(f):
            return f[x - 1]
    elif t is Fn:
        try:
            return f.map[x]
        except KeyError:
            pass
        except TypeError:
            pass
    elif isinstance(f, LazyFn):
        return f.apply(x)
    elif t is str and type(x) is int and 0 < x <= len(f):
        return f[x - 1]
    else:
        raise EvalError(f"A non-function ({value_kind(f)}) was applied as a function.\n"
                        f"{_ppr(f)}")
    raise EvalError(f"Attempted to apply function:\n{_ppr(f)}\nto argument {_ppr(x)}, "
                    "which is not in the domain of the function.")


def field(r, name: str):
    """``r.name``."""
    if type(r) is Fn:
        try:
            return r.map[name]
        except KeyError:
            pass
        raise EvalError(f"Attempted to access nonexistent field '{name}' of record\n"
                        f"{_ppr(r)}")
    if isinstance(r, LazyFn):
        return r.apply(name)
    raise EvalError(f"Attempted to access field '{name}' of a non-record value:\n{_ppr(r)}")


def domain(f):
    t = type(f)
    if t is Tup:
        from conformance.tla.lazy import Interval

        return Interval(1, len(f))
    if t is Fn:
        return FSet(f.map)
    if isinstance(f, LazyFn):
        return f.domain
    if t is str:
        from conformance.tla.lazy import Interval

        return Interval(1, len(f))
    raise EvalError(f"Attempted to apply DOMAIN to a non-function ({value_kind(f)}):\n"
                    f"{_ppr(f)}")


def except_update(f, key, newval_fn):
    """``[f EXCEPT ![key] = newval_fn(old)]``; a key outside the domain changes nothing."""
    t = type(f)
    if t is Fn:
        m = f.map
        if key in m:
            d = dict(m)
            d[key] = newval_fn(m[key])
            return Fn(d)
        return f
    if t is Tup:
        if type(key) is int and 0 < key <= len(f):
            lst = list(f)
            lst[key - 1] = newval_fn(f[key - 1])
            return Tup(lst)
        return f
    if isinstance(f, LazyFn):
        if not is_finite(f.domain):
            return f.excepted(key, newval_fn)
        return except_update(f.materialize(), key, newval_fn)
    raise EvalError(f"Attempted to apply EXCEPT to a non-function:\n{_ppr(f)}")


def make_function(keys, values) -> Value:
    return make_fn(dict(zip(keys, values, strict=True)))


def is_lazy(v) -> bool:
    return isinstance(v, (LazySet, LazyFn))
