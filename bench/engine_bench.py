"""How fast the embedded TLA+ engine explores states, next to TLC; prints JSON.

    .venv/bin/python bench/engine_bench.py                      # the default models
    .venv/bin/python bench/engine_bench.py --max-seconds 60 --tlc
    .venv/bin/python bench/engine_bench.py --model path/Spec.tla:path/Model.cfg --profile

The default models are the project's own (specs/Raft.cfg and specs/MultiPaxos.cfg), so the
bench measures something on any clone, and then, where a clone of tlaplus/Examples is found
(``--examples``, default $TLAPLUS_EXAMPLES; models not found there are left out), the
issue's yardstick MultiPaxos_MC_small and three smaller models that stress other parts
(records and sets, sequences, arithmetic). Each run stops after ``--max-seconds``; the rates
of an unfinished run cover the states found so far ("complete": false), which is how the big
models are measured in a minute rather than ten. ``cpu_seconds`` and ``distinct_per_cpu_s``
are the figures to compare on a machine shared with other work.

``--workers 1 2`` measures the engine with each number of worker processes. Every run is a
child process of its own, so its ``cpu_seconds`` (the engine's workers and TLC's JVM
included) and ``max_rss_mb`` (peak resident memory) are its own; ``load_average`` says how
busy the machine was. ``--tlc`` also runs TLC with one worker (found as ``conform tlc
where`` finds it: TLA2TOOLS_JAR or the user cache; ``--tlc-seconds`` limits it), and reports
``tlc_ratio``: TLC's distinct states per second over ours, so 2.0 means we take twice TLC's
time. TLC's rate on an unfinished run comes from its last progress report. ``--profile``
prints the top of a cProfile of each engine run to stderr, sorted by own time: that is where
the time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # ROOT, before imports

from conformance.result import CheckResult, Outcome  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

# the project's models, from the repository root
PROJECT_MODELS = [
    "specs/Raft.tla:specs/Raft.cfg",
    "specs/MultiPaxos.tla:specs/MultiPaxos.cfg",
]

# tlaplus/Examples models, from its specifications/ folder
EXAMPLES_MODELS = [
    "MultiPaxos-SMR/MultiPaxos_MC.tla:MultiPaxos-SMR/MultiPaxos_MC_small.cfg",
    "Chameneos/Chameneos.tla:Chameneos/Chameneos.cfg",
    "acp/ACP_SB_TLC.tla:acp/ACP_SB_TLC.cfg",
    "ewd426/TokenRing.tla:ewd426/TokenRing.cfg",
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", action="append", metavar="SPEC:CFG",
                    help="a model to measure (repeatable); default: the project's models "
                         "and, where found, the Examples models")
    ap.add_argument("--examples", type=Path, default=os.environ.get("TLAPLUS_EXAMPLES"),
                    help="a clone of tlaplus/Examples, for more default models (left out "
                         "where it is absent)")
    ap.add_argument("--max-seconds", type=float, default=90.0,
                    help="stop each run after this long (default 90)")
    ap.add_argument("--tlc", action="store_true", help="also run TLC with one worker")
    ap.add_argument("--tlc-seconds", type=float, default=600.0,
                    help="time limit for TLC (default 600: TLC reports progress only once a "
                         "minute, so its rate is exact only on finished runs)")
    ap.add_argument("--profile", action="store_true", help="cProfile each engine run")
    ap.add_argument("--steps", type=int, default=2000,
                    help="transitions for the step-API measurement (0: skip it)")
    ap.add_argument("--workers", type=int, nargs="+", default=[1], metavar="N",
                    help="measure the engine with each of these numbers of worker processes "
                         "(default: 1)")
    ap.add_argument("--child", nargs=5, help=argparse.SUPPRESS)  # one run, in its own process
    args = ap.parse_args()
    if args.child:
        _child(*args.child)
        return

    models = _models(args)
    if not models:
        sys.exit("no model to measure: pass --model SPEC:CFG or --examples DIR")
    report = []
    for spec, cfg in models:
        row: dict[str, Any] = {"model": f"{spec.stem}/{cfg.name}",
                               "load_average": [round(x, 2) for x in os.getloadavg()]}
        for n in args.workers:
            # each run in a process of its own: its CPU seconds (its workers' included) and
            # its peak memory are then its own
            run = _in_child("embedded", n, spec, cfg, args.max_seconds, args.profile)
            key = "engine" if n == 1 and len(args.workers) == 1 else f"engine_{n}"
            if key == "engine":
                row.update(run)
            else:
                row[key] = run
        if args.tlc:
            from conformance.tlc import tlc_available

            if tlc_available():
                row["tlc"] = _in_child("tlc", 1, spec, cfg, args.tlc_seconds, False)
                tlc_rate = row["tlc"]["distinct_per_s"]
                for n in args.workers:
                    mine = row if n == 1 and len(args.workers) == 1 else row[f"engine_{n}"]
                    if tlc_rate and mine.get("distinct_per_s"):
                        mine["tlc_ratio"] = round(tlc_rate / mine["distinct_per_s"], 2)
            else:
                print("TLC not found: no comparison", file=sys.stderr)
        report.append(row)
        print(json.dumps(row), file=sys.stderr)
    if args.steps:
        spec, cfg = models[0]
        row = {"model": f"{spec.stem}/{cfg.name}",
               "step_api": _step_api(spec, cfg, args.steps)}
        report.append(row)
        print(json.dumps(row), file=sys.stderr)
    print(json.dumps(report, indent=2))


def _in_child(engine: str, workers: int, spec: Path, cfg: Path, seconds: float,
              profile: bool) -> dict:
    """One run in a child process: its figures, CPU seconds (user and system, of the child
    and of the processes it waited for: the engine's workers, TLC's JVM) and peak RSS."""
    with tempfile.NamedTemporaryFile("r", suffix=".json") as out:
        proc = subprocess.Popen([sys.executable, __file__, "--child", engine, str(workers),
                                 f"{spec}:{cfg}", str(seconds), out.name]
                                + (["--profile"] if profile else []))
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            sys.exit(f"the {engine} run of {spec.name}:{cfg.name} failed")
        row = json.loads(Path(out.name).read_text())
    cpu = usage.ru_utime + usage.ru_stime
    row.update(workers=workers, cpu_seconds=round(cpu, 2),
               distinct_per_cpu_s=round(row["distinct"] / cpu) if row["distinct"] else None,
               max_rss_mb=round(usage.ru_maxrss / 1024))
    return row


def _child(engine: str, workers: str, model: str, seconds: str, out: str) -> None:
    spec, _, cfg = model.partition(":")
    if engine == "tlc":
        result = _tlc_run(Path(spec), Path(cfg), float(seconds))
        assert result is not None
    else:
        profile = "--profile" in sys.argv
        result = _engine_run(Path(spec), Path(cfg), float(seconds), profile, int(workers))
    Path(out).write_text(json.dumps(_measure(result)))


def _models(args) -> list[tuple[Path, Path]]:
    if args.model:
        found = [_model(Path(), item, required=True) for item in args.model]
        return [m for m in found if m is not None]
    found = [_model(ROOT, item, required=True) for item in PROJECT_MODELS]
    examples = args.examples / "specifications" if args.examples else None
    if examples is not None and examples.is_dir():
        found += [_model(examples, item, required=False) for item in EXAMPLES_MODELS]
    else:
        print(f"no tlaplus/Examples clone at {args.examples or '$TLAPLUS_EXAMPLES'}: "
              "measuring the project's models",
              file=sys.stderr)
    return [m for m in found if m is not None]


def _model(base: Path, item: str, required: bool) -> tuple[Path, Path] | None:
    """``SPEC:CFG`` under ``base`` (CFG defaults to the .cfg beside SPEC), if both exist."""
    spec, _, cfg = item.partition(":")
    spec_path = base / spec
    cfg_path = base / cfg if cfg else spec_path.with_suffix(".cfg")
    if spec_path.exists() and cfg_path.exists():
        return spec_path, cfg_path
    if required:
        sys.exit(f"{item}: no such spec or config")
    return None


def _engine_run(spec: Path, cfg: Path, seconds: float, profile: bool,
                workers: int = 1) -> CheckResult:
    from conformance.tla import check_model

    if not profile:
        return check_model(spec, cfg, timeout=seconds, workers=workers)
    prof = cProfile.Profile()
    result = prof.runcall(check_model, spec, cfg, timeout=seconds, workers=workers)
    text = io.StringIO()
    pstats.Stats(prof, stream=text).sort_stats("tottime").print_stats(25)
    print(f"--- profile of {spec.stem}/{cfg.name} ---\n{text.getvalue()}", file=sys.stderr)
    return result


def _tlc_run(spec: Path, cfg: Path, seconds: float) -> CheckResult | None:
    from conformance.tlc import run_tlc, tlc_available

    if not tlc_available():
        print("TLC not found: no comparison", file=sys.stderr)
        return None
    started = time.monotonic()
    result = run_tlc(spec, cfg, workers=1, timeout=seconds)
    if not result.duration:
        result.duration = time.monotonic() - started
    return result


def _step_api(spec: Path, cfg: Path, count: int) -> dict:
    """Calls per second of the step API (what conformance validation runs on every step of
    an implementation): ``check_step`` on transitions the model checker found, with the
    whole next state and with one variable left out, ``successors`` and
    ``check_invariants`` on their source states."""
    from conformance.tla import load_model
    from conformance.tla.explore import Explorer

    m = load_model(spec, cfg)
    explorer = Explorer(m.model, max_distinct=count + 1)
    explorer.run()
    seen = explorer.seen
    pairs = [(seen[parent][2], state) for parent, _, state in seen.values()
             if parent is not None][:count]
    names = m.variables
    steps = [(m.as_dict(s), m.as_dict(t)) for s, t in pairs]
    partial = [(s, {k: v for k, v in t.items() if k != names[-1]}) for s, t in steps]

    def per_second(run, items) -> float:
        started = time.perf_counter()
        for item in items:
            run(*item)
        return round(len(items) / (time.perf_counter() - started))

    def check(s, t):
        assert m.check_step(s, "Next", None, t).ok

    return {
        "transitions": len(steps),
        "check_step_per_s": per_second(check, steps),
        "check_step_partial_per_s": per_second(check, partial),
        "successors_per_s": per_second(lambda s, _: m.successors(s, "Next"), steps),
        "check_invariants_per_s": per_second(lambda s, _: m.check_invariants(s), steps),
    }


def _measure(r: CheckResult) -> dict:
    seconds = r.duration or 0.0
    complete = r.outcome not in (Outcome.TIMEOUT,)

    def rate(n):
        return round(n / seconds) if n and seconds > 0 else None

    return {
        "outcome": r.outcome.name, "complete": complete, "seconds": round(seconds, 2),
        "distinct": r.distinct_states, "generated": r.states_generated, "depth": r.depth,
        "distinct_per_s": rate(r.distinct_states), "generated_per_s": rate(r.states_generated),
    }


if __name__ == "__main__":
    main()
