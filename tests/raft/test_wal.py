"""The write-ahead log: what is synced survives, a torn tail is cut off, nothing else is."""

from __future__ import annotations

import pytest

from impl.disk import DiskFile
from impl.raft import wal
from impl.raft.bugs import Bugs
from impl.raft.messages import Entry, EntryKind
from impl.raft.simulation import make
from impl.sim.storage import SimFile
from impl.sim.world import Decision
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


def _boundaries(data: bytes) -> list[int]:
    out, pos = [0], 0
    while pos < len(data):
        pos += 8 + int.from_bytes(data[pos:pos + 4], "little")
        out.append(pos)
    return out


def test_every_torn_tail_recovers_to_the_last_whole_record():
    f, _ = written()
    data = f.read()
    bounds = _boundaries(data)
    assert bounds[-1] == len(data)
    for cut in range(len(data) + 1):
        whole = max(b for b in bounds if b <= cut)
        expected = wal.recover(SimFile(data[:whole]))
        g = SimFile(data[:cut])
        rec = wal.recover(g)
        assert (rec.term, rec.voted_for, rec.entries) == (
            expected.term, expected.voted_for, expected.entries), cut
        assert rec.dropped_bytes == cut - whole
        assert g.read() == data[:whole]  # the torn bytes are gone for good


def test_a_torn_tail_is_removed_so_later_records_are_not_lost():
    f, records = written()
    f = SimFile(f.read()[:-3])
    wal.recover(f)
    wal.WAL(f).save((9, "z"), [])
    assert wal.recover(f).term == 9


def test_a_corrupt_record_ends_the_log():
    f, records = written()
    data = bytearray(f.read())
    at = len(records[0]) + 12  # inside the second record's body
    data[at] ^= 0xFF
    rec = wal.recover(SimFile(bytes(data)))
    assert (rec.term, rec.entries) == (1, []) and rec.dropped_bytes > 0


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
        raw.write(b"\x05\x00\x00\x00garbage")  # a torn record
    rec = wal.recover(DiskFile(tmp_path / "wal"))
    assert (rec.term, rec.voted_for, [e.term for e in rec.entries]) == (3, "b", [1, 2, 3])
    assert rec.dropped_bytes == 11
    g = DiskFile(tmp_path / "wal")
    assert wal.recover(g).dropped_bytes == 0
    wal.WAL(g).save((4, None), [])
    assert wal.recover(DiskFile(tmp_path / "wal")).term == 4


@pytest.mark.parametrize("sync", [True, False])
def test_sync_can_be_switched_off(tmp_path, sync):
    f = DiskFile(tmp_path / "wal")
    wal.WAL(f, sync=sync).save((1, None), [])
    assert f.syncs == (1 if sync else 0)
