"""Real-run tracing benchmarks; prints one JSON object.

* ``trace_size``: bytes per event of a node's trace, for runs of growing length, as written
  by the recorder (only what changed) and as the servers wrote before it (the node's whole
  spec state on every line), on the same run: three Raft node cores in one process, random
  deliveries, ticks and writes (``tests/record/cores.py``'s harness, rebuilt here). A trace
  grows linearly when its bytes per event stay flat.
* ``validation``: merge and validation of those traces: events per CPU second, the merge
  and the causal validation apart (the spec's load is not counted).
* ``steady``: tracing's CPU per write of three cores in one process (a leader taking
  writes, every message delivered: no sockets, no disk), off and on interleaved, the least
  of five; what tracing itself costs, which the machine's load cannot inflate as it does
  the cluster's throughput.
* ``cluster``: writes per second of a 3-server cluster of processes on loopback (``conform
  cluster node``), ``--clients`` clients doing puts for ``--seconds``, with tracing off and on,
  for Raft and Multi-Paxos, ``--repeat`` times each, off and on interleaved (a shared
  machine's load drifts: interleaving puts both under the same drift); the servers' CPU
  milliseconds per write beside writes per second (CPU is what tracing adds; throughput
  also moves with everyone else's load), the load average before each run;
  ``tracing_cost_pct`` is the throughput lost to tracing (medians), ``cpu_cost_pct`` the CPU
  per write added. ``growth``: a traced run's bytes per event in each tenth of its events,
  file order (flat when a trace grows linearly with its events). Then the merge and
  validation of the last traced run's files.
* ``run_length`` (``--lengths 1000,4000,16000``, instead of the rest): one traced cluster
  run per protocol, merged and validated cut to its first N events, for each N: events per
  CPU second of the merge and of the validation against the run's length (linear when
  they stay flat).

Timings on a shared machine are noisy: CPU seconds are given beside wall seconds.
Run: ``.venv/bin/python bench/realruns_bench.py`` (``--quick`` for short runs).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from conformance.trace import Step  # noqa: E402
from conformance.trace.files import step_to_json  # noqa: E402
from impl.raft.boot import start_node  # noqa: E402
from impl.raft.client import Client  # noqa: E402
from impl.raft.cluster_config import ClusterConfig  # noqa: E402
from impl.raft.core import DrawTimeout, Options, Propose, Receive, Tick  # noqa: E402
from impl.raft.recording import NodeTrace  # noqa: E402
from impl.sim.storage import SimDisk  # noqa: E402

IDS = ["s1", "s2", "s3"]


# --------------------------------------------------------------------------- in process


class _Both(NodeTrace):
    """The recorder's trace, and beside it the size of the old whole-state line."""

    old_bytes = 0

    def __call__(self, node, action, params) -> None:
        super().__call__(node, action, params)
        line = step_to_json(Step(1, action, self.absn.local(node), self.absn.params(params),
                                 node=node.id))
        _Both.old_bytes += len(json.dumps(line, separators=(",", ":"))) + 1


def _cores_run(out: Path, steps: int, seed: int = 1) -> int:
    """Three cores, random schedule; returns the events recorded."""
    opts = Options(election_ticks=5, heartbeat_ticks=2)
    rng = random.Random(seed)
    disks = {i: SimDisk() for i in IDS}
    nodes, wals, traces = {}, {}, {}
    for i in IDS:
        tr = _Both(out / f"{i}.ndjson", i, IDS, IDS, opts)
        n, w, _ = start_node(i, IDS, disks[i].open("wal"), opts, tr)
        tr.start(n)
        nodes[i], wals[i], traces[i] = n, w, tr
    flight: list = []
    events = 0

    def run(i, inp) -> None:
        r = nodes[i].step(inp)
        if r.must_persist:
            wals[i].save(r.hard_state, r.log_writes)
        traces[i].durable()
        flight.extend(r.messages)
        if r.need_draw:
            nodes[i].step(DrawTimeout(rng.randrange(5)))

    for step in range(steps):
        x = rng.random()
        if flight and x < 0.6:
            m = flight.pop(rng.randrange(len(flight)))
            run(m.dst, Receive(m))
        elif x < 0.85:
            run(rng.choice(IDS), Tick())
        else:
            leaders = [i for i in IDS if nodes[i].is_leader()]
            if leaders:
                run(leaders[0], Propose(step, f"value-{step}".encode()))
    for t in traces.values():
        t.close()
        events += t.rec._n if t.rec is not None else 0  # type: ignore[union-attr]
    return events


