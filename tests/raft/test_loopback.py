"""Real servers on loopback: elections, replication, crashes, restarts, membership changes
under load, and a client history in which no acknowledged write is lost."""

from __future__ import annotations

import asyncio
import struct

import pytest

from impl.net import frames
from impl.raft import codec
from impl.raft.client import Client
from impl.raft.cluster_config import ClusterConfig
from impl.raft.core import Options
from impl.raft.server import RaftServer
from tests.loopback import authenticated, refusal, until

OPTS = Options(election_ticks=10, heartbeat_ticks=2)
pytestmark = pytest.mark.timeout(60)


class Cluster:
    def __init__(self, cfg: ClusterConfig, root) -> None:
        self.cfg, self.root = cfg, root
        self.servers: dict[str, RaftServer] = {}

    async def start(self, sid: str) -> RaftServer:
        s = RaftServer(sid, self.cfg, self.root / sid, OPTS, tick=0.01, seed=hash(sid))
        await s.start()
        self.servers[sid] = s
        return s

    async def stop(self, sid: str) -> None:
        await self.servers.pop(sid).stop()

    async def up(self, ids=None) -> Cluster:
        for sid in ids or self.cfg.servers:
            await self.start(sid)
        return self

    async def down(self) -> None:
        for sid in list(self.servers):
            await self.stop(sid)

    def leaders(self) -> list[str]:
        return [sid for sid, s in self.servers.items() if s.node.is_leader()]

    async def leader(self, exclude: str | None = None) -> str:
        def one():
            ls = [x for x in self.leaders() if x != exclude]
            return ls[0] if len(ls) == 1 else None
        return await until(one, what="a single leader")

    def applied(self, sid: str) -> int:
        return self.servers[sid].kv.applied_index


async def _elect_replicate_survive(tmp_path, n: int) -> None:
    c = await Cluster(ClusterConfig.on_free_ports(n), tmp_path).up()
    try:
        leader = await c.leader()
        async with Client(c.cfg) as client:
            for i in range(20):
                await client.put(f"k{i}", f"v{i}")
            target = c.servers[leader].kv.applied_index
            await until(lambda: all(c.applied(s) >= target for s in c.servers),
                        what="every server to apply")
            assert all(s.kv.data == c.servers[leader].kv.data for s in c.servers.values())
            # kill the leader: a new one takes over and nothing acknowledged is lost
            await c.stop(leader)
            new = await c.leader(exclude=leader)
            assert new != leader
            await client.put("after", "crash")
            assert [await client.get(f"k{i}") for i in range(20)] == [f"v{i}" for i in range(20)]
            # the old leader comes back as a follower and catches up
            await c.start(leader)
            target = c.servers[new].kv.applied_index
            await until(lambda: c.applied(leader) >= target, what="the restarted server")
            assert c.servers[leader].kv.get("after") == "crash"
    finally:
        await c.down()


def test_three_servers_elect_replicate_and_survive_a_killed_leader(tmp_path):
    asyncio.run(_elect_replicate_survive(tmp_path, 3))


def test_five_servers_elect_replicate_and_survive_a_killed_leader(tmp_path):
    asyncio.run(_elect_replicate_survive(tmp_path, 5))


def test_a_restarted_follower_catches_up_from_its_wal(tmp_path):
    async def go():
        c = await Cluster(ClusterConfig.on_free_ports(3), tmp_path).up()
        try:
            leader = await c.leader()
            follower = next(s for s in c.servers if s != leader)
            async with Client(c.cfg) as client:
                await client.put("a", "1")
                await until(lambda: c.servers[follower].kv.get("a") == "1")
                await c.stop(follower)
                for i in range(10):
                    await client.put(f"b{i}", str(i))
                s = await c.start(follower)
                assert s.node.log.last_index >= 2  # recovered from its own WAL
                target = c.servers[leader].kv.applied_index
                await until(lambda: c.applied(follower) >= target, what="catch-up")
                assert c.servers[follower].kv.get("b9") == "9"
        finally:
            await c.down()
    asyncio.run(go())


def test_add_and_remove_servers_under_load_lose_no_acknowledged_write(tmp_path):
    async def go():
        cfg = ClusterConfig.on_free_ports(3, spare=1)
        c = await Cluster(cfg, tmp_path).up()
        acked: dict[str, str] = {}
        stop = asyncio.Event()

        async def load(w: int) -> None:
            async with Client(cfg) as client:
                i = 0
                while not stop.is_set():
                    key, value = f"w{w}-{i}", f"{w}.{i}"
                    await client.put(key, value)
                    acked[key] = value
                    i += 1

        try:
            leader = await c.leader()
            workers = [asyncio.create_task(load(w)) for w in range(4)]
            await until(lambda: len(acked) > 20, what="load")
            async with Client(cfg) as admin:
                await admin.add_server("s4")
                await until(lambda: c.servers["s4"].node.members() == set(cfg.servers),
                            what="s4 to join")
                victim = next(s for s in ("s1", "s2", "s3") if s != leader)
                await admin.remove_server(victim)
                before = len(acked)
                await until(lambda: len(acked) > before + 20, what="load after the changes")
                stop.set()
                await asyncio.gather(*workers)
                members = c.servers[leader].node.members()
                assert members == {"s1", "s2", "s3", "s4"} - {victim}
                await c.stop(victim)  # it is out: the cluster goes on without it
                await admin.put("final", "x")
                async with Client(cfg) as reader:
                    for key, value in acked.items():
                        assert await reader.get(key) == value, key
                target = c.servers[leader].kv.applied_index
                await until(lambda: c.applied("s4") >= target, what="s4 to catch up")
                assert c.servers["s4"].kv.data == c.servers[leader].kv.data
        finally:
            stop.set()
            await c.down()
    asyncio.run(go())


def test_frames_from_outside_the_configuration_or_malformed_are_refused(tmp_path):
    async def go():
        c = await Cluster(ClusterConfig.on_free_ports(3), tmp_path).up(["s1"])
        try:
            host, port = c.cfg.servers["s1"]
            stranger = frames.json_frame(frames.HELLO, {"role": "peer", "id": "intruder",
                                                        "to": "s1", "nonce": "00" * 16})
            assert b"not a server of this cluster" in await refusal(host, port, stranger)
            too_big = struct.pack("<IBB", frames.MAX_FRAME + 1, frames.VERSION, frames.HELLO)
            assert await refusal(host, port, too_big) == b""
            wrong_version = struct.pack("<I", 3) + bytes([9, frames.HELLO, 0])
            assert await refusal(host, port, wrong_version) == b""
            reader, writer = await authenticated(host, port, "peer", "s2", "s1", c.cfg.secret)
            writer.write(frames.frame(codec.APPEND_REQ, b"\x01\x02"))  # garbage
            assert await asyncio.wait_for(reader.read(), 5) == b""
            writer.close()
            assert c.servers["s1"].node.term == 0  # none of it reached the core
        finally:
            await c.down()
    asyncio.run(go())
