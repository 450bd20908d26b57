"""Terminal output shared by the subcommands: errors, result tables, traces."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from conformance.errors import UserError
from conformance.result import CheckResult
from conformance.trace.schema import Trace
from conformance.values import to_tla

if TYPE_CHECKING:
    from conformance.smt.proof import ProofResult

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def print_error(e: UserError) -> None:
    where = escape(f"{e.position}: ") if e.position else ""
    err_console.print(f"[bold red]error:[/] {where}", end="")
    err_console.print(e.message, markup=False, soft_wrap=True)
    if e.hint:
        err_console.print(e.hint, markup=False, style="yellow", soft_wrap=True)


def _fmt(n: int | None) -> str:
    return "" if n is None else f"{n:,}"


def results_table(results: Iterable[CheckResult], title: str | None = None,
                  expected: Iterable[tuple[str, bool]] | None = None) -> Table:
    """One row per checked model. ``expected`` adds what each model was expected to give
    (a manifest's word) and whether the result agrees with it."""
    table = Table(title=title)
    expected_cells = list(expected) if expected is not None else None
    for col, justify in [("spec", "left"), ("model", "left"), ("engine", "left"),
                         ("outcome", "left"), ("violated", "left"), ("states", "right"),
                         ("distinct", "right"), ("depth", "right"), ("trace", "right"),
                         ("time", "right")]:
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    if expected_cells is not None:
        table.add_column("expected", justify="left")
    for i, r in enumerate(results):
        colour = "green" if r.ok else ("red" if r.outcome.is_violation else "magenta")
        trace = str(len(r.counterexample.steps)) if r.counterexample else ""
        row = [r.spec, r.model, r.engine, f"[{colour}]{r.outcome.value}[/]",
               r.violated or "", _fmt(r.states_generated), _fmt(r.distinct_states),
               _fmt(r.depth), trace, "" if r.duration is None else f"{r.duration:.1f}s"]
        if expected_cells is not None:
            word, agrees = expected_cells[i]
            row.append(f"[green]{word} ✓[/]" if agrees else f"[bold red]{word} ✗[/]")
        table.add_row(*row)
    return table


def print_trace(trace: Trace, *, changed_only: bool = True, out: Console | None = None) -> None:
    """A counterexample as TLC shows one: each state, the action that led to it, and (by
    default) only the variables that changed."""
    out = out or console
    previous: dict = {}
    for step in trace.steps:
        where = f" ({step.location})" if step.location else ""
        params = ""
        if step.params:
            params = "(" + ", ".join(f"{k} = {to_tla(v)}" for k, v in step.params.items()) + ")"
        node = f" @{step.node}" if step.node else ""
        out.print(f"[bold]{step.index}: {step.action}{params}[/]{node}{where}")
        for var, value in step.state.items():
            if changed_only and var in previous and previous[var] == value:
                continue
            out.print(f"    /\\ {var} = {to_tla(value)}", markup=False)
        previous = step.state
    if trace.header.loop is not None:
        out.print(f"[bold]-> back to state {trace.header.loop}[/] (the behavior loops)")


def print_proofs(results: list[ProofResult], seconds: float,
                 out: Console | None = None) -> None:
    """The table of ``conform prove``, then every counterexample, then one verdict line."""
    out = out or console
    table = Table(title="Z3 proofs about the implementation's predicates",
                  caption="the last group runs the proofs on deliberately broken predicates "
                          "(conformance/smt/broken.py): each must end in a counterexample")
    for col, justify in [("property", "left"), ("parameters", "left"), ("result", "left"),
                         ("time", "right")]:
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for i, r in enumerate(results):
        last_of_group = i + 1 < len(results) and results[i + 1].claim.group != r.claim.group
        table.add_row(r.claim.property, r.claim.parameters, _verdict_text(r),
                      f"{r.seconds:.2f}s", end_section=last_of_group)
    out.print(table)

    for r in results:
        f = r.finding
        if f.counterexample is None and not f.note:
            continue
        mark = "[green]✓[/]" if r.ok else "[bold red]✗[/]"
        out.print(f"\n{mark} [bold]{r.claim.property}[/] ({r.claim.parameters}): "
                  f"{f.verdict.value}" + (" as expected" if r.ok else ""), markup=True)
        if f.note:
            out.print(f"    {f.note}", markup=False)
        if f.counterexample is not None:
            out.print(f"    {f.counterexample.summary}", markup=False)
            for line in f.counterexample.lines:
                out.print(f"      {line}", markup=False)

    failed = [r for r in results if not r.ok]
    if failed:
        out.print(f"\n[bold red]{len(failed)} of {len(results)} claims failed[/] "
                  f"in {seconds:.1f}s")
    else:
        out.print(f"\n[bold green]all {len(results)} claims as expected[/] in {seconds:.1f}s")


def _verdict_text(r: ProofResult) -> str:
    word = r.finding.verdict.value
    if r.ok:
        return f"[green]{word}[/]" + (" (expected)" if r.claim.expect.value != "proved" else "")
    return f"[bold red]{word}[/] (expected {r.claim.expect.value})"
