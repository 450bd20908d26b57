"""TLC's model configuration files (.cfg): parsed into a :class:`Config`.

The language is TLC's: keyword sections (CONSTANT(S), INIT, NEXT, SPECIFICATION,
INVARIANT(S), PROPERTY/PROPERTIES, CONSTRAINT(S), ACTION_CONSTRAINT(S), SYMMETRY, VIEW,
ALIAS, POSTCONDITION(S), CHECK_DEADLOCK), TLA+ comments, and constant assignments

* ``N = 3``, ``S = {a, b, c}`` (bare names are model values), ``s = "x"``, ``b = TRUE``;
* ``Op <- Def`` (replace a constant or a definition by a definition of the spec);
* ``Op <- [Mod] Def`` and ``N = [Mod] value`` (only inside module Mod's instances).

Whether the names exist in the spec is checked later, against the spec (``model.py``);
this module only reports malformed files, with the line of the problem. It is the one reader
of .cfg files in the project: the TLC bridge takes a model's constant values from it
(:func:`constant_values`, for trace headers), and :func:`strip_comments` is the comment rule
that .cfg files share with TLA+ modules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.tla.errors import ConfigError
from conformance.tla.syntax import Loc
from conformance.values import FSet, ModelValue

KEYWORDS = {
    "CONSTANT", "CONSTANTS", "CONSTRAINT", "CONSTRAINTS", "ACTION_CONSTRAINT",
    "ACTION_CONSTRAINTS", "INVARIANT", "INVARIANTS", "INIT", "NEXT", "VIEW", "SYMMETRY",
    "SPECIFICATION", "PROPERTY", "PROPERTIES", "ALIAS", "POSTCONDITION", "POSTCONDITIONS",
    "_PERIODIC", "_RL_REWARD", "_POSSIBLE", "CHECK_DEADLOCK",
}
_SINGLE = {"INIT", "NEXT", "VIEW", "SYMMETRY", "SPECIFICATION", "ALIAS", "_PERIODIC",
           "_RL_REWARD"}
_LISTS = {
    "CONSTRAINT": "constraints", "CONSTRAINTS": "constraints",
    "ACTION_CONSTRAINT": "action_constraints", "ACTION_CONSTRAINTS": "action_constraints",
    "INVARIANT": "invariants", "INVARIANTS": "invariants",
    "PROPERTY": "properties", "PROPERTIES": "properties",
    "POSTCONDITION": "postconditions", "POSTCONDITIONS": "postconditions",
    "_POSSIBLE": "possible",
}

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<number>-?\d+(?![A-Za-z0-9_]))
  | (?P<name>[A-Za-z0-9_]*[A-Za-z_][A-Za-z0-9_]*)
  | (?P<sym><-|==|[=\[\]{},()!<>](?![-+*/^&|.%@#$:~=<>]))
  | (?P<operator>\\[A-Za-z]+|[-+*/^&|.%@#$:~=<>]+)
""", re.VERBOSE)


@dataclass
class Token:
    kind: str
    text: str
    line: int
    col: int


@dataclass
class Assignment:
    """``name = value`` (``value`` a TLA+ value) or ``name <- target`` (a name)."""

    name: str
    value: Any = None
    target: str | None = None  # set for ``<-``
    module: str | None = None  # for <-[Mod] and =[Mod]
    line: int = 0
    col: int = 0
    args: tuple | None = None  # ``F(1, a) = v``: one entry of a constant operator's table

    @property
    def is_override(self) -> bool:
        return self.target is not None


@dataclass
class Config:
    file: str
    init: str | None = None
    next: str | None = None
    specification: str | None = None
    view: str | None = None
    symmetry: str | None = None
    alias: str | None = None
    check_deadlock: bool | None = None
    constants: list[Assignment] = field(default_factory=list)
    invariants: list[str] = field(default_factory=list)
    properties: list[str] = field(default_factory=list)
    constraints: list[str] = field(default_factory=list)
    action_constraints: list[str] = field(default_factory=list)
    postconditions: list[str] = field(default_factory=list)
    possible: list[str] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)  # first line naming each name
    model_values: list[str] = field(default_factory=list)  # in order of appearance

    def loc(self, name: str) -> Loc:
        line = self.lines.get(name, 0)
        return Loc(Path(self.file).name, line, 1 if line else 0, line, 1 if line else 0)


def strip_comments(text: str) -> str:
    """The text with ``\\*`` and (nested) ``(* *)`` comments blanked out, every line and
    column kept; TLA+ modules and .cfg files write comments alike."""
    return _blank_comments(text)[0]


