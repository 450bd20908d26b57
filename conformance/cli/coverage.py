"""The coverage part of ``conform run`` and ``conform bugs``: figures, tables, saved files.

Each campaign's coverage (:mod:`conformance.coverage`) is measured against its spec and the
spec's CI models, printed as two tables (actions, branches and states; the models' states and
transitions) and the branches no run took, put under ``"coverage"`` in the JSON summary, and
saved as ``traces/coverage/PROTOCOL[+BUG]-PROFILE-SEED[-shard-I-of-N].json`` (or under
``--coverage-out``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from conformance.coverage.report import CoverageReport, report, save
from conformance.schedules.campaign import CampaignResult
from conformance.schedules.spread import Campaign

DEFAULT_FOLDER = Path("traces/coverage")


def add_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--coverage-out", type=Path, metavar="DIR",
                   help=f"where each campaign's coverage is saved (default: {DEFAULT_FOLDER}/)")


def reports(done: list[tuple[Campaign, CampaignResult]], args: argparse.Namespace
            ) -> list[tuple[CampaignResult, CoverageReport]]:
    """Measure and save the coverage of each campaign that counted it."""
    from conformance.cli.output import err_console

    folder = args.coverage_out or DEFAULT_FOLDER
    out = []
    for c, r in done:
        if r.coverage is None:
            continue
        rep = report(c.protocol.spec, r.coverage,
                     on_progress=lambda text: err_console.print(f"coverage: {text}"))
        name = f"{r.protocol}{'+' + ','.join(r.bugs) if r.bugs else ''}-{r.profile}-{r.seed}"
        shard = getattr(args, "shard", (1, 1))
        if shard != (1, 1):
            name += f"-shard-{shard[0]}-of-{shard[1]}"
        r.coverage_file = save(rep, folder, name, {
            "protocol": r.protocol, "bugs": list(r.bugs), "profile": r.profile,
            "seed": r.seed, "examples": r.progress.examples, "verdict":
            "conforms" if r.ok else ("diverged" if r.divergence else "error")})
        out.append((r, rep))
    return out


def print_reports(rows: list[tuple[CampaignResult, CoverageReport]], missed: bool = True
                  ) -> None:
    from conformance.cli.output import console, print_table
    from conformance.cli.progress import coverage_table, missed_lines, model_table

    if not rows:
        return
    print_table(coverage_table(rows))
    if any(rep.models for _, rep in rows):
        print_table(model_table(rows))
    if missed:
        for r, rep in rows:
            lines = missed_lines(rep)
            if lines:
                console.print(f"{r.protocol}: branches no run took", soft_wrap=True)
                for line in lines:
                    console.print(line, soft_wrap=True, highlight=False, markup=False)
    files = [str(r.coverage_file) for r, _ in rows if r.coverage_file is not None]
    if files:
        console.print("coverage saved: " + ", ".join(files), soft_wrap=True)
