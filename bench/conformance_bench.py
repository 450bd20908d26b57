"""How fast the conformance checker is; prints JSON.

    .venv/bin/python bench/conformance_bench.py                 # everything
    .venv/bin/python bench/conformance_bench.py --examples 50   # a longer campaign
    .venv/bin/python bench/conformance_bench.py --trace traces/failing/X.ndjson

* ``validation``: recorded Raft runs validated by the embedded engine alone (no
  implementation running): validated events per second, with and without the invariants;
  the runs' own steps, then (``decoded_*``) the same steps written as a trace file and read
  back, as ``conform validate`` reads them (reading not timed), and (``file_with_invariants``)
  the file's lines read and validated, reading timed; the fastest of ``--passes`` passes
  over the runs (each pass's rate listed beside it).
* ``campaign``: a Hypothesis campaign on the correct implementation (the CI profile's
  settings): examples per second and events per second, the simulator and the validator
  together, as ``make conformance`` runs them, with ``-j 1`` and ``-j 2`` (the same runs:
  ``-j 2`` should give nearly twice the examples per second on two idle cores).
* ``one_trace``: one saved trace validated by the embedded engine (spec loading included, and
  not) and by TLC (a generated trace-checking module, JVM start included), and the ratio.

Wall and CPU seconds are both given: on a shared machine the CPU figures are the stable ones.
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from conformance import protocols  # noqa: E402
from conformance.schedules import profiles  # noqa: E402
from conformance.schedules.execution import spec_engine  # noqa: E402
from conformance.schedules.spread import Campaign, run_spread  # noqa: E402
from conformance.trace import Step, TraceHeader, read_trace  # noqa: E402
from conformance.trace.files import TraceWriter, parse_trace  # noqa: E402
from conformance.validate import SpecEngine, Validator  # noqa: E402
from conformance.validate.tlc import tlc_available, validate_with_tlc  # noqa: E402
from tests.conform.raft_runs import random_run  # noqa: E402

RAFT = protocols.get("raft")


class Clock:
    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


def _lines(steps: list[Step]) -> list[str]:
    """The steps as a trace file's lines."""
    out = io.StringIO()
    writer = TraceWriter(out, TraceHeader(spec=RAFT.spec.stem, variables=list(steps[0].state)))
    for s in steps:
        writer.write(s)
    return out.getvalue().splitlines()


def validation(runs: int, decisions: int, passes: int) -> dict:
    recorded = [random_run(seed, decisions, variant=seed % len(RAFT.variants))
                for seed in range(runs)]
    events = sum(r.events for r in recorded)
    out: dict = {"runs": runs, "events": events, "passes": passes}
    # the runs' own steps (validated once already, as they were recorded), then the same
    # steps decoded afresh (``decoded_*``: the validation of a trace file's values), then
    # the trace file's lines read and validated (``file_with_invariants``: what `conform
    # validate` costs past loading the spec). Each label is timed over ``passes`` passes, a
    # trace file decoded afresh for each, and the fastest kept (on a shared machine a
    # pass's figure swings by 5-10%; the rates of all passes are listed too)
    files = [_lines(r.steps) for r in recorded]

    def read() -> list:
        # (the lines read afresh: every value decoded anew, nothing hashed or compared
        # before; what a step repeats of the step before shared, as the reader shares it)
        return [(r.settings, parse_trace(lines).steps)
                for r, lines in zip(recorded, files, strict=True)]

    own = [(r.settings, r.steps) for r in recorded]
    for label, invariants, source in (("with_invariants", True, "own"),
                                      ("steps_only", False, "own"),
                                      ("decoded_with_invariants", True, "decoded"),
                                      ("decoded_steps_only", False, "decoded"),
                                      ("file_with_invariants", True, "file")):
        timed = []
        for _ in range(passes):
            traces = own if source == "own" else read() if source == "decoded" else None
            with Clock() as c:
                if traces is None:  # the reading timed
                    traces = read()
                for settings, steps in traces:
                    v = Validator(spec_engine(RAFT, settings), check_invariants=invariants)
                    assert v.validate(steps) is None
            timed.append(c)
        best = min(timed, key=lambda c: c.cpu)
        out[label] = {"seconds": round(best.wall, 3), "cpu_seconds": round(best.cpu, 3),
                      "events_per_second": round(events / best.wall, 1),
                      "events_per_cpu_second": round(events / best.cpu, 1),
                      "passes_events_per_cpu_second": [round(events / c.cpu, 1)
                                                       for c in timed]}
    return out


def campaign(examples: int, jobs: int) -> dict:
    profile = profiles.get("ci").with_overrides(examples=examples)
    with Clock() as c:
        (r,) = run_spread([Campaign(RAFT)], profile, seed=0, jobs=jobs)
    assert r is not None and r.ok
    p = r.progress
    # the workers' CPU seconds, not this process's: r.cpu_seconds sums the slices'
    return {"jobs": jobs, "examples": p.examples, "events": p.events,
            "decisions": p.decisions, "seconds": round(c.wall, 3),
            "cpu_seconds": round(r.cpu_seconds, 3),
            "examples_per_second": round(p.examples / c.wall, 2),
            "examples_per_cpu_second": round(p.examples / r.cpu_seconds, 2),
            "events_per_second": round(p.events / c.wall, 1),
            "events_per_cpu_second": round(p.events / r.cpu_seconds, 1)}


def one_trace(path: Path | None, tlc: bool) -> dict:
    if path is None:
        ex = random_run(seed=11, decisions=150)
        steps, constants, name = ex.steps, RAFT.constants(ex.settings), "random run, seed 11"
    else:
        trace = read_trace(path)
        steps, constants, name = trace.steps, trace.header.constants, str(path)
    with Clock() as load:
        engine = SpecEngine(RAFT.spec, constants, RAFT.invariants, RAFT.properties)
    with Clock() as check:
        div = Validator(engine).validate(steps)
    out: dict = {"trace": name, "events": len(steps) - 1,
                 "verdict": "conforms" if div is None else div.headline(),
                 "engine": {"seconds": round(load.wall + check.wall, 3),
                            "seconds_without_loading": round(check.wall, 3),
                            "cpu_seconds": round(load.cpu + check.cpu, 3)}}
    if not (tlc and tlc_available()):
        out["tlc"] = None
        out["note"] = "TLC not run (see `conform tlc where`)"
        return out
    verdict = validate_with_tlc(engine, steps)
    out["tlc"] = {"seconds": round(verdict.seconds, 3),
                  "verdict": "conforms" if verdict.conforms else verdict.summary()}
    out["tlc_over_engine"] = round(verdict.seconds / (load.wall + check.wall), 2)
    out["tlc_over_engine_without_loading"] = round(verdict.seconds / check.wall, 2)
    out["validators_agree"] = verdict.conforms == (div is None)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=12, help="recorded runs to validate")
    ap.add_argument("--decisions", type=int, default=150, help="decisions per recorded run")
    ap.add_argument("--passes", type=int, default=3,
                    help="validation: passes over the runs, the fastest reported")
    ap.add_argument("--examples", type=int, default=200,
                    help="Hypothesis examples of the campaign (two slices of 100)")
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2],
                    help="the campaign with each of these numbers of processes")
    ap.add_argument("--trace", type=Path, help="the saved trace to time (default: a run)")
    ap.add_argument("--no-tlc", action="store_true", help="do not run TLC")
    args = ap.parse_args()
    report = {
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "validation": validation(args.runs, args.decisions, args.passes),
        "campaign": [campaign(args.examples, j) for j in args.jobs],
        "one_trace": one_trace(args.trace, not args.no_tlc),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
