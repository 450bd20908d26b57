"""What a model-checking run returns, whichever engine ran it (TLC or the embedded one).

Both engines fill the same :class:`CheckResult`, so a test, a table or a comparison holds for
either; see DESIGN.md rule 5.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from conformance.errors import Position

if TYPE_CHECKING:
    from conformance.trace.schema import Trace


class Outcome(enum.Enum):
    """How a run ended. The value is the word used in tables and JSON."""

    HOLDS = "holds"
    INVARIANT_VIOLATED = "invariant violated"
    PROPERTY_VIOLATED = "property violated"
    DEADLOCK = "deadlock"
    ASSUMPTION_FAILED = "assumption failed"
    PARSE_ERROR = "parse error"
    SEMANTIC_ERROR = "semantic error"
    CONFIG_ERROR = "config error"
    EVALUATION_ERROR = "evaluation error"
    TLC_FAILURE = "TLC failure"
    TIMEOUT = "timeout"

    @property
    def is_violation(self) -> bool:
        """The model was checked and a behavior breaks it (a counterexample exists)."""
        return self in _VIOLATIONS

    @property
    def is_error(self) -> bool:
        """The model could not be checked: the spec, the config or the tool is at fault."""
        return self not in _VIOLATIONS and self is not Outcome.HOLDS

    @property
    def exit_code(self) -> int:
        """The exit status of ``conform modelcheck``: 0 holds, 1 violated, 2 error."""
        if self is Outcome.HOLDS:
            return 0
        return 1 if self.is_violation else 2


_VIOLATIONS = frozenset(
    {Outcome.INVARIANT_VIOLATED, Outcome.PROPERTY_VIOLATED, Outcome.DEADLOCK,
     Outcome.ASSUMPTION_FAILED, Outcome.EVALUATION_ERROR}
)
# An evaluation error happens while exploring behaviors and comes with the behavior that led
# to it, so it is reported like a violation; an assumption failure is a violated ASSUME.


@dataclass(frozen=True)
class Progress:
    """A progress report while a model is being checked (TLC prints one every minute).

    Both engines call their ``progress`` callback with one of these; any field may be None
    when the engine does not know it yet.
    """

    states_generated: int | None = None
    distinct_states: int | None = None
    states_left: int | None = None  # states found but not yet explored
    depth: int | None = None


@dataclass
class CheckResult:
    """The outcome of checking one model, with the figures TLC reports."""

    outcome: Outcome
    engine: str  # "tlc" or "embedded"
    spec: str = ""  # root module name
    model: str = ""  # the .cfg file
    violated: str | None = None  # the invariant, property or assumption that failed
    message: str = ""  # the engine's own words about the outcome
    states_generated: int | None = None
    distinct_states: int | None = None
    states_left: int | None = None
    depth: int | None = None
    duration: float | None = None  # seconds, wall clock
    positions: list[Position] = field(default_factory=list)  # errors, innermost last
    counterexample: Trace | None = None
    tool_version: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.HOLDS

    def summary(self) -> dict:
        """The comparable figures, for tables, JSON output and engine-agreement checks."""
        return {
            "spec": self.spec,
            "model": self.model,
            "engine": self.engine,
            "outcome": self.outcome.value,
            "violated": self.violated,
            "states_generated": self.states_generated,
            "distinct_states": self.distinct_states,
            "depth": self.depth,
            "trace_length": len(self.counterexample.steps) if self.counterexample else None,
            "duration": round(self.duration, 3) if self.duration is not None else None,
        }
