"""One PySyncObj node for raft_bench.py (run as a separate process; not part of conform).

Every node replicates a dict. An optional seventh argument sets PySyncObj's append-entries
and tick periods (its defaults are 0.1 s and 0.05 s). The node that becomes leader generates
the load itself: it keeps ``concurrency`` puts outstanding for ``duration`` seconds and
prints one JSON line with the latencies; the others wait until the stop file appears.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

from pysyncobj import SyncObj, SyncObjConf, replicated


class ReplKV(SyncObj):
    def __init__(self, me: str, partners: list[str], conf: SyncObjConf) -> None:
        super().__init__(me, partners, conf)
        self.data: dict[str, str] = {}

    @replicated
    def put(self, key: str, value: str) -> None:
        self.data[key] = value


def main() -> None:
    me, partners, journal, stop_file = sys.argv[1], sys.argv[2].split(","), sys.argv[3], \
        Path(sys.argv[4])
    duration, concurrency = float(sys.argv[5]), int(sys.argv[6])
    period = float(sys.argv[7]) if len(sys.argv) > 7 else None
    conf = SyncObjConf(journalFile=journal, dynamicMembershipChange=False)
    if period is not None:  # the timers our servers use (a 10 ms tick)
        conf.appendEntriesPeriod = period
        conf.autoTickPeriod = period
    node = ReplKV(me, partners, conf)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (not node._isReady() or node._getLeader() is None):
        time.sleep(0.01)
    if node._getLeader() is None or str(node._getLeader()) != me:
        while not stop_file.exists() and time.monotonic() < deadline + 120:
            time.sleep(0.05)
        node.destroy()
        return
    latencies: list[float] = []
    lock = threading.Lock()
    end = time.monotonic() + duration
    counter = iter(range(1 << 62))

    def issue() -> None:
        i = next(counter)
        start = time.monotonic()

        def done(result, error) -> None:
            with lock:
                latencies.append(time.monotonic() - start)
            if time.monotonic() < end:
                issue()

        node.put(f"k{i}", f"v{i}", callback=done)

    t0 = time.monotonic()
    for _ in range(concurrency):
        issue()
    while time.monotonic() < end:
        time.sleep(0.05)
    time.sleep(0.5)
    with lock:
        lat = sorted(latencies)
    print(json.dumps({"ops": len(lat), "seconds": end - t0, "latencies": lat}), flush=True)
    stop_file.touch()
    node.destroy()


if __name__ == "__main__":
    main()
