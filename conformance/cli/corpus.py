"""``conform corpus DIR``: run every model of the manifests under DIR with the embedded
engine and print how its figures compare with the recorded ones."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from conformance.cli.arguments import positive_int, seconds


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("corpus", help="run the models of manifest.json files and compare with "
                       "the recorded TLC figures")
    p.add_argument("dir", help="a directory searched for manifest.json files, or one manifest")
    p.add_argument("--max-runtime", type=seconds, default=None, metavar="SECONDS",
                   help="only models TLC checked within this time (per the manifest)")
    p.add_argument("--mode", default="exhaustive search",
                   help='only models of this mode (default "exhaustive search"; "all" for any)')
    p.add_argument("--match", default=None, help="only models whose path contains this text")
    p.add_argument("--timeout", type=seconds, default=120.0, metavar="SECONDS",
                   help="give up on a model after this long (default 120)")
    p.add_argument("-j", "--jobs", type=positive_int, default=1, help="models run in parallel")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from rich.table import Table

    from conformance.cli.output import console, err_console, print_table, styled
    from conformance.corpus import models_under, run_all, select, summary

    root = Path(args.dir)
    models = models_under(root)
    mode = None if args.mode == "all" else args.mode
    models = select(models, max_runtime=args.max_runtime, mode=mode, match=args.match)
    if not models:
        err_console.print("no models match", style="yellow")
        return 2

    def done(run) -> None:
        if not args.quiet and not args.json:
            err_console.print(f"{run.verdict:11} {run.name}  {run.detail}",
                              markup=False, highlight=False)

    runs = run_all(models, timeout=args.timeout, jobs=args.jobs, on_done=done,
                   root=root if root.is_dir() else root.parent)
    counts = summary(runs)
    if args.json:
        print(json.dumps({"summary": counts, "models": [r.to_json() for r in runs]}, indent=1))
    else:
        table = Table(title=f"{len(runs)} models, embedded engine against the manifests")
        for col, justify in [("model", "left"), ("expected", "left"), ("got", "left"),
                             ("distinct", "right"), ("total", "right"), ("depth", "right"),
                             ("time", "right"), ("verdict", "left")]:
            table.add_column(col, justify=justify)  # type: ignore[arg-type]
        colour = {"agrees": "green", "disagrees": "red", "unsupported": "yellow",
                  "error": "magenta", "timeout": "cyan"}
        for r in runs:
            e = r.model.expect
            got = r.result

            def pair(want, have):
                if want is None:
                    return "" if have is None else f"{have:,}"
                return f"{'-' if have is None else format(have, ',')} / {want:,}"
            verdict = styled((r.verdict, colour.get(r.verdict, "white")),
                             f" {r.detail}" if r.detail else "")
            duration = got.get("duration")
            table.add_row(r.name, e.result if e else "success", got.get("outcome") or "",
                          pair(e.distinct_states if e else None, got.get("distinct")),
                          pair(e.total_states if e else None, got.get("generated")),
                          pair(e.state_depth if e else None, got.get("depth")),
                          "" if duration is None else f"{duration:.1f}s", verdict)
        print_table(table)
        console.print("  ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
    return 0 if set(counts) <= {"agrees"} else 1
