"""Which runs TLC's own tests make of its regression models, read from its JUnit classes.

TLC's repository keeps the models in ``test-model/`` and, in ``test/``, one JUnit class per
run: a subclass (directly or through a helper such as ``SuiteTestCase``) of
``ModelCheckerTestCase``, whose constructor names the spec, the folder under
``test-model/``, extra command-line arguments (``-config X.cfg``...) and the exit status the
test expects. TLC runs each with ``-deadlock`` (no deadlock check) unless the class overrides
``checkDeadLock()`` to return true.

This module reads those classes with a small reader of the few Java forms they use
(constructors that call ``super(...)`` or ``this(...)`` with literals, string arrays,
``ExitStatus`` constants and their own parameters) and no Java compiler. A class it cannot
resolve is reported, not guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

# TLC's exit statuses (tlc2.output.EC.ExitStatus), by the names the tests use
EXIT_STATUS = {
    "SUCCESS": 0, "VIOLATION_ASSUMPTION": 10, "VIOLATION_DEADLOCK": 11,
    "VIOLATION_SAFETY": 12, "VIOLATION_LIVENESS": 13, "VIOLATION_ASSERT": 14,
    "FAILURE_SPEC_EVAL": 75, "FAILURE_SAFETY_EVAL": 76, "FAILURE_LIVENESS_EVAL": 77,
    "ERROR_SPEC_PARSE": 150, "ERROR_CONFIG_PARSE": 151, "ERROR_STATESPACE_TOO_LARGE": 152,
    "ERROR_SYSTEM": 153, "ERROR": 255,
}
ROOT_CLASS = "ModelCheckerTestCase"
# constants of TLC's own classes that the tests pass
_KNOWN = {"TLAConstants.Files.MODEL_CHECK_FILE_BASENAME": "MC", "File.separator": "/",
          "Tool.CDOT_KEY": "tlc2.tool.impl.Tool.cdot", "Boolean.TRUE.toString()": "true",
          "Boolean.FALSE.toString()": "false"}
_PROPERTY = re.compile(r"System\s*\.\s*setProperty\s*\(")
_FIELD = re.compile(r"\bstatic\s+final\s+String\s+(\w+)\s*=\s*(\"(?:[^\"\\\\]|\\\\.)*\")\s*;")
# helpers whose runs are not model checking of a model on disk: trace-expression specs
# written by earlier runs, distributed and server modes
_NOT_RUNS = {"TTraceModelCheckerTestCase", "DistributedTLCTestCase", "TLCServerTestCase"}


@dataclass
class JavaClass:
    name: str
    parent: str
    abstract: bool
    file: Path
    # constructors: ((name, kind) of each parameter, "super" or "this", the call's arguments)
    constructors: list[tuple[list[tuple[str, str]], str, list[str]]]
    deadlock: bool | None  # checkDeadLock() overridden: what it returns
    fields: dict[str, str]  # its static final strings
    properties: dict[str, str]  # Java system properties it sets (TLC reads some)


@dataclass
class Run:
    """One run of TLC a JUnit class makes."""

    test: str  # the JUnit class
    folder: str  # under test-model/ ("" for test-model itself)
    spec: str  # the module name
    args: list[str] = field(default_factory=list)  # extra command-line arguments
    exit_status: int = 0  # what the test expects
    check_deadlock: bool = False
    properties: dict[str, str] = field(default_factory=dict)  # -Dkey=value for TLC's JVM

    @property
    def config(self) -> str:
        """The file the run reads its model from: ``-config``'s (a .cfg, or a .tla whose
        ``CONFIG`` section holds the model), else the spec's .cfg."""
        if "-config" in self.args:
            i = self.args.index("-config")
            if i + 1 < len(self.args):
                name = self.args[i + 1]
                return name if name.endswith((".tla", ".cfg")) else name + ".cfg"
        return self.spec + ".cfg"


_CLASS = re.compile(r"\bpublic\s+(abstract\s+)?class\s+(\w+)(?:<[^>]*>)?\s+extends\s+(\w+)")
_DEADLOCK = re.compile(r"boolean\s+checkDeadLock\s*\(\s*\)\s*\{\s*return\s+(true|false)\s*;")


def _strip_comments(text: str) -> str:
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _balanced(text: str, start: int, open_: str = "(", close: str = ")") -> int:
    """The index just after the bracket that closes the one at ``start``."""
    depth, i = 0, start
    while i < len(text):
        c = text[i]
        if c == '"':
            i += 1
            while i < len(text) and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif c == open_:
            depth += 1
        elif c == close:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return len(text)


