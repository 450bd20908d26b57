"""``conform cluster test``: a real cluster under a nemesis, its clients' history checked."""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path

from conformance.errors import UserError


def register(csub: argparse._SubParsersAction) -> None:
    from conformance.cli.cluster import _server_options
    from conformance.cluster.nemesis import KINDS
    from impl.bugs import DriverBugs

    t = csub.add_parser(
        "test", help="run a cluster under faults and check what its clients saw",
        description="Start a cluster of server processes, run concurrent clients against it "
                    "while a seeded nemesis kills, pauses, restarts and partitions the "
                    "servers, then check that the history is linearizable and that no "
                    "acknowledged write was lost. Exit status: 0 all checks pass, 1 an "
                    "anomaly (or a node that failed), 2 the test could not run.")
    t.add_argument("--nodes", type=_at_least(1), default=3)
    t.add_argument("--seconds", type=_positive, default=30.0, help="how long the faults go on")
    t.add_argument("--clients", type=_at_least(1), default=8)
    t.add_argument("--keys", type=_at_least(1), default=3, help="how many keys the clients use")
    t.add_argument("--nemesis", default="kill,pause,restart-all",
                   help=f"a comma-separated list of {', '.join(KINDS)}, or none "
                        "(default: kill,pause,restart-all)")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--op-timeout", type=_positive, default=5.0,
                   help="seconds before a client gives up on an operation (its outcome is "
                        "then unknown)")
    t.add_argument("--no-traces", action="store_true",
                   help="servers write no traces (and they are not checked)")
    t.add_argument("--check-traces", action="store_true",
                   help="validate the nodes' traces against the spec after the run (slow: "
                        "a few seconds of run record tens of thousands of events)")
    t.add_argument("--trace-seconds", type=_positive, default=600.0,
                   help="how long the trace validation may take (default: 600)")
    t.add_argument("--bug", action="append", default=[], choices=DriverBugs.names(),
                   help="plant a server bug, to see the test catch it")
    t.add_argument("--out", default="conform-cluster-test",
                   help="where the logs, traces, history and timeline go "
                        "(default: conform-cluster-test; a previous test's files there are "
                        "replaced)")
    t.add_argument("--base-port", type=int, help="ports from here (default: free ones)")
    t.add_argument("--json", action="store_true", help="print the results as JSON")
    _server_options(t)
    t.set_defaults(func=_test)


def _nemesis(text: str) -> list[str]:
    from conformance.cluster.nemesis import KINDS

    kinds = [k.strip() for k in text.split(",") if k.strip() and k.strip() != "none"]
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise UserError(f"unknown nemesis {', '.join(unknown)}; known: {', '.join(KINDS)}")
    return kinds


def _test(args: argparse.Namespace) -> int:
    from conformance.cli.progress import console, errors
    from conformance.cluster.nodes import NodeOptions
    from conformance.cluster.report import print_results, progress_line
    from conformance.cluster.run import Settings, run

    server = NodeOptions(protocol=args.protocol, sync=not args.no_sync, tick=args.tick,
                         election_ticks=args.election_ticks, traces=not args.no_traces,
                         bugs=list(args.bug), pre_vote=not args.no_pre_vote,
                         check_quorum=not args.no_check_quorum, lease_reads=args.lease_reads)
    s = Settings(server=server, nodes=args.nodes, seconds=args.seconds, clients=args.clients,
                 nemesis=_nemesis(args.nemesis), seed=args.seed, keys=args.keys,
                 op_timeout=args.op_timeout, out=Path(args.out), base_port=args.base_port,
                 check_traces=args.check_traces, trace_seconds=args.trace_seconds)
    shown = errors if args.json else console
    last = [-10.0]

    def progress(p) -> None:
        if p.elapsed - last[0] >= (1.0 if shown.is_terminal else 5.0):
            last[0] = p.elapsed
            shown.print(progress_line(p))

    signal.signal(signal.SIGTERM, _interrupt)
    results = run(s, progress)
    if args.json:
        json.dump(results.to_json(), sys.stdout, indent=2)
        print()
    else:
        print_results(results, console)
    return 0 if results.ok else 1


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def _positive(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}")
    if not v > 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return v


def _at_least(n: int):
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}")
        if v < n:
            raise argparse.ArgumentTypeError(f"must be at least {n}")
        return v
    return parse
