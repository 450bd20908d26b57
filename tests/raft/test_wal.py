"""The write-ahead log: what is synced survives, a torn tail is cut off, and any other damage
— one flipped bit anywhere, random bytes, a file of another kind — stops the node with the
file and the offset rather than losing what it acknowledged."""

from __future__ import annotations

import pytest

from impl.disk import DiskFile
from impl.paxos import storage
from impl.raft import wal
from impl.raft.bugs import Bugs
from impl.raft.messages import Entry, EntryKind
from impl.raft.simulation import make
from impl.records import Corruption
from impl.sim.storage import SimFile
from impl.sim.world import Decision
from tests.byteflip import record_ends, sweep
from tests.raft.helpers import elect, entries
from tests.steer import settle


def written() -> tuple[SimFile, list[bytes]]:
    f = SimFile()
    w = wal.WAL(f)
    records = []
    for hs, writes in [((1, None), []), ((1, "a"), [(1, tuple(entries(1, 1)))]),
                       (None, [(3, (Entry(1, EntryKind.CONFIG, b"a,b"),))]),
                       ((2, None), [(2, (Entry(2, EntryKind.NOOP),))])]:
        before = len(f.read())
        w.save(hs, writes)
        records.append(f.read()[before:])
    return f, records


def test_recovery_replays_hard_state_appends_and_truncations():
    f, _ = written()
    rec = wal.recover(f)
    assert (rec.term, rec.voted_for) == (2, None)
    assert [e.term for e in rec.entries] == [1, 2]  # the record from index 2 cut the rest
    assert rec.dropped_bytes == 0 and rec.records == 6


def test_every_torn_tail_recovers_to_the_last_whole_record():
    f, _ = written()
    data = f.read()
    bounds = [0, *record_ends(data)]
    for cut in range(len(data) + 1):
        whole = max(b for b in bounds if b <= cut)
        expected = wal.recover(SimFile(data[:whole]))
        g = SimFile(data[:cut])
        rec = wal.recover(g)
        assert (rec.term, rec.voted_for, rec.entries) == (
            expected.term, expected.voted_for, expected.entries), cut
        assert rec.dropped_bytes == cut - whole
        assert g.read() == data[:whole]  # the torn bytes are gone for good


