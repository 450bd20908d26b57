"""``conform validate PATH...``: check recorded traces against the spec, step by step.

No implementation runs: the events in the files are checked as they are. PATH is either one
whole-cluster trace (a conformance run's, a model checker's), or the traces of a real run's
nodes, one file per node (written by :mod:`conformance.record`), given as files or as the
folder that holds them (``conform validate conform-cluster/``). Node traces are merged first
(:mod:`conformance.record.merge`), and the run conforms when some order of its events that
causality allows is a behavior of the spec (:mod:`conformance.validate.causal`).

The spec and its constants come from the header (its protocol's spec, or
``specs/<spec>.tla``; ``--spec`` overrides). The invariants and action properties are the
header's, else the protocol's, else those of the spec's own ``.cfg``; the output names the
ones it checked (``--invariant`` adds more). With ``--tlc`` a whole-cluster trace is checked
by TLC as well, and the two verdicts are compared.

Exit status: 0 when the trace conforms, 1 when it diverges (or the validators disagree, or a
bounded search gave no answer), 2 on bad input.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="check recorded traces against the spec")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                   help="a trace file, or the node traces of one run (files, or their folder)")
    p.add_argument("--spec", type=Path, help="the TLA+ module (default: from the header)")
    p.add_argument("--invariant", action="append", default=[],
                   help="an invariant to check besides the protocol's (repeatable)")
    p.add_argument("--tlc", action="store_true",
                   help="check it with TLC too (needs TLA2TOOLS_JAR and java; "
                        "whole-cluster traces only)")
    p.add_argument("--max-states", type=int, default=500_000,
                   help="node traces: how many (position, spec state) pairs the search over "
                        "orders of concurrent events may visit (default 500000)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_validate)


def _validate(args: argparse.Namespace) -> int:
    from conformance.errors import UserError
    from conformance.record.reader import is_node_trace, node_files

    files = node_files(args.paths)
    if len(files) == 1 and not args.paths[0].is_dir() and not is_node_trace(files[0]):
        return _validate_one(args, files[0])
    if args.tlc:
        raise UserError("--tlc checks a whole-cluster trace; node traces are merged and "
                        "checked by the embedded engine")
    return _validate_run(args, files)


# --------------------------------------------------------------------------- one trace


def _validate_one(args: argparse.Namespace, path: Path) -> int:
    import time

    from conformance.cli.output import console, styled
    from conformance.trace import read_trace
    from conformance.validate import Validator
    from conformance.validate.tlc import validate_with_tlc

    trace = read_trace(path)
    h = trace.header
    engine, checked = _engine(args, path, h.spec, h.protocol, h.constants,
                              h.extra.get("invariants"), h.extra.get("properties"))
    partial = h.extra.get("partial", [])
    if not isinstance(partial, list):
        from conformance.errors import Position, UserError
        raise UserError("the header's \"partial\" must be a list of variable names",
                        Position(str(path), 1))
    start = time.process_time()
    validator = Validator(engine, partial=partial)
    div = validator.validate(trace.steps)
    seconds = time.process_time() - start
    out: dict = {"file": str(path), "events": len(trace.steps) - 1,
                 "verdict": "conforms" if div is None else "diverged",
                 "checked": checked, "engine_seconds": round(seconds, 3)}
    if div is not None:
        out["divergence"] = div.to_json()
    if validator.truncated:
        out["warning"] = (f"the search over what the trace leaves out was cut at "
                          f"{validator.max_candidates} candidate states")
    code = 0 if div is None else 1
    tlc = None
    if args.tlc:
        tlc = validate_with_tlc(engine, trace, partial=partial)
        out["tlc"] = {"verdict": "conforms" if tlc.conforms else "diverged",
                      "diverged_at": tlc.diverged_at, "violated": tlc.violated,
                      "seconds": round(tlc.seconds, 3)}
        agree = tlc.conforms == (div is None) and (
            div is None or tlc.diverged_at == div.index)
        out["validators_agree"] = agree
        if not agree:
            code = 1
    if div is not None:
        out["page"] = str(_page_of_failure(trace, path, div))
    if args.json:
        print(json.dumps(out, indent=2))
        return code
    if div is None:
        console.print(styled(("conforms", "bold green"), f": all {out['events']} events of "
                             f"{path} are steps of {engine.spec.name}{_kept(checked)} "
                             f"({seconds:.2f}s)"))
    else:
        console.print(styled(("diverges from the spec:", "bold red")))
        console.print(div.render())
        console.print(f"its picture: {out['page']}")
    if "warning" in out:
        console.print(styled(("warning:", "yellow"), f" {out['warning']}"))
    if tlc is not None:
        console.print(f"{tlc.summary()} ({tlc.seconds:.1f}s)")
        if not out["validators_agree"]:
            console.print(styled(("the embedded validator and TLC disagree", "bold red")))
    return code


def _page_of_failure(trace, path: Path, div) -> Path:
    """The trace's page, with the divergence just found marked, beside the trace."""
    from dataclasses import replace

    from conformance.visual.trace_page import html_path, write_html

    header = replace(trace.header, extra={**trace.header.extra, "divergence": div.to_json()})
    return write_html(replace(trace, header=header), html_path(path), name=path.name)


# --------------------------------------------------------------------------- a run


