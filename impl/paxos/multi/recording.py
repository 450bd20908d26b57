"""A Multi-Paxos server's trace, recorded through :class:`conformance.record.Recorder`.

The node core calls its tracer after every spec action (:mod:`impl.paxos.multi.core`);
:class:`NodeTrace` maps the node's own state, the action's parameters and the messages the
action produced to the spec's values (:mod:`impl.paxos.multi.abstraction`, the one mapping
module) and records them. The server adds when its storage is synced
(:meth:`NodeTrace.durable`) and when a client is answered (:meth:`NodeTrace.replied`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conformance.record import Recorder
from impl.paxos.multi.abstraction import Abstraction
from impl.paxos.multi.core import Node, Ready
from impl.paxos.values import ValueMap, node, text_value


def constants(servers: list[str]) -> dict[str, Any]:
    """The spec's constants for a cluster of these servers (the commands clients submit
    are collected from the traces)."""
    from conformance.protocols import get

    return get("multipaxos").constants({"servers": sorted(servers), "values": []})


class NodeTrace:
    """The tracer of one server: pass it to the core, then :meth:`start` it."""

    def __init__(self, path: str | Path, node_id: str, servers: list[str],
                 value_of: ValueMap = text_value, origin: dict | None = None,
                 buffered: bool = False) -> None:
        self.path = Path(path)
        self.id = node_id
        self.absn = Abstraction(servers, value_of)
        self.constants = constants(servers)
        self.origin = origin or {}
        self.buffered = buffered  # the server flushes before a batch's effects leave
        self.rec: Recorder | None = None
        self._ready: Ready | None = None
        self._sent = 0
        self._keys: dict[str, Any] = {}  # the change keys of the state last recorded

    def start(self, n: Node) -> None:
        """Begin a segment with the state the server starts from (what it recovered)."""
        self._keys = {}
        self.rec = Recorder(self.path, node=self.id, spec="MultiPaxos", protocol="multipaxos",
                            constants=self.constants,
                            state=self.absn.local_changes(n, self._keys),
                            collect={"Value": "v"}, durability=True, origin=self.origin,
                            buffered=self.buffered)

    def __call__(self, n: Node, action: str, params: dict) -> None:
        rec = self.rec
        if rec is None:  # the core steps before the server starts the trace: not an action
            return
        ready = n._ready
        if ready is not self._ready:  # a new input: its messages start afresh
            self._ready, self._sent = ready, 0
        new = ready.messages[self._sent:]
        self._sent = len(ready.messages)
        p = self.absn.params(params)
        m = params.get("m")
        rec.step(action, p, state=self.absn.local_changes(n, self._keys),
                 sent=[(x.dst, self.absn.message(x)) for x in new],
                 received=None if m is None else (m.src, p["m"]))

    def durable(self) -> None:
        """The storage is synced: every step recorded so far survives a crash."""
        if self.rec is not None:
            self.rec.durable()

    def replied(self, slot: int) -> None:
        """A client was told that its command, in ``slot``, is done."""
        if self.rec is not None:
            self.rec.step("ClientReply", {"i": node(self.id), "k": slot}, external=True)

    def flush(self) -> None:
        """Write what was recorded (before anything it did leaves the process)."""
        if self.rec is not None:
            self.rec.flush()

    def close(self) -> None:
        if self.rec is not None:
            self.rec.close()
