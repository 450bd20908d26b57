"""A Multi-Paxos server's trace (:class:`impl.tracing.CoreTrace`), through the one mapping
module, :mod:`impl.paxos.multi.abstraction` (its JSON side: the trace's encoding
directly)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conformance.record.delta import Delta
from impl.paxos.multi.abstraction import Abstraction
from impl.paxos.multi.core import Node
from impl.paxos.values import ValueMap, text_value
from impl.tracing import CoreTrace


def constants(servers: list[str]) -> dict[str, Any]:
    """The spec's constants for a cluster of these servers (the commands clients submit
    are collected from the traces)."""
    from conformance.protocols import get

    return get("multipaxos").constants({"servers": sorted(servers), "values": []})


class NodeTrace(CoreTrace):
    """The tracer of one Multi-Paxos server: pass it to the core, then :meth:`start` it."""

    spec, protocol = "MultiPaxos", "multipaxos"

    def __init__(self, path: str | Path, node_id: str, servers: list[str],
                 value_of: ValueMap = text_value, origin: dict | None = None,
                 buffered: bool = False) -> None:
        super().__init__(path, node_id, Abstraction(servers, value_of), constants(servers),
                         origin, buffered)

    def own(self, node: Node, params: dict) -> tuple[dict[str, Any], Delta | None]:
        return self.absn.local_changes(node, self._keys, params)

    # the messages and parameters straight to the trace's JSON (see the abstraction's
    # message_json): what a server pays per step
    def sent_record(self, node: Node, x: Any) -> tuple[Any, None]:
        return self.absn.message_json(x), None

    def params(self, raw: dict) -> dict:
        return self.absn.params_json(raw)
