"""What Multi-Paxos servers say to each other (``specs/MultiPaxos.tla``, message shapes).

Plain frozen records: the node core builds them, the simulator carries them as they are,
the codec turns them into bytes for TCP, and the abstraction function into the spec's
records. A command is opaque bytes, or None for the no-op a new leader fills a gap with.
"""

from __future__ import annotations

from dataclasses import dataclass, field

NodeId = str
Command = bytes | None  # None: the no-op


def _wid() -> int:
    """A message's id on the wire (``wid``): a number its sender's tracer gives it when it
    records the send, carried by the codec, so that the receiver's trace names the message
    by it instead of writing it again (0: none; the receiver then records the message).
    Not part of the message: equality, hashing and repr ignore it."""
    return field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Prepare:
    """Phase 1a, once for every slot from ``first`` on."""

    bal: int
    first: int
    src: NodeId
    dst: NodeId
    wid: int = _wid()


@dataclass(frozen=True, slots=True)
class Promise:
    """Phase 1b: the acceptor's accepted proposals for the slots >= the prepare's first,
    as sorted ``(slot, ballot, command)`` triples."""

    bal: int
    accepted: tuple[tuple[int, int, Command], ...]
    src: NodeId
    dst: NodeId
    wid: int = _wid()


@dataclass(frozen=True, slots=True)
class Reject:
    """A prepare, accept or heartbeat below the acceptor's promise ``bal``."""

    bal: int
    src: NodeId
    dst: NodeId
    wid: int = _wid()


@dataclass(frozen=True, slots=True)
class Accept:
    """Phase 2a for one slot."""

    bal: int
    slot: int
    cmd: Command
    src: NodeId
    dst: NodeId
    wid: int = _wid()


@dataclass(frozen=True, slots=True)
class Accepted:
    """Phase 2b, back to the leader."""

    bal: int
    slot: int
    src: NodeId
    dst: NodeId
    wid: int = _wid()


@dataclass(frozen=True, slots=True)
class Decide:
    """Slot ``slot`` holds ``cmd`` for good."""

    slot: int
    cmd: Command
    src: NodeId
    dst: NodeId
    wid: int = _wid()


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """The leader of ``bal`` is alive."""

    bal: int
    src: NodeId
    dst: NodeId
    wid: int = _wid()


@dataclass(frozen=True, slots=True)
class HeartbeatReply:
    """The follower knows every slot up to ``decided`` decided."""

    bal: int
    decided: int
    src: NodeId
    dst: NodeId
    wid: int = _wid()


Message = (Prepare | Promise | Reject | Accept | Accepted | Decide | Heartbeat
           | HeartbeatReply)
