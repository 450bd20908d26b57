"""Small drivers for the Raft tests, beyond the protocol-neutral ones in :mod:`tests.steer`."""

from __future__ import annotations

from impl.raft.core import Node
from impl.raft.messages import Entry, EntryKind
from impl.raft.simulation import RaftSimulation
from impl.sim.world import Decision
from tests.steer import drop_where, settle


def entries(*terms: int) -> list[Entry]:
    """A log with one NORMAL entry per term given, valued by position."""
    return [Entry(t, EntryKind.NORMAL, f"x{k}".encode()) for k, t in enumerate(terms, 1)]


def terms(node: Node) -> list[int]:
    return [e.term for e in node.log.entries]


def isolate(sim: RaftSimulation, *groups: tuple[str, ...]) -> None:
    """Partition the cluster and lose whatever is in flight between the groups."""
    sim.apply(Decision("partition", None, tuple(tuple(g) for g in groups)))
    drop_where(sim, lambda m: not sim.network.connected(m.src, m.dst))


def elect(sim: RaftSimulation, node: str) -> None:
    sim.apply(Decision("timeout", node))
    settle(sim)
    assert sim.nodes[node].is_leader(), f"{node} did not win"


def tick(sim: RaftSimulation, node: str, times: int = 1) -> None:
    for _ in range(times):
        sim.apply(Decision("tick", node))


class CommitWatch:
    """Every (index -> entry) any node ever held committed; a second entry at one index is
    a State Machine Safety violation."""

    def __init__(self, sim: RaftSimulation) -> None:
        self.sim = sim
        self.seen: dict[int, set[Entry]] = {}

    def look(self) -> None:
        for node in self.sim.nodes.values():
            for i in range(1, min(node.commit, node.log.last_index) + 1):
                self.seen.setdefault(i, set()).add(node.log.entry(i))

    def conflicts(self) -> dict[int, set[Entry]]:
        self.look()
        return {i: es for i, es in self.seen.items() if len(es) > 1}


def preload(sim: RaftSimulation, node: str, term: int, log: list[Entry],
            voted_for: str | None = None) -> None:
    """Give a node a durable state, as if it had run before, and reboot it from it."""
    from impl.raft.wal import WAL

    f = sim.disks[node].open("wal")
    f.replace(b"")
    WAL(f).save((term, voted_for), [(1, tuple(log))] if log else [])
    sim.boot(node)


def random_walk(sim: RaftSimulation, rng, steps: int) -> list:
    """A seeded random scheduler: mostly deliveries, sometimes faults and client moves.
    Returns every trace event, the initial state first."""
    events = [sim.initial_step()]
    for _ in range(steps):
        enabled = sim.enabled()
        deliver = [d for d in enabled if d.kind == "deliver"]
        faults = [d for d in enabled if d.kind in ("duplicate", "partition", "crash", "drop")]
        rest = [d for d in enabled if d.kind not in ("deliver", "duplicate", "partition",
                                                     "crash", "drop")]
        r = rng.random()
        pool = deliver if r < 0.6 else faults if r < 0.66 else rest
        events.extend(sim.apply(rng.choice(pool or enabled)))
    return events
