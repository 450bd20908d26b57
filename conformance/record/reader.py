"""Reading one node's trace file: its segments, their events, the node's state after each.

A node's file (written by :class:`~conformance.record.recorder.Recorder`, or by any system
that follows the format) is newline-delimited JSON of three kinds of line:

* a **segment header**, written each time the node's process starts:
  ``{"format": "conform-node-trace", "version": 3, "spec", "node", "self", "constants",
  "restart", "network", "durability", "state", ...}``;
* an **event**, one atomic step: ``{"n", "t", "action", "params", "recv", "sent", "set",
  "truncate", "put", "append", "external", "clock"}`` (or ``"actions"``: several spec
  actions in one step); ``n`` counts the segment's events from 1;
* a **durable mark** ``{"durable": n}``: the events up to ``n`` are on stable storage.

Everything is checked as it is read; a fault is one :class:`TraceFileError` naming the file
and line. A line that is not JSON at the end of a segment (the node was killed while writing
it) is dropped with a note; anywhere else it is an error.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.errors import Position
from conformance.record.delta import Delta, DeltaError, apply
from conformance.record.pattern import TAG, decode_value
from conformance.record.recorder import FORMAT, VERSION, VERSIONS
from conformance.trace.encoding import DecodeError, decode
from conformance.trace.files import TraceFileError
from conformance.trace.safejson import JsonLimitError, loads
from conformance.values import Fn, Tup

Value = Any


@dataclass
class Sent:
    to: str
    msg: Value  # the spec's message (may have unknown parts)
    id: str | None = None


@dataclass
class Received:
    frm: str
    msg: Value  # the spec's message (may have unknown parts), or None when only the id is
    id: str | None = None
    # the first action's parameter that is the message, when the line gives it by id alone
    # (version 2): the merger fills it in from the matched send
    param: str | None = None


@dataclass
class Event:
    """One atomic step of one node."""

    node: str
    file: str
    line: int
    segment: int  # 1 for the first process, 2 after its first restart, ...
    n: int  # the event's number in its segment, from 1
    actions: list[tuple[str, dict[str, Value]]]
    state: dict[str, Value]  # the node's recorded variables after the step
    changed: frozenset[str] = frozenset()  # the variables this step changed
    sent: list[Sent] = field(default_factory=list)
    recv: Received | None = None
    t: int | None = None
    external: bool = False
    clock: int | None = None

    @property
    def where(self) -> Position:
        return Position(self.file, self.line)

    @property
    def action(self) -> str:
        return self.actions[-1][0]


@dataclass
class Segment:
    """One run of the node's process: where it started, and what it did."""

    header: dict[str, Any]
    line: int
    number: int
    state: dict[str, Value]  # the node's variables when it started
    events: list[Event] = field(default_factory=list)
    durable: int = 0  # events 1..durable are known to be on stable storage
    marks: bool = False  # the node reports durability (else every step is durable at once)
    t: int | None = None


@dataclass
class NodeFile:
    path: str
    node: str
    segments: list[Segment]
    notes: list[str] = field(default_factory=list)

    @property
    def header(self) -> dict[str, Any]:
        return self.segments[0].header


def is_node_trace(path: str | os.PathLike) -> bool:
    """Whether the file's first line is a node trace's segment header."""
    try:
        with open(path, encoding="utf-8") as f:
            first = f.readline(1 << 26)
        data = json.loads(first)
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    return isinstance(data, dict) and data.get("format") == FORMAT


def read_node_file(path: str | os.PathLike) -> NodeFile:
    """Read and check one node's file."""
    name = str(path)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise TraceFileError(f"no such trace file: {name}")
    except OSError as e:
        raise TraceFileError(f"cannot read {name}: {e.strerror}")
    lines = raw.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return _Reader(name).read(lines)


