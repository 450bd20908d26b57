"""The cluster file: every server that may ever be a member, with its address, the initial
configuration, and the secret with which servers and clients prove they belong.
Servers outside the initial configuration wait to be added.

    {"servers": {"s1": "127.0.0.1:7401", "s2": "127.0.0.1:7402"}, "initial": ["s1", "s2"],
     "secret": "<64 hex digits>", "client_secret": "<64 hex digits, optional>",
     "tls": {"ca": "ca.pem", "cert": "cluster.pem", "key": "cluster.key"}}

Every connection proves it holds a secret (:mod:`impl.net.auth`): servers the ``secret``,
clients the ``client_secret`` if the file has one, else the ``secret``. A file for clients
only may leave the ``secret`` out. Since the secret is the key to the cluster, a file that
holds one must be readable by its owner alone (mode 0600): :meth:`ClusterConfig.dump`
writes it so, and :meth:`ClusterConfig.load` refuses a file others can read, as ssh does
a private key. Connections from addresses that are not in this file are refused too. With
``"tls"`` (paths relative to the file), every connection runs inside mutual TLS
(:mod:`impl.net.tls`).
"""

from __future__ import annotations

import json
import os
import socket
import stat
from dataclasses import dataclass
from pathlib import Path

from conformance.errors import Position, UserError
from impl.net.auth import SECRET_BYTES, new_secret
from impl.net.tls import TLSFiles


@dataclass
class ClusterConfig:
    servers: dict[str, tuple[str, int]]
    initial: list[str]
    secret: str | None = None  # hex; servers prove it to each other (and clients, if no
    client_secret: str | None = None  # client_secret is given)
    tls: TLSFiles | None = None

    @staticmethod
    def local(n: int, base_port: int, host: str = "127.0.0.1", spare: int = 0) -> ClusterConfig:
        ids = [f"s{i}" for i in range(1, n + spare + 1)]
        return ClusterConfig({s: (host, base_port + k) for k, s in enumerate(ids)}, ids[:n],
                             new_secret())

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
                             ids[:n], new_secret())

    def client_key(self) -> str | None:
        """The secret a client proves."""
        return self.client_secret or self.secret

    def to_json(self) -> dict:
        out: dict = {"servers": {s: f"{h}:{p}" for s, (h, p) in self.servers.items()},
                     "initial": list(self.initial)}
        for name in ("secret", "client_secret"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        if self.tls:
            out["tls"] = self.tls.to_json()
        return out

    def dump(self, path: str | Path) -> None:
        """Write the file readable by its owner only, whole or not at all."""
        path = Path(path)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.fchmod(fd, 0o600)  # O_CREAT's mode does not apply to a file left behind
            with os.fdopen(fd, "w") as f:
                f.write(json.dumps(self.to_json(), indent=2) + "\n")
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    @staticmethod
    def load(path: str | Path) -> ClusterConfig:
        path = Path(path)
        try:
            text = path.read_text()
            mode = path.stat().st_mode
        except OSError as e:
            raise UserError(f"cannot read the cluster file {path}: {e.strerror}")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise UserError(f"not JSON: {e.msg}", Position(str(path), e.lineno, e.colno))
        config = ClusterConfig.from_json(data, str(path))
        if (config.secret or config.client_secret) and os.name == "posix" \
                and stat.S_IMODE(mode) & 0o077:
            raise UserError(f"the cluster file {path} holds the cluster's secret but others "
                            f"may read it (mode {stat.S_IMODE(mode):04o})",
                            Position(str(path)), hint=f"chmod 600 {path}")
        return config

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
        secrets = {}
        for key in ("secret", "client_secret"):
            value = data.get(key)
            if value is None:
                continue
            try:
                ok = isinstance(value, str) and len(bytes.fromhex(value)) >= SECRET_BYTES // 2
            except ValueError:
                ok = False
            if not ok:
                raise UserError(f'"{key}" must be at least {SECRET_BYTES} hex digits '
                                "(conform cluster up writes a fresh one)", where)
            secrets[key] = value
        return ClusterConfig(servers, [str(s) for s in initial], **secrets,
                             tls=_tls(data.get("tls"), name, where))

    def address(self, sid: str) -> str:
        h, p = self.servers[sid]
        return f"{h}:{p}"


def _tls(spec: object, name: str, where: Position) -> TLSFiles | None:
    if spec is None:
        return None
    keys = ("ca", "cert", "key")
    if not isinstance(spec, dict) or not all(isinstance(spec.get(k), str) for k in keys):
        raise UserError('"tls" must be {"ca": FILE, "cert": FILE, "key": FILE}', where)
    base = Path(name).parent if not name.startswith("<") else Path.cwd()
    files = {k: (base / spec[k]).resolve() for k in keys}
    for k, f in files.items():
        if not f.is_file():
            raise UserError(f'"tls": the {k} file {f} does not exist', where)
    return TLSFiles(**files)
