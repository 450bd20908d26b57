"""What Raft nodes say to each other, and what their logs hold.

Plain frozen records: the node core builds them, the simulator carries them as they are, the
codec (:mod:`impl.raft.codec`) turns them into bytes for TCP, and the abstraction function
(:mod:`impl.raft.abstraction`) turns them into the spec's message records.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

NodeId = str


class EntryKind(IntEnum):
    NORMAL = 0  # a client command, opaque to Raft
    NOOP = 1  # appended by a new leader so it can commit an entry of its own term
    CONFIG = 2  # the complete new membership, one server added or removed


@dataclass(frozen=True, slots=True)
class Entry:
    term: int
    kind: EntryKind
    data: bytes = b""

    @staticmethod
    def config(term: int, members: frozenset[NodeId]) -> "Entry":
        return Entry(term, EntryKind.CONFIG, ",".join(sorted(members)).encode())

    def members(self) -> frozenset[NodeId]:
        """The membership a CONFIG entry carries."""
        text = self.data.decode()
        return frozenset(text.split(",")) if text else frozenset()


@dataclass(frozen=True, slots=True)
class VoteRequest:
    """RequestVote, or its pre-vote rehearsal (Raft dissertation 9.6) when ``prevote``."""

    term: int
    src: NodeId
    dst: NodeId
    last_log_term: int
    last_log_index: int
    prevote: bool = False
    transfer: bool = False  # sent on a leadership transfer: voters ignore their lease


@dataclass(frozen=True, slots=True)
class VoteResponse:
    term: int
    src: NodeId
    dst: NodeId
    granted: bool
    prevote: bool = False


@dataclass(frozen=True, slots=True)
class AppendRequest:
    """AppendEntries; with no entries it is a heartbeat. ``round`` numbers the leader's
    broadcast rounds so acknowledgements can confirm ReadIndex reads and leases; it is not
    part of the protocol's state."""

    term: int
    src: NodeId
    dst: NodeId
    prev_index: int
    prev_term: int
    entries: tuple[Entry, ...]
    commit: int
    round: int = 0


@dataclass(frozen=True, slots=True)
class AppendResponse:
    """On failure ``conflict_index``/``conflict_term`` tell the leader how far back to go
    (the fast back-off of the Raft paper, section 5.3)."""

    term: int
    src: NodeId
    dst: NodeId
    success: bool
    match_index: int
    conflict_index: int = 0
    conflict_term: int = 0
    round: int = 0


@dataclass(frozen=True, slots=True)
class TimeoutNow:
    """Leadership transfer: the leader tells an up-to-date follower to campaign now."""

    term: int
    src: NodeId
    dst: NodeId


Message = VoteRequest | VoteResponse | AppendRequest | AppendResponse | TimeoutNow
