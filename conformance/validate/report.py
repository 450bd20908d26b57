"""A divergence: the first event of a trace that the spec does not allow, and why.

It says which event (its number, action, parameters and node), what kind of disagreement it
is, the conjunct of the action that was false, and the differences between the state the
implementation reached and the nearest state the spec allows. It is data (saved in the
header of a failing trace file, compared by the replay) and it renders as text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from conformance.errors import Position
from conformance.validate.diff import Difference, describe, difference_to_json, short
from conformance.values import to_tla

_WOULD_BE = re.compile(r"(\w+)' would be ")

# The kinds of divergence, in the words the reports use.
INITIAL = "not an initial state"  # the first state is none of the spec's initial states
NOT_ENABLED = "not enabled"  # the action cannot happen in the spec's state
LED_ELSEWHERE = "led elsewhere"  # it can, but not to the state the implementation reached
INVARIANT = "invariant violated"  # the state reached breaks an invariant of the spec
PROPERTY = "action property violated"  # the step breaks an action property ([][A]_v)
UNKNOWN_ACTION = "unknown action"  # the spec has no action of that name
KINDS = (INITIAL, NOT_ENABLED, LED_ELSEWHERE, INVARIANT, PROPERTY, UNKNOWN_ACTION)


@dataclass
class Divergence:
    index: int  # the event's number in the trace (0: the initial state)
    action: str
    params: dict[str, Any] | None
    node: str | None
    kind: str
    conjunct: str = ""  # the source text of the conjunct that was false
    position: Position | None = None  # ... and where it is
    why: str = ""  # the engine's words about it
    differences: list[Difference] = field(default_factory=list)
    violated: list[str] = field(default_factory=list)  # invariants or properties
    candidates: int = 1  # spec states tracked at this point (more when variables are missing)
    where: Position | None = None  # the event's line in a node's trace (merged runs)
    notes: list[str] = field(default_factory=list)  # what else explains it

    # ------------------------------------------------------------------ text

    def headline(self) -> str:
        where = f" ({self.where})" if self.where else ""
        return f"event {self.index}{where}: {self.call()} {self.kind}"

    def call(self) -> str:
        args = ", ".join(f"{k} = {short(v, 80)}" for k, v in (self.params or {}).items())
        node = f" at {self.node}" if self.node else ""
        return f"{self.action}({args}){node}"

    def render(self, max_differences: int = 25) -> str:
        lines = [self.headline()]
        for k, v in (self.params or {}).items():
            text = to_tla(v)
            if len(text) > 80:
                lines.append(f"  {k} = {text}")
        if self.kind == NOT_ENABLED:
            lines.append("  the spec does not allow this action in the state before it")
        elif self.kind == LED_ELSEWHERE:
            lines.append("  the action is enabled, but the spec's step does not reach the "
                         "state the implementation reached")
        if self.violated:
            lines.append("  violated: " + ", ".join(self.violated))
        if self.conjunct or self.why:
            where = f" ({self.position})" if self.position else ""
            what = "false in the state reached" if self.kind == INVARIANT else \
                "first failing conjunct"
            lines.append(f"  {what}{where}:")
            for text in self.conjunct.splitlines() or [""]:
                lines.append(f"      {text}")
            if self.why and self.why != "false" and not self._why_is_a_diff():
                why = self.why if len(self.why) <= 300 else self.why[:297] + "..."
                lines.append(f"    {why}")
        if self.differences:
            lines.append("  implementation vs the nearest state the spec allows:")
            for d in self.differences[:max_differences]:
                lines.append(f"    {describe(d)}")
            if len(self.differences) > max_differences:
                lines.append(f"    ... and {len(self.differences) - max_differences} more")
        for note in self.notes:
            lines.append(f"  {note}")
        if self.candidates > 1:
            lines.append(f"  ({self.candidates} spec states matched the trace before this "
                         "event: it leaves some variables out)")
        return "\n".join(lines)

    def _why_is_a_diff(self) -> bool:
        """The engine's "x' would be A, but is B" says whole values where the differences
        below name the fields: it is left out when they cover that variable."""
        m = _WOULD_BE.match(self.why)
        return m is not None and any(
            d.path == m.group(1) or d.path.startswith((m.group(1) + "[", m.group(1) + "."))
            for d in self.differences)

    def signature(self) -> tuple:
        """What a replay must reproduce: the same event, action and kind of divergence."""
        return (self.index, self.action, self.kind)

    # ------------------------------------------------------------------ data

    def to_json(self) -> dict:
        out: dict[str, Any] = {
            "index": self.index,
            "action": self.action,
            "kind": self.kind,
            "summary": self.headline(),
        }
        if self.params:
            out["params"] = {k: to_tla(v) for k, v in self.params.items()}
        if self.node:
            out["node"] = self.node
        if self.where is not None:
            out["where"] = self.where.to_json()
        if self.notes:
            out["notes"] = list(self.notes)
        if self.conjunct:
            out["conjunct"] = self.conjunct
        if self.position is not None:
            out["position"] = self.position.to_json()
        if self.why:
            out["why"] = self.why
        if self.violated:
            out["violated"] = list(self.violated)
        if self.differences:
            out["differences"] = [difference_to_json(d) for d in self.differences]
        return out