def _validate_run(args: argparse.Namespace, files: list[Path]) -> int:
    import time

    from conformance.cli.output import console, styled
    from conformance.cli.output import err_console as errors
    from conformance.record.merge import merge_files
    from conformance.validate.causal import CausalValidator, Progress

    t0 = time.process_time()
    merged = merge_files(files)
    merge_seconds = time.process_time() - t0
    engine, checked = _engine(args, files[0], merged.spec, merged.protocol, merged.constants,
                              merged.invariants, merged.properties)
    shown = errors if args.json else console
    for note in merged.notes:
        shown.print(styled(("note:", "yellow"), f" {note}"))

    def progress(p: Progress) -> None:
        shown.print(f"  {p.validated:,}/{p.events:,} events placed, {p.states:,} states, "
                    f"{p.seconds:.0f}s")

    v = CausalValidator(engine, merged, max_states=args.max_states, progress=progress)
    r = v.run(merged.initial)
    nodes = ", ".join(f"{n} ({len(c)})" for n, c in sorted(merged.chains.items()))
    out: dict = {"files": [str(f) for f in files], "nodes": {n: len(c) for n, c in
                                                              sorted(merged.chains.items())},
                 "events": r.events, "messages": len(merged.messages),
                 "verdict": "conforms" if r.conforms else "diverged" if r.divergence
                 else "undecided",
                 "checked": checked, "states": r.states,
                 "merge_seconds": round(merge_seconds, 3),
                 "engine_seconds": round(r.seconds, 3), "notes": merged.notes + r.notes}
    if r.divergence is not None:
        out["divergence"] = r.divergence.to_json()
    if not r.conforms:
        from conformance.visual.trace_page import run_page_path, write_run

        out["page"] = str(write_run(merged, r, run_page_path(args.paths)))
    code = 0 if r.conforms else 1
    if args.json:
        print(json.dumps(out, indent=2))
        return code
    if r.conforms:
        console.print(styled(("conforms", "bold green"), f": the {r.events} events of {nodes}"
                             f", merged by causality, are a behavior of {engine.spec.name}"
                             f"{_kept(checked)} ({merge_seconds + r.seconds:.2f}s, "
                             f"{r.states:,} states)"))
    elif r.divergence is not None:
        console.print(styled(("diverges from the spec:", "bold red"), " no order of the "
                             f"events explains this one ({r.validated} of {r.events} events "
                             f"placed, {r.states:,} states tried)"))
        console.print(r.divergence.render())
    else:
        console.print(styled(("undecided", "bold yellow"), f": {r.validated} of {r.events} "
                             "events placed"))
    if "page" in out:
        console.print(f"its picture: {out['page']}")
    for note in r.notes:
        console.print(styled(("note:", "yellow"), f" {note}"))
    return code


# --------------------------------------------------------------------------- the spec


def _engine(args, path: Path, spec_name: str, protocol: str | None, constants: dict,
            invariants: list | None, properties: list | None):
    """The spec bound to the trace's constants, and the checks it makes (named)."""
    from conformance import protocols
    from conformance.errors import Position, UserError
    from conformance.heap import Frozen
    from conformance.protocols import SPECS
    from conformance.validate import SpecEngine

    spec = args.spec
    proto = protocols.get(protocol) if protocol in protocols.names() else None
    if proto is not None:
        spec = spec or proto.spec
    spec = Path(spec or SPECS / f"{spec_name}.tla")
    if not spec.is_file():
        raise UserError(f"no spec {spec} for the trace's module {spec_name}",
                        Position(str(path), 1), hint="name it with --spec")
    if spec.stem != spec_name:
        raise UserError(f"the trace is of spec {spec_name}, not of {spec.stem} ({spec})",
                        Position(str(path), 1))
    if not constants:
        raise UserError("the trace's header gives no constants to bind the spec with",
                        Position(str(path), 1))
    for name, given in (("invariants", invariants), ("properties", properties)):
        if given is not None and (not isinstance(given, list)
                                  or not all(isinstance(x, str) for x in given)):
            raise UserError(f"the header's \"{name}\" must be a list of names",
                            Position(str(path), 1))
    if invariants is None and properties is None:
        if proto is not None:
            invariants, properties = list(proto.invariants), list(proto.properties)
        else:
            invariants, properties = _cfg_checks(spec)
    invariants = list(invariants or []) + list(args.invariant)
    properties = list(properties or [])
    with Frozen():  # the trace read before, out of the collector's walks while loading
        engine = SpecEngine(spec, constants, invariants, properties)
    return engine, {"invariants": invariants, "properties": properties}


def _cfg_checks(spec: Path) -> tuple[list[str], list[str]]:
    """The invariants and properties of the spec's own model (``Spec.cfg``), if it has one."""
    from conformance.tla.cfg import parse_config

    cfg = spec.with_suffix(".cfg")
    if not cfg.is_file():
        return [], []
    c = parse_config(cfg)
    return list(c.invariants), list(c.properties)


def _kept(checked: dict) -> str:
    inv, prop = checked["invariants"], checked["properties"]
    if not inv and not prop:
        return " (no invariants were checked: none is named by the trace, its protocol or " \
               "the spec's .cfg)"
    parts = []
    if inv:
        parts.append("the invariants " + ", ".join(inv))
    if prop:
        parts.append("the action properties " + ", ".join(prop))
    return " and keep " + " and ".join(parts)
