"""Multi-Paxos messages as frame payloads (:mod:`impl.net.frames`), packed with ``struct``.

Each message is a frame of its own kind: the two server ids (length-prefixed), its wire id
(``wid``, 8 bytes: the number the sender's tracer gave it, 0 when the sender does not trace;
a receiver's trace names the message by it instead of recording it again), then fixed
fields, then any commands (a flag byte, a length, the bytes; the flag says no-op). A payload
with stray bytes, a truncated field or an unknown kind raises :class:`FrameError`.
"""

from __future__ import annotations

import struct

from impl.net.frames import FIRST_PROTOCOL_KIND, MAX_NUMBER, FrameError, check_numbers, frame
from impl.paxos.multi.messages import (
    Accept,
    Accepted,
    Command,
    Decide,
    Heartbeat,
    HeartbeatReply,
    Message,
    Prepare,
    Promise,
    Reject,
)

KINDS = {t: FIRST_PROTOCOL_KIND + n for n, t in enumerate(
    (Prepare, Promise, Reject, Accept, Accepted, Decide, Heartbeat, HeartbeatReply))}
TYPES = {k: t for t, k in KINDS.items()}

_ID = struct.Struct("<H")
_Q = struct.Struct("<q")
_QQ = struct.Struct("<qq")
_CMD = struct.Struct("<BI")
_TRIPLE = struct.Struct("<qq")
_COUNT = struct.Struct("<I")
_WID = struct.Struct("<Q")


def _ids(*ids: str) -> bytes:
    out = []
    for s in ids:
        b = s.encode()
        out.append(_ID.pack(len(b)) + b)
    return b"".join(out)


def _cmd(c: Command) -> bytes:
    data = b"" if c is None else c
    return _CMD.pack(c is not None, len(data)) + data


class _Reader:
    def __init__(self, buf: bytes) -> None:
        self.buf, self.pos = buf, 0

    def take(self, s: struct.Struct) -> tuple:
        v = s.unpack_from(self.buf, self.pos)
        self.pos += s.size
        return v

    def raw(self, n: int) -> bytes:
        if self.pos + n > len(self.buf):
            raise FrameError("a field runs past the end of the frame")
        b = bytes(self.buf[self.pos:self.pos + n])
        self.pos += n
        return b

    def id(self) -> str:
        (n,) = self.take(_ID)
        return self.raw(n).decode()

    def cmd(self) -> Command:
        has, n = self.take(_CMD)
        data = self.raw(n)
        if not has and n:
            raise FrameError("a no-op with bytes")
        return data if has else None


def encode(m: Message) -> bytes:
    """The whole frame for ``m``."""
    head = _ids(m.src, m.dst) + _WID.pack(m.wid)
    if type(m) is Prepare:
        body = _QQ.pack(m.bal, m.first)
    elif type(m) is Promise:
        parts = [_Q.pack(m.bal), _COUNT.pack(len(m.accepted))]
        for slot, bal, c in m.accepted:
            parts.append(_TRIPLE.pack(slot, bal) + _cmd(c))
        body = b"".join(parts)
    elif type(m) is Reject or type(m) is Heartbeat:
        body = _Q.pack(m.bal)
    elif type(m) is Accept:
        body = _QQ.pack(m.bal, m.slot) + _cmd(m.cmd)
    elif type(m) is Accepted:
        body = _QQ.pack(m.bal, m.slot)
    elif type(m) is Decide:
        body = _Q.pack(m.slot) + _cmd(m.cmd)
    elif type(m) is HeartbeatReply:
        body = _QQ.pack(m.bal, m.decided)
    else:
        raise FrameError(f"not a Multi-Paxos message: {m!r}")
    return frame(KINDS[type(m)], head + body)


def decode(kind: int, payload: bytes) -> Message:
    t = TYPES.get(kind)
    if t is None:
        raise FrameError(f"unknown message kind {kind}")
    r = _Reader(payload)
    try:
        src, dst = r.id(), r.id()
        (wid,) = r.take(_WID)
        m: Message
        if t is Prepare:
            bal, first = r.take(_QQ)
            m = Prepare(bal, first, src, dst, wid)
        elif t is Promise:
            (bal,) = r.take(_Q)
            (n,) = r.take(_COUNT)
            if n > len(payload):
                raise FrameError("more proposals than bytes")
            acc = []
            for _ in range(n):
                slot, b = r.take(_TRIPLE)
                acc.append((slot, b, r.cmd()))
            m = Promise(bal, tuple(acc), src, dst, wid)
        elif t is Reject:
            m = Reject(r.take(_Q)[0], src, dst, wid)
        elif t is Heartbeat:
            m = Heartbeat(r.take(_Q)[0], src, dst, wid)
        elif t is Accept:
            bal, slot = r.take(_QQ)
            m = Accept(bal, slot, r.cmd(), src, dst, wid)
        elif t is Accepted:
            bal, slot = r.take(_QQ)
            m = Accepted(bal, slot, src, dst, wid)
        elif t is Decide:
            (slot,) = r.take(_Q)
            m = Decide(slot, r.cmd(), src, dst, wid)
        else:
            bal, decided = r.take(_QQ)
            m = HeartbeatReply(bal, decided, src, dst, wid)
    except (struct.error, UnicodeDecodeError) as e:
        raise FrameError(f"malformed message of kind {kind}: {e}") from None
    if r.pos != len(payload):
        raise FrameError(f"{len(payload) - r.pos} stray bytes after a message of kind {kind}")
    _check(m)
    return m


def _check(m: Message) -> None:
    """Ballots in -1..MAX_NUMBER (-1: none), slots in 1..MAX_NUMBER."""
    bal, decided = getattr(m, "bal", 0), getattr(m, "decided", 0)
    slots = [getattr(m, "slot", 1), getattr(m, "first", 1)]
    bals = [bal, decided]
    if type(m) is Promise:
        for slot, b, _ in m.accepted:
            slots.append(slot)
            bals.append(b)
    if min(bals) < -1 or max(bals) > MAX_NUMBER:
        check_numbers(type(m).__name__, bal=bal, decided=decided,
                      **{"accepted ballot": min(bals), "an accepted ballot": max(bals)})
    if min(slots) < 1 or max(slots) > MAX_NUMBER:
        raise FrameError(f"{type(m).__name__}: a slot out of 1..{MAX_NUMBER}")
