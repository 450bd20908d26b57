"""What the tests of real servers on loopback need, whatever the protocol: free ports, a
cluster file over them, and a wait for a condition that the servers reach in their own time."""

from __future__ import annotations

import asyncio
import socket
import time

from impl.raft.cluster_config import ClusterConfig


def free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def local_cluster(n: int, spare: int = 0) -> ClusterConfig:
    """``n`` members s1..sn, and ``spare`` servers outside the configuration, to be added."""
    ports = free_ports(n + spare)
    ids = [f"s{i}" for i in range(1, n + spare + 1)]
    return ClusterConfig({s: ("127.0.0.1", p) for s, p in zip(ids, ports, strict=True)}, ids[:n])


async def until(cond, timeout: float = 10.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = cond()
        if value:
            return value
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")
