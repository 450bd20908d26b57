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
import logging
import random
import time
from pathlib import Path
from typing import Any

from impl.bugs import NO_DRIVER_BUGS, DriverBugs
from impl.disk import DiskFile
from impl.net.frames import MAX_FRAME
from impl.net.transport import Transport
from impl.paxos.ballots import owner
from impl.paxos.multi import codec
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
from impl.paxos.multi.recording import NodeTrace
from impl.paxos.storage import Store, recover
from impl.raft.cluster_config import ClusterConfig
from impl.raft.kv import Command as KVCommand
from impl.tracing import crash_now

log = logging.getLogger("conform.multipaxos")


class PaxosServer:
    def __init__(self, node_id: str, cluster: ClusterConfig, data_dir: str | Path,
                 options: Options | None = None, sync: bool = True, tick: float = 0.01,
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
        self.options = options or Options()
        self.sync = sync
        self.tick_interval = tick
        self.rng = random.Random(seed)
        self.bugs = bugs
        self._early: dict[int, str] = {}  # ack_before_commit: token -> the key written
        self._stopping = False
        self.trace_path = trace_path
        self.kv = KV()
        self.node: Node | None = None
        self.transport = Transport(node_id, cluster, codec.decode, lambda m: (m.src, m.dst),
                                   self._on_message, self.handle, max_frame,
                                   test_faults=test_faults)
        self._inbox: list[tuple[Input, asyncio.Future | None]] = []
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task] = []
        self._tokens = itertools.count(1)
        self._futures: dict[int, asyncio.Future] = {}
        self._commands: dict[int, bytes] = {}  # token -> the command proposed
        self._open: dict[int, tuple[bytes, asyncio.Future]] = {}  # slot -> (command, future)
        self.crash_in_bug_window = crash_in_bug_window
        self.trace: NodeTrace | None = None
        self._unsynced = False  # written, not yet synced (send_before_sync)
        self._dying = False  # crash_in_bug_window: the window is open, die now
        self.stats = {"steps": 0, "batches": 0, "syncs": 0}

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        t0 = time.monotonic()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._file = DiskFile(self.data_dir / "paxos")
        durable = recover(self._file)
        t_recovered = time.monotonic()
        self.store = Store(self._file, durable, sync=self.sync and not self.bugs.send_before_sync,
                           bugs=self.options.bugs)
        if self.trace_path is not None:
            self.trace = NodeTrace(self.trace_path, self.id, list(self.cluster.servers),
                                   buffered=True, origin={"tool": "conform multipaxos server",
                                                          "bugs": self.bugs.enabled() +
                                                          self.options.bugs.enabled()})
        self.node = Node(self.id, self.cluster.servers, self.options, durable, self.trace)
        if self.trace is not None:
            self.trace.start(self.node)
        self.node.step(DrawTimeout(self.rng.randrange(self.options.election_ticks)))
        await self.transport.start()
        t_listening = time.monotonic()
        # the decided prefix, executed again: after the socket listens (peers that dial in
        # meanwhile wait in its backlog instead of being refused and backing off), before
        # the driver runs (nothing is answered from a store still being rebuilt)
        for slot, cmd in self.node.replayed:
            self._execute(slot, cmd)
        self._timeline = _Timeline(self.node, t0)
        log.info("recovered %d records (%d accepted, %d decided) in %.3f s; listening after "
                 "%.3f s; decided prefix (%d) executed again after %.3f s", durable.records,
                 len(durable.accepted), len(durable.decided), t_recovered - t0,
                 t_listening - t0, self.node.prefix, time.monotonic() - t0)
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
        for fut in list(self._futures.values()) + [f for _, f in self._open.values()]:
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
            await asyncio.sleep(0)  # let inputs that are ready ride on this batch
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
            self._timeline.after_batch()
            self._flush()  # the trace is ahead of the disk and of everything sent
            if merged.writes:
                if self.bugs.send_before_sync:
                    self.store.save(merged.writes)
                    self._unsynced = self.sync  # synced with the next batch
                else:
                    await asyncio.to_thread(self.store.save, merged.writes)
                    self.stats["syncs"] += self.sync
            if not self._unsynced:
                self._durable()
            self._flush()
            for m in merged.messages:
                self.transport.send(m.dst, codec.encode(m))
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
            cmd = self._commands.pop(rep.token, b"")
            early = self._early.pop(rep.token, None)
            if fut is None or fut.done():
                continue
            if rep.error:
                fut.set_result(self._error(rep))
            elif early is not None:  # the planted bug: proposed is not decided
                fut.set_result({"ok": True, "old": self.kv.get(early)})
                if self.trace is not None:
                    self.trace.replied(rep.slot)
                if self.crash_in_bug_window:
                    self._crash_soon()
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
                self._timeline.answered(slot)
                if self.trace is not None:
                    self.trace.replied(slot)
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

    # ------------------------------------------------------------------ clients

    async def handle(self, req: dict) -> dict:
        """Serve one client request (also callable in-process)."""
        op = req.get("op")
        early = None
        if op in ("put", "delete"):
            cmd = KVCommand(str(req["client"]), int(req["seq"]), op, str(req["key"]),
                            None if op == "delete" else str(req.get("value", ""))).encode()
            if self.bugs.ack_before_commit:
                early = str(req["key"])
        elif op == "get":
            if self.bugs.read_without_leadership_check and self.node and self.node.is_leader():
                return {"ok": True, "value": self.kv.get(str(req["key"]))}
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
        if early is not None:
            self._early[token] = early
        self._submit(Propose(token, cmd), fut)
        return await fut


