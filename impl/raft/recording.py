"""A Raft node's trace, recorded through :class:`conformance.record.Recorder`.

The node core calls its tracer after every spec action it takes (:mod:`impl.raft.core`);
:class:`NodeTrace` is that tracer for a real server: it maps the node's own state, the
action's parameters and the messages the action produced to the spec's values
(:mod:`impl.raft.abstraction`, the one mapping module) and hands them to the recorder. The
server adds what only it knows: when the WAL is synced (:meth:`NodeTrace.durable`) and
when a client is answered (:meth:`NodeTrace.replied`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from conformance.record import Recorder
from impl.raft.abstraction import Abstraction, server, text_value
from impl.raft.core import Node, Options, Ready
from impl.raft.messages import Entry


def constants(servers: list[str], initial: list[str], options: Options) -> dict[str, Any]:
    """The spec's constants for a cluster of these servers run with these options (the
    values clients write are collected from the traces)."""
    from conformance.protocols import get

    return get("raft").constants({"servers": sorted(servers), "initial": sorted(initial),
                                  "values": [], "pre_vote": options.pre_vote,
                                  "check_quorum": options.check_quorum,
                                  "batch": options.max_batch})


class NodeTrace:
    """The tracer of one node: ``node.tracer = trace`` after :meth:`start`."""

    def __init__(self, path: str | Path, node_id: str, servers: list[str], initial: list[str],
                 options: Options, value_of: Callable[[Entry], Any] = text_value,
                 origin: dict | None = None) -> None:
        self.path = Path(path)
        self.id = node_id
        self.absn = Abstraction(servers, value_of)
        self.constants = constants(servers, initial, options)
        self.origin = origin or {}
        self.rec: Recorder | None = None
        self._ready: Ready | None = None
        self._sent = 0

    def start(self, node: Node) -> None:
        """Begin a segment with the state the node starts from (recovered from its WAL)."""
        self.rec = Recorder(self.path, node=self.id, spec="Raft", protocol="raft",
                            constants=self.constants, state=self.absn.own(node),
                            collect={"Value": "v"}, durability=True, origin=self.origin)

    def __call__(self, node: Node, action: str, params: dict) -> None:
        rec = self.rec
        assert rec is not None
        ready = node._ready
        if ready is not self._ready:  # a new input: its messages start afresh
            self._ready, self._sent = ready, 0
        new = ready.messages[self._sent:]
        self._sent = len(ready.messages)
        p = self.absn.params(params)
        m = params.get("m")
        rec.step(action, p, state=self.absn.own(node),
                 sent=[(x.dst, self.absn.message(x)) for x in new],
                 received=None if m is None else (m.src, p["m"]))

    def durable(self) -> None:
        """The WAL is synced: every step recorded so far survives a crash."""
        if self.rec is not None:
            self.rec.durable()

    def replied(self, index: int) -> None:
        """A client was told that its write, the entry at ``index``, is done."""
        if self.rec is not None:
            self.rec.step("ClientReply", {"i": server(self.id), "k": index}, external=True)

    def close(self) -> None:
        if self.rec is not None:
            self.rec.close()
