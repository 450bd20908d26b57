"""The options of ``conform run`` and ``conform bugs`` that spread campaigns over processes
(``-j``) and machines (``--shard``), and the example database they share."""

from __future__ import annotations

import argparse
import os

from conformance.cli.arguments import nonnegative_int
from conformance.errors import UserError
from conformance.schedules.campaign import CampaignResult
from conformance.schedules.profiles import Profile
from conformance.schedules.spread import Campaign, parse_shard, plan, run_spread


def add_options(p: argparse.ArgumentParser, database_default: str | None) -> None:
    p.add_argument("-j", "--jobs", type=nonnegative_int, default=1,
                   help="worker processes (default 1; 0: one per core); the verdict and "
                        "the runs are the same for any number")
    p.add_argument("--shard", metavar="I/N", type=_shard, default=(1, 1),
                   help="run the I-th of N shares of the campaigns' slices (for a CI "
                        "matrix or a batch scheduler; the N shards together run exactly "
                        "the unsharded campaign)")
    p.add_argument("--example-db", metavar="DB", default=database_default,
                   help="Hypothesis's example database: a directory, redis://host:port/db, "
                        "or none (default: "
                        + ("$CONFORM_EXAMPLE_DB, else .hypothesis/examples"
                           if database_default is None else database_default) + ")")


def _shard(text: str) -> tuple[int, int]:
    try:
        return parse_shard(text)
    except UserError as e:
        raise argparse.ArgumentTypeError(e.message) from None


def run(campaigns: list[Campaign], profile: Profile, args: argparse.Namespace
        ) -> list[tuple[Campaign, CampaignResult]]:
    """Run the campaigns with live progress; the results of those this shard ran."""
    from conformance.cli.progress import campaign_progress

    assert profile.seed is not None
    jobs = args.jobs if args.jobs > 0 else (os.cpu_count() or 1)
    slices = plan(campaigns, profile, profile.seed, args.shard)
    mine = [i for i in range(len(campaigns)) if any(s.campaign == i for s in slices)]
    names = [_name(campaigns[i]) for i in mine]
    examples = [sum(s.examples for s in slices if s.campaign == i) for i in mine]
    with campaign_progress(names, profile, examples, json_output=args.json) as update:
        results = run_spread(campaigns, profile, profile.seed, jobs=jobs, shard=args.shard,
                             save_dir=args.out, database=args.example_db,
                             on_progress=lambda i, p: update(mine.index(i), p))
    return [(c, r) for c, r in zip(campaigns, results, strict=True) if r is not None]


def _name(c: Campaign) -> str:
    return c.protocol.name + (f" +bug {','.join(c.bugs)}" if c.bugs else "")
