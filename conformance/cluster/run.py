"""One cluster test, from the first process started to the last verdict.

1. Start the nodes (``conform cluster node``, with test faults on) on free loopback ports
   and wait until each answers as itself; a node that cannot bind its port, or refuses its
   data, ends the test here with its own error message.
2. Wait for a first write to succeed, outside the history.
3. For ``seconds``: the clients (:mod:`.workload`) and the nemesis (:mod:`.nemesis`) run
   together; a monitor notes any node that exits on its own.
4. Heal everything, let the clients' last operations finish, read every key once more.
5. Stop the nodes cleanly and count the tracebacks in their logs (a clean stop prints none).
6. Check what the clients saw: linearizable per key (with the smallest non-linearizable
   window of each key that is not), no acknowledged write lost; and the nodes' traces
   against the spec. Write ``history.ndjson``, ``results.json`` and ``timeline.html``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from conformance.cluster.lifetime import ending_with_this_process
from conformance.cluster.nemesis import Nemesis
from conformance.cluster.nodes import Cluster, NodeOptions
from conformance.cluster.workload import Recorder, client_loop, final_reads
from conformance.errors import UserError
from conformance.history import timeline
from conformance.history.durability import Durability, check_durability
from conformance.history.figures import Figures, figures
from conformance.history.linearizable import Verdict, check_history
from conformance.history.ops import Fault, History
from conformance.history.window import Window, smallest_window
from impl.raft.client import Client

OWNED = ("cluster.json", "history.ndjson", "results.json", "timeline.html", "traces")


@dataclass
class Settings:
    server: NodeOptions = field(default_factory=NodeOptions)
    nodes: int = 3
    seconds: float = 30.0
    clients: int = 8
    nemesis: list[str] = field(default_factory=lambda: ["kill", "pause", "restart-all"])
    seed: int = 0
    keys: int = 3
    op_timeout: float = 5.0
    out: Path = Path("conform-cluster-test")
    base_port: int | None = None
    check_seconds: float = 120.0  # the linearizability search's CPU time per key, at most
    check_traces: bool = False  # validate the nodes' traces (slow: see _check_traces)
    trace_seconds: float = 600.0  # the trace validation's time, at most

    @property
    def protocol(self) -> str:
        return self.server.protocol

    @property
    def bugs(self) -> list[str]:
        return self.server.bugs

    def to_json(self) -> dict:
        d = {k: v for k, v in self.__dict__.items() if k not in ("out", "server")}
        d["protocol"] = self.protocol
        d["server"] = self.server.differences()
        d["out"] = str(self.out)
        return d


@dataclass
class Snapshot:
    """What the progress line shows."""

    elapsed: float
    seconds: float
    operations: int
    ok: int
    faults: list[Fault]


@dataclass
class TraceCheck:
    ok: bool | None
    detail: str


@dataclass
class Results:
    settings: Settings
    history: History
    linearizable: Verdict
    windows: list[Window]
    durability: Durability
    traces: TraceCheck
    figures: Figures
    node_errors: list[tuple[str, float, str]]  # (node, when, what it said)
    tracebacks: dict[str, int]
    files: dict[str, str]
    check_seconds: float

    @property
    def ok(self) -> bool:
        return (self.linearizable.ok is True and self.durability.ok is True
                and self.traces.ok is not False and not self.node_errors
                and not self.tracebacks)

    def verdicts(self) -> list[tuple[str, bool | None, str]]:
        lin = self.linearizable
        bad = ", ".join(k.key for k in lin.failures)
        out = [
            ("linearizable", lin.ok,
             f"not on {bad}" if bad else f"{len(lin.keys)} keys, "
             f"{sum(k.operations for k in lin.keys):,} operations"),
            ("no lost writes", self.durability.ok, self._durability_detail()),
            ("traces conform", self.traces.ok, self.traces.detail),
            ("nodes healthy", not self.node_errors and not self.tracebacks,
             "; ".join([f"{n} at {t:.1f}s: {m}" for n, t, m in self.node_errors]
                       + [f"{n}: {c} tracebacks in its log"
                          for n, c in self.tracebacks.items()])),
        ]
        return out

    def _durability_detail(self) -> str:
        d = self.durability
        unread = [k.key for k in d.keys if not k.read]
        if d.lost:
            return f"{len(d.lost)} of {d.acknowledged:,} acknowledged writes lost"
        if any(k.phantom for k in d.keys):
            return "a final value no client wrote: " + ", ".join(
                f"{k.key} = {k.final!r}" for k in d.keys if k.phantom)
        if unread:
            return (f"no answer to the final read of {', '.join(unread)} after healing: the "
                    "cluster did not recover")
        return f"{d.acknowledged:,} acknowledged writes"

    def to_json(self) -> dict:
        return {
            "ok": self.ok,
            "settings": self.settings.to_json(),
            "checks": {name: {"ok": ok, "detail": detail}
                       for name, ok, detail in self.verdicts()},
            "linearizable": [
                {"key": k.key, "ok": k.ok, "operations": k.operations,
                 "seconds": round(k.seconds, 3), "configurations": k.configurations,
                 **({"stuck": k.stuck.to_json()} if k.stuck else {})}
                for k in self.linearizable.keys],
            "windows": [{"key": w.key, "start": w.start, "end": w.end,
                         "ops": [op.to_json() for op in w.ops]} for w in self.windows],
            "lost_writes": [{"write": lw.write.to_json(), "final": lw.final,
                             "by": lw.by.to_json() if lw.by else None}
                            for lw in self.durability.lost],
            "figures": self.figures.to_json(),
            "faults": [f.to_json() for f in self.history.faults],
            "node_errors": [{"node": n, "at": t, "error": m} for n, t, m in self.node_errors],
            "tracebacks": self.tracebacks,
            "check_seconds": round(self.check_seconds, 2),
            "files": self.files,
        }


def prepare(out: Path) -> Path:
    """An empty folder for the run; a previous run's files are removed, anything else is
    refused."""
    if out.exists():
        if not out.is_dir():
            raise UserError(f"{out} exists and is not a folder")
        leftovers = [p for p in out.iterdir()
                     if p.name not in OWNED and not _node_file(p.name)]
        if leftovers:
            raise UserError(f"{out} holds files that are not a cluster test's "
                            f"({leftovers[0].name}, ...)", hint="pick another --out")
        shutil.rmtree(out)
    out.mkdir(parents=True)
    return out


def _node_file(name: str) -> bool:
    stem = name.split(".")[0]
    return stem.startswith("s") and stem[1:].isdigit()


def run(s: Settings, progress: Callable[[Snapshot], None] | None = None) -> Results:
    return asyncio.run(_run(s, progress))


async def _run(s: Settings, progress: Callable[[Snapshot], None] | None) -> Results:
    root = prepare(s.out)
    cluster = Cluster(root, s.nodes, s.server, s.base_port)
    keys = [f"k{i}" for i in range(s.keys)]
    crashes: list[tuple[str, float, str]] = []
    try:
        cluster.start()
        await cluster.wait_ready()
        await _first_write(cluster)
        rec = Recorder()
        nemesis = Nemesis(cluster, rec, list(s.nemesis), s.seed)
        stop = asyncio.Event()
        watcher = asyncio.create_task(_watch(cluster, rec, crashes, stop, s, progress,
                                             nemesis))
        await asyncio.gather(nemesis.run(s.seconds),
                             *(client_loop(n, cluster.config, rec, keys, s.seed, s.seconds,
                                           s.op_timeout) for n in range(1, s.clients + 1)))
        await final_reads(cluster.config, rec, keys, timeout=60.0)
        stop.set()
        await watcher
    finally:
        cluster.stop()
    t_check = time.perf_counter()
    history = History(rec.ops, nemesis.faults, {
        "protocol": s.protocol, "nodes": s.nodes, "seconds": s.seconds, "clients": s.clients,
        "nemesis": ",".join(s.nemesis) or "none", "seed": s.seed,
        **{k: (",".join(v) if isinstance(v, list) else v)
           for k, v in s.server.differences().items()}})
    for sid, at, msg in crashes:
        history.faults.append(Fault("crash", [sid], at, None, False, msg))
    lin = check_history(history, time_limit=s.check_seconds)
    by_key = history.by_key()
    windows = [w for k in lin.failures
               if (w := smallest_window(k.key, by_key[k.key])) is not None]
    durability = check_durability(history)
    traces = _check_traces(cluster, s)
    figs = figures(history, s.seconds)
    files = {"history": str(root / "history.ndjson"), "results": str(root / "results.json"),
             "timeline": str(root / "timeline.html"), "logs": str(root)}
    results = Results(s, history, lin, windows, durability, traces, figs, crashes,
                      cluster.tracebacks(), files, time.perf_counter() - t_check)
    history.dump(root / "history.ndjson")
    (root / "results.json").write_text(json.dumps(results.to_json(), indent=2) + "\n")
    timeline.write(root / "timeline.html", history, results.verdicts(), windows,
                   title=f"conform cluster test: {s.protocol}, {s.nodes} nodes, "
                         f"nemesis {','.join(s.nemesis) or 'none'}, seed {s.seed}")
    return results


async def _first_write(cluster: Cluster, timeout: float = 60.0) -> None:
    try:
        async with Client(cluster.config, client_id="warmup", timeout=timeout) as c:
            await c.put("conform-warmup", "1")
    except Exception as e:
        raise UserError(f"the cluster accepted no write within {timeout:.0f}s: {e}",
                        hint=f"the nodes' logs are in {cluster.root}")


async def _watch(cluster: Cluster, rec: Recorder, crashes: list[tuple[str, float, str]],
                 stop: asyncio.Event, s: Settings, progress: Callable[[Snapshot], None] | None,
                 nemesis: Nemesis) -> None:
    """Note nodes that exit on their own; report progress once a second."""
    reported: set[tuple[str, int]] = set()
    while not stop.is_set():
        for sid, msg in cluster.unexpected_exits():
            tag = (sid, cluster.nodes[sid].starts)
            if tag not in reported:
                reported.add(tag)
                crashes.append((sid, rec.now(), msg))
        if progress is not None:
            ops = rec.ops
            progress(Snapshot(rec.now(), s.seconds, len(ops),
                              sum(op.status == "ok" for op in ops), list(nemesis.faults)))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)


def _check_traces(cluster: Cluster, s: Settings) -> TraceCheck:
    """``conform validate`` on the nodes' traces (one file per node, a segment per start),
    in a process of its own, within ``trace_seconds``."""
    if not s.server.traces:
        return TraceCheck(None, "not recorded (--no-traces)")
    folder = cluster.root / "traces"
    if not s.check_traces:
        # Measured: a 3-second run of 3 Raft nodes records 26,000 events, which the
        # validator did not decide in 600 s; so a run's traces are kept, and checked on
        # request only.
        return TraceCheck(None, f"recorded, not checked (--check-traces, or conform "
                                f"validate {folder})")
    cmd = [sys.executable, "-m", "conformance", "validate", str(folder), "--json"]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=s.trace_seconds,
                           preexec_fn=ending_with_this_process())
    except subprocess.TimeoutExpired:
        return TraceCheck(None, f"not decided within {s.trace_seconds:.0f}s "
                                f"(conform validate {folder})")
    try:
        out = json.loads(p.stdout)
    except json.JSONDecodeError:
        why = " ".join(p.stderr.split()).removeprefix("error: ") or "no output"
        return TraceCheck(None, f"could not be checked: {why[:300]}")
    events = out.get("events", 0)
    if out.get("verdict") == "conforms":
        return TraceCheck(True, f"{events:,} events of {len(out.get('nodes', {}))} nodes")
    div = out.get("divergence")
    if div:
        return TraceCheck(False, f"diverged: {_one_line(div)} (conform validate {folder})")
    return TraceCheck(None, f"undecided after {out.get('states', 0):,} states "
                            f"(conform validate {folder})")


def _one_line(div: dict) -> str:
    """A divergence's headline, and where it is."""
    text = str(div.get("summary") or f"{div.get('action')} {div.get('kind')}")
    where = div.get("where") or {}
    if where.get("file"):
        text += f" at {where['file']}" + (f":{where['line']}" if where.get("line") else "")
    return text
