"""For tests of real servers on loopback, whatever the protocol: wait for a condition that
the servers reach in their own time."""

from __future__ import annotations

import asyncio
import time


async def until(cond, timeout: float = 10.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = cond()
        if value:
            return value
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")
