"""Quorum systems written by a user, in TOML, for ``conform prove --quorums FILE``.

One table per system, under ``system``::

    # classic Paxos over five acceptors: a majority in both phases
    [system.classic]
    acceptors = ["a", "b", "c", "d", "e"]
    quorum = "majority"

    # Flexible Paxos: phase 1 needs any 4 of 6, phase 2 any 3 of 6 (4 + 3 > 6)
    [system.flexible]
    acceptors = ["a1", "a2", "a3", "a4", "a5", "a6"]
    phase1 = 4
    phase2 = 3

    # weighted votes: a carries two votes; a quorum holds more than half of the 5 votes
    [system.weighted]
    acceptors = { a = 2, b = 1, c = 1, d = 1 }
    quorum = "majority"

    # a 2x2 grid: rows for phase 1, columns for phase 2
    [system.grid]
    acceptors = ["a", "b", "c", "d"]
    phase1 = [["a", "b"], ["c", "d"]]
    phase2 = [["a", "c"], ["b", "d"]]

``acceptors`` is a list of names (one vote each) or a table of names to their number of votes
(a non-negative integer). A rule, for ``quorum`` (both phases) or for ``phase1`` and ``phase2``
separately, is ``"majority"`` (more than half of all the votes), a number (any acceptors
holding at least that many votes), or a list of quorums (any acceptors that include one of
them). Each system becomes an :class:`impl.quorum.QuorumSystem`, the object a Paxos node runs,
so what is proved is what runs.

Mistakes are reported as a :class:`~conformance.errors.UserError` at the line of the offending
key. TOML's parser gives no positions for values, so the position is found in the text: the
line of ``key =`` inside the system's table, or of the system's table header.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.errors import Position, UserError
from impl.quorum import AnyOf, QuorumRule, QuorumSystem, Threshold

KEYS = ("acceptors", "quorum", "phase1", "phase2")

_EXAMPLE = 'for example:\n  [system.classic]\n  acceptors = ["a", "b", "c"]\n  quorum = "majority"'

_RULE_HELP = ('a rule is "majority", a number of votes, or a list of quorums '
              '(lists of acceptor names)')


@dataclass(frozen=True)
class NamedSystem:
    name: str
    system: QuorumSystem
    position: Position

    def describe(self) -> str:
        p1, p2 = self.system.phase1_rule, self.system.phase2_rule
        if p1 == p2:
            return f"{self.name}: quorum {p1.describe()}"
        return f"{self.name}: phase 1 {p1.describe()}; phase 2 {p2.describe()}"


def load_systems(path: str | Path) -> list[NamedSystem]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise UserError(f"cannot read the quorum-system file: {e.strerror or e}",
                        Position(str(path)))
    except UnicodeDecodeError:
        raise UserError("the quorum-system file is not UTF-8 text", Position(str(path)))
    return parse_systems(text, str(path))


def parse_systems(text: str, file: str) -> list[NamedSystem]:
    where = _Locator(text, file)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        message, position = where.from_toml_error(str(e))
        raise UserError(f"not valid TOML: {message}", position)
    unknown = [k for k in data if k != "system"]
    if unknown:
        raise UserError(f"unknown top-level key {unknown[0]!r}; systems go in "
                        f"[system.NAME] tables", where.key(None, unknown[0]))
    systems = data.get("system")
    if not isinstance(systems, dict) or not systems:
        raise UserError("no quorum systems: add at least one [system.NAME] table",
                        Position(file, 1, 1), hint=_EXAMPLE)
    return [_system(name, body, where) for name, body in systems.items()]


def _system(name: str, body: Any, where: _Locator) -> NamedSystem:
    at = where.table(name)
    if not isinstance(body, dict):
        raise UserError(f"system {name!r} must be a table of {', '.join(KEYS)}", at)
    for key in body:
        if key not in KEYS:
            raise UserError(f"system {name!r}: unknown key {key!r} (expected one of "
                            f"{', '.join(KEYS)})", where.key(name, key))
    if "acceptors" not in body:
        raise UserError(f"system {name!r} has no acceptors", at)
    weights = _acceptors(name, body["acceptors"], where)
    if "quorum" in body:
        for key in ("phase1", "phase2"):
            if key in body:
                raise UserError(f"system {name!r}: give either quorum (both phases) or "
                                f"phase1 and phase2, not both", where.key(name, key))
        rule = _rule(name, "quorum", body["quorum"], weights, where)
        return NamedSystem(name, QuorumSystem(tuple(weights), rule, rule), at)
    missing = [k for k in ("phase1", "phase2") if k not in body]
    if len(missing) == 2:
        raise UserError(f"system {name!r} has no quorum rule: add quorum, or phase1 and "
                        f"phase2", at)
    if missing:
        raise UserError(f"system {name!r} has no {missing[0]} rule", at)
    phase1 = _rule(name, "phase1", body["phase1"], weights, where)
    phase2 = _rule(name, "phase2", body["phase2"], weights, where)
    return NamedSystem(name, QuorumSystem(tuple(weights), phase1, phase2), at)


def _acceptors(name: str, value: Any, where: _Locator) -> dict[str, int]:
    at = where.key(name, "acceptors")
    if isinstance(value, list):
        weights: dict[str, int] = {}
        for a in value:
            if not isinstance(a, str) or not a:
                raise UserError(f"system {name!r}: acceptor names are non-empty strings, "
                                f"not {a!r}", at)
            if a in weights:
                raise UserError(f"system {name!r}: acceptor {a!r} is listed twice",
                                where.key(name, "acceptors", a, nth=2))
            weights[a] = 1
    elif isinstance(value, dict):
        weights = {}
        for a, w in value.items():
            if type(w) is not int or w < 0:
                raise UserError(f"system {name!r}: the votes of acceptor {a!r} must be a "
                                f"non-negative integer, not {w!r}",
                                where.key(name, "acceptors", a))
            weights[a] = w
    else:
        raise UserError(f"system {name!r}: acceptors is a list of names or a table of names "
                        f"to votes", at)
    if not weights:
        raise UserError(f"system {name!r} has no acceptors", at)
    if sum(weights.values()) == 0:
        raise UserError(f"system {name!r}: no acceptor has a vote", at)
    return weights


def _rule(name: str, key: str, value: Any, weights: dict[str, int],
          where: _Locator) -> QuorumRule:
    at = where.key(name, key)
    total = sum(weights.values())
    if value == "majority":
        return Threshold.majority(weights)
    if type(value) is int:
        if not 1 <= value <= total:
            raise UserError(f"system {name!r}: {key} = {value} votes, but there are "
                            f"{total}; it must be between 1 and {total}", at)
        return Threshold(tuple(weights.items()), value)
    if isinstance(value, list) and value:
        quorums = []
        for q in value:
            if not isinstance(q, list) or not q:
                raise UserError(f"system {name!r}: {key}: each quorum is a non-empty list of "
                                f"acceptor names, not {q!r}", at)
            for a in q:
                if a not in weights:
                    raise UserError(f"system {name!r}: {key} names {a!r}, which is not an "
                                    f"acceptor", where.key(name, key, a))
            quorums.append(frozenset(q))
        return AnyOf(tuple(quorums))
    raise UserError(f"system {name!r}: {key} = {value!r} is not a rule; {_RULE_HELP}", at)


_TABLE_HEADER = re.compile(r'^\s*\[\[?\s*[\w"\'. -]+\s*\]\]?\s*(#.*)?$')


def _is_table_header(line: str) -> bool:
    """``[name]`` or ``[[name]]``; a line of a multi-line array such as ``["a", "b"],`` is
    not (a one-name quorum alone on its line, ``["a"]``, is read as one: a rare miss that
    costs only precision of the reported line)."""
    return bool(_TABLE_HEADER.match(line))


class _Locator:
    """Positions of tables and keys in the TOML text, found by reading it line by line."""

    _KEY = re.compile(r'^\s*("(?:[^"\\]|\\.)*"|\'[^\']*\'|[\w-]+)\s*=')
    _HEADER = re.compile(r'^\s*\[\s*system\s*\.\s*("(?:[^"\\]|\\.)*"|\'[^\']*\'|[\w-]+)\s*\]')

    def __init__(self, text: str, file: str):
        self.file = file
        self.lines = text.splitlines()
        self.headers: dict[str, int] = {}
        in_system_table = False
        for n, line in enumerate(self.lines):
            m = self._HEADER.match(line)
            if m:
                self.headers.setdefault(m.group(1).strip("\"'"), n)
            if _is_table_header(line):
                in_system_table = bool(re.match(r"^\s*\[\s*system\s*\]", line))
            elif in_system_table:
                m = self._KEY.match(line)      # [system] with x = {...} inside
                if m:
                    self.headers.setdefault(m.group(1).strip("\"'"), n)

    def from_toml_error(self, message: str) -> tuple[str, Position]:
        m = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
        if m:
            return message[:m.start()], Position(self.file, int(m.group(1)), int(m.group(2)))
        m = re.search(r"\s*\(at end of document\)$", message)
        if m:
            last = len(self.lines)
            column = len(self.lines[-1]) + 1 if self.lines else 1
            return message[:m.start()], Position(self.file, max(last, 1), column)
        return message, Position(self.file)

    def table(self, name: str) -> Position:
        n = self.headers.get(name)
        if n is None:
            return Position(self.file)
        line = self.lines[n]
        return Position(self.file, n + 1, len(line) - len(line.lstrip()) + 1)

    def key(self, system: str | None, key: str, needle: str | None = None,
            nth: int = 1) -> Position:
        """The line of ``key = ...`` in the system's table (or at the top, for None), and
        the column of the ``nth`` ``needle`` (a quoted name or key) in the value when it is
        given."""
        start = 0 if system is None else self.headers.get(system)
        if start is None:
            return Position(self.file)
        pattern = re.compile(rf'^\s*("{re.escape(key)}"|\'{re.escape(key)}\'|{re.escape(key)})'
                             rf'\s*=')
        for n in range(start + (system is not None), len(self.lines)):
            line = self.lines[n]
            if system is not None and _is_table_header(line):
                break
            m = pattern.match(line)
            if m:
                if needle is not None:
                    found = self._find(needle, n, m.end(), nth)
                    if found:
                        return found
                return Position(self.file, n + 1, m.start(1) + 1)
        return self.table(system) if system is not None else Position(self.file)

    def _find(self, needle: str, line: int, column: int, nth: int) -> Position | None:
        """The first place after (line, column) where ``needle`` appears as a TOML string or
        bare key, within the value (which may span lines, until the next key or table)."""
        word = re.compile(rf'"{re.escape(needle)}"|\'{re.escape(needle)}\'|'
                          rf'(?<![\w-]){re.escape(needle)}(?![\w-])\s*=')
        for n in range(line, len(self.lines)):
            text = self.lines[n]
            if n > line and (_is_table_header(text) or re.match(r"^\s*[\w\"'-]+\s*=", text)):
                return None
            for m in word.finditer(text, column if n == line else 0):
                nth -= 1
                if nth == 0:
                    return Position(self.file, n + 1, m.start() + 1)
        return None