def _blank_comments(text: str) -> tuple[str, int | None]:
    """The text without comments, and where a comment that is never closed opens."""
    out = list(text)
    i, n, depth, opened = 0, len(text), 0, 0
    while i < n:
        two = text[i:i + 2]
        if depth:
            if two in ("(*", "*)"):
                depth += 1 if two == "(*" else -1
                out[i] = out[i + 1] = " "
                i += 2
                continue
            if text[i] != "\n":
                out[i] = " "
            i += 1
        elif text[i] == '"':  # a string: comment marks inside it are text
            m = _STRING.match(text, i)
            i = m.end() if m else i + 1
        elif two == "(*":
            depth, opened = 1, i
            out[i] = out[i + 1] = " "
            i += 2
        elif two == "\\*":
            while i < n and text[i] != "\n":
                out[i] = " "
                i += 1
        else:
            i += 1
    return "".join(out), (opened if depth else None)


_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')


def tokenize(text: str, file: str) -> list[Token]:
    text, unclosed = _blank_comments(text)
    if unclosed is not None:
        line, col = _line_col(text, unclosed)
        raise ConfigError(f"{file}: unterminated comment opened at line {line}",
                          Loc(Path(file).name, line, col, line, col + 1), file=file)
    out: list[Token] = []
    i, line, line_start = 0, 1, 0
    n = len(text)
    while i < n:
        m = _TOKEN.match(text, i)
        if m is None:
            raise ConfigError(f"{file}: unexpected character {text[i]!r} at line {line}",
                              Loc(Path(file).name, line, i - line_start + 1, line,
                                  i - line_start + 1), file=file)
        kind = m.lastgroup or ""
        tok = m.group()
        if kind != "ws":
            out.append(Token(kind, tok, line, i - line_start + 1))
        newlines = tok.count("\n")
        if newlines:
            line += newlines
            line_start = i + tok.rindex("\n") + 1
        i = m.end()
    return out


