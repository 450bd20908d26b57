"""A real Raft key-value server: the node core on asyncio TCP and a file-backed WAL.

One task, the driver, owns the core: readers and the ticker only queue inputs. The driver
takes every input queued so far, steps the core on each, then does what the merged
:class:`~impl.raft.core.Ready` says in the order that matters — write the WAL and fsync it
(once for the whole batch, in a worker thread so the sockets keep flowing), then send the
messages, then apply what committed to the key-value store and answer the clients whose
commands or reads are done. Batching inputs is what makes one fsync cover many commands.

Peers talk over one outbound connection each, opened with a hello frame naming the sender;
a hello from a server that is not in the cluster file, or from another host than the file
gives for it, is refused, and so is a frame from a peer connection that claims another
sender. Clients use the same port, with a hello of role "client".
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import socket
from pathlib import Path
from typing import Any

from conformance.trace import Step, TraceHeader, TraceWriter
from impl.disk import DiskFile
from impl.raft import codec
from impl.raft.abstraction import VARIABLES, Abstraction, text_value
from impl.raft.boot import start_node
from impl.raft.cluster_config import ClusterConfig
from impl.raft.core import (
    DEFAULT_OPTIONS,
    ChangeMembers,
    DrawTimeout,
    Input,
    Node,
    Options,
    Propose,
    Read,
    Ready,
    Receive,
    Reply,
    Tick,
)
from impl.raft.kv import KV, Command
from impl.raft.messages import EntryKind, Message

PEER_QUEUE = 10_000  # frames waiting for a slow or absent peer before the oldest go


class _Peer:
    """The outbound connection to one peer: reconnects, and drops what it cannot send."""

    def __init__(self, server: RaftServer, peer_id: str) -> None:
        self.server = server
        self.id = peer_id
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
            host, port = self.server.cluster.servers[self.id]
            try:
                reader, writer = await asyncio.open_connection(host, port)
            except OSError:
                self.queue.clear()  # nobody to deliver to: Raft retransmits what matters
                await asyncio.sleep(delay)
                delay = min(delay * 2, 0.5)
                continue
            delay = 0.02
            try:
                writer.write(codec.json_frame(codec.HELLO, {"role": "peer",
                                                            "id": self.server.id}))
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


class RaftServer:
    def __init__(self, node_id: str, cluster: ClusterConfig, data_dir: str | Path,
                 options: Options = DEFAULT_OPTIONS, sync: bool = True, tick: float = 0.01,
                 trace_path: str | Path | None = None, max_frame: int = codec.MAX_FRAME,
                 seed: int | None = None) -> None:
        if node_id not in cluster.servers:
            raise ValueError(f"{node_id} is not in the cluster file")
        self.id = node_id
        self.cluster = cluster
        self.data_dir = Path(data_dir)
        self.options = options
        self.sync = sync
        self.tick_interval = tick
        self.max_frame = max_frame
        self.rng = random.Random(seed)
        self.trace_path = trace_path
        self.kv = KV()
        self.node: Node | None = None
        self._inbox: list[tuple[Input, Any]] = []
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task] = []
        self._peers: dict[str, _Peer] = {}
        self._conns: set[asyncio.StreamWriter] = set()
        self._proposals: dict[int, tuple[int, asyncio.Future]] = {}  # index -> (term, fut)
        self._reads: list[tuple[int, asyncio.Future]] = []  # (read index, future)
        self._tokens = itertools.count(1)
        self._futures: dict[int, asyncio.Future] = {}
        self._trace: TraceWriter | None = None
        self._trace_file: Any = None
        self._server: asyncio.base_events.Server | None = None
        self.stats = {"steps": 0, "batches": 0, "syncs": 0}

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._file = DiskFile(self.data_dir / "wal")
        tracer = None
        if self.trace_path is not None:
            self._absn = Abstraction(self.cluster.servers, text_value)
            self._trace_file = open(self.trace_path, "a", encoding="utf-8")
            self._trace = TraceWriter(self._trace_file, TraceHeader(
                spec="Raft", protocol="raft", variables=[v for v in VARIABLES if v != "msgs"],
                origin={"tool": "conform raft server", "node": self.id,
                        "view": "local: this server's part of the state, no msgs"}))
            self._trace_index = 0
            tracer = self._on_event
        self.node, self.wal, _ = start_node(self.id, self.cluster.initial, self._file,
                                            self.options, tracer, sync=self.sync)
        self.node.step(DrawTimeout(self.rng.randrange(self.options.election_ticks)))
        host, port = self.cluster.servers[self.id]
        self._server = await asyncio.start_server(self._accept, host, port,
                                                  reuse_address=True)
        self._tasks = [asyncio.create_task(self._drive()), asyncio.create_task(self._ticker())]

    async def stop(self) -> None:
        """Stop at once, as a crash would (only what was synced is on disk)."""
        if self._server is not None:
            self._server.close()
        for t in self._tasks + [p.task for p in self._peers.values()]:
            t.cancel()
        for w in list(self._conns):
            w.close()
        for t in self._tasks + [p.task for p in self._peers.values()]:
            with contextlib.suppress(BaseException):
                await t
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 1.0)
        for fut in self._futures.values():
            if not fut.done():
                fut.set_exception(ConnectionError("server stopped"))
        self._file.close()
        if self._trace_file is not None:
            self._trace_file.close()

    # ------------------------------------------------------------------ the driver

    def _submit(self, inp: Input, fut: asyncio.Future | None = None) -> None:
        self._inbox.append((inp, fut))
        self._wake.set()

    async def _ticker(self) -> None:
        while True:
            await asyncio.sleep(self.tick_interval)
            self._submit(Tick())

    async def _drive(self) -> None:
        node = self.node
        assert node is not None
        while True:
            await self._wake.wait()
            await asyncio.sleep(0)  # let the readers that are ready queue theirs too
            self._wake.clear()
            batch, self._inbox = self._inbox, []
            merged = Ready()
            for inp, fut in batch:
                if fut is not None:
                    self._futures[inp.token] = fut  # type: ignore[union-attr]
                r = node.step(inp)
                self.stats["steps"] += 1
                _merge(merged, r)
                if r.need_draw:
                    node.step(DrawTimeout(self.rng.randrange(self.options.election_ticks)))
            self.stats["batches"] += 1
            if merged.must_persist:
                if self.sync:  # fsync in a worker thread, so the sockets keep flowing
                    await asyncio.to_thread(self.wal.save, merged.hard_state,
                                            merged.log_writes)
                    self.stats["syncs"] += 1
                else:
                    self.wal.save(merged.hard_state, merged.log_writes)
            for m in merged.messages:
                self._send(m)
            self._finish(merged)

    def _send(self, m: Message) -> None:
        peer = self._peers.get(m.dst)
        if peer is None:
            if m.dst not in self.cluster.servers:
                return
            peer = self._peers[m.dst] = _Peer(self, m.dst)
        peer.send(codec.message_frame(m))

    def _finish(self, r: Ready) -> None:
        for rep in r.replies:
            fut = self._futures.pop(rep.token, None)
            if fut is None or fut.done():
                continue
            if rep.error:
                fut.set_result(self._error(rep))
            else:
                self._proposals[rep.index] = (rep.term, fut)
        for rep in r.reads:
            fut = self._futures.pop(rep.token, None)
            if fut is None or fut.done():
                continue
            if rep.error:
                fut.set_result(self._error(rep))
            else:
                self._reads.append((rep.index, fut))
        for index, entry in r.committed:
            result: Any = {"ok": True}
            if entry.kind is EntryKind.NORMAL:
                _, result = self.kv.apply(index, entry.data)
            else:
                self.kv.applied_index = index
            waiting = self._proposals.pop(index, None)
            if waiting is not None and not waiting[1].done():
                term, fut = waiting
                if term == entry.term:
                    fut.set_result({"ok": "error" not in result, **result})
                else:
                    fut.set_result({"ok": False, "error": "leadership changed; retry",
                                    "retry": True})
        if self._reads:
            done = [(i, f) for i, f in self._reads if i <= self.kv.applied_index]
            self._reads = [(i, f) for i, f in self._reads if i > self.kv.applied_index]
            for _, fut in done:
                if not fut.done():
                    fut.set_result(None)  # the caller reads the store now

    def _error(self, rep: Reply) -> dict:
        out: dict[str, Any] = {"ok": False, "error": rep.error, "retry": True}
        if rep.leader and rep.leader != self.id:
            out["leader"] = rep.leader
            out["leader_addr"] = self.cluster.address(rep.leader)
        return out

    def _on_event(self, node: Node, action: str, params: dict) -> None:
        assert self._trace is not None
        self._trace_index += 1
        self._trace.write(Step(self._trace_index, action, self._absn.local(node),
                               self._absn.params(params), node=self.id))

    # ------------------------------------------------------------------ connections

    async def _accept(self, reader: asyncio.StreamReader,
                      writer: asyncio.StreamWriter) -> None:
        self._conns.add(writer)
        try:
            kind, hello = await asyncio.wait_for(codec.read_frame(reader, self.max_frame), 5)
            if kind != codec.HELLO:
                raise codec.CodecError("the first frame must be a hello")
            if hello.get("role") == "peer":
                await self._serve_peer(reader, writer, str(hello.get("id")))
            elif hello.get("role") == "client":
                await self._serve_client(reader, writer)
            else:
                raise codec.CodecError(f"unknown role {hello.get('role')!r}")
        except (TimeoutError, codec.CodecError, asyncio.IncompleteReadError, OSError):
            pass
        finally:
            self._conns.discard(writer)
            writer.close()

    def _peer_allowed(self, peer_id: str, writer: asyncio.StreamWriter) -> bool:
        if peer_id not in self.cluster.servers or peer_id == self.id:
            return False
        remote = writer.get_extra_info("peername")
        if not remote:
            return False
        host = self.cluster.servers[peer_id][0]
        try:
            allowed = {info[4][0] for info in socket.getaddrinfo(host, None)}
        except OSError:
            return False
        return remote[0] in allowed

    async def _serve_peer(self, reader, writer, peer_id: str) -> None:
        if not self._peer_allowed(peer_id, writer):
            raise codec.CodecError(f"refused a peer {peer_id!r} not in the cluster file")
        while True:
            kind, m = await codec.read_frame(reader, self.max_frame)
            if kind in (codec.HELLO, codec.CLIENT_REQ, codec.CLIENT_REPLY):
                raise codec.CodecError("a peer sent a non-Raft frame")
            if m.src != peer_id or m.dst != self.id:
                raise codec.CodecError(f"{peer_id} sent a message from {m.src} to {m.dst}")
            self._submit(Receive(m))

    async def _serve_client(self, reader, writer) -> None:
        while True:
            kind, req = await codec.read_frame(reader, self.max_frame)
            if kind != codec.CLIENT_REQ:
                raise codec.CodecError("a client sent a non-request frame")
            asyncio.create_task(self._answer(req, writer))

    async def _answer(self, req: dict, writer: asyncio.StreamWriter) -> None:
        try:
            reply = await self.handle(req)
        except Exception as e:  # a bad request must not take the server down
            reply = {"ok": False, "error": f"bad request: {e}"}
        reply["id"] = req.get("id")
        with contextlib.suppress(Exception):
            writer.write(codec.json_frame(codec.CLIENT_REPLY, reply))

    async def handle(self, req: dict) -> dict:
        """Serve one client request (also callable in-process)."""
        op = req.get("op")
        fut: asyncio.Future = asyncio.get_running_loop().create_future()
        token = next(self._tokens)
        if op in ("put", "delete"):
            cmd = Command(str(req["client"]), int(req["seq"]), op, str(req["key"]),
                          None if op == "delete" else str(req.get("value", "")))
            self._submit(Propose(token, cmd.encode()), fut)
            return await fut
        if op == "get":
            self._submit(Read(token), fut)
            res = await fut
            if res is not None:
                return res
            return {"ok": True, "value": self.kv.get(str(req["key"]))}
        if op in ("add", "remove"):
            sid = str(req["server"])
            if sid not in self.cluster.servers:
                return {"ok": False, "error": f"{sid} is not in the cluster file"}
            self._submit(ChangeMembers(token, **{op: sid}), fut)
            return await fut
        if op == "status":
            n = self.node
            assert n is not None
            return {"ok": True, "server": self.id, "role": n.role.value, "term": n.term,
                    "leader": n.leader, "commit": n.commit, "last_index": n.log.last_index,
                    "members": sorted(n.members()), "applied": self.kv.applied_index}
        return {"ok": False, "error": f"unknown operation {op!r}"}


def _merge(into: Ready, r: Ready) -> None:
    if r.hard_state is not None:
        into.hard_state = r.hard_state
    into.log_writes.extend(r.log_writes)
    into.messages.extend(r.messages)
    into.committed.extend(r.committed)
    into.replies.extend(r.replies)
    into.reads.extend(r.reads)


async def serve(node_id: str, cluster: ClusterConfig, data_dir: str | Path,
                **kwargs: Any) -> None:
    """Run one server until cancelled."""
    server = RaftServer(node_id, cluster, data_dir, **kwargs)
    await server.start()
    try:
        await asyncio.Event().wait()
    finally:
        await server.stop()
