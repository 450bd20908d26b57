"""A simulated single-decree Paxos cluster: node cores on :mod:`impl.sim`'s network and disks.

Client decisions: ``propose`` (node: a proposer; arg: a value name) asks a proposer to get
that value chosen. ``timeout`` makes a proposer with a value start a higher ballot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from impl.paxos.bugs import NO_BUGS, Bugs
from impl.paxos.simulation import PaxosSimulation
from impl.paxos.single.abstraction import Abstraction
from impl.paxos.single.core import FireTimeout, Node, Options, Propose, Receive, Roles, Tick
from impl.paxos.storage import Durable
from impl.sim.world import Decision, DecisionError


@dataclass
class SimConfig:
    roles: Roles = field(default_factory=lambda: Roles.everyone(("n1", "n2", "n3")))
    values: tuple[str, ...] = ("v1", "v2")
    retry_ticks: int = 10
    bugs: Bugs = NO_BUGS
    trace: bool = True


class SingleSimulation(PaxosSimulation):
    restart_param = "n"

    def __init__(self, config: SimConfig | None = None) -> None:
        config = config or SimConfig()
        super().__init__(config.roles.nodes(), config.bugs, config.trace)
        self.config = config
        self.options = Options(retry_ticks=config.retry_ticks, bugs=config.bugs)
        self.absn = Abstraction(config.roles)
        self.learned: dict[str, bytes] = {}  # node -> what its learner learned (survives crashes)
        for n in self.node_ids:
            self.boot(n)

    def make_node(self, node_id: str, durable: Durable) -> Node:
        return Node(node_id, self.config.roles, self.options, durable, self.tracer())

    def after(self, node_id: str, ready: Any) -> None:
        if ready.learned is not None:
            self.learned[node_id] = ready.learned

    def on_message(self, node: str, src: str, payload: Any) -> None:
        self._run(node, Receive(payload))

    def on_tick(self, node: str) -> None:
        self._run(node, Tick())

    def on_timeout(self, node: str) -> None:
        self._run(node, FireTimeout())

    def timeout_enabled(self, node: str) -> bool:
        return self.nodes[node].can_time_out()

    def client_decisions(self) -> list[Decision]:
        return [Decision("propose", p, v) for p in self.config.roles.proposers if self.up[p]
                for v in self.config.values]

    def on_client(self, d: Decision) -> None:
        if d.kind != "propose" or d.node not in self.config.roles.proposers:
            raise DecisionError(f"unknown decision {d}")
        if not self.up[d.node]:
            raise DecisionError(f"{d.node} is down")
        self._run(d.node, Propose(str(d.arg).encode()))


def make(n: int = 3, **kwargs: Any) -> SingleSimulation:
    """A cluster of ``n`` nodes that each play every role."""
    roles = Roles.everyone(f"n{i}" for i in range(1, n + 1))
    return SingleSimulation(SimConfig(roles=roles, **kwargs))
