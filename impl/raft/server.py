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

from impl.bugs import NO_DRIVER_BUGS, DriverBugs
from impl.disk import DiskFile
from impl.net.frames import MAX_FRAME
from impl.net.transport import Transport
from impl.raft import codec
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
from impl.raft.recording import NodeTrace
from impl.restore import log_page
from impl.tracing import crash_now


class RaftServer:
    def __init__(self, node_id: str, cluster: ClusterConfig, data_dir: str | Path,
                 options: Options = DEFAULT_OPTIONS, sync: bool = True, tick: float = 0.01,
                 trace_path: str | Path | None = None, max_frame: int = MAX_FRAME,
                 seed: int | None = None, test_faults: bool = False,
                 bugs: DriverBugs = NO_DRIVER_BUGS, crash_in_bug_window: bool = False) -> None:
        """``bugs``: the driver's planted bugs (:class:`impl.bugs.DriverBugs`);
        ``crash_in_bug_window``: the process kills itself (SIGKILL) the first time a
        planted bug's window is open, as a test of the bug wants it to."""
        if node_id not in cluster.servers:
            raise ValueError(f"{node_id} is not in the cluster file")
        self.id = node_id
        self.cluster = cluster
        self.data_dir = Path(data_dir)
        self.options = options
        self.sync = sync
        self.tick_interval = tick
        self.rng = random.Random(seed)
        self.bugs = bugs
        self._early: dict[int, str] = {}  # ack_before_commit: token -> the key written
        self._stopping = False
        self.trace_path = trace_path
        self.kv = KV()
        self.node: Node | None = None
        self._inbox: list[tuple[Input, Any]] = []
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task] = []
        self.transport = Transport(node_id, cluster, codec.decode_message,
                                   lambda m: (m.src, m.dst), self._on_message, self.handle,
                                   max_frame, test_faults=test_faults)
        self._proposals: dict[int, tuple[int, asyncio.Future]] = {}  # index -> (term, fut)
        self._reads: list[tuple[int, asyncio.Future]] = []  # (read index, future)
        self._tokens = itertools.count(1)
        self._futures: dict[int, asyncio.Future] = {}
        self.crash_in_bug_window = crash_in_bug_window
        self.trace: NodeTrace | None = None
        self._unsynced = False  # written, not yet synced (send_before_sync)
        self._dying = False  # crash_in_bug_window: the window is open, die now
        self.stats = {"steps": 0, "batches": 0, "syncs": 0}

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._file = DiskFile(self.data_dir / "wal")
        if self.trace_path is not None:
            self.trace = NodeTrace(self.trace_path, self.id, list(self.cluster.servers),
                                   list(self.cluster.initial), self.options, buffered=True,
                                   origin={"tool": "conform raft server",
                                           "bugs": self.bugs.enabled() +
                                           self.options.bugs.enabled()})
        self.node, self.wal, _ = start_node(
            self.id, self.cluster.initial, self._file, self.options, self.trace,
            sync=self.sync and not self.bugs.send_before_sync)
        if self.trace is not None:
            self.trace.start(self.node)
        self.node.step(DrawTimeout(self.rng.randrange(self.options.election_ticks)))
        await self.transport.start()
        self._tasks = [asyncio.create_task(self._drive()), asyncio.create_task(self._ticker())]

    async def stop(self) -> None:
        """Stop: the batch in hand is finished (its writes synced), nothing more is done, and
        every connection is closed; the disk holds what a crash at this point would leave."""
        self._stopping = True
        self._wake.set()
        for t in self._tasks[1:]:  # the ticker
            t.cancel()
        for t in self._tasks:
            with contextlib.suppress(BaseException):
                await t
        await self.transport.stop()
        for fut in self._futures.values():
            if not fut.done():
                fut.set_exception(ConnectionError("server stopped"))
        self._file.close()
        if self.trace is not None:
            self.trace.close()

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
            if self._stopping:
                return
            await asyncio.sleep(0)  # let the readers that are ready queue theirs too
            self._wake.clear()
            batch, self._inbox = self._inbox, []
            if self._unsynced:  # send_before_sync: the last batch's writes, synced late
                await asyncio.to_thread(self._file.sync)
                self._unsynced = False
                self._durable()
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
            self._flush()  # the trace is ahead of the disk and of everything sent
            if merged.must_persist:
                if self.sync and not self.bugs.send_before_sync:
                    # fsync in a worker thread, so the sockets keep flowing
                    await asyncio.to_thread(self.wal.save, merged.hard_state,
                                            merged.log_writes)
                    self.stats["syncs"] += 1
                else:
                    self.wal.save(merged.hard_state, merged.log_writes)
                    self._unsynced = self.sync  # send_before_sync: synced with the next batch
            if not self._unsynced:
                self._durable()
            self._flush()
            for m in merged.messages:
                self.transport.send(m.dst, codec.message_frame(m))
            if self._unsynced and merged.messages and self.crash_in_bug_window:
                self._crash_soon()  # peers were told what a power loss would forget
            self._finish(merged)
            self._flush()  # a client's answer leaves once the driver yields
            if self._dying:
                await crash_now(self.transport)

    def _flush(self) -> None:
        if self.trace is not None:
            self.trace.flush()

    def _durable(self) -> None:
        """Every step so far is on disk (synced, unless syncing is off)."""
        if self.trace is not None and self.sync:
            self.trace.durable()

    def _crash_soon(self) -> None:
        """Die as ``kill -9`` would, once what was just sent has left (the driver does
        nothing more: the window stays open)."""
        self._dying = True

    def _finish(self, r: Ready) -> None:
        for rep in r.replies:
            fut = self._futures.pop(rep.token, None)
            early = self._early.pop(rep.token, None)
            if fut is None or fut.done():
                continue
            if rep.error:
                fut.set_result(self._error(rep))
            elif early is not None:  # the planted bug: logged is not committed
                fut.set_result({"ok": True, "old": self.kv.get(early)})
                if self.trace is not None:
                    self.trace.replied(rep.index)
                if self.crash_in_bug_window:
                    self._crash_soon()
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
                    if self.trace is not None and entry.kind is EntryKind.NORMAL:
                        self.trace.replied(index)
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

    # ------------------------------------------------------------------ clients

    async def handle(self, req: dict) -> dict:
        """Serve one client request (also callable in-process)."""
        op = req.get("op")
        fut: asyncio.Future = asyncio.get_running_loop().create_future()
        token = next(self._tokens)
        if op in ("put", "delete"):
            cmd = Command(str(req["client"]), int(req["seq"]), op, str(req["key"]),
                          None if op == "delete" else str(req.get("value", "")))
            if self.bugs.ack_before_commit:
                self._early[token] = cmd.key
            self._submit(Propose(token, cmd.encode()), fut)
            return await fut
        if op == "get":
            if self.bugs.read_without_leadership_check and self.node and self.node.is_leader():
                return {"ok": True, "value": self.kv.get(str(req["key"]))}
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
                stop: asyncio.Event | None = None, **kwargs: Any) -> None:
    """Run one server until ``stop`` is set (or until cancelled), then stop it cleanly."""
    server = RaftServer(node_id, cluster, data_dir, **kwargs)
    await server.start()
    try:
        await (stop or asyncio.Event()).wait()
    finally:
        await server.stop()
