"""The engine's errors: what went wrong in a spec, a model, or an evaluation, and where.

Errors about the input (:class:`ParseError`, :class:`SemanticError`, :class:`ConfigError`)
are :class:`~conformance.errors.UserError` subclasses, so the CLI prints them as one message
with a position. :class:`EvalError` is raised while evaluating; it collects, on its way up
through the compiled closures, the source spans of the expressions being evaluated, which is
the "nested expressions" list TLC prints (innermost last).
"""

from __future__ import annotations

from conformance.errors import Position, UserError
from conformance.tla.syntax import Loc


def position(loc: Loc, file: str | None = None) -> Position:
    """A :class:`Position` for a span of a module."""
    return Position(file=file or (loc.module + ".tla" if loc.module else ""), line=loc.line,
                    column=loc.col, end_line=loc.eline, end_column=loc.ecol,
                    module=loc.module or None)


class SpecError(UserError):
    """A spec or model the engine rejects before checking; ``kind`` names the outcome."""

    kind = "semantic"

    def __init__(self, message: str, loc: Loc | None = None, file: str | None = None,
                 hint: str | None = None, positions: list[Position] | None = None) -> None:
        pos = position(loc, file) if loc is not None and loc.line else None
        super().__init__(message, pos, hint)
        self.loc = loc
        self.positions = positions if positions is not None else ([pos] if pos else [])


class ParseError(SpecError):
    kind = "parse"


class SemanticError(SpecError):
    kind = "semantic"


class ConfigError(SpecError):
    kind = "config"


class Unsupported(SpecError):
    """A construct TLC evaluates that this engine does not (yet): names the feature."""

    kind = "unsupported"

    def __init__(self, feature: str, loc: Loc | None = None) -> None:
        super().__init__(f"not supported by the embedded engine: {feature}", loc)
        self.feature = feature


class EvalError(Exception):
    """An evaluation failed as TLC's would: the message, and the spans being evaluated."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.locs: list[Loc] = []  # outermost first once complete; built innermost-first

    def push(self, loc: Loc) -> None:
        """Record an enclosing expression (called while the error propagates outwards)."""
        if not self.locs or self.locs[-1] is not loc:
            self.locs.append(loc)

    def nested(self) -> list[Loc]:
        """The spans from the outermost expression to the innermost, as TLC lists them."""
        return list(reversed(self.locs))

    def __str__(self) -> str:
        return self.message


class AssertionFailed(EvalError):
    """TLC's ``Assert(FALSE, msg)``: reported as an evaluation error with the message."""
