"""Raft messages as frame payloads (:mod:`impl.net.frames`), packed with :mod:`struct`.

Raft messages are most of the traffic, so they are packed rather than JSON. Their kinds
(2 to 5) sit between the hello (1) and the client frames (6, 7) of :mod:`impl.net.frames`:
Raft's wire format came first, and the shared frames kept its numbers. A payload that does
not decode, or whose values are out of range (a term past :data:`~impl.net.frames.MAX_NUMBER`,
a log entry of a later term than the message, a configuration that does not decode), raises
:class:`~impl.net.frames.FrameError`, and the connection that sent it is closed: nothing a
peer sends is executed or unpickled, and nothing reaches the node core unchecked.

Every message starts with its source and destination ids and its wire id (``wid``, 8 bytes:
the number the sender's tracer gave it, 0 when the sender does not trace), so that a
receiver's trace can name the message instead of recording it again.
"""

from __future__ import annotations

import struct

from impl.net.frames import MAX_NUMBER, FrameError, check_numbers, frame
from impl.raft.messages import (
    AppendRequest,
    AppendResponse,
    EntryKind,
    Message,
    VoteRequest,
    VoteResponse,
)
from impl.raft.wal import decode_entries, encode_entries

VOTE_REQ, VOTE_RESP, APPEND_REQ, APPEND_RESP = range(2, 6)

_VOTE_REQ = struct.Struct("<QQQB")
_VOTE_RESP = struct.Struct("<QBB")
_APPEND_REQ = struct.Struct("<QQQQQQI")
_APPEND_RESP = struct.Struct("<QBQQQ")
_WID = struct.Struct("<Q")


def _pack_ids(*ids: str) -> bytes:
    out = []
    for s in ids:
        b = s.encode()
        out.append(struct.pack("<H", len(b)) + b)
    return b"".join(out)


def _unpack_ids(buf: bytes, pos: int, n: int) -> tuple[list[str], int]:
    out = []
    for _ in range(n):
        (k,) = struct.unpack_from("<H", buf, pos)
        pos += 2
        out.append(bytes(buf[pos:pos + k]).decode())
        pos += k
    return out, pos


def message_frame(m: Message) -> bytes:
    """The whole frame for a Raft message."""
    ids = _pack_ids(m.src, m.dst) + _WID.pack(m.wid)
    if isinstance(m, VoteRequest):
        return frame(VOTE_REQ, ids + _VOTE_REQ.pack(m.term, m.last_log_term,
                                                   m.last_log_index, m.prevote))
    if isinstance(m, VoteResponse):
        return frame(VOTE_RESP, ids + _VOTE_RESP.pack(m.term, m.granted, m.prevote))
    if isinstance(m, AppendRequest):
        return frame(APPEND_REQ, ids
                     + _APPEND_REQ.pack(m.term, m.prev_index, m.prev_term, m.commit,
                                        m.read_round, m.beat, len(m.entries))
                     + encode_entries(m.entries))
    if isinstance(m, AppendResponse):
        return frame(APPEND_RESP, ids + _APPEND_RESP.pack(
            m.term, m.success, m.match_index, m.read_round, m.beat))
    raise FrameError(f"not a Raft message: {m!r}")


def decode_message(kind: int, buf: bytes) -> Message:
    try:
        (src, dst), pos = _unpack_ids(buf, 0, 2)
        (wid,) = _WID.unpack_from(buf, pos)
        pos += _WID.size
        if kind == VOTE_REQ:
            term, lt, li, pv = _VOTE_REQ.unpack_from(buf, pos)
            end = pos + _VOTE_REQ.size
            m: Message = VoteRequest(term, src, dst, lt, li, bool(pv), wid)
        elif kind == VOTE_RESP:
            term, granted, pv = _VOTE_RESP.unpack_from(buf, pos)
            end = pos + _VOTE_RESP.size
            m = VoteResponse(term, src, dst, bool(granted), bool(pv), wid)
        elif kind == APPEND_REQ:
            term, pi, pt, commit, rr, beat, n = _APPEND_REQ.unpack_from(buf, pos)
            entries, end = decode_entries(buf, n, pos + _APPEND_REQ.size)
            m = AppendRequest(term, src, dst, pi, pt, tuple(entries), commit, rr, beat, wid)
        elif kind == APPEND_RESP:
            term, ok, match, rr, beat = _APPEND_RESP.unpack_from(buf, pos)
            end = pos + _APPEND_RESP.size
            m = AppendResponse(term, src, dst, bool(ok), match, rr, beat, wid)
        else:
            raise FrameError(f"unknown message kind {kind}")
        if end != len(buf):
            raise FrameError(f"{len(buf) - end} stray bytes after a message of kind {kind}")
        _check(m)
    except (struct.error, UnicodeDecodeError, ValueError) as e:
        if isinstance(e, FrameError):
            raise
        raise FrameError(f"malformed message of kind {kind}: {e}") from None
    return m


def _check(m: Message) -> None:
    """Values a node core may trust: in range, and consistent within the message. (Every
    field is unsigned on the wire, so only the tops need checking; the common case is one
    comparison per message.)"""
    t = type(m)
    if t is AppendRequest:
        a: AppendRequest = m  # type: ignore[assignment]
        if max(a.term, a.commit, a.read_round, a.beat, a.prev_index + len(a.entries)) \
                > MAX_NUMBER:
            _out_of_range(m, "term", "commit", "read_round", "beat", "prev_index")
        if a.prev_term > a.term:
            raise FrameError(f"AppendRequest: previous term {a.prev_term} is not in "
                             f"0..{a.term}")
        last = a.prev_term
        for k, e in enumerate(a.entries, a.prev_index + 1):
            if not last <= e.term <= a.term:
                raise FrameError(f"AppendRequest: entry {k} has term {e.term}, not in "
                                 f"{last}..{a.term}")
            last = e.term
            if e.kind is EntryKind.CONFIG and not all(e.members()):
                raise FrameError(f"AppendRequest: entry {k} is a configuration with an "
                                 "empty id")
    elif t is AppendResponse:
        r: AppendResponse = m  # type: ignore[assignment]
        if max(r.term, r.match_index, r.read_round, r.beat) > MAX_NUMBER:
            _out_of_range(m, "term", "match_index", "read_round", "beat")
    elif t is VoteRequest:
        v: VoteRequest = m  # type: ignore[assignment]
        if max(v.term, v.last_log_index) > MAX_NUMBER:
            _out_of_range(m, "term", "last_log_index")
        if v.last_log_term > v.term:
            raise FrameError(f"VoteRequest: last log term {v.last_log_term} is not in "
                             f"0..{v.term}")
    elif m.term > MAX_NUMBER:
        _out_of_range(m, "term")


def _out_of_range(m: Message, *fields: str) -> None:
    check_numbers(type(m).__name__, **{f: getattr(m, f) for f in fields})
    raise FrameError(f"{type(m).__name__}: its last index is out of range")
