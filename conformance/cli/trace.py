"""``conform trace``: read a trace file, show it, export it as ITF."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("trace", help="show a trace file or export it as ITF")
    tsub = p.add_subparsers(dest="trace_command", metavar="ACTION", required=True)

    show = tsub.add_parser("show", help="print a trace, state by state")
    show.add_argument("file", help="a trace file (.ndjson), or an ITF file with --itf")
    show.add_argument("--itf", action="store_true", help="the file is ITF JSON")
    show.add_argument("--all", action="store_true",
                      help="print every variable in every state, not only the changed ones")
    show.set_defaults(func=_show)

    itf = tsub.add_parser("itf", help="export a trace as ITF JSON (Apalache/Quint)")
    itf.add_argument("file")
    itf.add_argument("-o", "--output", help="where to write (default: FILE with .itf.json)")
    itf.set_defaults(func=_itf)


def _show(args: argparse.Namespace) -> int:
    from conformance.cli.output import console, print_trace
    from conformance.trace import read_itf, read_trace
    from conformance.values import reset_names

    # a trace file is printed without its spec: record fields in alphabetical order, as a
    # fresh `conform` process prints them, whatever spec this process loaded before
    reset_names()
    trace = read_itf(args.file) if args.itf else read_trace(args.file)
    h = trace.header
    origin = ", ".join(f"{k}={v}" for k, v in h.origin.items())
    console.print(f"[bold]{h.spec}[/]" + (f" / {h.model}" if h.model else "")
                  + (f"  ({origin})" if origin else ""))
    if h.violated:
        console.print(f"counterexample to [bold]{h.violated}[/]")
    print_trace(trace, changed_only=not args.all)
    return 0


def _itf(args: argparse.Namespace) -> int:
    from pathlib import Path

    from conformance.cli.output import console
    from conformance.trace import read_trace, write_itf

    trace = read_trace(args.file)
    out = Path(args.output) if args.output else Path(args.file).with_suffix(".itf.json")
    write_itf(trace, out)
    console.print(f"wrote {out}")
    return 0
