"""A cluster test's results on the terminal: the checks, the figures, the faults and how
long writes stopped after each, and where the files are. Plain text and :class:`Text` with
explicit styles (no markup: histories hold brackets), tables through
:func:`conformance.cli.output.print_table`."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from conformance.cli.output import print_table, styled
from conformance.cluster.run import Results, Snapshot


def _verdict(ok: bool | None) -> Text:
    if ok:
        return Text("yes", "green")
    return Text("unknown", "yellow") if ok is None else Text("NO", "bold red")


def print_results(r: Results, console: Console) -> None:
    s = r.settings
    extra = "".join(f", {k} {','.join(v) if isinstance(v, list) else v}"
                    for k, v in s.server.differences().items())
    console.print(styled(("cluster test", "bold"),
                         f": {s.protocol}, {s.nodes} nodes, {s.seconds:g}s, {s.clients} "
                         f"clients, nemesis {','.join(s.nemesis) or 'none'}, seed {s.seed}"
                         f"{extra}"))
    checks = Table(title="checks")
    for col in ("check", "verdict", "detail"):
        checks.add_column(col)
    for name, ok, detail in r.verdicts():
        checks.add_row(name, _verdict(ok), detail)
    print_table(checks, console)

    f = r.figures
    figs = Table(title="figures")
    for col in ("operations", "ok/s", "success", "unknown", "failed", "p50", "p99"):
        figs.add_column(col, justify="right")
    figs.add_row(f"{f.operations:,}", f"{f.ops_per_s:,.1f}", f"{100 * f.success_ratio:.1f}%",
                 f"{f.unknown:,}", f"{f.failed:,}", _ms(f.p50_ms), _ms(f.p99_ms))
    print_table(figs, console)

    if f.recoveries:
        rec = Table(title="faults that took the leader away: time to the next successful write")
        for col, j in (("at", "right"), ("fault", "left"), ("nodes", "left"),
                       ("next write after", "right")):
            rec.add_column(col, justify=j)  # type: ignore[arg-type]
        for x in f.recoveries:
            rec.add_row(f"{x.at:.1f}s", x.fault, ",".join(x.nodes),
                        Text("none", "red") if x.seconds is None else f"{x.seconds:.2f}s")
        print_table(rec, console)
        done = sorted(x.seconds for x in f.recoveries if x.seconds is not None)
        if done:
            console.print(f"recovery: median {done[len(done) // 2]:.2f}s, "
                          f"max {done[-1]:.2f}s over {len(done)} faults")
    counts: dict[str, int] = {}
    for fault in r.history.faults:
        counts[fault.kind] = counts.get(fault.kind, 0) + 1
    if counts:
        console.print("faults: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    for w in r.windows:
        console.print(styled((f"key {w.key}", "bold red"),
                             f": the smallest window that cannot be linearized, "
                             f"{w.start:.3f}s .. {w.end:.3f}s:"))
        for op in w.ops:
            end = "never" if op.complete is None else f"{op.complete:.3f}"
            console.print(f"  {op.process:>6}  {op.invoke:9.3f} .. {end:>9}  {op.describe()}")
    for lost in r.durability.lost[:10]:
        console.print(styled(("lost", "bold red"),
                             f": {lost.write.describe()} by {lost.write.process} at "
                             f"{lost.write.invoke:.3f}s; the final value {lost.final!r} was "
                             "written before it began"))
    console.print(f"checked in {r.check_seconds:.1f}s; timeline: {r.files['timeline']}; "
                  f"history: {r.files['history']}; logs and traces: {r.files['logs']}")


def progress_line(p: Snapshot) -> str:
    last = p.faults[-1] if p.faults else None
    fault = ""
    if last is not None:
        state = "" if last.end is not None else " (now)"
        fault = f", last fault {last.kind} {','.join(last.nodes)} at {last.start:.1f}s{state}"
    ratio = f"{100 * p.ok / p.operations:.0f}%" if p.operations else "-"
    return (f"{min(p.elapsed, p.seconds):5.1f}s / {p.seconds:g}s  {p.operations:,} operations, "
            f"{ratio} ok, {len(p.faults)} faults{fault}")


def _ms(v: float | None) -> str:
    return "-" if v is None else f"{v:,.1f} ms"
