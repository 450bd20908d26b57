"""A simulated Multi-Paxos cluster: node cores on :mod:`impl.sim`'s network and disks.

Client decisions: ``submit`` (node: a leader; arg: a command name) hands the leader a client
command. ``timeout`` fires a server's election timer. Every executed command is recorded per
server (:attr:`MultiSimulation.applied`), which is what the tests compare across replicas.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from impl.paxos.bugs import NO_BUGS, Bugs
from impl.paxos.multi.abstraction import Abstraction
from impl.paxos.multi.core import (
    DrawTimeout,
    FireTimeout,
    Node,
    Options,
    Propose,
    Receive,
    Reply,
    Tick,
)
from impl.paxos.multi.messages import Command
from impl.paxos.simulation import PaxosSimulation
from impl.paxos.storage import Durable
from impl.sim.world import Decision, DecisionError


@dataclass
class ClientOp:
    node: str
    value: str
    reply: Reply | None = None


@dataclass
class SimConfig:
    servers: tuple[str, ...] = ("s1", "s2", "s3")
    values: tuple[str, ...] = ("v1", "v2")
    election_ticks: int = 10
    heartbeat_ticks: int = 2
    resend_batch: int = 64
    bugs: Bugs = NO_BUGS
    lease: bool = False  # off: the schedules' forced timeouts make the duels they want
    seed: int = 0  # for the election-timeout draws
    trace: bool = True
    options: Options = field(init=False)

    def __post_init__(self) -> None:
        self.options = Options(election_ticks=self.election_ticks,
                               heartbeat_ticks=self.heartbeat_ticks,
                               resend_batch=self.resend_batch, bugs=self.bugs,
                               lease=self.lease)


class MultiSimulation(PaxosSimulation):
    def __init__(self, config: SimConfig | None = None) -> None:
        config = config or SimConfig()
        super().__init__(list(config.servers), config.bugs, config.trace)
        self.config = config
        self.rng = random.Random(config.seed)
        self.absn = Abstraction(config.servers)
        self.applied: dict[str, list[tuple[int, Command]]] = {s: [] for s in config.servers}
        self.ops: list[ClientOp] = []
        for s in config.servers:
            self.boot(s)

    def make_node(self, node_id: str, durable: Durable) -> Node:
        node = Node(node_id, self.config.servers, self.config.options, durable, self.tracer())
        node.step(DrawTimeout(self._draw()))
        return node

    def _draw(self) -> int:
        return self.rng.randrange(self.config.election_ticks)

    def on_crash(self, node: str) -> None:
        self.applied[node] = list(self.nodes[node].replayed)  # its decided prefix, again
        super().on_crash(node)

    def after(self, node_id: str, ready: Any) -> None:
        self.applied[node_id].extend(ready.executed)
        for r in ready.replies:
            self.ops[r.token].reply = r
        if ready.need_draw:
            self.nodes[node_id].step(DrawTimeout(self._draw()))

    def on_message(self, node: str, src: str, payload: Any) -> None:
        self._run(node, Receive(payload))

    def on_tick(self, node: str) -> None:
        self._run(node, Tick())

    def on_timeout(self, node: str) -> None:
        self._run(node, FireTimeout())

    def timeout_enabled(self, node: str) -> bool:
        return self.nodes[node].can_time_out()

    def client_decisions(self) -> list[Decision]:
        return [Decision("submit", s, v) for s in self.node_ids
                if self.up[s] and self.nodes[s].is_leader() for v in self.config.values]

    def on_client(self, d: Decision) -> None:
        if d.kind != "submit" or d.node not in self.nodes:
            raise DecisionError(f"unknown decision {d}")
        if not self.up[d.node]:
            raise DecisionError(f"{d.node} is down")
        self.ops.append(ClientOp(d.node, str(d.arg)))
        self._run(d.node, Propose(len(self.ops) - 1, str(d.arg).encode()))

    def leaders(self) -> list[str]:
        return [s for s, n in self.nodes.items() if self.up[s] and n.is_leader()]

    def elect(self, node: str) -> None:
        """Fire a server's election timer and let the network settle."""
        self.apply(Decision("timeout", node))
        self.deliver_all()


def servers(n: int) -> tuple[str, ...]:
    return tuple(f"s{i}" for i in range(1, n + 1))


def make(n: int = 3, **kwargs: Any) -> MultiSimulation:
    return MultiSimulation(SimConfig(servers=servers(n), **kwargs))
