"""Operations, histories and their file format.

An operation is one call a client made: ``put`` (writes a value, returns the value it
replaced), ``get`` (returns the value) or ``delete`` (returns the value it removed), on one
key, with the times it was invoked and completed, in seconds since the test began. Its
status is ``ok`` (the cluster answered), ``fail`` (the cluster said no: the operation did
not happen) or ``unknown`` (no answer in time: it may have happened, at any time after it
was invoked, or never). An unknown operation has no completion time.

A history file is newline-delimited JSON: a header line (``{"format": "conform-history",
"version": 1, ...}`` with the test's settings), then one line per operation
(``"type": "op"``) and per fault the nemesis injected (``"type": "nemesis"``), each readable
with ``jq``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from conformance.errors import Position, UserError

FORMAT = "conform-history"
VERSION = 1
KINDS = ("put", "get", "delete")
STATUSES = ("ok", "fail", "unknown")


@dataclass(slots=True)
class Op:
    index: int  # the order of invocation, from 0
    process: str  # the client (one lane of the timeline); a client runs one op at a time
    kind: str  # "put" | "get" | "delete"
    key: str
    value: str | None  # put: the value written
    invoke: float  # seconds since the start
    complete: float | None  # None while unknown
    status: str  # "ok" | "fail" | "unknown"
    output: str | None = None  # get: the value read; put, delete: the value replaced
    error: str | None = None  # why it failed or is unknown

    @property
    def is_write(self) -> bool:
        return self.kind != "get"

    def describe(self) -> str:
        """One line a person reads: ``put k1 = 'c3-17' (was 'c1-4')``."""
        head = f"put {self.key} = {self.value!r}" if self.kind == "put" else \
            f"{self.kind} {self.key}"
        if self.status != "ok":
            return f"{head} ({self.status})"
        shown = "nothing" if self.output is None else repr(self.output)
        return f"{head} -> {shown}" if self.kind == "get" else f"{head} (was {shown})"

    def to_json(self) -> dict:
        d = {"type": "op", **asdict(self)}
        return {k: v for k, v in d.items() if v is not None}


@dataclass(slots=True)
class Fault:
    """Something the nemesis did: ``kind`` (kill, pause, restart-all, partition, heal ...),
    the nodes it touched, and when (``end`` for faults that last)."""

    kind: str
    nodes: list[str]
    start: float
    end: float | None = None
    leader: bool = False  # the node was the leader when it was hit
    note: str = ""

    def to_json(self) -> dict:
        d = {"type": "nemesis", **asdict(self)}
        return {k: v for k, v in d.items() if v not in (None, "", False)}


@dataclass
class History:
    ops: list[Op] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)  # the test's settings

    def by_key(self) -> dict[str, list[Op]]:
        out: dict[str, list[Op]] = {}
        for op in self.ops:
            out.setdefault(op.key, []).append(op)
        return out

    def processes(self) -> list[str]:
        seen: dict[str, None] = {}
        for op in self.ops:
            seen.setdefault(op.process, None)
        return list(seen)

    @property
    def duration(self) -> float:
        ends = [op.complete or op.invoke for op in self.ops] + [f.end or f.start
                                                                for f in self.faults]
        return max(ends, default=0.0)

    # ------------------------------------------------------------------ files

    def dump(self, path: str | Path) -> None:
        with open(path, "w", encoding="utf-8") as f:
            for line in self.lines():
                f.write(line + "\n")

    def lines(self) -> Iterable[str]:
        yield _dumps({"format": FORMAT, "version": VERSION, **self.info})
        for op in self.ops:
            yield _dumps(op.to_json())
        for fault in self.faults:
            yield _dumps(fault.to_json())

    @staticmethod
    def load(path: str | Path) -> History:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as e:
            raise UserError(f"cannot read the history {path}: {e.strerror}")
        h = History()
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            where = Position(str(path), n)
            try:
                d = json.loads(line)
            except json.JSONDecodeError as e:
                raise UserError(f"not JSON: {e.msg}", Position(str(path), n, e.colno))
            if not isinstance(d, dict):
                raise UserError("each line must be a JSON object", where)
            if n == 1:
                if d.get("format") != FORMAT or d.get("version") != VERSION:
                    raise UserError(f"not a {FORMAT} file of version {VERSION}", where)
                h.info = {k: v for k, v in d.items() if k not in ("format", "version")}
            elif d.get("type") == "op":
                h.ops.append(_op(d, where))
            elif d.get("type") == "nemesis":
                h.faults.append(_fault(d, where))
            else:
                raise UserError(f"unknown line type {d.get('type')!r}", where)
        return h


def _dumps(d: dict) -> str:
    return json.dumps(d, separators=(",", ":"), ensure_ascii=False)


def _op(d: dict, where: Position) -> Op:
    try:
        op = Op(index=int(d["index"]), process=str(d["process"]), kind=str(d["kind"]),
                key=str(d["key"]), value=_opt_str(d.get("value")), invoke=float(d["invoke"]),
                complete=None if d.get("complete") is None else float(d["complete"]),
                status=str(d["status"]), output=_opt_str(d.get("output")),
                error=_opt_str(d.get("error")))
    except (KeyError, TypeError, ValueError) as e:
        raise UserError(f"malformed operation: {type(e).__name__} {e}", where)
    if op.kind not in KINDS or op.status not in STATUSES:
        raise UserError(f"operation kind {op.kind!r} / status {op.status!r} unknown", where)
    if (op.complete is None) != (op.status == "unknown"):
        raise UserError("an operation has a completion time unless its status is unknown",
                        where)
    return op


def _fault(d: dict, where: Position) -> Fault:
    try:
        return Fault(kind=str(d["kind"]), nodes=[str(n) for n in d.get("nodes", [])],
                     start=float(d["start"]),
                     end=None if d.get("end") is None else float(d["end"]),
                     leader=bool(d.get("leader", False)), note=str(d.get("note", "")))
    except (KeyError, TypeError, ValueError) as e:
        raise UserError(f"malformed nemesis event: {type(e).__name__} {e}", where)


def _opt_str(v: Any) -> str | None:
    return None if v is None else str(v)
