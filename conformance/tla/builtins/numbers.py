"""Naturals, Integers, Reals, Bitwise and DyadicRationals: TLC's integer arithmetic (Reals is
refused, as TLC refuses it), and the community module's dyadic rationals (records
``[num |-> n, den |-> 2^k]``) as its TLA+ definitions and TLC's override of Reduce compute
them."""

from __future__ import annotations

import math

from conformance.tla.builtins.native import Native, const, fail_arg, need_int, op, ppr
from conformance.tla.errors import EvalError
from conformance.tla.lazy import INT, NAT, REAL, Interval
from conformance.values import Fn

# TLC's integers are Java ints: a result outside them is an overflow error, not a big number
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


def _overflow(a, op: str, b) -> EvalError:
    return EvalError(f"Overflow when computing {a}{op}{b}")

# --------------------------------------------------------------------------- Naturals


def plus(a, b):
    if type(a) is int and type(b) is int:
        r = a + b
        if INT_MIN <= r <= INT_MAX:
            return r
        raise _overflow(a, "+", b)
    raise fail_arg("first" if type(a) is not int else "second", "+", "integer",
                    a if type(a) is not int else b)


def minus(a, b):
    if type(a) is int and type(b) is int:
        r = a - b
        if INT_MIN <= r <= INT_MAX:
            return r
        raise _overflow(a, "-", b)
    raise fail_arg("first" if type(a) is not int else "second", "-", "integer",
                    a if type(a) is not int else b)


def times(a, b):
    if type(a) is int and type(b) is int:
        r = a * b
        if INT_MIN <= r <= INT_MAX:
            return r
        raise _overflow(a, "*", b)
    raise fail_arg("first" if type(a) is not int else "second", "*", "integer",
                    a if type(a) is not int else b)


# (Python's operator, the result checked against TLC's integers: compile/intops.py)
plus.in_line = ("+", True)  # type: ignore[attr-defined]
minus.in_line = ("-", True)  # type: ignore[attr-defined]
times.in_line = ("*", True)  # type: ignore[attr-defined]


def power(a, b):
    need_int(a, "first", "^")
    if type(b) is not int or b < 0:
        raise fail_arg("second", "^", "natural number", b)
    if a == 0 and b == 0:
        raise EvalError("0^0 is undefined.")
    if abs(a) > 1 and b > 32:  # |a|^b past 2^32: overflow without computing it
        raise _overflow(a, "^", b)
    r = a ** b
    if INT_MIN <= r <= INT_MAX:
        return r
    raise _overflow(a, "^", b)


def _cmp(name):
    import operator

    op = {"<": operator.lt, ">": operator.gt, "\\leq": operator.le, "\\geq": operator.ge}[name]

    def f(a, b):
        if type(a) is int and type(b) is int:
            return op(a, b)
        bad, which = (a, "first") if type(a) is not int else (b, "second")
        raise fail_arg(which, name.lstrip("\\"), "integer", bad)
    # (Python's operator, the result unchecked: compile/intops.py compares in line)
    symbol = {"<": "<", ">": ">", "\\leq": "<=", "\\geq": ">="}[name]
    f.in_line = (symbol, False)  # type: ignore[attr-defined]
    return f


def mod(a, b):
    need_int(a, "first", "%")
    if type(b) is not int or b <= 0:
        raise fail_arg("second", "%", "positive number", b)
    return a % b


def div(a, b):
    need_int(a, "first", "\\div")
    need_int(b, "second", "\\div")
    if b == 0:
        raise EvalError("The second argument of \\div is 0.")
    return a // b


def interval(a, b):
    need_int(a, "first", "..")
    need_int(b, "second", "..")
    return Interval(a, b)


def uminus(a):
    need_int(a, "first", "-")
    if a == INT_MIN:
        raise EvalError(f"Overflow when computing -{a}")
    return -a



# --------------------------------------------------------------------------- Bitwise


def _nat(v, op):
    if type(v) is not int or v < 0:
        raise EvalError(f"The argument of {op} should be a natural number, but instead it is:"
                        f"\n{ppr(v)}")
    return v


def bit_not(a):
    a = _nat(a, "Not")
    return a ^ ((1 << a.bit_length()) - 1)



# --------------------------------------------------------------------------- DyadicRationals


def _rational(num, den) -> Fn:
    return Fn({"num": num, "den": den})


ZERO, ONE = _rational(0, 1), _rational(1, 1)


def _part(r, name: str) -> int:
    if type(r) is not Fn:
        raise EvalError(f'Attempted to select field "{name}" from a non-record value:\n'
                        f"{ppr(r)}")
    v = r.map.get(name)
    if v is None:
        raise EvalError(f'Attempted to select nonexistent field "{name}" from the record\n'
                        f"{ppr(r)}")
    if type(v) is not int:
        raise EvalError(f"The {name} of a dyadic rational should be an integer, but instead "
                        f"it is:\n{ppr(v)}")
    return v


def _reduce(num: int, den: int) -> Fn:
    """TLC's override of the module's LOCAL Reduce: the fraction in lowest terms."""
    gcd = math.gcd(num, den)
    if gcd in (0, 1):
        return _rational(num, den)
    return _rational(num // gcd, den // gcd)


def dyadic_add(p, q):
    if p == ZERO:
        return q
    pn, pd, qn, qd = _part(p, "num"), _part(p, "den"), _part(q, "num"), _part(q, "den")
    lcn = max(pd, qd)  # the module's shortcut: one denominator divides the other
    qn = times(qn, div(lcn, qd))
    pn = times(pn, div(lcn, pd))
    return _reduce(plus(qn, pn), lcn)


def dyadic_half(p):
    return _reduce(_part(p, "num"), times(_part(p, "den"), 2))


def is_dyadic(r) -> bool:
    den = _part(r, "den")
    return den >= 1 and den & (den - 1) == 0


def dyadic_pretty(p) -> str:
    if p == ZERO:
        return "0"
    if p == ONE:
        return "1"
    return f"{ppr(_part(p, 'num'))}/{ppr(_part(p, 'den'))}"


MODULES: dict[str, dict[str, Native]] = {
    "Naturals": {
        "Nat": const(NAT), "+": op(2, plus), "-": op(2, minus), "*": op(2, times),
        "^": op(2, power), "<": op(2, _cmp("<")), ">": op(2, _cmp(">")),
        "\\leq": op(2, _cmp("\\leq")), "\\geq": op(2, _cmp("\\geq")), "%": op(2, mod),
        "\\div": op(2, div), "..": op(2, interval),
    },
    "Integers": {"Int": const(INT), "-.": op(1, uminus)},
    "Reals": {"Real": const(REAL),
              "/": op(2, lambda a, b: (_ for _ in ()).throw(
                  EvalError("TLC does not support real numbers (/)."))),
              "Infinity": const(10 ** 18)},
    "Bitwise": {
        "&": op(2, lambda a, b: _nat(a, "&") & _nat(b, "&")),
        "|": op(2, lambda a, b: _nat(a, "|") | _nat(b, "|")),
        "^^": op(2, lambda a, b: _nat(a, "^^") ^ _nat(b, "^^")),
        "Not": op(1, bit_not),
        "shiftR": op(2, lambda n, pos: _nat(n, "shiftR") >> _nat(pos, "shiftR")),
    },
    "DyadicRationals": {
        "Zero": const(ZERO), "One": const(ONE), "Add": op(2, dyadic_add),
        "Half": op(1, dyadic_half), "IsDyadicRational": op(1, is_dyadic),
        "PrettyPrint": op(1, dyadic_pretty),
    },
}
