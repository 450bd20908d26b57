"""Naturals, Integers, Reals and Bitwise: TLC's integer arithmetic (Reals is refused, as
TLC refuses it)."""

from __future__ import annotations

from conformance.tla.builtins.native import Native, const, fail_arg, need_int, op, ppr
from conformance.tla.errors import EvalError
from conformance.tla.lazy import INT, NAT, REAL, Interval

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
}
