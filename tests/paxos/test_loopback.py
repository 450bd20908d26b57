"""A 3-node Multi-Paxos key-value cluster on real sockets: no acknowledged write is lost
across a leader crash, a restarted server catches up, and bad peers are refused."""

from __future__ import annotations

import asyncio

import pytest

from impl.net import frames
from impl.paxos.multi import codec
from impl.paxos.multi.core import Options
from impl.paxos.multi.messages import Prepare
from impl.paxos.multi.server import PaxosServer
from impl.raft.client import Client
from impl.raft.cluster_config import ClusterConfig
from tests.loopback import authenticated, refusal, until

OPTS = Options(election_ticks=10, heartbeat_ticks=2)
pytestmark = pytest.mark.timeout(60)


class Cluster:
    def __init__(self, root, n: int = 3) -> None:
        self.cfg = ClusterConfig.on_free_ports(n)
        self.root = root
        self.servers: dict[str, PaxosServer] = {}

    async def start(self, sid: str) -> None:
        s = PaxosServer(sid, self.cfg, self.root / sid, OPTS, tick=0.01, seed=hash(sid))
        await s.start()
        self.servers[sid] = s

    async def crash(self, sid: str) -> None:
        await self.servers.pop(sid).stop()

    async def up(self) -> Cluster:
        for sid in self.cfg.servers:
            await self.start(sid)
        return self

    async def down(self) -> None:
        for sid in list(self.servers):
            await self.crash(sid)

    async def leader(self, exclude: str | None = None) -> str:
        def one():
            ls = [s for s, x in self.servers.items() if x.node.is_leader() and s != exclude]
            return ls[0] if len(ls) == 1 else None
        return await until(one, what="a single leader")


def test_no_acknowledged_write_is_lost_across_a_leader_crash(tmp_path):
    async def go():
        c = await Cluster(tmp_path).up()
        try:
            acked: dict[str, str] = {}
            async with Client(c.cfg, timeout=15, attempt_timeout=0.5) as client:
                for i in range(40):
                    await client.put(f"k{i}", f"a{i}")
                    acked[f"k{i}"] = f"a{i}"
                old = await c.leader()
                # writes in flight while the leader dies (one client each: a session has
                # one command outstanding); each is acknowledged, maybe after retries
                others = [Client(c.cfg, timeout=15, attempt_timeout=0.5) for _ in range(10)]
                writers = [asyncio.create_task(w.put(f"k{i}", f"b{i}"))
                           for i, w in zip(range(40, 50), others, strict=True)]
                await asyncio.sleep(0.005)
                await c.crash(old)
                for i, t in zip(range(40, 50), writers, strict=True):
                    await t
                    acked[f"k{i}"] = f"b{i}"
                for w in others:
                    await w.close()
                new = await c.leader(exclude=old)
                assert new != old
                for i in range(50, 60):
                    await client.put(f"k{i}", f"c{i}")
                    acked[f"k{i}"] = f"c{i}"
                for k, v in acked.items():
                    assert await client.get(k) == v, f"{k} lost"
                # the crashed server comes back and catches up from the leader
                await c.start(old)
                await until(lambda: c.servers[old].kv.data == c.servers[new].kv.data,
                            what="the restarted server to catch up")
        finally:
            await c.down()

    asyncio.run(go())


def test_a_retried_write_is_applied_once(tmp_path):
    async def go():
        c = await Cluster(tmp_path).up()
        try:
            leader = await c.leader()
            srv = c.servers[leader]
            req = {"op": "put", "client": "c1", "seq": 1, "key": "x", "value": "1"}
            first = await srv.handle(dict(req))
            again = await srv.handle(dict(req))
            assert first["ok"] and again == first
            later = await srv.handle({"op": "put", "client": "c1", "seq": 2, "key": "x",
                                      "value": "2"})
            assert later["old"] == "1"
            assert (await srv.handle({"op": "get", "key": "x"}))["value"] == "2"
        finally:
            await c.down()

    asyncio.run(go())


def test_a_follower_redirects_and_an_impostor_peer_is_refused(tmp_path):
    async def go():
        c = await Cluster(tmp_path).up()
        try:
            leader = await c.leader()
            follower = next(s for s in c.servers if s != leader)
            await until(lambda: c.servers[follower].node.leader == leader,
                        what="the follower to hear from the leader")
            r = await c.servers[follower].handle({"op": "get", "key": "x"})
            assert not r["ok"] and r["leader"] == leader and r["retry"]
            # a connection claiming to be a peer from a server id not in the file
            host, port = c.cfg.servers[follower]
            hello = frames.json_frame(frames.HELLO, {"role": "peer", "id": "s9",
                                                     "to": follower, "nonce": "00" * 16})
            assert b"not a server of this cluster" in await refusal(host, port, hello)
            # one that holds the secret but sends a ballot out of range: refused unread
            other = next(s for s in c.servers if s != follower)
            reader, writer = await authenticated(host, port, "peer", other, follower,
                                                 c.cfg.secret)
            writer.write(codec.encode(Prepare(2**63 - 1, 1, other, follower)))
            assert await asyncio.wait_for(reader.read(), 5) == b""
            writer.close()
            assert c.servers[follower].node.promised < 2**62
        finally:
            await c.down()

    asyncio.run(go())


def test_a_restart_of_every_server_logs_its_timeline_and_replays_its_decisions(tmp_path,
                                                                                caplog):
    """After every server stops and starts again on its data, each has executed its decided
    prefix before answering anyone, a leader takes over from after that prefix, and the log
    says when each step happened (what an operator reads to see where a slow recovery went)."""
    async def go():
        c = await Cluster(tmp_path).up()
        try:
            async with Client(c.cfg, timeout=15, attempt_timeout=0.5) as client:
                for i in range(30):
                    await client.put(f"k{i % 5}", f"v{i}")
            await until(lambda: all(s.node.prefix >= 30 for s in c.servers.values()),
                        what="every server to learn every decision")
            await c.down()
            caplog.clear()
            with caplog.at_level("INFO", logger="conform.multipaxos"):
                await c.up()
                for s in c.servers.values():  # replayed before the driver ran
                    assert s.kv.get("k4") == "v29" and s.kv.applied_index >= 30
                leader = await c.leader()
                async with Client(c.cfg, timeout=15, attempt_timeout=0.5) as client:
                    await client.put("after", "restart")
                assert c.servers[leader].node.first_slot > 30  # phase 1 after the prefix
            said = [r.getMessage() for r in caplog.records]
            assert sum("listening after" in m for m in said) == 3
            assert any(m.startswith("+") and f"leader of ballot {c.servers[leader].node.ballot}"
                       in m for m in said)
            assert any("first client command since start answered" in m for m in said)
        finally:
            await c.down()
    asyncio.run(go())
