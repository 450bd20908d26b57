"""What spec coverage costs, and what guidance gains; prints JSON.

    nice .venv/bin/python bench/coverage_bench.py                  # overhead, then guidance
    nice .venv/bin/python bench/coverage_bench.py --quick          # smaller
    nice .venv/bin/python bench/coverage_bench.py --guidance-examples 1000 --protocol paxos

* ``overhead``: the same recorded Raft runs validated three ways: a spec compiled without
  branch trails and no coverage (as before coverage existed), compiled with them and no
  coverage, and with a :class:`Coverage` counting every step (actions, branches, states,
  transitions); then the report (the CI models' graphs read from their cache, measured). The
  identical events make the CPU seconds comparable; ``added`` is coverage's share of a
  campaign's validation time. Then a CI-profile campaign with coverage on and off: not the
  same runs (coverage's targets steer Hypothesis), so compared per event.
* ``guidance``: a campaign of the deep profile's schedules, unguided (``guided=0``) and with
  the profile's guided rounds, from the same seed: the CI models' states and transitions
  covered, distinct spec states, branches, and CPU seconds.

Wall and CPU seconds are both given: on a shared machine the CPU figures are the stable ones.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.conformance_bench import Clock  # noqa: E402
from conformance import protocols  # noqa: E402
from conformance.coverage.record import Coverage  # noqa: E402
from conformance.coverage.report import report  # noqa: E402
from conformance.schedules import profiles  # noqa: E402
from conformance.schedules.campaign import run_campaign  # noqa: E402
from conformance.schedules.execution import spec_engine  # noqa: E402
from conformance.validate import Validator  # noqa: E402
from tests.conform.raft_runs import random_run  # noqa: E402

RAFT = protocols.get("raft")


def _timed(c: Clock, events: int) -> dict:
    return {"seconds": round(c.wall, 3), "cpu_seconds": round(c.cpu, 3),
            "events_per_cpu_second": round(events / c.cpu, 1) if c.cpu else None}


def overhead(runs: int, decisions: int, examples: int) -> dict:
    recorded = [random_run(seed, decisions, variant=seed % len(RAFT.variants))
                for seed in range(runs)]
    events = sum(r.events for r in recorded)
    out: dict = {"runs": runs, "events": events}
    for r in recorded:  # load every engine first: loading is not what is measured
        spec_engine(RAFT, r.settings, branches=False)
        spec_engine(RAFT, r.settings, branches=True)
    cov = Coverage()
    for label, branches, counting in (("plain", False, None), ("trails", True, None),
                                      ("coverage", True, cov)):
        best: Clock | None = None
        for _ in range(3):  # the least of three: the machine is shared
            with Clock() as c:
                for r in recorded:
                    v = Validator(spec_engine(RAFT, r.settings, branches=branches),
                                  coverage=counting)
                    assert v.validate(r.steps) is None
            best = c if best is None or c.cpu < best.cpu else best
        assert best is not None
        out[label] = _timed(best, events)
    with Clock() as c:
        rep = report(RAFT.spec, cov)
    out["report"] = dict(_timed(c, events), models=len(rep.models))
    plain = out["plain"]["cpu_seconds"]
    out["added"] = round((out["coverage"]["cpu_seconds"] - plain) / plain, 3)
    out["campaign"] = {}
    for on in (False, True):
        profile = profiles.get("ci").with_overrides(examples=examples)
        with Clock() as c:
            res = run_campaign(RAFT, profile, seed=0, coverage=on)
        assert res.ok, res.error
        ev = res.progress.events
        out["campaign"]["coverage" if on else "no_coverage"] = dict(
            _timed(c, ev), examples=res.progress.examples, events=ev,
            cpu_ms_per_event=round(1000 * c.cpu / ev, 3))
    a, b = (out["campaign"][k]["cpu_ms_per_event"] for k in ("no_coverage", "coverage"))
    out["campaign"]["added_per_event"] = round((b - a) / a, 3)
    return out


def guidance(protocol_name: str, examples: int, seed: int) -> dict:
    protocol = protocols.get(protocol_name)
    deep = profiles.get("deep")
    out: dict = {"protocol": protocol_name, "profile": "deep", "examples": examples,
                 "seed": seed, "guided_share": deep.guided}
    for label, share in (("unguided", 0.0), ("guided", deep.guided)):
        profile = deep.with_overrides(examples=examples, guided=share)
        with Clock() as c:
            res = run_campaign(protocol, profile, seed=seed)
        assert res.coverage is not None
        rep = report(protocol.spec, res.coverage)
        out[label] = {
            "ok": res.ok, "examples": res.progress.examples, "events": res.progress.events,
            "seconds": round(c.wall, 1), "cpu_seconds": round(c.cpu, 1),
            "actions": f"{rep.actions_covered}/{len(rep.actions)}",
            "branches": f"{rep.branches_covered}/{len(rep.live)}",
            "distinct_states": rep.states,
            "models": [m.to_json() for m in rep.models]}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--runs", type=int, default=None)
    ap.add_argument("--examples", type=int, default=None, help="of the CI campaigns")
    ap.add_argument("--guidance-examples", type=int, default=None)
    ap.add_argument("--protocol", default="raft", help="of the guidance comparison")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--skip", choices=["overhead", "guidance"], action="append", default=[])
    args = ap.parse_args()
    runs = args.runs or (10 if args.quick else 30)
    examples = args.examples or (40 if args.quick else 150)
    gex = args.guidance_examples or (100 if args.quick else 600)
    out: dict = {"bench": "coverage", "python": platform.python_version(),
                 "machine": platform.machine()}
    if "overhead" not in args.skip:
        out["overhead"] = overhead(runs, 120, examples)
    if "guidance" not in args.skip:
        out["guidance"] = guidance(args.protocol, gex, args.seed)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
