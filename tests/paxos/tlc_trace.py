"""Check a simulated Paxos or Multi-Paxos trace against its spec with the real TLC.

Written before the pipeline's own TLC validator (conformance.validate.tlc) and kept as an
independent second opinion on random walks: it writes a module that EXTENDS the spec, whose
behaviour is forced to follow the trace — step k must be the named action with the named
parameters and must lead to the recorded values of every mapped variable (the ghost
variables are left to the spec, which determines them) — and runs TLC on it. A step the
spec does not allow leaves TLC without a successor: a deadlock, reported with the step
number.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from conformance.trace import Step
from conformance.values import Fn, FSet, to_tla

ROOT = Path(__file__).resolve().parents[2]


def find_tlc() -> list[str] | None:
    """The start of a TLC command line (the bridge's own discovery), or None."""
    from tlc_support import real_toolchain

    tools = real_toolchain()
    return tools.command() if tools else None


def _call(step: Step, params: Mapping[str, Sequence[str]]) -> str:
    if step.action == "Init":
        return "Init"
    given = step.params or {}
    args = ", ".join(to_tla(given[p]) for p in params[step.action])
    return f"{step.action}({args})" if args else step.action


def _next_value(var: str, before: Any, after: Any) -> str:
    """TLA+ for ``after``, the value of ``var`` after a step, in terms of ``before`` (the
    value of the unprimed variable, which the previous step matched). A function is written
    as its change: the keys it lost, gained or changed. The message bag changes by a message
    or two a step, and writing it whole every step made the module megabytes long, which
    TLC's parser took most of a minute over."""
    if after == before:
        return var
    if type(before) is not Fn or type(after) is not Fn:
        return to_tla(after)
    gone = [k for k in before.map if k not in after.map]
    new = {k: v for k, v in after.map.items() if before.map.get(k, _ABSENT) != v}
    domain = f"DOMAIN {var}"
    if gone:
        domain = f"({domain} \\ {to_tla(FSet(gone))})"
    added = [k for k in new if k not in before.map]
    if added:
        domain = f"{domain} \\cup {to_tla(FSet(added))}"
    change = " @@ ".join(f"{to_tla(k)} :> {to_tla(v)}" for k, v in new.items())
    if not new:
        return f"[key \\in {domain} |-> {var}[key]]"
    return (f"(LET Delta == {change} IN [key \\in {domain} |-> "
            f"IF key \\in DOMAIN Delta THEN Delta[key] ELSE {var}[key]])")


_ABSENT = object()


def check(spec: str, steps: list[Step], params: Mapping[str, Sequence[str]],
          constants: Mapping[str, str], model_values: Sequence[str]) -> tuple[bool, str]:
    """``constants``: the spec's constants as TLC config text; ``model_values``: every model
    value the trace names."""
    tlc = find_tlc()
    assert tlc is not None
    variables = sorted(steps[0].state)
    conj = " /\\ "
    first = conj.join(f"{v} = {to_tla(steps[0].state[v])}" for v in variables)
    arms = []
    for k, (before, after) in enumerate(zip(steps, steps[1:])):
        same = [v for v in variables if before.state[v] == after.state[v]]
        moves = [f"{v}' = {_next_value(v, before.state[v], after.state[v])}"
                 for v in variables if v not in same]
        if same:
            moves.append(f"UNCHANGED <<{', '.join(same)}>>")
        arms.append(f"k = {k} -> {_call(after, params)} /\\ {conj.join(moves)}")
    cases = "\n    [] ".join(arms) or "k = -1 -> FALSE"
    mod = f"""---- MODULE {spec}Trace ----
EXTENDS {spec}, TLC
CONSTANTS {", ".join(model_values)}
VARIABLE k
Act == CASE {cases}
TInit == Init /\\ k = 0 /\\ {first}
TNext == \\/ k < {len(steps) - 1} /\\ Act /\\ k' = k + 1
         \\/ k = {len(steps) - 1} /\\ UNCHANGED <<vars, k>>
====
"""
    consts = "\n    ".join([f"{n} = {n}" for n in model_values]
                           + [f"{k} = {v}" for k, v in constants.items()])
    with tempfile.TemporaryDirectory() as d:
        shutil.copy(ROOT / "specs" / f"{spec}.tla", d)
        Path(d, f"{spec}Trace.tla").write_text(mod)
        Path(d, f"{spec}Trace.cfg").write_text(f"CONSTANTS\n    {consts}\nINIT TInit\nNEXT TNext\n")
        out = subprocess.run([*tlc, "-workers", "1", "-nowarning",
                              "-metadir", str(Path(d, "meta")), f"{spec}Trace"],
                             cwd=d, capture_output=True, text=True, timeout=600)
        text = out.stdout + out.stderr
        if out.returncode == 0:
            return True, text
        ks = re.findall(r"^/\\ k = (\d+)", text, re.M)
        if not ks:
            return False, text[-3000:]
        n = int(ks[-1]) + 1
        return False, f"diverged at step {n}: {_call(steps[n], params)}\n{text[-3000:]}"