class _Timeline:
    """Logs (logger ``conform.multipaxos``, INFO) the moments that decide how long a
    takeover takes: each ballot this server starts, becoming leader, the end of a takeover's
    re-proposals, and losing a ballot to a higher one — whose, and what it interrupted.
    Compared once per batch, so it costs a few attribute reads."""

    def __init__(self, node: Node, t0: float) -> None:
        self.node = node
        self.t0 = t0
        self.role = node.role
        self.ballot = node.ballot
        self.lead_at: float | None = None
        self.taking_over = False
        self.first_answer = False

    def _t(self) -> str:
        return f"+{time.monotonic() - self.t0:.3f}s"

    def after_batch(self) -> None:
        n = self.node
        if n.ballot != self.ballot:
            log.info("%s prepare ballot %d from slot %d (promised %d, saw %d)", self._t(),
                     n.ballot, n.first_slot, n.promised, n.seen)
        if n.role is not self.role:
            if n.is_leader():
                self.lead_at = time.monotonic()
                self.taking_over = n.cursor <= n.reported_top
                log.info("%s leader of ballot %d: slots %d..%d to re-propose", self._t(),
                         n.ballot, n.first_slot, n.reported_top)
            elif n.role.value == "Follower":
                won = max(n.seen, n.promised)
                log.info("%s %s of ballot %d gave way to ballot %d of %s%s", self._t(),
                         self.role.value.lower(), self.ballot, won, owner(won, n.servers),
                         " (takeover unfinished)" if self.taking_over else "")
                self.taking_over = False
        if self.taking_over and n.cursor > n.reported_top and not n.undecided:
            assert self.lead_at is not None
            log.info("%s takeover done: re-proposed slots decided in %.3f s", self._t(),
                     time.monotonic() - self.lead_at)
            self.taking_over = False
        self.role, self.ballot = n.role, n.ballot

    def answered(self, slot: int) -> None:
        if not self.first_answer:
            self.first_answer = True
            log.info("%s first client command since start answered (slot %d)", self._t(), slot)


def _merge(into: Ready, r: Ready) -> None:
    into.writes.merge(r.writes)
    into.messages.extend(r.messages)
    into.executed.extend(r.executed)
    into.replies.extend(r.replies)
    into.lost_leadership |= r.lost_leadership


async def serve(node_id: str, cluster: ClusterConfig, data_dir: str | Path,
                stop: asyncio.Event | None = None, **kwargs: Any) -> None:
    """Run one server until ``stop`` is set (or until cancelled), then stop it cleanly."""
    server = PaxosServer(node_id, cluster, data_dir, **kwargs)
    await server.start()
    try:
        await (stop or asyncio.Event()).wait()
    finally:
        await server.stop()