class _Reader:
    def __init__(self, name: str) -> None:
        self.name = name
        self.segments: list[Segment] = []
        self.notes: list[str] = []
        self.node: str | None = None
        self.state: dict[str, Value] = {}

    def error(self, msg: str, line: int, column: int = 0) -> TraceFileError:
        return TraceFileError(msg, Position(self.name, line, column))

    def read(self, lines: list[bytes]) -> NodeFile:
        parsed = [self._parse(n, raw) for n, raw in enumerate(lines, start=1)]
        for k, (lineno, data, err) in enumerate(parsed):
            if err is not None:
                rest = [d for _, d, e in parsed[k + 1:] if d is not None or e is not None]
                torn = not rest or (isinstance(rest[0], dict) and rest[0].get("format"))
                if torn and self.segments:
                    self.notes.append(f"{self.name}:{lineno}: dropped a line cut short (the "
                                      f"node stopped while writing it): {err}")
                    continue
                raise self.error(err, lineno)
            if data is None:
                continue
            try:
                self._line(lineno, data, lines[lineno - 1])
            except (DecodeError, DeltaError) as e:
                raise self.error(str(e), lineno)
        if not self.segments:
            raise self.error("empty file: a node's trace starts with a segment header", 1)
        assert self.node is not None
        return NodeFile(self.name, self.node, self.segments, self.notes)

    def _parse(self, lineno: int, raw: bytes) -> tuple[int, Any, str | None]:
        if not raw.strip():
            return lineno, None, None
        try:
            data = loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            return lineno, None, "not UTF-8 text"
        except JsonLimitError as e:
            return lineno, None, str(e) + (f" (column {e.column})" if e.column else "")
        if not isinstance(data, dict):
            return lineno, None, "each line must be a JSON object"
        return lineno, data, None

    def _line(self, lineno: int, data: dict, raw: bytes) -> None:
        if "format" in data:
            self._header(lineno, data, raw)
        elif not self.segments:
            raise self.error("the file must start with a segment header (a line with "
                             f"\"format\": \"{FORMAT}\")", lineno)
        elif "durable" in data:
            self._durable(lineno, data)
        else:
            self._event(lineno, data, raw)

    # ------------------------------------------------------------------ headers

    def _header(self, lineno: int, data: dict, raw: bytes) -> None:
        fmt = data.get("format")
        if fmt != FORMAT:
            hint = " (a whole-cluster trace: give it alone to conform validate)" \
                if fmt == "conform-trace" else ""
            raise self.error(f"not a node trace: \"format\" is {fmt!r}, not {FORMAT!r}{hint}",
                             lineno)
        if data.get("version") not in VERSIONS or type(data.get("version")) is not int:
            raise self.error(f"node trace version {data.get('version')!r} is not supported "
                             f"(this reads {', '.join(map(str, VERSIONS))}; it writes "
                             f"{VERSION})", lineno)
        for key, kind in (("spec", str), ("node", str), ("constants", dict)):
            if not isinstance(data.get(key), kind):
                raise self.error(f"the segment header needs \"{key}\" ({kind.__name__})",
                                 lineno)
        node = data["node"]
        if self.node is not None and node != self.node:
            raise self.error(f"a segment of node {node!r} in the file of {self.node!r}", lineno)
        self.node = node
        state = data.get("state", {})
        if not isinstance(state, dict):
            raise self.error("\"state\" must be an object of variables", lineno)
        holes = TAG.encode() in raw
        dec = decode_value if holes else decode
        start = {k: dec(v, f"state.{k}") for k, v in state.items()}
        for key in ("constants", "restart", "network", "self"):
            _decoded_check(self, data, key, lineno)
        if self.segments:
            prev = self.segments[-1]
            if prev.header["spec"] != data["spec"]:
                raise self.error(f"a segment of spec {data['spec']}, after one of "
                                 f"{prev.header['spec']}", lineno)
            last_t = prev.events[-1].t if prev.events else prev.t
            t = data.get("t")
            if type(t) is int and type(last_t) is int and t < last_t:
                where = f"line {prev.events[-1].line}" if prev.events else f"line {prev.line}"
                raise self.error(
                    f"two segments overlap: this one starts at t={t}, before the last line "
                    f"of the previous one ({where}, t={last_t}); were two processes of "
                    f"{node} writing this file at once?", lineno)
        t = data.get("t")
        self.segments.append(Segment(data, lineno, len(self.segments) + 1, start,
                                     marks=data.get("durability") == "marks",
                                     t=t if type(t) is int else None))
        self.state = start

    def _durable(self, lineno: int, data: dict) -> None:
        seg = self.segments[-1]
        n = data["durable"]
        if type(n) is not int or not 0 <= n <= len(seg.events):
            raise self.error(f"a durable mark must name an event of its segment (1.."
                             f"{len(seg.events)}), not {n!r}", lineno)
        seg.durable = max(seg.durable, n)

    # ------------------------------------------------------------------ events

    def _event(self, lineno: int, data: dict, raw: bytes) -> None:
        seg = self.segments[-1]
        n = data.get("n")
        expected = len(seg.events) + 1
        if type(n) is not int:
            raise self.error("an event needs \"n\", its number in the segment", lineno)
        if n != expected:
            why = "were two processes writing this file at once?" if n < expected else \
                "lines are missing"
            raise self.error(f"event number {n} where {expected} was expected: {why}",
                             lineno)
        holes = TAG.encode() in raw
        dec = decode_value if holes else decode
        actions = self._actions(data, dec, lineno)
        delta = Delta.from_json(data, holes)
        try:
            self.state = apply(self.state, delta) if delta else self.state
        except DeltaError as e:
            raise self.error(f"the change does not apply to the node's state: {e}", lineno)
        sent = []
        raw_sent = data.get("sent", [])
        if not isinstance(raw_sent, list):
            raise self.error("\"sent\" must be a list", lineno)
        for k, s in enumerate(raw_sent):
            if not isinstance(s, dict) or not isinstance(s.get("to"), str) or "msg" not in s:
                raise self.error(f"sent[{k}] must be {{\"to\": node, \"msg\": message}}",
                                 lineno)
            msg = dec(s["msg"], f"sent[{k}].msg")
            if "slices" in s:
                msg = self._sliced(msg, s["slices"], k, seg, lineno)
            sent.append(Sent(s["to"], msg, _id(self, s, lineno)))
        recv = self._recv(data, actions, dec, lineno)
        t, clock = data.get("t"), data.get("clock")
        for key, v in (("t", t), ("clock", clock)):
            if v is not None and type(v) is not int:
                raise self.error(f"\"{key}\" must be an integer", lineno)
        if data.get("external", False) not in (True, False):
            raise self.error("\"external\" must be true or false", lineno)
        assert self.node is not None
        seg.events.append(Event(self.node, self.name, lineno, seg.number, n, actions,
                                self.state, frozenset(delta.variables()), sent, recv, t,
                                data.get("external", False) is True, clock))

    def _sliced(self, msg: Value, slices: Any, k: int, seg: Segment, lineno: int) -> Value:
        """A sent message with its fields given as slices of the node's own sequences
        (version 3: ``"slices": {"entries": ["log", 5, 9]}`` is ``SubSeq(log, 5, 9)`` of the
        node's ``log`` after this event) put back."""
        where = f"sent[{k}].slices"
        if seg.header["version"] < 3:
            raise self.error(f"{where}: slices need node trace version 3 (this segment is "
                             f"version {seg.header['version']})", lineno)
        if not isinstance(slices, dict) or not slices:
            raise self.error(f"{where} must map fields to [variable, first, last]", lineno)
        if type(msg) is not Fn:
            raise self.error(f"sent[{k}].msg must be a record to have slices", lineno)
        fields = dict(msg.map)
        for f, ref in slices.items():
            if not (isinstance(ref, list) and len(ref) == 3 and isinstance(ref[0], str)
                    and type(ref[1]) is int and type(ref[2]) is int
                    and 1 <= ref[1] <= ref[2] + 1):
                raise self.error(f"{where}.{f} must be [variable, first, last], a range of "
                                 f"the sequence from 1, not {ref!r}", lineno)
            var, lo, hi = ref
            if f in fields:
                raise self.error(f"{where}.{f}: the message also gives the field", lineno)
            seq = self.state.get(var)
            if type(seq) is not Tup:
                raise self.error(f"{where}.{f}: the node's {var} is "
                                 f"{'not recorded' if seq is None else 'not a sequence'} "
                                 "after this event", lineno)
            if hi > len(seq):
                raise self.error(f"{where}.{f}: {var}[{lo}..{hi}], but the node's {var} has "
                                 f"{len(seq)} elements after this event", lineno)
            fields[f] = Tup(seq[lo - 1:hi])
        return Fn(fields)

    def _actions(self, data: dict, dec, lineno: int) -> list[tuple[str, dict]]:
        if "actions" in data:
            raw = data["actions"]
            if not isinstance(raw, list) or not raw:
                raise self.error("\"actions\" must be a non-empty list", lineno)
        else:
            raw = [data]
        out = []
        for a in raw:
            if not isinstance(a, dict) or not isinstance(a.get("action"), str) \
                    or not a["action"]:
                raise self.error("an event needs \"action\": the spec action's name", lineno)
            params = a.get("params", {})
            if not isinstance(params, dict):
                raise self.error("\"params\" must be an object", lineno)
            out.append((a["action"], {p: dec(v, f"params.{p}") for p, v in params.items()}))
        return out

    def _recv(self, data: dict, actions, dec, lineno: int) -> Received | None:
        r = data.get("recv")
        if r is None:
            return None
        if not isinstance(r, dict) or not isinstance(r.get("from"), str):
            raise self.error("\"recv\" must be {\"from\": node, \"msg\" or \"param\" or "
                             "\"id\"}", lineno)
        msg = None
        rid = _id(self, r, lineno)
        by_id = None
        if "param" in r:
            params = actions[0][1]
            name = r["param"]
            if isinstance(name, str) and name not in params and rid is not None \
                    and self.segments[-1].header["version"] >= 2:
                by_id = name  # the message by its id alone: the merger fills it in
            elif not isinstance(name, str) or name not in params:
                raise self.error(f"\"recv\" names the parameter {name!r}, which the "
                                 "action does not have (and the receive gives no \"id\" to "
                                 "take it from)" if rid is None else
                                 f"\"recv\" names the parameter {name!r}, which the action "
                                 "does not have", lineno)
            else:
                msg = params[name]
        elif "msg" in r:
            msg = dec(r["msg"], "recv.msg")
        if msg is None and rid is None:
            raise self.error("\"recv\" needs the message (\"msg\" or \"param\") or its "
                             "\"id\"", lineno)
        return Received(r["from"], msg, rid, by_id)


