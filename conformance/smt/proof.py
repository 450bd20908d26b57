"""One claim, one verdict: how a fact is put to Z3 and what comes back.

A claim is hypotheses and a conclusion over symbolic values. :func:`decide` first asks Z3
whether the hypotheses can hold at all (if not, the claim is *vacuous*: proved about nothing,
which is a failure, not a success), then whether they can hold while the conclusion fails
(a *counterexample*, which the claim's ``explain`` turns into something a person reads) or
cannot (*proved*). Z3 giving up within the time limit is *unknown*, also a failure.

Some claims are about deliberately broken variants (a tie-accepting quorum, an up-to-date
check that compares only lengths); they are expected to end in a counterexample, and one that
does not is a failure too: it would mean the proofs can no longer tell right from wrong.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import z3

QUERY_TIMEOUT_MS = 120_000
"""How long Z3 may think about one query before the verdict is *unknown*."""


class Verdict(enum.Enum):
    PROVED = "proved"
    COUNTEREXAMPLE = "counterexample"
    VACUOUS = "vacuous"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Counterexample:
    """What Z3 found, for people (``summary`` and ``lines``) and for programs (``data``)."""

    summary: str
    lines: tuple[str, ...] = ()
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Finding:
    verdict: Verdict
    counterexample: Counterexample | None = None
    note: str = ""

    @property
    def proved(self) -> bool:
        return self.verdict is Verdict.PROVED


PROVED = Finding(Verdict.PROVED)


def decide(hypotheses: Sequence[Any], conclusion: Any,
           explain: Callable[[z3.ModelRef], Counterexample], *,
           measure: Any = None, logic: str | None = None) -> Finding:
    """Whether ``hypotheses`` imply ``conclusion``; ``explain`` renders a model of the
    hypotheses in which the conclusion is false.

    ``measure`` is a non-negative integer term (the number of servers in two quorums, the
    total length of the logs): a counterexample is shrunk until no smaller one exists, so
    what is printed is as small as the mistake allows, not whatever Z3 found first.

    ``logic`` names the SMT-LIB fragment the formulas keep to, so that Z3 picks the solver
    made for it: ``"QF_FD"`` (flags, and counts of them) and ``"QF_LIA"`` (linear integer
    arithmetic) are several times faster than the general solver on these proofs. Should the
    specialised solver give up, the general one takes over, so a wrong hint can cost time but
    never a verdict."""
    finding = _decide(hypotheses, conclusion, explain, measure, logic)
    if logic and finding.verdict is Verdict.UNKNOWN:
        finding = _decide(hypotheses, conclusion, explain, measure, None)
    return finding


SHRINK_SECONDS = 5.0
"""How long shrinking a counterexample may take; past it, the smallest found so far is shown."""


def _decide(hypotheses: Sequence[Any], conclusion: Any,
            explain: Callable[[z3.ModelRef], Counterexample], measure: Any,
            logic: str | None) -> Finding:
    solver = z3.SolverFor(logic) if logic else z3.Solver()
    solver.set(timeout=QUERY_TIMEOUT_MS)
    solver.add(*hypotheses)
    answer = solver.check()
    if answer == z3.unsat:
        return Finding(Verdict.VACUOUS, note="the hypotheses contradict each other")
    if answer == z3.unknown:
        return Finding(Verdict.UNKNOWN, note=f"Z3: {solver.reason_unknown()}")
    solver.add(z3.Not(conclusion))
    answer = solver.check()
    if answer == z3.unsat:
        return PROVED
    if answer == z3.unknown:
        return Finding(Verdict.UNKNOWN, note=f"Z3: {solver.reason_unknown()}")
    model = solver.model()
    if measure is not None:
        model = _shrink(solver, model, measure)
    return Finding(Verdict.COUNTEREXAMPLE, explain(model))


def _shrink(solver: z3.Solver, model: z3.ModelRef, measure: Any) -> z3.ModelRef:
    """Ask for ever smaller models until there are none (or the time is up)."""
    deadline = time.perf_counter() + SHRINK_SECONDS
    solver.set(timeout=int(SHRINK_SECONDS * 1000))
    while time.perf_counter() < deadline:
        solver.add(measure < model.eval(measure, model_completion=True))
        if solver.check() != z3.sat:
            break
        model = solver.model()
    return model


def size_of(*terms: Any) -> Any:
    """A measure for :func:`decide`: how many flags hold plus how far the integers are from 0
    (a negative number counting as a little farther than its opposite), among ``terms``."""
    parts = []
    for x in terms:
        if z3.is_bool(x):
            parts.append(z3.If(x, 1, 0))
        else:
            parts.append(z3.If(x < 0, 1 - 2 * x, 2 * x))  # 0, 1, -1, 2, ... in order
    return z3.Sum(*parts) if parts else z3.IntVal(0)


def all_of(findings: Iterable[Finding]) -> Finding:
    """Proved when every finding is, else the first that is not (the rest are not run:
    ``findings`` is consumed lazily, so the smallest failing instance is the one reported)."""
    for f in findings:
        if not f.proved:
            return f
    return PROVED


@dataclass(frozen=True)
class Claim:
    """A row of the report: what is claimed, within which bounds, and what is expected."""

    property: str
    parameters: str
    run: Callable[[], Finding]
    expect: Verdict = Verdict.PROVED
    group: str = ""


@dataclass(frozen=True)
class ProofResult:
    claim: Claim
    finding: Finding
    seconds: float

    @property
    def ok(self) -> bool:
        return self.finding.verdict is self.claim.expect

    def to_json(self) -> dict:
        out: dict = {
            "group": self.claim.group,
            "property": self.claim.property,
            "parameters": self.claim.parameters,
            "expect": self.claim.expect.value,
            "result": self.finding.verdict.value,
            "ok": self.ok,
            "seconds": round(self.seconds, 4),
        }
        if self.finding.note:
            out["note"] = self.finding.note
        cx = self.finding.counterexample
        if cx is not None:
            out["counterexample"] = {"summary": cx.summary, "lines": list(cx.lines), **cx.data}
        return out


def run(claim: Claim) -> ProofResult:
    start = time.perf_counter()
    finding = claim.run()
    return ProofResult(claim, finding, time.perf_counter() - start)


def true_in(model: z3.ModelRef, flag: Any) -> bool:
    """The value of a symbolic (or plain) boolean in ``model``."""
    if isinstance(flag, bool):
        return flag
    return z3.is_true(model.eval(flag, model_completion=True))


def int_in(model: z3.ModelRef, term: Any) -> int:
    """The value of a symbolic (or plain) integer in ``model``."""
    if isinstance(term, int):
        return term
    return model.eval(term, model_completion=True).as_long()


def set_text(members: Iterable[Any]) -> str:
    return "{" + ", ".join(str(m) for m in members) + "}"
