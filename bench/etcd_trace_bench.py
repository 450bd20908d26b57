"""etcd-io/raft's trace validation (tla/Traceetcdraft.tla on a recorded trace) on the
embedded engine, next to TLC; prints JSON.

    .venv/bin/python bench/etcd_trace_bench.py --etcd ~/src/raft            # the engine
    .venv/bin/python bench/etcd_trace_bench.py --etcd ~/src/raft --tlc      # and TLC
    .venv/bin/python bench/etcd_trace_bench.py --max-trace 500              # a prefix

The clone comes from ``--etcd`` (default $ETCD_RAFT); without one the bench says so and
measures nothing. The trace is the clone's ``tla/example.ndjson`` unless ``--trace`` names
another; ``--max-trace N`` validates its first N lines (the spec's own MAX_TRACE). Both
engines run in child processes of their own, as etcd's ``tla/validate.sh`` runs TLC (one
worker here, ``-lncheck final``), so each one's CPU seconds (the child's own, the JVM's
threads included) and peak memory are measured alike; CPU seconds are the
figures to compare on a shared machine. ``cpu_ratio`` is TLC's CPU seconds over the
engine's (10 means the engine is ten times faster), ``wall_ratio`` the same for wall time.
TLC's verdict and figures come from its output; where a run takes hours, ``--tlc-result
FILE`` reuses the JSON of an earlier run (its ``tlc`` entry) instead of running TLC again.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # ROOT, before imports

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--etcd", type=Path, default=os.environ.get("ETCD_RAFT"),
                    help="a clone of etcd-io/raft (default $ETCD_RAFT)")
    ap.add_argument("--trace", type=Path, help="the trace (default: tla/example.ndjson)")
    ap.add_argument("--max-trace", type=int, help="validate only the first N lines")
    ap.add_argument("--quick", action="store_true", help="the first 400 lines, engine only")
    ap.add_argument("--tlc", action="store_true", help="also run TLC with one worker")
    ap.add_argument("--tlc-result", type=Path, help="TLC's figures from an earlier run's JSON")
    ap.add_argument("--timeout", type=float, default=6 * 3600.0,
                    help="give up on a run after this long (default 6 hours)")
    args = ap.parse_args()
    if args.quick and args.max_trace is None:
        args.max_trace = 400

    tla = args.etcd / "tla" if args.etcd else None
    if tla is None or not (tla / "Traceetcdraft.tla").is_file():
        where = args.etcd or "$ETCD_RAFT"
        print(f"no etcd-io/raft clone at {where}: nothing measured (pass --etcd DIR)",
              file=sys.stderr)
        print(json.dumps({"skipped": f"no etcd-io/raft clone at {where}"}))
        return
    trace = (args.trace or tla / "example.ndjson").resolve()
    env = {**os.environ, "JSON": str(trace)}
    if args.max_trace:
        env["MAX_TRACE"] = str(args.max_trace)
    else:
        env.pop("MAX_TRACE", None)
    report: dict[str, Any] = {
        "spec": "Traceetcdraft", "trace": str(trace), "trace_lines": _lines(trace),
        "max_trace": args.max_trace, "load_average": os.getloadavg()[0],
    }
    report["engine"] = _engine(tla, env, args.timeout)
    print(json.dumps({"engine": report["engine"]}), file=sys.stderr)
    if args.tlc_result:
        report["tlc"] = json.loads(args.tlc_result.read_text())["tlc"]
        report["tlc"]["reused_from"] = str(args.tlc_result)
    elif args.tlc and not args.quick:
        report["tlc"] = _tlc(tla, env, args.timeout)
    tlc = report.get("tlc")
    eng = report["engine"]
    if tlc and tlc.get("cpu_seconds") and eng.get("cpu_seconds"):
        report["cpu_ratio"] = round(tlc["cpu_seconds"] / eng["cpu_seconds"], 1)
        report["wall_ratio"] = round(tlc["wall_seconds"] / eng["wall_seconds"], 1)
        report["same_verdict"] = tlc.get("outcome") == eng.get("outcome")
        report["same_figures"] = all(tlc.get(k) == eng.get(k)
                                     for k in ("distinct", "generated", "depth"))
    print(json.dumps(report, indent=2))


def _lines(path: Path) -> int:
    with path.open("rb") as f:
        return sum(1 for line in f if line.strip())


def _child(cmd: list[str], cwd: Path, env: dict, timeout: float) -> tuple[str, dict]:
    """Run a command; its output and its own wall and CPU seconds and peak memory."""
    with tempfile.TemporaryFile("w+") as out:
        started = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                text=True)
        status = None
        while status is None:
            pid, code, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                status = os.waitstatus_to_exitcode(code)
            elif time.monotonic() - started > timeout:
                proc.kill()
                _, code, usage = os.wait4(proc.pid, 0)
                out.write(f"\ntimeout after {timeout} s\n")
                break
            else:
                time.sleep(0.2)
        proc.returncode = status if status is not None else -9
        wall = time.monotonic() - started
        out.seek(0)
        text = out.read()
    return text, {"exit": status, "wall_seconds": round(wall, 1),
                  "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
                  "max_rss_mb": round(usage.ru_maxrss / 1024)}


def _engine(tla: Path, env: dict, timeout: float) -> dict:
    cmd = [sys.executable, "-m", "conformance.corpus", str(tla / "Traceetcdraft.tla"),
           str(tla / "Traceetcdraft.cfg"), "--timeout", str(timeout)]
    out, figures = _child(cmd, tla, {**env, "PYTHONPATH": str(ROOT)}, timeout + 60)
    lines = [ln for ln in out.splitlines() if ln.startswith('{"outcome"')]
    if not lines:
        return {**figures, "outcome": "crash", "message": out.strip()[-500:]}
    got = json.loads(lines[-1])
    return {**figures, "outcome": got["outcome"], "violated": got.get("violated"),
            "distinct": got["distinct"], "generated": got["generated"],
            "depth": got["depth"], "message": got.get("message")}


_FIGURES = re.compile(r"([\d,]+) states generated, ([\d,]+) distinct states found")
_DEPTH = re.compile(r"depth of the complete state graph search is (\d+)")


def _tlc(tla: Path, env: dict, timeout: float) -> dict | None:
    from conformance.errors import UserError
    from conformance.tlc.toolchain import find_toolchain

    try:
        tools = find_toolchain()
    except UserError as e:
        print(f"TLC not found ({e.message}): no comparison", file=sys.stderr)
        return None
    cmd = tools.command()
    extra = os.environ.get("TLC_CLASSPATH")
    if extra:  # CommunityModules (IOUtils, SequencesExt...) for TLC, as validate.sh adds
        i = cmd.index("-cp") + 1
        cmd[i] = cmd[i] + os.pathsep + extra
    meta = Path(os.environ.get("TMPDIR", "/tmp")) / f"etcd-bench-{os.getpid()}"
    cmd += ["-config", "Traceetcdraft.cfg", "Traceetcdraft.tla", "-workers", "1",
            "-lncheck", "final", "-metadir", str(meta)]
    out, figures = _child(cmd, tla, env, timeout)
    m = _FIGURES.findall(out)
    d = _DEPTH.findall(out)
    violated = re.search(r"Temporal property (\w+) was violated|Invariant (\w+) is violated|"
                         r"Action property (\w+) is violated", out)
    if "No error has been found" in out:
        outcome = "holds"
    elif violated:
        outcome = "property violated" if violated.group(1) or violated.group(3) \
            else "invariant violated"
    else:
        outcome = "error"
    result: dict[str, Any] = {**figures, "outcome": outcome}
    if violated:
        result["violated"] = next(g for g in violated.groups() if g)
    if m:
        result["generated"] = int(m[-1][0].replace(",", ""))
        result["distinct"] = int(m[-1][1].replace(",", ""))
    if d:
        result["depth"] = int(d[-1])
    if outcome == "error":
        result["message"] = out.strip()[-800:]
    return result


if __name__ == "__main__":
    main()
