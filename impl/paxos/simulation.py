"""What the simulated Paxos and Multi-Paxos clusters share: booting a node from its simulated
disk, and running one input the way the real server does.

Each input goes through :meth:`PaxosSimulation._run`, which does with the core's ready what
the server does: write the durable changes and sync them, then send the messages, then hand
on what was learned or executed. Trace events come from the cores' tracer hook at the exact
intermediate state of each handler; the messages a handler produced that the driver has not
sent yet count as in flight, as the spec sees them. A crash loses the disk's unsynced tail,
rebuilds the node from what survived and is the spec's ``Restart`` step.
"""

from __future__ import annotations

from typing import Any

from impl.paxos.bugs import Bugs
from impl.paxos.storage import Durable, Store, recover
from impl.sim.world import Simulation


class PaxosSimulation(Simulation):
    """The protocol-neutral simulator, plus durable stores and event plumbing."""

    restart_param = "i"  # the name of Restart's parameter in the spec

    def __init__(self, node_ids: list[str], bugs: Bugs, trace: bool) -> None:
        super().__init__(node_ids, trace=trace)
        self.bugs = bugs
        self.nodes: dict[str, Any] = {}
        self.stores: dict[str, Store] = {}
        self.absn: Any = None
        self._pending: list[Any] = []

    # ------------------------------------------------------------------ per protocol

    def make_node(self, node_id: str, durable: Durable) -> Any:
        raise NotImplementedError

    def after(self, node_id: str, ready: Any) -> None:
        """Handle what a step produced besides writes and messages."""

    # ------------------------------------------------------------------ hooks

    def boot(self, node: str) -> None:
        f = self.disks[node].open("paxos")
        durable = recover(f)
        self.stores[node] = Store(f, durable, bugs=self.bugs)
        self.nodes[node] = self.make_node(node, durable)

    def on_crash(self, node: str) -> None:
        self.emit("Restart", self.absn.params({self.restart_param: node}), node)

    def on_drop(self, env: Any) -> None:
        self.emit("DropMessage", {"m": self.absn.message(env.payload)}, None)

    def on_duplicate(self, env: Any) -> None:
        self.emit("DuplicateMessage", {"m": self.absn.message(env.payload)}, None)

    def abstract(self) -> dict[str, Any]:
        flight = [e.payload for e in self.network.in_flight()]
        flight.extend(self._pending)
        return self.absn.cluster(self.nodes, flight)

    def tracer(self) -> Any:
        return self._on_event if self.tracing else None

    def _on_event(self, node: Any, action: str, params: dict) -> None:
        self._pending = node._ready.messages
        try:
            self.emit(action, self.absn.params(params), node.id)
        finally:
            self._pending = []

    def _run(self, node_id: str, inp: Any) -> Any:
        ready = self.nodes[node_id].step(inp)
        self.stores[node_id].save(ready.writes)
        for m in ready.messages:
            self.network.send(m.src, m.dst, m)
        self.after(node_id, ready)
        return ready

