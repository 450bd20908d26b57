"""Network hardening benchmarks; prints one JSON object.

* ``slow_connections``: one Raft server process (of a 3-server cluster file, the others
  absent), then ``--connections`` connections that each start a frame as large as the
  server lets them and send all of it but the last byte, and hold. ``stranger`` connections
  do it without the cluster secret, as the issue's attack did (hello as a client, then a
  16 MB frame); ``client`` connections pass the handshake first (with the secret) and send
  a client frame of the largest size allowed. Reported: the server's resident memory before
  (``base_mb``), at its peak (``peak_mb``, VmHWM) and after ``--hold`` seconds, and how many
  connections it had not closed by then.
* ``handshake``: connections opened one after another against a 1-server cluster, each
  doing the handshake and one request, and the same requests on one connection: the cost
  of a connection, in wall and in the server's CPU seconds.

``--root DIR`` runs the servers from another checkout (to measure before a change: a
checkout without the handshake is driven without it). Linux only (reads /proc).
Run: ``.venv/bin/python bench/net_bench.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _proc(pid: int) -> dict:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = round(int(value.split()[0]) / 1024, 1)
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    out["cpu_s"] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out


class Server:
    """One `conform cluster node` process of a cluster file written for the occasion."""

    def __init__(self, root: Path, servers: int) -> None:
        sys.path.insert(0, str(root))
        from impl.raft.cluster_config import ClusterConfig

        self.root = root
        self.dir = tempfile.TemporaryDirectory()
        self.cfg = ClusterConfig.on_free_ports(servers)
        self.file = Path(self.dir.name, "cluster.json")
        self.cfg.dump(self.file)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "conformance", "cluster", "node", "--id", "s1", "--cluster",
             str(self.file), "--data", str(Path(self.dir.name, "s1"))], cwd=root,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.host, self.port = self.cfg.servers["s1"]
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection((self.host, self.port), 0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        time.sleep(0.5)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.dir.cleanup()


def _secret_of(server: Server) -> str | None:
    return getattr(server.cfg, "secret", None)


async def _open(server: Server, role: str, name: str, secure: bool):
    from impl.net import frames

    reader, writer = await asyncio.open_connection(server.host, server.port)
    secret = _secret_of(server)
    if secure and secret:
        from impl.net import auth

        await auth.dial(reader, writer, role, name, "s1", auth.key_of(secret))
    else:
        writer.write(frames.json_frame(frames.HELLO, {"role": role, "id": name}))
    return reader, writer


async def _attack(server: Server, n: int, mode: str, hold: float) -> dict:
    from impl.net import frames

    size = frames.MAX_FRAME - 16
    if mode == "client":
        try:
            from impl.net.limits import Limits
            size = Limits().client_frame_bytes - 16
        except ImportError:
            pass
    conns: list = []
    last_error = ""
    for i in range(n):
        try:
            r, w = await _open(server, "client", f"slow{i}", secure=mode == "client")
        except Exception as e:  # refused at the handshake
            conns.append(None)
            last_error = str(e)
            continue
        w.write(struct.pack("<IBB", size + 2, frames.VERSION, frames.CLIENT_REQ))
        w.write(b"x" * (size - 1))
        conns.append((r, w))
    await asyncio.sleep(hold)
    alive = sum(1 for c in conns if c is not None and not c[0].at_eof()
                and c[0].exception() is None and not c[1].transport.is_closing())
    for c in conns:
        if c is not None:
            c[1].close()
    out = {"connections": n, "frame_bytes": size, "still_open": alive}
    if conns.count(None):
        out["refused_at_handshake"] = conns.count(None)
        out["refusal"] = last_error
    return out


def slow_connections(root: Path, n: int, mode: str, hold: float) -> dict:
    server = Server(root, 3)
    try:
        base = _proc(server.proc.pid)
        out = asyncio.run(_attack(server, n, mode, hold))
        peak = _proc(server.proc.pid)
        out.update(base_mb=base["VmRSS"], peak_mb=peak["VmHWM"], rss_after_mb=peak["VmRSS"])
        return out
    finally:
        server.stop()


async def _requests(server: Server, count: int, reconnect: bool) -> float:
    sys.path.insert(0, str(server.root))
    from impl.net import frames

    t = time.perf_counter()
    reader = writer = None
    for i in range(count):
        if reconnect or writer is None:
            if writer is not None:
                writer.close()
            reader, writer = await _open(server, "client", f"c{i}", secure=True)
        writer.write(frames.json_frame(frames.CLIENT_REQ, {"op": "status", "id": i}))
        kind, _ = await frames.read_frame(reader)
        assert kind == frames.CLIENT_REPLY
    if writer is not None:
        writer.close()
    return time.perf_counter() - t


def handshake(root: Path, count: int) -> dict:
    server = Server(root, 1)
    try:
        out = {"requests": count}
        for name, reconnect in (("one_connection", False), ("a_connection_each", True)):
            cpu = _proc(server.proc.pid)["cpu_s"]
            wall = asyncio.run(_requests(server, count, reconnect))
            cpu = _proc(server.proc.pid)["cpu_s"] - cpu
            out[name] = {"per_s": round(count / wall, 1), "server_cpu_ms_each":
                         round(1000 * cpu / count, 3)}
        return out
    finally:
        server.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", type=Path, default=ROOT, help="the checkout whose servers run")
    ap.add_argument("--connections", type=int, default=40)
    ap.add_argument("--hold", type=float, default=3.0, help="seconds the attack holds")
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    root = args.root.resolve()
    out: dict = {"root": str(root), "machine": {"cpus": os.cpu_count()}}
    out["slow_connections"] = {mode: slow_connections(root, args.connections, mode, args.hold)
                               for mode in ("stranger", "client")}
    out["handshake"] = handshake(root, 100 if args.quick else args.requests)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
