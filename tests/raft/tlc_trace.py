"""Check a simulated Raft trace against specs/Raft.tla with the real TLC.

A stop-gap until the project's own validator (issue 6) exists: it writes a module that
EXTENDS Raft, whose behaviour is forced to follow the trace — step k must be the named action
with the named parameters, and must lead to the recorded values of every mapped variable —
and runs TLC on it. A step that the spec does not allow leaves TLC with no successor: a
deadlock, reported with the step number.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from conformance.trace import Step
from conformance.values import to_tla
from impl.raft.abstraction import CHOICES

ROOT = Path(__file__).resolve().parents[2]


def find_spec() -> Path | None:
    """specs/Raft.tla, or the file $CONFORM_RAFT_SPEC names (a spec being written)."""
    for p in (os.environ.get("CONFORM_RAFT_SPEC"), ROOT / "specs" / "Raft.tla"):
        if p and Path(p).is_file():
            return Path(p)
    return None


def find_tlc() -> list[str] | None:
    """The start of a TLC command line (the bridge's own discovery), or None."""
    from conformance.errors import UserError
    from conformance.tlc.toolchain import find_toolchain

    try:
        return find_toolchain().command()
    except UserError:
        return None


def _call(step: Step) -> str:
    if step.action == "Init":
        return "Init"
    params = step.params or {}
    order = {"i": 0, "j": 1, "v": 1, "m": 2}
    args = ", ".join(to_tla(v) for _, v in sorted(params.items(), key=lambda kv: order[kv[0]]))
    return f"{step.action}({args})" if args else step.action


def check(steps: list[Step], servers: list[str], values: list[str], pre_vote: bool,
          check_quorum: bool, initial: list[str] | None = None,
          batch: int = 64) -> tuple[bool, str]:
    spec, tlc = find_spec(), find_tlc()
    assert spec is not None and tlc is not None
    variables = sorted(steps[0].state)
    states = ",\n  ".join(
        "[" + ", ".join(f"{v} |-> {to_tla(s.state[v])}" for v in variables) + "]"
        for s in steps)
    choices = "\n    ".join(f"{k} = {to_tla(v)}" for k, v in CHOICES.items())
    cases = "\n    [] ".join(f"k = {k} -> {_call(s)}" for k, s in enumerate(steps[1:]))
    conj = " /\\ "
    matches = conj.join(f"{v} = T[n].{v}" for v in variables)
    matches_next = conj.join(f"{v}' = T[n].{v}" for v in variables)
    mod = f"""---- MODULE RaftTrace ----
EXTENDS Raft
CONSTANTS {", ".join(servers + values)}
VARIABLE k
T == <<
  {states}
>>
Matches(n) == {matches}
MatchesNext(n) == {matches_next}
Act == CASE {cases}
TInit == Init /\\ k = 0 /\\ Matches(1)
TNext == \\/ k < {len(steps) - 1} /\\ Act /\\ MatchesNext(k + 2) /\\ k' = k + 1
         \\/ k = {len(steps) - 1} /\\ UNCHANGED <<vars, k>>
====
"""
    with tempfile.TemporaryDirectory() as d:
        shutil.copy(spec, d)
        Path(d, "RaftTrace.tla").write_text(mod)
        Path(d, "RaftTrace.cfg").write_text(f"""CONSTANTS
    {" ".join(f"{n} = {n}" for n in servers + values)}
    Server = {{{", ".join(servers)}}}
    InitialConfig = {{{", ".join(initial or servers)}}}
    Value = {{{", ".join(values)}}}
    Nil = Nil
    PreVote = {"TRUE" if pre_vote else "FALSE"}
    CheckQuorum = {"TRUE" if check_quorum else "FALSE"}
    Bug = "None"
    BatchSize = {batch}
    {choices}
    MaxTerm = 0
    MaxLogLen = 0
    MaxInFlight = 0
    MaxCopies = 0
    MaxReads = 0
    Faults = {{}}
INIT TInit
NEXT TNext
""")
        out = subprocess.run([*tlc, "-workers", "1", "-nowarning",
                              "-metadir", str(Path(d, "meta")), "RaftTrace"],
                             cwd=d, capture_output=True, text=True, timeout=300)
        text = out.stdout + out.stderr
        if out.returncode == 0:
            return True, text
        # the deadlocked state's k is the last step that matched
        ks = re.findall(r"^/\\ k = (\d+)", text, re.M)
        if not ks:
            return False, text[-3000:]
        n = int(ks[-1]) + 1
        return False, f"diverged at step {n}: {_call(steps[n])}\n{text[-3000:]}"
