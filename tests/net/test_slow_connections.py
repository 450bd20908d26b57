"""40 slow connections against a real server process: each starts the largest frame it may
send and never finishes it. The server's peak memory stays under the bound README and
impl/net/limits.py document, and it serves a client all the while. (The issue's attack —
no secret, a 16 MB frame each — once took one server to 697 MB.)"""

from __future__ import annotations

import asyncio
import signal
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from impl.net import frames
from impl.net.limits import READER_LIMIT, Limits
from impl.raft.client import Client
from impl.raft.cluster_config import ClusterConfig
from tests.loopback import authenticated

pytestmark = [pytest.mark.timeout(60),
              pytest.mark.skipif(not Path("/proc/self/status").exists(),
                                 reason="reads the server's memory from Linux /proc")]
CONNECTIONS = 40


def _memory_mb(pid: int) -> dict[str, float]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) / 1024
    return out


def _bound_mb(connections: int) -> float:
    """What impl/net/limits.py promises a server holds for its connections."""
    lim = Limits()
    per_connection = 2 * READER_LIMIT + (256 << 10) + lim.reply_bytes
    return (lim.buffer_bytes + connections * per_connection) / 2**20


def test_forty_slow_connections_stay_under_the_documented_bound(tmp_path):
    cfg = ClusterConfig.on_free_ports(1)
    cfg.dump(tmp_path / "cluster.json")
    server = subprocess.Popen([sys.executable, "-m", "conformance", "cluster", "node", "--id",
                               "s1", "--cluster", str(tmp_path / "cluster.json"), "--data",
                               str(tmp_path / "s1")], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    host, port = cfg.servers["s1"]

    async def attack() -> float:
        writers = []
        size = Limits().client_frame_bytes - 16
        for i in range(CONNECTIONS // 2):  # with the secret: a client frame of the most allowed
            _, w = await authenticated(host, port, "client", f"slow{i}", "s1", cfg.secret)
            w.write(struct.pack("<IBB", size + 2, frames.VERSION, frames.CLIENT_REQ))
            w.write(b"x" * (size - 1))
            writers.append(w)
        for i in range(CONNECTIONS // 2):  # without: the attack
            _, w = await asyncio.open_connection(host, port)
            w.write(frames.json_frame(frames.HELLO, {"role": "client", "id": f"x{i}"}))
            w.write(struct.pack("<IBB", frames.MAX_FRAME, frames.VERSION, frames.CLIENT_REQ))
            w.write(b"x" * (4 << 20))
            writers.append(w)
        await asyncio.sleep(1.5)
        t = time.monotonic()
        async with Client(cfg, timeout=10) as c:  # the server still serves
            await c.put("k", "v")
            assert await c.get("k") == "v"
        served = time.monotonic() - t
        await asyncio.sleep(0.5)
        for w in writers:
            w.close()
        return served

    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection((host, port), 0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        time.sleep(0.3)
        base = _memory_mb(server.pid)["VmRSS"]
        asyncio.run(attack())
        peak = _memory_mb(server.pid)["VmHWM"]
        assert peak - base <= _bound_mb(CONNECTIONS), (base, peak, _bound_mb(CONNECTIONS))
        assert server.poll() is None
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
