"""One bad byte in a server's WAL: the server refuses to start, naming the file and the
offset; `conform cluster restore` rebuilds it from its peers — the leader's log, a term and
a vote above any it can have cast — and it rejoins with every acknowledged write, never as a
voter that forgot its vote."""

from __future__ import annotations

import asyncio

import pytest

from impl.disk import DiskFile
from impl.raft import wal
from impl.raft.client import Client
from impl.raft.cluster_config import ClusterConfig
from impl.records import Corruption
from impl.restore import RestoreError, restore
from tests.byteflip import record_ends
from tests.loopback import until
from tests.raft.test_loopback import Cluster

pytestmark = pytest.mark.timeout(90)


def _damage(path) -> int:
    """Flip one bit in the middle record of a WAL; return that record's offset."""
    data = bytearray(path.read_bytes())
    ends = record_ends(bytes(data))
    at = ends[len(ends) // 2]
    data[at + 13] ^= 0x04
    path.write_bytes(bytes(data))
    return at


def test_a_damaged_wal_is_refused_then_restored_from_the_peers(tmp_path):
    async def go():
        c = await Cluster(ClusterConfig.on_free_ports(3), tmp_path).up()
        try:
            leader = await c.leader()
            victim = next(s for s in c.servers if s != leader)
            async with Client(c.cfg, timeout=15) as client:
                for i in range(40):
                    await client.put(f"k{i}", f"v{i}")
                await until(lambda: c.applied(victim) >= c.applied(leader), what="catch-up")
                voted = c.servers[victim].node.voted_for
                await c.stop(victim)
                at = _damage(tmp_path / victim / "wal")
                with pytest.raises(Corruption) as e:
                    await c.start(victim)
                assert e.value.offset == at and e.value.name == str(tmp_path / victim / "wal")
                c.servers.pop(victim, None)
                # a second server down: the restore refuses, changing nothing
                third = next(s for s in c.servers if s not in (leader, victim))
                await c.stop(third)
                with pytest.raises(RestoreError, match=f"every other server must answer.*{third}"):
                    await restore(client, victim, tmp_path / victim)
                assert (tmp_path / victim / "wal").exists()
                await c.start(third)
                terms = {s.node.term for s in c.servers.values()}
                done = await restore(client, victim, tmp_path / victim)
                assert done.moved_to and (done.moved_to / "wal").exists()  # the damage is kept
                assert done.floor >= max(terms) and done.copied_from == leader
                rec = wal.recover(DiskFile(tmp_path / victim / "wal"))
                assert (rec.term, rec.voted_for) == (done.floor, victim)
                assert rec.entries == c.servers[leader].node.log.entries[:len(rec.entries)]
                assert len(rec.entries) >= 40
                assert done.floor > 0 and voted is not None  # it had voted: that is why
                with pytest.raises(RestoreError, match="is running"):
                    await c.start(victim)
                    await restore(client, victim, tmp_path / victim)
                s = c.servers[victim]
                await until(lambda: s.kv.get("k39") == "v39", what="the restored server")
                assert all(s.kv.get(f"k{i}") == f"v{i}" for i in range(40))
                assert victim in s.node.members()
                # it is a full member again: the cluster survives losing another server
                await c.stop(third)
                await client.put("after", "restore")
                assert await client.get("k7") == "v7"
        finally:
            await c.down()
    asyncio.run(go())


class _Electing:
    """A client of a cluster whose servers all answer and none leads for the first
    ``polls_without_leader`` rounds of status calls: an election in progress."""

    def __init__(self, servers: list[str], polls_without_leader: int) -> None:
        self.cluster = ClusterConfig({s: ("127.0.0.1", 1) for s in servers}, servers)
        self.left = polls_without_leader * (len(servers) - 1)
        self.polls = 0

    async def status(self, sid: str) -> dict:
        if sid == "s1":
            raise ConnectionRefusedError("down")  # the server being restored
        self.polls += 1
        self.left -= 1
        role = "Leader" if self.left < 0 and sid == "s2" else "Follower"
        return {"server": sid, "role": role, "term": 4, "protocol": "raft",
                "members": ["s1", "s2", "s3"]}

    async def log_page(self, sid: str, first: int) -> dict:
        return {"role": "Leader", "term": 4, "last_index": 1,
                "entries": [[4, 0, ""]] if first == 1 else []}


def test_a_restore_during_an_election_waits_for_its_leader(tmp_path, monkeypatch):
    monkeypatch.setattr("impl.restore.ELECTION_WAIT", 5.0)
    (tmp_path / "s1").mkdir()
    (tmp_path / "s1" / "wal").write_bytes(b"damaged")
    client = _Electing(["s1", "s2", "s3"], polls_without_leader=3)
    done = asyncio.run(restore(client, "s1", tmp_path / "s1"))
    assert done.copied_from == "s2" and done.floor == 4 and done.entries == 1
    assert client.polls > 3 * 2  # it asked again until someone led


def test_a_restore_gives_up_when_no_election_ends(tmp_path, monkeypatch):
    monkeypatch.setattr("impl.restore.ELECTION_WAIT", 0.5)
    (tmp_path / "s1").mkdir()
    (tmp_path / "s1" / "wal").write_bytes(b"damaged")
    client = _Electing(["s1", "s2", "s3"], polls_without_leader=10**6)
    with pytest.raises(RestoreError, match=r"no server is leading \(none within 0.5 s\)"):
        asyncio.run(restore(client, "s1", tmp_path / "s1"))
    assert (tmp_path / "s1" / "wal").read_bytes() == b"damaged"  # nothing was changed
