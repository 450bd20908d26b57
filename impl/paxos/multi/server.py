"""A real Multi-Paxos key-value server: the node core on asyncio TCP and a file on disk.

One task, the driver, owns the core: the transport's readers and the ticker only queue
inputs. The driver takes every input queued so far, steps the core on each, then does what
the merged :class:`~impl.paxos.multi.core.Ready` says in the order that matters — write the
durable changes and fsync them (once for the whole batch, in a worker thread so the sockets
keep flowing), then send the messages, then execute the decided commands on the key-value
store and answer the clients whose commands executed. Batching inputs is what makes one
fsync cover many commands.

A client command is answered when its slot executes here: with its result if the command
executed in that slot is the one proposed, else with "retry" (another leader's command took
the slot). When this server stops leading, the commands still open are answered "retry"
at once; the client retries with the same session number, so a command that was chosen
after all is still applied once.

Clients speak the protocol of :mod:`impl.raft.client` (the same frames and requests), so
``conform kv`` and the Raft client work against this server unchanged.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
from pathlib import Path
from typing import Any

from conformance.trace import Step, TraceHeader, TraceWriter
from conformance.values import Fn
from impl.disk import DiskFile
from impl.net.frames import MAX_FRAME
from impl.net.transport import Transport
from impl.paxos.multi import codec
from impl.paxos.multi.abstraction import VARIABLES, Abstraction
from impl.paxos.multi.core import (
    DrawTimeout,
    Input,
    Node,
    Options,
    Propose,
    Ready,
    Receive,
    Reply,
    Tick,
)
from impl.paxos.multi.kv import KV, read_command
from impl.paxos.multi.messages import Command, Message
from impl.paxos.storage import Store, recover
from impl.paxos.values import node as mv
from impl.paxos.values import text_value
from impl.raft.cluster_config import ClusterConfig
from impl.raft.kv import Command as KVCommand


class PaxosServer:
    def __init__(self, node_id: str, cluster: ClusterConfig, data_dir: str | Path,
                 options: Options | None = None, sync: bool = True, tick: float = 0.01,
                 trace_path: str | Path | None = None, max_frame: int = MAX_FRAME,
                 seed: int | None = None) -> None:
        if node_id not in cluster.servers:
            raise ValueError(f"{node_id} is not in the cluster file")
        self.id = node_id
        self.cluster = cluster
        self.data_dir = Path(data_dir)
        self.options = options or Options()
        self.sync = sync
        self.tick_interval = tick
        self.rng = random.Random(seed)
        self.trace_path = trace_path
        self.kv = KV()
        self.node: Node | None = None
        self.transport = Transport(node_id, cluster, codec.decode, lambda m: (m.src, m.dst),
                                   self._on_message, self.handle, max_frame)
        self._inbox: list[tuple[Input, asyncio.Future | None]] = []
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task] = []
        self._tokens = itertools.count(1)
        self._futures: dict[int, asyncio.Future] = {}
        self._commands: dict[int, bytes] = {}  # token -> the command proposed
        self._open: dict[int, tuple[bytes, asyncio.Future]] = {}  # slot -> (command, future)
        self._trace: TraceWriter | None = None
        self._trace_file: Any = None
        self._trace_index = 0
        self.stats = {"steps": 0, "batches": 0, "syncs": 0}

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._file = DiskFile(self.data_dir / "paxos")
        durable = recover(self._file)
        self.store = Store(self._file, durable, sync=self.sync, bugs=self.options.bugs)
        tracer = None
        if self.trace_path is not None:
            self._absn = Abstraction(self.cluster.servers, text_value)
            self._trace_file = open(self.trace_path, "a", encoding="utf-8")
            self._trace = TraceWriter(self._trace_file, TraceHeader(
                spec="MultiPaxos", protocol="multipaxos",
                variables=[v for v in VARIABLES if v != "msgs"],
                origin={"tool": "conform multipaxos server", "node": self.id,
                        "view": "local: this server's part of the state, no msgs"}))
            tracer = self._on_event
        self.node = Node(self.id, self.cluster.servers, self.options, durable, tracer)
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
        for fut in list(self._futures.values()) + [f for _, f in self._open.values()]:
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
            await asyncio.sleep(0)  # let inputs that are ready ride on this batch
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
            if merged.writes:
                await asyncio.to_thread(self.store.save, merged.writes)
                self.stats["syncs"] += self.sync
            for m in merged.messages:
                self.transport.send(m.dst, codec.encode(m))
            self._finish(merged)

    def _finish(self, r: Ready) -> None:
        for rep in r.replies:
            fut = self._futures.pop(rep.token, None)
            cmd = self._commands.pop(rep.token, b"")
            if fut is None or fut.done():
                continue
            if rep.error:
                fut.set_result(self._error(rep))
            else:
                self._open[rep.slot] = (cmd, fut)
        for slot, done in r.executed:
            result = self._execute(slot, done)
            waiting = self._open.pop(slot, None)
            if waiting is None or waiting[1].done():
                continue
            proposed, fut = waiting
            if done == proposed:
                fut.set_result({"ok": "error" not in result, **result})
            else:
                fut.set_result({"ok": False, "error": "another command took the slot; retry",
                                "retry": True})
        if r.lost_leadership:
            for _, fut in self._open.values():
                if not fut.done():
                    fut.set_result({"ok": False, "error": "leadership changed; retry",
                                    "retry": True})
            self._open.clear()

    def _execute(self, slot: int, cmd: Command) -> dict:
        if cmd is None:
            self.kv.skip(slot)
            return {}
        _, result = self.kv.apply(slot, cmd)
        return dict(result)

    def _error(self, rep: Reply) -> dict:
        out: dict[str, Any] = {"ok": False, "error": rep.error, "retry": True}
        if rep.leader and rep.leader != self.id and rep.leader in self.cluster.servers:
            out["leader"] = rep.leader
            out["leader_addr"] = self.cluster.address(rep.leader)
        return out

    def _on_event(self, node: Node, action: str, params: dict) -> None:
        assert self._trace is not None
        self._trace_index += 1
        me = mv(node.id)
        view = {k: Fn({me: v}) for k, v in self._absn.local(node).items()}
        self._trace.write(Step(self._trace_index, action, view, self._absn.params(params),
                               node=self.id))

    # ------------------------------------------------------------------ clients

    async def handle(self, req: dict) -> dict:
        """Serve one client request (also callable in-process)."""
        op = req.get("op")
        if op in ("put", "delete"):
            cmd = KVCommand(str(req["client"]), int(req["seq"]), op, str(req["key"]),
                            None if op == "delete" else str(req.get("value", ""))).encode()
        elif op == "get":
            cmd = read_command(str(req["key"]), f"{self.id}-{next(self._tokens)}")
        elif op == "status":
            n = self.node
            assert n is not None
            return {"ok": True, "server": self.id, "protocol": "multipaxos",
                    "role": n.role.value + (" (rejoining)" if n.rejoining() else ""),
                    "term": n.ballot, "leader": n.leader, "commit": len(n.executed),
                    "decided": n.prefix, "members": list(self.cluster.servers),
                    "applied": self.kv.applied_index, "promised": n.promised,
                    "seen": max(n.seen, n.promised, n.ballot),
                    "last_slot": max(n.next_slot() - 1, max(n.accepted, default=0))}
        elif op in ("add", "remove"):
            return {"ok": False, "error": "this Multi-Paxos cluster has a fixed membership"}
        else:
            return {"ok": False, "error": f"unknown operation {op!r}"}
        fut: asyncio.Future = asyncio.get_running_loop().create_future()
        token = next(self._tokens)
        self._commands[token] = cmd
        self._submit(Propose(token, cmd), fut)
        return await fut


def _merge(into: Ready, r: Ready) -> None:
    into.writes.merge(r.writes)
    into.messages.extend(r.messages)
    into.executed.extend(r.executed)
    into.replies.extend(r.replies)
    into.lost_leadership |= r.lost_leadership


async def serve(node_id: str, cluster: ClusterConfig, data_dir: str | Path,
                **kwargs: Any) -> None:
    """Run one server until cancelled."""
    server = PaxosServer(node_id, cluster, data_dir, **kwargs)
    await server.start()
    try:
        await asyncio.Event().wait()
    finally:
        await server.stop()
