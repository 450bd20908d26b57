"""Small drivers for the Paxos tests, beyond the protocol-neutral ones in :mod:`tests.steer`."""

from __future__ import annotations

from typing import Any

from impl.sim.world import Decision


def crash(sim: Any, node: str) -> None:
    sim.apply(Decision("crash", node, 0))
    sim.apply(Decision("restart", node))