def _validate(folder: Path, engine_cache: dict, budget: float | None = None) -> dict:
    from conformance import protocols
    from conformance.record.merge import merge_files
    from conformance.record.reader import node_files
    from conformance.validate import SpecEngine
    from conformance.validate.causal import CausalValidator

    """Merge and validate; past ``budget`` CPU seconds of validation, stop and report the
    rate over the events validated so far (``conforms`` is then None)."""
    t0, w0 = time.process_time(), time.perf_counter()
    m = merge_files(node_files([folder]))
    merge_cpu = time.process_time() - t0
    p = protocols.get(m.protocol or "")
    key = (p.name, repr(sorted(m.constants.items(), key=lambda kv: kv[0])))
    engine = engine_cache.get(key)
    if engine is None:
        engine = engine_cache[key] = SpecEngine(p.spec, m.constants, p.invariants,
                                                p.properties)
    seen = [0]

    def progress(p) -> None:
        seen[0] = p.validated
        if budget is not None and p.seconds > budget:
            raise _OverBudget

    t1 = time.process_time()
    try:
        r = CausalValidator(engine, m, max_states=10 * m.events + 1000,
                            progress=progress).run(m.initial)
        validated, conforms, states = m.events, r.conforms, r.states
    except _OverBudget:
        validated, conforms, states = seen[0], None, None
    validate_cpu = time.process_time() - t1
    return {"events": m.events, "validated": validated, "conforms": conforms,
            "states": states, "load_cpu_s": round(t1 - t0 - merge_cpu, 3),
            "merge_cpu_s": round(merge_cpu, 3), "validate_cpu_s": round(validate_cpu, 3),
            "wall_s": round(time.perf_counter() - w0, 3),
            "merge_events_per_cpu_s": round(m.events / max(merge_cpu, 1e-9)),
            "validate_events_per_cpu_s": round(validated / max(validate_cpu, 1e-9)),
            "events_per_cpu_s": round(m.events / max(merge_cpu + validate_cpu, 1e-9))
            if validated == m.events else None}


class _OverBudget(Exception):
    """Validation ran past its CPU budget: the rate is of the events it got through."""


def in_process(sizes: list[int]) -> tuple[list[dict], list[dict]]:
    sizes_out, validation = [], []
    engines: dict = {}
    for steps in sizes:
        with tempfile.TemporaryDirectory() as d:
            _Both.old_bytes = 0
            events = _cores_run(Path(d), steps)
            new = sum(f.stat().st_size for f in Path(d).glob("*.ndjson"))
            sizes_out.append({"schedule_steps": steps, "events": events,
                              "bytes_per_event": round(new / events, 1),
                              "old_format_bytes_per_event": round(_Both.old_bytes / events, 1),
                              "total_bytes": new, "old_format_total_bytes": _Both.old_bytes})
            validation.append(_validate(Path(d), engines))
    return sizes_out, validation


# --------------------------------------------------------------------------- steady state


