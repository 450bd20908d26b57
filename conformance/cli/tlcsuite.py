"""``conform tlc-suite TLATOOLS``: the embedded engine on TLC's own regression models,
compared with what TLC said of each (recorded with ``--record``), as a table by kind."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tlc-suite", help="run the engine on TLC's regression models and compare "
                       "with TLC's recorded verdicts, by kind")
    p.add_argument("tlatools", help="TLC's source folder tlatools/org.lamport.tlatools (with "
                   "test/ and test-model/)")
    p.add_argument("--expected", default=None, metavar="FILE",
                   help="the expected-results file (default: the one kept in the project)")
    p.add_argument("--record", action="store_true",
                   help="run the real TLC on every run and write the expected-results file")
    p.add_argument("--community", default=None, metavar="JAR",
                   help="with --record: the CommunityModules jar TLC's tests have on their "
                   "class path")
    p.add_argument("--tlc-timeout", type=float, default=20.0, metavar="SECONDS",
                   help="with --record: stop TLC after this long (default 20)")
    p.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS",
                   help="give up on a run of the engine after this long (default 60)")
    p.add_argument("--match", default=None, help="only runs whose name contains this text")
    p.add_argument("-j", "--jobs", type=int, default=1, help="runs in parallel")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from conformance.cli.output import err_console
    from conformance.tlcsuite import suite

    root = Path(args.tlatools)
    expected = Path(args.expected) if args.expected else suite.EXPECTED
    if args.record:
        def recorded(e) -> None:
            if not args.quiet:
                what = e.skip and f"skipped: {e.skip}" or (e.tlc or {}).get("outcome")
                err_console.print(f"{e.name}: {what}", markup=False, highlight=False)
        runs = suite.record(root, expected, timeout=args.tlc_timeout, jobs=args.jobs,
                            community=Path(args.community) if args.community else None,
                            match=args.match, on_done=recorded)
        err_console.print(f"{len(runs)} runs recorded in {expected}")
        return 0
    _header, entries = suite.load(expected)
    entries = [e for e in entries if e.skip is None and e.finished
               and (not args.match or args.match in e.name or args.match in e.id)]
    if not entries:
        err_console.print("no runs match", style="yellow")
        return 2

    def done(c) -> None:
        if not args.quiet and not args.json:
            err_console.print(f"{c.kind:14} {c.entry.name}  {c.detail}"[:300],
                              markup=False, highlight=False)

    comparisons = suite.run_engine(entries, root / "test-model", timeout=args.timeout,
                                   jobs=args.jobs, on_done=done)
    counts = suite.by_kind(comparisons)
    if args.json:
        print(json.dumps({"by_kind": counts, "runs": [c.to_json() for c in comparisons]},
                         indent=1))
    else:
        _print_table(counts, comparisons)
    return 0 if counts["agrees"] == len(comparisons) else 1


def _print_table(counts: dict[str, int], comparisons) -> None:
    from rich.table import Table

    from conformance.cli.output import console

    total = len(comparisons)
    table = Table(title=f"{total} runs of TLC's regression models: the engine against TLC")
    table.add_column("kind")
    table.add_column("runs", justify="right")
    table.add_column("share", justify="right")
    for kind, n in counts.items():
        table.add_row(kind, str(n), f"{100 * n / total:.1f}%")
    console.print(table)
    worst = [c for c in comparisons if c.kind != "agrees"]
    if worst:
        listing = Table(title="runs that do not agree")
        for col in ("kind", "run", "detail"):
            listing.add_column(col)
        for c in sorted(worst, key=lambda c: (c.kind, c.entry.name)):
            listing.add_row(c.kind, c.entry.name, c.detail[:160])
        console.print(listing)
