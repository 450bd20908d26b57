"""``make pysyncobj``: PySyncObj clusters on loopback, traced, checked against Raft.tla.

Each scenario starts three PySyncObj nodes (``node.py``, one process each), drives writes and
faults through them, stops them, and checks the nodes' traces with ``conform validate``:

* ``leader faults``: with a journal file; a burst of writes (several AppendEntries in
  flight); the leader killed (``kill -9``) and restarted, twice, with writes around each
  crash; then the leader cut off from the others: it appends a write it can never commit and
  steps down (``leaderFallbackTimeout``), the others elect a leader, the partition heals;
* the double vote: s1 and s2 cannot reach each other; s1 wins term 1 with s3's vote and
  commits a write; s1 is cut off, s3 crashes and restarts; s2's election timer fires (its
  term is 0: it never heard of term 1) and it asks s3 for its vote in term 1. Run three ways:
  ``no journal`` (PySyncObj's default), ``power loss`` (a journal file, and the crash loses
  what was not synced: all of it, since PySyncObj never syncs), and ``kill -9`` (a journal
  file, a process crash: the OS keeps what was written).

For each, the verdict, and for a run that diverges the first event no order explains and
what the traces show (double votes, two leaders of one term, acknowledged writes missing at
the end), with the file and line of each event. Exit status 1 if a scenario's verdict is not
the one examples/pysyncobj/README.md reports.

    python examples/pysyncobj/run.py [--out DIR] [--only NAME,...]
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
NAMES = ["s1", "s2", "s3"]
LEADER = 2


class Node:
    """One node process: commands on its stdin, JSON answers on its stdout."""

    def __init__(self, name: str, run: Path, names: dict[str, str], journal: bool,
                 quiet: bool, conf: dict) -> None:
        self.name, self.run = name, run
        self.config = {"name": name, "names": names, "trace": str(run / f"{name}.ndjson"),
                       "journal": str(run / f"{name}.journal") if journal else None,
                       "quiet": quiet, "conf": conf}
        self.proc: subprocess.Popen | None = None
        self.answers: queue.Queue = queue.Queue()
        self.early: list[dict] = []

    def start(self) -> None:
        log = open(self.run / f"{self.name}.log", "a")
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "node.py"), json.dumps(self.config)], cwd=ROOT,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True,
            env={**os.environ, "PYTHONPATH": f"{HERE}{os.pathsep}{ROOT}"})
        log.close()
        self.answers, self.early = queue.Queue(), []  # a new process: nothing answered yet
        answers, out = self.answers, self.proc.stdout
        assert out is not None

        def read() -> None:
            for line in out:
                answers.put(json.loads(line))
        threading.Thread(target=read, daemon=True).start()

    def tell(self, command: str) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def ask(self, command: str, key: str, value: Any = None) -> dict:
        """Send a command and wait for the answer that carries ``key`` (and ``value``)."""
        self.tell(command)
        return self.wait(key, value)

    def wait(self, key: str, value: Any = None, timeout: float = 10.0) -> dict:
        def fits(a: dict) -> bool:
            return key in a and (value is None or a[key] == value)
        for a in self.early:
            if fits(a):
                self.early.remove(a)
                return a
        deadline = time.monotonic() + timeout
        while True:
            try:
                a = self.answers.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise RuntimeError(f"{self.name} gave no answer with {key}={value}") from None
            if fits(a):
                return a
            self.early.append(a)  # an answer to something else, kept for its waiter

    def kill(self) -> None:
        """kill -9, and wait until it is gone."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.proc = None

    def lose_unsynced_writes(self) -> None:
        """A power failure: files keep only what was fsync'd. PySyncObj syncs nothing (the
        trace has no durable mark), so its journal and meta files are lost whole."""
        for path in self.run.glob(f"{self.name}.journal*"):
            path.unlink()


def free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


