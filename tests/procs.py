"""A real cluster of server processes on loopback, for tests: each node a `conform cluster node`
process writing its own trace, started, killed (SIGKILL) and restarted by its process id, and
all of them stopped whatever happens."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from impl.raft.client import Client
from impl.raft.cluster_config import ClusterConfig


class ProcCluster:
    def __init__(self, root: Path, protocol: str = "raft", n: int = 3,
                 flags: dict[str, list[str]] | None = None) -> None:
        self.root = root
        self.protocol = protocol
        self.cfg = ClusterConfig.on_free_ports(n)
        self.cfile = root / "cluster.json"
        root.mkdir(parents=True, exist_ok=True)
        self.cfg.dump(self.cfile)
        self.flags = flags or {}
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, sid: str, *extra: str) -> None:
        cmd = [sys.executable, "-m", "conformance", "cluster", "node", "--id", sid,
               "--cluster", str(self.cfile), "--data", str(self.root / sid),
               "--trace", str(self.root / f"{sid}.trace.ndjson"),
               f"--protocol={self.protocol}", "--tick=0.01", "--election-ticks=20",
               *self.flags.get(sid, []), *extra]
        log = open(self.root / f"{sid}.log", "ab")
        self.procs[sid] = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        log.close()

    def up(self, ids: list[str] | None = None) -> ProcCluster:
        for sid in ids or self.cfg.initial:
            self.start(sid)
        return self

    def serving(self, sid: str, timeout: float = 30) -> bool:
        """Wait until a (re)started server answers (its trace has begun by then); False if
        it exited first."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if sid in self.run(self.status()):
                return True
            if self.procs[sid].poll() is not None:
                return False
            time.sleep(0.1)
        raise AssertionError(f"{sid} did not answer within {timeout}s")

    def kill(self, sid: str) -> None:
        """``kill -9``: nothing is flushed, nothing is cleaned up."""
        p = self.procs.pop(sid)
        if p.poll() is None:
            os.kill(p.pid, signal.SIGKILL)
        p.wait(10)

    def down(self) -> None:
        for sid in list(self.procs):
            p = self.procs.pop(sid)
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(p.pid, signal.SIGKILL)
                p.wait(10)

    def died(self, sid: str, timeout: float = 10) -> bool:
        """Wait for a process to end on its own (a planted crash)."""
        p = self.procs[sid]
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            return False
        del self.procs[sid]
        return True

    def __enter__(self) -> ProcCluster:
        return self.up()

    def __exit__(self, *exc: object) -> None:
        self.down()

    # ------------------------------------------------------------------ clients

    def run(self, coro):
        return asyncio.run(coro)

    async def status(self) -> dict[str, dict]:
        out = {}
        async with Client(self.cfg, timeout=2) as c:
            for sid in list(self.procs):
                try:
                    out[sid] = await asyncio.wait_for(c.status(sid), 2)
                except Exception:  # noqa: BLE001 - down, starting, or not answering yet
                    continue
        return out

    def puts(self, n: int, prefix: str = "k", timeout: float = 20) -> list[dict]:
        async def go() -> list[dict]:
            async with Client(self.cfg, timeout=timeout) as c:
                return [await c.put(f"{prefix}{i}", f"v{i}") for i in range(n)]
        return self.run(go())

    def leader(self, timeout: float = 20, exclude: str | None = None) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            st = self.run(self.status())
            leaders = [s for s, v in st.items() if v.get("ok") and s != exclude
                       and v.get("role") == "Leader"]
            if len(leaders) == 1:
                return leaders[0]
            time.sleep(0.1)
        raise AssertionError(f"no single leader within {timeout}s")
