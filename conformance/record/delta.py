"""What changed in a node's state between two events, and how to apply it.

A node's trace records, after each event, only what changed (a server's log grows one entry
at a time; writing it whole after every step made lines grow without bound). A change is one
of four operations on a *path*, the variable's name then keys into its value (1-based for a
sequence), applied in this order:

``set``       ``{"currentTerm": 3}``: a variable's whole value;
``truncate``  ``[[["log"], 4]]``: keep the first 4 elements of the sequence at the path;
``put``       ``[[["nextIndex", {"#mv": "s2"}], 5]]``: the value at a path (a new key of a
              function is added; in a sequence, the index after the last appends);
``append``    ``[[["log"], [e5, e6]]]``: elements added to the end of the sequence at the path.

:func:`diff` computes them (the recorder), :func:`apply` applies them (the reader).
"""

from __future__ import annotations

from typing import Any

from conformance.record.pattern import decode_value
from conformance.trace.encoding import DecodeError, decode
from conformance.values import Fn, Tup, make_fn, to_tla

Value = Any
Path = tuple  # (variable, key, key, ...)


class DeltaError(ValueError):
    """A change that does not apply to the state it is applied to."""


class Delta:
    """The changes of one event, in the order they apply."""

    __slots__ = ("set", "truncate", "put", "append")

    def __init__(self) -> None:
        self.set: dict[str, Value] = {}
        self.truncate: list[tuple[Path, int]] = []
        self.put: list[tuple[Path, Value]] = []
        self.append: list[tuple[Path, tuple]] = []

    def __bool__(self) -> bool:
        return bool(self.set or self.truncate or self.put or self.append)

    def merged(self, other: Delta) -> Delta:
        """This delta and ``other``, which changes other variables, as one."""
        d = Delta()
        d.set = {**self.set, **other.set}
        d.truncate = self.truncate + other.truncate
        d.put = self.put + other.put
        d.append = self.append + other.append
        return d

    def variables(self) -> set[str]:
        """The variables this delta touches."""
        out = set(self.set)
        for group in (self.truncate, self.put, self.append):
            out.update(p[0] for p, _ in group)
        return out

    def forget(self, values: dict[str, Value]) -> None:
        """Drop from ``values`` (variables' whole values) the variables this delta
        changes."""
        for var in self.set:
            values.pop(var, None)
        for group in (self.truncate, self.put, self.append):
            for path, _ in group:
                values.pop(path[0], None)

    # ------------------------------------------------------------------ JSON

    def to_line(self, out: dict) -> None:
        """Add this delta's fields to a trace line ``out``, its values and keys left as
        TLA+ values for the line's encoder (:func:`conformance.record.pattern.json_default`
        with ``orjson``)."""
        if self.set:
            out["set"] = self.set
        if self.truncate:
            out["truncate"] = [[list(p), n] for p, n in self.truncate]
        if self.put:
            out["put"] = [[list(p), v] for p, v in self.put]
        if self.append:
            out["append"] = [[list(p), xs] for p, xs in self.append]

    @classmethod
    def from_json(cls, data: dict, holes: bool) -> Delta:
        """The delta of an event line; ``holes``: the line may hold unknown parts."""
        dec = decode_value if holes else decode
        d = cls()
        raw = data.get("set")
        if raw is not None:
            if not isinstance(raw, dict):
                raise DecodeError("\"set\" must be an object of variables")
            d.set = {k: dec(v, f"set.{k}") for k, v in raw.items()}
        for name in ("truncate", "put", "append"):
            raw = data.get(name)
            if raw is None:
                continue
            if not isinstance(raw, list):
                raise DecodeError(f"\"{name}\" must be a list of [path, value] pairs")
            items: list = []
            for i, pair in enumerate(raw):
                where = f"{name}[{i}]"
                if not isinstance(pair, list) or len(pair) != 2:
                    raise DecodeError("each entry must be a [path, value] pair", where)
                path = _path_from_json(pair[0], where)
                if name == "truncate":
                    n = pair[1]
                    if type(n) is not int or n < 0:
                        raise DecodeError("a truncation keeps a count of elements, an "
                                          "integer >= 0", where)
                    items.append((path, n))
                elif name == "put":
                    items.append((path, dec(pair[1], where + "[1]")))
                else:
                    if not isinstance(pair[1], list):
                        raise DecodeError("append needs a list of elements", where)
                    items.append((path, tuple(dec(x, f"{where}[1][{k}]")
                                              for k, x in enumerate(pair[1]))))
            setattr(d, name, items)
        return d


def _path_from_json(raw: Any, where: str) -> Path:
    if not isinstance(raw, list) or not raw or not isinstance(raw[0], str):
        raise DecodeError("a path is a list: a variable's name, then keys", where)
    return (raw[0], *(decode(k, f"{where}[0][{i + 1}]") for i, k in enumerate(raw[1:])))


# --------------------------------------------------------------------------- computing


