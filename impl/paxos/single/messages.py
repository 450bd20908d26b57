"""What single-decree Paxos roles say to each other (``specs/Paxos.tla``, Message).

Plain frozen records: the node core builds them, the simulator carries them as they are,
the codec turns them into bytes, and the abstraction function into the spec's records.
Values are bytes (a client's opaque value).
"""

from __future__ import annotations

from dataclasses import dataclass

NodeId = str


@dataclass(frozen=True, slots=True)
class Prepare:
    """Phase 1a: proposer ``src`` asks acceptor ``dst`` to promise ballot ``bal``."""

    bal: int
    src: NodeId
    dst: NodeId


@dataclass(frozen=True, slots=True)
class Promise:
    """Phase 1b: the acceptor promises ``bal`` and reports its accepted proposal
    (``acc_bal`` is NO_BALLOT and ``acc_val`` None when it accepted nothing)."""

    bal: int
    acc_bal: int
    acc_val: bytes | None
    src: NodeId
    dst: NodeId


@dataclass(frozen=True, slots=True)
class Reject:
    """The acceptor refuses a prepare or accept below its promise ``bal``."""

    bal: int
    src: NodeId
    dst: NodeId


@dataclass(frozen=True, slots=True)
class Accept:
    """Phase 2a: proposer ``src`` asks acceptor ``dst`` to accept ``val`` in ``bal``."""

    bal: int
    val: bytes
    src: NodeId
    dst: NodeId


@dataclass(frozen=True, slots=True)
class Accepted:
    """Phase 2b: acceptor ``src`` tells learner ``dst`` it accepted ``val`` in ``bal``."""

    bal: int
    val: bytes
    src: NodeId
    dst: NodeId


Message = Prepare | Promise | Reject | Accept | Accepted
