"""A Multi-Paxos acceptor whose store is damaged refuses to start; restored from its peers it
is a learner — it answers no prepare or accept — until it has learned every slot its lost
votes may have counted in, then takes the decided commands as its accepted ones and votes
again: the cluster then survives losing another server."""

from __future__ import annotations

import asyncio

import pytest

from impl.disk import DiskFile
from impl.paxos import storage
from impl.raft.client import Client
from impl.records import Corruption
from impl.restore import restore
from tests.byteflip import record_ends
from tests.loopback import until
from tests.paxos.test_loopback import Cluster

pytestmark = pytest.mark.timeout(90)


def test_a_damaged_acceptor_is_refused_then_rejoins_as_a_learner(tmp_path):
    async def go():
        c = await Cluster(tmp_path).up()
        try:
            leader = await c.leader()
            victim = next(s for s in c.servers if s != leader)
            async with Client(c.cfg, timeout=15, attempt_timeout=0.5) as client:
                for i in range(30):
                    await client.put(f"k{i}", f"v{i}")
                await c.crash(victim)
                path = tmp_path / victim / "paxos"
                data = bytearray(path.read_bytes())
                ends = record_ends(bytes(data))
                data[ends[len(ends) // 2] + 20] ^= 0x80
                path.write_bytes(bytes(data))
                with pytest.raises(Corruption, match="fails its checksum"):
                    await c.start(victim)
                c.servers.pop(victim, None)
                done = await restore(client, victim, tmp_path / victim)
                assert done.protocol == "multipaxos" and done.rejoin_until >= 30
                d = storage.recover(DiskFile(path))
                assert (d.promised, d.ballot, d.accepted, d.rejoin_until) == (
                    done.floor, done.floor, {}, done.rejoin_until)
                await c.start(victim)
                s = c.servers[victim]
                assert s.node.rejoining() and not s.node.can_time_out()
                # caught up, and executed (decisions are synced before they are executed)
                await until(lambda: not s.node.rejoining()
                            and s.kv.applied_index >= done.rejoin_until, timeout=20,
                            what="catch-up")
                assert all(s.kv.get(f"k{i}") == f"v{i}" for i in range(30))
                assert all(k in s.node.accepted for k in range(1, done.rejoin_until + 1))
                assert storage.recover(DiskFile(path)).rejoin_until == 0  # an acceptor again
                # with the old leader gone, the restored acceptor is half of every quorum
                await c.crash(leader)
                await client.put("after", "restore")
                assert await client.get("k3") == "v3"
        finally:
            await c.down()
    asyncio.run(go())
