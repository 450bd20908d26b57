"""The recorder: what one node of a real system writes about itself, one line per step.

An implementation keeps one :class:`Recorder` per node (or ``None`` when it does not trace,
and tests ``if recorder is not None`` before building anything: that one test is all that
tracing costs when it is off). After each atomic step it calls :meth:`Recorder.step` with the
spec action the step was, the action's parameters, the node's own variables after the step,
the messages the step sent and the one it handled::

    rec = Recorder("traces/s1.ndjson", node="s1", spec="Raft", constants=constants,
                   state=own_state(node))                  # a new segment begins
    ...
    rec.step("HandleRequestVoteRequest", {"i": s1, "m": msg},
             state=own_state(node),                        # this node's variables
             sent=[("s2", reply)], received=("s2", msg))
    ...
    rec.durable()      # after an fsync: every step recorded so far survives a crash

The node's *own variables* are its entries of the spec's per-node functions: its
``currentTerm`` means the spec's ``currentTerm[self]``. Give them whole each time (the
recorder writes only what changed). A variable the node never records is searched over; one
it recorded keeps its last value until recorded again (so a step that gives only the
variables it changed is fine); any part of a value may be
:data:`~conformance.record.pattern.UNKNOWN`, and is then searched. Values are TLA+ values
(:mod:`conformance.values`) or plain Python lists, dicts, sets, strings, integers and booleans;
a message, a parameter or a changed value may also be given already in the file's encoding,
as :class:`~conformance.record.pattern.Encoded` (written as it is: what a server tracing
every step gives, to skip building the value and encoding it).

A variable that grows large (a log, thousands of slots) is better given as what the step
did to it, ``changes=`` a :class:`~conformance.record.delta.Delta` (the slots it accepted,
the entries it appended): then neither the implementation nor the recorder touches the
rest of the value, and a step costs what it changed, not the size of the state. Such a
variable is given whole again (``state=``) only when that is simpler (a rare truncation).

Each start of a process appends a new *segment* to the node's file (a header line carrying
the state it starts from); the merger reads every segment after the first as the spec's
restart. A handler that is several spec actions in a row whose intermediate states the
implementation cannot see is recorded with :meth:`Recorder.steps`.

Every line is written with one ``write`` call as soon as it is made (a node killed with
``kill -9`` loses at most the line being written, which the reader drops with a note);
``fsync=True`` also syncs it. A server that steps through batches of inputs may buffer the
lines of a batch and flush them before the batch's effects leave the process
(``buffered=True``, :meth:`Recorder.flush`): one write for many steps. Calls are serialized
by a lock, so threads and asyncio tasks may share one recorder. The file format is described
in the README ("Checking your own implementation") and by :mod:`conformance.record.reader`.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import orjson

from conformance.record.delta import Delta, diff
from conformance.record.pattern import Encoded, Unknown, encode_value, json_default, to_value
from conformance.values import Fn, FSet, ModelValue, Tup

_TLA = frozenset({int, str, bool, Tup, Fn, FSet, ModelValue, Unknown, Encoded})  # as given

FORMAT = "conform-node-trace"
# 2: a receive may name its message by id alone ("param" absent from "params");
# 3: a sent message's field may be a slice of the sender's own sequence ("slices")
VERSION = 3
VERSIONS = (1, 2, 3)  # the versions read


class _Received:
    """:data:`RECEIVED`'s type."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "RECEIVED"


# An action parameter that is the message received, given by its id alone: the receiver
# writes neither the parameter nor the message, and the merger fills the parameter in from
# the matched send (``received=(from, None, id)`` must give the id).
RECEIVED = _Received()

Value = Any
Send = tuple  # (to, message), (to, message, id) or (to, message, id, slices)


