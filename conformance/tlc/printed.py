"""Reading the TLA+ values that TLC prints: in its states, in ``trace.tla``, in a .cfg.

TLC prints a value the way ``Value.toString`` writes it, sometimes wrapped over several
lines: integers, strings with backslash escapes, ``TRUE``/``FALSE``, model values as bare
names, sets ``{1, 2}``, tuples and sequences ``<<1, 2>>``, records ``[a |-> 1]``, other
functions ``(k1 :> v1 @@ k2 :> v2)``, and an integer interval that was never enumerated as
``1..3``. These are exact, unlike TLC's JSON dump, so a trace read from them can be replayed.

A state prints as ``x = 0`` (one variable) or as a conjunction ``/\\ x = 0 /\\ y = {}``.
"""

from __future__ import annotations

import re
from typing import Any

from conformance.values import FSet, ModelValue, Tup, make_fn

__all__ = ["ValueSyntaxError", "parse_value", "parse_state", "Parser"]


class ValueSyntaxError(ValueError):
    """Text that is not a value as TLC prints one; ``offset`` is where reading stopped."""

    def __init__(self, message: str, text: str, offset: int) -> None:
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        near = text[offset:offset + 30].split("\n", 1)[0]
        super().__init__(f"{message} at line {line}, column {column} (near {near!r})")
        self.offset = offset
        self.line = line
        self.column = column


_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<number>-?\d+)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<punct>\|->|:>|@@|<<|>>|<-|\.\.|/\\|[{}\[\](),=:!])
    """,
    re.VERBOSE | re.DOTALL,
)

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", '"': '"', "\\": "\\"}


def _unquote(token: str) -> str:
    body = token[1:-1]
    if "\\" not in body:
        return body
    out = []
    i = 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            out.append(_ESCAPES.get(body[i + 1], body[i + 1]))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _tokenize(text: str) -> list[tuple[str, str, int]]:
    tokens: list[tuple[str, str, int]] = []
    pos = 0
    n = len(text)
    while pos < n:
        m = _TOKEN.match(text, pos)
        if m is None:
            raise ValueSyntaxError("unexpected character", text, pos)
        kind = m.lastgroup or ""
        if kind != "ws":
            tokens.append((kind, m.group(), pos))
        pos = m.end()
    tokens.append(("end", "", n))
    return tokens


class Parser:
    """A recursive-descent reader over the tokens of one text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0

    # -- helpers

    def peek(self, ahead: int = 0) -> tuple[str, str, int]:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def at(self, value: str) -> bool:
        kind, tok, _ = self.tokens[self.i]
        return tok == value and kind in ("punct", "name")

    def take(self, value: str) -> None:
        if not self.at(value):
            self.fail(f"expected {value!r}")
        self.i += 1

    def fail(self, message: str) -> None:
        raise ValueSyntaxError(message, self.text, self.tokens[self.i][2])

    def at_end(self) -> bool:
        return self.tokens[self.i][0] == "end"

    def name(self) -> str:
        kind, tok, _ = self.tokens[self.i]
        if kind != "name":
            self.fail("expected a name")
        self.i += 1
        return tok

    # -- values

    def value(self) -> Any:
        kind, tok, _ = self.tokens[self.i]
        if kind == "number":
            self.i += 1
            low = int(tok)
            if self.at(".."):
                self.i += 1
                k2, t2, _ = self.tokens[self.i]
                if k2 != "number":
                    self.fail("expected the upper bound of an interval")
                self.i += 1
                return FSet(range(low, int(t2) + 1))
            return low
        if kind == "string":
            self.i += 1
            return _unquote(tok)
        if kind == "name":
            self.i += 1
            if tok == "TRUE":
                return True
            if tok == "FALSE":
                return False
            return ModelValue(tok)
        if tok == "{":
            return self._set()
        if tok == "<<":
            return self._tuple()
        if tok == "[":
            return self._record()
        if tok == "(":
            return self._function()
        self.fail("expected a value")

    def _items(self, close: str) -> list:
        items: list = []
        if self.at(close):
            self.i += 1
            return items
        while True:
            items.append(self.value())
            if self.at(","):
                self.i += 1
                continue
            self.take(close)
            return items

    def _set(self) -> FSet:
        self.take("{")
        return FSet(self._items("}"))

    def _tuple(self) -> Tup:
        self.take("<<")
        return Tup(self._items(">>"))

    def _record(self) -> Any:
        self.take("[")
        fields: dict = {}
        if self.at("]"):
            self.fail("a record needs at least one field")
        while True:
            field = self.name()
            self.take("|->")
            fields[field] = self.value()
            if self.at(","):
                self.i += 1
                continue
            self.take("]")
            return make_fn(fields)

    def _function(self) -> Any:
        self.take("(")
        graph: dict = {}
        while True:
            key = self.value()
            self.take(":>")
            graph[key] = self.value()
            if self.at("@@"):
                self.i += 1
                continue
            self.take(")")
            return make_fn(graph)

    # -- states

    def state(self) -> dict[str, Any]:
        """``x = 0`` or ``/\\ x = 0 /\\ y = 1``; an empty text is the state of no variables."""
        state: dict[str, Any] = {}
        if self.at_end():
            return state
        conjunction = self.at("/\\")
        while True:
            if conjunction:
                self.take("/\\")
            var = self.name()
            self.take("=")
            state[var] = self.value()
            if self.at_end():
                return state
            if not conjunction:
                self.fail("expected the end of the state")


def parse_value(text: str) -> Any:
    """The one value in ``text``; :class:`ValueSyntaxError` says where it is not one."""
    p = Parser(text)
    v = p.value()
    if not p.at_end():
        p.fail("expected the end of the value")
    return v


def parse_state(text: str) -> dict[str, Any]:
    """A state as TLC prints it, as a mapping from variable to value, in printed order."""
    return Parser(text).state()
