"""Sets of records indexed by one field, for binders whose body opens with ``x.field = c``.

Specs keep their messages in one set and pick them by type: ``\\E m \\in msgs: m.type =
"Accept" /\\ ...``, ``{m \\in msgs: m.type = "PrepareReply" /\\ ...}``. For every element
whose field is not ``c`` the opening conjunct is FALSE, and the rest of the body is never
evaluated, so binding only the elements whose field is ``c`` (in TLC's order) gives the same
answer, the same successors in the same order, and the same errors. The index is built once
per set (the last set indexed by each field is kept: the next binder over the same set,
another replica's, another message type's, reuses it); each bucket is sorted into TLC's
order the first time it is asked for, so the buckets nobody binds are never sorted.

Where an element is not a record with that field, or the fields are not all of the
constant's kind (where TLC would compare, or fail to compare, other kinds), there is no
index and the binder enumerates every element, as TLC does.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import compress
from operator import not_
from typing import TYPE_CHECKING, Any

from conformance.tla import syntax as S
from conformance.tla.compile.hoist import conjuncts
from conformance.tla.errors import SpecError
from conformance.values import Fn, FSet, order_key

if TYPE_CHECKING:
    from conformance.tla.compile.code import Code
    from conformance.tla.compile.compiler import Compiler
    from conformance.tla.compile.scopes import Scope

_KINDS = (int, str, bool)


def opening_field(comp: Compiler, body, inner: Scope, name: str) -> tuple[str, Any] | None:
    """``(field, c)`` when ``body`` (bound ``name`` in ``inner``) opens with
    ``name.field = c`` or ``c = name.field``, ``c`` a constant integer, string or boolean;
    else None."""
    found = _opening(comp, body, inner, name)
    if found is not None and found[1].known and type(found[1].value) in _KINDS:
        return found[0], found[1].value
    return None


def opening_key(comp: Compiler, body, inner: Scope, name: str) -> tuple[str, Callable] | None:
    """``(field, f)`` when ``body`` opens with ``name.field = e`` (either side), ``e`` no
    constant but an expression that does not read ``name`` and has no side effect
    (``\\E c \\in committed : c.index = n /\\ ...``): ``f(E)`` is ``e``'s value, the same for
    every element, so the binder can take the elements whose field is that value (when it
    is an integer, string or boolean) as it takes those of a constant; else None."""
    found = _opening(comp, body, inner, name)
    if found is None or found[1].known or not found[1].pure:
        return None
    bound = inner.locals.get(name)
    if bound is None or bound.kind != "slot" or bound.index in found[1].deps:
        return None
    return found[0], found[1].fn


def _opening(comp: Compiler, body, inner: Scope, name: str) -> tuple[str, Code] | None:
    """``(field, e)``, ``e`` compiled, when ``body`` opens with ``name.field = e`` or
    ``e = name.field`` (``e`` not ``name.field`` itself)."""
    node, sc = conjuncts(comp, body, inner)[0]
    if sc is not inner or not isinstance(node, S.Name) or node.name != "=" or node.prefix \
            or len(node.args) != 2:
        return None
    for rec, other in (node.args, node.args[::-1]):
        if isinstance(rec, S.Dot) and isinstance(rec.expr, S.Name) and \
                rec.expr.name == name and not rec.expr.args and not rec.expr.prefix:
            try:
                return rec.field, comp.expr(other, inner)
            except SpecError:
                return None
    return None


class FieldIndex:
    """The last set indexed by each field, with its buckets (see the module docstring)."""

    __slots__ = ("_last",)

    def __init__(self) -> None:
        self._last: dict[str, tuple] = {}

    def some(self, s: FSet, field: str, c) -> list | tuple | None:
        """The elements of ``s`` whose ``field`` is ``c``, in any order (for a binder whose
        answer does not depend on it, as long as no error is met); None where ``s`` has no
        index by ``field`` for a constant of ``c``'s kind."""
        entry = self._last.get(field)
        if entry is None or entry[0] is not s:
            entry = self._last[field] = _index(s, field, entry)
        if entry[1] is not type(c):
            return None
        return entry[2].get(c, ())

    def bucket(self, s: FSet, field: str, c) -> tuple | None:
        """The elements of ``s`` whose ``field`` is ``c``, in TLC's order; None where ``s``
        has no index by ``field`` for a constant of ``c``'s kind."""
        got = self.some(s, field, c)
        if not isinstance(got, list):
            return got
        try:
            done = tuple(sorted(got, key=order_key))
        except Exception:  # noqa: BLE001 - enumerating the whole set reports it
            return None
        self._last[field][2][c] = done
        return done


def _index(s: FSet, field: str, last: tuple | None = None) -> tuple:
    """``(s, kind, {value: elements}, ids)`` for a set of records that all have ``field``,
    its values all of one kind (int, str or bool); ``(s, None, {}, ids)`` otherwise; ``ids``
    the ids of ``s``'s elements (kept alive by ``s``). ``last``: the entry of the set
    indexed before by this field. Where ``s`` holds every one of its element objects (a set
    that grew: the ghost record of what a Raft cluster committed gains a few records at a
    commit, and holds thousands), only the others are indexed, into a copy of its index."""
    ids = frozenset(map(id, s))
    if last is not None and last[1] is not None and len(last[0]) <= len(s) and \
            last[3] <= ids:
        return _grown(last, s, field, ids)
    no: tuple = (s, None, {}, ids)
    index: dict = {}
    kind = None
    for x in s:
        if type(x) is not Fn:
            return no
        v = x.map.get(field, index)
        t = type(v)
        if t is not kind:
            if kind is not None or (t is not int and t is not str and t is not bool):
                return no
            kind = t
        same = index.get(v)
        if same is None:
            index[v] = [x]
        else:
            same.append(x)
    return (s, kind, index, ids)


def _grown(last: tuple, s: FSet, field: str, ids: frozenset) -> tuple:
    """:func:`_index` of ``s``, a set holding every element object of ``last``'s: its
    buckets, with ``s``'s other elements added (a bucket they join is a new list, as the
    last entry's lists are its own)."""
    kind, index, before = last[1], dict(last[2]), last[3]
    for x in compress(s, map(not_, map(before.__contains__, map(id, s)))):
        if type(x) is not Fn:
            return (s, None, {}, ids)
        v = x.map.get(field, index)
        if type(v) is not kind:
            return (s, None, {}, ids)
        same = index.get(v)
        index[v] = [x] if same is None else [*same, x]
    return (s, kind, index, ids)
