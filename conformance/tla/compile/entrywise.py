"""Checks over a function's entries remembered entry by entry: ``\\A x \\in DOMAIN f : P``
where P reads ``f`` only at ``x``, and ``DOMAIN f \\subseteq T`` for a constant ``T``.

TypeOK's ``\\A m \\in DOMAIN msgs : msgs[m] \\in Nat \\ {0}`` reads the whole bag, so the
memory :func:`~conformance.tla.compile.quantifiers.e_Quant` keeps for a body that reads
nothing but the bound element does not apply; yet it reads the bag only as ``msgs[m]``, so
its answer for ``m`` is decided by the key and its entry. The body is compiled a second time
with ``f[x]`` as a bound name of its own; when that compilation reads nothing but ``x``, the
entry and names bound outside the quantifier (no variable: an operator's parameters, as in
``IsFn(f, D, R) == ... /\\ \\A x \\in DOMAIN f : f[x] \\in R``), the quantifier remembers the
entries it found to pass, by the identity of the key, the entry and those outer values: a
function that shares most key and entry objects with functions it held for (a state's bag
with its neighbour's; each replica's log of slots, checked in turn) has only its other
entries tested. Identity, not equality: Python's equality would take [g |-> 1] for
[g |-> TRUE], and 1 for TRUE.

``DOMAIN msgs \\subseteq Message`` is the same with the key alone: a new bag's keys found in
Message before (the same objects) are not looked for again, and the set of its keys is not
built.

Only a TRUE comes from the memory: anything else (FALSE, an error, a value that is not a
function) runs the quantifier as compiled, in TLC's order, which says what TLC says.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import is_
from typing import TYPE_CHECKING, Any, TypeGuard

from conformance.tla import syntax as S
from conformance.tla.compile.code import CONST, Code
from conformance.tla.compile.scopes import Scope
from conformance.tla.errors import EvalError
from conformance.tla.lazy import member
from conformance.values import Fn, Tup

if TYPE_CHECKING:
    from conformance.tla.compile.compiler import Compiler

_ABSENT = object()


def entrywise(comp: Compiler, n: S.Quant, scope: Scope,
              compiled: Callable[[tuple], Any]) -> Callable[[tuple], Any] | None:
    """``compiled`` (the quantifier ``n`` as compiled) behind a memory of the entries it
    held for, or None when ``n`` is not of that form."""
    (b,) = n.bounds
    dom = b.set
    if b.is_tuple or len(b.names) != 1 or not _is_applied(dom, "DOMAIN"):
        return None
    f = dom.args[0]
    x = b.names[0]
    bound = _binds(n.body)
    if not isinstance(f, S.Name) or f.args or f.prefix or f.name == x or bound is None or \
            x in bound or f.name in bound:
        return None
    entry = f"{f.name}[{x}]"  # not an identifier: no name of the spec can be it
    body, found = _at(n.body, f.name, x, entry)
    if not found:
        return None
    try:
        code = comp.expr(body, scope.bind_slots((x, entry)))
    except Exception:  # noqa: BLE001 - only an optimization: the quantifier is compiled
        return None
    if not code.pure or code.level != CONST:
        return None
    bf = code.fn
    outer = tuple(sorted(d for d in code.deps if d < scope.depth))  # names bound outside
    return _by_entry(comp.expr(f, scope).fn, lambda E, k, y: bf(E + (k, y)), False, compiled,
                     outer)


def domain_within(comp: Compiler, args: tuple, scope: Scope, code: Code) -> Code | None:
    """``code`` of ``DOMAIN f \\subseteq T`` (``args``) behind a memory of the keys found in
    ``T``, or None when it is not of that form."""
    d = args[0]
    if code.known or not _is_applied(d, "DOMAIN"):
        return None
    t = comp.expr(args[1], scope)
    if not t.known:
        return None
    within = t.value
    check = _by_entry(comp.expr(d.args[0], scope).fn, lambda E, k, y: member(k, within), True,
                      code.fn)
    return Code(check, code.level, code.deps, code.pure, code.binds, loc=code.loc)


def _by_entry(fv: Callable, test: Callable, keys_only: bool, fallback: Callable,
              outer: tuple[int, ...] = ()) -> Callable[[tuple], Any]:
    """TRUE when ``test(E, key, entry)`` holds for every entry of the function ``fv(E)``,
    testing only the entries (the keys, with ``keys_only``) that are not the very objects
    of entries found to pass before, with the very values of the names bound outside that
    the test reads (``outer``, slots of ``E``); anything else is ``fallback``'s to say. A
    sequence's keys are its positions (integers, by value); a function's, objects."""
    passed: dict = {}  # (ids of the outer values, the key's id[, the entry's id]) -> them
    at: dict = {}  # the same for sequences, by position
    last: list = [None, ()]  # the last function held for, and the outer values it was for

    def check(E):
        g = fv(E)
        t = type(g)
        if t is Fn or t is Tup:
            ctx = tuple([E[d] for d in outer]) if outer else ()
            if last[0] is g and all(map(is_, last[1], ctx)):
                return True
            cid = tuple(map(id, ctx)) if outer else ()
            fresh = []
            if t is Tup:
                memory = at
                for k, y in enumerate(g, 1):
                    if (cid, k, 0 if keys_only else id(y)) not in at:
                        fresh.append((k, k, y))
            else:
                memory = passed
                if keys_only:
                    for k in g.map:
                        if (cid, id(k), 0) not in passed:
                            fresh.append((id(k), k, None))
                else:
                    for k, y in g.map.items():
                        if (cid, id(k), id(y)) not in passed:
                            fresh.append((id(k), k, y))
            try:
                for _, k, y in fresh:
                    if test(E, k, y) is not True:
                        break
                else:
                    if len(memory) + len(fresh) > _LIMIT:
                        memory.clear()
                    for key, k, y in fresh:  # (kept with their ids, which stay theirs)
                        memory[(cid, key, 0 if keys_only else id(y))] = (ctx, k, y)
                    last[0], last[1] = g, ctx
                    return True
            except EvalError:
                pass
        return fallback(E)
    return check


_LIMIT = 1 << 16  # entries remembered (then the memory starts afresh)


def _is_applied(node, name: str) -> TypeGuard[S.Name]:
    """``node`` is the built-in ``name`` applied to one argument."""
    return isinstance(node, S.Name) and node.name == name and not node.prefix and \
        len(node.args) == 1


def _binds(node) -> set[str] | None:
    """The names bound anywhere inside ``node`` (None when it holds an INSTANCE, whose
    substitutions this module does not follow)."""
    out: set[str] = set()
    stack = [node]
    while stack:
        x = stack.pop()
        if isinstance(x, (S.Bound, S.UQuant, S.Choose)):
            out.update(x.names)
        elif isinstance(x, S.Lambda):
            out.update(x.params)
        elif isinstance(x, S.OpDef):
            out.add(x.name)
            out.update(p.name for p in x.params)
        elif isinstance(x, S.FnCons) and x.recursive:
            out.add(x.recursive)
        elif isinstance(x, S.InstanceDef):
            return None
        stack.extend(S.subnodes(x))
    return out


def _at(node, f: str, x: str, entry: str) -> tuple[Any, bool]:
    """``node`` with each ``f[x]`` replaced by the name ``entry``, and whether any was."""
    if isinstance(node, S.FnApp) and _is_name(node.fn, f) and len(node.args) == 1 and \
            _is_name(node.args[0], x):
        return S.Name(node.loc, entry), True
    if isinstance(node, tuple):
        parts = [_at(v, f, x, entry) for v in node]
        if any(found for _, found in parts):
            return tuple(v for v, _ in parts), True
        return node, False
    slots = getattr(node, "__slots__", None)
    if not slots or isinstance(node, (str, S.Loc)):
        return node, False
    changed = {}
    for name in slots:
        v, found = _at(getattr(node, name), f, x, entry)
        if found:
            changed[name] = v
    if not changed:
        return node, False
    return type(node)(**{name: changed.get(name, getattr(node, name)) for name in slots}), True


def _is_name(node, name: str) -> bool:
    return isinstance(node, S.Name) and node.name == name and not node.args and \
        not node.prefix
