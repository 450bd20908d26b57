"""The transport's test-only partition hook, on real servers in this process: a server told
to drop a peer neither sends to it nor delivers what it sends, so an isolated leader is cut
off in both directions and the majority elects another; healing reconnects them. A server
started without test faults refuses the request."""

from __future__ import annotations

import asyncio

import pytest

from impl.raft.client import Client
from impl.raft.cluster_config import ClusterConfig
from impl.raft.server import RaftServer
from tests.loopback import until
from tests.raft.test_loopback import OPTS

pytestmark = pytest.mark.timeout(60)


def test_an_isolated_leader_is_cut_off_both_ways_until_healed(tmp_path):
    async def go():
        cfg = ClusterConfig.on_free_ports(3)
        servers = {s: RaftServer(s, cfg, tmp_path / s, OPTS, tick=0.01, seed=n,
                                 test_faults=True) for n, s in enumerate(cfg.servers)}
        for s in servers.values():
            await s.start()
        try:
            old = await until(lambda: next((s for s, x in servers.items()
                                            if x.node.is_leader()), None), what="a leader")
            rest = [s for s in servers if s != old]
            async with Client(cfg, timeout=10) as c:
                await c.put("k", "before")
                for sid in servers:
                    drop = rest if sid == old else [old]
                    assert (await c.ask(sid, {"op": "test-partition", "drop": drop}))["ok"]
                new = await until(lambda: next((s for s in rest if servers[s].node.is_leader()),
                                               None), timeout=20, what="a leader of the rest")
                async with Client(ClusterConfig({new: cfg.servers[new]}, [new],
                                                cfg.secret), timeout=10) as to_new:
                    await to_new.put("k", "during")
                await asyncio.sleep(0.5)
                assert servers[old].kv.get("k") == "before"  # it heard nothing
                for sid in servers:
                    assert (await c.ask(sid, {"op": "test-partition", "drop": []}))["ok"]
                await until(lambda: servers[old].kv.get("k") == "during", timeout=20,
                            what="the healed server to catch up")
        finally:
            for s in servers.values():
                await s.stop()
    asyncio.run(go())


def test_without_test_faults_the_hook_is_refused(tmp_path):
    async def go():
        cfg = ClusterConfig.on_free_ports(1)
        s = RaftServer("s1", cfg, tmp_path / "s1", OPTS, tick=0.01)
        await s.start()
        try:
            async with Client(cfg, timeout=5) as c:
                reply = await c.ask("s1", {"op": "test-partition", "drop": []})
            assert not reply["ok"] and "test faults are off" in reply["error"]
            assert s.transport.blocked == frozenset()
        finally:
            await s.stop()
    asyncio.run(go())