def test_zeros_where_the_last_write_should_be_are_a_torn_tail():
    """File systems may leave the blocks of an interrupted append allocated but unwritten:
    zeros after the last record, or in the last record's final sectors."""
    f, _ = written()
    data = f.read()
    rec = wal.recover(SimFile(data + bytes(700)))
    assert rec.dropped_bytes == 700 and rec.term == 2
    long = SimFile(data)
    wal.WAL(long).save(None, [(3, tuple(entries(2) * 40))])  # a record across a sector edge
    big = long.read()
    edge = -(-(len(data) + 12) // 512) * 512
    assert len(data) + 12 < edge < len(big)
    torn = SimFile(big[:edge] + bytes(len(big) - edge))
    rec = wal.recover(torn)
    assert rec.dropped_bytes == len(big) - len(data) and len(rec.entries) == 2
    assert torn.read() == data


def _state(r: wal.Recovered) -> tuple:
    return r.term, r.voted_for, r.entries


def test_every_flipped_byte_of_a_small_wal_is_refused():
    f, _ = written()
    data = f.read()
    assert sweep(data, wal.recover, _state) == {"refused": 9 * len(data)}


def test_every_flipped_byte_of_a_wal_across_sectors_is_refused_or_a_clean_tail_cut():
    """Past 512 bytes a record can end in a whole sector of zeros; damage anywhere in such a
    last record looks like a torn write, and is cut as one (reported, never silent)."""
    f, _ = written()
    w = wal.WAL(f)
    w.save((3, "b"), [(3, tuple(Entry(3, EntryKind.NORMAL, b'{"k":%d}' % i) for i in range(20)))])
    w.save(None, [(23, (Entry(3, EntryKind.NORMAL, b"z" + bytes(600)),))])  # zeros at the end
    data = f.read()
    assert len(data) > 2 * 512
    outcomes = sweep(data, wal.recover, _state)
    assert outcomes["refused"] + outcomes["tail cut"] == 9 * len(data), outcomes
    last = record_ends(data)[-2]
    assert 0 < outcomes["tail cut"] <= 9 * (len(data) - last), outcomes


def test_damage_in_the_middle_stops_the_node_with_the_file_and_offset(tmp_path):
    f, records = written()
    data = bytearray(f.read())
    second = record_ends(bytes(data))[1]  # header record, first hard state, then this one
    data[second + 14] ^= 0x10  # inside its payload
    (tmp_path / "wal").write_bytes(bytes(data))
    with pytest.raises(Corruption) as e:
        wal.recover(DiskFile(tmp_path / "wal"))
    assert e.value.offset == second and e.value.name == str(tmp_path / "wal")
    assert str(e.value) == (f"{tmp_path / 'wal'}, byte {second}: a record fails its "
                            f"checksum, with {len(data) - record_ends(bytes(data))[2]} more "
                            "bytes after it")
    assert (tmp_path / "wal").read_bytes() == bytes(data)  # nothing cut, nothing lost


@pytest.mark.parametrize("seed", range(5))
def test_random_bytes_are_not_an_empty_node(seed):
    import random

    junk = random.Random(seed).randbytes(random.Random(seed).randrange(12, 600))
    with pytest.raises(Corruption, match="not a 'conform raft wal 2' file") as e:
        wal.recover(SimFile(junk))
    assert e.value.offset == 0


def test_an_acceptor_store_is_not_a_wal():
    f = SimFile()
    storage.Store(f, storage.recover(f)).save(storage.Writes(promised=3))
    with pytest.raises(Corruption, match="a 'conform paxos acceptor 4' file, not a 'conform "
                                         "raft wal 2' one"):
        wal.recover(f)


def test_a_wal_created_but_never_synced_starts_empty():
    header = SimFile()
    wal.WAL(header)
    for data in (b"", header.read()[:5], bytes(40)):
        rec = wal.recover(SimFile(data))
        assert (rec.term, rec.entries, rec.dropped_bytes) == (0, [], len(data))


def test_a_torn_tail_is_removed_so_later_records_are_not_lost():
    f, records = written()
    f = SimFile(f.read()[:-3])
    wal.recover(f)
    wal.WAL(f).save((9, "z"), [])
    assert wal.recover(f).term == 9


def test_compaction_keeps_the_state():
    f, _ = written()
    rec = wal.recover(f)
    wal.compact(f, rec)
    again = wal.recover(f)
    assert (again.term, again.voted_for, again.entries, again.records) == (
        rec.term, rec.voted_for, rec.entries, 2)


def test_sim_crash_loses_only_what_was_not_synced():
    f = SimFile()
    f.append(b"abc")
    f.sync()
    f.append(b"defgh")
    f.crash(keep_unsynced=2)
    assert f.read() == b"abcde"
    f.crash()
    assert f.read() == b"abcde"  # what survived a crash is on disk


def test_the_node_syncs_before_its_messages_leave():
    sim = make(3)
    sim.apply(Decision("timeout", "s1"))
    settle(sim)
    assert all(d.unsynced == 0 for d in sim.disks.values())


def test_planted_bug_reply_before_sync_loses_an_acknowledged_vote():
    sim = make(3, pre_vote=False, bugs=Bugs.only("reply_before_sync"))
    sim.apply(Decision("timeout", "s1"))
    for env in list(sim.network.in_flight()):
        if env.dst == "s2":
            sim.apply(Decision("deliver", "s2", env.id))
    assert sim.nodes["s2"].voted_for == "s1" and sim.disks["s2"].unsynced > 0
    sim.apply(Decision("crash", "s2", 0))
    assert sim.nodes["s2"].voted_for is None and sim.nodes["s2"].term == 0


def test_restart_recovers_the_log_from_the_sim_disk():
    sim = make(3)
    elect(sim, "s1")
    sim.apply(Decision("submit", "s1", "v1"))
    settle(sim)
    before = list(sim.nodes["s2"].log.entries)
    sim.apply(Decision("crash", "s2", 0))
    assert sim.nodes["s2"].log.entries == before and sim.nodes["s2"].commit == 0


def test_disk_file_round_trip_and_atomic_replace(tmp_path):
    f = DiskFile(tmp_path / "wal")
    w = wal.WAL(f)
    w.save((3, "b"), [(1, tuple(entries(1, 2, 3)))])
    assert f.syncs == 1
    with open(tmp_path / "wal", "ab") as raw:
        raw.write(torn := wal.hard_state_record(9, "c")[:-3])  # a torn record
    rec = wal.recover(DiskFile(tmp_path / "wal"))
    assert (rec.term, rec.voted_for, [e.term for e in rec.entries]) == (3, "b", [1, 2, 3])
    assert rec.dropped_bytes == len(torn)
    g = DiskFile(tmp_path / "wal")
    assert wal.recover(g).dropped_bytes == 0
    wal.WAL(g).save((4, None), [])
    assert wal.recover(DiskFile(tmp_path / "wal")).term == 4


@pytest.mark.parametrize("sync", [True, False])
def test_sync_can_be_switched_off(tmp_path, sync):
    f = DiskFile(tmp_path / "wal")
    wal.WAL(f, sync=sync).save((1, None), [])
    assert f.syncs == (1 if sync else 0)
