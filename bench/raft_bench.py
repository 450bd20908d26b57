"""Raft benchmarks; prints one JSON object.

* ``simulated``: commit latency in network round trips, counted in the deterministic
  simulator by delivering messages in waves (a wave is one one-way hop for every message in
  flight). The client's own hop to the leader and back adds one round trip.
* ``core``: bare node-core steps per second (three cores wired by a queue): with the trace
  call sites cut out of the source (the baseline), as shipped with tracing off, with a tracer
  that does nothing, and with each node's own spec view after every action.
  ``tracing_off_cost_pct`` is what instrumentation costs when tracing is off.
* ``simulator``: simulator decisions per second replaying one schedule with tracing off,
  with a no-op tracer, and with full tracing (the abstraction of the whole cluster, every
  message in flight included, after every event).
* ``loopback``: 3 server processes on 127.0.0.1, ``--clients`` concurrent clients doing puts
  for ``--seconds``: throughput and p50/p99 latency, with fsync on and off, and the CPU
  seconds the servers and the clients used (``ops_per_server_cpu_s`` is the figure that
  holds on a busy machine).
* ``pysyncobj``: the same put workload on PySyncObj (if installed) on the same machine, and
  our throughput as a ratio of its. PySyncObj never fsyncs its journal, and its load is
  generated inside the leader's process (no client hop), so the fair comparison is with our
  sync-off figure; both ratios are printed.

Run: ``.venv/bin/python bench/raft_bench.py`` (``--quick`` for a short run).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from impl.raft.client import Client  # noqa: E402
from impl.raft.cluster_config import ClusterConfig  # noqa: E402
from impl.raft.simulation import make  # noqa: E402
from impl.sim.world import Decision  # noqa: E402

# --------------------------------------------------------------------------- simulated


def _wave(sim) -> int:
    ids = [e.id for e in sim.network.in_flight()
           if sim.up[e.dst] and sim.network.connected(e.src, e.dst)]
    for i in ids:
        sim.apply(Decision("deliver", None, i))
    return len(ids)


def simulated_latency(n: int) -> dict:
    sim = make(n, trace=False, pre_vote=True)
    sim.apply(Decision("timeout", "s1"))
    while _wave(sim):
        pass
    leader = sim.nodes["s1"]
    assert leader.is_leader()
    out = {}
    sim.apply(Decision("submit", "s1", "v1"))
    index = leader.log.last_index
    waves = 0
    while leader.commit < index:
        _wave(sim)
        waves += 1
    out["leader_commits_after_rtt"] = waves / 2
    out["client_write_rtt"] = waves / 2 + 1
    while _wave(sim):
        pass
    sim.apply(Decision("read", "s1"))
    waves = 0
    while sim.ops[-1].reply is None:
        _wave(sim)
        waves += 1
    out["client_read_rtt"] = waves / 2 + 1
    # an election with pre-vote: pre-vote round, vote round
    sim2 = make(n, trace=False, pre_vote=True)
    sim2.apply(Decision("timeout", "s1"))
    waves = 0
    while not sim2.nodes["s1"].is_leader():
        _wave(sim2)
        waves += 1
    out["election_rtt"] = waves / 2
    return out


def core_speed(steps: int) -> dict:
    """Replay one recorded schedule (deliveries, ticks, writes, reads) three ways."""
    rec = make(3, trace=False, seed=1)
    rng = random.Random(1)
    rec.apply(Decision("timeout", "s1"))
    while len(rec.history) < steps:
        enabled = [d for d in rec.enabled() if d.kind in ("deliver", "tick", "submit", "read")]
        rec.apply(rng.choice(enabled))
    schedule = list(rec.history)
    out: dict = {"decisions": len(schedule)}
    best: dict[str, float] = {}
    for _ in range(5):
        for label, trace, hook in (("tracing_off", False, False),
                                   ("noop_tracer", False, True),
                                   ("full_tracing", True, False)):
            sim = make(3, trace=trace, seed=1)
            if hook:
                for node in sim.nodes.values():
                    node.tracer = lambda *_: None
            t0 = time.perf_counter()
            for d in schedule:
                sim.apply(d)
            rate = len(schedule) / (time.perf_counter() - t0)
            best[label] = max(best.get(label, 0.0), rate)
    for label, rate in best.items():
        out[f"{label}_decisions_per_s"] = round(rate)
    out["noop_hook_cost_pct"] = round(100 * (best["tracing_off"] / best["noop_tracer"] - 1), 1)
    return out


def _uninstrumented_core():
    """impl/raft/core.py with every trace call site cut out: the baseline that tells what
    the instrumentation costs when tracing is off."""
    import re
    import types

    src = (ROOT / "impl" / "raft" / "core.py").read_text()
    stripped, n = re.subn(r"\n([ ]*)if self\.tracer is not None:\n[ ]*self\."
                          r"(_emit\([^\n]*\)|_input_done\(\))",
                          r"\n\1pass", src)
    assert n > 10, "the trace call sites were not found"
    module = types.ModuleType("core_uninstrumented")
    module.__dict__["__name__"] = "core_uninstrumented"
    sys.modules["core_uninstrumented"] = module
    exec(compile(stripped, "core_uninstrumented", "exec"), module.__dict__)
    return module


def core_steps(writes: int) -> dict:
    """The bare node cores, three of them, wired by a queue: no simulator, no I/O. Steps
    per second without any instrumentation (the trace call sites cut out of the source),
    as shipped with tracing off, with a tracer that does nothing, and with each node's own
    spec view computed after every action (what a real node's trace costs)."""
    from collections import deque

    from impl.raft import core
    from impl.raft.abstraction import Abstraction

    bare = _uninstrumented_core()
    absn = Abstraction(["a", "b", "c"], lambda e: e.data.decode())
    variants = {"uninstrumented": (bare, None), "tracing_off": (core, None),
                "noop_tracer": (core, lambda *_: None),
                "local_view_tracer": (core, lambda node, action, params: absn.local(node))}
    best: dict[str, float] = {}
    gc.disable()
    for _ in range(7):
        for label, (mod, tracer) in variants.items():
            nodes = {n: mod.Node(n, "abc", mod.Options(pre_vote=False), tracer=tracer)
                     for n in "abc"}
            queue: deque = deque(nodes["a"].step(mod.FireTimeout()).messages)
            steps = 0
            t0 = time.perf_counter()
            for k in range(writes):
                queue.extend(nodes["a"].step(mod.Propose(k, b"x")).messages)
                steps += 1
                while queue:
                    m = queue.popleft()
                    queue.extend(nodes[m.dst].step(mod.Receive(m)).messages)
                    steps += 1
            best[label] = max(best.get(label, 0.0), steps / (time.perf_counter() - t0))
    gc.enable()
    out = {f"{k}_steps_per_s": round(v) for k, v in best.items()}
    out["tracing_off_cost_pct"] = round(
        100 * (best["uninstrumented"] / best["tracing_off"] - 1), 1)
    return out


# --------------------------------------------------------------------------- loopback


def _summary(latencies: list[float], ops: int, seconds: float) -> dict:
    lat = sorted(latencies)
    if not lat:
        return {"ops": 0}
    return {"ops": ops, "throughput_ops_per_s": round(ops / seconds, 1),
            "p50_ms": round(1000 * lat[len(lat) // 2], 2),
            "p99_ms": round(1000 * lat[min(len(lat) - 1, int(len(lat) * 0.99))], 2),
            "mean_ms": round(1000 * statistics.fmean(lat), 2)}


def _cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time the server processes have used so far (Linux /proc; 0
    elsewhere): throughput per CPU second holds on a shared machine where wall time does not."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            return 0.0
        total += int(fields[11]) + int(fields[12])  # utime, stime (in clock ticks)
    return total / os.sysconf("SC_CLK_TCK")


async def _load(cfg: ClusterConfig, clients: int, seconds: float, pids: list[int]) -> dict:
    async with Client(cfg, timeout=30) as probe:
        await probe.put("warmup", "x")
    latencies: list[float] = []
    end = time.monotonic() + seconds

    async def worker(w: int) -> None:
        async with Client(cfg, timeout=30) as c:
            i = 0
            while time.monotonic() < end:
                t = time.monotonic()
                await c.put(f"w{w}-{i}", "x" * 16)
                latencies.append(time.monotonic() - t)
                i += 1

    t0, cpu0, own0 = time.monotonic(), _cpu_seconds(pids), time.process_time()
    await asyncio.gather(*(worker(w) for w in range(clients)))
    out = _summary(latencies, len(latencies), time.monotonic() - t0)
    out["servers_cpu_s"] = round(_cpu_seconds(pids) - cpu0, 2)
    out["clients_cpu_s"] = round(time.process_time() - own0, 2)
    if out["servers_cpu_s"]:
        out["ops_per_server_cpu_s"] = round(len(latencies) / out["servers_cpu_s"], 1)
    return out


def loopback(sync: bool, clients: int, seconds: float) -> dict:
    with tempfile.TemporaryDirectory() as d:
        cfg = ClusterConfig.on_free_ports(3)
        cfile = Path(d, "cluster.json")
        cfg.dump(cfile)
        procs = []
        for sid in cfg.servers:
            cmd = [sys.executable, "-m", "conformance", "cluster", "node", "--id", sid,
                   "--cluster", str(cfile), "--data", str(Path(d, sid)), "--tick", "0.01"]
            if not sync:
                cmd.append("--no-sync")
            procs.append(subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL))
        try:
            return asyncio.run(_load(cfg, clients, seconds, [p.pid for p in procs]))
        finally:
            for p in procs:
                p.send_signal(signal.SIGTERM)
            for p in procs:
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()


def pysyncobj(clients: int, seconds: float, period: float | None = None) -> dict:
    try:
        import pysyncobj  # noqa: F401
    except ImportError:
        return {"skipped": "pysyncobj is not installed (pip install pysyncobj into .venv)"}
    with tempfile.TemporaryDirectory() as d:
        addrs = [ClusterConfig.on_free_ports(3).address(s) for s in ("s1", "s2", "s3")]
        stop = Path(d, "stop")
        procs = []
        for k, a in enumerate(addrs):
            others = ",".join(x for x in addrs if x != a)
            procs.append(subprocess.Popen(
                [sys.executable, str(Path(__file__).with_name("_pysyncobj_node.py")), a,
                 others, str(Path(d, f"journal{k}")), str(stop), str(seconds), str(clients),
                 *([str(period)] if period else [])],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True))
        deadline = time.monotonic() + seconds + 40
        while time.monotonic() < deadline and not stop.exists():
            time.sleep(0.1)
        stop.touch()  # the leader touches it when it has reported; else give up now
        lines = []
        for p in procs:
            try:
                out, _ = p.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                out, _ = p.communicate()
            lines += [line for line in (out or "").splitlines() if line.startswith("{")]
        if not lines:
            return {"skipped": "no PySyncObj node became leader and reported"}
        data = json.loads(lines[0])
        return _summary(data["latencies"], data["ops"], data["seconds"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--quick", action="store_true", help="short runs")
    args = ap.parse_args()
    seconds = 1.5 if args.quick else args.seconds
    out: dict = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
                 "simulated": {f"{n}_servers": simulated_latency(n) for n in (3, 5)},
                 "core": core_steps(300 if args.quick else 1000),
                 "simulator": core_speed(1000 if args.quick else 3000)}
    lb = {"clients": args.clients, "seconds": seconds,
          "sync_on": loopback(True, args.clients, seconds),
          "sync_off": loopback(False, args.clients, seconds)}
    out["loopback_3_servers"] = lb
    ps = {"defaults": pysyncobj(args.clients, seconds),
          "10ms_timers": pysyncobj(args.clients, seconds, period=0.01)}
    out["pysyncobj_3_servers"] = ps
    for variant, res in ps.items():
        theirs = res.get("throughput_ops_per_s")
        for mode in ("sync_on", "sync_off"):
            ours = lb[mode].get("throughput_ops_per_s")
            if ours and theirs:
                out[f"throughput_ratio_ours_{mode}_vs_pysyncobj_{variant}"] = round(
                    ours / theirs, 2)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
