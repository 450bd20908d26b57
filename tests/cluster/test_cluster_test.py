"""`conform cluster test` end to end: real server processes under every kind of fault, for
each protocol, must give a linearizable history with no lost write; a planted server bug
must be caught, with its window in the timeline; a node that cannot bind its port is
reported as such. Every process a test starts is stopped by the test (the command stops its
nodes itself, also when it fails)."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys

import pytest

CONFORM = [sys.executable, "-m", "conformance"]


def cluster_test(tmp_path, *args: str, timeout: float = 120) -> tuple[int, dict, str]:
    out = tmp_path / "run"
    p = subprocess.run([*CONFORM, "cluster", "test", "--out", str(out), "--json", *args],
                       capture_output=True, text=True, timeout=timeout, cwd=tmp_path)
    results = json.loads(p.stdout) if p.stdout.strip().startswith("{") else {}
    return p.returncode, results, p.stderr


def _no_node_left(tmp_path) -> None:
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert str(tmp_path) not in ps, "a node of the test is still running"


@pytest.mark.parametrize("protocol", ["raft", "multipaxos"])
def test_every_fault_leaves_a_linearizable_history(tmp_path, protocol):
    code, r, err = cluster_test(tmp_path, "--protocol", protocol, "--seconds", "20",
                                "--clients", "4", "--seed", "7",
                                "--nemesis", "kill,pause,restart-all,partition")
    _no_node_left(tmp_path)
    assert r, err
    checks = r["checks"]
    assert code == 0, json.dumps(checks, indent=1) + err
    assert checks["linearizable"]["ok"] and checks["no lost writes"]["ok"]
    assert checks["nodes healthy"]["ok"]  # no node died, no traceback in a log
    assert checks["traces conform"]["ok"] is None
    assert checks["traces conform"]["detail"].startswith("recorded, not checked")
    assert list((tmp_path / "run" / "traces").glob("s*.ndjson"))
    kinds = {f["kind"] for f in r["faults"]}
    assert len(r["faults"]) >= 3 and len(kinds) >= 2, r["faults"]
    figs = r["figures"]
    assert figs["ok"] >= 20 and figs["p50_ms"] is not None
    assert (tmp_path / "run" / "timeline.html").stat().st_size > 1000
    assert (tmp_path / "run" / "history.ndjson").read_text().count('"type":"op"') == \
        figs["operations"] + 3  # and the final read of each key


def test_the_traces_are_validated_on_request_within_the_time_given(tmp_path):
    code, r, err = cluster_test(tmp_path, "--seconds", "2", "--clients", "1",
                                "--nemesis", "none", "--check-traces", "--trace-seconds", "1")
    _no_node_left(tmp_path)
    assert code == 0, err
    assert r["checks"]["traces conform"] == {
        "ok": None, "detail": f"not decided within 1s (conform validate "
                              f"{tmp_path / 'run' / 'traces'})"}


def test_a_write_acknowledged_before_it_commits_is_caught(tmp_path):
    code, r, err = cluster_test(tmp_path, "--protocol", "multipaxos", "--seconds", "6",
                                "--clients", "6", "--keys", "1", "--nemesis", "none",
                                "--bug", "ack_before_commit", "--no-traces")
    _no_node_left(tmp_path)
    assert code == 1, err
    assert r["checks"]["linearizable"]["ok"] is False
    [w] = r["windows"]
    assert 2 <= len(w["ops"]) <= 20
    page = (tmp_path / "run" / "timeline.html").read_text()
    data = json.loads(re.search(r"const DATA = (.*?);</script>", page, re.S).group(1))
    assert data["windows"][0]["key"] == "k0"
    assert sum(op[7] >= 0 for op in data["ops"]) == len(w["ops"])  # outlined in the timeline


def test_a_node_that_cannot_bind_its_port_is_reported(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        p = subprocess.run([*CONFORM, "cluster", "test", "--out", str(tmp_path / "run"),
                            "--base-port", str(port), "--seconds", "5"],
                           capture_output=True, text=True, timeout=120, cwd=tmp_path)
    _no_node_left(tmp_path)
    assert p.returncode == 2, p.stdout + p.stderr
    assert f"node s1 did not start: s1 cannot listen on 127.0.0.1:{port}" in p.stderr
    assert "Traceback" not in p.stderr
