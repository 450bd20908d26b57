"""The nemesis: seeded faults, one at a time, each recorded with when it began and ended.

After a quiet spell it picks one of the kinds it was given and strikes:

* ``kill``: SIGKILL the leader (two times out of three) or a random node (a minority of
  them on larger clusters), then restart them on their data after a moment (the fault
  ends when they answer again: the next fault never finds them still starting);
* ``pause``: SIGSTOP the leader or a random node for a few seconds, then SIGCONT;
* ``restart-all``: SIGKILL every node at once and start them all again;
* ``partition``: cut the cluster in two through the servers' test hook (the leader alone,
  or a random minority) for a few seconds, then heal.

The choices come from ``random.Random(seed)``; which node leads, and so what a fault hits,
depends on the cluster, so two runs with one seed strike at the same moments with the same
kinds of fault but not necessarily the same nodes.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable

from conformance.cluster.nodes import Cluster, Node
from conformance.cluster.workload import Recorder
from conformance.history.ops import Fault

KINDS = ("kill", "pause", "restart-all", "partition")
RESTART_TIMEOUT = 30.0  # seconds a restarted node has to answer before the nemesis goes on


class Nemesis:
    def __init__(self, cluster: Cluster, rec: Recorder, kinds: list[str], seed: int,
                 quiet: tuple[float, float] = (1.0, 3.0),
                 hold: tuple[float, float] = (0.5, 3.0)) -> None:
        self.cluster = cluster
        self.rec = rec
        self.kinds = kinds
        self.rng = random.Random(f"{seed}/nemesis")
        self.quiet = quiet
        self.hold = hold
        self.faults: list[Fault] = []

    async def run(self, until: float) -> None:
        """Strike until ``until`` (seconds since the start); everything healed at the end."""
        try:
            while self.kinds:
                await asyncio.sleep(self.rng.uniform(*self.quiet))
                if self.rec.now() + self.hold[1] > until:
                    break
                kind = self.rng.choice(self.kinds)
                await getattr(self, "_" + kind.replace("-", "_"))()
        finally:
            await self.heal()

    def _begin(self, kind: str, nodes: list[str], leader: bool, note: str = "") -> Fault:
        f = Fault(kind, sorted(nodes), self.rec.now(), None, leader, note)
        self.faults.append(f)
        return f

    def _end(self, f: Fault) -> None:
        f.end = self.rec.now()

    async def _targets(self, most: int) -> tuple[list[str], bool]:
        """The leader (two times out of three, if one answers) or random nodes, up to
        ``most`` of them."""
        ids = self.cluster.ids
        count = self.rng.randint(1, max(1, most))
        want_leader = self.rng.random() < 2 / 3
        leader = await self.cluster.leader() if want_leader else None
        others = [s for s in ids if s != leader]
        self.rng.shuffle(others)
        chosen = ([leader] if leader else []) + others
        return sorted(chosen[:count]), leader is not None

    def _minority(self) -> int:
        return (len(self.cluster.ids) - 1) // 2

    async def _kill(self) -> None:
        async def restart(nodes: list[str]) -> None:
            for sid in nodes:
                self.cluster.nodes[sid].start()
            await self.cluster.answering(nodes, RESTART_TIMEOUT)

        await self._hold("kill", Node.kill, restart)

    async def _pause(self) -> None:
        async def resume(nodes: list[str]) -> None:
            for sid in nodes:
                self.cluster.nodes[sid].resume()

        await self._hold("pause", Node.pause, resume)

    async def _hold(self, kind: str, hit: Callable[[Node], None],
                    undo: Callable[[list[str]], Awaitable[None]]) -> None:
        """Hit the leader or a random minority, wait a moment, undo it."""
        nodes, leader = await self._targets(self._minority())
        f = self._begin(kind, nodes, leader)
        for sid in nodes:
            hit(self.cluster.nodes[sid])
        await asyncio.sleep(self.rng.uniform(*self.hold))
        await undo(nodes)
        self._end(f)

    async def _restart_all(self) -> None:
        ids = self.cluster.ids
        f = self._begin("restart-all", ids, True)
        for sid in ids:
            self.cluster.nodes[sid].kill()
        await asyncio.sleep(self.rng.uniform(0.0, 0.5))
        for sid in ids:
            self.cluster.nodes[sid].start()
        await self.cluster.answering(ids, RESTART_TIMEOUT)
        self._end(f)

    async def _partition(self) -> None:
        minority, leader = await self._targets(self._minority())
        rest = [s for s in self.cluster.ids if s not in minority]
        f = self._begin("partition", minority, leader, f"{','.join(minority)} | {','.join(rest)}")
        await self.cluster.partition([minority, rest])
        await asyncio.sleep(self.rng.uniform(*self.hold))
        await self.cluster.heal_partition()
        self._end(f)

    async def heal(self) -> None:
        """Resume what is paused, start what was killed, reconnect everything. (A node that
        exited on its own stays down: the test reports it.)"""
        for n in self.cluster.nodes.values():
            n.resume()
            if not n.alive and n.expected_exit:
                n.start()
        await self.cluster.heal_partition()
