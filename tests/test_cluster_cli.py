"""The README's promise, end to end: `conform cluster up` runs a key-value cluster on
loopback that `conform kv` and `conform cluster status` use, for each protocol it offers, and
Ctrl-C stops it cleanly."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

CONFORM = [sys.executable, "-m", "conformance"]


def _free_base_port(n: int) -> int:
    """A port p with p .. p+n-1 all free just now."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        if base + n >= 65535:
            continue
        try:
            taken = []
            for p in range(base, base + n):
                t = socket.socket()
                taken.append(t)
                t.bind(("127.0.0.1", p))
            return base
        except OSError:
            continue
        finally:
            for t in taken:
                t.close()
    raise RuntimeError("no run of free ports")


def _conform(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*CONFORM, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=60)


def ctrl_c(up: subprocess.Popen) -> str:
    """Stop `conform cluster up` as Ctrl-C would, and return what it printed."""
    os.killpg(up.pid, signal.SIGINT)
    try:
        out, _ = up.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(up.pid, signal.SIGKILL)
        out, _ = up.communicate()
        pytest.fail("Ctrl-C did not stop the cluster:\n" + out)
    return out


def _until(what, deadline: float = 30.0):
    end = time.monotonic() + deadline
    while True:
        result = what()
        if result or time.monotonic() > end:
            return result
        time.sleep(0.2)


@pytest.mark.parametrize("protocol", ["raft", "multipaxos"])
def test_cluster_up_serves_kv_and_stops_on_ctrl_c(tmp_path, protocol):
    base = _free_base_port(3)
    up = subprocess.Popen([*CONFORM, "cluster", "up", "--nodes", "3", "--protocol", protocol,
                           "--base-port", str(base), "--dir", "c"],
                          cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, start_new_session=True)
    try:
        cluster = tmp_path / "c" / "cluster.json"
        assert _until(cluster.is_file), "no cluster file"
        put = _until(lambda: (r := _conform("kv", "put", "hello", "world", "--cluster",
                                            str(cluster), cwd=tmp_path)).returncode == 0 and r)
        assert put, "the cluster never accepted a write"
        get = _conform("kv", "get", "hello", "--cluster", str(cluster), cwd=tmp_path)
        assert get.returncode == 0 and "world" in get.stdout, get.stdout + get.stderr
        missing = _conform("kv", "get", "nothing-here", "--cluster", str(cluster), cwd=tmp_path)
        assert missing.returncode == 1 and "not found" in missing.stdout + missing.stderr
        if protocol == "raft":
            status = _conform("cluster", "status", "--cluster", str(cluster), cwd=tmp_path)
            roles = [line.split()[1] for line in status.stdout.splitlines()
                     if line.split()[:1] in (["s1"], ["s2"], ["s3"]) and "term" in line]
            assert status.returncode == 0 and sorted(roles) == ["Follower", "Follower",
                                                                "Leader"], status.stdout
        assert json.loads(cluster.read_text())  # the file others read is whole JSON
    finally:
        out = ctrl_c(up)
    assert "Traceback" not in out, out
    assert up.returncode in (0, 130), out


def test_ctrl_c_stops_a_cluster_started_in_the_background(tmp_path):
    """A shell's background job (or nohup) starts with SIGINT ignored, and Python then raises
    no KeyboardInterrupt: Ctrl-C must still stop the cluster, not look like every server
    crashing."""
    base = _free_base_port(3)
    up = subprocess.Popen([*CONFORM, "cluster", "up", "--nodes", "3", "--base-port", str(base),
                           "--dir", "c"], cwd=tmp_path, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, start_new_session=True,
                          preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    try:
        assert _until((tmp_path / "c" / "cluster.json").is_file), "no cluster file"
        assert _until(lambda: all((tmp_path / "c" / f"s{i}.log").is_file() for i in (1, 2, 3)))
        time.sleep(1)  # the servers have installed their own handlers
    finally:
        out = ctrl_c(up)
    assert up.returncode in (0, 130) and "every server has stopped" not in out, out
