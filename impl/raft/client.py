"""The key-value client: finds the leader, retries, and never applies a write twice.

Each client has a session id and numbers its writes; a write is retried — after a timeout,
a lost connection, or a redirect to the leader — with the *same* number, so the state
machine applies it once however many copies get committed (:mod:`impl.raft.kv`). Reads go
to the leader, which confirms its leadership with a quorum (ReadIndex) before answering.

Every connection opens with the handshake of :mod:`impl.net.auth`: the client proves it holds
the cluster file's client secret, and the server proves it holds it too, so a process that
took a server's port cannot acknowledge writes. A server that refuses the client's secret
ends the call at once (:class:`ClientError`): retrying cannot help.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
import uuid
from typing import Any

from impl.net import auth, frames
from impl.raft.cluster_config import ClusterConfig


class ClientError(Exception):
    """The cluster did not answer in time (``timed_out``: the request may still take
    effect), or refused the request for good."""

    def __init__(self, message: str, timed_out: bool = False) -> None:
        super().__init__(message)
        self.timed_out = timed_out


class _Conn:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.waiting: dict[int, asyncio.Future] = {}
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            while True:
                kind, payload = await frames.read_frame(self.reader)
                if kind != frames.CLIENT_REPLY:
                    raise frames.FrameError(f"a server sent a frame of kind {kind} to a client")
                reply = frames.parse_json(payload)
                fut = self.waiting.pop(reply["id"], None) if "id" in reply else None
                if fut is not None and not fut.done():
                    fut.set_result(reply)
        except Exception as e:
            for fut in self.waiting.values():
                if not fut.done():
                    fut.set_exception(ConnectionError(str(e) or "connection closed"))
            self.waiting.clear()

    def close(self) -> None:
        self.task.cancel()
        self.writer.close()


class Client:
    def __init__(self, cluster: ClusterConfig, client_id: str | None = None,
                 timeout: float = 10.0, attempt_timeout: float = 1.0) -> None:
        self.cluster = cluster
        key = cluster.client_key()
        if key is None:
            raise ClientError("the cluster file has no secret (neither \"client_secret\" nor "
                              "\"secret\"), so the servers would refuse this client")
        self._key = auth.key_of(key)
        self._tls = cluster.tls.client() if cluster.tls else None
        self.id = client_id or uuid.uuid4().hex
        self.seq = 0
        self.timeout = timeout
        self.attempt_timeout = attempt_timeout
        self.leader: str | None = None
        self._conns: dict[str, _Conn] = {}
        self._ids = itertools.count(1)
        self._order = list(cluster.servers)
        self._next = 0
        self.attempts = 0

    async def close(self) -> None:
        for c in self._conns.values():
            c.close()
        self._conns.clear()

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    # ------------------------------------------------------------------ operations

    async def put(self, key: str, value: str) -> dict:
        self.seq += 1
        return await self._call({"op": "put", "key": key, "value": value,
                                 "client": self.id, "seq": self.seq})

    async def delete(self, key: str) -> dict:
        self.seq += 1
        return await self._call({"op": "delete", "key": key, "client": self.id,
                                 "seq": self.seq})

    async def get(self, key: str) -> str | None:
        return (await self._call({"op": "get", "key": key}))["value"]

    async def add_server(self, sid: str) -> dict:
        return await self._call({"op": "add", "server": sid})

    async def remove_server(self, sid: str) -> dict:
        return await self._call({"op": "remove", "server": sid})

    async def status(self, sid: str) -> dict:
        return await self._send(sid, {"op": "status"})

    async def log_page(self, sid: str, first: int) -> dict:
        """Server ``sid``'s log from index ``first`` on, a page of it (Raft only)."""
        return await self._send(sid, {"op": "log", "from": first})

    async def ask(self, sid: str, req: dict) -> dict:
        """One request to one server, as it is, answered or not (no leader search, no
        retry): status queries and the cluster test's hooks."""
        return await self._send(sid, req)

    # ------------------------------------------------------------------ plumbing

    def _target(self) -> str:
        if self.leader is not None:
            return self.leader
        sid = self._order[self._next % len(self._order)]
        self._next += 1
        return sid

    async def _call(self, req: dict) -> dict:
        deadline = time.monotonic() + self.timeout
        last_error = "no server answered"
        while time.monotonic() < deadline:
            sid = self._target()
            self.attempts += 1
            try:
                reply = await self._send(sid, req)
            except auth.AuthError as e:
                self._drop(sid)
                raise ClientError(f"{sid}: {e}") from None
            except (TimeoutError, OSError, ConnectionError, frames.FrameError) as e:
                last_error = f"{sid}: {e or type(e).__name__}"
                self._drop(sid)
                self.leader = None
                await asyncio.sleep(0.01)
                continue
            if reply.get("ok"):
                self.leader = sid
                return reply
            last_error = f"{sid}: {reply.get('error')}"
            if not reply.get("retry"):
                raise ClientError(last_error)
            hint = reply.get("leader")
            self.leader = hint if hint in self.cluster.servers and hint != sid else None
            if self.leader is None:
                await asyncio.sleep(0.02)
        raise ClientError(f"gave up after {self.timeout}s: {last_error}", timed_out=True)

    async def _send(self, sid: str, req: dict) -> dict:
        conn = self._conns.get(sid)
        if conn is None or conn.task.done():
            async with asyncio.timeout(self.attempt_timeout):
                conn = self._conns[sid] = await self._connect(sid)
        rid = next(self._ids)
        fut = asyncio.get_running_loop().create_future()
        conn.waiting[rid] = fut
        conn.writer.write(frames.json_frame(frames.CLIENT_REQ, {**req, "id": rid}))
        try:
            async with asyncio.timeout(self.attempt_timeout):
                return await fut
        finally:
            conn.waiting.pop(rid, None)

    async def _connect(self, sid: str) -> _Conn:
        host, port = self.cluster.servers[sid]
        reader, writer = await asyncio.open_connection(host, port, ssl=self._tls)
        try:
            await auth.dial(reader, writer, "client", self.id, sid, self._key)
        except BaseException:
            writer.close()
            raise
        return _Conn(reader, writer)

    def _drop(self, sid: str) -> None:
        conn = self._conns.pop(sid, None)
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()
