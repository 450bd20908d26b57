"""Multi-Paxos messages on the wire: every message round-trips; bad frames are refused."""

from __future__ import annotations

import asyncio

import pytest

from impl.net import frames
from impl.paxos.multi import codec
from impl.paxos.multi.messages import (
    Accept,
    Accepted,
    Decide,
    Heartbeat,
    HeartbeatReply,
    Prepare,
    Promise,
    Reject,
)

MESSAGES = [
    Prepare(7, 3, "s1", "s2"),
    Promise(7, (), "s2", "s1"),
    Promise(7, ((3, 4, b"put x"), (5, 1, None), (9, 6, b"")), "s2", "s1"),
    Reject(12, "s3", "s1"),
    Accept(7, 10, b"\x00\xffbytes", "s1", "s3"),
    Accept(7, 11, None, "s1", "s3"),
    Accepted(7, 10, "s3", "s1"),
    Decide(10, b"cmd", "s1", "s2"),
    Decide(11, None, "s1", "s2"),
    Heartbeat(7, "s1", "sé"),
    HeartbeatReply(7, 42, "s2", "s1"),
]


async def _read(data: bytes) -> tuple[int, bytes]:
    r = asyncio.StreamReader()
    r.feed_data(data)
    r.feed_eof()
    return await frames.read_frame(r)


@pytest.mark.parametrize("m", MESSAGES, ids=lambda m: type(m).__name__)
def test_every_message_round_trips(m):
    kind, payload = asyncio.run(_read(codec.encode(m)))
    assert codec.decode(kind, payload) == m


def test_truncated_and_padded_payloads_are_refused():
    m = Promise(7, ((3, 4, b"put x"),), "s2", "s1")
    kind, payload = asyncio.run(_read(codec.encode(m)))
    for bad in (payload[:-1], payload + b"\x00", payload[:5]):
        with pytest.raises(frames.FrameError):
            codec.decode(kind, bad)
    with pytest.raises(frames.FrameError):
        codec.decode(99, payload)


def test_oversized_and_foreign_frames_are_refused():
    with pytest.raises(frames.FrameError):
        asyncio.run(_read(b"\xff\xff\xff\x7f" + b"\x01" * 10))
    with pytest.raises(frames.FrameError):
        asyncio.run(_read(b"\x03\x00\x00\x00\x01\x10\x00"))  # version 1: no handshake

