"""Connections between the servers of a cluster, and from clients, over asyncio TCP.

Each server keeps one outbound connection per peer (:class:`PeerLink`), opened with a hello
frame that names it; it reconnects with backoff, and while a peer is unreachable it drops
what it cannot send (the protocols retransmit what matters). Inbound, :class:`Transport`
accepts a connection, reads its hello, and serves it as a peer — a hello from a server not
in the cluster file, or from another host than the file gives for it, is refused, and so is
a frame on a peer connection whose message claims another sender — or as a client, whose
requests are handed to the server and answered on the same connection, each as it is done.

The protocol is a parameter: it decodes its own frames into messages and says who sent one.

For the cluster test, and only when the server was started with test faults on, a client
request ``{"op": "test-partition", "drop": [ids]}`` makes the transport drop every message
to and from those peers (the network partitioned between them) until the next such request.

Stopping closes the listener and every connection and waits for their handlers to finish,
so a clean stop leaves nothing running and prints nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Awaitable, Callable
from typing import Any

from impl.net import frames
from impl.raft.cluster_config import ClusterConfig

PEER_QUEUE = 10_000  # frames waiting for a slow or absent peer before the oldest go

Decode = Callable[[int, bytes], Any]  # (kind, payload) -> message; raises FrameError
OnMessage = Callable[[Any], None]
OnClient = Callable[[dict], Awaitable[dict]]


class PeerLink:
    """The outbound connection to one peer."""

    def __init__(self, own_id: str, peer_id: str, cluster: ClusterConfig) -> None:
        self.own_id = own_id
        self.id = peer_id
        self.cluster = cluster
        self.queue: list[bytes] = []
        self.wake = asyncio.Event()
        self.task = asyncio.create_task(self._run())

    def send(self, data: bytes) -> None:
        if len(self.queue) >= PEER_QUEUE:
            del self.queue[: PEER_QUEUE // 10]
        self.queue.append(data)
        self.wake.set()

    async def _run(self) -> None:
        delay = 0.02
        while True:
            host, port = self.cluster.servers[self.id]
            try:
                reader, writer = await asyncio.open_connection(host, port)
            except OSError:
                self.queue.clear()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 0.5)
                continue
            delay = 0.02
            try:
                writer.write(frames.json_frame(frames.HELLO, {"role": "peer", "id": self.own_id}))
                while True:
                    await self.wake.wait()
                    self.wake.clear()
                    batch, self.queue = self.queue, []
                    writer.write(b"".join(batch))
                    await writer.drain()
            except (OSError, ConnectionError):
                pass
            finally:
                writer.close()
                with contextlib.suppress(Exception):
                    await writer.wait_closed()


class Transport:
    """One server's listener and its links to the other servers."""

    def __init__(self, own_id: str, cluster: ClusterConfig, decode: Decode,
                 sender_of: Callable[[Any], tuple[str, str]], on_message: OnMessage,
                 on_client: OnClient, max_frame: int = frames.MAX_FRAME,
                 test_faults: bool = False) -> None:
        self.id = own_id
        self.cluster = cluster
        self.decode = decode
        self.sender_of = sender_of  # message -> (source, destination)
        self.on_message = on_message
        self.on_client = on_client
        self.max_frame = max_frame
        self.test_faults = test_faults
        self.blocked: frozenset[str] = frozenset()  # peers cut off (test faults only)
        self._links: dict[str, PeerLink] = {}
        self._conns: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task] = set()
        self._handlers: set[asyncio.Task] = set()  # one per inbound connection
        self._server: asyncio.base_events.Server | None = None

    async def start(self) -> None:
        host, port = self.cluster.servers[self.id]
        self._server = await asyncio.start_server(self._accept, host, port, reuse_address=True)

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

    def send(self, dst: str, data: bytes) -> None:
        if dst in self.blocked:
            return
        link = self._links.get(dst)
        if link is None:
            if dst not in self.cluster.servers or dst == self.id:
                return
            link = self._links[dst] = PeerLink(self.id, dst, self.cluster)
        link.send(data)

    # ------------------------------------------------------------------ inbound

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        me = asyncio.current_task()
        if me is not None:
            self._handlers.add(me)
        self._conns.add(writer)
        try:
            kind, payload = await asyncio.wait_for(frames.read_frame(reader, self.max_frame), 5)
            if kind != frames.HELLO:
                raise frames.FrameError("the first frame must be a hello")
            hello = frames.parse_json(payload)
            if hello.get("role") == "peer":
                await self._serve_peer(reader, writer, str(hello.get("id")))
            elif hello.get("role") == "client":
                await self._serve_client(reader, writer)
            else:
                raise frames.FrameError(f"unknown role {hello.get('role')!r}")
        except (TimeoutError, frames.FrameError, asyncio.IncompleteReadError,
                ConnectionError, OSError):
            pass
        finally:
            self._conns.discard(writer)
            writer.close()
            if me is not None:
                self._handlers.discard(me)

    def _peer_allowed(self, peer_id: str, writer: asyncio.StreamWriter) -> bool:
        if peer_id not in self.cluster.servers or peer_id == self.id:
            return False
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
            raise frames.FrameError(f"refused a peer {peer_id!r} not in the cluster file")
        while True:
            kind, payload = await frames.read_frame(reader, self.max_frame)
            if kind in frames.JSON_KINDS:
                raise frames.FrameError("a peer sent a non-protocol frame")
            m = self.decode(kind, payload)
            src, dst = self.sender_of(m)
            if src != peer_id or dst != self.id:
                raise frames.FrameError(f"{peer_id} sent a message from {src} to {dst}")
            if peer_id not in self.blocked:
                self.on_message(m)

    async def _serve_client(self, reader, writer) -> None:
        while True:
            kind, payload = await frames.read_frame(reader, self.max_frame)
            if kind != frames.CLIENT_REQ:
                raise frames.FrameError("a client sent a non-request frame")
            req = frames.parse_json(payload)
            t = asyncio.create_task(self._answer(req, writer))
            self._tasks.add(t)
            t.add_done_callback(self._tasks.discard)

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
