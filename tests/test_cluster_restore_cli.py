"""The README's recovery story, end to end with the real commands: a server of a running
`conform cluster up` is killed and its WAL damaged; started again it refuses, naming the file,
the offset and the restore command; `conform cluster restore` rebuilds it from its peers,
`cluster up` starts it again by itself, and it serves what was written before."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from pathlib import Path

import pytest

from impl.raft.client import Client
from impl.raft.cluster_config import ClusterConfig
from tests.byteflip import record_ends
from tests.test_cluster_cli import CONFORM, _conform, _free_base_port, _until, ctrl_c

pytestmark = pytest.mark.timeout(120)


def _kv(cluster: Path, op: str, *args: str):
    """The cluster's client in this process (a `conform kv` costs a second of start-up)."""
    async def go():
        async with Client(ClusterConfig.load(cluster), timeout=20) as c:
            return await getattr(c, op)(*args)
    return asyncio.run(go())


def _child(parent: int, server: str) -> int | None:
    """The pid of the `cluster node --id SERVER` process that `cluster up` started."""
    try:
        children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    except OSError:
        return None
    for pid in children:
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"--id" in cmd and cmd[cmd.index(b"--id") + 1] == server.encode():
            return int(pid)
    return None


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_a_damaged_server_is_refused_restored_and_serves_again(tmp_path):
    base = _free_base_port(3)
    up = subprocess.Popen([*CONFORM, "cluster", "up", "--nodes", "3", "--base-port", str(base),
                           "--dir", "c"], cwd=tmp_path, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, start_new_session=True)
    cluster = tmp_path / "c" / "cluster.json"
    try:
        assert _until(cluster.is_file), "no cluster file"
        for i in range(5):
            _kv(cluster, "put", f"k{i}", f"v{i}")
        servers = ClusterConfig.load(cluster).servers

        def caught_up_follower() -> str | None:
            for s in servers:
                try:
                    st = _kv(cluster, "status", s)
                except OSError:  # a server still starting (slow under load) is not caught up
                    continue
                if st["role"] == "Follower" and st["applied"] >= 6:  # 5 puts, a no-op
                    return s
            return None
        victim = _until(caught_up_follower)
        assert victim, "no follower caught up"
        pid = _child(up.pid, victim)
        assert pid, f"no process for {victim}"
        os.kill(pid, signal.SIGKILL)
        wal = tmp_path / "c" / victim / "wal"
        assert _until(lambda: _child(up.pid, victim) is None), "the killed server lingers"
        data = bytearray(wal.read_bytes())
        at = record_ends(bytes(data))[1]
        data[at + 13] ^= 0x01
        wal.write_bytes(bytes(data))
        # started by hand, it refuses: the file, the offset and what to do
        node = _conform("cluster", "node", "--id", victim, "--cluster", str(cluster), "--data",
                        str(tmp_path / "c" / victim), cwd=tmp_path)
        assert node.returncode == 2 and "Traceback" not in node.stderr, node.stderr
        assert f"{wal}, byte {at}: " in node.stderr, node.stderr
        assert f"conform cluster restore {victim}" in node.stderr, node.stderr
        assert wal.read_bytes() == bytes(data)  # nothing was cut
        restore = _conform("cluster", "restore", victim, "--cluster", str(cluster),
                           cwd=tmp_path)
        assert restore.returncode == 0, restore.stdout + restore.stderr
        assert "kept the damaged files in" in restore.stdout
        kept = [p for p in (tmp_path / "c").iterdir() if p.name.startswith(f"{victim}.damaged")]
        assert len(kept) == 1 and (kept[0] / "wal").read_bytes() == bytes(data)
        assert _until(lambda: _child(up.pid, victim)), "cluster up did not start it again"

        def applied() -> bool:
            try:
                return _kv(cluster, "status", victim)["applied"] >= 6  # 5 puts, a no-op
            except Exception:
                return False
        assert _until(applied), "the restored server does not catch up"
        assert _kv(cluster, "get", "k4") == "v4"
    finally:
        out = ctrl_c(up)
    assert "Traceback" not in out, out
    assert f"{victim} stopped (exit status -9)" in out, out
    assert f"{victim} restored from its peers: started again" in out, out
