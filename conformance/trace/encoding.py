"""TLA+ values to JSON and back, in the encoding of the ITF trace format.

ITF (the Informal Trace Format of Apalache and Quint) writes a set as ``{"#set": [...]}``, a
tuple as ``{"#tup": [...]}``, a sequence as a JSON array, a function as
``{"#map": [[key, value], ...]}``, a record as a JSON object, and an integer as a JSON number
or, beyond 2^53, as ``{"#bigint": "..."}``. TLA+ does not tell tuples from sequences, so
every ``<<...>>`` is written as an array; ``#tup`` is accepted when reading.

ITF has no model values; this project writes them as ``{"#mv": "name"}`` (the one
extension), and :func:`to_itf_json` writes them as plain strings for other tools, as TLC's own
JSON dump does. Sets and function domains are written in TLC's order, so files are stable.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import islice
from sys import intern
from typing import Any

from conformance.values import Fn, FSet, ModelValue, Tup, make_fn, same_value, sort_key, to_tla

_SAFE = 2**53
_BIGINT = re.compile(r"-?(0|[1-9][0-9]{0,999})")  # at most the digits safejson admits


class DecodeError(ValueError):
    """A JSON value is not a TLA+ value in this encoding; ``path`` says where inside it."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path


def encode(v: Any, *, model_values_as_strings: bool = False, memo: dict | None = None) -> Any:
    """A TLA+ value as JSON data (dicts, lists, numbers, strings, booleans).

    ``memo``, when given, remembers the encoding of each function by the object's identity
    (a recorder writes the same log entries again and again). A value of another kind that
    knows its own encoding (``itf_json()``) gives it."""
    t = type(v)
    if t is bool or t is str:
        return v
    if t is int:
        return v if -_SAFE < v < _SAFE else {"#bigint": str(v)}
    if t is ModelValue:
        return v.name if model_values_as_strings else {"#mv": v.name}
    if t is Tup:
        return [encode(x, model_values_as_strings=model_values_as_strings, memo=memo)
                for x in v]
    if t is Fn:
        if memo is not None:
            hit = memo.get(id(v))
            if hit is not None and hit[0] is v:
                return hit[1]
        if memo is not None and all(type(k) is str and k[:1] != "#" for k in v.map):
            # a record: its fields in plain string order (stable in any process; TLC's
            # order of strings depends on what the parser met first)
            out: Any = {k: encode(v.map[k], memo=memo) for k in sorted(v.map)}
            memo[id(v)] = (v, out)
            return out
        items = sorted(v.map.items(), key=lambda kv: sort_key(kv[0]))
        if all(type(k) is str for k, _ in items) and not any(k.startswith("#") for k, _ in items):
            out = {k: encode(x, model_values_as_strings=model_values_as_strings,
                             memo=memo) for k, x in items}
        else:
            out = {"#map": [[encode(k, model_values_as_strings=model_values_as_strings),
                             encode(x, model_values_as_strings=model_values_as_strings,
                                    memo=memo)]
                            for k, x in items]}
        if memo is not None:
            memo[id(v)] = (v, out)
        return out
    if isinstance(v, frozenset):
        ordered = v.ordered() if type(v) is FSet else sorted(v, key=sort_key)
        return {"#set": [encode(x, model_values_as_strings=model_values_as_strings)
                         for x in ordered]}
    own = getattr(v, "itf_json", None)
    if own is not None:
        return own()
    materialize = getattr(v, "materialize", None)
    if materialize is not None:
        return encode(materialize(), model_values_as_strings=model_values_as_strings)
    raise TypeError(f"not a TLA+ value: {v!r}")


def decode(data: Any, path: str = "$") -> Any:
    """JSON data in this encoding (or plain ITF) as a TLA+ value."""
    try:
        return _plain(data)
    except _Careful:
        return _decode(data, path)


def decode_like(data: Any, was: Any, was_value: Any, path: str = "$") -> Any:
    """:func:`decode` of ``data``, sharing with ``was_value`` (the decoding of ``was``,
    typically the same variable in the trace's step before) the objects of the parts that
    are the same JSON: a trace's next state mostly repeats the last one, and a validator
    then sees the very objects of the state before (compared by identity, not walked). The
    value is the one :func:`decode` gives, and so is any error (with its path)."""
    try:
        return _like(data, was, was_value)
    except (_Careful, DecodeError):
        return decode(data, path)