def diff(old: dict[str, Value], new: dict[str, Value]) -> Delta:
    """The changes that turn ``old`` into ``new`` (variables only in ``old`` are kept: a
    trace never forgets a variable; it makes it :data:`UNKNOWN` instead)."""
    d = Delta()
    for var, value in new.items():
        before = old.get(var, _ABSENT)
        if before is value:
            continue
        if before is _ABSENT:
            d.set[var] = value
            continue
        _diff_value(d, (var,), before, value)
    return d


_ABSENT = object()


def _diff_value(d: Delta, path: Path, old: Value, new: Value) -> None:
    to, tn = type(old), type(new)
    if to is tn and (old is new or old == new):
        return
    if to is Tup and tn is Tup:
        lo, ln = len(old), len(new)
        if ln >= lo and lo and new[:lo] == old:
            d.append.append((path, tuple(new[lo:])))
            return
        k = 0
        for a, b in zip(old, new):
            if a is not b and a != b:
                break
            k += 1
        if k:
            d.truncate.append((path, k))
            if ln > k:
                d.append.append((path, tuple(new[k:])))
            return
    elif to is Fn and tn is Fn:
        om, nm = old.map, new.map
        if om.keys() <= nm.keys():
            changed = [k for k, v in nm.items()
                       if k not in om or (om[k] is not v and om[k] != v)]
            if 2 * len(changed) <= len(nm):
                for k in changed:
                    if k in om:
                        _diff_value(d, path + (k,), om[k], nm[k])
                    else:
                        _put(d, path + (k,), nm[k])
                return
    _put(d, path, new)


def _put(d: Delta, path: Path, value: Value) -> None:
    if len(path) == 1:
        d.set[path[0]] = value
    else:
        d.put.append((path, value))


# --------------------------------------------------------------------------- applying


def apply(state: dict[str, Value], delta: Delta) -> dict[str, Value]:
    """``state`` changed by ``delta`` (a new dict; the values are shared, not copied)."""
    out = dict(state)
    out.update(delta.set)
    for path, n in delta.truncate:
        out[path[0]] = _update(out, path, lambda v, p=path, n=n: _truncated(v, p, n))
    for path, value in delta.put:
        if len(path) == 1:
            out[path[0]] = value
        else:
            out[path[0]] = _update(out, path[:-1],
                                   lambda v, p=path, x=value: _put_key(v, p, x))
    for path, xs in delta.append:
        out[path[0]] = _update(out, path, lambda v, p=path, xs=xs: _appended(v, p, xs))
    return out


def _update(state: dict[str, Value], path: Path, change) -> Value:
    """The variable ``path[0]`` with the value at ``path`` replaced by ``change(value)``."""
    if path[0] not in state:
        raise DeltaError(f"{_show(path)}: the variable {path[0]} was never given")
    return _update_in(state[path[0]], path, 1, change)


def _update_in(value: Value, path: Path, depth: int, change) -> Value:
    if depth == len(path):
        return change(value)
    key = path[depth]
    t = type(value)
    if t is Fn:
        if key not in value.map:
            raise DeltaError(f"{_show(path)}: no key {to_tla(key)} at {_show(path[:depth])}")
        m = dict(value.map)
        m[key] = _update_in(m[key], path, depth + 1, change)
        return make_fn(m)
    if t is Tup:
        if type(key) is not int or not 1 <= key <= len(value):
            raise DeltaError(f"{_show(path)}: index {key} is outside the sequence of "
                             f"{len(value)} at {_show(path[:depth])}")
        items = list(value)
        items[key - 1] = _update_in(items[key - 1], path, depth + 1, change)
        return Tup(items)
    raise DeltaError(f"{_show(path)}: {_show(path[:depth])} is not a function or sequence")


def _truncated(v: Value, path: Path, n: int) -> Value:
    if type(v) is not Tup:
        raise DeltaError(f"{_show(path)} is not a sequence: it cannot be truncated")
    if n > len(v):
        raise DeltaError(f"{_show(path)} has {len(v)} elements: it cannot keep {n}")
    return v if n == len(v) else Tup(v[:n])


def _appended(v: Value, path: Path, xs: tuple) -> Value:
    if type(v) is not Tup:
        raise DeltaError(f"{_show(path)} is not a sequence: nothing can be appended to it")
    return Tup(v + xs)


def _put_key(container: Value, path: Path, value: Value) -> Value:
    key = path[-1]
    t = type(container)
    if t is Fn:
        m = dict(container.map)
        m[key] = value
        return make_fn(m)
    if t is Tup:
        if type(key) is int and 1 <= key <= len(container) + 1:
            items = list(container)
            if key <= len(items):
                items[key - 1] = value
            else:
                items.append(value)
            return Tup(items)
        m = {i + 1: x for i, x in enumerate(container)}
        m[key] = value
        return make_fn(m)
    raise DeltaError(f"{_show(path)}: {_show(path[:-1])} is not a function or sequence")


def _show(path: Path) -> str:
    """A path as TLA+ text: ``nextIndex[s2]``."""
    return str(path[0]) + "".join(f"[{to_tla(k)}]" for k in path[1:])
