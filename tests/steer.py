"""Steer a simulated cluster message by message, for any protocol's tests.

These drive :class:`impl.sim.world.Simulation` through its own decisions, so a test can say
"deliver only the votes", "lose what goes to s3", and the run stays one a scheduler could
have chosen (and a trace the validator can check).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from impl.sim.world import Decision, Simulation

Pred = Callable[[Any], bool]


def deliver_where(sim: Simulation, pred: Pred, limit: int = 10_000) -> int:
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


def settle(sim: Simulation) -> int:
    return deliver_where(sim, lambda m: True)


def drop_where(sim: Simulation, pred: Pred = lambda m: True) -> int:
    gone = [env.id for env in sim.network.in_flight() if pred(env.payload)]
    for i in gone:
        sim.apply(Decision("drop", None, i))
    return len(gone)


def to(*nodes: str) -> Pred:
    return lambda m: m.dst in nodes


def kind(*types: type) -> Pred:
    return lambda m: isinstance(m, types)


def both(*preds: Pred) -> Pred:
    return lambda m: all(p(m) for p in preds)
