"""The clients of a cluster test, and the record of every operation they made.

Each client runs one operation at a time, as a user's process would: a ``get`` (half the
time), a ``put`` of a value never written before (``c3.17``: client 3's 17th), or a
``delete``, on one of a few keys, chosen by a seeded generator. It talks to the cluster
through two connections (:class:`impl.raft.client.Client`), one for writes (a session, so a
retried write is applied once) and one for reads, each finding and following the leader on
its own: a reader is not moved to a new leader by a write that timed out, so a server that
still answers reads after it lost its leadership is seen doing so. When the client gives up
an operation its outcome is unknown (a write may still take effect); when the cluster
refuses it for good it failed. Times are read from one monotonic clock, in seconds since
the test began.
"""

from __future__ import annotations

import asyncio
import random
import time

from conformance.history.ops import Op
from impl.raft.client import Client, ClientError
from impl.raft.cluster_config import ClusterConfig


class Recorder:
    """Hands out operations in invocation order and completes them."""

    def __init__(self) -> None:
        self.t0 = time.monotonic()
        self.ops: list[Op] = []

    def now(self) -> float:
        return time.monotonic() - self.t0

    def invoke(self, process: str, kind: str, key: str, value: str | None = None) -> Op:
        op = Op(len(self.ops), process, kind, key, value, self.now(), None, "unknown")
        self.ops.append(op)
        return op

    def ok(self, op: Op, output: str | None) -> None:
        op.complete, op.status, op.output = self.now(), "ok", output

    def fail(self, op: Op, error: str) -> None:
        op.complete, op.status, op.error = self.now(), "fail", error

    def unknown(self, op: Op, error: str) -> None:
        op.status, op.error = "unknown", error


async def perform(client: Client, rec: Recorder, process: str, kind: str, key: str,
                  value: str | None = None) -> Op:
    """Run one operation and record it, whatever happens."""
    op = rec.invoke(process, kind, key, value)
    try:
        if kind == "get":
            rec.ok(op, await client.get(key))
        else:
            reply = await (client.put(key, value or "") if kind == "put"
                           else client.delete(key))
            old = reply.get("old")
            rec.ok(op, None if old is None else str(old))
    except ClientError as e:
        if e.timed_out:
            rec.unknown(op, str(e))
        else:
            rec.fail(op, str(e))
    except (OSError, ConnectionError, TimeoutError) as e:  # should not escape the client
        rec.unknown(op, f"{type(e).__name__}: {e}")
    return op


async def client_loop(n: int, cluster: ClusterConfig, rec: Recorder, keys: list[str],
                      seed: int, until: float, op_timeout: float) -> None:
    """Client ``n``: operations until ``until`` (seconds since the start)."""
    rng = random.Random(f"{seed}/client/{n}")
    name = f"c{n}"
    count = 0
    session = f"{name}-{seed}-{rng.getrandbits(32):08x}"
    attempt = min(1.0, op_timeout / 2)
    async with Client(cluster, client_id=session, timeout=op_timeout,
                      attempt_timeout=attempt) as writer, \
            Client(cluster, client_id=session + "-r", timeout=op_timeout,
                   attempt_timeout=attempt) as reader:
        while rec.now() < until:
            key = rng.choice(keys)
            r = rng.random()
            if r < 0.5:
                await perform(reader, rec, name, "get", key)
            elif r < 0.9:
                count += 1
                await perform(writer, rec, name, "put", key, f"{name}.{count}")
            else:
                await perform(writer, rec, name, "delete", key)


async def final_reads(cluster: ClusterConfig, rec: Recorder, keys: list[str],
                      timeout: float) -> list[Op]:
    """After healing: read every key once, retrying until ``timeout``."""
    from conformance.history.durability import FINAL

    out = []
    deadline = time.monotonic() + timeout
    async with Client(cluster, client_id=f"{FINAL}-{random.getrandbits(32):08x}",
                      timeout=5.0) as c:
        for key in keys:
            while True:
                op = await perform(c, rec, FINAL, "get", key)
                if op.status == "ok" or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.2)
            out.append(op)
    return out
