"""TLC as a second validator: a generated trace-checking module that TLC model-checks.

The module extends the spec with one variable, the position in the trace, and a behavior
that can only follow the trace: its initial predicate is the spec's ``Init`` restricted to
the trace's first state, and step ``k`` must be the event's action with its parameters and
must reach the event's recorded values (variables the trace leaves out are left free, so TLC
searches over them, as the embedded validator does; functions given in part are matched on
the keys given). The trace conforms iff TLC reaches its last state, which it reports as a
violation of the invariant ``TraceUnfinished``; the spec's invariants and action properties
are checked along the way, in every state the trace admits (``-continue``), as the embedded
validator checks every candidate. When TLC instead finishes without reaching the end, the
depth of its search is the number of states that matched, so the event after them is the
divergence.

This is independent of the embedded engine end to end (parser, evaluator, search), which is
the point: the two validators must agree on every trace (tests/test_conformance_tlc.py).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.errors import UserError
from conformance.trace import Step, Trace
from conformance.validate.engine import SpecEngine
from conformance.values import Fn, FSet, ModelValue, Tup, to_tla

STEP_VAR = "conformTraceStep"
DONE = "TraceUnfinished"


def find_jar() -> Path | None:
    """The tla2tools.jar to run: ``TLA2TOOLS_JAR``, else the one ``conform tlc install``
    put in the user cache (when that bridge is present); None when there is none, or no
    java to run it."""
    if shutil.which("java") is None:
        return None
    env = os.environ.get("TLA2TOOLS_JAR")
    if env:
        return Path(env) if Path(env).is_file() else None
    try:
        from conformance.tlc.release import installed_jar  # type: ignore[import-not-found]
    except ImportError:
        return None
    jar = installed_jar()
    return jar if jar.is_file() else None


@dataclass
class TLCVerdict:
    conforms: bool
    diverged_at: int | None  # the first event TLC could not follow
    violated: str | None  # an invariant or property of the spec TLC found violated
    seconds: float
    output: str  # TLC's own words (the tail), for reports

    def summary(self) -> str:
        if self.conforms:
            return "TLC: the trace conforms"
        if self.violated:
            return f"TLC: {self.violated} is violated at event {self.diverged_at}"
        return f"TLC: diverges at event {self.diverged_at}"


def _model_values(values: Iterable[Any], out: set[str]) -> None:
    for v in values:
        t = type(v)
        if t is ModelValue:
            out.add(v.name)
        elif t is Tup or t is FSet:
            _model_values(v, out)
        elif t is Fn:
            _model_values(v.map.keys(), out)
            _model_values(v.map.values(), out)


def _state_record(state: dict[str, Any]) -> str:
    if not state:
        return "[" + STEP_VAR + "_none |-> TRUE]"
    return "[" + ", ".join(f"{k} |-> {to_tla(v)}" for k, v in sorted(state.items())) + "]"


def _match(state: dict[str, Any], primed: bool, partial: frozenset[str], n: str) -> str:
    p = "'" if primed else ""
    parts = []
    for k in sorted(state):
        if k in partial and type(state[k]) is Fn:
            parts.append(f"(\\A x \\in DOMAIN T[{n}].{k} : {k}{p}[x] = T[{n}].{k}[x])")
        else:
            parts.append(f"{k}{p} = T[{n}].{k}")
    return " /\\ ".join(parts) or "TRUE"


def _call(engine: SpecEngine, step: Step) -> str:
    names = engine.action_params(step.action)
    params = step.params or {}
    if names:
        missing = [n for n in names if n not in params]
        if missing:
            raise UserError(f"event {step.index}: {step.action} needs {', '.join(missing)}")
        return f"{step.action}({', '.join(to_tla(params[n]) for n in names)})"
    return step.action


def trace_module(engine: SpecEngine, steps: list[Step], partial: Iterable[str] = (),
                 name: str | None = None) -> tuple[str, str, str]:
    """(module name, module text, cfg text) checking ``steps`` against ``engine``'s spec."""
    spec = engine.model.module
    name = name or f"{spec}TraceCheck"
    partial = frozenset(partial)
    mvs: set[str] = set()
    _model_values(engine.constants.values(), mvs)
    for s in steps:
        _model_values(s.state.values(), mvs)
        _model_values((s.params or {}).values(), mvs)
    declared = set(engine.model.root.table)
    own = sorted(m for m in mvs if m not in declared)
    states = ",\n    ".join(_state_record(s.state) for s in steps)
    if len(steps) > 1:
        cases = "\n    [] ".join(f"{STEP_VAR} = {k} -> {_call(engine, s)}"
                                 for k, s in enumerate(steps[1:], start=1))
        act = f"CASE {cases}"
    else:
        act = "FALSE"
    module = f"""---- MODULE {name} ----
EXTENDS {spec}, Naturals, Sequences, TLC
{("CONSTANTS " + ", ".join(own)) if own else ""}
VARIABLE {STEP_VAR}
T == <<
    {states}
  >>
Match(n) == {_match_all(steps, False, partial)}
MatchNext(n) == {_match_all(steps, True, partial)}
TraceAction == {act}
TraceInit == Init /\\ {STEP_VAR} = 1 /\\ Match(1)
TraceNext == /\\ {STEP_VAR} < Len(T)
             /\\ TraceAction
             /\\ MatchNext({STEP_VAR} + 1)
             /\\ {STEP_VAR}' = {STEP_VAR} + 1
{DONE} == {STEP_VAR} < Len(T)
====
"""
    lines = ["CONSTANTS"]
    for m in own:
        lines.append(f"    {m} = {m}")
    for k, v in engine.constants.items():
        lines.append(f"    {k} = {to_tla(v)}")
    lines.append("INIT TraceInit")
    lines.append("NEXT TraceNext")
    invariants = [c.name for c in engine.model.invariants]
    lines.append("INVARIANTS " + " ".join(invariants + [DONE]))  # TLC checks in this order
    props = [c.name for c in engine.model.action_properties]
    if props:
        lines.append("PROPERTIES " + " ".join(props))
    return name, module, "\n".join(lines) + "\n"