class Cluster:
    def __init__(self, run: Path, journal: bool, quiet: tuple[str, ...] = (),
                 conf: dict | None = None) -> None:
        if run.exists():
            shutil.rmtree(run)
        run.mkdir(parents=True)
        names = {f"127.0.0.1:{p}": n for p, n in zip(free_ports(len(NAMES)), NAMES)}
        self.nodes = {n: Node(n, run, names, journal, n in quiet, conf or {}) for n in NAMES}

    def __enter__(self) -> Cluster:
        for n in self.nodes.values():
            n.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for n in self.nodes.values():
            n.kill()

    def __getitem__(self, name: str) -> Node:
        return self.nodes[name]

    def leader(self, among: list[str] | None = None, timeout: float = 15.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name in among or NAMES:
                if self.nodes[name].proc is not None and \
                        self.nodes[name].ask("status", "status")["role"] == LEADER:
                    return name
            time.sleep(0.05)
        raise RuntimeError(f"none of {', '.join(among or NAMES)} became leader")

    def leads(self, name: str, within: float) -> bool:
        try:
            self.leader([name], timeout=within)
        except RuntimeError:
            return False
        return True

    def write(self, via: str, keys: list[str]) -> None:
        for k in keys:
            a = self.nodes[via].ask(f"put {k} {k}-{via}", "put", k)
            if not a["ok"]:
                raise RuntimeError(f"the write of {k} through {via} failed: {a}")

    def burst(self, via: str, keys: list[str]) -> None:
        """Writes sent all at once, then their answers awaited."""
        for k in keys:
            self.nodes[via].tell(f"put {k} {k}-{via}")
        for k in keys:
            if not self.nodes[via].wait("put", k)["ok"]:
                raise RuntimeError(f"the write of {k} through {via} failed")

    def replicas(self) -> dict[str, dict]:
        return {n: self.nodes[n].ask("status", "status")["data"] for n in NAMES
                if self.nodes[n].proc is not None}

    def caught_up(self, name: str, leader: str, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            want = self.nodes[leader].ask("status", "status")["commit"]
            if self.nodes[name].ask("status", "status")["commit"] >= want:
                return
            time.sleep(0.05)
        raise RuntimeError(f"{name} did not catch up with {leader}")

    def connected(self, a: str, b: str, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if b in self.nodes[a].ask("status", "status")["connected"] and \
                    a in self.nodes[b].ask("status", "status")["connected"]:
                return
            time.sleep(0.05)
        raise RuntimeError(f"{a} and {b} did not connect")

    def partition(self, a: str, b: str) -> None:
        self.nodes[a].ask(f"block {b}", "block")
        self.nodes[b].ask(f"block {a}", "block")

    def heal(self) -> None:
        for n in NAMES:
            self.nodes[n].ask("heal", "heal")


# --------------------------------------------------------------------------- scenarios


def leader_faults(run: Path) -> tuple[str, dict]:
    conf = {"leaderFallbackTimeout": 1.5, "appendEntriesUseBatch": False}
    with Cluster(run, journal=True, conf=conf) as c:
        leader = c.leader()
        c.burst(leader, [f"a{k}" for k in range(5)])  # several AppendEntries in flight
        for r in range(2):
            c[leader].kill()
            new = c.leader([n for n in NAMES if n != leader])
            c.write(new, [f"b{r}{k}" for k in range(3)])
            c[leader].start()
            c.caught_up(leader, new)
            leader = new
        others = [n for n in NAMES if n != leader]
        for n in others:
            c.partition(leader, n)
        c[leader].tell("put z z")  # appended by the cut-off leader, never committed
        new = c.leader(others)
        c.write(new, ["d0", "d1"])
        time.sleep(1.6)  # the old leader steps down (leaderFallbackTimeout)
        c.heal()
        c.caught_up(leader, new)
        c.write(new, ["e0"])
        time.sleep(0.3)
        return ("a burst of writes; kill -9 the leader and restart it, twice; cut the leader "
                "off (it appends a write it cannot commit, steps down) and heal", c.replicas())


def vote_twice(run: Path, journal: bool, power_loss: bool) -> tuple[str, dict]:
    with Cluster(run, journal=journal, quiet=("s2", "s3")) as c:
        c.partition("s1", "s2")
        c.leader(["s1"])  # s1 wins term 1 with s3's vote
        c.write("s1", ["x"])
        c.partition("s1", "s3")  # s1 is cut off from everyone
        c["s3"].kill()
        if power_loss:
            c["s3"].lose_unsynced_writes()
        c["s3"].start()
        c.connected("s2", "s3")
        c["s2"].ask("timeout", "timeout")  # s2 campaigns in term 0 + 1 = 1
        if c.leads("s2", within=2.0):  # with s3's second vote of term 1
            c.write("s2", ["y"])
        c.heal()
        time.sleep(1.0)
        crash = "power loss at s3 (what was not synced is lost)" if power_loss \
            else "kill -9 s3"
        return (f"s1 and s2 cut apart, s1 leads; s1 cut off, {crash}, restart; s2's "
                "election timer fires; heal", c.replicas())


# name: (PySyncObj's configuration, the verdict it earns, the scenario)
SCENARIOS: dict[str, tuple[str, str, Any]] = {
    "leader faults": ("journal file", "conforms", leader_faults),
    "no journal": ("default (no journal)", "diverged",
                   lambda run: vote_twice(run, journal=False, power_loss=False)),
    "power loss": ("journal file", "diverged",
                   lambda run: vote_twice(run, journal=True, power_loss=True)),
    "kill -9": ("journal file", "conforms",
                lambda run: vote_twice(run, journal=True, power_loss=False)),
}


# --------------------------------------------------------------------------- verdicts


def validate(run: Path) -> dict:
    conform = Path(sys.executable).with_name("conform")
    cmd = [str(conform) if conform.exists() else "conform", "validate",
           *sorted(str(p) for p in run.glob("*.ndjson")), "--json"]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if out.returncode not in (0, 1):
        raise RuntimeError(f"conform validate failed:\n{out.stderr}")
    return json.loads(out.stdout)


def story(run: Path, replicas: dict[str, dict]) -> list[str]:
    """What the traces say about votes, leaders and acknowledged writes, with the file and
    line of each event."""
    from conformance.record.reader import read_node_file

    votes: dict[tuple[str, int], list[str]] = {}
    leaders: dict[int, list[str]] = {}
    acked: list[tuple[str, str, str]] = []  # (key, value, where)
    for path in sorted(run.glob("*.ndjson")):
        f = read_node_file(path)
        for e in (e for seg in f.segments for e in seg.events):
            where = f"{path.name}:{e.line}"
            for s in e.sent:
                m = s.msg.map
                if m.get("type") == "RequestVoteResponse" and m.get("granted") is True:
                    votes.setdefault((f.node, m["term"]), []).append(f"{s.to} ({where})")
            if e.state.get("state") == "Leader" and "state" in e.changed:
                leaders.setdefault(e.state["currentTerm"], []).append(f"{f.node} ({where})")
            if e.action == "ClientReply":
                value = e.state["log"][e.actions[-1][1]["k"] - 1].map["value"]
                key, val = value[len("put("):-1].split(", ")
                acked.append((key, val, f"{f.node} ({where})"))
    lines = [f"{voter} voted twice in term {term}: for {' and for '.join(who)}"
             for (voter, term), who in sorted(votes.items()) if len(who) > 1]
    lines += [f"two leaders in term {term}: {', '.join(who)}"
              for term, who in sorted(leaders.items()) if len({w.split()[0] for w in who}) > 1]
    for key, val, where in acked:
        lost = [n for n, data in replicas.items() if data.get(key) != val]
        if lost:
            lines.append(f"the write {key}={val}, acknowledged by {where}, is not in the "
                         f"dict of {', '.join(lost)} at the end")
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "traces" / "pysyncobj",
                    help="where each scenario's node traces go (default traces/pysyncobj)")
    ap.add_argument("--only", help="comma-separated scenario names (default: all)")
    args = ap.parse_args()
    chosen = args.only.split(",") if args.only else list(SCENARIOS)
    unknown = [n for n in chosen if n not in SCENARIOS]
    if unknown:
        ap.error(f"no scenario {unknown[0]!r}; there are: {', '.join(SCENARIOS)}")
    import pysyncobj.version

    print(f"PySyncObj {pysyncobj.version.VERSION} against specs/Raft.tla "
          f"(traces in {args.out})\n")
    surprises = 0
    for name in chosen:
        config, expected, scenario = SCENARIOS[name]
        run = args.out / re.sub(r"[^a-z0-9]+", "-", name)
        t0 = time.monotonic()
        faults, replicas = scenario(run)
        ran = time.monotonic() - t0
        v = validate(run)
        for log in sorted(run.glob("*.log")):
            if "Traceback" in log.read_text():
                print(f"note: {log} holds an error of its node (its trace may lack steps)")
        verdict = v["verdict"]
        surprises += verdict != expected
        mark = "" if verdict == expected else f"  (UNEXPECTED: {expected} was expected)"
        cpu = v["merge_seconds"] + v["engine_seconds"]
        print(f"{name:14} {config:21} {verdict.upper():9} {v['events']:>5} events in "
              f"{ran:.1f}s, checked in {cpu:.2f}s CPU{mark}")
        print(f"  {faults}")
        d = v.get("divergence")
        if d is not None:
            print(f"  first divergence: {d['summary']}")
            if d.get("conjunct"):
                print(f"    failing conjunct: {d['conjunct']}")
            for diff in d.get("differences", [])[:4]:
                print(f"    {diff['text']}")
        for line in story(run, replicas):
            print(f"  {line}")
        print()
    return 1 if surprises else 0


if __name__ == "__main__":
    sys.exit(main())
