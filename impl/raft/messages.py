"""What Raft nodes say to each other, and what their logs hold.

Plain frozen records: the node core builds them, the simulator carries them as they are, the
codec (:mod:`impl.raft.codec`) turns them into bytes for TCP, and the abstraction function
(:mod:`impl.raft.abstraction`) turns them into the spec's message records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

NodeId = str


def _wid() -> int:
    """A message's id on the wire (``wid``): a number its sender's tracer gives it when it
    records the send, carried by the codec, so that the receiver's trace names the message
    by it instead of writing it again (0: none; the receiver then records the message).
    Not part of the message: equality, hashing and repr ignore it."""
    return field(default=0, compare=False, repr=False)


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
    def config(term: int, members: frozenset[NodeId]) -> Entry:
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
    wid: int = _wid()


@dataclass(frozen=True, slots=True)
class VoteResponse:
    term: int
    src: NodeId
    dst: NodeId
    granted: bool
    prevote: bool = False
    wid: int = _wid()


@dataclass(frozen=True, slots=True)
class AppendRequest:
    """AppendEntries; with no entries it is a heartbeat. ``read_round`` is the leader's
    ReadIndex round (the spec's ``ctx``), echoed back so acknowledgements confirm reads;
    ``beat`` numbers heartbeats for lease reads and is not part of the spec's message."""

    term: int
    src: NodeId
    dst: NodeId
    prev_index: int
    prev_term: int
    entries: tuple[Entry, ...]
    commit: int
    read_round: int = 0
    beat: int = 0
    wid: int = _wid()


@dataclass(frozen=True, slots=True)
class AppendResponse:
    """On success ``match_index`` is the last index known to match the leader; on
    failure it is the follower's hint of where the leader should try next."""

    term: int
    src: NodeId
    dst: NodeId
    success: bool
    match_index: int
    read_round: int = 0
    beat: int = 0
    wid: int = _wid()


Message = VoteRequest | VoteResponse | AppendRequest | AppendResponse
