"""Values with holes: what a trace knows of a value, and what it leaves to the search.

A node of a real system knows its own state, but not always all of it: an implementation may
keep no ``matchIndex`` for itself, or a message on its wire may lack a field the spec's
message has (an AppendEntries response without the read context). A trace says so by putting
:data:`UNKNOWN` in place of the part it does not know, at any depth: ``nextIndex[i][j]``
alone, one field of a record, one element of a sequence. The validator then accepts any
value there (the spec decides it), and checks everything else.

A value with holes is an ordinary TLA+ value (:mod:`conformance.values`) in which some
leaves are :data:`UNKNOWN`. In a file it is written ``{"#unknown": true}`` in the ITF
encoding of everything else.
"""

from __future__ import annotations

from typing import Any

from conformance.trace.encoding import DecodeError, decode, encode
from conformance.values import Fn, FSet, ModelValue, Tup, make_fn

Value = Any
TAG = "#unknown"


class Unknown:
    """The one hole: a part of a value the trace does not know."""

    __slots__ = ()
    _instance: Unknown | None = None

    def __new__(cls) -> Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "?"

    def to_tla(self) -> str:
        return "?"

    def itf_json(self) -> dict:
        return {TAG: True}

    def __reduce__(self) -> str:
        return "UNKNOWN"


UNKNOWN = Unknown()


class Encoded(dict):
    """A value given in the trace's own encoding (the ITF JSON of
    :mod:`conformance.trace.encoding`: ``{"#mv": "s1"}``, a record as an object, a set as
    ``{"#set": [...]}``), as a dict, for an implementation that maps its messages and
    values straight to that JSON instead of to TLA+ values (a server tracing every step:
    it skips building the value and encoding it again). The recorder writes it as it
    is, unchecked; a value the recorder compares (``state=``) must be a TLA+ value."""

    __slots__ = ()


def model_value_json(name: str) -> Encoded:
    """The model value ``name`` as the trace's JSON, one object per name (a server's
    trace names its servers several times per step)."""
    v = _MODEL_VALUES_JSON.get(name)
    if v is None:
        if len(_MODEL_VALUES_JSON) > 4096:
            _MODEL_VALUES_JSON.clear()
        v = _MODEL_VALUES_JSON[name] = Encoded({"#mv": name})
    return v


_MODEL_VALUES_JSON: dict[str, Encoded] = {}


def has_holes(v: Value) -> bool:
    """Whether ``v`` leaves any part unknown."""
    t = type(v)
    if t is Unknown:
        return True
    if t is Fn:
        return any(has_holes(x) for x in v.map.values())
    if t is Tup:
        return any(has_holes(x) for x in v)
    return False


def same(a: Value, b: Value) -> bool:
    """TLA+ equality of two plain values (Python says ``0 == FALSE``; TLA+ does not)."""
    return a == b and (type(a) is bool) == (type(b) is bool)


def match(actual: Value, pattern: Value) -> bool:
    """Whether ``actual`` (a value) agrees with ``pattern`` wherever the pattern knows it."""
    tp = type(pattern)
    if tp is Unknown:
        return True
    if tp is Fn:
        if type(actual) is not Fn:
            actual = _concrete(actual)
            if type(actual) is not Fn:
                return False
        am = actual.map
        if am.keys() != pattern.map.keys():
            return False
        for k, p in pattern.map.items():
            a = am[k]
            if a is not p and not match(a, p):
                return False
        return True
    if tp is Tup:
        if type(actual) is not Tup:
            actual = _concrete(actual)
            if type(actual) is not Tup:
                return False
        if len(actual) != len(pattern):
            return False
        for a, p in zip(actual, pattern):
            if a is not p and not match(a, p):
                return False
        return True
    return same(actual, pattern) or same(_concrete(actual), pattern)


def fill(pattern: Value, actual: Value) -> Value:
    """``pattern`` with each hole replaced by ``actual``'s value at the same place (where the
    shapes disagree, the pattern's own value is kept): the implementation's state completed
    by the spec's, so that a diff or a diagnosis shows only what the trace knows."""
    tp = type(pattern)
    if tp is Unknown:
        return actual
    actual = _concrete(actual)
    if tp is Fn:
        if type(actual) is not Fn:
            return _holes_to(pattern, actual)
        am = actual.map
        return Fn({k: (fill(p, am[k]) if k in am else _holes_to(p, None))
                   for k, p in pattern.map.items()})
    if tp is Tup:
        if type(actual) is not Tup:
            return _holes_to(pattern, actual)
        return Tup(fill(p, actual[n]) if n < len(actual) else _holes_to(p, None)
                   for n, p in enumerate(pattern))
    return pattern


def _holes_to(pattern: Value, actual: Value) -> Value:
    """Fill what cannot be filled from ``actual``: a hole stays a hole."""
    if not has_holes(pattern):
        return pattern
    if type(pattern) is Unknown:
        return pattern if actual is None else actual
    if type(pattern) is Fn:
        return Fn({k: _holes_to(p, None) for k, p in pattern.map.items()})
    return Tup(_holes_to(p, None) for p in pattern)


def _concrete(v: Value) -> Value:
    m = getattr(v, "materialize", None)
    return m() if m is not None else v


# --------------------------------------------------------------------------- Python values


def to_value(v: Value) -> Value:
    """A Python value as a TLA+ value: a list or tuple is a sequence, a dict a function
    (a record when its keys are strings), a set a set; TLA+ values and :data:`UNKNOWN`
    pass unchanged."""
    t = type(v)
    if t in (int, str, bool, Tup, Fn, FSet, ModelValue, Unknown):
        return v
    if t is list or t is tuple:
        return Tup(to_value(x) for x in v)
    if t is dict:
        return make_fn({to_value(k): to_value(x) for k, x in v.items()})
    if t is set or t is frozenset:
        return FSet(to_value(x) for x in v)
    m = getattr(v, "materialize", None)
    if m is not None:
        return m()
    raise TypeError(f"not a TLA+ value (nor a list, dict, set, str, int or bool): {v!r}")


