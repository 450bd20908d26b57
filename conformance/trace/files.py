"""Reading and writing trace files.

A trace file is newline-delimited JSON. Line 1 is the header::

    {"format": "conform-trace", "version": 1, "spec": "Raft", "model": "Raft.cfg",
     "variables": [...], "constants": {...}, "origin": {...}, "schedule": ..., "loop": null}

and every further line is one step::

    {"index": 3, "action": "HandleRequestVote", "params": {"i": {"#mv": "s1"}},
     "node": "s1", "state": {"currentTerm": {"#map": [...]}, ...}}

Values use the ITF encoding of ``encoding.py``. Such a file reads with ``jq`` and with
:func:`read_trace` alone. :func:`write_itf` exports a trace for Apalache/Quint tooling.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from conformance import outputs
from conformance.errors import Position, UserError
from conformance.trace import safejson
from conformance.trace.encoding import (
    DecodeError,
    decode,
    decode_like,
    encode,
    key_like,
    to_itf_json,
)
from conformance.trace.schema import FORMAT, VERSION, Step, Trace, TraceHeader


class TraceFileError(UserError):
    """A trace file that cannot be read: names the file and the line."""


# --------------------------------------------------------------------------- writing


def header_to_json(h: TraceHeader) -> dict:
    out: dict[str, Any] = {"format": FORMAT, "version": VERSION, "spec": h.spec}
    for name in ("model", "protocol"):
        if getattr(h, name) is not None:
            out[name] = getattr(h, name)
    out["variables"] = list(h.variables)
    out["constants"] = {k: encode(v) for k, v in h.constants.items()}
    out["origin"] = h.origin
    if h.schedule is not None:
        out["schedule"] = h.schedule
    if h.loop is not None:
        out["loop"] = h.loop
    if h.violated is not None:
        out["violated"] = h.violated
    out.update(h.extra)
    return out


def step_to_json(s: Step) -> dict:
    out: dict[str, Any] = {"index": s.index, "action": s.action}
    if s.params is not None:
        out["params"] = {k: encode(v) for k, v in s.params.items()}
    if s.node is not None:
        out["node"] = s.node
    if s.location is not None:
        out["location"] = s.location.to_json()
    out.update(s.extra)
    out["state"] = {k: encode(v) for k, v in s.state.items()}
    return out


def _dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


class TraceWriter:
    """Writes a trace one step at a time, so a crash leaves every finished step on disk."""

    def __init__(self, stream: IO[str], header: TraceHeader) -> None:
        self._stream = stream
        stream.write(_dumps(header_to_json(header)) + "\n")

    def write(self, step: Step) -> None:
        self._stream.write(_dumps(step_to_json(step)) + "\n")


def write_trace(trace: Trace, path: str | os.PathLike) -> Path:
    """Write atomically: the file appears whole or not at all, and only where a regular
    file or nothing was (see :mod:`conformance.outputs`)."""

    def fill(out: IO[str]) -> None:
        writer = TraceWriter(out, trace.header)
        for step in trace.steps:
            writer.write(step)

    return outputs.write_file(path, fill)


# --------------------------------------------------------------------------- reading


def read_trace(path: str | os.PathLike) -> Trace:
    """Read a trace file; :class:`TraceFileError` names the file and line of any fault."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TraceFileError(f"no such trace file: {path}")
    except (OSError, UnicodeDecodeError) as e:
        raise TraceFileError(f"cannot read trace file {path}: {e}")
    return parse_trace(text.splitlines(), str(path))


def parse_trace(lines: Iterable[str], name: str = "<trace>") -> Trace:
    """Parse a trace strictly: the header and every step are checked against the format up
    front (types, not only presence), under the limits of :mod:`safejson`, so that a broken
    file is reported as broken and never blamed on the implementation or the spec later."""
    header: TraceHeader | None = None
    steps: list[Step] = []
    # each variable's JSON in the step before and its value: what a step repeats is taken
    # as the same objects (see decode_like)
    last: dict[str, tuple[Any, Any]] = {}
    texts: dict[str, tuple] = {}  # and its text (see safejson.loads_step)
    for lineno, line in enumerate(lines, start=1):
        if not line or line.isspace():
            continue
        try:
            data = safejson.loads_step(line, texts)
        except safejson.JsonLimitError as e:
            raise TraceFileError(str(e), Position(name, lineno, e.column))
        if not isinstance(data, dict):
            raise TraceFileError("each line must be a JSON object", Position(name, lineno))
        try:
            if header is None:
                header = _header_from_json(data)
            else:
                steps.append(_step_from_json(data, len(steps), header, last))
        except DecodeError as e:
            raise TraceFileError(f"bad value at {e}", Position(name, lineno))
        except (KeyError, TypeError, ValueError) as e:
            raise TraceFileError(str(e) if not isinstance(e, KeyError)
                                 else f"missing field {e}", Position(name, lineno))
    if header is None:
        raise TraceFileError("empty file: a trace starts with a header line", Position(name, 1))
    if header.loop is not None and not 0 <= header.loop < max(len(steps), 1):
        raise TraceFileError(f"loop {header.loop} points outside the {len(steps)} steps",
                             Position(name, 1))
    return Trace(header, steps)


