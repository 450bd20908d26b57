"""Connections between the servers of a cluster, and from clients, over asyncio TCP.

Each server keeps one outbound connection per peer (:class:`PeerLink`), opened with the
handshake of :mod:`impl.net.auth`; it reconnects with backoff, and while a peer is
unreachable it drops what it cannot send (the protocols retransmit what matters). Inbound,
:class:`Transport` accepts a connection, has it prove who it is, and serves it as a peer — a
server not in the cluster file, one connecting from another host than the file gives for
it, or one without the secret is refused, and so is a frame on a peer connection whose
message claims another sender or does not decode — or as a client, whose requests are
handed to the server and answered on the same connection, each as it is done.

A refused connection is logged (logger ``conform.net``) with who it was and why, once per
peer and reason, then again at the 10th, 100th, ... time, so a flood cannot fill the log.

What a server holds for its connections is bounded (:mod:`impl.net.limits`): connections,
frame sizes, the bytes of large frames being received in total, the time such a frame may
take, client requests pending per connection and in total, replies waiting to go out; past a
bound a connection is not read from (back-pressure) or is closed (refusal).

The protocol is a parameter: it decodes its own frames into messages (checking every value
it uses) and says who sent one.

For the cluster test, and only when the server was started with test faults on, a client
request ``{"op": "test-partition", "drop": [ids]}`` makes the transport drop every message
to and from those peers (the network partitioned between them) until the next such request.

Stopping closes the listener and every connection and waits for their handlers to finish,
so a clean stop leaves nothing running and prints nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import socket
from collections.abc import Awaitable, Callable
from typing import Any

from impl.net import auth, frames
from impl.net.limits import READER_LIMIT, ByteBudget, Limits, Slots
from impl.raft.cluster_config import ClusterConfig

PEER_QUEUE = 10_000  # frames waiting for a slow or absent peer before the oldest go
log = logging.getLogger("conform.net")

Decode = Callable[[int, bytes], Any]  # (kind, payload) -> message; raises FrameError
OnMessage = Callable[[Any], None]
OnClient = Callable[[dict], Awaitable[dict]]


class PeerLink:
    """The outbound connection to one peer."""

    def __init__(self, own_id: str, peer_id: str, cluster: ClusterConfig,
                 complaints: Complaints, max_bytes: int = Limits.peer_queue_bytes) -> None:
        self.own_id = own_id
        self.id = peer_id
        self.cluster = cluster
        self.complaints = complaints
        self.max_bytes = max_bytes
        self.tls = cluster.tls.client() if cluster.tls else None
        self.queue: list[bytes] = []
        self.queued = 0  # bytes in the queue
        self.wake = asyncio.Event()
        self.task = asyncio.create_task(self._run())

    def send(self, data: bytes) -> None:
        if len(self.queue) >= PEER_QUEUE or self.queued + len(data) > self.max_bytes:
            drop = max(PEER_QUEUE // 10, 1)
            self.queued -= sum(map(len, self.queue[:drop]))
            del self.queue[:drop]
        self.queue.append(data)
        self.queued += len(data)
        self.wake.set()

    async def _run(self) -> None:
        delay = 0.02
        while True:
            host, port = self.cluster.servers[self.id]
            try:
                reader, writer = await asyncio.open_connection(host, port, ssl=self.tls)
            except OSError:
                self._clear()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 0.5)
                continue
            try:
                assert self.cluster.secret is not None
                # asyncio.timeout, not wait_for: Python 3.11's wait_for can swallow the
                # cancellation of a stop that comes as the handshake ends, and the link
                # then waits for ever, and so does the stop
                async with asyncio.timeout(auth.HANDSHAKE_TIMEOUT):
                    await auth.dial(reader, writer, "peer", self.own_id, self.id,
                                    auth.key_of(self.cluster.secret))
                delay = 0.02
                while True:
                    await self.wake.wait()
                    self.wake.clear()
                    batch, self.queue, self.queued = self.queue, [], 0
                    writer.write(b"".join(batch))
                    await writer.drain()
            except (TimeoutError, frames.FrameError, asyncio.IncompleteReadError,
                    ConnectionError, OSError) as e:
                if isinstance(e, auth.AuthError | frames.FrameError):
                    self.complaints.note(f"peer {self.id}", f"handshake failed: {e}")
                    self._clear()
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 0.5)
            finally:
                writer.close()
                with contextlib.suppress(Exception):
                    await writer.wait_closed()

    def _clear(self) -> None:
        self.queue.clear()
        self.queued = 0


class Complaints:
    """Logs each refusal once per (who, why), then at its 10th, 100th, ... repetition."""

    def __init__(self, own_id: str) -> None:
        self.own_id = own_id
        self.counts: dict[tuple[str, str], int] = {}

    def note(self, who: str, why: str) -> None:
        key = (who, why if len(why) < 200 else why[:200] + "...")
        n = self.counts[key] = self.counts.get(key, 0) + 1
        if str(n).rstrip("0") == "1":  # 1, 10, 100, ...
            more = f" ({n} times)" if n > 1 else ""
            log.warning("%s: refused %s: %s%s", self.own_id, who, key[1], more)


class Transport:
    """One server's listener and its links to the other servers."""

    def __init__(self, own_id: str, cluster: ClusterConfig, decode: Decode,
                 sender_of: Callable[[Any], tuple[str, str]], on_message: OnMessage,
                 on_client: OnClient, max_frame: int = frames.MAX_FRAME,
                 limits: Limits | None = None, test_faults: bool = False) -> None:
        self.id = own_id
        self.cluster = cluster
        self.decode = decode
        self.sender_of = sender_of  # message -> (source, destination)
        self.on_message = on_message
        self.on_client = on_client
        self.limits = dataclasses.replace(limits or Limits(), frame_bytes=max_frame)
        self.budget = ByteBudget(self.limits.buffer_bytes)
        self._pending = Slots(self.limits.pending)
        if not cluster.secret:
            raise ValueError("the cluster file has no secret, so peers cannot authenticate: "
                             "write it with `conform cluster up` or add \"secret\"")
        self.complaints = Complaints(own_id)
        self.test_faults = test_faults
        self.blocked: frozenset[str] = frozenset()  # peers cut off (test faults only)
        self._links: dict[str, PeerLink] = {}
        self._conns: set[asyncio.StreamWriter] = set()
        self._peer_conns: dict[str, asyncio.StreamWriter] = {}  # the one inbound per peer
        self._tasks: set[asyncio.Task] = set()
        self._handlers: set[asyncio.Task] = set()  # one per inbound connection
        self._server: asyncio.base_events.Server | None = None

    async def start(self) -> None:
        host, port = self.cluster.servers[self.id]
        tls: dict = {}
        if self.cluster.tls:
            tls = {"ssl": self.cluster.tls.server(),
                   "ssl_handshake_timeout": auth.HANDSHAKE_TIMEOUT}
        self._server = await asyncio.start_server(self._accept, host, port, reuse_address=True,
                                                  limit=READER_LIMIT, **tls)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        tasks = [link.task for link in self._links.values()] + list(self._tasks)
        for t in tasks:
            t.cancel()
        for w in list(self._conns):
            w.close()
        for t in tasks:
            with contextlib.suppress(BaseException):
                await t
        if self._handlers:  # they see their connection closed and return
            _, late = await asyncio.wait(list(self._handlers), timeout=1.0)
            for t in late:
                t.cancel()
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 1.0)

    def flushed(self) -> bool:
        """Whether every frame sent so far has left for its peer (or was dropped)."""
        return all(not link.queue for link in self._links.values())

    def send(self, dst: str, data: bytes) -> None:
        if dst in self.blocked:
            return
        link = self._links.get(dst)
        if link is None:
            if dst not in self.cluster.servers or dst == self.id:
                return
            link = self._links[dst] = PeerLink(self.id, dst, self.cluster, self.complaints,
                                               self.limits.peer_queue_bytes)
        link.send(data)

    # ------------------------------------------------------------------ inbound

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        remote = writer.get_extra_info("peername")
        who = f"a connection from {remote[0]}" if remote else "a connection"
        if len(self._conns) >= self.limits.connections:
            self.complaints.note(who, f"{self.limits.connections} connections are open already")
            writer.close()
            return
        me = asyncio.current_task()
        if me is not None:
            self._handlers.add(me)
        self._conns.add(writer)
        try:
            async with asyncio.timeout(auth.HANDSHAKE_TIMEOUT):
                hello = await auth.accept(reader, writer, self.id, self._key_for)
            who = f"{hello.role} {hello.id}"
            if hello.role == "peer":
                await self._serve_peer(reader, writer, hello.id)
            else:
                await self._serve_client(reader, writer)
        except (TimeoutError, frames.FrameError, asyncio.IncompleteReadError,
                ConnectionError, OSError) as e:
            if not isinstance(e, asyncio.IncompleteReadError | ConnectionResetError
                              | BrokenPipeError):  # not just a hang-up
                self.complaints.note(who, _reason(e))
        finally:
            self._conns.discard(writer)
            writer.close()
            if me is not None:
                self._handlers.discard(me)

    def _key_for(self, role: str, who: str) -> bytes | None:
        if role == "client":
            key = self.cluster.client_key()
        elif who in self.cluster.servers and who != self.id:
            key = self.cluster.secret
        else:
            key = None
        return auth.key_of(key) if key else None

    def _peer_allowed(self, peer_id: str, writer: asyncio.StreamWriter) -> bool:
        remote = writer.get_extra_info("peername")
        if not remote:
            return False
        try:
            allowed = {info[4][0] for info in socket.getaddrinfo(self.cluster.servers[peer_id][0],
                                                                  None)}
        except OSError:
            return False
        return remote[0] in allowed

    async def _serve_peer(self, reader, writer, peer_id: str) -> None:
        if not self._peer_allowed(peer_id, writer):
            raise auth.AuthError(f"connected from another host than the cluster file gives "
                                 f"for {peer_id}")
        old = self._peer_conns.get(peer_id)
        if old is not None:
            old.close()  # a peer that reconnects has given up on its old connection
        self._peer_conns[peer_id] = writer
        try:
            await self._peer_frames(reader, peer_id)
        finally:
            if self._peer_conns.get(peer_id) is writer:
                del self._peer_conns[peer_id]

    async def _read(self, reader: asyncio.StreamReader, limit: int) -> tuple[int, frames.Payload]:
        return await frames.read_frame(reader, limit, self.budget, self.limits.deadline)

    async def _peer_frames(self, reader: asyncio.StreamReader, peer_id: str) -> None:
        while True:
            kind, payload = await self._read(reader, self.limits.frame_bytes)
            if kind in frames.JSON_KINDS:
                raise frames.FrameError("a peer sent a non-protocol frame")
            m = self.decode(kind, payload)
            src, dst = self.sender_of(m)
            if src != peer_id or dst != self.id:
                raise frames.FrameError(f"{peer_id} sent a message from {src} to {dst}")
            if peer_id not in self.blocked:
                self.on_message(m)

    async def _serve_client(self, reader, writer) -> None:
        """Requests are read only while the client has fewer than ``client_pending`` of them
        in service, the server fewer than ``pending``, and the client's unread replies
        come to less than ``reply_bytes``: otherwise the next request waits unread."""
        transport = writer.transport
        transport.set_write_buffer_limits(high=self.limits.reply_bytes)
        mine = Slots(self.limits.client_pending)
        while True:
            if transport.get_write_buffer_size() > self.limits.reply_bytes:
                await writer.drain()
            if not mine.take_now():
                await mine.take()
            if not self._pending.take_now():
                try:
                    await self._pending.take()
                except BaseException:
                    mine.give()
                    raise
            try:
                kind, payload = await self._read(reader, self.limits.client_frame_bytes)
                if kind != frames.CLIENT_REQ:
                    raise frames.FrameError("a client sent a non-request frame")
                req = frames.parse_json(payload)
            except BaseException:
                mine.give()
                self._pending.give()
                raise
            t = asyncio.create_task(self._answer(req, writer))
            self._tasks.add(t)
            t.add_done_callback(self._tasks.discard)
            t.add_done_callback(lambda _: _give(mine, self._pending))

    async def _answer(self, req: dict, writer: asyncio.StreamWriter) -> None:
        try:
            if req.get("op") == "test-partition":
                reply = self._partition(req)
            else:
                reply = await self.on_client(req)
        except Exception as e:  # a bad request must not take the server down
            reply = {"ok": False, "error": f"bad request: {e}"}
        reply["id"] = req.get("id")
        with contextlib.suppress(Exception):
            writer.write(frames.json_frame(frames.CLIENT_REPLY, reply))

    def _partition(self, req: dict) -> dict:
        if not self.test_faults:
            return {"ok": False, "error": "test faults are off on this server"}
        drop = req.get("drop")
        if not isinstance(drop, list) or not all(isinstance(s, str) for s in drop):
            return {"ok": False, "error": "drop must be a list of server ids"}
        self.blocked = frozenset(drop) & frozenset(self.cluster.servers)
        return {"ok": True, "blocked": sorted(self.blocked)}


def _give(*slots: Slots) -> None:
    for s in slots:
        s.give()


def _reason(e: BaseException) -> str:
    if isinstance(e, TimeoutError):
        return "did not finish its handshake in time"
    return str(e) or type(e).__name__
