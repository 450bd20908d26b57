"""Small specs, one per kind of disagreement with TLC that the engine had, each pinned to what
TLC says of it (tla2tools 2026.12 built from tlaplus/tlaplus, one worker, ``-deadlock``
unless noted). The TLC test at the end checks that TLC still says so where TLC is found.

A kind: a wrong verdict (an argument primed inside an operator, a POSTCONDITION never
evaluated, a SYMMETRY the .cfg replaced), SANY's static checks (a module named unlike its
file, a bound variable or parameter redefining a visible name, a recursive operator without
RECURSIVE, a name used before its definition, the wrong number of arguments, level errors),
features (constant operators given in the .cfg, INSTANCE inside LET, TLCGet("distinct") and
TLCSet("exit")), TLC's limits on sets.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from tlc_support import real_toolchain

from conformance.result import Outcome
from conformance.tla import check_model

PINNED = Path(__file__).parent / "specs" / "pinned"
TOOLS = real_toolchain()
SANY = "rejected by SANY"  # TLC reports SANY's errors as parse errors, the engine by kind


@dataclass(frozen=True)
class Pin:
    spec: str
    outcome: str  # an Outcome value, or SANY
    generated: int | None = None
    distinct: int | None = None
    message: str = ""  # a fragment of TLC's message
    line: int | None = None  # where TLC's (SANY's) error points
    options: dict = field(default_factory=dict)  # check_model's (TLC's) options


PINS = [
    Pin("PrimedArgument", "holds", 3, 2),
    Pin("ModuleNameMismatch", SANY,
        message="File name 'ModuleNameMismatch' does not match the name 'SomethingElse'"),
    Pin("BoundShadowsDefinition", SANY, message="Multiply-defined symbol 'N'", line=7),
    Pin("ParameterShadowsDefinition", SANY, message="Multiply-defined symbol 'x'", line=8),
    Pin("MissingRecursive", SANY, message="Unknown operator: `Sum'", line=5),
    Pin("UseBeforeDefinition", SANY, message="Unknown operator: `Start'", line=5),
    Pin("WrongArity", SANY, message="The operator Add requires 2 arguments", line=9),
    Pin("VariableInAssume", SANY, message="Level error: assumptions must be level 0", line=6),
    Pin("AlwaysAction", SANY, message="[] followed by action not of form [A]_v", line=7),
    Pin("ConstantOperatorTable", "invariant violated", message="Invariant Inv is violated"),
    Pin("LetInstance", "holds", 5, 5),
    Pin("FalsePostcondition", "assumption failed", message="Postcondition Post at"),
    Pin("SymmetryOverridden", "evaluation error",
        message="The symmetry function Perms must specify a set of permutations"),
    Pin("ConstantInit", "config error", message="The initial predicate Init cannot be a "
        "constant"),
    Pin("DistinctConstraint", "holds", 7, 7),
    Pin("SubsetOverflow", "evaluation error", 1, 0,
        message="Overflow when computing the number of elements"),
    Pin("SetTooLarge", "evaluation error", 0, 0,
        message="Attempted to construct a set with too many elements (>10)",
        options={"max_set_size": 10}),
]


def _class(outcome: Outcome) -> str:
    if outcome in (Outcome.PARSE_ERROR, Outcome.SEMANTIC_ERROR):
        return SANY
    return outcome.value


@pytest.mark.parametrize("pin", PINS, ids=lambda p: p.spec)
def test_the_engine_says_what_tlc_says(pin):
    r = check_model(PINNED / f"{pin.spec}.tla", check_deadlock=False, timeout=60, **pin.options)
    assert _class(r.outcome) == pin.outcome, r.message
    if pin.generated is not None:
        assert (r.states_generated, r.distinct_states) == (pin.generated, pin.distinct)
    assert pin.message in r.message
    if pin.line is not None:
        assert r.positions and r.positions[0].line == pin.line, r.positions


# --------------------------------------------------------------------------- TLC itself

def _tlc_result(pin: Pin):
    from conformance.tlc.runner import build_result, run_command

    assert TOOLS is not None

    spec = PINNED / f"{pin.spec}.tla"
    cmd = TOOLS.command() + ["-tool", "-workers", "1", "-deadlock", "-nowarning",
                             "-noGenerateSpecTE", "-metadir", str(spec.parent / ".states")]
    if "max_set_size" in pin.options:
        cmd += ["-maxSetSize", str(pin.options["max_set_size"])]
    cmd.append(pin.spec)
    try:
        report, status, timed_out, duration = run_command(cmd, PINNED, 120)
    finally:
        shutil.rmtree(spec.parent / ".states", ignore_errors=True)
    return build_result(report, spec=spec, config=spec.with_suffix(".cfg"),
                        exit_status=status, timed_out=timed_out, duration=duration)


@pytest.mark.tlc
@pytest.mark.skipif(TOOLS is None, reason="TLC not found (conform tlc where)")
@pytest.mark.parametrize("pin", PINS, ids=lambda p: p.spec)
def test_tlc_still_says_so(pin):
    r = _tlc_result(pin)
    assert _class(r.outcome) == pin.outcome, r.message
    if pin.generated is not None:
        assert (r.states_generated, r.distinct_states) == (pin.generated, pin.distinct)
