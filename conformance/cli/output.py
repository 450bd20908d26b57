"""Terminal output shared by the subcommands: errors, result tables, traces.

Nothing printed is read as rich markup: the consoles are made with ``markup=False``, so a
TLA+ value such as ``[type |-> "Vote"]`` or a path with brackets prints as it is. Colour is
asked for explicitly, with :func:`styled` (literal parts, each with a style) or ``style=``.
Tables go through :func:`print_table`: on a terminal too narrow for one, a block per row; in
a log or a pipe, plain columns as wide as their widest cell; never a cell cut with "…".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table
from rich.text import Text

from conformance.errors import UserError
from conformance.result import CheckResult
from conformance.trace.schema import Trace
from conformance.values import to_tla

if TYPE_CHECKING:
    from conformance.smt.proof import ProofResult


def make_console(stderr: bool = False) -> Console:
    """A console that prints text as given (no markup, no highlighting) and leaves long
    lines to the terminal to wrap rather than breaking them itself."""
    return Console(stderr=stderr, highlight=False, markup=False, soft_wrap=True)


console = make_console()
err_console = make_console(stderr=True)


def styled(*parts: str | tuple[str, str]) -> Text:
    """Text from literal parts: a string as it is, a (text, style) pair styled."""
    out = Text()
    for part in parts:
        if isinstance(part, tuple):
            out.append(part[0], style=part[1])
        else:
            out.append(part)
    return out


def print_table(table: Table, out: Console | None = None) -> None:
    """A table that fits. On a terminal wide enough for it, a table; on one too narrow, a
    block per row (``column: value`` lines), so that no cell is cut or folded into slivers;
    elsewhere (a CI log, a pipe) plain columns as wide as they need to be."""
    out = out or console
    if not out.is_terminal:
        out.print(plain_table(table), soft_wrap=True)
    elif _natural_width(table) <= out.width:
        out.print(table)
    else:
        out.print(stacked_table(table), soft_wrap=True)


def _plain(cell: object) -> str:
    return cell.plain if isinstance(cell, Text) else str(cell)


def _columns(table: Table) -> tuple[list[str], list[list[str]], list[int]]:
    heads = [_plain(c.header) for c in table.columns]
    cols = [[_plain(cell) for cell in c.cells] for c in table.columns]
    widths = [max([len(h)] + [len(x) for x in col]) for h, col in zip(heads, cols)]
    return heads, cols, widths


def _natural_width(table: Table) -> int:
    """The width of the table with no cell wrapped: cells, padding and rules."""
    _, _, widths = _columns(table)
    return sum(widths) + 3 * len(widths) + 1


def stacked_table(table: Table) -> str:
    """The table as one block per row: the first cell, then each other cell on its line."""
    heads, cols, _ = _columns(table)
    width = max((len(h) for h in heads[1:]), default=0)
    lines = [_plain(table.title)] if table.title else []
    for n in range(max((len(c) for c in cols), default=0)):
        lines.append(f"{heads[0]}: {cols[0][n]}" if heads else "")
        lines.extend(f"  {h.ljust(width)}  {col[n]}" for h, col in zip(heads[1:], cols[1:])
                     if n < len(col) and col[n])
    if table.caption:
        lines.append(_plain(table.caption))
    return "\n".join(lines)


def plain_table(table: Table) -> str:
    """The table as plain text: a title, a header row underlined, one line per row."""
    heads, cols, widths = _columns(table)
    right = [c.justify == "right" for c in table.columns]

    def line(cells: list[str]) -> str:
        return "  ".join(x.rjust(w) if r else x.ljust(w)
                         for x, w, r in zip(cells, widths, right)).rstrip()

    lines = [_plain(table.title)] if table.title else []
    lines.append(line(heads))
    lines.append(line(["-" * w for w in widths]))
    for n in range(max((len(c) for c in cols), default=0)):
        lines.append(line([col[n] if n < len(col) else "" for col in cols]))
    if table.caption:
        lines.append(_plain(table.caption))
    return "\n".join(lines)


def print_error(e: UserError) -> None:
    where = f"{e.position}: " if e.position else ""
    err_console.print(styled(("error:", "bold red"), " ", where, e.message))
    if e.hint:
        err_console.print(e.hint, style="yellow")


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
        row: list[str | Text] = [r.spec, r.model, r.engine, Text(r.outcome.value, colour),
               r.violated or "", _fmt(r.states_generated), _fmt(r.distinct_states),
               _fmt(r.depth), trace, "" if r.duration is None else f"{r.duration:.1f}s"]
        if expected_cells is not None:
            word, agrees = expected_cells[i]
            row.append(Text(f"{word} ✓", "green") if agrees else Text(f"{word} ✗", "bold red"))
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
        out.print(styled((f"{step.index}: {step.action}{params}", "bold"), node, where))
        for var, value in step.state.items():
            if changed_only and var in previous and previous[var] == value:
                continue
            out.print(f"    /\\ {var} = {to_tla(value)}")
        previous = step.state
    if trace.header.loop is not None:
        out.print(styled((f"-> back to state {trace.header.loop}", "bold"),
                         " (the behavior loops)"))


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
    print_table(table, out)

    for r in results:
        f = r.finding
        if f.counterexample is None and not f.note:
            continue
        mark = ("✓", "green") if r.ok else ("✗", "bold red")
        out.print(styled("\n", mark, " ", (r.claim.property, "bold"),
                         f" ({r.claim.parameters}): {f.verdict.value}"
                         + (" as expected" if r.ok else "")))
        if f.note:
            out.print(f"    {f.note}")
        if f.counterexample is not None:
            out.print(f"    {f.counterexample.summary}")
            for line in f.counterexample.lines:
                out.print(f"      {line}")

    failed = [r for r in results if not r.ok]
    if failed:
        out.print(styled("\n", (f"{len(failed)} of {len(results)} claims failed", "bold red"),
                         f" in {seconds:.1f}s"))
    else:
        out.print(styled("\n", (f"all {len(results)} claims as expected", "bold green"),
                         f" in {seconds:.1f}s"))


def _verdict_text(r: ProofResult) -> Text:
    word = r.finding.verdict.value
    if r.ok:
        return styled((word, "green"),
                      " (expected)" if r.claim.expect.value != "proved" else "")
    return styled((word, "bold red"), f" (expected {r.claim.expect.value})")
