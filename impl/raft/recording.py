"""A Raft server's trace (:class:`impl.tracing.CoreTrace`), through the one mapping module,
:mod:`impl.raft.abstraction` (its JSON side, for the messages, parameters and log entries:
the trace's encoding directly)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from conformance.record.delta import Delta
from impl.raft.abstraction import Abstraction, text_value
from impl.raft.core import Node, Options
from impl.raft.messages import AppendRequest, Entry
from impl.tracing import CoreTrace


def constants(servers: list[str], initial: list[str], options: Options) -> dict[str, Any]:
    """The spec's constants for a cluster of these servers run with these options (the
    values clients write are collected from the traces)."""
    from conformance.protocols import get

    return get("raft").constants({"servers": sorted(servers), "initial": sorted(initial),
                                  "values": [], "pre_vote": options.pre_vote,
                                  "check_quorum": options.check_quorum,
                                  "batch": options.max_batch})


class NodeTrace(CoreTrace):
    """The tracer of one Raft node: pass it to the core, then :meth:`start` it."""

    spec, protocol = "Raft", "raft"

    def __init__(self, path: str | Path, node_id: str, servers: list[str], initial: list[str],
                 options: Options, value_of: Callable[[Entry], Any] = text_value,
                 origin: dict | None = None, buffered: bool = False) -> None:
        super().__init__(path, node_id, Abstraction(servers, value_of),
                         constants(servers, initial, options), origin, buffered)

    def own(self, node: Node, params: dict) -> tuple[dict[str, Any], Delta | None]:
        return self.absn.own_changes(node, self._keys)

    def sent_record(self, node: Node, x: Any) -> tuple[Any, dict | None]:
        """An AppendEntries' entries are the leader's log from ``prevLogIndex + 1`` (the
        spec's ``SubSeq(log[i], prev + 1, last)``): written as that slice of its log, not
        entry by entry (a leader sends an entry again with every AppendEntries until the
        follower has it: about nine times per entry in a loaded cluster)."""
        if type(x) is AppendRequest and x.entries:
            lo = x.prev_index + 1
            hi = x.prev_index + len(x.entries)
            if tuple(node.log.entries[lo - 1:hi]) == x.entries:
                return self.absn.message_json(x, entries=False), {"entries": ("log", lo, hi)}
        return self.absn.message_json(x), None

    def params(self, raw: dict) -> dict:
        return self.absn.params_json(raw)