def _steady(protocol: str, writes: int, out: Path | None) -> float:
    """CPU seconds per write of three cores in one process, a leader taking writes four
    at a time (one batch, its trace flushed after the four as a server's is), every
    message delivered in order (no network, no disk): what the protocol and, with ``out``,
    its tracing cost, without the noise of sockets and scheduling."""
    from collections import deque

    if protocol == "multipaxos":
        from impl.paxos.multi import core as pc
        from impl.paxos.multi.recording import NodeTrace as PaxosTrace

        P: Any = pc
        nodes: dict[str, Any] = {}
        for i in IDS:
            tr = PaxosTrace(out / f"{i}.ndjson", i, IDS, buffered=True) if out else None
            nodes[i] = pc.Node(i, IDS, pc.Options(), None, tr)
            if tr is not None:
                tr.start(nodes[i])
        save = None
    else:
        import impl.raft.core as P  # noqa: N812

        opts = Options()
        nodes, wals = {}, {}
        for i in IDS:
            rtr = NodeTrace(out / f"{i}.ndjson", i, IDS, IDS, opts, buffered=True) \
                if out else None
            nodes[i], wals[i], _ = start_node(i, IDS, SimDisk().open("wal"), opts, rtr)
            if rtr is not None:
                rtr.start(nodes[i])

        def save(i, r) -> None:
            if r.must_persist:
                wals[i].save(r.hard_state, r.log_writes)

    flight: deque = deque()

    def run(i: str, *inputs) -> None:
        """One batch of the node (its inputs, then its trace flushed, as a server does),
        then every message delivered, each a batch of its own."""
        for inp in inputs:
            r = nodes[i].step(inp)
            if save is not None:
                save(i, r)
            flight.extend(r.messages)
        if out:
            nodes[i].tracer.flush()  # type: ignore[union-attr]
        while flight:
            m = flight.popleft()
            r = nodes[m.dst].step(P.Receive(m))
            if save is not None:
                save(m.dst, r)
            if out:
                nodes[m.dst].tracer.flush()  # type: ignore[union-attr]
            flight.extend(r.messages)

    run("s1", P.FireTimeout())
    for _ in range(5):
        run("s1", P.Tick())
    assert nodes["s1"].is_leader()
    t0 = time.process_time()
    for k in range(writes // 4):
        run("s1", *(P.Propose(4 * k + j, f"put w{k}-{j} {'x' * 16}".encode())
                    for j in range(4)))
        if k % 3 == 0:
            run("s1", P.Tick())
    cpu = time.process_time() - t0
    for n in nodes.values():
        if out:
            n.tracer.close()  # type: ignore[union-attr]
    return cpu / (writes // 4 * 4)


def steady(writes: int, repeat: int) -> dict:
    """Tracing's CPU per write in one process, off and on interleaved ``repeat`` times
    (the least of each: the machine's noise only ever adds), with the trace's bytes per
    write."""
    out: dict = {}
    for protocol in ("raft", "multipaxos"):
        off, on, size = [], [], 0
        for _ in range(repeat):
            off.append(_steady(protocol, writes, None))
            with tempfile.TemporaryDirectory() as d:
                on.append(_steady(protocol, writes, Path(d)))
                size = sum(f.stat().st_size for f in Path(d).glob("*.ndjson"))
        out[protocol] = {"writes": writes, "repeat": repeat,
                         "cpu_ms_per_write_off": round(1000 * min(off), 4),
                         "cpu_ms_per_write_on": round(1000 * min(on), 4),
                         "tracing_cpu_ms_per_write": round(1000 * (min(on) - min(off)), 4),
                         "trace_bytes_per_write": round(size / writes, 1)}
    return out


# --------------------------------------------------------------------------- processes


async def _load(cfg: ClusterConfig, clients: int, seconds: float) -> dict:
    async with Client(cfg, timeout=30) as probe:
        await probe.put("warmup", "x")
    done = 0
    end = time.monotonic() + seconds

    async def worker(w: int) -> None:
        nonlocal done
        async with Client(cfg, timeout=30) as c:
            i = 0
            while time.monotonic() < end:
                await c.put(f"w{w}-{i}", "x" * 16)
                done += 1
                i += 1

    t0 = time.monotonic()
    await asyncio.gather(*(worker(w) for w in range(clients)))
    return {"writes": done, "writes_per_s": round(done / (time.monotonic() - t0), 1)}


def cluster(protocol: str, traced: bool, clients: int, seconds: float,
            budget: float | None = None, validate: bool = True,
            trace_dir: str | None = None, keep: Path | None = None) -> dict:
    load = round(os.getloadavg()[0], 2)
    with tempfile.TemporaryDirectory() as d, tempfile.TemporaryDirectory(dir=trace_dir) as t:
        root = Path(d)
        troot = Path(t)
        cfg = ClusterConfig.on_free_ports(3)
        cfile = root / "cluster.json"
        cfg.dump(cfile)
        procs = []
        cpu0 = os.times()
        for sid in cfg.servers:
            cmd = [sys.executable, "-m", "conformance", "cluster", "node", "--id", sid,
                   "--cluster", str(cfile), "--data", str(root / sid), "--tick", "0.01",
                   f"--protocol={protocol}"]
            if traced:
                cmd += ["--trace", str(troot / f"{sid}.trace.ndjson")]
            procs.append(subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL))
        try:
            out = asyncio.run(_load(cfg, clients, seconds))
        finally:
            for p in procs:
                p.send_signal(signal.SIGTERM)
            for p in procs:
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
        cpu1 = os.times()
        out["servers_cpu_s"] = round((cpu1.children_user + cpu1.children_system)
                                     - (cpu0.children_user + cpu0.children_system), 2)
        out["server_cpu_ms_per_write"] = round(1000 * out["servers_cpu_s"]
                                               / max(out["writes"], 1), 3)
        out["load_avg_1m"] = load
        if traced:
            files = sorted(troot.glob("*.trace.ndjson"))
            size = sum(f.stat().st_size for f in files)
            out["trace_bytes"] = size
            events = sum(_events(f) for f in files)
            out["trace_events"] = events
            out["trace_bytes_per_event"] = round(size / max(events, 1), 1)
            out["trace_events_per_write"] = round(events / max(out["writes"], 1), 2)
            out["receives_per_synced_batch"] = _receives_per_batch(files)
            out["growth"] = _growth(files)
            if validate:
                out["validation"] = _validate(troot, {}, budget)
            if keep is not None:
                for f in files:
                    shutil.copy(f, keep / f.name)
        return out


def _events(path: Path) -> int:
    return sum(1 for line in path.open("rb") if line.startswith(b'{"n"'))


def _receives_per_batch(files: list[Path]) -> float:
    """How many receive lines a server writes between two durable marks (one mark per
    batch that wrote to its WAL), over the nodes: how many lines a format joining a
    batch's receives into one would spare."""
    receives = batches = 0
    for f in files:
        for line in f.open("rb"):
            if line.startswith(b'{"durable"'):
                batches += 1
            elif line.startswith(b'{"n"') and b'"recv":' in line:
                receives += 1
    return round(receives / max(batches, 1), 2)


def _growth(files: list[Path], parts: int = 10) -> list[float]:
    """Bytes per event in each tenth of each file's events (summed over the nodes): a trace
    that grows linearly keeps this flat from the first tenth to the last."""
    size = [0] * parts
    count = [0] * parts
    for f in files:
        lines = [line for line in f.open("rb") if line.startswith(b'{"n"')]
        for k, line in enumerate(lines):
            part = k * parts // len(lines)
            size[part] += len(line)
            count[part] += 1
    return [round(s / c, 1) if c else 0.0 for s, c in zip(size, count, strict=True)]


def _median(xs: list[float]) -> float:
    ys = sorted(xs)
    n = len(ys)
    return ys[n // 2] if n % 2 else (ys[n // 2 - 1] + ys[n // 2]) / 2


def compare(protocol: str, clients: int, seconds: float, repeat: int,
            budget: float | None, trace_dir: str | None = None) -> dict:
    """Tracing off and on, ``repeat`` times each, interleaved; the last traced run's
    files are merged and validated."""
    off: list[dict] = []
    on: list[dict] = []
    for r in range(repeat):
        off.append(cluster(protocol, False, clients, seconds))
        on.append(cluster(protocol, True, clients, seconds, budget, validate=r == repeat - 1,
                          trace_dir=trace_dir))
    wps_off = _median([x["writes_per_s"] for x in off])
    wps_on = _median([x["writes_per_s"] for x in on])
    cpu_off = _median([x["server_cpu_ms_per_write"] for x in off])
    cpu_on = _median([x["server_cpu_ms_per_write"] for x in on])
    lines = _median([x["trace_events_per_write"] for x in on])
    return {"clients": clients, "seconds": seconds, "repeat": repeat,
            "writes_per_s_off": wps_off, "writes_per_s_on": wps_on,
            "server_cpu_ms_per_write_off": cpu_off, "server_cpu_ms_per_write_on": cpu_on,
            "trace_events_per_write": lines,
            "tracing_cost_pct": round(100 * (1 - wps_on / wps_off), 1) if wps_off else None,
            "cpu_cost_pct": round(100 * (cpu_on / cpu_off - 1), 1) if cpu_off else None,
            "tracing_off": off, "tracing_on": on}


# --------------------------------------------------------------------------- run length


def _prefix(src: Path, dst: Path, events: int) -> None:
    """The run's first ``events`` events by the recorders' clock (one machine's), every
    node's file cut there: what the nodes had written had the run stopped then."""
    files = sorted(src.glob("*.trace.ndjson"))
    ts = sorted(json.loads(line)["t"] for f in files for line in f.open("rb")
                if line.startswith(b'{"n"'))
    last = ts[min(events, len(ts)) - 1]
    for f in files:
        with (dst / f.name).open("wb") as out:
            for line in f.open("rb"):
                t = json.loads(line).get("t")
                if type(t) is int and t > last:
                    break
                out.write(line)


def lengths(protocol: str, clients: int, seconds: float, sizes: list[int]) -> dict:
    """Merge and validation of one traced cluster run cut to its first 1,000, 4,000,
    16,000 ... events: events per CPU second at each length (flat when the cost is linear
    in the run's length)."""
    with tempfile.TemporaryDirectory() as d:
        whole = Path(d) / "run"
        whole.mkdir()
        run = cluster(protocol, True, clients, seconds, validate=False, keep=whole)
        out: dict = {"clients": clients, "seconds": seconds, "run_events": run["trace_events"],
                     "lengths": []}
        engines: dict = {}
        for n in sizes:
            if n > run["trace_events"]:
                continue
            cut = Path(d) / f"first-{n}"
            cut.mkdir()
            _prefix(whole, cut, n)
            out["lengths"].append(_validate(cut, engines))
        return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="short runs")
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--validate-budget", type=float, default=None, metavar="CPU_S",
                    help="stop validating a cluster run's traces after this many CPU seconds "
                         "and report the rate so far (default: 60 with --quick, else none)")
    ap.add_argument("--repeat", type=int, default=3,
                    help="cluster runs with tracing off and on, each (interleaved)")
    ap.add_argument("--protocols", default="raft,multipaxos")
    ap.add_argument("--cluster-only", action="store_true",
                    help="only the cluster runs (not the in-process trace sizes)")
    ap.add_argument("--lengths", default=None, metavar="N,N,...",
                    help="instead: one traced cluster run per protocol, its merge and "
                         "validation cut to these numbers of events (e.g. 1000,4000,16000)")
    ap.add_argument("--trace-dir", default=None, metavar="DIR",
                    help="write the traced runs' traces under DIR (a tmpfs, to tell what "
                         "the disk adds: a server's fsync also flushes its trace's pages)")
    args = ap.parse_args()
    seconds = 1.5 if args.quick else args.seconds
    repeat = 1 if args.quick else args.repeat
    budget = args.validate_budget if args.validate_budget is not None else \
        (60.0 if args.quick else None)
    sizes = [500, 1000, 2000] if args.quick else [1000, 2000, 4000, 8000]
    out: dict = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}}
    if args.lengths:
        sizes = [int(x) for x in args.lengths.split(",")]
        out["run_length"] = {p: lengths(p, args.clients, seconds, sizes)
                             for p in args.protocols.split(",")}
        print(json.dumps(out, indent=2))
        return
    if not args.cluster_only:
        out["trace_size"], out["validation"] = in_process(sizes)
        out["steady"] = steady(1000 if args.quick else 4000, 1 if args.quick else 5)
    out["cluster"] = {p: compare(p, args.clients, seconds, repeat, budget, args.trace_dir)
                      for p in args.protocols.split(",")}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
