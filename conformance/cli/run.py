"""``conform run``: a conformance campaign — Hypothesis schedules, every step validated.

``conform run --protocol raft --examples 500 --seed 7 --profile deep --bug commit_old_term``

Exit status: 0 when every run conformed, 1 when one diverged (its shrunk trace is saved under
``traces/failing/`` and the path printed), 2 on bad input.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from conformance.cli import coverage, spreading
from conformance.cli.arguments import positive_int


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="check the implementation against the spec under "
                                   "Hypothesis-generated fault schedules")
    p.add_argument("--protocol", default="raft",
                   help="the protocol to check, or 'all' (default: raft)")
    p.add_argument("--profile", default="ci", help="ci (fixed seed, CI-sized) or deep")
    p.add_argument("--examples", type=positive_int,
                   help="runs to generate (default: the profile's)")
    p.add_argument("--seed", type=int, help="Hypothesis seed (default: the profile's; deep: "
                                            "a fresh one, printed)")
    p.add_argument("--max-decisions", type=positive_int, help="the longest schedule of one run")
    p.add_argument("--bug", help="switch on planted bug(s) of the implementation, "
                                 "comma-separated (see `conform bugs --list`)")
    p.add_argument("--out", type=Path, help="where failing traces go (default: "
                                            "traces/failing/)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    spreading.add_options(p, database_default=None)
    coverage.add_options(p)
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from conformance import protocols
    from conformance.cli.output import console, print_table, styled
    from conformance.cli.progress import summary_table
    from conformance.errors import UserError
    from conformance.schedules import profiles
    from conformance.schedules.spread import Campaign
    from conformance.visual.trace_page import html_path

    names = protocols.names() if args.protocol == "all" else [args.protocol]
    if args.protocol == "all" and args.bug:
        # a planted bug belongs to one protocol: run the ones that have it
        wanted = set(args.bug.split(","))
        names = [n for n in names if wanted <= set(protocols.get(n).bugs)]
        if not names:
            raise UserError(f"no protocol has the planted bug(s) {args.bug}",
                            hint="`conform bugs --list --protocol all` lists them")
    profile = profiles.get(args.profile).with_overrides(
        examples=args.examples, seed=args.seed, max_decisions=args.max_decisions)
    profile = profile.with_overrides(seed=profiles.resolve_seed(profile))
    campaigns = []
    for name in names:
        protocol = protocols.get(name)
        campaigns.append(Campaign(protocol, protocol.check_bug(args.bug)))
    done = spreading.run(campaigns, profile, args)
    results = [r for _, r in done]
    for c, r in done:
        protocol = c.protocol
        if not args.json and r.divergence is not None:
            console.print(styled("\n", (f"{protocol.name}: the implementation left the spec",
                                         "bold red"),
                                 f" (found at example {r.progress.found_at_example}, shrunk "
                                 f"to {r.shrunk_decisions} decisions and {r.shrunk_events} "
                                 "events)"))
            console.print(r.divergence.render())
            if r.trace_file is not None:
                console.print(styled("trace saved: ", (str(r.trace_file), "bold"),
                                     f"\nits picture: {html_path(r.trace_file)}"
                                     f"\nreplay it: conform replay {r.trace_file}   "
                                     f"(or: make replay TRACE={r.trace_file})"))
        if not args.json and r.error:
            console.print(styled((f"{protocol.name}: the run broke down:", "bold magenta"),
                                 f" {r.error}"))
    covered = {id(r): rep for r, rep in coverage.reports(done, args)}
    if args.json:
        print(json.dumps([dict(r.summary(), coverage=covered[id(r)].to_json()
                               if id(r) in covered else None) for r in results], indent=2))
    else:
        print_table(summary_table(results))
        coverage.print_reports([(r, covered[id(r)]) for r in results if id(r) in covered])
    return 0 if all(r.ok for r in results) else 1
