"""Real runs, checked: Raft and Multi-Paxos clusters of separate server processes on loopback,
with writes, a leader killed with SIGKILL, restarts (one after a simulated power loss), and
then `conform validate` on the traces the servers wrote. With a bug planted in a server's
driver and a crash in the bug's window, validation names the event where the run left the
spec."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from tests.procs import ProcCluster

pytestmark = pytest.mark.timeout(120)


def validate(root) -> tuple[int, dict]:
    r = subprocess.run([sys.executable, "-m", "conformance", "validate", str(root), "--json"],
                       capture_output=True, text=True, timeout=100)
    assert r.stdout, r.stderr
    return r.returncode, json.loads(r.stdout)


def segments(path) -> list[int]:
    """The line numbers of a node trace's segment headers."""
    return [n for n, line in enumerate(path.read_text().splitlines(), start=1)
            if line.startswith('{"format"')]


@pytest.mark.parametrize("protocol", ["raft", "multipaxos"])
def test_a_run_with_a_killed_leader_and_restarts_conforms(tmp_path, protocol):
    with ProcCluster(tmp_path, protocol) as c:
        leader = c.leader()
        c.puts(15, "a")
        c.kill(leader)  # kill -9
        new = c.leader(exclude=leader)
        c.puts(15, "b")
        c.start(leader)  # back from its own log
        assert c.serving(leader)
        follower = next(s for s in c.cfg.servers if s not in (leader, new))
        c.kill(follower)
        c.start(follower, "--lose-unsynced")  # a power loss: it synced before it told
        assert c.serving(follower)
        c.puts(10, "c")
        time.sleep(0.3)
    code, out = validate(tmp_path)
    assert code == 0 and out["verdict"] == "conforms", json.dumps(out, indent=1)[:3000]
    assert len(segments(tmp_path / f"{leader}.trace.ndjson")) == 2
    assert len(segments(tmp_path / f"{follower}.trace.ndjson")) == 2
    assert out["events"] > 100 and out["messages"] > 100
    assert "Agreement" in out["checked"]["invariants"] or \
        "LogMatching" in out["checked"]["invariants"]


@pytest.mark.parametrize("protocol", ["raft", "multipaxos"])
def test_sending_before_the_sync_diverges_at_the_restart_after_a_power_loss(tmp_path,
                                                                              protocol):
    bug = ["--bug", "send_before_sync"]
    c = ProcCluster(tmp_path, protocol, flags={"s1": bug, "s2": bug, "s3": bug})
    try:
        c.up(["s2", "s3"])  # s1 starts once its peers serve, so that what it sends in its
        for sid in ("s2", "s3"):  # bug's window reaches them
            assert c.serving(sid)
        # s1 does not campaign (a long election timeout): its window opens on what it tells
        # the leader, which the leader receives; a prepare sent in the window could be
        # ignored under the leader's lease, and a lost step nobody heard of is no divergence
        c.start("s1", "--crash-in-bug-window", "--election-ticks=1000")
        if c.serving("s1"):
            c.puts(3)  # s1 accepts a write and tells the leader before it syncs
        assert c.died("s1", timeout=30), "s1 never opened the bug's window"
        c.start("s1", "--lose-unsynced")  # the power loss forgets what s1 had told
        assert c.serving("s1")
        c.leader()
        c.puts(5)
    finally:
        c.down()
    code, out = validate(tmp_path)
    assert code == 1 and out["verdict"] == "diverged", json.dumps(out, indent=1)[:3000]
    d = out["divergence"]
    assert d["action"] == "Restart" and d["node"] == "s1" and d["kind"] == "led elsewhere"
    restarts = segments(tmp_path / "s1.trace.ndjson")[1:]
    assert d["where"]["file"].endswith("s1.trace.ndjson") and d["where"]["line"] in restarts
    assert d["differences"], d  # what the node forgot, against what the spec keeps


@pytest.mark.parametrize("protocol", ["raft", "multipaxos"])
def test_acknowledging_before_the_commit_diverges_at_the_answer(tmp_path, protocol):
    flags = ["--bug", "ack_before_commit", "--crash-in-bug-window"]
    with ProcCluster(tmp_path, protocol, flags={s: flags for s in ("s1", "s2", "s3")}) as c:
        leader = c.leader()
        c.puts(1)  # answered at once; then the leader dies before it commits
        assert c.died(leader)
        c.start(leader)
        assert c.serving(leader)
        c.leader()
    code, out = validate(tmp_path)
    assert code == 1 and out["verdict"] == "diverged", json.dumps(out, indent=1)[:3000]
    d = out["divergence"]
    assert d["action"] == "ClientReply" and d["node"] == leader and d["kind"] == "not enabled"
    assert "commitIndex" in d["conjunct"] or "executed" in d["conjunct"]
    line = (tmp_path / f"{leader}.trace.ndjson").read_text().splitlines()[d["where"]["line"] - 1]
    assert json.loads(line)["action"] == "ClientReply"