def _split_args(text: str) -> list[str]:
    """Top-level comma-separated pieces of an argument list."""
    out, depth, cur, i = [], 0, [], 0
    while i < len(text):
        c = text[i]
        if c == '"':
            j = i + 1
            while j < len(text) and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            cur.append(text[i:j + 1])
            i = j + 1
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        if c == "," and depth == 0:
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(c)
        i += 1
    if "".join(cur).strip():
        out.append("".join(cur).strip())
    return out


def parse_class(path: Path) -> JavaClass | None:
    text = _strip_comments(path.read_text(encoding="utf-8", errors="replace"))
    m = _CLASS.search(text)
    if m is None:
        return None
    name, parent = m.group(2), m.group(3)
    constructors: list[tuple[list[tuple[str, str]], str, list[str]]] = []
    for c in re.finditer(rf"\b(?:public|protected|private)?\s*{name}\s*\(", text):
        start = c.end() - 1
        end = _balanced(text, start)
        after = text[end:].lstrip()
        if not after.startswith("{") and not after.startswith("throws"):
            continue  # a call, not a declaration
        params = [(p.split()[-1], _kind(" ".join(p.split()[:-1])))
                  for p in _split_args(text[start + 1:end - 1]) if p.strip()]
        body_start = text.index("{", end)
        body = text[body_start:_balanced(text, body_start, "{", "}")]
        call = re.search(r"\b(super|this)\s*\(", body)
        if call is None:
            constructors.append((params, "super", []))
            continue
        a = call.end() - 1
        args = _split_args(body[a + 1:_balanced(body, a) - 1])
        constructors.append((params, call.group(1), args))
    d = _DEADLOCK.search(text)
    fields = {f.group(1): _value(f.group(2), {}) for f in _FIELD.finditer(text)}
    properties = {}
    for call in _PROPERTY.finditer(text):
        args = _split_args(text[call.end():_balanced(text, call.end() - 1) - 1])
        try:
            key, value = (_value(a, fields) for a in args)
        except (LookupError, ValueError):
            continue
        if isinstance(key, str) and isinstance(value, str) and key.startswith("tlc2."):
            properties[key] = value
    return JavaClass(name, parent, bool(m.group(1)), path, constructors,
                     None if d is None else d.group(1) == "true", fields, properties)


def _value(expr: str, env: dict):
    """A Java argument as a Python value: str, list[str], int (an exit status), bool."""
    expr = expr.strip()
    parts = _split_plus(expr)
    if len(parts) > 1:  # "a" + File.separator + "b"
        values = [_value(x, env) for x in parts]
        if all(isinstance(x, str) for x in values):
            return "".join(values)
        raise LookupError(expr)
    if expr.startswith('"') and expr.endswith('"'):
        return bytes(expr[1:-1], "utf-8").decode("unicode_escape")
    m = re.fullmatch(r"new\s+String\s*\[\s*\]\s*\{(.*)\}", expr, re.S)
    if m:
        items = [_value(x, env) for x in _split_args(m.group(1))]
        if any(not isinstance(x, str) for x in items):
            raise LookupError(expr)
        return items
    m = re.fullmatch(r"(?:EC\s*\.\s*)?ExitStatus\s*\.\s*(\w+)", expr)
    if m and m.group(1) in EXIT_STATUS:
        return EXIT_STATUS[m.group(1)]
    if re.fullmatch(r"-?\d+L?", expr):
        return int(expr.rstrip("L"))
    m = re.fullmatch(r"(?:Long|Integer|String)\s*\.\s*(?:toString|valueOf)\s*\((.*)\)", expr)
    if m:
        return str(_value(m.group(1), env))
    if expr in _KNOWN:
        return _KNOWN[expr]
    if expr in ("true", "false"):
        return expr == "true"
    if expr in env:
        return env[expr]
    raise LookupError(expr)


def _split_plus(expr: str) -> list[str]:
    """The operands of a top-level ``+`` (outside strings and brackets)."""
    out, depth, start, i = [], 0, 0, 0
    while i < len(expr):
        c = expr[i]
        if c == '"':
            i += 1
            while i < len(expr) and expr[i] != '"':
                i += 2 if expr[i] == "\\" else 1
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "+" and depth == 0:
            out.append(expr[start:i])
            start = i + 1
        i += 1
    out.append(expr[start:])
    return [x.strip() for x in out]


