"""Where the cluster file gives certificates, every connection runs inside mutual TLS (the
secret handshake inside it): a cluster serves over it, and a client without TLS, or with a
certificate of another CA, gets nowhere."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess

import pytest

from conformance.errors import UserError
from impl.net import frames
from impl.raft.client import Client, ClientError
from impl.raft.cluster_config import ClusterConfig
from tests.raft.test_loopback import Cluster

pytestmark = [pytest.mark.timeout(60),
              pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")]


def _ca_and_cert(folder, name: str) -> None:
    """A CA and one certificate it signed, made with the openssl command."""
    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    run("req", "-x509", *ec, "-days", "2", "-subj", f"/CN={name} CA",
        "-keyout", f"{name}-ca.key", "-out", f"{name}-ca.pem")
    run("req", *ec, "-subj", f"/CN={name}", "-keyout", f"{name}.key", "-out", f"{name}.csr")
    run("x509", "-req", "-in", f"{name}.csr", "-CA", f"{name}-ca.pem", "-CAkey",
        f"{name}-ca.key", "-CAcreateserial", "-days", "2", "-out", f"{name}.pem")


def _with_tls(cfg: ClusterConfig, folder, name: str) -> ClusterConfig:
    path = folder / f"{name}.json"
    path.write_text(json.dumps({**cfg.to_json(), "tls": {
        "ca": f"{name}-ca.pem", "cert": f"{name}.pem", "key": f"{name}.key"}}))
    path.chmod(0o600)
    return ClusterConfig.load(path)


def test_a_cluster_serves_over_tls_and_refuses_plain_and_foreign_clients(tmp_path):
    _ca_and_cert(tmp_path, "cluster")
    _ca_and_cert(tmp_path, "other")
    cfg = _with_tls(ClusterConfig.on_free_ports(3), tmp_path, "cluster")
    assert cfg.tls and cfg.tls.ca == tmp_path / "cluster-ca.pem"

    async def go():
        c = await Cluster(cfg, tmp_path).up()
        try:
            await c.leader()
            async with Client(cfg, timeout=15) as client:
                await client.put("k", "v")
                assert await client.get("k") == "v"
            host, port = cfg.servers["s1"]
            reader, writer = await asyncio.open_connection(host, port)  # no TLS
            writer.write(frames.json_frame(frames.HELLO, {"role": "client", "id": "x",
                                                          "to": "s1", "nonce": "00" * 16}))
            got = await asyncio.wait_for(reader.read(), 10)
            assert got == b"" or got[0] == 0x15  # closed, or a TLS alert: no challenge
            writer.close()
            foreign = _with_tls(cfg, tmp_path, "other")  # the secret, but another CA
            async with Client(foreign, timeout=0.5, attempt_timeout=0.3) as client:
                with pytest.raises(ClientError):
                    await client.get("k")
        finally:
            await c.down()
    asyncio.run(go())


def test_missing_certificate_files_are_named(tmp_path):
    data = ClusterConfig.on_free_ports(1).to_json()
    with pytest.raises(UserError, match="the cert file .*nope.pem does not exist"):
        ClusterConfig.from_json({**data, "tls": {"ca": "/etc/hostname", "cert": "nope.pem",
                                                 "key": "k"}}, str(tmp_path / "c.json"))
    with pytest.raises(UserError, match='"tls" must be'):
        ClusterConfig.from_json({**data, "tls": "yes"})
