"""A simulated Raft cluster: the node cores on :mod:`impl.sim`'s network and disks.

Each node is recovered from its simulated WAL (:func:`impl.raft.boot.start_node`), and every
input it takes goes through :meth:`RaftSimulation._run`, which does what the real server
does with a :class:`~impl.raft.core.Ready`: write and sync the WAL, then send the messages,
then apply what committed. Trace events come from the cores' tracer hook, at the exact
intermediate state of each handler; the messages a handler has produced but the driver has
not sent yet are counted as in flight, as the spec sees them.

Client decisions: ``submit`` (arg: a value name, proposed at ``node``), ``read``, ``add`` and
``remove`` (arg: the server to add or remove, asked of ``node``). The servers outside the
initial configuration exist from the start, with empty logs, and wait to be added.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from conformance.trace import TraceHeader
from conformance.values import FSet, ModelValue
from impl.raft.abstraction import CHOICES, NIL, VARIABLES, Abstraction, server
from impl.raft.boot import start_node
from impl.raft.core import (
    ChangeMembers,
    DrawTimeout,
    FireTimeout,
    Input,
    Node,
    Options,
    Propose,
    Read,
    Ready,
    Receive,
    Reply,
    Tick,
)
from impl.raft.messages import Entry, Message
from impl.raft.wal import WAL
from impl.sim.world import Decision, DecisionError, Simulation


@dataclass
class ClientOp:
    """One client request and what became of it (the history the tests check)."""

    kind: str  # submit | read | add | remove
    node: str
    arg: Any
    reply: Reply | None = None


@dataclass
class SimConfig:
    servers: tuple[str, ...] = ("s1", "s2", "s3")
    initial: tuple[str, ...] | None = None  # the initial configuration; default: all
    values: tuple[str, ...] = ("v1", "v2")
    options: Options = field(default_factory=Options)
    seed: int = 0  # for the election-timeout draws
    trace: bool = True


class RaftSimulation(Simulation):
    def __init__(self, config: SimConfig | None = None) -> None:
        config = config or SimConfig()
        super().__init__(config.servers, trace=config.trace)
        self.config = config
        self.initial = tuple(config.initial or config.servers)
        self.absn = Abstraction(config.servers)
        self.rng = random.Random(config.seed)
        self.nodes: dict[str, Node] = {}
        self.wals: dict[str, WAL] = {}
        self.needs_sync: set[str] = set()
        self.applied: dict[str, list[tuple[int, Entry]]] = {n: [] for n in config.servers}
        self.ops: list[ClientOp] = []
        self._pending: list[Message] = []  # produced by the running step, not yet sent
        for n in config.servers:
            self.boot(n)

    # ------------------------------------------------------------------ hooks

    def boot(self, node: str) -> None:
        tracer = self._on_event if self.tracing else None
        n, w, _ = start_node(node, self.initial, self.disks[node].open("wal"),
                             self.config.options, tracer)
        self.nodes[node] = n
        self.wals[node] = w
        self.needs_sync.discard(node)
        n.step(DrawTimeout(self._draw()))

    def _draw(self) -> int:
        return self.rng.randrange(self.config.options.election_ticks)

    def on_crash(self, node: str) -> None:
        self.applied[node] = []
        self.emit("Restart", self.absn.params({"i": node}), node)

    def on_message(self, node: str, src: str, payload: Any) -> None:
        self._run(node, Receive(payload))

    def on_tick(self, node: str) -> None:
        self._run(node, Tick())

    def on_timeout(self, node: str) -> None:
        self._run(node, FireTimeout())

    def timeout_enabled(self, node: str) -> bool:
        return self.nodes[node].can_time_out()

    def on_drop(self, env: Any) -> None:
        self.emit("DropMessage", {"m": self.absn.message(env.payload)}, None)

    def on_duplicate(self, env: Any) -> None:
        self.emit("DuplicateMessage", {"m": self.absn.message(env.payload)}, None)

    def client_decisions(self) -> list[Decision]:
        out = []
        for n in self.node_ids:
            node = self.nodes[n]
            if not self.up[n] or not node.is_leader():
                continue
            members = node.members()
            for v in self.config.values:
                out.append(Decision("submit", n, v))
            out.append(Decision("read", n))
            for s in self.node_ids:
                if s not in members:
                    out.append(Decision("add", n, s))
                elif s != n:
                    out.append(Decision("remove", n, s))
        return out

    def on_client(self, d: Decision) -> None:
        if d.node not in self.nodes or not self.up[d.node]:
            raise DecisionError(f"{d} names no live node")
        op = ClientOp(d.kind, d.node, d.arg)
        self.ops.append(op)
        token = len(self.ops) - 1
        if d.kind == "submit":
            inp: Input = Propose(token, str(d.arg).encode())
        elif d.kind == "read":
            inp = Read(token)
        elif d.kind == "add":
            inp = ChangeMembers(token, add=d.arg)
        elif d.kind == "remove":
            inp = ChangeMembers(token, remove=d.arg)
        else:
            raise DecisionError(f"unknown decision {d}")
        self._run(d.node, inp)

    def abstract(self) -> dict[str, Any]:
        flight = [e.payload for e in self.network.in_flight()]
        flight.extend(self._pending)
        return self.absn.cluster(self.nodes, flight)

    # ------------------------------------------------------------------ running a node

    def _on_event(self, node: Node, action: str, params: dict) -> None:
        self._pending = node._ready.messages
        try:
            self.emit(action, self.absn.params(params), node.id)
        finally:
            self._pending = []

    def _run(self, node_id: str, inp: Input) -> Ready:
        node = self.nodes[node_id]
        w = self.wals[node_id]
        if node_id in self.needs_sync:  # the late sync of reply_before_sync
            w.sync()
            self.needs_sync.discard(node_id)
        ready = node.step(inp)
        if ready.must_persist:
            w.save(ready.hard_state, ready.log_writes)
            if node.bugs.reply_before_sync:
                self.needs_sync.add(node_id)
        for m in ready.messages:
            self.network.send(m.src, m.dst, m)
        self.applied[node_id].extend(ready.committed)
        for r in ready.replies + ready.reads:
            self.ops[r.token].reply = r
        if ready.need_draw:
            node.step(DrawTimeout(self._draw()))
        return ready

    # ------------------------------------------------------------------ conveniences

    def leaders(self) -> list[str]:
        return [n for n, node in self.nodes.items() if self.up[n] and node.is_leader()]

    def elect(self, node: str) -> None:
        """Fire a node's timeout and let the network settle."""
        self.apply(Decision("timeout", node))
        self.deliver_all()

    def header(self) -> TraceHeader:
        """The trace header: the spec's constants for this cluster (``Bug`` is "None":
        planted bugs live in the implementation, never in the spec it is checked against)
        and the schedule so far."""
        opts = self.config.options
        return TraceHeader(
            spec="Raft", protocol="raft", variables=list(VARIABLES),
            constants={"Server": FSet(server(n) for n in self.config.servers),
                       "InitialConfig": FSet(server(n) for n in self.initial),
                       "Value": FSet(ModelValue(v) for v in self.config.values),
                       "Nil": NIL, "PreVote": opts.pre_vote, "CheckQuorum": opts.check_quorum,
                       "Bug": "None", "BatchSize": opts.max_batch, **CHOICES},
            origin={"tool": "conform raft simulator", "seed": self.config.seed,
                    "bugs": opts.bugs.enabled(), "election_ticks": opts.election_ticks,
                    "heartbeat_ticks": opts.heartbeat_ticks},
            schedule=self.schedule_json())


def servers(n: int) -> tuple[str, ...]:
    return tuple(f"s{i}" for i in range(1, n + 1))


def make(n: int = 3, initial: Iterable[str] | None = None, **options: Any) -> RaftSimulation:
    """A simulated cluster of ``n`` servers with the given core options."""
    trace = options.pop("trace", True)
    seed = options.pop("seed", 0)
    return RaftSimulation(SimConfig(servers=servers(n),
                                    initial=tuple(initial) if initial else None,
                                    options=Options(**options), seed=seed, trace=trace))