class Recorder:
    """One node's trace file: a segment header now, then one line per recorded step."""

    def __init__(self, path: str | os.PathLike, *, node: str, spec: str,
                 constants: Mapping[str, Value], state: Mapping[str, Value] | None = None,
                 self_value: Value = None, protocol: str | None = None,
                 restart: tuple[str, Mapping[str, Value]] | None = None,
                 network: Mapping[str, str] | None = None,
                 collect: Mapping[str, str] | None = None,
                 invariants: Iterable[str] | None = None,
                 properties: Iterable[str] | None = None,
                 durability: bool = False, fsync: bool = False, buffered: bool = False,
                 origin: Mapping[str, Any] | None = None) -> None:
        """Open (append to) ``path`` and start a segment.

        ``node`` names this node in its peers' traces (``sent``/``received``); ``self_value``
        is its value in the spec (default: the model value of that name), the key of its
        entries in the per-node functions. ``state``: its own variables now (the spec's
        initial values on a first start, what it recovered on a restart). ``restart`` is the
        spec action a restart is (default ``Restart(i)`` with ``i`` the node);
        ``network`` the spec's network variable, a bag, and the actions that lose and
        duplicate a message (default ``msgs``, ``DropMessage``, ``DuplicateMessage``);
        ``collect`` names constants the traces fill in (``{"Value": "v"}``: every value
        of an action parameter ``v``); ``invariants``/``properties`` to check (default: the
        protocol's, or the spec's .cfg). ``durability=True`` says the node calls
        :meth:`durable` after it syncs, and a restart may then lose the steps after the
        last call. ``buffered=True`` keeps lines in memory until :meth:`flush` (one write
        for many steps); the implementation must then flush before anything a step did
        leaves the process: a write to its disk, a message, an answer to a client.
        """
        self.node = node
        self.self_value = ModelValue(node) if self_value is None else to_value(self_value)
        self.fsync = fsync
        self.buffered = buffered
        self._pending: list[bytes] = []
        self._lock = threading.Lock()
        self._last: dict[str, Value] = {}
        self._n = 0
        self._marked = 0  # the last event a durable mark covered
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        if os.fstat(self._fd).st_size and not _ends_with_newline(self.path):
            self._write(b"\n")  # the last process died mid-line: keep that line apart
        name, params = restart or ("Restart", {"i": self.self_value})
        header: dict[str, Any] = {
            "format": FORMAT, "version": VERSION, "spec": spec, "node": node,
            "self": encode_value(self.self_value), "pid": os.getpid(), "t": _now(),
            "constants": {k: encode_value(to_value(v)) for k, v in constants.items()},
            "restart": {"action": name,
                        "params": {k: encode_value(to_value(v)) for k, v in params.items()}},
            "network": dict(network or {"variable": "msgs", "drop": "DropMessage",
                                        "duplicate": "DuplicateMessage"}),
            "durability": "marks" if durability else "every-step",
        }
        if protocol:
            header["protocol"] = protocol
        if collect:
            header["collect"] = dict(collect)
        if invariants is not None:
            header["invariants"] = list(invariants)
        if properties is not None:
            header["properties"] = list(properties)
        if origin:
            header["origin"] = dict(origin)
        start = {k: to_value(v) for k, v in (state or {}).items()}
        header["state"] = {k: encode_value(v) for k, v in start.items()}
        self._last = start
        self._out(_line(header))
        self.flush()

    # ------------------------------------------------------------------ steps

    def step(self, action: str, params: Mapping[str, Value] | None = None, *,
             state: Mapping[str, Value] | None = None, changes: Delta | None = None,
             sent: Iterable[Send] = (), received: Send | None = None,
             external: bool = False, clock: int | None = None) -> None:
        """Record one atomic step that was the spec action ``action(params)``.

        ``state``: the node's own variables after it (only the ones given are compared
        with the last ones recorded, and only changes are written); ``changes``: what the
        step did to other variables, written as given (its values TLA+ values); ``sent``: each
        message the step sent, as ``(to, message)`` or ``(to, message, id)``, or ``(to,
        message, id, slices)`` when fields of the message are parts of a sequence the node
        keeps (a leader sends entries of its log, again and again while a follower lags):
        ``slices`` maps such a field to ``(variable, first, last)``, the field being
        ``SubSeq(variable, first, last)`` of this node's own variable *after this step*, and
        the message given lacks the field; the reader puts it back, and the entries are
        written once, in the log, not in every message that carries them;
        ``received``: the message it handled, as ``(from, message)`` or ``(from,
        message, id)`` (an id, when the system carries one on the wire, matches a receive
        to its send exactly; else the merger matches them by content). ``external``: the
        step was seen outside the cluster (a client was answered), so a crash cannot
        have undone it. ``clock``: a Lamport clock, if the system keeps one.
        """
        self._record([(action, params)], state, changes, sent, received, external, clock)

    def steps(self, actions: Iterable[tuple[str, Mapping[str, Value] | None]], *,
              state: Mapping[str, Value] | None = None, changes: Delta | None = None,
              sent: Iterable[Send] = (), received: Send | None = None,
              external: bool = False, clock: int | None = None) -> None:
        """Several spec actions taken in one atomic step (a vote response that makes a
        leader that then sends AppendEntries), when only the state after the last is
        known: ``actions`` is a list of ``(action, params)``; the rest is as for
        :meth:`step`, for the whole group."""
        self._record(list(actions), state, changes, sent, received, external, clock)

    def _record(self, actions: list, state, changes, sent, received, external,
                clock) -> None:
        # A server records every action it takes: this is its cost per step, kept to
        # what a step has (mostly one action, a receive by id, a message or two sent, a
        # few slots changed).
        by_id = None  # the parameter that is the message received, given by its id
        acts: list[dict[str, Any]] = []
        for name, params in actions:
            pj = {}
            if params:
                for k, v in params.items():
                    t = type(v)
                    if t not in _TLA:
                        if v is RECEIVED:  # by id: neither written nor kept
                            if acts or received is None:
                                raise ValueError(f"parameter {k!r} of {name} is RECEIVED: "
                                                 "only the first action's may be, in a "
                                                 "receive")
                            by_id = k
                            continue
                        v = to_value(v)
                    pj[k] = v
            acts.append({"action": name, "params": pj})
        new = None
        if state:
            new = {k: v if type(v) in _TLA else to_value(v) for k, v in state.items()}
        out_sent = [self._send_json(s) for s in sent] if sent else None
        # the first action's parameters: the message received may be one of them
        recv = None if received is None else \
            self._recv_json(received, acts[0]["params"], by_id)
        with self._lock:
            self._n += 1
            if len(acts) == 1:
                act = acts[0]
                line: dict[str, Any] = {"n": self._n, "t": _now(), "action": act["action"]}
                if act["params"]:
                    line["params"] = act["params"]
            else:
                line = {"n": self._n, "t": _now(), "actions": acts}
            if recv is not None:
                line["recv"] = recv
            if out_sent:
                line["sent"] = out_sent
            delta = changes
            if new is not None:
                if changes is not None and not changes.variables().isdisjoint(new):
                    raise ValueError(f"{sorted(changes.variables() & new.keys())} given "
                                     "both whole and as changes")
                whole = diff(self._last, new)
                self._last.update(new)
                delta = whole if changes is None else whole.merged(changes)
            if changes is not None and self._last:  # the recorder no longer knows these
                changes.forget(self._last)  # values: one given whole later is written whole
            if delta is not None:
                delta.to_line(line)
            if external:
                line["external"] = True
            if clock is not None:
                line["clock"] = clock
            data = _line(line)
            if self.buffered:
                self._pending.append(data)
            else:
                self._write(data)

    def durable(self) -> None:
        """Every step recorded so far is on stable storage now (call it after an fsync)."""
        with self._lock:
            if self._n != self._marked:
                self._marked = self._n
                self._out(_line({"durable": self._n, "t": _now()}))

    def flush(self) -> None:
        """Write the lines kept so far (buffered recorders), with one write."""
        with self._lock:
            if self._pending:
                data, self._pending = b"".join(self._pending), []
                self._write(data)

    def close(self) -> None:
        self.flush()
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ pieces

    def _send_json(self, s: Send) -> dict:
        msg = s[1]
        if type(msg) not in _TLA:
            msg = to_value(msg)
        out: dict[str, Any] = {"to": str(s[0]), "msg": msg}
        n = len(s)
        if n > 2:
            if s[2] is not None:
                out["id"] = str(s[2])
            slices = s[3] if n > 3 else None
            if slices:
                fields = msg.map if type(msg) is Fn else msg if type(msg) is Encoded else None
                for f, (v, lo, hi) in slices.items():
                    if fields is None or f in fields or not 1 <= lo <= hi + 1:
                        raise ValueError(f"slice {f!r} -> {v}[{lo}..{hi}]: the message must "
                                         f"be a record without the field, and {lo}..{hi} a "
                                         "range")
                out["slices"] = {f: [v, lo, hi] for f, (v, lo, hi) in slices.items()}
        return out

    def _recv_json(self, r: Send, params: dict[str, Value], by_id: str | None) -> dict:
        if by_id is not None:
            if r[1] is not None or len(r) < 3 or r[2] is None:
                raise ValueError(f"parameter {by_id!r} is RECEIVED: the receive must give "
                                 "the message's id and no message, (from, None, id)")
            # absent from the params: the merger fills it in
            return {"from": str(r[0]), "param": by_id, "id": str(r[2])}
        out: dict[str, Any] = {"from": str(r[0])}
        msg = r[1]
        if msg is not None and type(msg) not in _TLA:
            msg = to_value(msg)
        if msg is not None:
            name = None
            for k, v in params.items():
                if v is msg:
                    name = k
                    break
            else:
                if type(msg) is Fn or type(msg) is Encoded:
                    name = next((k for k, v in params.items() if v == msg), None)
            if name is not None:
                out["param"] = name  # the message is that parameter: not written twice
            else:
                out["msg"] = msg
        if len(r) > 2 and r[2] is not None:
            out["id"] = str(r[2])
        return out

    def _out(self, data: bytes) -> None:
        if self.buffered:
            self._pending.append(data)
        else:
            self._write(data)

    def _write(self, data: bytes) -> None:
        if self._fd < 0:
            raise ValueError(f"the recorder of {self.node} is closed")
        view = memoryview(data)
        while view:
            n = os.write(self._fd, view)
            view = view[n:]
        if self.fsync:
            os.fsync(self._fd)