_HEADER_FIELDS = {"format", "version", "spec", "model", "protocol", "variables", "constants",
                  "origin", "schedule", "loop", "violated"}


def _is_int(x: Any) -> bool:
    return type(x) is int  # not bool, not 1.0


def _expect(data: dict, key: str, kind: type | tuple[type, ...], what: str,
            optional: bool = True) -> Any:
    """``data[key]`` if it has the JSON type ``kind`` (``None`` allowed when optional)."""
    if key not in data:
        if optional:
            return None
        raise ValueError(f"missing field {key!r}: {what}")
    value = data[key]
    if value is None and optional:
        return None
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if type(value) not in kinds:
        raise ValueError(f"{key!r} must be {what}, not {_json_type(value)}")
    return value


def _json_type(x: Any) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number with a fraction",
            str: "a string", list: "an array", dict: "an object"}.get(type(x), "null")


def _names(value: Any, key: str) -> list[str]:
    if type(value) is not list or not all(type(x) is str and x for x in value):
        raise ValueError(f"{key!r} must be an array of names")
    return list(value)


def _header_from_json(data: dict) -> TraceHeader:
    if data.get("format") != FORMAT:
        raise ValueError(f"not a trace file: the header must have \"format\": \"{FORMAT}\" "
                         "(an ITF file is read with --itf)")
    version = data.get("version")
    if not _is_int(version) or version != VERSION:
        raise ValueError(f"trace format version {version!r} is not supported (this is {VERSION})")
    spec = _expect(data, "spec", str, "the spec module's name", optional=False)
    if not spec:
        raise ValueError("\"spec\" must name the spec module")
    constants = _expect(data, "constants", dict, "an object of constant values") or {}
    origin = _expect(data, "origin", dict, "an object saying where the trace came from") or {}
    schedule = data.get("schedule")
    if schedule is not None and (type(schedule) is not list
                                 or not all(type(d) is dict for d in schedule)):
        raise ValueError("\"schedule\" must be an array of decisions (objects)")
    extra = {k: v for k, v in data.items() if k not in _HEADER_FIELDS}
    _check_header_extra(extra)
    return TraceHeader(
        spec=spec,
        model=_expect(data, "model", str, "the model's file name"),
        protocol=_expect(data, "protocol", str, "a protocol's name"),
        variables=_names(data.get("variables", []), "variables"),
        constants={k: decode(v, f"constants.{k}") for k, v in constants.items()},
        origin=dict(origin),
        schedule=schedule,
        loop=_expect(data, "loop", int, "a step index"),
        violated=_expect(data, "violated", str, "a property's name"),
        extra=extra,
    )


def _check_header_extra(extra: dict) -> None:
    """The header fields other parts of conform read (replay, validate) have their shapes."""
    if "partial" in extra:
        _names(extra["partial"], "partial")
    cluster = extra.get("cluster")
    if cluster is not None:
        if type(cluster) is not dict or type(cluster.get("settings")) is not dict:
            raise ValueError("\"cluster\" must be an object with \"settings\" (an object)")
        _names(cluster.get("bugs", []), "cluster.bugs")
    for key in ("divergence",):
        if key in extra and extra[key] is not None and type(extra[key]) is not dict:
            raise ValueError(f"{key!r} must be an object")


_STEP_FIELDS = {"index", "action", "params", "node", "location", "state"}


def _step_from_json(data: dict, expected_index: int, header: TraceHeader,
                    last: dict[str, tuple[Any, Any]]) -> Step:
    index = _expect(data, "index", int, "the step's number", optional=False)
    if index != expected_index:
        raise ValueError(f"step index {index!r} where {expected_index} was expected")
    action = _expect(data, "action", str, "the spec action's name", optional=False)
    if not action:
        raise ValueError("\"action\" must name the spec action")
    state = _expect(data, "state", dict, "an object of variables", optional=False)
    if header.variables:
        unknown = sorted(state.keys() - header.variables)
        if unknown:
            raise ValueError(f"the state names {unknown[0]!r}, which is not among the "
                             "header's variables")
    params = _expect(data, "params", dict, "an object of the action's parameters")
    node = _expect(data, "node", str, "the name of the node that acted")
    loc = _expect(data, "location", dict, "an object with file, line, column")
    if "decision" in data and not _is_int(data["decision"]):
        raise ValueError("\"decision\" must be the index of a schedule decision")
    # (the parameters before the state: a message received is a key of the bag before it)
    params = None if params is None else {k: _param(k, v, last) for k, v in params.items()}
    return Step(
        index=index,
        action=action,
        state=_state(state, last),
        params=params,
        location=None if loc is None else _location(loc),
        node=node,
        extra={k: v for k, v in data.items() if k not in _STEP_FIELDS},
    )


