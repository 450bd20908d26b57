"""Small specs, one per kind of disagreement with TLC that the engine had, each pinned to what
TLC says of it (tla2tools 2026.12 built from tlaplus/tlaplus, one worker, ``-deadlock``
unless noted). The TLC test at the end checks that TLC still says so where TLC is found.

A kind: a wrong verdict (an argument primed inside an operator, a property reaching an
operator applied inside an instance with substitutions, which TLC leaves unexpanded, a
POSTCONDITION never evaluated, a SYMMETRY the .cfg replaced, a property's action under
SYMMETRY evaluated on the state kept for a key instead of the successor itself, weak
fairness of the spec's own Next read from the behavior graph (under a state constraint, and
with a subscript that leaves a variable out), strong fairness met only by a cycle
inside a component, a
membership remembered for [g |-> TRUE] given to [g |-> 1], [g |-> 1] = [g |-> TRUE] taken
for TRUE), SANY's
static checks (a module named unlike its file, one definition reached through a chain of
instances taken for two, a bound variable or parameter redefining a
visible name, a recursive operator without RECURSIVE, a name used before its definition, the
wrong number of arguments, level errors of expressions, of arguments and of instance
substitutions, an expression as a fact of HIDE), TLC's own limits (an action in a
temporal formula outside []<>A and <>[]A), features (constant operators given in the .cfg,
INSTANCE inside LET, AssertError, TLCGet("distinct") and TLCSet("exit"),
-continue and -inv, TLC's allowCyclicRedefinitions, which definitions a .cfg override
replaces (in an instance's copy of a definition, =[Mod] and <-[Mod] only), LET
definitions as an inner INSTANCE's substitutions, TLCFP, the CSV module), a
recursive function applied to a function its body builds, ENABLED of an action argument,
a LET of state functions in a temporal property, the DyadicRationals and Graphs modules, TLC's
limits on sets, UNION of a set holding an infinite set, the level of a recursive operator, an
instance M(a)!Op whose argument a is a bound variable or a parameter.
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
    config: str | None = None  # the .cfg's name, if not the spec's
    label: str = ""  # tells runs of one spec and .cfg apart

    @property
    def id(self) -> str:
        return (self.config or self.spec) + self.label

    def files(self) -> tuple[Path, Path]:
        return PINNED / f"{self.spec}.tla", PINNED / f"{self.config or self.spec}.cfg"


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
    Pin("ConstantConjunct", "config error",
        message="The operator c, which equals 3, cannot be used as a spec"),
    Pin("ConstantInit", "config error", message="The initial predicate Init cannot be a "
        "constant"),
    Pin("DistinctConstraint", "holds", 7, 7),
    Pin("LetBeforeAssignment", "holds", 6, 3),
    Pin("OverrideAndInstances", "holds", 2, 1),
    Pin("OverrideThroughInstance", "holds", 2, 1),
    Pin("UnionOfInfinite", "holds", 2, 1),
    Pin("RecursiveConstantLevel", "holds", 2, 1),
    Pin("InstanceChain", "holds", 5, 5),
    Pin("AssertErrors", "holds", 3, 2),
    Pin("ContinuePastViolation", "invariant violated", 12, 7,
        message="Invariant Inv is violated", options={"keep_going": True}),
    Pin("ContinuePastViolation", "invariant violated", 8, 5, config="ContinuePastViolationNoInv",
        label="-inv", message="Invariant __DebuggerExpr__", options={"invariants": ("x < 4",)}),
    Pin("CyclicRedefinition", "invariant violated", 5, 5, message="Invariant Inv is violated",
        options={"cyclic_redefinitions": True}),
    Pin("PropertyThroughDefinitions", "holds", 3, 3),
    Pin("InnerRedeclaration", SANY, message="Multiply-defined symbol 'd'", line=12),
    Pin("SymmetricLiveness", "property violated", 4, 2),
    Pin("SymmetricLiveness", "property violated", 4, 2, config="SymmetricLivenessB"),
    Pin("FairConstrained", "holds", 4, 3),
    Pin("StrongFairness", "holds", 4, 3),
    Pin("StrongFairness", "property violated", 4, 3, config="StrongFairnessOnly",
        message="Temporal property Done was violated"),
    Pin("StrongFairness", "property violated", 4, 3, config="StrongFairnessWeak",
        message="Temporal property Done was violated"),
    Pin("FairSubscript", "property violated", 11, 6,
        message="Temporal property Toggles was violated"),
    Pin("FairSubscript", "property violated", 11, 6, config="FairSubscriptVars",
        message="Temporal property Done was violated"),
    Pin("LevelView", "holds", 5, 4),
    Pin("ViewOfAnAction", "evaluation error",
        message="In evaluation, the identifier x is either undefined or not an operator."),
    Pin("EmptyForall", "evaluation error", message="Temporal formula is a tautology"),
    Pin("EventuallyAction", "evaluation error",
        message="Temporal formulas containing actions must be of forms <>[]A or []<>A"),
    Pin("SubsetOverflow", "evaluation error", 1, 0,
        message="Overflow when computing the number of elements"),
    Pin("PropertyInInstance", "property violated", 5, 4,
        message="Temporal property Prop was violated"),
    Pin("PropertyInInstance", "invariant violated", 4, 4, config="PropertyInInstancePlain",
        message="Invariant "),
    Pin("TraceInConstraint", "holds", 5, 5),
    Pin("ChooseUnordered", "holds", 3, 2),
    Pin("PrimedLetOperator", "holds", 4, 4),
    Pin("CachedOnce", "holds", 3, 3),
    Pin("AxiomUnchecked", "holds", 3, 2),
    Pin("OverrideInModule", "holds", 4, 4),
    Pin("FairnessTooLarge", "evaluation error",
        message="exceeds the maximum supported size in disjunctive normal form"),
    Pin("HideExpression", SANY, message="The only expression allowed as a fact in a HIDE",
        line=10),
    Pin("SetTooLarge", "evaluation error", 0, 0,
        message="Attempted to construct a set with too many elements (>10)",
        options={"max_set_size": 10}),
    Pin("RecursiveFunctionArgument", "holds", 3, 3),
    Pin("Fingerprint", "holds", 3, 3),
    Pin("CsvUnreached", "evaluation error", message="nonexistent field 'sched'"),
    Pin("ArgumentLevel", SANY, line=10, message="Level error in applying operator Next: The "
        "level of argument 1 exceeds the maximum level allowed by the operator."),
    Pin("InstanceArgumentLevel", SANY, line=13,
        message="Level error in applying operator I!Step: The level of argument 1"),
    Pin("AssumedConstantLevel", SANY, line=11, message="Level error in instantiating module "
        "'Inner': The level of the expression or operator substituted for 'C' must be at "
        "most 2."),
    Pin("AssumedConstantState", SANY, line=12, message="substituted for 'C' must be at most 0"),
    Pin("LevelsAllowed", "holds", 4, 4),
    Pin("LetInstanceSubstitution", "holds", 7, 7),
    Pin("LetInstanceOperator", "holds", 7, 7),
    Pin("EnabledArgument", "holds", 9, 6),
    Pin("TemporalLet", "holds", 4, 3),
    Pin("TemporalLet", "property violated", 4, 3, config="TemporalLetNever",
        message="Temporal property Never was violated"),
    Pin("Dyadic", "holds", 4, 4),
    Pin("DirectedGraphs", "holds", 97, 42),
    Pin("RememberedBoolean", "evaluation error", message="TypeOK"),
    Pin("EqualityAcrossKinds", "evaluation error",
        message="Attempted to compare equality of boolean TRUE with non-boolean"),
    Pin("InstanceBoundArgs", "holds", 17, 9),
]


def _class(outcome: Outcome) -> str:
    if outcome in (Outcome.PARSE_ERROR, Outcome.SEMANTIC_ERROR):
        return SANY
    return outcome.value


@pytest.mark.parametrize("pin", PINS, ids=lambda p: p.id)
def test_the_engine_says_what_tlc_says(pin):
    spec, cfg = pin.files()
    r = check_model(spec, config=cfg, check_deadlock=False, timeout=60, **pin.options)
    assert _class(r.outcome) == pin.outcome, r.message
    if pin.generated is not None:
        assert (r.states_generated, r.distinct_states) == (pin.generated, pin.distinct)
    assert pin.message in r.message
    if pin.line is not None:
        assert r.positions and r.positions[0].line == pin.line, r.positions


def test_a_java_override_beside_the_spec_is_unsupported(tmp_path):
    """TLC loads a class named like a module from the spec's folder and lets its static
    methods replace the module's operators; the engine cannot run Java, so it says so."""
    spec = tmp_path / "Overridden.tla"
    spec.write_text("---- MODULE Overridden ----\nEXTENDS Naturals\nVARIABLE x\n"
                    "Double(n) == 2 * n\nInit == x = Double(1)\nNext == UNCHANGED x\n====\n")
    (tmp_path / "Overridden.cfg").write_text("INIT Init\nNEXT Next\n")
    assert check_model(spec, timeout=60).outcome == Outcome.HOLDS
    (tmp_path / "Overridden.class").write_bytes(b"")  # only its presence matters here
    r = check_model(spec, timeout=60)
    assert r.outcome == Outcome.SEMANTIC_ERROR
    assert "unsupported: the Java class Overridden.class" in r.warnings[0]
    assert r.positions and r.positions[0].line == 1