def key_like(data: Any, functions: Iterable[tuple[Any, Any]]) -> Any:
    """The key object of one of ``functions`` (each a function's JSON and its decoding,
    typically the variables of a trace's step before) whose JSON is the same as ``data``,
    a record; or None. A parameter that is a message an event receives is a key of the
    bag in the state before it: it shares that object, as a state shares what it repeats
    (a validator then finds it in the bag by identity, its hashes cached)."""
    if type(data) is not dict or not data or any(f[:1] == "#" for f in data):
        return None
    for was, value in functions:
        if type(value) is not Fn or type(next(iter(value.map), None)) is not Fn or \
                type(was) is not dict:
            continue  # (keys that are no records: a function of servers, say)
        pairs = was.get("#map")
        if type(pairs) is not list or len(pairs) != len(value.map):
            continue
        # the keys Python's equality finds, at C speed, then the kinds of each found (the
        # pairs were decoded as the function's graph: each is a key and a value)
        try:
            keys = [pair[0] for pair in pairs]
        except (LookupError, TypeError):
            continue
        j = 0
        while True:
            try:
                j = keys.index(data, j)
            except ValueError:
                break
            if _same_json(keys[j], data):
                return next(islice(value.map, j, None))
            j += 1
    return None


def _same_json(a: Any, b: Any) -> bool:
    """Whether two pieces of JSON data are the same: equal, and of the same types at every
    depth."""
    return a is b or a == b and _same_kinds(a, b)


def _same_kinds(a: Any, b: Any) -> bool:
    """Whether ``a`` and ``b``, equal in Python, hold values of the same types throughout:
    Python's equality takes 1 for true and 1.0 for 1, at any depth. (A walk that skips
    the parts the two share: cheaper than their reprs for the entries of a log.)"""
    t = type(a)
    if t is not type(b):
        return False
    if t is dict:
        for k, x in a.items():
            y = b[k]
            if x is not y:
                tx = type(x)
                if tx is not type(y) or (tx is dict or tx is list) and not _same_kinds(x, y):
                    return False
        return True
    if t is list:
        for x, y in zip(a, b):
            if x is not y:
                tx = type(x)
                if tx is not type(y) or (tx is dict or tx is list) and not _same_kinds(x, y):
                    return False
    return True


def _like(data: Any, was: Any, was_value: Any) -> Any:
    if _same_json(data, was):
        return was_value
    t = type(data)
    if t is list and type(was) is list and type(was_value) is Tup:
        n = min(len(was), len(was_value))
        return Tup([_like(x, was[i], was_value[i]) if i < n else _plain(x)
                    for i, x in enumerate(data)])
    if t is dict and type(was) is dict and type(was_value) is Fn and data:
        if len(data) == 1 and "#map" in data:
            pairs, old = data["#map"], was.get("#map")
            if type(pairs) is not list or type(old) is not list or \
                    len(old) != len(was_value.map):
                raise _Careful
            olds = list(was_value.map.items())
            graph = {}
            j, n = 0, len(old)
            for pair in pairs:
                if type(pair) is not list or len(pair) != 2:
                    raise _Careful
                # both lists of pairs are in one order (a writer's, by key): the key is
                # looked for in the next old pair and the two after it (a step adds or
                # removes a few entries, a message to a bag)
                for o in range(j, min(j + 3, n)):
                    was_pair = old[o]
                    if was_pair is pair:  # (the reader's object of the line before)
                        k, v = olds[o]
                        graph[k] = v
                        j = o + 1
                        break
                    if type(was_pair) is list and len(was_pair) == 2 and \
                            _same_json(pair[0], was_pair[0]):
                        k, v = olds[o]
                        graph[k] = _like(pair[1], was_pair[1], v) if type(pair[1]) is not list \
                            else _entries_like(pair[1], was_pair[1], v, old, olds)
                        j = o + 1
                        break
                else:
                    graph[_plain(pair[0])] = _plain(pair[1])
            if len(graph) != len(pairs):
                raise _Careful  # a key twice: the careful decoder decides
            return make_fn(graph)
        if any(k[:1] == "#" for k in data) or any(k[:1] == "#" for k in was):
            raise _Careful
        fields = was_value.map
        return Fn({intern(k): _like(x, was[k], fields[k]) if k in was and k in fields else
                   _plain(x) for k, x in data.items()})
    return _plain(data)


def _entries_like(data: list, was: Any, was_value: Any, old: list, olds: list) -> Any:
    """:func:`_like` of a sequence that is one value of a function's graph (``old``, its
    pairs' JSON on the step before, and ``olds`` their decodings; a server's log in a
    function of servers): an element past those of the sequence before that is the same
    JSON as the element at its position in another value of the graph before is that
    element's object (an entry the leader had, now replicated: a validator then compares
    the two logs' entries by identity)."""
    if _same_json(data, was):
        return was_value
    if type(was) is not list or type(was_value) is not Tup:
        return _like(data, was, was_value)
    n = min(len(was), len(was_value))
    out = []
    for i, x in enumerate(data):
        if i < n:
            out.append(_like(x, was[i], was_value[i]))
            continue
        for pair, (_, value) in zip(old, olds):
            other = pair[1] if type(pair) is list and len(pair) == 2 else None
            if type(other) is list and type(value) is Tup and i < len(other) and \
                    i < len(value) and _same_json(x, other[i]):
                out.append(value[i])
                break
        else:
            out.append(_plain(x))
    return Tup(out)


class _Careful(Exception):
    """Not a value :func:`_plain` decodes: the careful decoder decides (and explains)."""


