"""``conform modelcheck``: check models, compare them with their manifests, keep counterexamples.

Arguments are .tla files (with ``--config``, or the .cfg of the same name), manifests, or
folders (read through their ``manifest.json``). Each model runs on one engine (``auto``: TLC
when it is found, else the embedded engine); a result table follows, then the details of each
model that did not give what was expected. Every counterexample is written as a trace file
(``traces/counterexamples/`` by default) that ``conform trace show`` reads.

Exit status: 0 when every model gives what its manifest expects (a single spec without a
manifest: when it holds), 1 when one does not, 2 when a model could not be checked.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from conformance.cli.arguments import gigabytes, positive_int, seconds
from conformance.errors import UserError
from conformance.manifest import Model
from conformance.result import CheckResult, Progress

DEFAULT_TRACE_DIR = Path("traces") / "counterexamples"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("modelcheck", help="model-check specs and compare with their manifests",
                       description=__doc__.split("\n\n")[1] if __doc__ else None)
    p.add_argument("paths", nargs="*", default=["specs"], metavar="PATH",
                   help="a .tla file, a manifest.json, or a folder (default: specs)")
    p.add_argument("--config", metavar="FILE.cfg",
                   help="the model of a single .tla (default: the .cfg of the same name)")
    p.add_argument("--engine", choices=["auto", "tlc", "embedded"], default="auto",
                   help="auto (default): TLC when a jar and Java are found, else embedded")
    p.add_argument("--workers", default=None, metavar="N",
                   help="workers (TLC: threads; the embedded engine: processes), or "
                        "'auto', one per core (default: the manifest's, else auto)")
    p.add_argument("--timeout", type=seconds, default=None, metavar="SECONDS",
                   help="stop a model after this long (its outcome is then 'timeout')")
    p.add_argument("--max-memory", type=gigabytes, default=None, metavar="GB",
                   help="embedded engine: stop a model that needs more memory than this "
                   "(default: a quarter of the machine's, as Java gives TLC)")
    p.add_argument("--max-set-size", type=positive_int, default=None, metavar="N",
                   help="embedded engine: TLC's -maxSetSize, the largest set built (default "
                   "1,000,000)")
    p.add_argument("--trace-dir", type=Path, default=DEFAULT_TRACE_DIR, metavar="DIR",
                   help=f"where counterexamples are written (default: {DEFAULT_TRACE_DIR})")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.set_defaults(func=run)


@dataclass
class Row:
    model: Model
    result: CheckResult | None = None
    skipped: str | None = None
    differences: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    trace_file: Path | None = None

    @property
    def agrees(self) -> bool:
        return self.skipped is not None or not self.differences

    @property
    def status(self) -> int:
        if self.agrees:
            return 0
        assert self.result is not None
        return 2 if self.result.outcome.is_error else 1


def _workers(text: str | None, model: Model) -> int:
    value = text if text is not None else (model.expect.workers if model.expect else None)
    if value is None or value == "auto":
        return os.cpu_count() or 1
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise UserError(f"--workers must be a positive number or 'auto', not {value!r}")
    if n < 1:
        raise UserError(f"--workers must be at least 1, not {n}")
    return n


def run(args: argparse.Namespace) -> int:
    from conformance import manifest
    from conformance.engines import resolve_engine

    models = manifest.find_models(args.paths, args.config)
    if not models:
        raise UserError("no models to check: the manifest lists none")
    engine = resolve_engine(args.engine)
    if engine == "tlc":
        from conformance.tlc import find_toolchain

        find_toolchain()  # one clear message before any model runs
    rows = [_check(model, engine, args) for model in models]
    names: set[str] = set()
    for row in rows:
        if row.result is not None and row.result.counterexample is not None:
            row.trace_file = _write_trace(row, args.trace_dir, names)
    if args.json:
        json.dump([_as_json(r) for r in rows], sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        _print(rows, engine)
    return max((r.status for r in rows), default=0)


def _check(model: Model, engine: str, args: argparse.Namespace) -> Row:
    from conformance import manifest
    from conformance.cli.output import err_console
    from conformance.engines import check_model

    row = Row(model)
    if model.skip_reason:
        row.skipped = model.skip_reason
        return row
    workers = _workers(args.workers, model)
    line = _ProgressLine(f"{model.name} ({engine})")
    show = not args.json and err_console.is_terminal
    if show:
        with err_console.status(line, spinner="dots"):
            row.result = check_model(model.spec, model.config, engine=engine, workers=workers,
                                     timeout=args.timeout, progress=line.update,
                                     **_limits(args))
    else:
        # a log (CI) gets a line a minute while a model runs, and one when it ends
        logged = _LoggedProgress(line) if not args.json else None
        row.result = check_model(model.spec, model.config, engine=engine, workers=workers,
                                 timeout=args.timeout,
                                 progress=logged.update if logged else None,
                                 **_limits(args))
        if logged:
            logged.done(row.result)
    row.differences = manifest.disagreements(model, row.result)
    row.notes = manifest.notes(model, row.result) + row.result.warnings
    return row


def _limits(args: argparse.Namespace) -> dict:
    """The embedded engine's limits the command line sets (TLC keeps its own)."""
    out = {}
    if args.max_memory is not None:
        out["max_memory"] = args.max_memory
    if args.max_set_size is not None:
        out["max_set_size"] = args.max_set_size
    return out


