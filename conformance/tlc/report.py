"""What TLC said, gathered message by message, and the verdict it amounts to.

:class:`Report` takes the messages of one run in order (see ``stream.py``), keeps the
figures (states generated, distinct, left on the queue, depth), reports progress as it comes,
and collects the errors, the warnings, SANY's unframed output and the printed states of a
counterexample. :func:`verdict` turns a finished report into the outcome, the violated
property, TLC's own words and the positions in the spec or the .cfg that they point at.
The message codes are TLC's (``tlc2.output.EC``); the meaning of each was checked against
recorded runs (``../shared/tlc-fixtures``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from conformance.errors import Position
from conformance.result import Outcome, Progress
from conformance.tla import cfg as cfgfile
from conformance.tlc.stream import ERROR, STATE, TLC_BUG, WARNING, Message

# --------------------------------------------------------------------------- codes

VERSION = 2262
STARTING = 2185
SUCCESS = 2193
PROGRESS = 2200
STATS = 2199
DEPTH = 2194
FINISHED = 2186
STATE_PRINT = 2217
STUTTERING = 2218
BACK_TO_STATE = 2122
NESTED_EXPRESSION = 2103

INVARIANT = {2110, 2107}  # 2107: violated by an initial state, which the message prints
INITIAL_STATE_VIOLATION = {2107, 2108}
PROPERTY = {2112, 2116, 2108}
DEADLOCK = {2114}
ASSUMPTION = {2104, 2404}  # a false ASSUME; a false post-condition
PARSING = {3002, 2171}
CONFIG = {
    2146, 2149, 2222, 2223, 2224, 2225, 2226, 2227, 2228, 2229, 2230, 2231, 2232, 2233, 2234,
    2235, 2236, 2237, 2238, 2239, 2240, 2241, 2242, 2243, 2244, 2245, 2257, 2259, 2272, 2273,
    2274, 2280, 2281, 5001, 5002, 5003, 5004, 5005, 5006,
}
CRASH = {1001, 1002, 1003, 1005, 1101, 1102, 2100, 2101, 2128, 2162, 2163, 2254}
# 2147, "TLC was unable to fingerprint", is a value of the spec that cannot be normalized
# (SUBSET of a 36-element set in a state): TLC exits 75, an evaluation failure
GENERAL = 1000
# Messages that accompany an error rather than being one.
_AUXILIARY = {2121, 2264, NESTED_EXPRESSION, 2120, 2102, STATE_PRINT, STUTTERING, BACK_TO_STATE}

# TLC's exit statuses (tlc2.output.EC.ExitStatus) and what each means on its own.
EXIT_STATUS = {
    0: Outcome.HOLDS,
    10: Outcome.ASSUMPTION_FAILED,
    11: Outcome.DEADLOCK,
    12: Outcome.INVARIANT_VIOLATED,
    13: Outcome.PROPERTY_VIOLATED,
    14: Outcome.EVALUATION_ERROR,  # Assert failed
    75: Outcome.EVALUATION_ERROR,
    76: Outcome.EVALUATION_ERROR,
    77: Outcome.EVALUATION_ERROR,
    150: Outcome.PARSE_ERROR,  # SANY failed: a parse or a semantic error
    151: Outcome.CONFIG_ERROR,
    152: Outcome.TLC_FAILURE,  # state space too large
    153: Outcome.TLC_FAILURE,  # system error
}


def outcome_of_exit_status(status: int) -> Outcome:
    """The outcome TLC's exit status alone implies; anything unknown is a TLC failure."""
    return EXIT_STATUS.get(status, Outcome.TLC_FAILURE)


# --------------------------------------------------------------------------- the report


@dataclass
class PrintedState:
    """One state of a counterexample as TLC printed it."""

    number: int  # 1-based position in the behavior
    info: str  # "<Initial predicate>", "<Next line 8, col 9 to ... of module M>", ...
    text: str  # the variables: "x = 1" or "/\\ x = 1\n/\\ y = 2"
    kind: str = "state"  # "state", "stuttering" (the behavior stops), "back" (a lasso)


_PROGRESS = re.compile(
    r"Progress\((?P<depth>[\d,]+)\).*?: (?P<gen>[\d,]+) states generated.*?"
    r"(?P<dist>[\d,]+) distinct states found.*?(?P<left>[\d,]+) states left on queue"
)
_STATS = re.compile(r"(?P<gen>[\d,]+) states generated, (?P<dist>[\d,]+) distinct states found"
                    r"(?:, (?P<left>[\d,]+) states left on queue)?")
