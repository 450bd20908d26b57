"""``conform bugs``: the planted-bug catalog — every bug must be caught.

For each planted bug of the protocol, a campaign runs with that bug switched on; it must
diverge from the spec and leave a shrunk, replayable trace. The table says how many examples
and seconds it took and how small the trace shrank. Exit status 0 when every bug was caught,
1 when one escaped.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from conformance.cli import coverage, spreading
from conformance.cli.arguments import positive_int


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bugs", help="run a campaign per planted bug; each must be caught")
    p.add_argument("--protocol", default="raft", help="the protocol, or 'all'")
    p.add_argument("--profile", default="ci")
    p.add_argument("--examples", type=positive_int,
                   help="most runs per bug (default: the profile's)")
    p.add_argument("--seed", type=int)
    p.add_argument("--only", help="comma-separated bugs to run (default: all)")
    p.add_argument("--list", action="store_true", help="list the planted bugs and stop")
    p.add_argument("--out", type=Path, help="where the traces go (default: traces/failing/)")
    p.add_argument("--json", action="store_true")
    # no example database by default: the catalog measures how soon each bug is found
    spreading.add_options(p, database_default="none")
    coverage.add_options(p)
    p.set_defaults(func=_bugs)


def _bugs(args: argparse.Namespace) -> int:
    from conformance import protocols
    from conformance.cli.output import console, print_table
    from conformance.cli.progress import bug_table
    from conformance.schedules import profiles
    from conformance.schedules.spread import Campaign

    names = protocols.names() if args.protocol == "all" else [args.protocol]
    profile = profiles.get(args.profile).with_overrides(examples=args.examples, seed=args.seed)
    profile = profile.with_overrides(seed=profiles.resolve_seed(profile))
    all_ok = True
    report: list[dict] = []
    campaigns = []
    for name in names:
        protocol = protocols.get(name)
        if args.list:
            for b in protocol.bugs:
                console.print(f"{protocol.name:10} {b:28} {protocol.bug_docs.get(b, '')}")
            continue
        chosen = protocol.check_bug(args.only) if args.only else protocol.bugs
        campaigns += [Campaign(protocol, (bug,)) for bug in chosen]
    done = spreading.run(campaigns, profile, args) if campaigns else []
    covered = {id(r): rep for r, rep in coverage.reports(done, args)}
    for name in names:
        protocol = protocols.get(name)
        results = [r for c, r in done if c.protocol is protocol]
        if not results:
            continue
        all_ok &= all(r.divergence is not None for r in results)
        report.extend(dict(r.summary(), coverage=covered[id(r)].to_json()
                           if id(r) in covered else None) for r in results)
        if not args.json:
            print_table(bug_table(results, protocol.bug_docs, covered))
            for r in results:
                if r.trace_file is not None:
                    console.print(f"  {','.join(r.bugs)}: {r.trace_file}")
    if args.json:
        print(json.dumps(report, indent=2))
    return 0 if all_ok else 1