# --------------------------------------------------------------------------- JSON


def encode_value(v: Value, memo: dict | None = None) -> Any:
    """``v`` in the ITF encoding, holes as ``{"#unknown": true}`` (``memo``: see
    :func:`conformance.trace.encoding.encode`).

    A recorder encodes every message and parameter of every step of a running system, so
    the common shapes take a short path here: scalars, model values and small sets (each
    encoded once: a cluster has few servers and few sets of them), sequences, and records
    (their fields in plain string order, as :func:`encode` writes them). The output is the
    same as :func:`encode`'s; anything else is left to it. The JSON returned may share
    parts with other calls': it is for writing, not for changing."""
    t = type(v)
    if t is str or t is bool:
        return v
    if t is int:
        return v if -_SAFE < v < _SAFE else encode(v)
    if t is ModelValue:
        out = _SHARED.get(v)
        if out is None:
            out = _shared(v, {"#mv": v.name})
        return out
    if t is Fn:
        if memo is not None:
            hit = memo.get(id(v))
            if hit is not None and hit[0] is v:
                return hit[1]
        m = v.map
        keys = _record_keys(m)
        if keys is None:
            return encode(v, memo=memo)
        out = {}
        for k in keys:  # the scalar fields inline: a call each costs as much as the rest
            x = m[k]
            tx = type(x)
            if tx is str or tx is bool or (tx is int and -_SAFE < x < _SAFE):
                out[k] = x
            elif tx is ModelValue:
                out[k] = _SHARED.get(x) or encode_value(x)
            else:
                out[k] = encode_value(x, memo)
        if memo is not None:
            memo[id(v)] = (v, out)
        return out
    if t is Tup:
        return [encode_value(x, memo) for x in v]
    if t is FSet and len(v) <= 8:
        out = _SHARED.get(v)
        if out is None:
            out = _shared(v, encode(v, memo=memo))
        return out
    return encode(v, memo=memo)


def json_default(v: Value) -> Any:
    """``orjson.dumps``'s ``default``: the encoding of a TLA+ value met in JSON data, one
    level of it (orjson encodes what it returns, calling this again for the values within).

    A recorder hands orjson its lines with the TLA+ values left in them: orjson walks
    them in C and calls back only for model values, sequences, functions and sets, so a
    message or a slot's value costs a call or two, not a walk in Python. The bytes are
    those :func:`encode_value` gives (records' fields in plain string order); integers
    past 2^53 are left to the caller (``OPT_STRICT_INTEGER`` and :func:`encode_value`)."""
    t = type(v)
    if t is ModelValue:
        out = _SHARED.get(v)
        return out if out is not None else _shared(v, {"#mv": v.name})
    if t is Tup:
        return list(v)
    if t is Fn:
        m = v.map
        keys = _record_keys(m)
        if keys is None:
            return encode_value(v, {})
        return {k: m[k] for k in keys}
    # the rest whole (a memo, even an empty one, writes the records within in plain
    # string order too, not in TLC's order of strings, which depends on the process)
    return encode_value(v, {})


_SAFE = 2**53
_SHARED: dict[Any, Any] = {}  # model values and small sets: their (shared) encodings
_RECORD_KEYS: dict[tuple, tuple[str, ...]] = {}  # a record's fields, as built: as written


def _record_keys(m: dict) -> tuple[str, ...] | None:
    """A record's fields in the order they are written (plain string order), None when
    the function ``m`` is not a record; remembered by the fields as built."""
    fields = tuple(m)
    keys = _RECORD_KEYS.get(fields)
    if keys is None:
        if not m or not all(type(k) is str and k[:1] != "#" for k in m):
            return None
        keys = tuple(sorted(m))
        if len(_RECORD_KEYS) > 256:
            _RECORD_KEYS.clear()
        _RECORD_KEYS[fields] = keys
    return keys


def _shared(v: Value, out: Any) -> Any:
    if len(_SHARED) > 4096:
        _SHARED.clear()
    _SHARED[v] = out
    return out


def decode_value(data: Any, path: str = "$") -> Value:
    """A value of the ITF encoding in which ``{"#unknown": true}`` is a hole."""
    if not _mentions_hole(data):
        return decode(data, path)
    t = type(data)
    if t is dict:
        if len(data) == 1 and TAG in data:
            return UNKNOWN
        if len(data) == 1 and "#map" in data:
            pairs = data["#map"]
            if type(pairs) is not list:
                raise DecodeError("#map needs a JSON array", path)
            graph = {}
            for i, pair in enumerate(pairs):
                where = f"{path}.#map[{i}]"
                if type(pair) is not list or len(pair) != 2:
                    raise DecodeError("a #map entry must be a [key, value] pair", where)
                graph[decode(pair[0], where + "[0]")] = decode_value(pair[1], where + "[1]")
            return make_fn(graph)
        if any(k.startswith("#") for k in data):
            raise DecodeError("only a record, a #map or a sequence may hold an unknown part",
                              path)
        return Fn({k: decode_value(x, f"{path}.{k}") for k, x in data.items()})
    if t is list:
        return Tup(decode_value(x, f"{path}[{i}]") for i, x in enumerate(data))
    raise DecodeError("not a TLA+ value", path)


def _mentions_hole(data: Any) -> bool:
    stack = [data]
    while stack:
        x = stack.pop()
        t = type(x)
        if t is dict:
            if TAG in x:
                return True
            stack.extend(x.values())
        elif t is list:
            stack.extend(x)
    return False
