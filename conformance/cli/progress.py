"""Live progress and summary tables of conformance campaigns."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from conformance.cli.output import console, err_console, styled
from conformance.coverage.report import CoverageReport, branch_text
from conformance.schedules.campaign import CampaignResult
from conformance.schedules.campaign import Progress as CampaignProgress
from conformance.schedules.profiles import Profile

out, errors = console, err_console  # the names the other modules of the CLI use


@contextlib.contextmanager
def campaign_progress(names: list[str], profile: Profile, examples: list[int],
                      json_output: bool = False
                      ) -> Iterator[Callable[[int, CampaignProgress], None]]:
    """Progress of campaigns running side by side (``names[i]`` runs ``examples[i]``
    examples here): a bar each on a terminal; else a plain line per 10% of a campaign, on
    stderr when stdout carries JSON. Yields ``update(i, progress)``."""
    shown = errors if json_output else console
    for name, n in zip(names, examples, strict=True):
        shown.print(styled((name, "bold"), f": profile {profile.name}, {n} examples, "
                                           f"seed {profile.seed}"))
    if json_output or not console.is_terminal:
        steps = [max(1, n // 10) for n in examples]
        said: dict[int, int] = {}
        told: set[int] = set()

        def plain(i: int, p: CampaignProgress) -> None:
            if p.found_at_example is not None:
                if i not in told:
                    told.add(i)
                    shown.print(f"  {names[i]}: diverged at example {p.found_at_example}; "
                                "shrinking")
                return
            mark = p.examples // steps[i]
            if mark > said.get(i, 0):
                said[i] = mark
                shown.print(f"  {names[i]}: {p.examples} examples, {p.events:,} events, "
                            f"{p.events / max(p.seconds, 1e-9):,.0f} events/s, "
                            f"{p.cpu_seconds:,.0f} CPU seconds")
        yield plain
        return
    bar = Progress(TextColumn("{task.description}", markup=False), BarColumn(),
                   MofNCompleteColumn(),
                   TextColumn("{task.fields[info]}"), TimeElapsedColumn(), console=console,
                   transient=True)
    with bar:
        tasks = [bar.add_task(name, total=n, info="") for name, n in zip(names, examples,
                                                                         strict=True)]

        def update(i: int, p: CampaignProgress) -> None:
            if p.found_at_example is not None:
                info = f"[red]diverged at example {p.found_at_example}[/]; shrinking " \
                       f"(run {p.shrink_runs})"
                bar.update(tasks[i], info=info)
                return
            best = ", ".join(f"{k} {v:g}" for k, v in p.best.items())
            bar.update(tasks[i], completed=p.examples,
                       info=f"{p.events:,} events, {p.events / max(p.seconds, 1e-9):,.0f}/s"
                            + (f"; best: {best}" if best else ""))
        yield update


def summary_table(results: list[CampaignResult]) -> Table:
    table = Table(title="conformance")
    for col, justify in [("protocol", "left"), ("bug", "left"), ("profile", "left"),
                         ("seed", "right"), ("examples", "right"), ("events", "right"),
                         ("events/s", "right"), ("time", "right"), ("verdict", "left"),
                         ("shrunk trace", "left")]:
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for r in results:
        p = r.progress
        if r.ok:
            verdict = Text("conforms", "green")
        elif r.divergence is not None:
            verdict = styled((r.divergence.kind, "red"), f" at event {r.divergence.index} "
                                                        f"({r.divergence.action})")
        else:
            verdict = Text("error", "magenta")
        shrunk = "" if r.trace_file is None else \
            f"{r.shrunk_decisions} decisions, {r.shrunk_events} events: {r.trace_file.name}"
        table.add_row(r.protocol, ",".join(r.bugs) or "-", r.profile, str(r.seed),
                      f"{p.examples:,}", f"{p.events:,}",
                      f"{p.events / r.seconds:,.0f}" if r.seconds else "",
                      f"{r.seconds:.1f}s", verdict, shrunk)
    return table


def bug_table(results: list[CampaignResult], docs: dict[str, str],
              covered: dict[int, CoverageReport] | None = None) -> Table:
    """The planted-bug catalog: each bug, how soon it was found, how small it shrank, and
    the coverage its campaign reached (before the bug was found)."""
    table = Table(title="planted bugs", caption="found at: the example that first "
                  "diverged, and the seconds until then; events and decisions: of the shrunk "
                  "trace and its schedule; shrinking: seconds spent making it small; "
                  "actions, branches, states: the spec coverage of the runs until then")
    for col, justify in [("bug", "left"), ("what it breaks", "left"), ("found", "left"),
                         ("found at", "right"), ("seconds", "right"), ("events", "right"),
                         ("decisions", "right"), ("shrinking", "right"),
                         ("divergence", "left"), ("actions", "right"), ("branches", "right"),
                         ("states", "right")]:
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for r in results:
        rep = (covered or {}).get(id(r))
        bug = ",".join(r.bugs)
        p = r.progress
        found = Text("yes", "green") if r.divergence is not None else Text("NO", "bold red")
        table.add_row(bug, docs.get(bug, ""), found,
                      "" if p.found_at_example is None else str(p.found_at_example),
                      "" if p.found_after is None else f"{p.found_after:.1f}",
                      "" if r.shrunk_events is None else str(r.shrunk_events),
                      "" if r.shrunk_decisions is None else str(r.shrunk_decisions),
                      "" if p.found_after is None else f"{r.seconds - p.found_after:.1f}",
                      "" if r.divergence is None else
                      f"{r.divergence.action}: {r.divergence.kind}",
                      "" if rep is None else f"{rep.actions_covered}/{len(rep.actions)}",
                      "" if rep is None else
                      f"{rep.branches_covered}/{len(rep.live)}",
                      "" if rep is None else f"{rep.states:,}")
    return table


def coverage_table(rows: list[tuple[CampaignResult, CoverageReport]]) -> Table:
    """What each campaign reached in its spec: actions, branches, distinct states."""
    table = Table(title="coverage", caption="actions and branches: of the spec's next-state "
                  "relation, covered / all (branches: / those live under the runs' "
                  "constants); states: distinct spec states the runs reached")
    for col, justify in [("protocol", "left"), ("bug", "left"), ("actions", "right"),
                         ("branches", "right"), ("", "right"), ("states", "right"),
                         ("not covered", "left")]:
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for r, rep in rows:
        missed = rep.missed_actions()
        table.add_row(r.protocol, ",".join(r.bugs) or "-",
                      f"{rep.actions_covered}/{len(rep.actions)}",
                      f"{rep.branches_covered}/{len(rep.live)}",
                      f"{100 * rep.branch_fraction:.0f}%", f"{rep.states:,}",
                      ("actions: " + ", ".join(missed) + "; " if missed else "")
                      + f"{len(rep.missed_branches())} branches"
                      + (f" (disabled by the constants: {', '.join(rep.disabled)})"
                         if rep.disabled else ""))
    return table


def model_table(rows: list[tuple[CampaignResult, CoverageReport]]) -> Table:
    """How much of each CI model's reachable states and transitions the runs covered."""
    table = Table(title="coverage of the CI models", caption="runs under a model's "
                  "constants, measured against its reachable states and transitions "
                  "(state, action); outside: states they reached beyond the model's bounds")
    for col, justify in [("protocol", "left"), ("bug", "left"), ("model", "left"),
                         ("states", "right"), ("", "right"), ("transitions", "right"),
                         ("", "right"), ("outside", "right")]:
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for r, rep in rows:
        for m in rep.models:
            table.add_row(r.protocol, ",".join(r.bugs) or "-", m.model,
                          f"{m.states_covered:,}/{m.states:,}",
                          f"{100 * m.state_fraction:.1f}%",
                          f"{m.transitions_covered:,}/{m.transitions:,}",
                          f"{100 * m.transition_fraction:.1f}%", f"{m.outside:,}")
    return table


def missed_lines(rep: CoverageReport, most: int = 12) -> list[str]:
    """The live branches no run took, with where they are and how they read."""
    out = []
    missed = rep.missed_branches()
    for k in missed[:most]:
        out.append(f"  {k.action}: {k.kind} at {rep.spec.name}:{k.line}:{k.col}  "
                   f"{branch_text(rep.spec, k)}")
    if len(missed) > most:
        out.append(f"  ... and {len(missed) - most} more (conform run --json lists them all)")
    return out