def _plain(data: Any) -> Any:
    """:func:`decode` of the common values (records, sequences, sets, model values), without
    building the path of every element for an error message that is almost never written
    (most of a real run's merge went there); anything else is left to the careful decoder,
    which gives the same value or the error with its path."""
    t = type(data)
    if t is str:
        return intern(data)
    if t is int or t is bool:
        return data
    if t is list:
        return Tup([_plain(x) for x in data])
    if t is dict and data:
        if len(data) == 1:
            ((key, inner),) = data.items()
            if key[:1] == "#":
                if key == "#mv" and type(inner) is str and inner:
                    return ModelValue(inner)
                if key == "#set" and type(inner) is list:
                    elements = FSet([_plain(x) for x in inner])
                    if len(elements) != len(inner):
                        raise _Careful  # (an element twice, or 1 and TRUE: see _decode)
                    return elements
                raise _Careful
        elif any(k[:1] == "#" for k in data):
            raise _Careful
        return Fn({intern(k): _plain(x) for k, x in data.items()})
    raise _Careful


def _decode(data: Any, path: str) -> Any:
    t = type(data)
    if t is str:
        return intern(data)
    if t is bool:
        return data
    if t is int:
        return data
    if t is float:
        raise DecodeError(f"{data} is not an integer (TLA+ has no fractions; an integer is "
                          "written without a decimal point)", path)
    if t is list:
        return Tup(_decode(x, f"{path}[{i}]") for i, x in enumerate(data))
    if t is dict:
        if len(data) == 1:
            ((key, inner),) = data.items()
            if key == "#set":
                _expect_list(inner, path, key)
                seen: dict = {}
                for i, x in enumerate(inner):
                    v = _decode(x, f"{path}.#set[{i}]")
                    if v in seen:
                        _distinct(seen[v], v, f"{path}.#set[{i}]", False)
                    else:
                        seen[v] = v
                return FSet(seen)
            if key == "#tup":
                _expect_list(inner, path, key)
                return Tup(_decode(x, f"{path}.#tup[{i}]") for i, x in enumerate(inner))
            if key == "#map":
                _expect_list(inner, path, key)
                graph: dict = {}
                for i, pair in enumerate(inner):
                    where = f"{path}.#map[{i}]"
                    if type(pair) is not list or len(pair) != 2:
                        raise DecodeError("a #map entry must be a [key, value] pair", where)
                    k = _decode(pair[0], where + "[0]")
                    if k in graph:
                        _distinct(next(h for h in graph if h == k), k, where + "[0]", True)
                    graph[k] = _decode(pair[1], where + "[1]")
                return make_fn(graph)
            if key == "#bigint":
                if type(inner) is not str or not _BIGINT.fullmatch(inner):
                    raise DecodeError("#bigint needs an integer in decimal, without leading "
                                      f"zeros or '+', got {inner!r}", path)
                return int(inner)
            if key == "#mv":
                if type(inner) is not str or not inner:
                    raise DecodeError("#mv needs a model value's name", path)
                return ModelValue(inner)
            if key == "#unserializable":
                raise DecodeError(f"an unserializable value cannot be checked: {inner!r}", path)
        bad = [k for k in data if k.startswith("#")]
        if bad:
            raise DecodeError(f"unknown tag {bad[0]!r} (expected #set, #tup, #map, #bigint, #mv)",
                              path)
        if not data:
            raise DecodeError("an empty object is not a TLA+ value (a record has fields)", path)
        return Fn({intern(k): _decode(x, f"{path}.{k}") for k, x in data.items()})
    if data is None:
        raise DecodeError("null is not a TLA+ value", path)
    raise DecodeError(f"not a TLA+ value: {data!r}", path)


def _distinct(met: Any, v: Any, path: str, key: bool) -> None:
    """``v``, equal in Python to ``met``, met before it in one set or function: an error if
    they are two values Python merges and TLA+ does not (1 and TRUE, at any depth: TLC
    cannot compare them), or, for a function's ``key``, the same key again (a set may
    repeat an element)."""
    if not same_value(met, v):
        raise DecodeError(f"{to_tla(met)} and {to_tla(v)} in one "
                          f"{'domain' if key else 'set'}: TLC cannot compare them", path)
    if key:
        raise DecodeError(f"the key {to_tla(v)} is given twice", path)


def _expect_list(inner: Any, path: str, key: str) -> None:
    if type(inner) is not list:
        raise DecodeError(f"{key} needs a JSON array", path)


def to_itf_json(v: Any) -> Any:
    """A value for an ITF file read by other tools: every integer as #bigint, and model
    values as strings."""
    data = encode(v, model_values_as_strings=True)
    return _bigints(data)


def _bigints(data: Any) -> Any:
    t = type(data)
    if t is int:
        return {"#bigint": str(data)}
    if t is list:
        return [_bigints(x) for x in data]
    if t is dict:
        if len(data) == 1 and "#bigint" in data:
            return data
        return {k: _bigints(x) for k, x in data.items()}
    return data
