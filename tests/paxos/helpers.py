"""Small drivers for the Paxos tests: steer a simulated cluster message by message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from impl.sim.world import Decision


def deliver_where(sim: Any, pred: Callable[[Any], bool], limit: int = 10_000) -> int:
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


def settle(sim: Any) -> int:
    return deliver_where(sim, lambda m: True)


def drop_where(sim: Any, pred: Callable[[Any], bool] = lambda m: True) -> int:
    gone = [env.id for env in sim.network.in_flight() if pred(env.payload)]
    for i in gone:
        sim.apply(Decision("drop", None, i))
    return len(gone)


def to(*nodes: str) -> Callable[[Any], bool]:
    return lambda m: m.dst in nodes


def kind(*types: type) -> Callable[[Any], bool]:
    return lambda m: isinstance(m, types)


def both(*preds: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda m: all(p(m) for p in preds)


def crash(sim: Any, node: str) -> None:
    sim.apply(Decision("crash", node, 0))
    sim.apply(Decision("restart", node))
