"""Paxos and Multi-Paxos benchmarks; prints one JSON object.

* ``simulated``: Multi-Paxos commit latency in network round trips, counted in the
  deterministic simulator by delivering messages in waves (a wave is one hop for every
  message in flight): a command proposed by a stable leader, and a takeover (phase 1 and the
  re-proposal of an open slot).
* ``simulator``: simulator decisions per second replaying one random schedule, for each
  protocol, with tracing off and with full tracing (the abstraction of the whole cluster
  after every event).
* ``validator``: events per second the embedded validator checks against the spec, for the
  same traces.
* ``loopback``: 3 Multi-Paxos servers in this process on 127.0.0.1, ``--clients`` concurrent
  clients doing puts for ``--seconds``: throughput and p50/p99 latency, fsync on and off.

Run: ``.venv/bin/python bench/paxos_bench.py`` (``--quick`` for a short run).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from conformance import protocols  # noqa: E402
from conformance.schedules.execution import spec_engine  # noqa: E402
from conformance.validate import Validator  # noqa: E402
from impl.paxos.multi.core import Options  # noqa: E402
from impl.paxos.multi.server import PaxosServer  # noqa: E402
from impl.paxos.multi.simulation import make as make_multi  # noqa: E402
from impl.paxos.single.simulation import make as make_single  # noqa: E402
from impl.raft.client import Client  # noqa: E402
from impl.raft.cluster_config import ClusterConfig  # noqa: E402
from impl.sim.world import Decision  # noqa: E402
from tests.paxos.walk import random_walk  # noqa: E402

# --------------------------------------------------------------------------- simulated


def _wave(sim) -> int:
    ids = [e.id for e in sim.network.in_flight()
           if sim.up[e.dst] and sim.network.connected(e.src, e.dst)]
    for i in ids:
        sim.apply(Decision("deliver", None, i))
    return len(ids)


def _waves_until(sim, done) -> int:
    waves = 0
    while not done():
        if not _wave(sim):
            raise RuntimeError("stuck")
        waves += 1
    return waves


def simulated_latency() -> dict:
    sim = make_multi(3, trace=False)
    sim.apply(Decision("timeout", "s1"))
    election = _waves_until(sim, lambda: sim.nodes["s1"].is_leader())
    sim.apply(Decision("submit", "s1", "v1"))
    commit = _waves_until(sim, lambda: sim.applied["s1"])
    _waves_until(sim, lambda: not list(sim.network.in_flight()))
    sim.apply(Decision("submit", "s1", "v2"))  # open at s1 only, then s1 dies
    sim.apply(Decision("crash", "s1", 0))
    sim.apply(Decision("timeout", "s2"))
    takeover = _waves_until(sim, lambda: len(sim.applied["s2"]) >= 1
                            and sim.nodes["s2"].is_leader())
    return {"election_hops": election, "commit_round_trips_at_leader": commit / 2,
            "takeover_hops_to_execute": takeover}


# --------------------------------------------------------------------------- simulator


def _schedule(name: str, steps: int) -> tuple[list, object]:
    maker = {"paxos": lambda **kw: make_single(3, retry_ticks=3, **kw),
             "multipaxos": lambda **kw: make_multi(3, election_ticks=3, heartbeat_ticks=1,
                                                   **kw)}[name]
    sim = maker()
    events = random_walk(sim, random.Random(1), steps)
    return sim.schedule_json(), maker, events


def simulator_speed(steps: int) -> dict:
    out = {}
    for name in ("paxos", "multipaxos"):
        schedule, maker, events = _schedule(name, steps)
        row = {"decisions": len(schedule), "events": len(events) - 1}
        for label, trace in (("tracing_off", False), ("tracing_on", True)):
            sim = maker(trace=trace)
            t = time.perf_counter()
            sim.run(schedule)
            row[f"{label}_decisions_per_s"] = round(len(schedule) / (time.perf_counter() - t))
        out[name] = row
    return out


def validator_speed(steps: int) -> dict:
    out = {}
    for name in ("paxos", "multipaxos"):
        _, _, events = _schedule(name, steps)
        proto = protocols.get(name)
        v = Validator(spec_engine(proto, proto.variants[0].settings))
        t = time.perf_counter()
        div = v.validate(events)
        dt = time.perf_counter() - t
        out[name] = {"events": len(events) - 1, "conforms": div is None,
                     "events_per_s": round((len(events) - 1) / dt)}
    return out


# --------------------------------------------------------------------------- loopback


async def _loopback(sync: bool, clients: int, seconds: float) -> dict:
    cfg = ClusterConfig.on_free_ports(3)
    ids = cfg.initial
    root = Path(tempfile.mkdtemp(prefix="paxos-bench-"))
    servers = [PaxosServer(s, cfg, root / s, Options(election_ticks=20, heartbeat_ticks=3),
                           sync=sync, seed=n) for n, s in enumerate(ids)]
    for s in servers:
        await s.start()
    latencies: list[float] = []
    try:
        async with Client(cfg, timeout=10) as warm:
            await warm.put("warm", "up")
        stop = time.monotonic() + seconds

        async def worker(n: int) -> None:
            async with Client(cfg, timeout=10) as c:
                k = 0
                while time.monotonic() < stop:
                    t = time.perf_counter()
                    await c.put(f"c{n}-{k}", "x" * 16)
                    latencies.append(time.perf_counter() - t)
                    k += 1

        t0 = time.monotonic()
        await asyncio.gather(*(worker(n) for n in range(clients)))
        elapsed = time.monotonic() - t0
    finally:
        for s in servers:
            await s.stop()
    lat = sorted(latencies)
    return {"fsync": sync, "clients": clients, "puts": len(lat),
            "puts_per_s": round(len(lat) / elapsed),
            "p50_ms": round(statistics.median(lat) * 1000, 2),
            "p99_ms": round(lat[int(len(lat) * 0.99) - 1] * 1000, 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=5.0)
    args = ap.parse_args()
    steps = 300 if args.quick else 2000
    seconds = 1.5 if args.quick else args.seconds
    out = {
        "simulated": simulated_latency(),
        "simulator": simulator_speed(steps),
        "validator": validator_speed(steps),
        "loopback": [asyncio.run(_loopback(sync, args.clients, seconds))
                     for sync in (True, False)],
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
