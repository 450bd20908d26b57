"""A running Raft cluster against a hostile local process: a forged hello, a forged term of
2**64-1 (which once left every server stuck in that term for good), a forged sender. Each is
refused and logged once with its peer, and the cluster goes on serving."""

from __future__ import annotations

import asyncio
import logging
import struct

import pytest

from impl.net import frames
from impl.raft import codec
from impl.raft.client import Client, ClientError
from impl.raft.cluster_config import ClusterConfig
from impl.raft.messages import AppendRequest, VoteRequest
from tests.loopback import authenticated, refusal, until
from tests.raft.test_loopback import Cluster

pytestmark = pytest.mark.timeout(60)
HUGE = 2**64 - 1


def _forged_append(term: int, src: str, dst: str) -> bytes:
    """An AppendEntries heartbeat with any term, packed by hand (the codec refuses to): the
    two ids, the wire id (0), the fixed fields."""
    ids = b"".join(struct.pack("<H", len(s)) + s.encode() for s in (src, dst))
    return frames.frame(codec.APPEND_REQ,
                        ids + struct.pack("<QQQQQQQI", 0, term, 0, 0, 0, 0, 0, 0))


async def _serves(c: Cluster, key: str) -> None:
    async with Client(c.cfg, timeout=15) as client:
        await client.put(key, "still here")
        assert await client.get(key) == "still here"


def test_forged_hello_forged_term_and_forged_sender_are_refused(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="conform.net")

    async def go():
        c = await Cluster(ClusterConfig.on_free_ports(3), tmp_path).up()
        try:
            leader = await c.leader()
            await _serves(c, "before")
            follower = next(s for s in c.servers if s != leader)
            for target in (leader, follower):
                host, port = c.cfg.servers[target]
                impostor = "s3" if target != "s3" else "s2"
                # 1. no secret: a hello as a server, a made-up proof, then the forged term
                hello = frames.json_frame(frames.HELLO, {"role": "peer", "id": impostor,
                                                         "to": target, "nonce": "11" * 16})
                proof = frames.json_frame(frames.PROOF, {"proof": "22" * 32})
                got = await refusal(host, port,
                                    hello + proof + _forged_append(HUGE, impostor, target))
                assert b"authentication failed" in got
                # 2. a process that holds the secret (a compromised or buggy peer): the term
                # is out of range, and the message is refused before it reaches the core
                reader, writer = await authenticated(host, port, "peer", impostor, target,
                                                     c.cfg.secret)
                writer.write(_forged_append(HUGE, impostor, target))
                assert await asyncio.wait_for(reader.read(), 5) == b""
                writer.close()
                # 3. a frame whose sender is not the authenticated peer
                other = next(s for s in c.cfg.servers if s not in (impostor, target))
                reader, writer = await authenticated(host, port, "peer", impostor, target,
                                                     c.cfg.secret)
                writer.write(codec.message_frame(VoteRequest(5, other, target, 0, 0)))
                assert await asyncio.wait_for(reader.read(), 5) == b""
                writer.close()
            assert all(s.node.term < 2**62 for s in c.servers.values())
            await _serves(c, "after")
            await until(lambda: all(s.kv.get("after") == "still here"
                                    for s in c.servers.values()), what="every server")
        finally:
            await c.down()
    asyncio.run(go())
    refusals = [r.getMessage() for r in caplog.records if r.name == "conform.net"]
    text = "\n".join(refusals)
    assert text.count("did not prove it holds the secret") == 2, text
    assert text.count(f"term {HUGE} is out of range") == 2, text
    assert text.count("sent a message from") == 2, text
    assert all(("peer s" in line) for line in refusals if "out of range" in line), text


def test_a_client_with_the_wrong_secret_is_told_so_at_once(tmp_path):
    async def go():
        c = await Cluster(ClusterConfig.on_free_ports(1), tmp_path).up()
        try:
            wrong = ClusterConfig(c.cfg.servers, c.cfg.initial, ClusterConfig.on_free_ports(1)
                                  .secret)
            async with Client(wrong, timeout=10) as client:
                t = asyncio.get_running_loop().time()
                with pytest.raises(ClientError, match="could not prove it holds"):
                    await client.put("k", "v")
                assert asyncio.get_running_loop().time() - t < 5  # no retrying for 10 s
            assert c.servers["s1"].kv.get("k") is None
        finally:
            await c.down()
    asyncio.run(go())


def test_values_out_of_range_are_refused_by_the_codec():
    ok = AppendRequest(4, "s1", "s2", 6, 2, (), 5)
    codec.decode_message(*_split(codec.message_frame(ok)))
    for bad in (AppendRequest(2**62 + 1, "s1", "s2", 6, 2, (), 5),
                AppendRequest(4, "s1", "s2", 6, 5, (), 5),  # previous term after the term
                AppendRequest(4, "s1", "s2", 2**62 + 1, 2, (), 5),
                VoteRequest(3, "s1", "s2", 4, 0)):  # a last log term after the term
        with pytest.raises(frames.FrameError, match="out of range|not in"):
            codec.decode_message(*_split(codec.message_frame(bad)))


def _split(data: bytes) -> tuple[int, bytes]:
    return data[5], data[6:]
