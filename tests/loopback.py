"""For tests of real servers on loopback, whatever the protocol: wait for a condition that
the servers reach in their own time."""

from __future__ import annotations

import asyncio
import time


async def until(cond, timeout: float = 10.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = cond()
        if value:
            return value
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


async def refusal(host: str, port: int, data: bytes, timeout: float = 5.0) -> bytes:
    """Send ``data`` on a fresh connection and return all the server sent before it closed
    the connection (a refused hello gets a REFUSED frame; a bad frame, nothing)."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(data)
        return await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()


async def authenticated(host: str, port: int, role: str, own_id: str, server_id: str,
                        secret: str):
    """A connection that has passed the handshake, as a peer or a client would."""
    from impl.net import auth

    reader, writer = await asyncio.open_connection(host, port)
    await auth.dial(reader, writer, role, own_id, server_id, auth.key_of(secret))
    return reader, writer
