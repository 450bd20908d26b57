"""The few facts the TLC bridge reads from a model's .cfg file itself.

TLC parses the .cfg; the bridge only needs two things from it: the values it assigns to
constants (a counterexample's header records them, so a trace says which model it belongs
to), and where a name appears (TLC's configuration errors name the culprit but not its line).
"""

from __future__ import annotations

import re
from typing import Any

from conformance.tlc.printed import Parser, ValueSyntaxError

_KEYWORD = re.compile(
    r"\b(CONSTANTS?|INIT|NEXT|SPECIFICATION|INVARIANTS?|PROPERTY|PROPERTIES|CONSTRAINTS?|"
    r"ACTION_CONSTRAINTS?|SYMMETRY|VIEW|ALIAS|CHECK_DEADLOCK|POSTCONDITIONS?)\b"
)


def strip_comments(text: str) -> str:
    """The text with ``\\*`` and ``(* *)`` comments blanked out, keeping every position."""
    out = list(text)
    i, n, depth = 0, len(text), 0
    in_string = False
    while i < n:
        c = text[i]
        two = text[i:i + 2]
        if depth:
            if two == "(*":
                depth += 1
                out[i] = out[i + 1] = " "
                i += 2
            elif two == "*)":
                depth -= 1
                out[i] = out[i + 1] = " "
                i += 2
            else:
                if c != "\n":
                    out[i] = " "
                i += 1
        elif in_string:
            if c == "\\":
                i += 2
                continue
            in_string = c != '"'
            i += 1
        elif c == '"':
            in_string = True
            i += 1
        elif two == "(*":
            depth = 1
            out[i] = out[i + 1] = " "
            i += 2
        elif two == "\\*":
            while i < n and text[i] != "\n":
                out[i] = " "
                i += 1
        else:
            i += 1
    return "".join(out)


def constant_values(text: str) -> dict[str, Any]:
    """``CONSTANT N = 3, Nodes = {n1, n2}`` as ``{"N": 3, "Nodes": {n1, n2}}``.

    Substitutions (``N <- Op``) are not values and are left out; so is anything after a
    part this reader does not understand, since the result only informs a trace header.
    """
    text = strip_comments(text)
    found: dict[str, Any] = {}
    marks = list(_KEYWORD.finditer(text))
    for k, mark in enumerate(marks):
        if not mark.group(1).startswith("CONSTANT"):
            continue
        end = marks[k + 1].start() if k + 1 < len(marks) else len(text)
        _read_assignments(text[mark.end():end], found)
    return found


def _read_assignments(section: str, found: dict[str, Any]) -> None:
    try:
        p = Parser(section)
        while not p.at_end():
            name = p.name()
            if p.at("="):
                p.i += 1
                found[name] = p.value()
            elif p.at("<-"):
                p.i += 1
                if p.at("["):  # N <- [Module]Op
                    p.i += 1
                    p.name()
                    p.take("]")
                p.name()
            else:
                return
            if p.at(","):
                p.i += 1
    except ValueSyntaxError:
        return


def find_name(text: str, name: str) -> tuple[int, int] | None:
    """Line and column (1-based) of the first use of ``name`` outside comments."""
    m = re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", strip_comments(text))
    if m is None:
        return None
    line = text.count("\n", 0, m.start()) + 1
    column = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
    return line, column
