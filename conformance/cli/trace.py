"""``conform trace``: read a trace file, show it, export it as ITF."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("trace", help="show a trace file or export it as ITF")
    tsub = p.add_subparsers(dest="trace_command", metavar="ACTION", required=True)

    show = tsub.add_parser("show", help="print a trace, state by state")
    show.add_argument("file", help="a trace file (.ndjson), or an ITF file with --itf")
    show.add_argument("--itf", action="store_true", help="the file is ITF JSON")
    show.add_argument("--all", action="store_true",
                      help="print every variable in every state, not only the changed ones")
    show.set_defaults(func=_show)

    page = tsub.add_parser("html", help="draw a trace as one self-contained HTML page "
                                        "(message-sequence chart and spec state)")
    page.add_argument("paths", nargs="+", type=Path, metavar="FILE",
                      help="a trace file (.ndjson), an ITF file with --itf, or the node "
                           "traces of a real run (files, or their folder), merged")
    page.add_argument("--itf", action="store_true", help="the file is ITF JSON")
    page.add_argument("-o", "--output", type=Path,
                      help="where to write (default: FILE with .html; for node traces, "
                           "run.html in their folder)")
    page.set_defaults(func=_html)

    itf = tsub.add_parser("itf", help="export a trace as ITF JSON (Apalache/Quint)")
    itf.add_argument("file")
    itf.add_argument("-o", "--output", help="where to write (default: FILE with .itf.json)")
    itf.set_defaults(func=_itf)


def _show(args: argparse.Namespace) -> int:
    from conformance.cli.output import console, print_trace, styled
    from conformance.trace import read_itf, read_trace
    from conformance.values import reset_names

    # a trace file is printed without its spec: record fields in alphabetical order, as a
    # fresh `conform` process prints them, whatever spec this process loaded before
    reset_names()
    trace = read_itf(args.file) if args.itf else read_trace(args.file)
    h = trace.header
    origin = ", ".join(f"{k}={v}" for k, v in h.origin.items())
    console.print(styled((h.spec, "bold"), f" / {h.model}" if h.model else "",
                         f"  ({origin})" if origin else ""))
    if h.violated:
        console.print(styled("counterexample to ", (h.violated, "bold")))
    print_trace(trace, changed_only=not args.all)
    return 0


def _html(args: argparse.Namespace) -> int:
    from conformance.cli.output import console
    from conformance.record.reader import is_node_trace, node_files
    from conformance.trace import read_itf, read_trace
    from conformance.visual.trace_page import html_path, run_page_path, write_html

    files = [args.paths[0]] if args.itf else node_files(args.paths)
    if args.itf or (len(files) == 1 and not args.paths[0].is_dir()
                    and not is_node_trace(files[0])):
        path = files[0]
        trace = read_itf(path) if args.itf else read_trace(path)
        out = args.output or html_path(path)
        write_html(trace, out, name=path.name)
    else:
        from conformance.record.merge import merge_files
        from conformance.visual.trace_page import write_run

        out = args.output or run_page_path(args.paths)
        write_run(merge_files(files), None, out)
    console.print(f"wrote {out}")
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
