"""``conform prove``: the Z3 proofs of quorum intersection, the election restriction and
Paxos value selection, about the implementation's own predicates, as one table.

Exit status 0 when every claim ends as expected (proved, or a counterexample for the broken
variants), 1 when any does not, 2 for bad input (a quorum-system file with a mistake).
"""

from __future__ import annotations

import argparse
import json
import time

from conformance.cli.arguments import positive_int
from conformance.errors import UserError
from conformance.smt.suite import DEFAULT_BALLOTS, DEFAULT_LOG_LENGTH, DEFAULT_SERVERS


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "prove", help="prove quorum intersection and the election restriction with Z3",
        description="Prove, with Z3, the facts Raft and Paxos safety rest on, about the "
                    "implementation's own quorum, up-to-date and value-selection predicates; "
                    "and refute deliberately broken variants of them.")
    p.add_argument("-n", "--servers", type=positive_int, default=DEFAULT_SERVERS, metavar="N",
                   help=f"largest configuration, cluster and acceptor set (default "
                        f"{DEFAULT_SERVERS})")
    p.add_argument("-l", "--log-length", type=positive_int, default=DEFAULT_LOG_LENGTH, metavar="L",
                   help=f"longest symbolic log for leader completeness (default "
                        f"{DEFAULT_LOG_LENGTH})")
    p.add_argument("-b", "--ballots", type=positive_int, default=DEFAULT_BALLOTS, metavar="B",
                   help=f"number of Paxos ballots (default {DEFAULT_BALLOTS})")
    p.add_argument("-q", "--quorums", action="append", default=[], metavar="FILE",
                   help="a TOML file of quorum systems (Flexible Paxos, weighted votes) to "
                        "prove as well; may be repeated")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.set_defaults(func=_prove)


def _at_least(name: str, value: int, least: int, why: str) -> None:
    if value < least:
        raise UserError(f"{name} must be at least {least} ({why}), not {value}")


def _prove(args: argparse.Namespace) -> int:
    from conformance.smt.proof import run
    from conformance.smt.suite import Bounds, claims
    from conformance.smt.system_file import load_systems

    _at_least("--servers", args.servers, 3,
              "the broken variants need three servers to go wrong")
    _at_least("--log-length", args.log_length, 2,
              "comparing last terms only goes wrong only with two entries")
    _at_least("--ballots", args.ballots, 2, "stability compares a ballot with a later one")
    systems = tuple((file, s) for file in args.quorums for s in load_systems(file))
    bounds = Bounds(args.servers, args.log_length, args.ballots, systems)

    start = time.perf_counter()
    todo = claims(bounds)
    if args.json:
        results = [run(c) for c in todo]
    else:
        from conformance.cli.output import console

        results = []
        with console.status("") as status:
            for i, claim in enumerate(todo, 1):
                status.update(f"proving {i}/{len(todo)}: {claim.property} ({claim.parameters})")
                results.append(run(claim))
    total = time.perf_counter() - start
    ok = all(r.ok for r in results)

    if args.json:
        print(json.dumps({"ok": ok, "seconds": round(total, 3), "bounds": bounds.to_json(),
                          "results": [r.to_json() for r in results]},
                         indent=2, ensure_ascii=False))
    else:
        from conformance.cli.output import print_proofs

        print_proofs(results, total)
    return 0 if ok else 1