_DEPTH = re.compile(r"depth of the complete state graph search is (?P<depth>[\d,]+)")
_FINISHED = re.compile(r"Finished in (?P<time>.+?) at")
_STATE_HEAD = re.compile(r"^(?P<num>\d+):\s*(?P<info>.*)$")
_BACK = re.compile(r"^(?P<num>\d+):\s*Back to state(?::\s*(?P<info>.*))?$")


def _int(text: str) -> int:
    return int(text.replace(",", ""))


@dataclass
class Report:
    """The messages of one TLC run, kept as far as a verdict and a trace need them."""

    on_progress: Callable[[Progress], None] | None = None
    tool_version: str | None = None
    started: bool = False  # TLC got past parsing and began checking
    success: bool = False
    states_generated: int | None = None
    distinct_states: int | None = None
    states_left: int | None = None
    depth: int | None = None
    tlc_duration: float | None = None  # seconds, from "Finished in"
    errors: list[Message] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    states: list[PrintedState] = field(default_factory=list)
    unframed: list[str] = field(default_factory=list)

    def add(self, msg: Message) -> None:
        code = msg.code
        if code is None:
            self.unframed.append(msg.text)
            return
        text = msg.text
        if code == VERSION:
            self.tool_version = text.strip().removeprefix("TLC2").strip().removeprefix(
                "Version").strip()
        elif code == STARTING:
            self.started = True
        elif code == SUCCESS:
            self.success = True
        elif code == PROGRESS:
            m = _PROGRESS.search(text)
            if m:
                self.depth = _int(m["depth"])
                self.states_generated = _int(m["gen"])
                self.distinct_states = _int(m["dist"])
                self.states_left = _int(m["left"])
                if self.on_progress is not None:
                    self.on_progress(Progress(self.states_generated, self.distinct_states,
                                              self.states_left, self.depth))
        elif code == STATS:
            m = _STATS.search(text)
            if m:
                self.states_generated = _int(m["gen"])
                self.distinct_states = _int(m["dist"])
                if m["left"] is not None:
                    self.states_left = _int(m["left"])
        elif code == DEPTH:
            m = _DEPTH.search(text)
            if m:
                self.depth = _int(m["depth"])
        elif code == FINISHED:
            m = _FINISHED.search(text)
            if m:
                self.tlc_duration = parse_duration(m["time"])
        elif code in (STATE_PRINT, STUTTERING, BACK_TO_STATE) or msg.severity == STATE:
            self._state(msg)
        elif msg.severity in (ERROR, TLC_BUG):
            self.errors.append(msg)
            if code in INITIAL_STATE_VIOLATION:
                head, _, body = text.partition("\n")
                self.states.append(PrintedState(1, "<Initial predicate>", body.strip()))
        elif msg.severity == WARNING:
            self.warnings.append(text.strip())

    def _state(self, msg: Message) -> None:
        head, _, body = msg.text.partition("\n")
        head = head.strip()
        back = _BACK.match(head)
        if msg.code == BACK_TO_STATE or back:
            if back:
                self.states.append(PrintedState(int(back["num"]), back["info"] or "", "", "back"))
            return
        m = _STATE_HEAD.match(head)
        if not m:
            return
        if msg.code == STUTTERING or m["info"].strip() == "Stuttering":
            self.states.append(PrintedState(int(m["num"]), "Stuttering", "", "stuttering"))
            return
        self.states.append(PrintedState(int(m["num"]), m["info"].strip(), body.strip()))


