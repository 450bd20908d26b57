"""The handshake: both sides prove they hold the secret, and nothing else gets through — a
wrong secret, a replayed proof, a server id not in the cluster, a stranger's frames."""

from __future__ import annotations

import asyncio
import json
import os
import stat

import pytest

from conformance.errors import UserError
from impl.net import auth, frames
from impl.raft.cluster_config import ClusterConfig

KEY = auth.key_of(auth.new_secret())


async def _listener(key_for, own_id="s1"):
    """A server that runs the listening side of the handshake once per connection and
    records what became of it."""
    outcomes: list = []

    async def serve(reader, writer):
        try:
            outcomes.append(await auth.accept(reader, writer, own_id, key_for))
        except (auth.AuthError, frames.FrameError, asyncio.IncompleteReadError) as e:
            outcomes.append(e)
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1], outcomes


async def _dial(port, key, role="peer", own_id="s2", to="s1"):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        await auth.dial(reader, writer, role, own_id, to, key)
        await writer.drain()
        await asyncio.sleep(0.05)
    finally:
        writer.close()


def test_both_sides_prove_the_secret_and_learn_who_is_there():
    async def go():
        server, port, outcomes = await _listener(lambda role, who: KEY)
        async with server:
            await _dial(port, KEY, role="client", own_id="c7")
            assert outcomes == [auth.Hello("client", "c7")]
    asyncio.run(go())


def test_a_wrong_secret_fails_on_both_sides():
    async def go():
        server, port, outcomes = await _listener(lambda role, who: KEY)
        async with server:
            other = auth.key_of(auth.new_secret())
            with pytest.raises(auth.AuthError, match="could not prove"):
                await _dial(port, other)  # the dialer finds out first: the server's proof
            await asyncio.sleep(0.05)
            assert isinstance(outcomes[0], asyncio.IncompleteReadError | auth.AuthError)
    asyncio.run(go())


def test_a_dialer_without_the_secret_is_refused_with_a_reason():
    async def go():
        server, port, outcomes = await _listener(lambda role, who: KEY)
        async with server:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(frames.json_frame(frames.HELLO, {"role": "peer", "id": "s2",
                                                          "to": "s1", "nonce": "00" * 16}))
            kind, payload = await frames.read_frame(reader)
            assert kind == frames.CHALLENGE
            writer.write(frames.json_frame(frames.PROOF, {"proof": "ab" * 32}))
            kind, payload = await frames.read_frame(reader)
            assert kind == frames.REFUSED and "authentication failed" in payload.decode()
            assert await reader.read() == b""
            writer.close()
            assert isinstance(outcomes[0], auth.AuthError)
    asyncio.run(go())


def test_a_recorded_proof_does_not_open_a_second_connection():
    """The listener's nonce is fresh, so the proof of one connection is worthless on the
    next: replaying a whole recorded handshake fails."""
    async def go():
        server, port, outcomes = await _listener(lambda role, who: KEY)
        async with server:
            sent: list[bytes] = []
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            real_write = writer.write
            writer.write = lambda data: (sent.append(data), real_write(data))  # type: ignore
            await auth.dial(reader, writer, "peer", "s2", "s1", KEY)
            await writer.drain()
            writer.close()
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"".join(sent))
            got = await asyncio.wait_for(reader.read(), 5)
            writer.close()
            assert b"authentication failed" in got
            await asyncio.sleep(0.05)
            assert outcomes[0] == auth.Hello("peer", "s2")
            assert isinstance(outcomes[1], auth.AuthError)
    asyncio.run(go())


def test_unknown_ids_wrong_targets_and_malformed_hellos_are_refused():
    async def go():
        server, port, outcomes = await _listener(
            lambda role, who: KEY if who in ("s2", "s3") else None)
        async with server:
            with pytest.raises(auth.AuthError, match="not a server of this cluster"):
                await _dial(port, KEY, own_id="intruder")
            with pytest.raises(auth.AuthError, match="this is s1, not s3"):
                await _dial(port, KEY, to="s3")
            for hello in ({"role": "peer", "id": "s2", "to": "s1"},  # no nonce
                          {"role": "root", "id": "s2", "to": "s1", "nonce": "00" * 16},
                          {"role": "peer", "id": 7, "to": "s1", "nonce": "00" * 16}):
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(frames.json_frame(frames.HELLO, hello))
                assert await asyncio.wait_for(reader.read(), 5) == b""
                writer.close()
            await asyncio.sleep(0.05)
            assert len(outcomes) == 5 and not any(isinstance(o, auth.Hello) for o in outcomes)
    asyncio.run(go())


def test_a_big_frame_before_the_handshake_is_refused_unread():
    async def go():
        server, port, outcomes = await _listener(lambda role, who: KEY)
        async with server:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(frames.frame(frames.HELLO, b"{" + b" " * auth.HANDSHAKE_FRAME))
            assert await asyncio.wait_for(reader.read(), 5) == b""
            writer.close()
            assert "exceeds the limit" in str(outcomes[0])
    asyncio.run(go())


# --------------------------------------------------------------------------- the cluster file


def test_the_cluster_file_keeps_its_secret_to_its_owner(tmp_path):
    cfg = ClusterConfig.on_free_ports(3)
    assert cfg.secret and len(bytes.fromhex(cfg.secret)) == auth.SECRET_BYTES
    path = tmp_path / "cluster.json"
    path.write_text("old")
    path.chmod(0o644)
    cfg.dump(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ClusterConfig.load(path) == cfg
    assert os.listdir(tmp_path) == ["cluster.json"]  # no temporary file left behind
    path.chmod(0o640)
    with pytest.raises(UserError, match="others may read it") as e:
        ClusterConfig.load(path)
    assert e.value.hint == f"chmod 600 {path}"


def test_a_client_only_file_and_bad_secrets(tmp_path):
    data = ClusterConfig.on_free_ports(2).to_json()
    client_only = {**data, "client_secret": auth.new_secret()}
    del client_only["secret"]
    cfg = ClusterConfig.from_json(client_only)
    assert cfg.secret is None and cfg.client_key() == client_only["client_secret"]
    for bad in ("short", "zz" * 32, 42):
        with pytest.raises(UserError, match="hex digits"):
            ClusterConfig.from_json({**data, "secret": bad})
    no_secret = tmp_path / "open.json"
    no_secret.write_text(json.dumps({"servers": data["servers"]}))
    no_secret.chmod(0o644)
    assert ClusterConfig.load(no_secret).secret is None  # nothing to hide: may be readable
