"""A seeded random scheduler for the simulated Paxos clusters."""

from __future__ import annotations

import random
from typing import Any

FAULTS = ("duplicate", "partition", "crash", "drop")


def random_walk(sim: Any, rng: random.Random, steps: int, fault_rate: float = 0.06,
                client_rate: float = 0.15) -> list:
    """Mostly deliveries, sometimes faults, ticks, timeouts and client moves. Returns every
    trace event, the initial state first."""
    events = [sim.initial_step()]
    for _ in range(steps):
        enabled = sim.enabled()
        deliver = [d for d in enabled if d.kind == "deliver"]
        faults = [d for d in enabled if d.kind in FAULTS]
        clients = [d for d in enabled if d.kind in ("propose", "submit")]
        rest = [d for d in enabled if d.kind not in FAULTS + ("deliver", "propose", "submit")]
        r = rng.random()
        if r < fault_rate:
            pool = faults
        elif r < fault_rate + client_rate:
            pool = clients
        elif r < 0.75:
            pool = deliver
        else:
            pool = rest
        events.extend(sim.apply(rng.choice(pool or enabled)))
    return events
