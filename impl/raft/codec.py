"""Bytes on the wire: length-prefixed frames, versioned, with a size limit.

A frame is ``[length u32][version u8][kind u8][payload]``, little-endian. Raft messages are
packed with :mod:`struct` (they are most of the traffic); the hello and client frames are
small JSON objects, easy to read in a packet dump. A frame longer than the limit, of another
version, or that does not decode raises :class:`CodecError`, and the connection that sent it
is closed: nothing a peer sends is executed or unpickled.
"""

from __future__ import annotations

import json
import struct
from typing import Any

from impl.raft.messages import AppendRequest, AppendResponse, Message, VoteRequest, VoteResponse
from impl.raft.wal import decode_entries, encode_entries

VERSION = 1
MAX_FRAME = 16 << 20

HELLO, VOTE_REQ, VOTE_RESP, APPEND_REQ, APPEND_RESP, CLIENT_REQ, CLIENT_REPLY = range(1, 8)

_LEN = struct.Struct("<I")
_HEAD = struct.Struct("<BB")
_VOTE_REQ = struct.Struct("<QQQB")
_VOTE_RESP = struct.Struct("<QBB")
_APPEND_REQ = struct.Struct("<QQQQQQI")
_APPEND_RESP = struct.Struct("<QBQQQ")


class CodecError(ValueError):
    """A frame that is too long, of another version, or malformed."""


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


def encode_message(m: Message) -> bytes:
    """The body (kind byte and payload) of a Raft message frame."""
    ids = _pack_ids(m.src, m.dst)
    if isinstance(m, VoteRequest):
        return bytes([VOTE_REQ]) + ids + _VOTE_REQ.pack(m.term, m.last_log_term,
                                                        m.last_log_index, m.prevote)
    if isinstance(m, VoteResponse):
        return bytes([VOTE_RESP]) + ids + _VOTE_RESP.pack(m.term, m.granted, m.prevote)
    if isinstance(m, AppendRequest):
        return (bytes([APPEND_REQ]) + ids
                + _APPEND_REQ.pack(m.term, m.prev_index, m.prev_term, m.commit, m.read_round,
                                   m.beat, len(m.entries))
                + encode_entries(m.entries))
    if isinstance(m, AppendResponse):
        return bytes([APPEND_RESP]) + ids + _APPEND_RESP.pack(
            m.term, m.success, m.match_index, m.read_round, m.beat)
    raise CodecError(f"not a Raft message: {m!r}")


def decode_message(kind: int, buf: bytes) -> Message:
    try:
        (src, dst), pos = _unpack_ids(buf, 0, 2)
        if kind == VOTE_REQ:
            term, lt, li, pv = _VOTE_REQ.unpack_from(buf, pos)
            end = pos + _VOTE_REQ.size
            m: Message = VoteRequest(term, src, dst, lt, li, bool(pv))
        elif kind == VOTE_RESP:
            term, granted, pv = _VOTE_RESP.unpack_from(buf, pos)
            end = pos + _VOTE_RESP.size
            m = VoteResponse(term, src, dst, bool(granted), bool(pv))
        elif kind == APPEND_REQ:
            term, pi, pt, commit, rr, beat, n = _APPEND_REQ.unpack_from(buf, pos)
            entries, end = decode_entries(buf, n, pos + _APPEND_REQ.size)
            m = AppendRequest(term, src, dst, pi, pt, tuple(entries), commit, rr, beat)
        elif kind == APPEND_RESP:
            term, ok, match, rr, beat = _APPEND_RESP.unpack_from(buf, pos)
            end = pos + _APPEND_RESP.size
            m = AppendResponse(term, src, dst, bool(ok), match, rr, beat)
        else:
            raise CodecError(f"unknown message kind {kind}")
    except (struct.error, UnicodeDecodeError, ValueError) as e:
        if isinstance(e, CodecError):
            raise
        raise CodecError(f"malformed message of kind {kind}: {e}") from None
    if end != len(buf):
        raise CodecError(f"{len(buf) - end} stray bytes after a message of kind {kind}")
    return m


def frame(kind_and_payload: bytes) -> bytes:
    body = bytes([VERSION]) + kind_and_payload
    return _LEN.pack(len(body)) + body


def message_frame(m: Message) -> bytes:
    return frame(encode_message(m))


def json_frame(kind: int, obj: Any) -> bytes:
    return frame(bytes([kind]) + json.dumps(obj, separators=(",", ":")).encode())


def parse_body(body: bytes) -> tuple[int, Any]:
    """A frame body as (kind, Raft message or JSON object)."""
    if len(body) < 2:
        raise CodecError("frame too short")
    version, kind = _HEAD.unpack_from(body)
    if version != VERSION:
        raise CodecError(f"frame version {version}; this node speaks {VERSION}")
    payload = body[2:]
    if kind in (HELLO, CLIENT_REQ, CLIENT_REPLY):
        try:
            obj = json.loads(payload)
        except (ValueError, UnicodeDecodeError) as e:
            raise CodecError(f"malformed JSON frame: {e}") from None
        if not isinstance(obj, dict):
            raise CodecError("a JSON frame must hold an object")
        return kind, obj
    return kind, decode_message(kind, payload)


async def read_frame(reader: Any, limit: int = MAX_FRAME) -> tuple[int, Any]:
    """Read one frame from an asyncio stream; IncompleteReadError at a clean EOF."""
    head = await reader.readexactly(_LEN.size)
    (n,) = _LEN.unpack(head)
    if n > limit:
        raise CodecError(f"frame of {n} bytes exceeds the limit of {limit}")
    return parse_body(await reader.readexactly(n))
