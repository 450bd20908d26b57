"""Long cluster-test campaigns: every nemesis on each protocol and cluster size; prints JSON
(and the anomaly table on stderr).

Each cell of the matrix is one ``conform cluster test`` run (its own process, its folder under
``--out``): ``--seconds`` of one kind of fault. The table gives, per run, the verdicts
(linearizable, no lost writes, nodes healthy), the operations and how many succeeded, the
latency, the faults and, for those that took the leader away, the time to the next
successful write (median and worst). An anomaly is any verdict that is not yes.

Run under nice; with ``--parallel 2`` two runs share the machine (their latencies then
include each other's load). A line on stderr says when each run starts and how it ended, and
each finished run's row is appended to ``--out``/rows.ndjson at once: a campaign of hours
shows where it is, and one stopped half-way keeps the rows of the runs it finished.

    nice .venv/bin/python bench/cluster_campaign.py --seconds 600 --out /tmp/campaign
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(protocol: str, nodes: int, nemesis: str, seconds: float, seed: int, out: Path,
        extra: list[str]) -> dict:
    name = f"{protocol}-{nodes}-{nemesis}"
    cmd = [sys.executable, "-m", "conformance", "cluster", "test", "--protocol", protocol,
           "--nodes", str(nodes), "--nemesis", nemesis, "--seconds", str(seconds),
           "--seed", str(seed), "--out", str(out / name), "--json", *extra]
    t0 = time.monotonic()
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    row: dict = {"run": name, "protocol": protocol, "nodes": nodes, "nemesis": nemesis,
                 "exit": p.returncode, "wall_s": round(time.monotonic() - t0, 1)}
    try:
        r = json.loads(p.stdout)
    except json.JSONDecodeError:
        row["error"] = (p.stderr.strip().splitlines() or ["no output"])[-1]
        return row
    f = r["figures"]
    rec = sorted(x["seconds"] for x in f["recoveries"] if x["seconds"] is not None)
    row.update({
        "linearizable": r["checks"]["linearizable"]["ok"],
        "no_lost_writes": r["checks"]["no lost writes"]["ok"],
        "nodes_healthy": r["checks"]["nodes healthy"]["ok"],
        "traces": r["checks"]["traces conform"]["ok"],
        "operations": f["operations"], "ok": f["ok"], "unknown": f["unknown"],
        "ok_per_s": f["ops_per_s"], "success": f["success_ratio"],
        "p50_ms": f["p50_ms"], "p99_ms": f["p99_ms"], "faults": len(r["faults"]),
        "leader_faults": len(f["recoveries"]),
        "not_recovered": sum(x["seconds"] is None for x in f["recoveries"]),
        "recovery_median_s": rec[len(rec) // 2] if rec else None,
        "recovery_max_s": rec[-1] if rec else None,
        "check_s": r["check_seconds"]})
    row["anomalies"] = sum(row[k] is False for k in ("linearizable", "no_lost_writes",
                                                     "nodes_healthy", "traces"))
    return row


def table(rows: list[dict]) -> str:
    cols = ["run", "anomalies", "linearizable", "no_lost_writes", "nodes_healthy", "operations",
            "success", "ok_per_s", "p50_ms", "p99_ms", "faults", "leader_faults",
            "recovery_median_s", "recovery_max_s", "not_recovered"]
    lines = ["| " + " | ".join(cols) + " |", "|" + " --- |" * len(cols)]
    for r in rows:
        lines.append("| " + " | ".join(str(r.get(c, r.get("error", "-"))) for c in cols) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=600)
    ap.add_argument("--protocols", default="raft,multipaxos")
    ap.add_argument("--nodes", default="3,5")
    ap.add_argument("--nemeses", default="kill,pause,restart-all,partition")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--parallel", type=int, default=1)
    ap.add_argument("--out", type=Path, default=Path("conform-cluster-campaign"))
    ap.add_argument("extra", nargs="*", help="more options for conform cluster test "
                                             "(after --)")
    args = ap.parse_args()
    cells = [(p, int(n), k) for p in args.protocols.split(",") for n in args.nodes.split(",")
             for k in args.nemeses.split(",")]
    args.out.mkdir(parents=True, exist_ok=True)
    kept = args.out / "rows.ndjson"
    kept.write_text("")  # this campaign's rows only
    lock = threading.Lock()
    done = [0]

    def one(cell: tuple[str, int, str]) -> dict:
        name = "-".join(map(str, cell))
        with lock:
            print(f"started {name} ({args.seconds:g} s)", file=sys.stderr, flush=True)
        row = run(*cell, args.seconds, args.seed, args.out, args.extra)
        with lock:
            done[0] += 1
            with kept.open("a") as f:
                f.write(json.dumps(row) + "\n")
            said = row.get("error") or (f"{row['anomalies']} anomalies, "
                                        f"{row['operations']:,} operations, "
                                        f"{row['ok_per_s']} ok/s")
            print(f"[{done[0]}/{len(cells)}] {name}: {said} ({row['wall_s']} s)",
                  file=sys.stderr, flush=True)
        return row
    with ThreadPoolExecutor(args.parallel) as pool:
        rows = list(pool.map(one, cells))
    print(table(rows), file=sys.stderr)
    print(json.dumps({"seconds": args.seconds, "runs": rows}, indent=2))


if __name__ == "__main__":
    main()
