"""Planted bugs as named switches: what every protocol's ``Bugs`` dataclass can do.

A protocol lists its bugs as boolean fields of a frozen dataclass deriving from
:class:`BugSwitches`, each with a comment saying what goes wrong; this base turns names from
a command line or a trace header into such a value and back, and refuses a name the
protocol does not have, so a typo is an error rather than a run with no bug at all.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Self


class BugSwitches:
    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]  # type: ignore[arg-type]

    @classmethod
    def only(cls, *names: str) -> Self:
        unknown = set(names) - set(cls.names())
        if unknown:
            raise ValueError(f"unknown bug(s): {', '.join(sorted(unknown))}; "
                             f"known: {', '.join(cls.names())}")
        return cls(**{n: True for n in names})

    def enabled(self) -> list[str]:
        return [n for n in self.names() if getattr(self, n)]