class _ProgressLine:
    """The status line of a running model: the engine's last progress report and the time
    so far, redrawn by rich several times a second (TLC reports only once a minute)."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.started = time.monotonic()
        self.last: Progress | None = None

    def update(self, progress: Progress) -> None:
        self.last = progress

    def __rich__(self) -> str:
        parts = [f"checking {self.label}"]
        p = self.last
        if p is not None:
            if p.distinct_states is not None:
                parts.append(f"{p.distinct_states:,} distinct states")
            if p.states_left:
                parts.append(f"{p.states_left:,} to explore")
            if p.depth is not None:
                parts.append(f"depth {p.depth}")
        parts.append(f"{time.monotonic() - self.started:.0f}s")
        return ", ".join(parts)


class _LoggedProgress:
    """Progress for a log rather than a terminal: the status line printed at most once a
    minute, then the model's outcome, so a long CI run is never silent."""

    EVERY = 60.0

    def __init__(self, line: _ProgressLine) -> None:
        self.line = line
        self.next = time.monotonic() + self.EVERY

    def update(self, progress: Progress) -> None:
        self.line.update(progress)
        if time.monotonic() >= self.next:
            self.next = time.monotonic() + self.EVERY
            self._print(self.line.__rich__())

    def done(self, result: CheckResult) -> None:
        figures = [result.outcome.value + (f" ({result.violated})" if result.violated else "")]
        if result.distinct_states is not None:
            figures.append(f"{result.distinct_states:,} distinct states")
        if result.states_generated is not None:
            figures.append(f"{result.states_generated:,} generated")
        if result.depth is not None:
            figures.append(f"depth {result.depth}")
        if result.duration is not None:
            figures.append(f"{result.duration:.0f}s")
        self._print(f"{self.line.label}: " + ", ".join(figures))

    @staticmethod
    def _print(text: str) -> None:
        from conformance.cli.output import err_console

        err_console.print(text)


def _trace_name(model: Model) -> str:
    spec, cfg = model.spec.stem, model.config.stem
    return f"{cfg}.ndjson" if cfg.startswith(spec) else f"{spec}-{cfg}.ndjson"


def _write_trace(row: Row, folder: Path, names: set[str]) -> Path:
    from conformance.trace import write_trace
    from conformance.visual.trace_page import write_beside

    assert row.result is not None and row.result.counterexample is not None
    name = _trace_name(row.model)
    stem, n = name.removesuffix(".ndjson"), 2
    while name in names:
        name, n = f"{stem}-{n}.ndjson", n + 1
    names.add(name)
    try:
        path = write_trace(row.result.counterexample, folder / name)
    except OSError as e:
        raise UserError(f"cannot write the counterexample to {folder / name}: "
                        f"{e.strerror or e}", hint="Choose another folder with --trace-dir.")
    write_beside(row.result.counterexample, path)  # and as a page: conform trace html
    return path


# --------------------------------------------------------------------------- output


def _expected_word(row: Row) -> str:
    if row.model.expect is None:
        return "holds"
    return row.model.expect.result


def _print(rows: list[Row], engine: str) -> None:
    from conformance.cli.output import console, print_table, results_table

    checked = [r for r in rows if r.result is not None]
    with_manifest = any(r.model.expect is not None for r in rows)
    if checked:
        expected = [(_expected_word(r), r.agrees) for r in checked] if with_manifest else None
        print_table(results_table([r.result for r in checked if r.result], expected=expected))
    for row in rows:
        if row.skipped:
            console.print(f"skipped {row.model.name}: {row.skipped}", style="dim")
    for row in checked:
        _details(row)
    bad = [r for r in rows if not r.agrees]
    if len(rows) > 1:
        summary = (f"{len(checked)} model{'s' if len(checked) != 1 else ''} checked with "
                   f"{engine}")
        if bad:
            console.print(f"{summary}: {len(bad)} did not give what was expected",
                          style="bold red")
        else:
            console.print(f"{summary}: all as expected", style="green")


def _details(row: Row) -> None:
    from conformance.cli.output import console, styled
    from conformance.visual.trace_page import html_path

    r = row.result
    assert r is not None
    if r.ok and row.agrees and not row.notes:
        return
    console.print(styled((row.model.name, "bold"), f": {r.outcome.value}",
                         f" ({r.violated})" if r.violated else ""))
    for diff in row.differences:
        console.print(f"  {diff}", style="red")
    if r.message and not r.ok:
        console.print(f"  {r.message}")
    for pos in r.positions:
        console.print(f"  at {pos}")
    for note in row.notes:
        console.print(styled("  ", ("note:", "yellow"), f" {note}"))
    if row.trace_file is not None:
        steps = len(r.counterexample.steps) if r.counterexample else 0
        console.print(f"  counterexample ({steps} states) written to {row.trace_file}")
        console.print(f"  show it with: conform trace show {row.trace_file}, or open "
                      f"{html_path(row.trace_file)}")


def _as_json(row: Row) -> dict:
    out: dict = {"spec_file": str(row.model.spec), "config_file": str(row.model.config),
                 "expected": row.model.expect.result if row.model.expect else None,
                 "agrees": row.agrees, "differences": row.differences}
    if row.skipped:
        out["skipped"] = row.skipped
        return out
    r = row.result
    assert r is not None
    out.update(r.summary())
    out.update({"message": r.message, "positions": [p.to_json() for p in r.positions],
                "states_left": r.states_left, "tool_version": r.tool_version,
                "notes": row.notes,
                "trace_file": str(row.trace_file) if row.trace_file else None})
    return out
