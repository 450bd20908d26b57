"""Raft messages on the wire: the bytes are pinned, every message round-trips through the
shared frames, and a malformed payload is refused.

The pinned bytes are what servers of earlier versions send and expect: a change to them
breaks a rolling upgrade, so it must be deliberate (and bump ``frames.VERSION``). Version 2:
connections open with the authentication handshake (:mod:`impl.net.auth`); the messages
themselves are unchanged but for the version byte. Version 3: each message carries its wire id
(8 bytes after the two server ids; 0 when its sender does not trace)."""

from __future__ import annotations

import asyncio

import pytest

from impl.net import frames
from impl.raft import codec
from impl.raft.messages import (
    AppendRequest,
    AppendResponse,
    Entry,
    EntryKind,
    VoteRequest,
    VoteResponse,
)

PINNED = [
    (VoteRequest(3, "s1", "s2", 2, 7, True, wid=1764806400000001),
     "2b0000000302020073310200733201c091021545060003000000000000000200000000000000070000"
     "000000000001"),
    (VoteResponse(3, "s2", "s1", True, False),
     "1c00000003030200733202007331000000000000000003000000000000000100"),
    (AppendRequest(4, "s1", "s3", 6, 2, (Entry(3, EntryKind.NORMAL, b"put x"),
                                         Entry.config(4, frozenset({"s1", "s2"}))), 5, 9, 11),
     "6a00000003040200733102007333000000000000000004000000000000000600000000000000020000"
     "0000000000050000000000000009000000000000000b00000000000000020000000300000000000000"
     "000500000070757420780400000000000000020500000073312c7332"),
    (AppendResponse(4, "s3", "s1", True, 8, 9, 11, wid=258),
     "330000000305020073330200733102010000000000000400000000000000010800000000000000090000"
     "00000000000b00000000000000"),
]


async def _read(data: bytes) -> tuple[int, bytes]:
    r = asyncio.StreamReader()
    r.feed_data(data)
    r.feed_eof()
    return await frames.read_frame(r)


@pytest.mark.parametrize("m,wire", PINNED, ids=lambda x: type(x).__name__)
def test_messages_keep_their_bytes_and_round_trip(m, wire):
    data = codec.message_frame(m)
    assert data.hex() == wire
    kind, payload = asyncio.run(_read(data))
    assert kind not in frames.JSON_KINDS
    back = codec.decode_message(kind, payload)
    assert back == m and back.wid == m.wid


def test_the_client_frames_keep_their_bytes():
    assert frames.json_frame(frames.CLIENT_REQ, {"op": "get", "key": "k"}) == \
        b'\x18\x00\x00\x00\x03\x06{"op":"get","key":"k"}'


def test_truncated_padded_and_unknown_payloads_are_refused():
    kind, payload = asyncio.run(_read(codec.message_frame(PINNED[2][0])))
    for bad in (payload[:-1], payload + b"\x00", payload[:5]):
        with pytest.raises(frames.FrameError):
            codec.decode_message(kind, bad)
    with pytest.raises(frames.FrameError):
        codec.decode_message(frames.FIRST_PROTOCOL_KIND, payload)
