"""Chains of field accesses and function applications (and record constructors) compiled
into one closure.

``node[self].insts[m.slot].voted.bal`` is four steps over a variable; compiled one closure
per node, reading it costs seven Python calls (each step, the variable, each key). Specs read
such paths on every state, so a chain of steps becomes one function, generated from source,
that walks the value in line: the base and the keys that are bound variables, state
variables or constants are read without a call, and each step takes the same fast path as
the step's own closure (``Fn``'s dictionary, a ``Tup``'s position). Anything else (a lazy
function, a missing field or key, a value that is no function) goes, for that step alone, to
the same operation the step's own closure falls back to, with that step's position on the
error. The order of evaluation is the steps' own: the value so far, then the key.

The generated source depends only on the chain's shape, so one factory per shape is
compiled and kept; the constants, keys and positions are its arguments.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance.tla.compile.code import Code, wrap_error
from conformance.tla.ops import apply, field
from conformance.values import Fn, Tup

_FACTORIES: dict[str, Callable] = {}


def leaf(fn: Callable, kind: str, index: int) -> Callable:
    """Mark ``fn`` as reading a bound variable (``"slot"``: ``E[index]``) or a state
    variable (``"var"``: ``E[0][index]``), so a chain reads it in line."""
    fn.leaf = (kind, index)  # type: ignore[attr-defined]
    return fn


def _dot_slow(v, name: str, loc):
    try:
        return field(v, name)
    except Exception as e:  # noqa: BLE001
        raise wrap_error(e, loc) from None


def _app_slow(v, x, loc):
    try:
        return apply(v, x)
    except Exception as e:  # noqa: BLE001
        raise wrap_error(e, loc) from None


def read_in_line(code: Code, name: str, args: dict[str, Any]) -> str:
    """The source reading ``code``'s value in line (its function is passed as ``name``)."""
    if code.known:
        args[name] = code.value
        return name
    tag = getattr(code.fn, "leaf", None)
    if tag is not None:
        kind, i = tag
        return f"E[{i}]" if kind == "slot" else f"E[0][{i}]"
    args[name] = code.fn
    return f"{name}(E)"


def chain_of(code: Code) -> tuple[Code, list] | None:
    """The base and steps of a chain compiled by :func:`chained`, or None."""
    return getattr(code.fn, "chain", None)


def chained(base: Code, steps: list) -> Callable:
    """One function for ``base`` followed by ``steps``: each ``("." , name, loc)`` or
    ``("[]", key_code, loc)``."""
    args: dict[str, Any] = {"Fn": Fn, "Tup": Tup, "dot_slow": _dot_slow,
                            "app_slow": _app_slow}
    lines = [f"    v = {read_in_line(base, 'B', args)}"]
    for j, (op, key, loc) in enumerate(steps):
        args[f"L{j}"] = loc
        if op == ".":
            args[f"N{j}"] = key
            lines += [
                "    if type(v) is Fn:",
                "        try:",
                f"            v = v.map[N{j}]",
                "        except KeyError:",
                f"            v = dot_slow(v, N{j}, L{j})",
                "    else:",
                f"        v = dot_slow(v, N{j}, L{j})",
            ]
        else:
            lines += [
                f"    x = {read_in_line(key, f'K{j}', args)}",
                "    if type(v) is Fn:",
                "        try:",
                "            v = v.map[x]",
                "        except (KeyError, TypeError):",
                f"            v = app_slow(v, x, L{j})",
                "    elif type(v) is Tup and type(x) is int and 0 < x <= len(v):",
                "        v = v[x - 1]",
                "    else:",
                f"        v = app_slow(v, x, L{j})",
            ]
    fn = generated("path", lines + ["    return v"], args)
    fn.chain = (base, steps)  # type: ignore[attr-defined]
    return fn


def record_cons(names: list[str], codes: list[Code]) -> Callable:
    """``[a |-> e1, b |-> e2]`` as one generated function building the record's dictionary
    in line (bound and state variables and constants read without a call)."""
    args: dict[str, Any] = {"Fn": Fn}
    items = []
    for j, (name, code) in enumerate(zip(names, codes, strict=True)):
        args[f"N{j}"] = name
        items.append(f"N{j}: {read_in_line(code, f'F{j}', args)}")
    return generated("rec", [f"    return Fn({{{', '.join(items)}}})"], args)


def generated(name: str, lines: list[str], args: dict[str, Any]) -> Callable:
    """``def name(E)`` with the body ``lines`` (indented by four), its free names bound to
    ``args``; the factory of each source is compiled once and kept."""
    src = (f"def make({', '.join(sorted(args))}):\n"
           f"  def {name}(E):\n" + "\n".join("  " + ln for ln in lines) +
           f"\n  return {name}\n")
    make = _FACTORIES.get(src)
    if make is None:
        ns: dict[str, Any] = {}
        exec(compile(src, f"<tla {name}>", "exec"), ns)  # noqa: S102 - our own source
        make = _FACTORIES[src] = ns["make"]
    return make(**args)
