"""TLS for a cluster's connections, where the cluster file gives certificates.

The handshake of :mod:`impl.net.auth` proves who connected but leaves the frames that follow
readable and, to someone who can inject packets into the TCP stream, alterable. With
``"tls": {"ca": ..., "cert": ..., "key": ...}`` in the cluster file (paths relative to it),
every connection runs inside TLS: both sides present a certificate signed by the cluster's
CA (mutual TLS), and the secret handshake runs inside it as before. Names in certificates
are not checked: the CA says a peer belongs to the cluster, the secret says which server or
client it is.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class TLSFiles:
    ca: Path
    cert: Path
    key: Path

    def server(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(self.ca))
        ctx.load_cert_chain(str(self.cert), str(self.key))
        ctx.verify_mode = ssl.CERT_REQUIRED
        return ctx

    def client(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(self.ca))
        ctx.load_cert_chain(str(self.cert), str(self.key))
        ctx.check_hostname = False  # membership from the CA, identity from the secret
        return ctx

    def to_json(self, base: Path | None = None) -> dict:
        def rel(p: Path) -> str:
            try:
                return str(p.relative_to(base)) if base else str(p)
            except ValueError:
                return str(p)
        return {"ca": rel(self.ca), "cert": rel(self.cert), "key": rel(self.key)}
