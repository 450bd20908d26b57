"""Boolean connectives that work on Python values and on Z3 expressions alike.

The safety predicates of the implementations (quorums, the election restriction) are written
with these instead of ``and``/``or``/``if``, so that ``conformance/smt`` can call the very
same functions on Z3 symbolic values and prove facts about them. On plain Python values they
cost a function call and return ``bool``.
"""

from __future__ import annotations

from typing import Any


def _is_symbolic(*xs: Any) -> bool:
    for x in xs:
        if type(x) is not bool and type(x).__module__.startswith("z3"):
            return True
    return False


def And(*xs: Any) -> Any:
    if _is_symbolic(*xs):
        import z3

        return z3.And(*xs)
    return all(xs)


def Or(*xs: Any) -> Any:
    if _is_symbolic(*xs):
        import z3

        return z3.Or(*xs)
    return any(xs)


def Not(x: Any) -> Any:
    if _is_symbolic(x):
        import z3

        return z3.Not(x)
    return not x


def If(cond: Any, then: Any, other: Any) -> Any:
    if type(cond) is bool:  # the node cores' case, and right for Z3 branches too
        return then if cond else other
    if _is_symbolic(cond, then, other):
        import z3

        return z3.If(cond, then, other)
    return then if cond else other


def count(flags: Any) -> Any:
    """How many of the flags hold: an int, or a Z3 integer term."""
    total: Any = 0
    for f in flags:
        if f is True:
            total += 1
        elif f is not False:
            total = total + If(f, 1, 0)
    return total