def _id(reader: _Reader, data: dict, lineno: int) -> str | None:
    v = data.get("id")
    if v is not None and not isinstance(v, str):
        raise reader.error("a message id must be a string", lineno)
    return v


def _decoded_check(reader: _Reader, data: dict, key: str, lineno: int) -> None:
    """The header's values decode (errors name the line now, not when merged)."""
    v = data.get(key)
    if v is None:
        return
    try:
        if key == "constants":
            for k, x in v.items():
                decode(x, f"constants.{k}")
        elif key == "self":
            decode(v, "self")
        elif key == "restart":
            if not isinstance(v, dict) or not isinstance(v.get("action"), str) or \
                    not isinstance(v.get("params", {}), dict):
                raise DecodeError("\"restart\" must be {\"action\": name, \"params\": {...}}")
            for k, x in v.get("params", {}).items():
                decode(x, f"restart.params.{k}")
        elif key == "network":
            if not isinstance(v, dict) or not isinstance(v.get("variable"), str):
                raise DecodeError("\"network\" must name the spec's \"variable\" of messages "
                                  "in flight (a bag)")
    except DecodeError as e:
        raise reader.error(str(e), lineno)


def node_files(paths: list[Path]) -> list[Path]:
    """The node traces among ``paths``: a folder stands for its ``*.ndjson`` files."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            found = sorted(f for f in p.glob("*.ndjson") if f.is_file())
            if not found:
                raise TraceFileError(f"no trace files (*.ndjson) in {p}")
            out.extend(found)
        elif p.exists():
            out.append(p)
        else:
            raise TraceFileError(f"no such trace file or folder: {p}")
    return out