def _match_all(steps: list[Step], primed: bool, partial: frozenset[str]) -> str:
    """A CASE over positions, as states may give different variables."""
    shapes = {tuple(sorted(s.state)) for s in steps}
    if len(shapes) == 1:
        return _match(steps[0].state, primed, partial, "n")
    arms = [f"n = {k} -> {_match(s.state, primed, partial, str(k))}"
            for k, s in enumerate(steps, start=1)]
    return "CASE " + "\n    [] ".join(arms)


def validate_with_tlc(engine: SpecEngine, trace: Trace | list[Step], jar: Path | None = None,
                      partial: Iterable[str] = (), timeout: float = 600) -> TLCVerdict:
    """Check a trace with TLC; raises UserError when TLC cannot run or breaks down."""
    steps = trace.steps if isinstance(trace, Trace) else list(trace)
    jar = jar or find_jar()
    if jar is None:
        raise UserError("TLC is not available: set TLA2TOOLS_JAR to a tla2tools.jar and put "
                        "java on PATH")
    name, module, cfg = trace_module(engine, steps, partial)
    with tempfile.TemporaryDirectory(prefix="conform-tlc-") as d:
        work = Path(d)
        for f in engine.spec.parent.glob("*.tla"):
            shutil.copy(f, work / f.name)
        (work / f"{name}.tla").write_text(module)
        (work / f"{name}.cfg").write_text(cfg)
        # -continue: report every violation, so that a spec state the trace admits that
        # breaks an invariant is found even when another candidate finishes the trace
        cmd = ["java", "-XX:+UseParallelGC", "-cp", str(jar), "tlc2.TLC", "-workers", "1",
               "-deadlock", "-continue", "-nowarning", "-metadir", str(work / "meta"),
               "-config", f"{name}.cfg", f"{name}.tla"]
        start = time.monotonic()
        try:
            done = subprocess.run(cmd, cwd=work, capture_output=True, text=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired:
            raise UserError(f"TLC took longer than {timeout:.0f}s to check the trace")
        seconds = time.monotonic() - start
    out = done.stdout + done.stderr
    return _verdict(out, seconds, len(steps))


_VIOLATED = re.compile(r"(?:Invariant|Action property) (\w+) is violated")
_DEPTH = re.compile(r"The depth of the complete state graph search is (\d+)")
_STEP_VALUE = re.compile(rf"^/\\ {STEP_VAR} = (\d+)", re.M)


def _verdict(out: str, seconds: float, length: int) -> TLCVerdict:
    """TLC's words as a verdict. With -continue every violation is printed, each followed
    by its behavior; the first one of a spec invariant (BFS: the shallowest) is the one
    reported, at the trace position of its last state."""
    tail = out[-4000:]
    finished = False
    hits = list(_VIOLATED.finditer(out))
    for n, m in enumerate(hits):
        if m.group(1) == DONE:
            finished = True
            continue
        end = hits[n + 1].start() if n + 1 < len(hits) else len(out)
        steps = [int(x) for x in _STEP_VALUE.findall(out, m.end(), end)]
        return TLCVerdict(False, steps[-1] - 1 if steps else None, m.group(1), seconds, tail)
    if "Temporal properties were violated" in out:
        return TLCVerdict(False, None, "a temporal property", seconds, tail)
    if finished:
        return TLCVerdict(True, None, None, seconds, tail)
    d = _DEPTH.search(out)
    if d and ("No error has been found" in out or "Model checking completed" in out):
        return TLCVerdict(False, int(d.group(1)), None, seconds, tail)
    if "Finished computing initial states: 0 distinct states" in out:
        return TLCVerdict(False, 0, None, seconds, tail)
    raise UserError("TLC did not finish checking the trace:\n" + tail)
