"""Starting a node: recover its write-ahead log and build the core from what survived.

Used by the simulator and the real server alike, so a restart means the same thing in both.
The planted bug ``forget_vote_on_restart`` lives here because this is where a real node
would forget it.
"""

from __future__ import annotations

from collections.abc import Iterable

from impl.raft import wal
from impl.raft.core import DEFAULT_OPTIONS, Node, Options, Tracer
from impl.raft.messages import NodeId


def start_node(node_id: NodeId, members: Iterable[NodeId], file: wal.File,
               options: Options = DEFAULT_OPTIONS, tracer: Tracer | None = None,
               sync: bool = True) -> tuple[Node, wal.WAL, wal.Recovered]:
    rec = wal.recover(file)
    voted_for = None if options.bugs.forget_vote_on_restart else rec.voted_for
    node = Node(node_id, members, options, term=rec.term, voted_for=voted_for,
                entries=rec.entries, tracer=tracer)
    return node, wal.WAL(file, sync=sync, bugs=options.bugs), rec
