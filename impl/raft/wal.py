"""The write-ahead log: term, vote and entries, one checksummed record at a time.

A WAL file is a sequence of checksummed records (:mod:`impl.records`) after a header that
names the format: a hard state (term and vote) or a run of entries. Truncating the Raft log
is itself a record ("entries from index k are these", which drops everything at and after
k), so a half-written append can never damage what came before it; recovery keeps the whole
records, cuts off a torn tail, and refuses a damaged file (:class:`impl.records.Corruption`).

A node restored from its peers after its WAL was lost (``conform cluster restore``) starts
from a WAL that :func:`restored_log` writes: the leader's log, and a hard state in the
highest term any peer has reached with a vote already cast, so that it cannot vote twice in
a term it may have voted in before (:mod:`impl.restore`).

The file is anything with ``append``/``sync``/``read``/``replace``: a
:class:`impl.sim.storage.SimFile` in the simulator, an :class:`impl.disk.DiskFile` on a real
disk. :func:`save` is the one place that decides to sync before a node's messages go out.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from impl.raft.bugs import NO_BUGS, Bugs
from impl.raft.messages import Entry, EntryKind, NodeId
from impl.records import File, file_header, read_records, record, start

FORMAT = "conform raft wal 2"
_HARD_STATE = 1
_ENTRIES = 2
_TERM_VOTE = struct.Struct("<QH")
_ENTRIES_HEAD = struct.Struct("<QI")
_ENTRY_HEAD = struct.Struct("<QBI")


@dataclass
class Recovered:
    """What a node restarts from."""

    term: int = 0
    voted_for: NodeId | None = None
    entries: list[Entry] = field(default_factory=list)
    records: int = 0
    dropped_bytes: int = 0  # the torn tail that recovery cut off


# --------------------------------------------------------------------------- encoding


def encode_entries(entries: tuple[Entry, ...] | list[Entry]) -> bytes:
    parts = []
    for e in entries:
        parts.append(_ENTRY_HEAD.pack(e.term, e.kind, len(e.data)))
        parts.append(e.data)
    return b"".join(parts)


def decode_entries(buf: bytes, count: int, pos: int = 0) -> tuple[list[Entry], int]:
    out = []
    for _ in range(count):
        term, kind, n = _ENTRY_HEAD.unpack_from(buf, pos)
        pos += _ENTRY_HEAD.size
        data = bytes(buf[pos:pos + n])
        if len(data) != n:
            raise ValueError("entry runs past the end of its record")
        pos += n
        out.append(Entry(term, EntryKind(kind), data))
    return out, pos


def hard_state_record(term: int, voted_for: NodeId | None) -> bytes:
    vote = (voted_for or "").encode()
    return record(_HARD_STATE, _TERM_VOTE.pack(term, len(vote)) + vote)


def entries_record(first: int, entries: tuple[Entry, ...] | list[Entry]) -> bytes:
    """Entries from index ``first`` on; whatever the log held at and after it is gone."""
    return record(_ENTRIES, _ENTRIES_HEAD.pack(first, len(entries)) + encode_entries(entries))


# --------------------------------------------------------------------------- recovery


def recover(file: File) -> Recovered:
    """Read the log back up to its last whole record; cut off a torn tail for good; raise
    :class:`impl.records.Corruption` if the file is damaged otherwise."""
    out = Recovered()
    out.records, out.dropped_bytes = read_records(file, FORMAT,
                                                  lambda payload: _apply(out, payload))
    return out


def restored_log(term: int, vote: NodeId, entries: list[Entry]) -> bytes:
    """The whole WAL of a node restored from its peers (see the module's docstring)."""
    data = file_header(FORMAT) + hard_state_record(term, vote)
    return data + entries_record(1, entries) if entries else data


def _apply(out: Recovered, payload: bytes) -> None:
    kind = payload[0]
    if kind == _HARD_STATE:
        term, n = _TERM_VOTE.unpack_from(payload, 1)
        if 1 + _TERM_VOTE.size + n != len(payload):
            raise ValueError("malformed hard state record")
        vote = payload[1 + _TERM_VOTE.size:].decode()
        out.term, out.voted_for = term, (vote or None)
    elif kind == _ENTRIES:
        first, count = _ENTRIES_HEAD.unpack_from(payload, 1)
        entries, pos = decode_entries(payload, count, 1 + _ENTRIES_HEAD.size)
        if pos != len(payload) or not 1 <= first <= len(out.entries) + 1:
            raise ValueError("malformed entries record")
        del out.entries[first - 1:]
        out.entries.extend(entries)
    else:
        raise ValueError(f"unknown record kind {kind}")


def compact(file: File, rec: Recovered) -> None:
    """Rewrite the file as one hard-state record and one entries record (atomically)."""
    data = file_header(FORMAT) + hard_state_record(rec.term, rec.voted_for)
    if rec.entries:
        data += entries_record(1, rec.entries)
    file.replace(data)


# --------------------------------------------------------------------------- writing


class WAL:
    """Appends what a node's :class:`~impl.raft.core.Ready` says to persist."""

    def __init__(self, file: File, sync: bool = True, bugs: Bugs = NO_BUGS) -> None:
        start(file, FORMAT)
        self.file = file
        self.sync_enabled = sync
        self.bugs = bugs

    def save(self, hard_state: tuple[int, NodeId | None] | None,
             log_writes: list[tuple[int, tuple[Entry, ...]]]) -> None:
        """Write and (unless syncing is off) sync, before the node's messages are sent."""
        if hard_state is None and not log_writes:
            return
        parts = []
        if hard_state is not None:
            parts.append(hard_state_record(*hard_state))
        for first, entries in log_writes:
            parts.append(entries_record(first, entries))
        self.file.append(b"".join(parts))
        if self.sync_enabled and not self.bugs.reply_before_sync:
            self.file.sync()

    def sync(self) -> None:
        """The late sync of a node running with ``reply_before_sync``."""
        self.file.sync()
