"""The Json community module: TLA+ values to JSON text and back, with TLC's semantics.

TLC implements Json in Java (``tlc2.overrides.Json``, bundled with its tools), and this
module follows what that code does, including where it is surprising:

* Reading: a JSON object becomes a record, an array a sequence, a string a string, a
  boolean a boolean, and a number an integer as Java's ``intValue`` makes it (a fraction is
  truncated towards zero, a number beyond 32 bits keeps its low 32 bits: ``1.9`` is 1,
  ``3000000000`` is -1294967296). ``null`` is an error. Every key and string is interned as
  it is read, in document order, so TLC's order of strings (CHOOSE, printing) is kept.
  ``ndJsonDeserialize`` reads one value per non-blank line (lines are trimmed).
* Writing: records and functions become objects (keys in TLC's order; a key that is not a
  string is written as TLC prints it), sequences become arrays, sets become arrays of their
  elements in TLC's order, model values become their names. ``ToJsonArray`` refuses
  records and scalars, ``ToJsonObject`` sets and scalars. The text is compact, as Gson
  writes it.

A relative file name is read from the working directory, as TLC reads it, or else from the
spec's folder or a folder above it; files are written relative to the working directory.
Where TLC's result depends on how it happens to represent a value that the engine
represents one way, the engine follows the common case: an empty record read from ``{}``
is the empty sequence here, so ``ToJson`` writes it ``[]`` where TLC writes ``{}``; and
``ToJsonObject`` writes any function over ``1..n`` as an array, as TLC writes one built by
``[i \\in 1..n |-> ...]``, where TLC writes a literal ``<<"x", "y">>`` as the object
``{"0":"x","1":"y"}``.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from conformance.tla.builtins.native import Native, Runtime
from conformance.tla.errors import EvalError
from conformance.tla.lazy import LazyFn, LazySet, ordered, to_tla_any
from conformance.values import Fn, FSet, ModelValue, Tup, intern_names, make_fn, order_key

Value = Any

# --------------------------------------------------------------------------- TLA+ -> JSON


class _Unsupported(Exception):
    """A value that has no JSON form in the operator at hand (TLC: an IOException)."""


def _is_record(v: Fn) -> bool:
    return all(type(k) is str for k in v.map)


def _pairs(v: Fn) -> list[tuple[Value, Value]]:
    return sorted(v.map.items(), key=lambda kv: order_key(kv[0]))


def _key(k: Value) -> str:
    return k if type(k) is str else to_tla_any(k)


def _node(v: Value) -> Any:
    """Java's getNode: any value with a JSON form."""
    t = type(v)
    if t is str or t is int or t is bool:
        return v
    if t is ModelValue:
        return v.name
    if t is Tup:
        return [_node(x) for x in v]
    if t is Fn:
        return {_key(k): _node(x) for k, x in _pairs(v)}
    if isinstance(v, LazyFn):
        return _node(v.materialize())
    if t is FSet or isinstance(v, (frozenset, LazySet)):
        return _elements(v)
    raise _Unsupported(v)


def _elements(s: Value) -> list:
    if isinstance(s, LazySet) and not s.finite:
        raise _Unsupported(s)
    return [_node(x) for x in ordered(s)]


def _array(v: Value) -> Any:
    """Java's getArrayNode (ToJsonArray): sequences and sets; a function that is not a
    sequence is written as an object, a record is refused."""
    if isinstance(v, LazyFn):
        v = v.materialize()
    t = type(v)
    if t is Tup:
        return [_node(x) for x in v]
    if t is Fn and not _is_record(v):
        return _node(v)
    if t is FSet or isinstance(v, (frozenset, LazySet)):
        return _elements(v)
    raise _Unsupported(v)


def _object(v: Value) -> Any:
    """Java's getObjectNode (ToJsonObject): records and functions; a function over 1..n
    is written as an array, as Java writes such a function."""
    if isinstance(v, LazyFn):
        v = v.materialize()
    t = type(v)
    if t is Fn or t is Tup:
        return _node(v)
    raise _Unsupported(v)


