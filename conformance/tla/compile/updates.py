"""``[f EXCEPT ![r].a = 1, ![r].b[s] = 2, ![r].b[s].c = 3]``: updates whose paths start
with the same keys walk that start once.

Each update of an EXCEPT is applied after the ones before it, on a working copy (see
functions.except_path): the keys of its path are evaluated, the copy is entered along them
(each level made a ``dict`` or ``list`` once), and the value is computed from ``@``. Where
consecutive updates begin with the same key expressions (the same bound or state
variable, the same constant or field, the same chain of these: see :func:`key_sig`), the
key is evaluated once and that level entered once for all of them, and so on down. That is
what the updates one after the other do: such keys have one value in one environment and
no effect, and the level they lead to is the same working ``dict`` for every update of the
run, since none of them ends there (a run holds only updates whose paths go deeper).
A key not in the domain makes every update of the run change nothing, as each would; a
level that is not a function or record already copied (a lazy function, a value that is
no function) gets the updates of its run one by one, as written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance.tla.compile.code import Code
from conformance.tla.compile.paths import chain_of
from conformance.values import Fn, Tup


def key_sig(code: Code) -> tuple | None:
    """What identifies the value of a key expression within one environment: a constant,
    a bound or state variable, or a chain of fields and applications of these; None for
    anything else (never shared)."""
    if code.known:
        v = code.value
        return ("const", type(v), v)
    tag = getattr(code.fn, "leaf", None)
    if tag is not None:
        return tag
    got = chain_of(code)
    if got is None:
        return None
    base, steps = got
    parts: list = [key_sig(base)]
    for op, key, _loc in steps:
        parts.append((op, key if op == "." else key_sig(key)))
    if any(p is None or (type(p) is tuple and p[1] is None) for p in parts):
        return None
    return ("chain", tuple(parts))


def plan(sigs: list[list]) -> list | None:
    """The updates (by their step signatures, in order) arranged in runs that share keys,
    or None when no two consecutive updates share their first key."""
    items = _build(list(range(len(sigs))), 0, sigs)
    return items if any(item[0] == "run" for item in items) else None


def _build(members: list[int], depth: int, sigs: list[list]) -> list:
    items: list = []
    i = 0
    while i < len(members):
        u = members[i]
        s = sigs[u]
        j = i + 1
        if s[depth] is not None and len(s) > depth + 1:
            while j < len(members) and len(sigs[members[j]]) > depth + 1 and \
                    sigs[members[j]][depth] == s[depth]:
                j += 1
        if j - i >= 2:
            run = members[i:j]
            items.append(("run", u, _build(run, depth + 1, sigs), run))
        else:
            items.append(("one", u))
            j = i + 1
        i = j
    return items


def shared_except(bfn: Callable, updates: list, items: list, except_path: Callable,
                  seal: Callable, one_by_one: Callable) -> Callable:
    """The EXCEPT of ``updates`` (``(steps, vfn)`` as functions.e_Except builds them) on
    ``bfn``'s value, walking the runs of ``items`` (see :func:`plan`); ``one_by_one`` is
    the EXCEPT applied update after update, for a value that is not a finite function."""
    SEALED = (dict, list)

    def ready(items: list, depth: int) -> list:
        """The items with each update's steps from ``depth`` on, and a field that ends a
        path on its own told apart (the commonest update: ``![r].leader = x``)."""
        out: list = []
        for item in items:
            if item[0] == "one":
                steps, vfn = updates[item[1]]
                tail = steps[depth:]
                if len(tail) == 1 and tail[0][0]:
                    out.append((0, tail[0][1], vfn))
                else:
                    out.append((1, tail, vfn))
            else:
                _, u, inner, run = item
                is_field, k = updates[u][0][depth]
                out.append((2, is_field, k, ready(inner, depth + 1),
                            [(updates[m][0][depth:], updates[m][1]) for m in run]))
        return out

    def apply(node, items: list, E) -> bool:
        """Apply ``items`` to ``node`` (a working ``dict`` or ``list``); whether working
        copies may be left inside it (a level a run copied is made a value again at the
        end of the run, with nothing inside to seal: see seal)."""
        loose = False
        for item in items:
            kind = item[0]
            if kind == 0:  # ![...].name = value
                _, name, vfn = item
                if type(node) is dict and name in node:  # (a list has no field: unchanged)
                    old = node[name]
                    node[name] = vfn(E + (seal(old) if type(old) in SEALED else old,))
                continue
            if kind == 1:
                _, tail, vfn = item
                except_path(node, [k if is_field else k(E) for is_field, k in tail], 0,
                            vfn, E)
                loose = True
                continue
            _, is_field, k, inner, run = item
            key: Any = k if is_field else k(E)
            if type(node) is dict:
                if key not in node:
                    continue
                at = key
            else:
                if type(key) is not int or not 0 < key <= len(node):
                    continue
                at = key - 1
            child = node[at]
            t = type(child)
            if t is Fn:
                child = dict(child.map)
                node[at] = seal(child) if apply(child, inner, E) else Fn(child)
            elif t is Tup:
                child = list(child)
                node[at] = seal(child) if apply(child, inner, E) else Tup(child)
            elif t is dict or t is list:  # a working copy of an update before the run
                apply(child, inner, E)
                loose = True
            else:
                for tail, vfn in run:
                    except_path(node, [k if f else k(E) for f, k in tail], 0, vfn, E)
                loose = True
        return loose

    top = ready(items, 0)

    def exc_shared(E):
        f = bfn(E)
        t = type(f)
        if t is Fn:
            work: Any = dict(f.map)
        elif t is Tup:
            work = list(f)
        else:
            return one_by_one(E, f)
        if apply(work, top, E):
            return seal(work)
        return Fn(work) if t is Fn else Tup(work)
    return exc_shared
