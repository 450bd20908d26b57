"""A real Raft key-value server: the node core on asyncio TCP and a file-backed WAL.

One task, the driver, owns the core: readers and the ticker only queue inputs. The driver
takes every input queued so far, steps the core on each, then does what the merged
:class:`~impl.raft.core.Ready` says in the order that matters — write the WAL and fsync it
(once for the whole batch, in a worker thread so the sockets keep flowing), then send the
messages, then apply what committed to the key-value store and answer the clients whose
commands or reads are done. Batching inputs is what makes one fsync cover many commands.

The connections, to peers and from clients, are :mod:`impl.net.transport`'s: a hello from a
server that is not in the cluster file, or from another host than the file gives for it, is
refused, and so is a frame from a peer connection that claims another sender. Clients use
the same port, with a hello of role "client".
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
from pathlib import Path
from typing import Any

from conformance.trace import Step, TraceHeader, TraceWriter
from impl.disk import DiskFile
from impl.net.frames import MAX_FRAME
from impl.net.transport import Transport
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
from impl.restore import log_page


class RaftServer:
    def __init__(self, node_id: str, cluster: ClusterConfig, data_dir: str | Path,
                 options: Options = DEFAULT_OPTIONS, sync: bool = True, tick: float = 0.01,
                 trace_path: str | Path | None = None, max_frame: int = MAX_FRAME,
                 seed: int | None = None) -> None:
        if node_id not in cluster.servers:
            raise ValueError(f"{node_id} is not in the cluster file")
        self.id = node_id
        self.cluster = cluster
        self.data_dir = Path(data_dir)
        self.options = options
        self.sync = sync
        self.tick_interval = tick
        self.rng = random.Random(seed)
        self.trace_path = trace_path
        self.kv = KV()
        self.node: Node | None = None
        self._inbox: list[tuple[Input, Any]] = []
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task] = []
        self.transport = Transport(node_id, cluster, codec.decode_message,
                                   lambda m: (m.src, m.dst), self._on_message, self.handle,
                                   max_frame)
        self._proposals: dict[int, tuple[int, asyncio.Future]] = {}  # index -> (term, fut)
        self._reads: list[tuple[int, asyncio.Future]] = []  # (read index, future)
        self._tokens = itertools.count(1)
        self._futures: dict[int, asyncio.Future] = {}
        self._trace: TraceWriter | None = None
        self._trace_file: Any = None
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
        await self.transport.start()
        self._tasks = [asyncio.create_task(self._drive()), asyncio.create_task(self._ticker())]

    async def stop(self) -> None:
        """Stop at once, as a crash would (only what was synced is on disk)."""
        for t in self._tasks:
            t.cancel()
        for t in self._tasks:
            with contextlib.suppress(BaseException):
                await t
        await self.transport.stop()
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

    def _on_message(self, m: Message) -> None:
        self._submit(Receive(m))

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
                self.transport.send(m.dst, codec.message_frame(m))
            self._finish(merged)

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

    # ------------------------------------------------------------------ clients

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
            return {"ok": True, "server": self.id, "protocol": "raft", "role": n.role.value,
                    "term": n.term, "leader": n.leader, "commit": n.commit,
                    "last_index": n.log.last_index, "members": sorted(n.members()),
                    "applied": self.kv.applied_index}
        if op == "log":  # a page of the log, for `conform cluster restore` (impl.restore)
            n = self.node
            assert n is not None
            return {"ok": True, "server": self.id, "role": n.role.value, "term": n.term,
                    **log_page(n.log, int(req.get("from", 1)))}
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
