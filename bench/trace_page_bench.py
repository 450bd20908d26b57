"""How long a trace's page takes to draw and to open; prints one JSON object.

A Raft run under a seeded random schedule with every kind of fault (drops, duplicates,
crashes, partitions) is cut to ``--events`` events (500 by default), then:

* ``render``: CPU and wall seconds to turn the trace into the page (``conform trace html``),
  and the page's size;
* ``browser`` (where a headless Chromium is found): milliseconds from the start of the
  navigation to the end of the page's script (``ready``: the chart parsed, the state of the
  opening event shown) and to its first paint after that (``painted``), the median of
  ``--runs`` loads, each in a fresh browser. The browser's own start-up is not counted: it
  is what any page pays.

Run: ``.venv/bin/python bench/trace_page_bench.py`` (``--events 2000`` for a bigger one).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from conformance import protocols  # noqa: E402
from conformance.schedules.chooser import Chooser  # noqa: E402
from conformance.schedules.execution import Execution  # noqa: E402
from conformance.trace import Trace, TraceHeader  # noqa: E402
from conformance.visual import browser  # noqa: E402
from conformance.visual.trace_page import render  # noqa: E402


def raft_trace(events: int, seed: int) -> Trace:
    raft = protocols.get("raft")
    chooser = Chooser(raft.decision_weights, raft.emphasis)
    rng = random.Random(seed)
    ex = Execution(raft, raft.variants[0].settings, check_invariants=False)
    while ex.events < events and ex.divergence is None:
        options = chooser.ordered(ex.sim, ex.sim.enabled())
        ex.apply(rng.choices([d for d, _ in options], [w for _, w in options])[0])
    steps = ex.steps[:events + 1]
    decisions = ex.schedule()
    return Trace(TraceHeader(spec="Raft", protocol="raft", variables=list(steps[0].state),
                             schedule=decisions, origin={"tool": "bench", "seed": seed}),
                 steps)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=500)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    trace = raft_trace(args.events, args.seed)
    actions = [s.action for s in trace.steps]
    cpu, wall = time.process_time(), time.perf_counter()
    page = render(trace, "bench.ndjson")
    out: dict = {
        "events": len(trace.steps) - 1,
        "faults": {a: actions.count(a) for a in ("DropMessage", "DuplicateMessage", "Restart")},
        "render": {"cpu_seconds": round(time.process_time() - cpu, 3),
                   "wall_seconds": round(time.perf_counter() - wall, 3),
                   "bytes": len(page.encode("utf-8"))},
    }
    exe = browser.find_browser()
    if exe is None:
        out["browser"] = None
    else:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "page.html"
            path.write_text(page, encoding="utf-8")
            ready, painted = [], []
            for _ in range(args.runs):
                dom = browser.load(path)
                body = re.search(r"<body[^>]*>", dom)
                attrs = dict(re.findall(r'data-(ready|painted)="(\d+)"', body.group(0))) \
                    if body else {}
                if "ready" in attrs:
                    ready.append(int(attrs["ready"]))
                if "painted" in attrs:
                    painted.append(int(attrs["painted"]))
        out["browser"] = {"path": exe, "runs": args.runs,
                          "ready_ms": statistics.median(ready) if ready else None,
                          "painted_ms": statistics.median(painted) if painted else None,
                          "ready_ms_all": ready, "painted_ms_all": painted}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
