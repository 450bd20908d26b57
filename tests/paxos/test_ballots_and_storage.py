"""Proposal numbers and the durable store: the two things a restart must not get wrong."""

from __future__ import annotations

import pytest

from impl.paxos.ballots import next_ballot, owner, proposer_index
from impl.paxos.bugs import Bugs
from impl.paxos.rules import NO_BALLOT
from impl.paxos.storage import COMPACT_AFTER, FORMAT, Durable, Store, Writes, recover, snapshot
from impl.records import Corruption, file_header, record
from impl.sim.storage import SimFile
from tests.byteflip import sweep

NODES = ["n1", "n2", "n3"]


def test_every_proposer_owns_the_ballots_it_picks_and_they_rise():
    seen: dict[int, str] = {}
    for p in NODES:
        i = proposer_index(p, NODES)
        b = NO_BALLOT
        for above in range(-1, 40, 3):
            b = next_ballot(max(b, above), i, len(NODES))
            assert b > above and owner(b, NODES) == p
            assert seen.setdefault(b, p) == p, f"ballot {b} picked by two proposers"


def test_the_planted_bug_hands_out_numbers_another_proposer_owns():
    picks = {next_ballot(4, proposer_index(p, NODES), 3, reuse=True) for p in NODES}
    assert picks == {5}


def test_the_store_recovers_what_was_synced():
    f = SimFile()
    s = Store(f, recover(f))
    s.save(Writes(promised=3, ballot=2))
    s.save(Writes(accepts={1: (3, b"x"), 2: (3, None)}))
    s.save(Writes(promised=7))
    d = recover(f)
    assert (d.promised, d.ballot) == (7, 2)
    assert d.accepted == {1: (3, b"x"), 2: (3, None)}


def test_accepting_is_also_a_promise_after_a_restart():
    f = SimFile()
    Store(f, recover(f)).save(Writes(accepts={1: (9, b"x")}))
    assert recover(f).promised == 9


def test_a_decision_stores_its_value_only_when_it_is_not_the_one_accepted():
    f = SimFile()
    s = Store(f, recover(f))
    value = b"put key " + b"v" * 500
    s.save(Writes(accepts={1: (3, value), 2: (3, b"mine"), 3: (3, None)}))
    before = f.size()
    s.save(Writes(decides={1: value, 3: None}))  # the values this acceptor holds
    assert f.size() - before < 2 * 40  # two references, not a second copy of each value
    s.save(Writes(decides={2: b"theirs", 4: b"learned"}))  # chosen without this acceptor
    d = recover(f)
    assert d.decided == {1: value, 2: b"theirs", 3: None, 4: b"learned"}
    assert d.accepted[2] == (3, b"mine")
    s._compact()  # the snapshot writes the same two kinds of record
    assert recover(f).decided == d.decided and f.size() < 2 * len(value)


def test_a_decision_said_to_be_the_accepted_value_without_one_is_refused():
    f = SimFile(file_header(FORMAT) + record(6, (1).to_bytes(8, "little")))
    with pytest.raises(Corruption, match="slot 1 is decided as accepted, but nothing was"):
        recover(f)


def test_a_torn_tail_is_cut_off_and_the_file_stays_appendable():
    f = SimFile()
    s = Store(f, recover(f))
    s.save(Writes(promised=1))
    f.append(snapshot(Durable(promised=9))[-20:])  # a record, never synced
    f.crash(keep_unsynced=6)  # of which 6 bytes reached the disk
    d = recover(f)
    assert d.promised == 1 and d.dropped_bytes == 6
    s = Store(f, d)
    s.save(Writes(promised=2))
    assert recover(f).promised == 2 and recover(f).dropped_bytes == 0


def test_a_crash_before_the_sync_loses_the_write():
    f = SimFile()
    s = Store(f, recover(f), sync=False)
    s.save(Writes(promised=5))
    f.crash()
    assert recover(f).promised == NO_BALLOT


def test_the_planted_bug_keeps_the_promise_in_memory_only():
    f = SimFile()
    s = Store(f, recover(f), bugs=Bugs.only("forget_promise_on_restart"))
    s.save(Writes(promised=5, accepts={1: (2, b"v")}))
    assert recover(f).promised == 2  # only the accepted ballot survives


def test_dead_records_are_compacted_into_one_per_fact():
    f = SimFile()
    s = Store(f, recover(f))
    for n in range(COMPACT_AFTER + 10):
        s.save(Writes(promised=n, accepts={1: (n, b"v%d" % n)}))
    d = recover(f)
    assert d.promised == COMPACT_AFTER + 9 and d.accepted == {1: (d.promised, b"v%d" % d.promised)}
    assert d.records < 100


@pytest.mark.parametrize("data", [b"", b"\x00" * 3, b"\x00" * 40])
def test_an_empty_or_never_written_store_is_a_fresh_node(data):
    f = SimFile(data)
    d = recover(f)
    assert (d.promised, d.ballot, d.accepted) == (NO_BALLOT, NO_BALLOT, {})


@pytest.mark.parametrize("data", [b"\xff" * 40, bytes(range(200)), b"garbage" * 9])
def test_junk_is_refused_not_read_as_a_fresh_node(data):
    f = SimFile(data)
    with pytest.raises(Corruption, match="not a 'conform paxos acceptor 4' file"):
        recover(f)
    assert f.read() == data


def _stored() -> SimFile:
    f = SimFile()
    s = Store(f, recover(f))
    s.save(Writes(promised=3, ballot=2))
    s.save(Writes(accepts={1: (3, b"x"), 2: (3, None)}))
    s.save(Writes(promised=7, accepts={3: (7, b"put k v")}))
    s.save(Writes(decides={1: b"x", 2: b"other"}))  # one as accepted, one in full
    return f


def test_every_flipped_byte_of_an_acceptor_store_is_refused():
    data = _stored().read()
    outcomes = sweep(data, recover, lambda d: (d.promised, d.ballot, d.accepted,
                                               d.rejoin_until))
    assert outcomes == {"refused": 9 * len(data)}


def test_a_rejoining_acceptor_keeps_its_watermark_across_compaction():
    f = SimFile()
    f.replace(snapshot(Durable(promised=40, ballot=40, rejoin_until=12)))
    d = recover(f)
    assert (d.promised, d.ballot, d.rejoin_until) == (40, 40, 12)
    s = Store(f, d)
    s._compact()
    assert recover(f).rejoin_until == 12
