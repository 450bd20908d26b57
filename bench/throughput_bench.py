"""Throughput of the two key-value clusters next to PySyncObj's, and the write path's round
trips; prints JSON (and the table on stderr).

* ``loopback``: three server processes on 127.0.0.1 (``conform cluster node``, no traces),
  for Raft and Multi-Paxos, fsync on and off; 1, 8 and 32 concurrent clients doing puts for
  ``--seconds``: puts per second, p50/p99 latency, and the servers' CPU seconds (puts per
  server CPU second is the figure that holds on a busy machine).
* ``pysyncobj``: PySyncObj 3 nodes on the same machine, the same puts (if it is installed:
  ``.venv/bin/pip install pysyncobj``), with its default timers and with our 10 ms tick.
  PySyncObj never fsyncs its journal and its load runs inside the leader (no client hop), so
  it compares with our fsync-off rows, and even then it is spared a network round trip.
* ``round_trips``: how many network round trips a write takes, counted in the deterministic
  simulator (messages delivered in waves): from the client's request to its answer, the
  client's own hop included — the course text's count is 2 (client to leader and back, leader
  to a quorum and back).

Run: ``.venv/bin/python bench/throughput_bench.py`` (``--quick``: 1 and 8 clients, 2 s).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from paxos_bench import simulated_latency as paxos_round_trips  # noqa: E402
from raft_bench import _load, pysyncobj  # noqa: E402
from raft_bench import simulated_latency as raft_round_trips  # noqa: E402

from conformance.cluster.nodes import Cluster, NodeOptions  # noqa: E402


async def ours(protocol: str, sync: bool, clients: int, seconds: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="throughput-") as d:
        cluster = Cluster(Path(d), 3, NodeOptions(protocol=protocol, sync=sync, traces=False))
        try:
            cluster.start()
            await cluster.wait_ready()
            pids = [n.pid for n in cluster.nodes.values() if n.pid is not None]
            return await _load(cluster.config, clients, seconds, pids)
        finally:
            cluster.stop()


def round_trips() -> dict:
    """A write's round trips from the client's request to its answer: the leader's own
    (to a quorum and back) plus the client's hop to the leader and back."""
    raft = raft_round_trips(3)
    paxos = paxos_round_trips()
    return {"raft": {"client_write_rtt": raft["client_write_rtt"],
                     "leader_commits_after_rtt": raft["leader_commits_after_rtt"]},
            "multipaxos": {"client_write_rtt": paxos["commit_round_trips_at_leader"] + 1,
                           "leader_commits_after_rtt": paxos["commit_round_trips_at_leader"]}}


def table(rows: list[dict]) -> str:
    head = "| system | fsync | clients | puts/s | p50 ms | p99 ms | puts per server CPU s |"
    out = [head, "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        out.append(f"| {r['system']} | {r['fsync']} | {r['clients']} | "
                   f"{r.get('throughput_ops_per_s', '-')} | {r.get('p50_ms', '-')} | "
                   f"{r.get('p99_ms', '-')} | {r.get('ops_per_server_cpu_s', '-')} |")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    seconds = 2.0 if args.quick else args.seconds
    counts = [1, 8] if args.quick else [1, 8, 32]
    rows = []
    for protocol in ("raft", "multipaxos"):
        for sync in (True, False):
            for c in counts:
                r = asyncio.run(ours(protocol, sync, c, seconds))
                rows.append({"system": protocol, "fsync": "on" if sync else "off",
                             "clients": c, **r})
    for c in counts:
        for label, period in (("pysyncobj", None), ("pysyncobj 10 ms timers", 0.01)):
            r = pysyncobj(c, seconds, period)
            rows.append({"system": label, "fsync": "never", "clients": c, **r})
    out = {"machine": {"cpus": os.cpu_count(), "load": round(os.getloadavg()[0], 1)},
           "seconds": seconds, "loopback": rows,
           "round_trips": round_trips()}
    print(table(rows), file=sys.stderr)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
