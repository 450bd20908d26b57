"""How long the Z3 proofs take, and how that grows with the bounds; prints JSON.

    .venv/bin/python bench/prove.py            # the default suite, then each proof scaled up
    .venv/bin/python bench/prove.py --quick    # the default suite only

"default" is what `make prove` runs (wall and CPU seconds, per claim). Each "scaling" series
grows one bound of one proof until a step takes longer than --cap seconds; the last step
shows where that proof stops being cheap, which is how the defaults were chosen.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from conformance.smt import election, paxos, quorums  # noqa: E402
from conformance.smt.proof import Finding, run  # noqa: E402
from conformance.smt.suite import Bounds, claims  # noqa: E402
from conformance.smt.system_file import load_systems  # noqa: E402
from impl.quorum import QuorumSystem  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def timed(prove: Callable[[], Finding]) -> dict:
    wall, cpu = time.perf_counter(), time.process_time()
    finding = prove()
    return {"result": finding.verdict.value, "seconds": round(time.perf_counter() - wall, 3),
            "cpu_seconds": round(time.process_time() - cpu, 3)}


def default_suite() -> dict:
    example = ROOT / "specs" / "quorums.toml"
    bounds = Bounds(systems=tuple((str(example.relative_to(ROOT)), s)
                                  for s in load_systems(example)))
    wall, cpu = time.perf_counter(), time.process_time()
    results = [run(c) for c in claims(bounds)]
    return {"bounds": bounds.to_json(),
            "seconds": round(time.perf_counter() - wall, 3),
            "cpu_seconds": round(time.process_time() - cpu, 3),
            "all_as_expected": all(r.ok for r in results),
            "claims": [{"property": r.claim.property, "parameters": r.claim.parameters,
                        "result": r.finding.verdict.value, "seconds": round(r.seconds, 3)}
                       for r in results]}


def series(name: str, steps: list, prove: Callable[[object], Finding], cap: float) -> dict:
    points = []
    for step in steps:
        point = {"bound": step, **timed(lambda step=step: prove(step))}
        points.append(point)
        print(f"  {name} {step}: {point['seconds']}s", file=sys.stderr)
        if point["seconds"] > cap:
            break
    return {"proof": name, "points": points}


def scaling(cap: float) -> list:
    majority9 = QuorumSystem.majority(paxos.acceptors(9))
    return [
        series("majority quorums intersect, n = 1..N", [9, 15, 25, 40, 60],
               lambda n: quorums.majorities_intersect(n), cap),
        series("joint consensus, |C_old ∪ C_new| <= N", [9, 11, 13, 15],
               lambda n: quorums.joint_consensus(n), cap),
        series("single-server change, |C| <= N", [9, 15, 25, 40],
               lambda n: quorums.configuration_change(n, 1), cap),
        series("leader completeness, n = 9 only, log length L", [4, 5, 6, 7, 8],
               lambda length: election.leader_completeness(9, length), cap),
        series("leader completeness, n = 1..9, log length L", [4, 5, 6, 7],
               lambda length: election.leader_completeness_upto(9, length), cap),
        series("leader completeness, n = 1..N, log length 4", [9, 11, 13, 15],
               lambda n: election.leader_completeness_upto(n, 4), cap),
        series("Paxos chosen value stable, majority of 9, ballots B", [4, 6, 8, 12, 16],
               lambda b: paxos.chosen_value_stable(majority9, b), cap),
        series("Paxos chosen value stable, majority n = 1..N, 4 ballots", [9, 11, 13, 15],
               lambda n: paxos.majority_stable_upto(n, 4), cap),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only the default suite")
    parser.add_argument("--cap", type=float, default=30.0,
                        help="stop a scaling series after a step slower than this (seconds)")
    args = parser.parse_args()
    out = {"python": platform.python_version(), "machine": platform.machine(),
           "default": default_suite()}
    if not args.quick:
        out["scaling"] = scaling(args.cap)
    print(json.dumps(out, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
