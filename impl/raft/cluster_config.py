"""The cluster file: every server that may ever be a member, with its address, and the
initial configuration. Servers outside the initial configuration wait to be added.

    {"servers": {"s1": "127.0.0.1:7401", "s2": "127.0.0.1:7402"}, "initial": ["s1", "s2"]}

Frames from addresses that are not in this file are refused.
"""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from pathlib import Path

from conformance.errors import Position, UserError


@dataclass
class ClusterConfig:
    servers: dict[str, tuple[str, int]]
    initial: list[str]

    @staticmethod
    def local(n: int, base_port: int, host: str = "127.0.0.1", spare: int = 0) -> ClusterConfig:
        ids = [f"s{i}" for i in range(1, n + spare + 1)]
        return ClusterConfig({s: (host, base_port + k) for k, s in enumerate(ids)}, ids[:n])

    @staticmethod
    def on_free_ports(n: int, spare: int = 0) -> ClusterConfig:
        """A loopback cluster on ports free right now: for tests and benchmarks, which must
        not collide with each other or with a cluster someone is running."""
        socks = [socket.socket() for _ in range(n + spare)]
        for s in socks:
            s.bind(("127.0.0.1", 0))
        ports = [s.getsockname()[1] for s in socks]
        for s in socks:
            s.close()
        ids = [f"s{i}" for i in range(1, n + spare + 1)]
        return ClusterConfig({s: ("127.0.0.1", p) for s, p in zip(ids, ports, strict=True)},
                             ids[:n])

    def to_json(self) -> dict:
        return {"servers": {s: f"{h}:{p}" for s, (h, p) in self.servers.items()},
                "initial": list(self.initial)}

    def dump(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_json(), indent=2) + "\n")

    @staticmethod
    def load(path: str | Path) -> ClusterConfig:
        path = Path(path)
        try:
            text = path.read_text()
        except OSError as e:
            raise UserError(f"cannot read the cluster file {path}: {e.strerror}")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise UserError(f"not JSON: {e.msg}", Position(str(path), e.lineno, e.colno))
        return ClusterConfig.from_json(data, str(path))

    @staticmethod
    def from_json(data: object, name: str = "<cluster>") -> ClusterConfig:
        where = Position(name)
        if not isinstance(data, dict) or not isinstance(data.get("servers"), dict):
            raise UserError('the cluster file needs "servers": {"id": "host:port", ...}', where)
        servers = {}
        for sid, addr in data["servers"].items():
            host, _, port = str(addr).rpartition(":")
            if not host or not port.isdigit():
                raise UserError(f"server {sid}: address {addr!r} is not host:port", where)
            servers[sid] = (host, int(port))
        initial = data.get("initial", list(servers))
        if not isinstance(initial, list) or not initial or not set(initial) <= set(servers):
            raise UserError('"initial" must list some of the servers', where)
        return ClusterConfig(servers, [str(s) for s in initial])

    def address(self, sid: str) -> str:
        h, p = self.servers[sid]
        return f"{h}:{p}"
