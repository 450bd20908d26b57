"""JSON from files conform did not write, read so that nothing in them can surprise us.

Trace files arrive from other people's systems, so every line is read with limits that hold
whatever the line holds: a line's length, how deep values nest, how many digits a number has,
strings that are not text (a lone UTF-16 surrogate, which Python's ``json`` accepts and no
terminal can print), and an object that gives the same key twice (``json`` keeps the last one
without a word). Each fault is one :class:`JsonLimitError` saying what and where; nothing here
raises anything else, recursion included.

A trace's step lines are read by :func:`loads_step`, which gives what :func:`loads` gives
but takes what a line repeats of the line before (a variable, a pair of a function's graph,
the same JSON text) as the line before's objects, neither parsed nor checked again.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_LINE = 64 * 1024 * 1024  # characters in one line (a state of a large cluster fits)
MAX_DEPTH = 100  # nesting of arrays and objects; a spec value nests a dozen levels at most
MAX_DIGITS = 1000  # digits of one integer literal; beyond that it is no model's value


class JsonLimitError(ValueError):
    """A line that is not JSON, or JSON beyond the limits; ``column`` is 1-based or 0."""

    def __init__(self, message: str, column: int = 0) -> None:
        super().__init__(message)
        self.column = column


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise JsonLimitError(f"the key {key!r} appears twice in one object")
            seen.add(key)
    return out


def _check_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise JsonLimitError(f"an integer of {len(text.lstrip('-'))} digits "
                             f"(at most {MAX_DIGITS})")
    return int(text)


def _reject_constant(name: str) -> Any:
    raise JsonLimitError(f"{name} is not JSON")


def loads(line: str) -> Any:
    """Parse one JSON text under the limits above."""
    if len(line) > MAX_LINE:
        raise JsonLimitError(f"a line of {len(line):,} characters (at most {MAX_LINE:,})")
    # the checks that cost a Python call per value, only where the line may need them: an
    # integer past MAX_DIGITS needs a run of that many digits; a lone surrogate, a \\u
    # escape of one or a character that is not text; nesting past MAX_DEPTH, that many
    # brackets (most lines of a long trace have none of these)
    long_ints = _DIGITS.search(line) is not None
    try:
        data = json.loads(line, object_pairs_hook=_unique_keys,
                          parse_int=_check_int if long_ints else None,
                          parse_constant=_reject_constant)
    except JsonLimitError:
        raise
    except json.JSONDecodeError as e:
        raise JsonLimitError(f"not JSON: {e.msg}", e.colno) from None
    except RecursionError:
        raise JsonLimitError(f"values nested more than {MAX_DEPTH} deep") from None
    except ValueError as e:  # defensive: json's own limits
        raise JsonLimitError(f"not JSON: {e}") from None
    texts = _escapes_surrogate(line) or not _is_text(line)
    if texts or line.count("[") + line.count("{") > MAX_DEPTH:
        _check_values(data, texts)
    return data


_DIGITS = re.compile(rf"[0-9]{{{MAX_DIGITS + 1}}}")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")


def _escapes_surrogate(line: str) -> bool:
    """Whether ``line`` holds a \\u escape of a surrogate half (looked for only where it
    holds a backslash at all, which memchr finds)."""
    return "\\" in line and _SURROGATE_ESCAPE.search(line) is not None


def _is_text(line: str) -> bool:
    if line.isascii():  # (known without a look at the characters)
        return True
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


_CONTAINERS = (list, dict)


def _check_values(data: Any, texts: bool = True, depth: int = 1) -> None:
    """No nesting past MAX_DEPTH (so readers may recurse), and (``texts``) every string,
    keys included, is text: no lone surrogate halves. Level by level, so it cannot overflow
    itself, each level's containers gathered by a comprehension (a state of a few hundred
    records is walked 1.7 times faster than one value at a time). ``depth``: the nesting at
    which ``data`` sits in its line."""
    if type(data) not in _CONTAINERS:
        if texts and type(data) is str:
            _text(data)
        return
    level = [data]
    while level:
        if depth > MAX_DEPTH:
            raise JsonLimitError(f"values nested more than {MAX_DEPTH} deep")
        deeper: list = []
        for item in level:
            values = item.values() if type(item) is dict else item
            if texts:
                if type(item) is dict:
                    for key in item:
                        _text(key)
                for x in values:
                    if type(x) is str:
                        _text(x)
            deeper += [x for x in values if type(x) is list or type(x) is dict]
        level = deeper
        depth += 1


def _text(s: str) -> None:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        raise JsonLimitError(f"the string {s[:40]!r} holds a lone surrogate (\\ud800-\\udfff), "
                             "which is not text") from None


# --------------------------------------------------------------------------- step lines

# the values of a step line other than its state's variables, parsed as loads parses them
# (json's own scanner of one value and of one string, at C speed)
_DECODER = json.JSONDecoder(object_pairs_hook=_unique_keys, parse_constant=_reject_constant)
_scan = _DECODER.scan_once  # type: ignore[attr-defined]
_string = _DECODER.parse_string  # type: ignore[attr-defined]
_SPACE = " \t\n\r"
_SPACES = re.compile(r"[ \t\n\r]*")
_ENDS = frozenset(" \t\n\r,}")


class _Other(Exception):
    """A line :func:`loads_step` leaves to :func:`loads` (which parses it or says why not)."""


def loads_step(line: str, texts: dict[str, tuple]) -> Any:
    """:func:`loads` of a trace's line, the same data and the same errors, for a line whose
    ``"state"`` object mostly repeats the line before's: a variable whose JSON is the very
    text it had there (``texts``: each variable's texts and data, in the order of the line
    before, as this function left them; updated) is that line's data object, neither parsed
    nor checked again (its text passed the checks then); so is a pair of a function's graph
    (see _graph). The variables are tried in that order, each name and value at once. A
    long trace's line holds every variable of the state, of which a step changes one or
    two: reading all of them again, with a Python call per object for duplicate keys and a
    walk for the nesting, was most of validating a trace file."""
    if len(line) > MAX_LINE or _escapes_surrogate(line) or not _is_text(line):
        texts.clear()  # (the rare lines loads checks string by string)
        return loads(line)
    seen: dict[str, tuple] = {}
    try:
        data = _object(line, _blank(line, 0), texts, seen)
        if _blank(line, data[1]) != len(line):
            raise _Other
    except (_Other, JsonLimitError, ValueError, StopIteration, IndexError, RecursionError):
        texts.clear()
        return loads(line)
    texts.clear()
    texts.update(seen)
    return data[0]


def _blank(line: str, i: int) -> int:
    """The position of the first character at or after ``i`` that is not white space."""
    if i < len(line) and line[i] in _SPACE:
        return _SPACES.match(line, i).end()  # type: ignore[union-attr]
    return i


def _object(line: str, i: int, texts: dict[str, tuple], seen: dict[str, tuple],
            state: bool = False) -> tuple[dict, int]:
    """The object at ``i`` (a step line, or with ``state`` its state) and where it ends.
    (White space is skipped where a character found is one; past the line's end, the
    IndexError sends the line to loads.)"""
    if line[i] != "{":
        raise _Other
    out: dict[str, Any] = {}
    i += 1
    if line[i] in _SPACE:
        i = _blank(line, i)
    if line[i] == "}":
        return out, i + 1
    n = len(line)
    # a state's variables, in the line before's order (that of texts): each is first tried
    # whole, its name and its value at once, as that line's text
    before = list(texts.values()) if state else ()
    b, nb = 0, len(before)
    while True:
        was = before[b] if b < nb else None
        if was is not None and line.startswith(was[3], i) and \
                ((end := i + len(was[3])) == n or line[end] in _ENDS):
            key = was[4]
            if key in out:
                raise _Other  # (a key twice: loads says so)
            seen[key] = was  # the line before's text, and its object
            value = was[1]
            b += 1
        else:
            if line[i] != '"':
                raise _Other
            start = i
            key, i = _string(line, i + 1)
            if line[i] in _SPACE:
                i = _blank(line, i)
            if line[i] != ":" or key in out:
                raise _Other  # (a key twice: loads says so)
            i += 1
            if line[i] in _SPACE:
                i = _blank(line, i)
            if state:
                if was is not None and was[4] == key:
                    b += 1  # (the variable next on the line before, changed)
                was = texts.get(key)
            if was is not None and line.startswith(was[0], i) and \
                    ((end := i + len(was[0])) == n or line[end] in _ENDS):
                # the line before's value, its name written otherwise
                seen[key] = was[:3] + (line[start:end], key)
                value = was[1]
            elif not state and key == "state" and line[i] == "{":
                value, end = _object(line, i, texts, seen, True)
            elif state:
                got = _graph(line, i, was[2] if was is not None else None)
                if got is not None:
                    value, end, pairs = got
                else:
                    value, end = _fresh(line, i, 3)
                    pairs = None
                # its value's text, its value, its pairs (see _graph), its name and value's
                # text, its name
                seen[key] = (line[i:end], value, pairs, line[start:end], key)
            else:
                value, end = _fresh(line, i, 2)
        out[key] = value
        i = end
        if line[i] in _SPACE:
            i = _blank(line, i)
        if line[i] == ",":
            i += 1
            if line[i] in _SPACE:
                i = _blank(line, i)
        elif line[i] == "}":
            return out, i + 1
        else:
            raise _Other


def _fresh(line: str, i: int, depth: int) -> tuple[Any, int]:
    """The value at ``i``, parsed and checked as loads would, ``depth`` levels in."""
    value, end = _scan(line, i)
    if end - i > MAX_DIGITS and _DIGITS.search(line, i, end) is not None:
        raise _Other  # (an integer loads checks digit by digit, maybe)
    # (a value holds no more levels than brackets, nor more brackets than characters: a
    # check only where it may go past)
    if end - i + depth - 1 > MAX_DEPTH and \
            line.count("[", i, end) + line.count("{", i, end) + depth - 1 > MAX_DEPTH:
        _check_values(value, False, depth)
    return value, end


def _graph(line: str, i: int, before: tuple[list[str], list] | None) -> \
        tuple[dict, int, tuple[list[str], list]] | None:
    """A state variable written compactly as a function's graph (``{"#map":[pair,...]}``, a
    bag of messages, say) read pair by pair, a pair whose text is one of the next pairs of
    the same variable on the line before (``before``: their texts and objects) taken as
    that pair's object: the value, where it ends, and its pairs' texts and objects. None
    for a value of another shape (read whole)."""
    if not line.startswith('{"#map":[', i):
        return None
    j = i + 9
    texts: list[str] = []
    pairs: list = []
    if line[j] == "]":
        e = j
    else:
        olds, objs = before if before is not None else ((), ())
        p, m = 0, len(olds)
        while True:
            pair = None
            if p < m and line.startswith(text := olds[p], j) and \
                    line[e := j + len(text)] in ",]":
                pair = objs[p]  # (the next pair of the line before: the usual case)
                p += 1
            else:
                for o in range(p + 1, min(p + 3, m)):  # (a step adds or removes a pair)
                    text = olds[o]
                    if line.startswith(text, j) and line[j + len(text)] in ",]":
                        pair, e, p = objs[o], j + len(text), o + 1
                        break
            if pair is None:
                pair, e = _fresh(line, j, 5)
                text = line[j:e]
            texts.append(text)
            pairs.append(pair)
            if line[e] == ",":
                j = e + 1
            elif line[e] == "]":
                break
            else:
                return None
    if line[e + 1] != "}":
        return None
    return {"#map": pairs}, e + 2, (texts, pairs)
