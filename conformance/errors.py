"""The one exception type a user sees: a message, where it happened, and what to do.

Everything that stems from bad input (a spec that does not parse, a malformed trace, a
missing jar, a dead peer) raises :class:`UserError`. The ``conform`` command prints it in one
block and exits non-zero, with no traceback unless ``--debug`` is given.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Position:
    """A place in a file: module or file name, 1-based line and column (0 when unknown)."""

    file: str
    line: int = 0
    column: int = 0
    end_line: int = 0
    end_column: int = 0
    module: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}"
            if self.column:
                where += f":{self.column}"
        return where

    def to_json(self) -> dict:
        out: dict = {"file": self.file}
        for name in ("line", "column", "end_line", "end_column"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        if self.module:
            out["module"] = self.module
        return out

    @classmethod
    def from_json(cls, data: dict) -> Position:
        return cls(
            file=str(data.get("file", "")),
            line=int(data.get("line", 0)),
            column=int(data.get("column", 0)),
            end_line=int(data.get("end_line", 0)),
            end_column=int(data.get("end_column", 0)),
            module=data.get("module"),
        )


class UserError(Exception):
    """Bad input or a missing tool: reported to the user as one message, exit status 2."""

    exit_code = 2

    def __init__(self, message: str, position: Position | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.position = position
        self.hint = hint

    def __str__(self) -> str:
        text = f"{self.position}: {self.message}" if self.position else self.message
        if self.hint:
            text += f"\n{self.hint}"
        return text