def _text(doc: Any) -> str:
    # Gson's compact form; it escapes U+2028 and U+2029 as well, and leaves other
    # non-ASCII characters as they are
    out = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    return out.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _convert(op: str, conv, v: Value) -> str:
    try:
        return _text(conv(v))
    except _Unsupported as e:
        bad = e.args[0]
        what = "an infinite set" if isinstance(bad, LazySet) else _describe(bad)
        raise EvalError(f"{op} cannot convert {what} to JSON:\n{to_tla_any(bad)}")


def _describe(v: Value) -> str:
    t = type(v)
    if t is Fn:
        return "a record" if _is_record(v) else "a function"
    if t is FSet or isinstance(v, (frozenset, LazySet)):
        return "a set"
    if t is bool:
        return "a boolean"
    if t is int:
        return "an integer"
    if t is str:
        return "a string"
    if t is ModelValue:
        return "a model value"
    if t is Tup:
        return "a sequence"
    return "the value"


def to_json(v: Value) -> str:
    return _convert("ToJson", _node, v)


def to_json_array(v: Value) -> str:
    return _convert("ToJsonArray", _array, v)


def to_json_object(v: Value) -> str:
    return _convert("ToJsonObject", _object, v)


# --------------------------------------------------------------------------- JSON -> TLA+

_INT_BITS = 1 << 32