def _line_col(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def find_name(text: str, name: str) -> tuple[int, int] | None:
    """Line and column (1-based) of the first use of ``name`` outside comments, in a .cfg
    file or a TLA+ module (TLC's configuration errors name the culprit but not its line)."""
    m = re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", strip_comments(text))
    return None if m is None else _line_col(text, m.start())


def parse_config(path: str | Path) -> Config:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError(f"cannot read the configuration file {path}: {e.strerror}",
                          file=str(path))
    if path.suffix == ".tla":  # TLC's -config Spec.tla: the model is a section of the spec
        text = embedded_config(text, path.stem)
    return parse_config_text(text, str(path))


_CONFIG_START = r"-----*\s*CONFIG\s+{}\s*-----*"


def embedded_config(text: str, name: str) -> str:
    """The ``---- CONFIG name ----`` section of a .tla file (up to its ``====``), with the
    other lines blanked so that line numbers stay the file's; empty if there is none."""
    start = re.compile(_CONFIG_START.format(re.escape(name)))
    out, inside = [], False
    for line in text.split("\n"):
        if inside and re.match(r"====", line):
            inside = False
            out.append("")
            continue
        if not inside and start.fullmatch(line.strip()):
            inside = True
            out.append("")
            continue
        out.append(line if inside else "")
    return "\n".join(out)


def parse_config_text(text: str, file: str = "<cfg>") -> Config:
    toks = tokenize(text, file)
    cfg = Config(file)
    p = _Parser(toks, cfg, file)
    p.run()
    return cfg


def constant_values(text: str, file: str = "<cfg>") -> dict[str, Any]:
    """``CONSTANT N = 3, Nodes = {n1, n2}`` as ``{"N": 3, "Nodes": {n1, n2}}``: the values
    a model gives the spec's own constants (substitutions ``<-`` and the ``=[Mod]`` values
    of instances are not among them). Raises :class:`ConfigError` on a malformed file."""
    return {a.name: a.value for a in parse_config_text(text, file).constants
            if not a.is_override and a.module is None}


class _Parser:
    def __init__(self, toks: list[Token], cfg: Config, file: str) -> None:
        self.toks, self.cfg, self.file = toks, cfg, file
        self.i = 0

    def error(self, msg: str, tok: Token | None = None) -> ConfigError:
        tok = tok or (self.toks[self.i] if self.i < len(self.toks) else
                      (self.toks[-1] if self.toks else None))
        line = tok.line if tok else 0
        col = tok.col if tok else 0
        return ConfigError(f"Error in the configuration file at line {line}: {msg}",
                           Loc(Path(self.file).name, line, col, line, col), file=self.file)

    def peek(self) -> Token | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def next(self, what: str) -> Token:
        tok = self.peek()
        if tok is None:
            raise self.error(f"expected {what}, but the file ends")
        self.i += 1
        return tok

    def _at(self, text: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.text == text

    def at_keyword(self) -> bool:
        tok = self.peek()
        return tok is None or (tok.kind == "name" and tok.text in KEYWORDS)

    def note(self, tok: Token) -> None:
        self.cfg.lines.setdefault(tok.text, tok.line)

    def run(self) -> None:
        cfg = self.cfg
        seen_single: set[str] = set()
        while self.peek() is not None:
            tok = self.next("a keyword")
            kw = tok.text
            if tok.kind != "name" or kw not in KEYWORDS:
                raise self.error(f'expected a keyword such as INIT or CONSTANT, found '
                                 f'"{kw}"', tok)
            if kw in _SINGLE:
                if kw in seen_single:
                    raise self.error(f"the keyword {kw} appears twice", tok)
                seen_single.add(kw)
                name = self.next(f"a name after {kw}")
                if name.kind != "name" or name.text in KEYWORDS:
                    raise self.error(f"expected a name after {kw}", name)
                self.note(name)
                attr = {"INIT": "init", "NEXT": "next", "VIEW": "view", "SYMMETRY": "symmetry",
                        "SPECIFICATION": "specification", "ALIAS": "alias"}.get(kw)
                if attr:
                    setattr(cfg, attr, name.text)
            elif kw in _LISTS:
                target = getattr(cfg, _LISTS[kw])
                while not self.at_keyword():
                    name = self.next("a name")
                    if name.kind != "name":
                        raise self.error(f'expected a name in {kw}, found "{name.text}"', name)
                    self.note(name)
                    target.append(name.text)
            elif kw == "CHECK_DEADLOCK":
                if cfg.check_deadlock is not None:
                    raise self.error("the keyword CHECK_DEADLOCK appears twice", tok)
                v = self.next("TRUE or FALSE")
                if v.text not in ("TRUE", "FALSE"):
                    raise self.error("expected TRUE or FALSE after CHECK_DEADLOCK", v)
                cfg.check_deadlock = v.text == "TRUE"
            else:  # CONSTANT(S)
                while not self.at_keyword():
                    self.assignment()

    def assignment(self) -> None:
        tok = self.next("a constant name")
        if tok.kind not in ("name", "operator"):  # ++ <- PlusPlus replaces an operator
            raise self.error(f'expected the name of a constant, found "{tok.text}"', tok)
        name = tok.text
        while self._at("!"):
            self.next("!")
            name += "!" + self.next("a name").text
        self.note(tok)
        op = self.next("= or <-")
        if op.text == "(":  # F(1, a) = v: the value of a constant operator at arguments
            args = []
            while True:
                args.append(self.value())
                sep = self.next(", or )")
                if sep.text == ")":
                    break
                if sep.text != ",":
                    raise self.error(f'expected , or ) in the arguments of {name}, found '
                                     f'"{sep.text}"', sep)
            eq = self.next("=")
            if eq.text != "=":
                raise self.error(f'expected = after {name}(...), found "{eq.text}"', eq)
            self.cfg.constants.append(Assignment(name, value=self.value(), line=tok.line,
                                                 col=tok.col, args=tuple(args)))
            return
        if op.text == "<-":
            module = None
            t = self.next("a definition name")
            if t.text == "[":
                module = self.next("a module name").text
                if self.next("]").text != "]":
                    raise self.error("expected ] after the module name")
                t = self.next("a definition name")
            if t.kind not in ("name", "operator"):
                raise self.error(f'expected a definition name after <-, found "{t.text}"', t)
            self.note(t)
            self.cfg.constants.append(Assignment(name, target=t.text, module=module,
                                                 line=tok.line, col=tok.col))
            return
        if op.text != "=":
            raise self.error(f'expected = or <- after {name}, found "{op.text}"', op)
        module = None
        if self._at("["):
            self.next("[")
            module = self.next("a module name").text
            if self.next("]").text != "]":
                raise self.error("expected ] after the module name")
        value = self.value()
        self.cfg.constants.append(Assignment(name, value=value, module=module, line=tok.line,
                                             col=tok.col))

    def value(self):
        tok = self.next("a value")
        if tok.kind == "number":
            return int(tok.text)
        if tok.kind == "string":
            return _unescape(tok.text[1:-1])
        if tok.text == "TRUE":
            return True
        if tok.text == "FALSE":
            return False
        if tok.text == "{":
            elems = []
            if self._at("}"):
                self.next("}")
                return FSet()
            while True:
                elems.append(self.value())
                sep = self.next(", or }")
                if sep.text == "}":
                    return FSet(elems)
                if sep.text != ",":
                    raise self.error(f'expected , or }} in a set, found "{sep.text}"', sep)
        if tok.kind == "name" and tok.text not in KEYWORDS:
            if tok.text not in self.cfg.model_values:
                self.cfg.model_values.append(tok.text)
            return ModelValue(tok.text)
        raise self.error(f'expected a value, found "{tok.text}"', tok)


def _unescape(s: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t", "r": "\r", "f": "\f"}.get(
        m.group(1), m.group(1)), s)
