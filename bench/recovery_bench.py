"""Recovery after every server restarts at once, against the length of the log; prints JSON.

For each protocol and log size: three server processes on loopback (``conform cluster
node``, fsync on, no traces) take ``N`` puts from 32 concurrent clients; then every server is
killed with SIGKILL and started again on its data, and the bench measures, from the moment
the processes are spawned:

* ``ready_s``: until every server answers a status request (process start and recovery);
* ``first_write_s``: until a client's first put succeeds;
* ``cpu_s``: the CPU seconds the three servers spent until then (from /proc; the figure
  that holds on a busy machine, where wall time also counts waiting for a core);
* the leader's term or ballot afterwards (how many elections it took).

Each restart is repeated ``--restarts`` times on the same data; the table gives each run and
the median. Run: ``.venv/bin/python bench/recovery_bench.py`` (``--quick``: 1,000 commands
only, one restart).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from conformance.cluster.nodes import Cluster, NodeOptions  # noqa: E402
from impl.raft.client import Client  # noqa: E402


def cpu_seconds(pid: int | None) -> float | None:
    """User and system CPU of a live process, from /proc (None elsewhere)."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def load(cluster: Cluster, commands: int, clients: int = 32) -> float:
    async with Client(cluster.config, timeout=60) as c:
        await c.put("warmup", "x")
    t = time.monotonic()

    async def worker(w: int) -> None:
        async with Client(cluster.config, timeout=60) as c:
            for i in range(w, commands, clients):
                await c.put(f"k{i % 100}", f"v{i}")

    await asyncio.gather(*(worker(w) for w in range(clients)))
    return time.monotonic() - t


async def restart_all(cluster: Cluster) -> dict:
    for n in cluster.nodes.values():
        n.kill()
    t0 = time.monotonic()
    cluster.start()
    await cluster.wait_ready(timeout=120)
    ready = time.monotonic() - t0
    async with Client(cluster.config, client_id=f"probe-{t0}", timeout=300) as c:
        await c.put("after-restart", str(t0))
    first = time.monotonic() - t0
    cpu = [cpu_seconds(n.pid) for n in cluster.nodes.values()]
    st = await cluster.statuses(timeout=2.0)
    terms = [s.get("term") for s in st.values() if s.get("role") == "Leader"]
    return {"ready_s": round(ready, 3), "first_write_s": round(first, 3),
            "cpu_s": round(sum(c for c in cpu if c is not None), 3) if None not in cpu else None,
            "leader_term": max(terms) if terms else None}


async def one(protocol: str, commands: int, restarts: int, keep: Path | None) -> dict:
    with tempfile.TemporaryDirectory(prefix="recovery-bench-") as tmp:
        d = tmp
        if keep is not None:  # the servers' logs (their recovery timelines) stay here
            d = str(keep / f"{protocol}-{commands}")
            Path(d).mkdir(parents=True, exist_ok=False)
        cluster = Cluster(Path(d), 3, NodeOptions(protocol=protocol, traces=False))
        try:
            cluster.start()
            await cluster.wait_ready()
            load_s = await load(cluster, commands)
            runs = [await restart_all(cluster) for _ in range(restarts)]
        finally:
            cluster.stop()
        size = sum(f.stat().st_size for f in Path(d).rglob("*") if f.is_file()
                   and f.parent.name.startswith("s"))
    return {"protocol": protocol, "commands": commands, "load_s": round(load_s, 2),
            "disk_bytes": size, "runs": runs,
            "median_first_write_s": statistics.median(r["first_write_s"] for r in runs),
            "max_first_write_s": max(r["first_write_s"] for r in runs)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--restarts", type=int, default=3)
    ap.add_argument("--sizes", default="1000,20000")
    ap.add_argument("--protocols", default="raft,multipaxos")
    ap.add_argument("--keep", type=Path, help="run in this directory and leave the servers' "
                    "data and logs there (each logs its recovery timeline)")
    args = ap.parse_args()
    sizes = [1000] if args.quick else [int(x) for x in args.sizes.split(",")]
    restarts = 1 if args.quick else args.restarts
    rows = [asyncio.run(one(p, n, restarts, args.keep))
            for p in args.protocols.split(",") for n in sizes]
    print(json.dumps({"machine": {"cpus": os.cpu_count(), "load": os.getloadavg()[0]},
                      "restart_all": rows}, indent=2))


if __name__ == "__main__":
    main()