def _java_int(text: str) -> int:
    """A JSON number as Gson's ``getAsInt`` reads it: truncated towards zero, then the low
    32 bits as a signed integer (Java's narrowing of long and BigDecimal)."""
    try:
        d = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the JSON parser only passes numbers
        raise EvalError(f"Cannot convert the JSON number {text} to an integer")
    sign, digits, exp = d.as_tuple()
    assert isinstance(exp, int)
    coef = int("".join(map(str, digits)) or "0")
    if exp >= 0:
        mag = coef * pow(10, exp, _INT_BITS) % _INT_BITS
    elif -exp >= len(digits):
        mag = 0
    else:
        mag = (coef // 10 ** -exp) % _INT_BITS
    n = (-mag if sign else mag) % _INT_BITS
    return n - _INT_BITS if n >= 1 << 31 else n


def _no_constant(name: str) -> Any:
    raise EvalError(f"Cannot convert the JSON number {name} to an integer")


class _Pairs(list):
    """A JSON object's members, in document order, until they are converted."""


def _json_int(text: str) -> int:
    n = int(text)
    return n if -(1 << 31) <= n < 1 << 31 else _java_int(text)


_DECODER = json.JSONDecoder(object_pairs_hook=_Pairs, parse_float=_java_int,
                            parse_int=_json_int, parse_constant=_no_constant, strict=False)


def _value(doc: Any, names: list) -> Value:
    """Java's getValue; ``names`` collects every key and string in document order, which
    is the order TLC interns them in."""
    t = type(doc)
    if t is _Pairs:
        out: dict = {}
        for k, x in doc:
            names.append(k)
            out[k] = _value(x, names)
        return make_fn(out)
    if t is list:
        return Tup([_value(x, names) for x in doc])
    if t is str:
        names.append(doc)
        return doc
    if t is int or t is bool:
        return doc
    raise EvalError(f"Cannot convert value: unsupported JSON value {json.dumps(doc)}")


def _parse(text: str, where: str) -> Value:
    try:
        doc = _DECODER.decode(text)
    except json.JSONDecodeError as e:
        raise EvalError(f"{where}: malformed JSON at line {e.lineno}, column {e.colno}: "
                        f"{e.msg}")
    except RecursionError:
        raise EvalError(f"{where}: JSON nested too deeply to read")
    names: list = []
    v = _value(doc, names)
    intern_names(names)
    return v


def _name(name: Value, op: str) -> Path:
    if type(name) is not str:
        raise EvalError(f"The first argument of {op} should be a string, but instead it "
                        f"is:\n{to_tla_any(name)}")
    return Path(name)


def _to_read(rt: Runtime, name: Value, op: str) -> Path:
    """A file to read: a relative name is looked up from the working directory (as TLC
    does), then from the spec's folder and the folders above it (so that a trace spec
    whose default names a file beside it, or one written from its repository's root, is
    found wherever the engine runs)."""
    p = _name(name, op)
    if p.is_absolute() or p.exists():
        return p
    base = getattr(rt, "base_dir", None)
    if base is not None:
        for folder in (Path(base), *Path(base).resolve().parents):
            if (folder / p).exists():
                return folder / p
    return p


def _to_write(name: Value, op: str) -> Path:
    """A file to write: relative to the working directory, as TLC writes it."""
    return _name(name, op)


def _read(path: Path, op: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as e:
        raise EvalError(f"{op} cannot read {path}: {e.strerror or e}")
    except UnicodeDecodeError as e:
        raise EvalError(f"{op} cannot read {path}: not UTF-8 text ({e.reason} at byte "
                        f"{e.start})")


# Java's readLine ends a line at \n, \r or \r\n; String.trim drops every character up to
# the space at both ends
_LINES = re.compile(r"\r\n|\r|\n")
_TRIM = "".join(chr(c) for c in range(33))


def _cached(rt: Runtime, path: Path, op: str, reader) -> Value:
    """A file read once per model: a trace spec's definitions that read it are evaluated
    in several contexts (an instance, a replaced constant), and a long log costs seconds
    to read. The entry is dropped when the file changes, or when the model writes one."""
    try:
        st = path.stat()
    except OSError:
        return reader()
    key = (op, str(path.resolve()), st.st_mtime_ns, st.st_size)
    cache = rt.files
    if key not in cache:
        cache[key] = reader()
    return cache[key]


def nd_json_deserialize(rt: Runtime, name: Value) -> Value:
    path = _to_read(rt, name, "ndJsonDeserialize")

    def read() -> Value:
        out = []
        for i, line in enumerate(_LINES.split(_read(path, "ndJsonDeserialize")), start=1):
            line = line.strip(_TRIM)
            if line:
                out.append(_parse(line, f"{path}:{i}"))
        return Tup(out)
    return _cached(rt, path, "nd", read)


def json_deserialize(rt: Runtime, name: Value) -> Value:
    path = _to_read(rt, name, "JsonDeserialize")
    return _cached(rt, path, "json",
                   lambda: _parse(_read(path, "JsonDeserialize"), str(path)))


def _write(path: Path, text: str, op: str) -> bool:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as e:
        raise EvalError(f"{op} cannot write {path}: {e.strerror or e}")
    return True


def _materialized(v: Value) -> Value:
    return v.materialize() if isinstance(v, LazyFn) else v


def nd_json_serialize(rt: Runtime, name: Value, v: Value) -> bool:
    rt.files.clear()
    path = _to_write(name, "ndJsonSerialize")
    v = _materialized(v)
    if type(v) is not Tup:
        raise EvalError("The second argument of ndJsonSerialize should be a sequence, but "
                        f"instead it is:\n{to_tla_any(v)}")
    lines = [_convert("ndJsonSerialize", _node, x) + "\n" for x in v]
    return _write(path, "".join(lines), "ndJsonSerialize")


def json_serialize(rt: Runtime, name: Value, v: Value) -> bool:
    rt.files.clear()
    path = _to_write(name, "JsonSerialize")
    v = _materialized(v)
    if not (type(v) is Tup or (type(v) is Fn and _is_record(v))):
        raise EvalError("The second argument of JsonSerialize should be a sequence or "
                        f"record, but instead it is:\n{to_tla_any(v)}")
    return _write(path, _convert("JsonSerialize", _node, v), "JsonSerialize")


MODULES: dict[str, dict[str, Native]] = {
    "Json": {
        "ToJson": Native(1, to_json), "ToJsonArray": Native(1, to_json_array),
        "ToJsonObject": Native(1, to_json_object),
        # files: never folded into constants ahead of their turn (a spec may write a file
        # and read it back)
        "ndJsonDeserialize": Native(1, nd_json_deserialize, impure=True, runtime=True),
        "JsonDeserialize": Native(1, json_deserialize, impure=True, runtime=True),
        "ndJsonSerialize": Native(2, nd_json_serialize, impure=True, runtime=True),
        "JsonSerialize": Native(2, json_serialize, impure=True, runtime=True),
    },
}
