"""What a server holds for its connections is bounded: connections, the bytes of large
frames being received, how long such a frame may take, client requests in service — with
back-pressure (the connection is not read) or refusal (it is closed)."""

from __future__ import annotations

import asyncio
import struct

import pytest

from impl.net import frames
from impl.net.limits import ByteBudget, Limits
from impl.net.transport import Transport
from impl.raft.cluster_config import ClusterConfig
from tests.loopback import authenticated, until

pytestmark = pytest.mark.timeout(30)


def test_the_budget_serves_in_order_and_survives_cancellation():
    async def go():
        b = ByteBudget(100)
        await b.reserve(60)
        order = []

        async def want(n, tag):
            await b.reserve(n)
            order.append(tag)

        big = asyncio.create_task(want(70, "big"))
        small = asyncio.create_task(want(10, "small"))  # fits, but waits its turn
        cancelled = asyncio.create_task(want(50, "cancelled"))
        await asyncio.sleep(0.01)
        assert order == [] and b.free == 40
        cancelled.cancel()
        b.release(60)
        await asyncio.gather(big, small)
        assert order == ["big", "small"] and b.free == 20
        with pytest.raises(ValueError):
            await b.reserve(101)
    asyncio.run(go())


class _Server:
    def __init__(self, limits: Limits, on_client=None) -> None:
        self.cfg = ClusterConfig.on_free_ports(1)
        self.requests: list[dict] = []
        self.release = asyncio.Event()

        async def serve(req: dict) -> dict:
            self.requests.append(req)
            await self.release.wait()
            return {"ok": True}

        self.t = Transport("s1", self.cfg, lambda k, p: None, lambda m: ("s1", "s1"),
                           lambda m: None, on_client or serve, limits=limits)

    async def client(self, name: str):
        host, port = self.cfg.servers["s1"]
        return await authenticated(host, port, "client", name, "s1", self.cfg.secret)


def _big_frame_start(size: int) -> bytes:
    return struct.pack("<IBB", size + 2, frames.VERSION, frames.CLIENT_REQ)


def test_large_frames_wait_for_budget_and_a_trickling_one_is_cut_off():
    async def go():
        s = _Server(Limits(buffer_bytes=200_000, client_frame_bytes=150_000, min_seconds=0.5))
        await s.t.start()
        try:
            _, slow = await s.client("slow")
            slow.write(_big_frame_start(120_000) + b"x" * 1000)  # then nothing more
            await until(lambda: s.t.budget.free == 80_000, what="the reservation")
            reader, second = await s.client("second")
            body = b'{"op":"put","pad":"' + b"y" * 99_950 + b'"}'
            second.write(_big_frame_start(len(body)) + body)
            await asyncio.sleep(0.2)
            assert s.requests == [] and s.t.budget.free == 80_000  # waits, unread
            # the trickler's 120 KB had 0.5 s; then it is closed and the second goes through
            await until(lambda: len(s.requests) == 1, what="the second request")
            assert s.requests[0]["op"] == "put"
            assert s.t.budget.free == 200_000  # nothing held once read
            s.release.set()
            kind, _ = await asyncio.wait_for(frames.read_frame(reader), 5)
            assert kind == frames.CLIENT_REPLY
            assert [why for (who, why) in s.t.complaints.counts if who == "client slow"] == \
                ["a frame of 120000 bytes did not arrive within 0.5 s"]
        finally:
            await s.t.stop()
    asyncio.run(go())


def test_connections_past_the_limit_are_closed_at_once():
    async def go():
        s = _Server(Limits(connections=2))
        await s.t.start()
        try:
            host, port = s.cfg.servers["s1"]
            held = [await asyncio.open_connection(host, port) for _ in range(2)]
            await until(lambda: len(s.t._conns) == 2, what="two connections")
            reader, writer = await asyncio.open_connection(host, port)
            assert await asyncio.wait_for(reader.read(), 5) == b""
            writer.close()
            for _, w in held:
                w.close()
        finally:
            await s.t.stop()
    asyncio.run(go())


def test_requests_in_service_are_bounded_per_client_and_in_total():
    async def go():
        s = _Server(Limits(client_pending=2, pending=3))
        await s.t.start()
        try:
            readers, writers = [], []  # (a writer dropped is a connection closed)
            for name in ("a", "b"):
                reader, writer = await s.client(name)
                for i in range(5):
                    writer.write(frames.json_frame(frames.CLIENT_REQ, {"op": "get", "id": i,
                                                                      "who": name}))
                readers.append(reader)
                writers.append(writer)
            await asyncio.sleep(0.3)
            assert len(s.requests) == 3  # the total, then no more is read
            assert all([r["who"] for r in s.requests].count(c) <= 2 for c in "ab")
            assert s.t._pending.used == 3
            s.release.set()
            await until(lambda: len(s.requests) == 10, what="every request, in time")
            # nothing in service: each connection holds a place for the request it awaits
            await until(lambda: s.t._pending.used == 2, what="nothing in service")
            for reader in readers:
                for _ in range(5):
                    kind, _ = await asyncio.wait_for(frames.read_frame(reader), 5)
                    assert kind == frames.CLIENT_REPLY
        finally:
            await s.t.stop()
    asyncio.run(go())
