"""Every failure is a file: a failing run saved as a trace under ``traces/failing/``.

The file is an ordinary trace (see :mod:`conformance.trace.files`): the header holds the
protocol, the spec's constants, the schedule that produced the run (the decisions, shrunk
when Hypothesis shrank them), the cluster it ran on (variant settings and planted bugs) and
the divergence found; then the initial state and one line per event, up to and including the
divergent one. ``conform replay FILE`` re-runs the implementation under the schedule;
``conform validate FILE`` checks the recorded events alone; ``jq`` reads it too. Beside it
goes the same run as a page (``.html``, :mod:`conformance.visual`), to look at.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance import __version__
from conformance.errors import Position, UserError
from conformance.protocols import ROOT, Protocol
from conformance.schedules.execution import Execution, spec_engine
from conformance.trace import Trace, TraceHeader, read_trace, write_trace
from conformance.visual.trace_page import write_beside

FAILING = ROOT / "traces" / "failing"


def save(ex: Execution, directory: Path | None = None, origin: dict[str, Any] | None = None,
         name: str | None = None) -> Path:
    """Write a run (normally a failing one) as a trace file; returns its path."""
    directory = FAILING if directory is None else Path(directory)
    protocol = ex.protocol
    engine = spec_engine(protocol, ex.settings)
    schedule = ex.schedule()
    extra: dict[str, Any] = {"cluster": {"settings": ex.settings, "bugs": list(ex.bugs)}}
    if ex.divergence is not None:
        extra["divergence"] = ex.divergence.to_json()
    if ex.error is not None:
        extra["error"] = ex.error
    header = TraceHeader(
        spec=protocol.spec.stem,
        protocol=protocol.name,
        variables=list(engine.variables),
        constants=protocol.constants(ex.settings),
        origin={"tool": "conform", "version": __version__,
                "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                **(origin or {})},
        schedule=schedule,
        extra=extra,
    )
    if name is None:
        digest = hashlib.sha256(json.dumps([ex.settings, list(ex.bugs), schedule],
                                           sort_keys=True).encode()).hexdigest()[:10]
        tag = "-".join(ex.bugs) or "correct"
        name = f"{protocol.name}-{tag}-{digest}.ndjson"
    trace = Trace(header, list(ex.steps))
    path = write_trace(trace, directory / name)
    write_beside(trace, path)  # the same run as a page: conform trace html
    return path


@dataclass
class SavedRun:
    """What replay needs from a trace file."""

    path: Path
    trace: Trace
    protocol: str
    settings: dict[str, Any]
    bugs: tuple[str, ...]
    schedule: list[dict]
    divergence: dict[str, Any] | None
    error: str | None = None  # the implementation raised this when the run was saved


def load(path: str | Path, protocols: Any) -> SavedRun:
    """Read a trace file written by :func:`save` (or anything with the same header)."""
    path = Path(path)
    trace = read_trace(path)
    h = trace.header
    where = Position(str(path), 1)
    if h.schedule is None:
        raise UserError(f"{path} holds no schedule, so there is nothing to re-run",
                        where, hint="`conform validate FILE` checks its recorded events")
    if h.protocol is None:
        raise UserError("the header names no \"protocol\"", where)
    protocol: Protocol = protocols.get(h.protocol)
    cluster = h.extra.get("cluster")
    if not isinstance(cluster, dict) or not isinstance(cluster.get("settings"), dict):
        raise UserError("the header has no \"cluster\": {\"settings\": ...} to rebuild the "
                        "cluster from", where)
    check_settings(protocol, cluster["settings"], where)
    bug_names = protocol.check_bug(",".join(cluster.get("bugs", [])))
    for n, d in enumerate(h.schedule):
        problem = decision_problem(protocol, d)
        if problem:
            raise UserError(f"decision {n} of the header's \"schedule\" {problem}", where)
    return SavedRun(path, trace, protocol.name, cluster["settings"], bug_names,
                    list(h.schedule), h.extra.get("divergence"), h.extra.get("error"))


# --------------------------------------------------------------------------- shapes

# what each kind of decision carries as its "arg" (see impl/sim/world.py)
_MESSAGE_KINDS = {"deliver", "drop", "duplicate"}
_NODE_KINDS = {"tick", "timeout", "crash", "restart"}


def decision_problem(protocol: Protocol, d: dict) -> str | None:
    """What is wrong with one decision of a saved schedule, or None: checked before
    anything runs, so that a broken file is not reported as a broken implementation."""
    kind, node, arg = d.get("kind"), d.get("node"), d.get("arg")
    if set(d) - {"kind", "node", "arg"}:
        return f"has unknown fields {sorted(set(d) - {'kind', 'node', 'arg'})}"
    if kind not in protocol.decision_weights:
        return (f"has kind {kind!r}; {protocol.name} knows "
                + ", ".join(sorted(protocol.decision_weights)))
    if node is not None and (type(node) is not str or not node):
        return "must name its node as a string"
    if kind in _MESSAGE_KINDS:
        if type(arg) is not int or arg < 0:
            return f"({kind}) needs a message id (a non-negative integer) as \"arg\""
    elif kind == "partition":
        if type(arg) is not list or not all(type(g) is list and all(type(x) is str for x in g)
                                            for g in arg):
            return "(partition) needs the groups of nodes (arrays of names) as \"arg\""
    elif kind in _NODE_KINDS:
        if node is None:
            return f"({kind}) must name its node"
        if kind == "crash" and arg is not None and (type(arg) is not int or arg < 0):
            return "(crash) takes the bytes a crash keeps (a non-negative integer) as \"arg\""
        if kind != "crash" and arg is not None:
            return f"({kind}) takes no \"arg\""
    elif kind != "heal":  # the protocol's client decisions
        if node is None:
            return f"({kind}) must name the node the client talks to"
        if arg is not None and type(arg) not in (str, int):
            return f"({kind}) takes a string or an integer as \"arg\""
    return None


def check_settings(protocol: Protocol, settings: dict, where: Position) -> None:
    """The saved cluster settings have the keys and JSON types of the protocol's own
    cluster variants (names as arrays of strings, switches as booleans, sizes as integers)."""
    required = set.intersection(*(set(v.settings) for v in protocol.variants))
    missing = sorted(required - set(settings))
    if missing:
        raise UserError(f"the cluster settings lack {missing[0]!r}; a {protocol.name} cluster "
                        "needs " + ", ".join(sorted(required)), where)
    examples = {k: v.settings[k] for v in reversed(protocol.variants) for k in v.settings}
    # a list may be empty where a variant has it empty (a Raft cluster with no client values)
    may_be_empty = {k for v in protocol.variants for k, x in v.settings.items() if x == []}
    for key, value in settings.items():
        like = examples.get(key)
        if like is None:
            ok = type(value) in (bool, int, str) or (
                type(value) is list and all(type(x) is str for x in value))
        elif type(like) is list:
            ok = type(value) is list and (bool(value) or key in may_be_empty) \
                and all(type(x) is str and x for x in value)
        else:
            ok = type(value) is type(like) and (type(value) is not int or value >= 0)
        if not ok:
            raise UserError(f"the cluster setting {key!r} = {json.dumps(value)[:60]} has the "
                            f"wrong shape for {protocol.name}"
                            + (f" (like {json.dumps(like)})" if like is not None else ""), where)
