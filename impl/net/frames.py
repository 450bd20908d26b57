"""Bytes on the wire: length-prefixed frames, versioned, with a size limit.

A frame is ``[length u32][version u8][kind u8][payload]``, little-endian. The handshake
(:mod:`impl.net.auth`: hello, challenge, proof, refused) and client frames are small JSON
objects, easy to read in a packet dump, and the same for every
protocol, so one key-value client (:mod:`impl.raft.client`) talks to a Raft and a
Multi-Paxos cluster alike. A protocol encodes its own message payloads: Raft's kinds (2 to 5,
:mod:`impl.raft.codec`) predate this module, so a new protocol numbers its kinds from
:data:`FIRST_PROTOCOL_KIND` up. A frame longer than the limit, of another version, or a JSON frame
that does not decode raises :class:`FrameError`, and the connection that sent it is closed:
nothing a peer sends is executed or unpickled.
"""

from __future__ import annotations

import asyncio
import json
import struct
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from impl.net.limits import ByteBudget

VERSION = 3  # 2: connections open with the authentication handshake of impl.net.auth
# 3: protocol messages carry their sender's wire id (8 bytes) after the two server ids
MAX_FRAME = 16 << 20

HELLO, CLIENT_REQ, CLIENT_REPLY = 1, 6, 7  # around Raft's message kinds, 2 to 5
CHALLENGE, PROOF, REFUSED = 8, 9, 10
JSON_KINDS = (HELLO, CLIENT_REQ, CLIENT_REPLY, CHALLENGE, PROOF, REFUSED)
FIRST_PROTOCOL_KIND = 16

# The largest term, index, ballot or slot a peer may send. No honest cluster gets near it (a
# million elections a second would take 146,000 years), and a term of 2**64-1 from a forged
# frame would leave its receiver unable to send the next one: decoders refuse anything above.
MAX_NUMBER = 1 << 62

SMALL = 32 << 10  # a frame this small is read whole, without reserving budget
Payload = bytes | bytearray
_LEN = struct.Struct("<I")
_HEAD = struct.Struct("<BB")
_PREFIX = struct.Struct("<IBB")  # the length, then the head: read in one go


class FrameError(ValueError):
    """A frame that is too long, of another version, or malformed."""


def frame(kind: int, payload: bytes) -> bytes:
    body = _HEAD.pack(VERSION, kind) + payload
    return _LEN.pack(len(body)) + body


def check_numbers(what: str, **values: int) -> None:
    """Refuse a message with a number out of ``0..MAX_NUMBER`` (-1 allowed: "none")."""
    for name, v in values.items():
        if not -1 <= v <= MAX_NUMBER:
            raise FrameError(f"{what}: {name} {v} is out of range")


def json_frame(kind: int, obj: Any) -> bytes:
    return frame(kind, json.dumps(obj, separators=(",", ":")).encode())


def parse_json(payload: Payload) -> dict:
    try:
        obj = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as e:
        raise FrameError(f"malformed JSON frame: {e}") from None
    if not isinstance(obj, dict):
        raise FrameError("a JSON frame must hold an object")
    return obj


async def read_frame(reader: Any, limit: int = MAX_FRAME, budget: ByteBudget | None = None,
                     deadline: Callable[[int], float] | None = None) -> tuple[int, Payload]:
    """One frame from an asyncio stream, as (kind, payload); IncompleteReadError at EOF.

    With a ``budget`` (:class:`impl.net.limits.ByteBudget`), a payload larger than
    :data:`SMALL` must first reserve its size in it — the connection waits unread until it
    fits — and must then arrive within ``deadline(size)`` seconds. Its bytes are read in
    pieces into one buffer, which is the payload: nothing is held twice.
    """
    n, version, kind = _PREFIX.unpack(await reader.readexactly(_PREFIX.size))
    if n > limit:
        raise FrameError(f"frame of {n} bytes exceeds the limit of {limit}")
    if n < _HEAD.size:
        raise FrameError("frame too short")
    if version != VERSION:
        raise FrameError(f"frame version {version}; this node speaks {VERSION}")
    size = n - _HEAD.size
    if budget is None or size <= SMALL:
        return kind, await reader.readexactly(size)
    await budget.reserve(size)
    seconds = deadline(size) if deadline else None
    try:
        async with asyncio.timeout(seconds):
            body = bytearray()
            while len(body) < size:
                piece = await reader.read(min(size - len(body), SMALL))
                if not piece:
                    raise asyncio.IncompleteReadError(bytes(body), size)
                body += piece
    except TimeoutError:
        raise FrameError(f"a frame of {size} bytes did not arrive within {seconds:g} s") \
            from None
    finally:
        budget.release(size)
    return kind, body