# --------------------------------------------------------------------------- TLC itself

def _tlc_result(pin: Pin):
    from conformance.tlc.runner import build_result, run_command

    assert TOOLS is not None

    spec, cfg = pin.files()
    jvm = ["-Dtlc2.tool.impl.SpecProcessor.allowCyclicRedefinitions=true"] \
        if pin.options.get("cyclic_redefinitions") else []
    cmd = TOOLS.command(*jvm) + ["-tool", "-workers", "1", "-deadlock", "-nowarning",
                             "-noGenerateSpecTE", "-metadir", str(spec.parent / ".states")]
    if pin.options.get("keep_going"):
        cmd.append("-continue")
    for text in pin.options.get("invariants", ()):
        cmd += ["-inv", text]
    if "max_set_size" in pin.options:
        cmd += ["-maxSetSize", str(pin.options["max_set_size"])]
    cmd += ["-config", cfg.name, pin.spec]
    try:
        report, status, timed_out, duration = run_command(cmd, PINNED, 120)
    finally:
        shutil.rmtree(spec.parent / ".states", ignore_errors=True)
    return build_result(report, spec=spec, config=cfg,
                        exit_status=status, timed_out=timed_out, duration=duration)


@pytest.mark.tlc
@pytest.mark.skipif(TOOLS is None, reason="TLC not found (conform tlc where)")
@pytest.mark.parametrize("pin", PINS, ids=lambda p: p.id)
def test_tlc_still_says_so(pin):
    r = _tlc_result(pin)
    assert _class(r.outcome) == pin.outcome, r.message
    if pin.generated is not None:
        assert (r.states_generated, r.distinct_states) == (pin.generated, pin.distinct)