_DURATION_PART = re.compile(r"(\d+)\s*(ms|min|d|h|s)")
_UNIT = {"ms": 0.001, "s": 1, "min": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> float | None:
    """TLC's ``363ms``, ``02s``, ``01min 05s``, ``01h 02min``, ``1d 03h`` in seconds."""
    parts = _DURATION_PART.findall(text)
    if not parts:
        return None
    return sum(int(n) * _UNIT[unit] for n, unit in parts)


# --------------------------------------------------------------------------- the verdict


@dataclass
class Verdict:
    outcome: Outcome
    violated: str | None = None
    message: str = ""
    positions: list[Position] = field(default_factory=list)


def module_file(spec_dir: Path | None, module: str) -> str:
    """The file of a module: the spec folder's, or just its name (a standard module)."""
    if spec_dir is not None and (spec_dir / f"{module}.tla").is_file():
        return str(spec_dir / f"{module}.tla")
    return f"{module}.tla"


@dataclass(frozen=True)
class Sources:
    """Where the run's files are, to turn module names into file positions."""

    spec_dir: Path
    module: str
    config: Path | None = None

    def module_file(self, module: str) -> str:
        return module_file(self.spec_dir, module)

    def read(self, path: Path | None) -> str:
        if path is None:
            return ""
        try:
            return path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""


_SPAN = re.compile(r"line (\d+), col (\d+) to line (\d+), col (\d+) of module (\w+)")
_NESTED = re.compile(r"^\s*\d+\. Line (\d+), column (\d+) to line (\d+), column (\d+) in (\w+)",
                     re.MULTILINE)


def _spans(text: str, src: Sources) -> list[Position]:
    return [Position(src.module_file(m[5]), int(m[1]), int(m[2]), int(m[3]), int(m[4]),
                     module=m[5]) for m in _SPAN.finditer(text)]


def _nested(text: str, src: Sources) -> list[Position]:
    return [Position(src.module_file(m[5]), int(m[1]), int(m[2]), int(m[3]), int(m[4]),
                     module=m[5]) for m in _NESTED.finditer(text)]


def _one_line(text: str) -> str:
    """The message on one line, without the framing of messages TLC nests inside it."""
    return " ".join(_NESTED_FRAME.sub(" ", text).split())


def verdict(report: Report, src: Sources, *, exit_status: int | None = None,
            timed_out: bool = False) -> Verdict:
    """The outcome of the run the report describes."""
    primary = next((e for e in report.errors if e.code not in _AUXILIARY), None)
    if primary is not None:
        v = _classify(primary, report, src)
        nested = [p for e in report.errors if e.code == NESTED_EXPRESSION
                  for p in _nested(e.text, src)]
        if nested and v.outcome is Outcome.EVALUATION_ERROR:
            v.positions = v.positions + nested
        return v
    sany = _sany(report.unframed, src)
    if sany is not None:
        return sany
    if report.success:
        return Verdict(Outcome.HOLDS, message="No error has been found.")
    if timed_out:
        return Verdict(Outcome.TIMEOUT, message="TLC was stopped at the time limit.")
    outcome = (outcome_of_exit_status(exit_status) if exit_status is not None
               else Outcome.TLC_FAILURE)
    if outcome is Outcome.HOLDS:  # exit 0 without TLC saying the model holds
        outcome = Outcome.TLC_FAILURE
    tail = [line for line in report.unframed if line.strip()][-5:]
    status = f"TLC exited with status {exit_status}" if exit_status is not None else \
        "TLC stopped"
    message = status + " without a verdict" + (": " + " / ".join(
        s.strip() for s in tail) if tail else ".")
    return Verdict(outcome, message=message)


_NAMED = [
    re.compile(r"^Invariant (\S+) is violated"),
    re.compile(r"^Action property (\S+) is violated"),
    re.compile(r"^Property (\S+) is violated"),
    re.compile(r"^Temporal propert(?:y|ies) (.+?) (?:was|were) violated"),
    re.compile(r"^Evaluating (?:invariant|action property) (\S+) failed"),
]


def _violated_name(text: str) -> str | None:
    for pattern in _NAMED:
        m = pattern.search(text)
        if m:
            return m.group(1).rstrip(".")
    return None


def _classify(msg: Message, report: Report, src: Sources) -> Verdict:
    code, text = msg.code, msg.text
    first = text.split("\n", 1)[0].strip()
    if code in INVARIANT:
        return Verdict(Outcome.INVARIANT_VIOLATED, _violated_name(text), first)
    if code in PROPERTY:
        return Verdict(Outcome.PROPERTY_VIOLATED, _violated_name(text), first)
    if code in DEADLOCK:
        return Verdict(Outcome.DEADLOCK, None, first)
    if code in ASSUMPTION:
        positions = _spans(text, src)
        return Verdict(Outcome.ASSUMPTION_FAILED, "ASSUME", _one_line(text), positions)
    if code in PARSING:
        return _sany(report.unframed, src) or Verdict(
            Outcome.PARSE_ERROR, message=_one_line(text) + " (SANY said nothing more)")
    if code in CONFIG:
        return Verdict(Outcome.CONFIG_ERROR, message=_one_line(text),
                       positions=_config_positions(code, text, src))
    if code in CRASH or msg.severity == TLC_BUG:
        return Verdict(Outcome.TLC_FAILURE, message=_one_line(text))
    if code == GENERAL:
        detail = _general_detail(text)
        nested = _NESTED_CODE.search(text)
        if nested and int(nested[1]) in CONFIG and "ConfigFileException" in text:
            # A ConfigFileException carrying its message; other exceptions may carry a
            # configuration code too (2280 for an undefined identifier met in evaluation).
            return Verdict(Outcome.CONFIG_ERROR, message=detail,
                           positions=_config_positions(int(nested[1]), text, src))
        if "error in the spec or model" in text or report.started:
            return Verdict(Outcome.EVALUATION_ERROR, message=detail, positions=_spans(text, src))
        return Verdict(Outcome.TLC_FAILURE, message=detail)
    # Every other error is TLC failing to evaluate something the spec or model says
    # (Assert, a function applied outside its domain, an unbounded CHOOSE, ...).
    if report.started:
        return Verdict(Outcome.EVALUATION_ERROR, _violated_name(text), _one_line(text),
                       _spans(text, src))
    return Verdict(Outcome.TLC_FAILURE, message=_one_line(text))


_NESTED_CODE = re.compile(r"@!@!@STARTMSG (\d+):\d+ @!@!@")
_NESTED_FRAME = re.compile(r"@!@!@(?:START|END)MSG \d+(?::\d+)? @!@!@")


def _general_detail(text: str) -> str:
    """TLC's "unexpected exception" wrapper around an evaluation error, without the wrapper."""
    _, sep, rest = text.partition("The exception was a ")
    if sep:
        _, colon, detail = rest.partition(":")
        if colon and detail.strip():
            return _one_line(detail)
    return _one_line(text)


_CONFIG_NAME = re.compile(r"\b(?:The|the) (?:[a-z]+ )*?([A-Za-z_]\w*) specified in the "
                          r"configuration file")
_CONSTANT_NAME = re.compile(r"constant parameter ([A-Za-z_]\w*) is not assigned")
_CFG_LINE = re.compile(r"configuration file at line (\d+)")


def _config_positions(code: int | None, text: str, src: Sources) -> list[Position]:
    cfg_name = str(src.config) if src.config else f"{src.module}.cfg"
    m = _CFG_LINE.search(text)
    if m:
        return [Position(cfg_name, int(m[1]))]
    m = _CONSTANT_NAME.search(text)
    if m:  # the constant is declared in the spec and missing from the .cfg
        spec_file = src.spec_dir / f"{src.module}.tla"
        where = cfgfile.find_name(src.read(spec_file), m[1])
        spec_pos = [Position(src.module_file(src.module), *where, module=src.module)] \
            if where else []
        return [Position(cfg_name)] + spec_pos
    m = _CONFIG_NAME.search(text)
    if m:
        where = cfgfile.find_name(src.read(src.config), m[1])
        if where:
            return [Position(cfg_name, *where)]
    return [Position(cfg_name)]


# --------------------------------------------------------------------------- SANY

_PARSE_AT = re.compile(r"at line (\d+), column (\d+)")
_PARSE_MODULE = re.compile(r"Could not parse module (\w+) from file (.+?)\s*$", re.MULTILINE)
_IN_MODULE = re.compile(r"^In module (\w+)\s*$", re.MULTILINE)
_MISSING_MODULE = re.compile(r"Cannot find source file for module (\w+) imported in module (\w+)")


def _sany(lines: list[str], src: Sources) -> Verdict | None:
    """A parse or semantic error from SANY's unframed output, or None if it reported none."""
    text = "\n".join(lines)
    if "***Parse Error***" in text or "Lexical error" in text:
        module = _first(_PARSE_MODULE, text) or _first(_IN_MODULE, text) or src.module
        m = _PARSE_AT.search(text)
        positions = [Position(src.module_file(module), int(m[1]), int(m[2]), module=module)] \
            if m else [Position(src.module_file(module), module=module)]
        detail = next((line.strip() for line in lines
                       if line.startswith(("Encountered", "Lexical error"))), "")
        return Verdict(Outcome.PARSE_ERROR, message=detail or "SANY could not parse the spec",
                       positions=positions)
    m = _MISSING_MODULE.search(text)
    if m:
        return Verdict(Outcome.PARSE_ERROR, message=m.group(0),
                       positions=[Position(src.module_file(m[2]), module=m[2])])
    if "Semantic errors:" in text:
        block = text.split("Semantic errors:", 1)[1]
        positions = _spans(block, src)
        count = re.search(r"\*\*\* Errors: (\d+)", block)
        # Each error is "line .. of module M" followed by a blank line and its description.
        detail = ""
        after = _SPAN.split(block, maxsplit=1)
        if len(after) > 1:
            detail = _one_line(after[-1].strip().split("\n\n", 1)[0])
        n = int(count[1]) if count else len(positions)
        if n > 1:
            detail += f" (and {n - 1} more error{'s' if n > 2 else ''})"
        return Verdict(Outcome.SEMANTIC_ERROR, message=detail or "SANY found semantic errors",
                       positions=positions)
    if "Fatal errors while parsing" in text:
        module = _first(_IN_MODULE, text) or src.module
        detail = next((line.strip() for line in lines[::-1]
                       if line.strip() and not line.startswith(("In module", "***"))), "")
        return Verdict(Outcome.PARSE_ERROR, message=detail,
                       positions=[Position(src.module_file(module), module=module)])
    return None


def _first(pattern: re.Pattern, text: str) -> str | None:
    m = pattern.search(text)
    return m.group(1) if m else None
