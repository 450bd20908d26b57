"""Every failure is a file: a failing run saved as a trace under ``traces/failing/``.

The file is an ordinary trace (see :mod:`conformance.trace.files`): the header holds the
protocol, the spec's constants, the schedule that produced the run (the decisions, shrunk
when Hypothesis shrank them), the cluster it ran on (variant settings and planted bugs) and
the divergence found; then the initial state and one line per event, up to and including the
divergent one. ``conform replay FILE`` re-runs the implementation under the schedule;
``conform validate FILE`` checks the recorded events alone; ``jq`` reads it too.
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
    return write_trace(Trace(header, list(ex.steps)), directory / name)


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


def load(path: str | Path, protocols: Any) -> SavedRun:
    """Read a trace file written by :func:`save` (or anything with the same header)."""
    path = Path(path)
    trace = read_trace(path)
    h = trace.header
    where = Position(str(path), 1)
    if h.schedule is None:
        raise UserError(f"{path} holds no schedule, so there is nothing to re-run",
                        where, hint="`conform validate FILE` checks its recorded events")
    if not isinstance(h.schedule, list) or not all(isinstance(d, dict) and "kind" in d
                                                   for d in h.schedule):
        raise UserError("the header's \"schedule\" must be a list of decisions, each an "
                        "object with a \"kind\"", where)
    if h.protocol is None:
        raise UserError("the header names no \"protocol\"", where)
    protocol: Protocol = protocols.get(h.protocol)
    cluster = h.extra.get("cluster")
    if not isinstance(cluster, dict) or not isinstance(cluster.get("settings"), dict):
        raise UserError("the header has no \"cluster\": {\"settings\": ...} to rebuild the "
                        "cluster from", where)
    bugs = cluster.get("bugs", [])
    if not isinstance(bugs, list):
        raise UserError("\"cluster.bugs\" must be a list of bug names", where)
    bug_names = protocol.check_bug(",".join(bugs))
    return SavedRun(path, trace, protocol.name, cluster["settings"], bug_names,
                    list(h.schedule), h.extra.get("divergence"))
