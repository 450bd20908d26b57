"""``conform validate FILE``: check a recorded trace against the spec, step by step.

No implementation runs: the events in the file are checked as they are, which is how traces
of a real cluster (or any other tool's) are checked. The spec and its constants come from
the file's header (its protocol's spec, or ``specs/<spec>.tla``; ``--spec`` overrides), and
the invariants and action properties from the protocol (``--invariant`` adds more). Variables
a trace leaves out are searched over; the header's ``"partial"`` list names functions that
are given only in part. With ``--tlc`` the trace is checked by TLC as well, and the two
verdicts are compared.

Exit status: 0 when the trace conforms, 1 when it diverges (or the validators disagree),
2 on bad input.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="check a recorded trace against the spec")
    p.add_argument("file", type=Path, help="a trace file (.ndjson)")
    p.add_argument("--spec", type=Path, help="the TLA+ module (default: from the header)")
    p.add_argument("--invariant", action="append", default=[],
                   help="an invariant to check besides the protocol's (repeatable)")
    p.add_argument("--tlc", action="store_true",
                   help="check it with TLC too (needs TLA2TOOLS_JAR and java)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_validate)


def _validate(args: argparse.Namespace) -> int:
    import time

    from conformance.cli.progress import out as console
    from conformance.trace import read_trace
    from conformance.validate import Validator
    from conformance.validate.tlc import validate_with_tlc

    trace = read_trace(args.file)
    engine, partial = _engine_for(trace, args)
    start = time.process_time()
    div = Validator(engine, partial=partial).validate(trace.steps)
    seconds = time.process_time() - start
    out: dict = {"file": str(args.file), "events": len(trace.steps) - 1,
                 "verdict": "conforms" if div is None else "diverged",
                 "engine_seconds": round(seconds, 3)}
    if div is not None:
        out["divergence"] = div.to_json()
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
    if args.json:
        print(json.dumps(out, indent=2))
        return code
    if div is None:
        console.print(f"[bold green]conforms[/]: all {out['events']} events of {args.file} are "
                      f"steps of {engine.spec.name} and keep its invariants "
                      f"({seconds:.2f}s)")
    else:
        console.print("[bold red]diverges from the spec:[/]")
        console.print(div.render(), markup=False)
    if tlc is not None:
        console.print(f"{tlc.summary()} ({tlc.seconds:.1f}s)")
        if not out["validators_agree"]:
            console.print("[bold red]the embedded validator and TLC disagree[/]")
    return code


def _engine_for(trace, args):
    from conformance import protocols
    from conformance.errors import Position, UserError
    from conformance.protocols import SPECS
    from conformance.validate import SpecEngine

    h = trace.header
    invariants: list[str] = []
    properties: list[str] = []
    spec = args.spec
    if h.protocol is not None and h.protocol in protocols.names():
        p = protocols.get(h.protocol)
        invariants, properties = list(p.invariants), list(p.properties)
        spec = spec or p.spec
    spec = spec or SPECS / f"{h.spec}.tla"
    if not Path(spec).is_file():
        raise UserError(f"no spec {spec} for the trace's module {h.spec}",
                        Position(str(args.file), 1), hint="name it with --spec")
    if not h.constants:
        raise UserError("the trace's header gives no constants to bind the spec with",
                        Position(str(args.file), 1))
    engine = SpecEngine(spec, h.constants, invariants + list(args.invariant), properties)
    partial = h.extra.get("partial", [])
    if not isinstance(partial, list):
        raise UserError("the header's \"partial\" must be a list of variable names",
                        Position(str(args.file), 1))
    return engine, partial