def _kind(java_type: str) -> str:
    """A parameter's type as one letter: s(tring), a(rray of strings), i(nt), b(oolean)."""
    t = java_type.replace("final", "").replace(" ", "")
    return {"String": "s", "String[]": "a", "String...": "a", "int": "i", "long": "i",
            "boolean": "b"}.get(t, "?")


def _kind_of(v) -> str:
    if isinstance(v, bool):
        return "b"
    return "s" if isinstance(v, str) else "a" if isinstance(v, list) else \
        "i" if isinstance(v, int) else "?"


def _root_call(values: list) -> tuple[str, str, list[str], int]:
    """ModelCheckerTestCase's constructors, told apart by their arguments' types."""
    kinds = "".join(map(_kind_of, values))
    shapes = {"s": (0, None, None, None), "si": (0, None, None, 1), "ss": (0, 1, None, None),
              "sa": (0, None, 1, None), "sai": (0, None, 1, 2), "ssa": (0, 1, 2, None),
              "ssai": (0, 1, 2, 3), "ssi": (0, 1, None, 2)}
    if kinds not in shapes:
        raise LookupError(f"ModelCheckerTestCase({kinds})")
    s, p, a, e = shapes[kinds]
    return (values[s], values[p] if p is not None else "",
            list(values[a]) if a is not None else [], values[e] if e is not None else 0)


def read_runs(test_dir: Path) -> tuple[list[Run], list[tuple[str, str]]]:
    """The runs of every concrete ModelCheckerTestCase under ``test_dir``, and the classes
    that could not be read (name, why)."""
    classes: dict[str, JavaClass] = {}
    for path in sorted(test_dir.rglob("*.java")):
        c = parse_class(path)
        if c is not None:
            classes.setdefault(c.name, c)

    def lineage(c: JavaClass) -> list[JavaClass]:
        out = [c]
        while out[-1].parent in classes and out[-1].parent != ROOT_CLASS and len(out) < 10:
            out.append(classes[out[-1].parent])
        return out

    runs: list[Run] = []
    skipped: list[tuple[str, str]] = []
    for c in classes.values():
        if c.abstract:
            continue
        chain = lineage(c)
        if chain[-1].parent != ROOT_CLASS:
            continue
        if any(k.name in _NOT_RUNS or k.parent in _NOT_RUNS for k in chain):
            continue
        try:
            runs.append(_resolve(c, chain))
        except LookupError as e:
            skipped.append((c.name, f"cannot read its constructor: {e}"))
    runs.sort(key=lambda r: (r.folder, r.spec, r.config, r.test))
    return runs, skipped


def _resolve(c: JavaClass, chain: list[JavaClass]) -> Run:
    # the concrete class: its no-argument constructor, else its only one (JUnit builds it)
    ctors = c.constructors or [([], "super", [])]
    ctor = next((k for k in ctors if not k[0]), None) or (ctors[0] if len(ctors) == 1 else None)
    if ctor is None or ctor[0]:
        raise LookupError("a parameterized test")
    statics = {k: v for klass in reversed(chain) for k, v in klass.fields.items()}
    env: dict = dict(statics)
    kind, args = ctor[1], ctor[2]
    klass = c
    for _ in range(20):
        values = [_value(a, env) for a in args]
        if kind == "this":
            target = klass
        else:
            if klass.parent == ROOT_CLASS:
                spec, folder, extra, status = _root_call(values)
                break
            target = {k.name: k for k in chain}[klass.parent]
        kinds = [_kind_of(v) for v in values]
        match = [k for k in target.constructors
                 if [pk for _, pk in k[0]] == kinds]
        if len(match) != 1:
            raise LookupError(f"{target.name}({', '.join(kinds)})")
        params, kind, args = match[0]
        env = dict(statics)
        env.update({name: v for (name, _), v in zip(params, values, strict=True)})
        klass = target
    else:
        raise LookupError("constructor chain too long")
    if spec == "setBySetUp":  # SuiteTestCase: the spec is the class's name in lower case
        spec = c.name.lower()
    spec = spec[:-4] if spec.endswith(".tla") else spec
    folder = folder.strip("/")
    deadlock = next((k.deadlock for k in chain if k.deadlock is not None), False)
    properties = {k: v for klass in reversed(chain) for k, v in klass.properties.items()}
    return Run(test=c.name, folder=folder, spec=spec, args=extra, exit_status=status,
               check_deadlock=bool(deadlock), properties=properties)
