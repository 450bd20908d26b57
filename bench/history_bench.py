"""The history checkers' speed; prints JSON.

* ``linearizable``: one key's history of N operations from C concurrent clients (a real
  register's run: every operation takes effect at a random moment inside its interval;
  a share of the writes never answered, their outcome unknown), checked by the Wing-Gong
  search with Lowe's memoization. CPU seconds, and the distinct configurations the search
  visited.
* ``violation``: the same history with one stale read appended: the time to the "no"
  verdict and to the smallest window that cannot be linearized.

Run: ``.venv/bin/python bench/history_bench.py`` (``--quick`` for small sizes).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from conformance.history.linearizable import check_key  # noqa: E402
from conformance.history.ops import Op  # noqa: E402
from conformance.history.window import smallest_window  # noqa: E402
from tests.history.test_linearizable import simulated  # noqa: E402


def timed(f):
    w, c = time.perf_counter(), time.process_time()
    out = f()
    return out, round(time.perf_counter() - w, 3), round(time.process_time() - c, 3)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    sizes = [1000, 10_000] if args.quick else [1000, 10_000, 50_000]
    rows = []
    for n in sizes:
        for clients in (4, 8, 32):
            for unknown in (0.0, 0.02):
                h = simulated(n + clients, n, keys=1, clients=clients, unknown=unknown)
                v, wall, cpu = timed(lambda h=h: check_key("k0", h.ops))
                rows.append({"operations": n, "clients": clients, "unknown_writes": unknown,
                             "ok": v.ok, "configurations": v.configurations,
                             "wall_s": wall, "cpu_s": cpu})
    bad = []
    for n in sizes[:2]:
        h = simulated(1, n, keys=1, clients=8)
        last_put = max((op for op in h.ops if op.kind == "put"), key=lambda op: op.complete)
        stale = [op for op in h.ops if op.kind == "put" and op.complete < last_put.invoke][-1]
        t = max(op.complete for op in h.ops) + 1
        h.ops.append(Op(len(h.ops), "late", "get", "k0", None, t, t + 1, "ok", stale.value))
        v, wall, cpu = timed(lambda h=h: check_key("k0", h.ops))
        w, wwall, wcpu = timed(lambda h=h: smallest_window("k0", h.ops))
        bad.append({"operations": n + 1, "ok": v.ok, "verdict_cpu_s": cpu, "verdict_wall_s": wall,
                    "window_ops": len(w.ops) if w else None, "window_cpu_s": wcpu,
                    "window_wall_s": wwall})
    print(json.dumps({"linearizable": rows, "violation": bad}, indent=2))


if __name__ == "__main__":
    main()
