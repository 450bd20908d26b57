"""Small drivers for the Raft tests: steer a simulated cluster message by message."""

from __future__ import annotations

from collections.abc import Callable

from impl.raft.core import Node
from impl.raft.messages import Entry, EntryKind
from impl.raft.simulation import RaftSimulation
from impl.sim.world import Decision


def entries(*terms: int) -> list[Entry]:
    """A log with one NORMAL entry per term given, valued by position."""
    return [Entry(t, EntryKind.NORMAL, f"x{k}".encode()) for k, t in enumerate(terms, 1)]


def terms(node: Node) -> list[int]:
    return [e.term for e in node.log.entries]


def deliver_where(sim: RaftSimulation, pred: Callable, limit: int = 10_000) -> int:
    """Deliver matching deliverable messages (oldest first) until none is left."""
    n = 0
    while n < limit:
        for env in sim.network.in_flight():
            if (sim.up.get(env.dst) and sim.network.connected(env.src, env.dst)
                    and pred(env.payload)):
                sim.apply(Decision("deliver", env.dst, env.id))
                n += 1
                break
        else:
            return n
    raise RuntimeError("no quiescence")


def settle(sim: RaftSimulation) -> int:
    return deliver_where(sim, lambda m: True)


def drop_where(sim: RaftSimulation, pred: Callable = lambda m: True) -> int:
    gone = [env.id for env in sim.network.in_flight() if pred(env.payload)]
    for i in gone:
        sim.apply(Decision("drop", None, i))
    return len(gone)


def to(*nodes: str) -> Callable:
    return lambda m: m.dst in nodes


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