def _line(data: dict) -> bytes:
    """A line of JSON whose values may still be TLA+ values: orjson encodes them through
    :func:`~conformance.record.pattern.json_default`, ten times faster than a walk in
    Python; a line holding an integer past 2^53 is encoded in Python (``#bigint``)."""
    try:
        return orjson.dumps(data, default=json_default, option=_OPTIONS)
    except TypeError:
        return orjson.dumps(_encoded(data), option=orjson.OPT_APPEND_NEWLINE)


_OPTIONS = orjson.OPT_APPEND_NEWLINE | orjson.OPT_STRICT_INTEGER


def _encoded(data: Any) -> Any:
    """``data`` with every TLA+ value in it encoded in Python (errors name the value)."""
    t = type(data)
    if t is dict:
        return {k: _encoded(v) for k, v in data.items()}
    if t is list or t is tuple:  # the line's own lists (a plain tuple is no TLA+ value)
        return [_encoded(v) for v in data]
    return data if t is Encoded else encode_value(data)


def _now() -> int:
    """Microseconds since the epoch: the merger's first guess at an order of concurrent
    events (one clock on one machine; a guess, never trusted over causality)."""
    return time.time_ns() // 1000


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as f:
        f.seek(-1, os.SEEK_END)
        return f.read(1) == b"\n"
