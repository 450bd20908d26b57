"""The servers under test, one process each (``conform cluster node``), and what the
nemesis does to them: SIGKILL and restart on the same data, SIGSTOP and SIGCONT, and
partitions through the servers' test-only transport hook.

A node that does not come up (its port is taken, its data is refused) is reported with
the error it printed, read from its log. Every process started here is stopped here, by its
process id: :meth:`Cluster.stop` resumes a paused node and sends SIGTERM, then SIGKILL to
whatever has not exited within a few seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from conformance.cluster.lifetime import ending_with_this_process
from conformance.errors import UserError
from impl.raft.client import Client
from impl.raft.cluster_config import ClusterConfig


@dataclass
class NodeOptions:
    """How the servers run: the options of ``conform cluster node``."""

    protocol: str = "raft"
    sync: bool = True
    tick: float = 0.01
    election_ticks: int = 15
    traces: bool = True
    bugs: list[str] = field(default_factory=list)
    pre_vote: bool = True  # these three: Raft only
    check_quorum: bool = True
    lease_reads: bool = False

    def flags(self) -> list[str]:
        out = [f"--protocol={self.protocol}", f"--tick={self.tick}",
               f"--election-ticks={self.election_ticks}", "--test-faults"]
        for flag, on in (("--no-sync", not self.sync), ("--no-pre-vote", not self.pre_vote),
                         ("--no-check-quorum", not self.check_quorum),
                         ("--lease-reads", self.lease_reads)):
            if on:
                out.append(flag)
        out += [f"--bug={b}" for b in self.bugs]
        return out

    def differences(self) -> dict:
        """The options that are not the defaults, for a report."""
        default = NodeOptions(protocol=self.protocol)
        return {k: v for k, v in self.__dict__.items()
                if k != "protocol" and getattr(default, k) != v}


class Node:
    """One server process; restarted on the same data directory and trace file."""

    def __init__(self, sid: str, root: Path, cluster_file: Path, options: NodeOptions) -> None:
        self.id = sid
        self.root = root
        self.cluster_file = cluster_file
        self.options = options
        self.data = root / sid
        self.log = root / f"{sid}.log"
        self.trace = root / "traces" / f"{sid}.ndjson" if options.traces else None
        self.proc: subprocess.Popen | None = None
        self.paused = False
        self.starts = 0
        self.expected_exit = False  # killed or stopped on purpose

    def command(self) -> list[str]:
        cmd = [sys.executable, "-m", "conformance", "cluster", "node", "--id", self.id,
               "--cluster", str(self.cluster_file), "--data", str(self.data),
               *self.options.flags()]
        if self.trace is not None:
            cmd += ["--trace", str(self.trace)]
        return cmd

    def start(self) -> None:
        if self.trace is not None:
            self.trace.parent.mkdir(exist_ok=True)
        self.starts += 1
        self.paused = False
        self.expected_exit = False
        with open(self.log, "ab") as log:
            log.write(f"--- start {self.starts} at {time.time():.3f}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL,
                                         preexec_fn=ending_with_this_process())

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def kill(self) -> None:
        """SIGKILL, as a crash: what was not synced is lost."""
        if self.alive:
            assert self.proc is not None
            self.expected_exit = True
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        self.paused = False

    def pause(self) -> None:
        if self.alive and not self.paused:
            assert self.proc is not None
            self.proc.send_signal(signal.SIGSTOP)
            self.paused = True

    def resume(self) -> None:
        if self.alive and self.paused:
            assert self.proc is not None
            self.proc.send_signal(signal.SIGCONT)
        self.paused = False

    def terminate(self, grace: float = 5.0) -> None:
        """A clean stop: SIGTERM (after SIGCONT if paused), then SIGKILL after ``grace``."""
        if not self.alive:
            return
        assert self.proc is not None
        self.expected_exit = True
        self.resume()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(grace)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def error(self) -> str:
        """What the node said when it failed: its log's last ``error:`` line, or its last
        line, or its exit status."""
        status = self.proc.returncode if self.proc is not None else None
        lines = _tail(self.log)
        for line in reversed(lines):
            if line.startswith("error:"):
                return line[len("error:"):].strip()
        return lines[-1] if lines else f"exited with status {status}"


class Cluster:
    """N nodes on loopback, their cluster file, and the client-side view of them."""

    def __init__(self, root: Path, nodes: int, options: NodeOptions,
                 base_port: int | None = None) -> None:
        self.root = root
        self.options = options
        self.config = (ClusterConfig.local(nodes, base_port) if base_port
                       else ClusterConfig.on_free_ports(nodes))
        self.file = root / "cluster.json"
        self.config.dump(self.file)
        self.nodes = {sid: Node(sid, root, self.file, options) for sid in self.config.servers}
        self.blocked: dict[str, list[str]] = {}

    @property
    def ids(self) -> list[str]:
        return list(self.nodes)

    def start(self) -> None:
        for n in self.nodes.values():
            n.start()

    async def wait_ready(self, timeout: float = 60.0) -> None:
        """Every node answers a status request as itself; a node that exits is reported
        with its error (a port someone else holds, a data directory it refuses)."""
        waiting = set(self.nodes) - await self.answering(list(self.nodes), timeout)
        for sid in sorted(waiting):
            node = self.nodes[sid]
            if not node.alive:
                raise UserError(f"node {sid} did not start: {node.error()}",
                                hint=f"its log: {node.log}")
        if waiting:
            raise UserError(f"nodes {', '.join(sorted(waiting))} did not answer within "
                            f"{timeout:.0f}s", hint=f"their logs are in {self.root}")

    async def answering(self, sids: list[str], timeout: float) -> set[str]:
        """Wait until the nodes ``sids`` answer a status request as themselves (or exit, or
        ``timeout`` passes); the ones that did."""
        deadline = time.monotonic() + timeout
        waiting, done = set(sids), set()
        async with Client(self.config, timeout=1.0, attempt_timeout=0.5) as c:
            while waiting and time.monotonic() < deadline:
                for sid in sorted(waiting):
                    if not self.nodes[sid].alive:
                        waiting.discard(sid)
                        continue
                    with contextlib.suppress(Exception):
                        st = await c.status(sid)
                        if st.get("server") == sid:
                            waiting.discard(sid)
                            done.add(sid)
                if waiting:
                    await asyncio.sleep(0.1)
        return done

    def unexpected_exits(self) -> list[tuple[str, str]]:
        """Nodes that exited on their own, with what they said."""
        return [(sid, n.error()) for sid, n in self.nodes.items()
                if n.proc is not None and not n.alive and not n.expected_exit]

    async def statuses(self, timeout: float = 0.3) -> dict[str, dict]:
        async def one(c: Client, sid: str) -> tuple[str, dict | None]:
            if not self.nodes[sid].alive or self.nodes[sid].paused:
                return sid, None
            try:
                return sid, await asyncio.wait_for(c.status(sid), timeout)
            except Exception:
                return sid, None

        async with Client(self.config, timeout=timeout, attempt_timeout=timeout) as c:
            got = await asyncio.gather(*(one(c, sid) for sid in self.nodes))
        return {sid: st for sid, st in got if st is not None}

    async def leader(self) -> str | None:
        """The node that says it leads in the highest term, if any answers so."""
        st = await self.statuses()
        leaders = [(s.get("term", -1), sid) for sid, s in st.items() if s.get("role") == "Leader"]
        return max(leaders)[1] if leaders else None

    async def partition(self, groups: list[list[str]]) -> None:
        """Each node drops the traffic of every node outside its group."""
        plan = {sid: [o for o in self.nodes if not any(sid in g and o in g for g in groups)]
                for sid in self.nodes}
        await self._block(plan)

    async def heal_partition(self) -> None:
        await self._block({sid: [] for sid in self.nodes})

    async def _block(self, plan: dict[str, list[str]]) -> None:
        self.blocked = {sid: drop for sid, drop in plan.items() if drop}
        async with Client(self.config, timeout=1.0, attempt_timeout=0.5) as c:
            for sid, drop in plan.items():
                if self.nodes[sid].alive:
                    with contextlib.suppress(Exception):
                        await c.ask(sid, {"op": "test-partition", "drop": drop})

    def stop(self) -> None:
        for n in self.nodes.values():
            n.resume()
        for n in self.nodes.values():
            if n.alive:
                assert n.proc is not None
                n.expected_exit = True
                n.proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 5.0
        for n in self.nodes.values():
            if n.proc is None:
                continue
            try:
                n.proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                n.proc.kill()
                n.proc.wait()

    def tracebacks(self) -> dict[str, int]:
        """How many tracebacks each node's log holds (a clean stop prints none)."""
        out = {}
        for sid, n in self.nodes.items():
            with contextlib.suppress(OSError):
                count = n.log.read_text(errors="replace").count("Traceback")
                if count:
                    out[sid] = count
        return out


def _tail(path: Path, n: int = 20) -> list[str]:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 8192))
            text = f.read().decode(errors="replace")
    except OSError:
        return []
    return [line.strip() for line in text.splitlines() if line.strip()][-n:]
