"""Integer comparisons and arithmetic (``m.term > currentTerm[i]``, ``Len(lg) + 1``)
compiled into one generated function.

Compiled as any native call, ``a < b`` costs a call for the call, one for the operator and
one for each operand; a spec compares and adds integers at every step. Here the operands
that are bound variables, state variables or constants are read in line (as paths.py reads
them), both integers are compared or added in line, and anything else (an operand that is
no integer, a sum past TLC's 32-bit integers) goes to the operator's own function, for its
value or its error. The operands are evaluated in order, and an error in either gets the
operator's position, as the native call gives them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance.tla.compile.code import Code, wrap_error
from conformance.tla.compile.paths import generated, read_in_line

INT_MIN, INT_MAX = -(2**31), 2**31 - 1


def in_line(f: Callable, codes: list[Code], loc) -> Callable | None:
    """One function computing ``f`` of the two ``codes``, or None when ``f`` is no integer
    operator (one marked with ``in_line``: its Python operator, and whether the result must
    be checked for overflow)."""
    mark = getattr(f, "in_line", None)
    if mark is None or len(codes) != 2:
        return None
    symbol, checked = mark
    args: dict[str, Any] = {"f": f, "L": loc, "wrap_error": wrap_error}
    lines = ["    try:",
             f"        x = {read_in_line(codes[0], 'A', args)}",
             f"        y = {read_in_line(codes[1], 'B', args)}",
             "        if type(x) is int and type(y) is int:"]
    if checked:
        lines += [f"            r = x {symbol} y",
                  f"            if {INT_MIN} <= r <= {INT_MAX}:",
                  "                return r"]
    else:
        lines += [f"            return x {symbol} y"]
    lines += ["        return f(x, y)",
              "    except Exception as e:",
              "        raise wrap_error(e, L) from None"]
    return generated("intop", lines, args)
