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
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from conformance.errors import Position, UserError
from conformance.trace.encoding import DecodeError, decode, encode, to_itf_json
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
    """Write atomically: the file appears whole or not at all."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            writer = TraceWriter(out, trace.header)
            for step in trace.steps:
                writer.write(step)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private; a trace is not
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


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
    header: TraceHeader | None = None
    steps: list[Step] = []
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = Position(name, lineno)
        try:
            data = json.loads(line)
        except json.JSONDecodeError as e:
            raise TraceFileError(f"not JSON: {e.msg}", Position(name, lineno, e.colno))
        if not isinstance(data, dict):
            raise TraceFileError("each line must be a JSON object", where)
        try:
            if header is None:
                header = _header_from_json(data)
            else:
                steps.append(_step_from_json(data, len(steps)))
        except DecodeError as e:
            raise TraceFileError(f"bad value at {e}", where)
        except (KeyError, TypeError, ValueError) as e:
            raise TraceFileError(str(e) if not isinstance(e, KeyError)
                                 else f"missing field {e}", where)
    if header is None:
        raise TraceFileError("empty file: a trace starts with a header line", Position(name, 1))
    if header.loop is not None and not 0 <= header.loop < max(len(steps), 1):
        raise TraceFileError(f"loop {header.loop} points outside the {len(steps)} steps",
                             Position(name, 1))
    return Trace(header, steps)


_HEADER_FIELDS = {"format", "version", "spec", "model", "protocol", "variables", "constants",
                  "origin", "schedule", "loop", "violated"}


def _header_from_json(data: dict) -> TraceHeader:
    if data.get("format") != FORMAT:
        raise ValueError(f"not a trace file: the header must have \"format\": \"{FORMAT}\" "
                         "(an ITF file is read with --itf)")
    version = data.get("version")
    if version != VERSION:
        raise ValueError(f"trace format version {version!r} is not supported (this is {VERSION})")
    if not isinstance(data.get("spec"), str):
        raise ValueError("the header needs \"spec\": the spec module's name")
    constants = data.get("constants", {})
    if not isinstance(constants, dict):
        raise ValueError("\"constants\" must be an object")
    loop = data.get("loop")
    if loop is not None and type(loop) is not int:
        raise ValueError("\"loop\" must be a step index")
    return TraceHeader(
        spec=data["spec"],
        model=data.get("model"),
        protocol=data.get("protocol"),
        variables=list(data.get("variables", [])),
        constants={k: decode(v, f"constants.{k}") for k, v in constants.items()},
        origin=dict(data.get("origin", {})),
        schedule=data.get("schedule"),
        loop=loop,
        violated=data.get("violated"),
        extra={k: v for k, v in data.items() if k not in _HEADER_FIELDS},
    )


_STEP_FIELDS = {"index", "action", "params", "node", "location", "state"}


def _step_from_json(data: dict, expected_index: int) -> Step:
    index = data["index"]
    if index != expected_index:
        raise ValueError(f"step index {index!r} where {expected_index} was expected")
    action = data["action"]
    if not isinstance(action, str) or not action:
        raise ValueError("\"action\" must name the spec action")
    state = data["state"]
    if not isinstance(state, dict):
        raise ValueError("\"state\" must be an object of variables")
    params = data.get("params")
    if params is not None and not isinstance(params, dict):
        raise ValueError("\"params\" must be an object")
    loc = data.get("location")
    return Step(
        index=index,
        action=action,
        state={k: decode(v, f"state.{k}") for k, v in state.items()},
        params=None if params is None else {k: decode(v, f"params.{k}") for k, v in params.items()},
        location=Position.from_json(loc) if isinstance(loc, dict) else None,
        node=data.get("node"),
        extra={k: v for k, v in data.items() if k not in _STEP_FIELDS},
    )


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
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(trace_to_itf(trace), indent=1, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    return path


def read_itf(path: str | os.PathLike) -> Trace:
    """Read an ITF file written by any tool. Model values arrive as strings, as ITF has none."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TraceFileError(f"no such ITF file: {path}")
    except json.JSONDecodeError as e:
        raise TraceFileError(f"not JSON: {e.msg}", Position(str(path), e.lineno, e.colno))
    if not isinstance(doc, dict) or not isinstance(doc.get("states"), list):
        raise TraceFileError("an ITF document is an object with a \"states\" array",
                             Position(str(path)))
    meta = doc.get("#meta", {}) if isinstance(doc.get("#meta"), dict) else {}
    params = set(doc.get("params", []))
    spec = str(meta.get("source", path.stem)).removesuffix(".tla").removesuffix(".qnt")
    header = TraceHeader(spec=spec, variables=list(doc.get("vars", [])),
                         origin={"tool": "itf", "file": str(path)}, loop=doc.get("loop"))
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