def _param(name: str, data: Any, last: dict[str, tuple[Any, Any]]) -> Any:
    """A parameter decoded; a record that is the same JSON as a key of a function of the
    step before's state is that key's object (see key_like)."""
    shared = key_like(data, last.values()) if type(data) is dict and last else None
    return decode(data, f"params.{name}") if shared is None else shared


def _state(state: dict, last: dict[str, tuple[Any, Any]]) -> dict[str, Any]:
    """A step's state decoded, sharing with the step before's (``last``, updated) the
    values of the parts that are the same JSON."""
    out = {}
    for k, v in state.items():
        was = last.get(k)
        if was is not None and was[0] is v:
            out[k] = was[1]  # the line before's JSON object (see safejson.loads_step)
            continue
        value = decode(v, f"state.{k}") if was is None else \
            decode_like(v, was[0], was[1], f"state.{k}")
        last[k] = (v, value)
        out[k] = value
    return out


def _location(loc: dict) -> Position:
    if type(loc.get("file")) is not str or not all(
            _is_int(loc.get(k, 0)) for k in ("line", "column", "end_line", "end_column")):
        raise ValueError("\"location\" must be an object with \"file\" (a string) and "
                         "integer \"line\", \"column\"")
    return Position.from_json(loc)


# --------------------------------------------------------------------------- ITF


def trace_to_itf(trace: Trace) -> dict:
    """The trace as one ITF document (the format of Apalache and Quint)."""
    h = trace.header
    variables = h.variables or sorted({v for s in trace.steps for v in s.state})
    meta: dict[str, Any] = {
        "format": "ITF",
        "format-description": "https://apalache-mc.org/docs/adr/015adr-trace.html",
        "source": h.spec + ".tla",
        "description": f"exported by conform from a {h.origin.get('tool', 'conform')} trace",
    }
    doc: dict[str, Any] = {"#meta": meta, "vars": variables}
    if h.constants:
        doc["params"] = sorted(h.constants)
    if h.loop is not None:
        doc["loop"] = h.loop
    states = []
    for s in trace.steps:
        entry: dict[str, Any] = {"#meta": {"index": s.index, "action": s.action}}
        entry.update({k: to_itf_json(v) for k, v in s.state.items()})
        if h.constants:
            entry.update({k: to_itf_json(v) for k, v in h.constants.items()})
        states.append(entry)
    doc["states"] = states
    return doc


def write_itf(trace: Trace, path: str | os.PathLike) -> Path:
    return outputs.write_text(path, json.dumps(trace_to_itf(trace), indent=1,
                                               ensure_ascii=False) + "\n")


def read_itf(path: str | os.PathLike) -> Trace:
    """Read an ITF file written by any tool. Model values arrive as strings, as ITF has none."""
    path = Path(path)
    try:
        doc = safejson.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TraceFileError(f"no such ITF file: {path}")
    except (OSError, UnicodeDecodeError) as e:
        raise TraceFileError(f"cannot read ITF file {path}: {e}")
    except safejson.JsonLimitError as e:
        raise TraceFileError(str(e), Position(str(path)))
    if not isinstance(doc, dict) or not isinstance(doc.get("states"), list):
        raise TraceFileError("an ITF document is an object with a \"states\" array",
                             Position(str(path)))
    try:
        params = set(_names(doc.get("params", []), "params"))
        variables = _names(doc.get("vars", []), "vars")
        loop = _expect(doc, "loop", int, "a state index")
    except ValueError as e:
        raise TraceFileError(str(e), Position(str(path)))
    meta = doc.get("#meta", {}) if isinstance(doc.get("#meta"), dict) else {}
    spec = str(meta.get("source", path.stem)).removesuffix(".tla").removesuffix(".qnt")
    header = TraceHeader(spec=spec, variables=variables,
                         origin={"tool": "itf", "file": str(path)}, loop=loop)
    steps = []
    for i, st in enumerate(doc["states"]):
        if not isinstance(st, dict):
            raise TraceFileError(f"state {i} is not an object", Position(str(path)))
        try:
            values = {k: decode(v, f"states[{i}].{k}") for k, v in st.items()
                      if k != "#meta" and k not in params}
            if i == 0:
                header.constants = {k: decode(v, f"states[0].{k}") for k, v in st.items()
                                    if k in params}
        except DecodeError as e:
            raise TraceFileError(f"bad value at {e}", Position(str(path)))
        smeta = st.get("#meta", {}) if isinstance(st.get("#meta"), dict) else {}
        action = smeta.get("action") or ("Init" if i == 0 else "Next")
        steps.append(Step(index=i, action=str(action), state=values))
    return Trace(header, steps)
