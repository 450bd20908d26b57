"""Who is on the other end of a connection: a challenge-response handshake over a shared
secret, before any other frame.

Every server of a cluster, and every client, holds a secret from the cluster file
(:mod:`impl.raft.cluster_config`); it never crosses the wire. The side that dials says who
it is and whom it wants, with a fresh random nonce; the side that listens answers with a
nonce of its own and an HMAC-SHA256, under the secret, of everything said so far; the dialer
checks it (so a process that took the port cannot pose as the server) and answers with its
own HMAC. Both nonces are in both proofs, and each proof is labelled with the side that made
it, so a proof recorded earlier, or reflected back, proves nothing::

    dialer   -> HELLO      {"role": "peer"|"client", "id": "s1", "to": "s2", "nonce": hex}
    listener -> CHALLENGE  {"nonce": hex, "proof": HMAC(key, "listener" | transcript)}
    dialer   -> PROOF      {"proof": HMAC(key, "dialer" | transcript)}

A listener that does not accept the dialer sends REFUSED with the reason and closes. Only
then does the connection carry its peer messages or client requests; the transport checks
that every peer message names the authenticated peer as its sender. The handshake's frames
are small, so a stranger can make a server buffer at most :data:`HANDSHAKE_FRAME` bytes.

The handshake proves who connected; it does not hide or sign the frames that follow (on a
network where others can inject packets into a TCP stream, give the cluster file
certificates: :mod:`impl.net.tls`).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from impl.net import frames

HANDSHAKE_FRAME = 1024  # the largest handshake frame a listener reads
HANDSHAKE_TIMEOUT = 5.0  # seconds for a connection to prove itself
NONCE_BYTES = 16
SECRET_BYTES = 32
ROLES = ("peer", "client")
_LABEL = "conform-auth-1"


class AuthError(ConnectionError):
    """The other side did not prove it holds the secret, or refused us."""


def new_secret() -> str:
    """A fresh cluster secret, as hex (what the cluster file holds)."""
    return secrets.token_hex(SECRET_BYTES)


def key_of(secret: str) -> bytes:
    return bytes.fromhex(secret)


def _mac(key: bytes, side: str, role: str, dialer: str, listener: str, dialer_nonce: bytes,
         listener_nonce: bytes) -> bytes:
    transcript = json.dumps([_LABEL, side, role, dialer, listener, dialer_nonce.hex(),
                             listener_nonce.hex()]).encode()
    return hmac.new(key, transcript, hashlib.sha256).digest()


def _hex(obj: dict, field: str, size: int) -> bytes:
    value = obj.get(field)
    try:
        raw = bytes.fromhex(value) if isinstance(value, str) else b""
    except ValueError:
        raw = b""
    if len(raw) != size:
        raise frames.FrameError(f"handshake field {field!r} is not {size} bytes of hex")
    return raw


async def _read(reader: asyncio.StreamReader, expect: int) -> dict:
    kind, payload = await frames.read_frame(reader, HANDSHAKE_FRAME)
    if kind == frames.REFUSED:
        reason = frames.parse_json(payload).get("error")
        raise AuthError(f"refused: {reason}" if isinstance(reason, str) else "refused")
    if kind != expect:
        raise frames.FrameError(f"expected a handshake frame of kind {expect}, got {kind}")
    return frames.parse_json(payload)


async def dial(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, role: str,
               own_id: str, server_id: str, key: bytes) -> None:
    """Authenticate a connection we opened to ``server_id``, and prove ourselves to it."""
    mine = secrets.token_bytes(NONCE_BYTES)
    writer.write(frames.json_frame(frames.HELLO, {"role": role, "id": own_id, "to": server_id,
                                                  "nonce": mine.hex()}))
    try:
        challenge = await _read(reader, frames.CHALLENGE)
    except asyncio.IncompleteReadError:
        raise ConnectionResetError(f"{server_id} closed the connection during the "
                                   "handshake") from None
    theirs = _hex(challenge, "nonce", NONCE_BYTES)
    proof = _hex(challenge, "proof", hashlib.sha256().digest_size)
    if not hmac.compare_digest(proof, _mac(key, "listener", role, own_id, server_id, mine,
                                           theirs)):
        raise AuthError(f"{server_id} could not prove it holds the cluster secret")
    writer.write(frames.json_frame(frames.PROOF, {
        "proof": _mac(key, "dialer", role, own_id, server_id, mine, theirs).hex()}))


@dataclass(frozen=True)
class Hello:
    """Who an accepted connection proved to be."""

    role: str
    id: str


KeyFor = Callable[[str, str], "bytes | None"]  # (role, id) -> the key it must prove, or None


async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, own_id: str,
                 key_for: KeyFor) -> Hello:
    """Authenticate a connection someone opened to us; refuse it (and raise) if it fails."""
    hello = await _read(reader, frames.HELLO)
    role, who, to = hello.get("role"), hello.get("id"), hello.get("to")
    if role not in ROLES or not isinstance(who, str) or not who or len(who) > 200:
        raise frames.FrameError("a hello needs a role (peer or client) and an id")
    theirs = _hex(hello, "nonce", NONCE_BYTES)
    if to != own_id:
        _refuse(writer, f"this is {own_id}, not {to}")
        raise AuthError(f"a {role} {who!r} dialled {to!r}, not us")
    key = key_for(role, who)
    if key is None:
        _refuse(writer, f"{who} is not a server of this cluster")
        raise AuthError(f"{who!r} is not a server of the cluster file")
    mine = secrets.token_bytes(NONCE_BYTES)
    writer.write(frames.json_frame(frames.CHALLENGE, {
        "nonce": mine.hex(), "proof": _mac(key, "listener", role, who, own_id, theirs,
                                           mine).hex()}))
    answer = await _read(reader, frames.PROOF)
    proof = _hex(answer, "proof", hashlib.sha256().digest_size)
    if not hmac.compare_digest(proof, _mac(key, "dialer", role, who, own_id, theirs, mine)):
        _refuse(writer, "authentication failed: not the cluster's secret")
        raise AuthError(f"{role} {who!r} did not prove it holds the secret")
    return Hello(role, who)


def _refuse(writer: Any, reason: str) -> None:
    writer.write(frames.json_frame(frames.REFUSED, {"error": reason}))
