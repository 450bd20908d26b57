"""Terminal output shared by the subcommands: errors, result tables, traces."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console
from rich.table import Table

from conformance.errors import UserError
from conformance.result import CheckResult
from conformance.trace.schema import Trace
from conformance.values import to_tla

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def print_error(e: UserError) -> None:
    err_console.print(f"[bold red]error:[/] {e.position}: " if e.position else "[bold red]error:[/] ",
                      end="")
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

