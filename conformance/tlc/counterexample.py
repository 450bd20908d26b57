"""TLC's counterexamples as :class:`~conformance.trace.Trace` objects.

TLC gives a counterexample three ways, and the bridge reads all of them:

* the states it prints (``2217`` messages, a ``2218`` "Stuttering" or a ``2122`` "Back to
  state N" closing a lasso): exact values, action names, locations and parameter values;
* ``-dumpTrace tla``: the same as one TLA+ value, exact, with the actions' parameter *names*;
* ``-dumpTrace json``: lossy, since JSON cannot tell a set from a sequence, a record from a
  function, or a model value from a string.

:func:`from_dump_tla` is preferred, then :func:`from_printed`; :func:`from_dump_json` is the
last resort. :func:`disagreements` checks that two of them describe the same behavior, and
:func:`json_disagreements` that the JSON dump is the lossy image of an exact trace.
"""

from __future__ import annotations

import json
import re
from functools import partial
from pathlib import Path
from typing import Any

from conformance.errors import Position
from conformance.tlc.printed import ValueSyntaxError, parse_state, parse_value
from conformance.tlc.report import PrintedState, module_file
from conformance.trace.schema import INIT, Step, Trace, TraceHeader
from conformance.values import Fn, FSet, ModelValue, Tup, make_fn

__all__ = ["CounterexampleError", "from_printed", "from_dump_tla", "from_dump_json",
           "disagreements", "json_disagreements", "parse_action"]


class CounterexampleError(ValueError):
    """A counterexample source that cannot be read; the caller falls back to another."""


_ACTION = re.compile(
    r"^<(?P<name>[^\s(<>]+)(?:\((?P<args>.*)\))? line (?P<l1>\d+), col (?P<c1>\d+) "
    r"to line (?P<l2>\d+), col (?P<c2>\d+) of module (?P<module>\w+)>$",
    re.DOTALL,
)


def parse_action(info: str, files=lambda m: f"{m}.tla"):
    """``<Bump(a,1) line 6, col 15 to line 6, col 54 of module M>`` as
    (name, argument values or None, Position); None for ``<Initial predicate>``."""
    m = _ACTION.match(info.strip())
    if m is None:
        return None
    args = None
    if m["args"] is not None:
        try:
            args = list(parse_value("<<" + m["args"] + ">>"))
        except ValueSyntaxError:
            args = None
    where = Position(files(m["module"]), int(m["l1"]), int(m["c1"]), int(m["l2"]),
                     int(m["c2"]), module=m["module"])
    return m["name"], args, where


def _parameter_names(text: str, action: str, count: int) -> list[str]:
    """The formal parameters of ``action`` as its definition in the module's text names them.

    The printed states give an action's argument values but not their names; the module
    does. Falls back to ``#1``, ``#2``... when the definition cannot be found.
    """
    m = re.search(rf"^\s*{re.escape(action)}\s*\(([^)]*)\)\s*==", text, re.MULTILINE)
    if m:
        names = [p.strip() for p in m.group(1).split(",")]
        if len(names) == count and all(re.fullmatch(r"\w+", n) for n in names):
            return names
    return [f"#{i}" for i in range(1, count + 1)]


def _module_text(spec_dir: Path | None, module: str) -> str:
    if spec_dir is None:
        return ""
    try:
        return (spec_dir / f"{module}.tla").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _header(spec: str, model: str | None, variables: list[str], source: str,
            tool_version: str | None, constants: dict | None) -> TraceHeader:
    origin: dict[str, Any] = {"tool": "tlc", "source": source}
    if tool_version:
        origin["version"] = tool_version
    return TraceHeader(spec=spec, model=model, variables=variables,
                       constants=dict(constants or {}), origin=origin)


def _ordered(state: dict, variables: list[str]) -> dict:
    if not variables:
        return state
    out = {v: state[v] for v in variables if v in state}
    out.update({k: v for k, v in state.items() if k not in out})
    return out


# --------------------------------------------------------------------------- printed states


def from_printed(states: list[PrintedState], *, spec: str, model: str | None = None,
                 spec_dir: Path | None = None, variables: list[str] | None = None,
                 tool_version: str | None = None, constants: dict | None = None) -> Trace:
    """The counterexample TLC printed, message by message."""
    files = partial(module_file, spec_dir)
    steps: list[Step] = []
    loop: int | None = None
    loop_action: str | None = None
    order: list[str] = list(variables or [])
    texts: dict[str, str] = {}  # module -> its text, for parameter names
    for ps in states:
        if ps.kind == "stuttering":
            loop = len(steps) - 1
            break
        if ps.kind == "back":
            loop = ps.number - 1
            parsed = parse_action(ps.info, files)
            loop_action = parsed[0] if parsed else None
            break
        if ps.number != len(steps) + 1:
            raise CounterexampleError(f"printed state {ps.number} where {len(steps) + 1} "
                                      "was expected")
        try:
            state = parse_state(ps.text)
        except ValueSyntaxError as e:
            raise CounterexampleError(f"state {ps.number}: {e}")
        if not order:
            order = list(state)
        parsed = parse_action(ps.info, files)
        if not steps:  # "<Initial predicate>", or in some versions the predicate's name
            action, params, location = INIT, None, parsed[2] if parsed else None
        elif parsed is None:
            action, params, location = ps.info.strip("<> ") or "Next", None, None
        else:
            action, args, location = parsed
            params = None
            if args:
                module = location.module or spec
                if module not in texts:
                    texts[module] = _module_text(spec_dir, module)
                names = _parameter_names(texts[module], action, len(args))
                params = dict(zip(names, args, strict=True))
        steps.append(Step(index=len(steps), action=action, state=_ordered(state, order),
                          params=params, location=location))
    if not steps:
        raise CounterexampleError("TLC printed no states")
    header = _header(spec, model, order, "printed states", tool_version, constants)
    header.loop = loop
    if loop_action:
        header.extra["loop_action"] = loop_action
    return Trace(header, steps)


# --------------------------------------------------------------------------- trace.tla

_DUMP_BODY = re.compile(r"CounterExample\s*==\s*(?P<value>.*?)\s*^====", re.DOTALL | re.MULTILINE)


def _field(rec: Any, name: str) -> Any:
    if type(rec) is not Fn or name not in rec.map:
        raise CounterexampleError(f"expected a record with a {name!r} field")
    return rec.map[name]


def _as_state(value: Any) -> dict:
    if type(value) is Tup and not value:
        return {}
    if type(value) is not Fn or not all(type(k) is str for k in value.map):
        raise CounterexampleError("a state must be a record of variables")
    return dict(value.map)


def _location(rec: Any, files) -> Position | None:
    if type(rec) is not Fn:
        return None
    m = rec.map
    try:
        module = m["module"]
        return Position(files(module), m["beginLine"], m["beginColumn"], m["endLine"],
                        m["endColumn"], module=module)
    except KeyError:
        return None


def _graph(states_value: Any, actions_value: Any, files):
    """States (by number) and edges of TLC's counterexample graph, from either dump."""
    numbered: dict[int, dict] = {}
    for entry in states_value:
        if len(entry) != 2 or type(entry[0]) is not int:
            raise CounterexampleError("a state entry must be <<number, state>>")
        numbered[entry[0]] = _as_state(entry[1])
    edges = []
    for edge in actions_value:
        if len(edge) != 3:
            raise CounterexampleError("an action entry must be <<from, action, to>>")
        src, act, dst = edge
        name = _field(act, "name")
        context = act.map.get("context") if type(act) is Fn else None
        names = act.map.get("parameters") if type(act) is Fn else None
        params = None
        if type(context) is Fn:
            order = list(names) if names else sorted(context.map)
            params = {n: context.map[n] for n in order if n in context.map}
        edges.append((src[0], dst[0], name, _location(_field(act, "location"), files),
                      params))
    return numbered, edges


def _from_graph(numbered: dict[int, dict], edges: list, header: TraceHeader) -> Trace:
    count = len(numbered)
    if sorted(numbered) != list(range(1, count + 1)):
        raise CounterexampleError(f"states are numbered {sorted(numbered)}, not 1..{count}")
    into: dict[int, tuple] = {}
    for src, dst, name, location, params in edges:
        if dst == src + 1:
            into[dst] = (name, location, params)
        elif dst <= src:  # the edge that closes a lasso (dst == src: stuttering)
            header.loop = dst - 1
            if dst < src:
                header.extra["loop_action"] = name
        else:
            raise CounterexampleError(f"an action leads from state {src} to state {dst}")
    order = header.variables or list(numbered[1])
    header.variables = list(order)
    steps = []
    for n in range(1, count + 1):
        action, location, params = (INIT, None, None) if n == 1 else into.get(
            n, ("Next", None, None))
        steps.append(Step(index=n - 1, action=action, state=_ordered(numbered[n], order),
                          params=params, location=location))
    return Trace(header, steps)


def from_dump_tla(path: Path, *, spec: str, model: str | None = None,
                  spec_dir: Path | None = None, variables: list[str] | None = None,
                  tool_version: str | None = None, constants: dict | None = None) -> Trace:
    """The module ``-dumpTrace tla`` writes: ``CounterExample == [action |-> .., state |-> ..]``."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise CounterexampleError(f"cannot read {path}: {e}")
    m = _DUMP_BODY.search(text)
    if m is None:
        raise CounterexampleError(f"{path} has no CounterExample definition")
    try:
        value = parse_value(m["value"])
    except ValueSyntaxError as e:
        raise CounterexampleError(f"{path}: {e}")

    files = partial(module_file, spec_dir)
    numbered, edges = _graph(_field(value, "state"), _field(value, "action"), files)
    if not numbered:
        raise CounterexampleError(f"{path} holds no states")
    header = _header(spec, model, list(variables or []), "trace.tla", tool_version, constants)
    return _from_graph(numbered, edges, header)


# --------------------------------------------------------------------------- trace.json


def _lossy(data: Any) -> Any:
    """JSON data as the nearest TLA+ value: arrays become sequences, objects records."""
    if isinstance(data, bool) or isinstance(data, (int, str)):
        return data
    if isinstance(data, list):
        return Tup(_lossy(x) for x in data)
    if isinstance(data, dict):
        return make_fn({k: _lossy(v) for k, v in data.items()})
    raise CounterexampleError(f"not a value TLC writes: {data!r}")


def _load_json(path: Path) -> dict:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CounterexampleError(f"cannot read {path}: {e}")
    if not isinstance(doc, dict) or not isinstance(doc.get("counterexample"), dict):
        raise CounterexampleError(f"{path} has no counterexample")
    return doc


def json_variables(path: Path) -> list[str]:
    """The spec's variables in declaration order, which only the JSON dump records."""
    try:
        doc = _load_json(path)
    except CounterexampleError:
        return []
    names = doc.get("vars")
    return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []


def from_dump_json(path: Path, *, spec: str, model: str | None = None,
                   spec_dir: Path | None = None, tool_version: str | None = None,
                   constants: dict | None = None) -> Trace:
    """The file ``-dumpTrace json`` writes. Lossy: see the module's docstring."""
    doc = _load_json(path)
    ce = doc["counterexample"]
    try:
        states = [(s[0], _lossy(s[1])) for s in ce.get("state", [])]
        actions = []
        for src, act, dst in ce.get("action", []):
            actions.append(((src[0],), _lossy(act), (dst[0],)))
    except (TypeError, ValueError, IndexError) as e:
        raise CounterexampleError(f"{path}: unexpected layout ({e})")

    files = partial(module_file, spec_dir)
    numbered, edges = _graph(states, actions, files)
    if not numbered:
        raise CounterexampleError(f"{path} holds no states")
    header = _header(spec, model, json_variables(path), "trace.json", tool_version, constants)
    header.extra["lossy"] = ("from TLC's JSON dump: sets read as sequences, functions as "
                             "records, model values as strings")
    return _from_graph(numbered, edges, header)


# --------------------------------------------------------------------------- agreement


def disagreements(a: Trace, b: Trace) -> list[str]:
    """How two exact readings of one counterexample differ (empty when they agree)."""
    out = []
    if len(a.steps) != len(b.steps):
        out.append(f"{len(a.steps)} states against {len(b.steps)}")
    if a.header.loop != b.header.loop:
        out.append(f"loop {a.header.loop} against {b.header.loop}")
    for sa, sb in zip(a.steps, b.steps, strict=False):  # lengths compared above
        if sa.action != sb.action:
            out.append(f"state {sa.index}: action {sa.action} against {sb.action}")
        if sa.location != sb.location and sa.location and sb.location:
            out.append(f"state {sa.index}: location {sa.location} against {sb.location}")
        if sa.state != sb.state:
            names = sorted({k for k in set(sa.state) | set(sb.state)
                            if sa.state.get(k) != sb.state.get(k)})
            out.append(f"state {sa.index}: {', '.join(names)} differ")
        if sa.params is not None and sb.params is not None and \
                list(sa.params.values()) != list(sb.params.values()):
            out.append(f"state {sa.index}: parameters differ")
    return out


def _json_keys(data: dict) -> dict[Any, Any]:
    """The JSON dump's object keys as values. TLC writes a string key as the bare string, a
    model value as its name, and any other key as ``Value.toString`` prints it; that text
    is not canonical (a record's fields come in the order TLC interned their names, not
    sorted), so the keys are compared as values, not as text. A bare name reads as a model
    value, so a string key is looked up by its text as well."""
    keys: dict[Any, Any] = {}
    for text, v in data.items():
        keys[text] = v
        try:
            keys.setdefault(parse_value(text), v)
        except ValueSyntaxError:
            pass
    return keys


def json_matches(exact: Any, data: Any) -> bool:
    """Whether ``data`` is what TLC's JSON dump writes for the exact value."""
    t = type(exact)
    if t is bool or t is int:
        return type(data) is t and data == exact
    if t is str:
        return data == exact
    if t is ModelValue:
        return data == exact.name
    if t is Tup:
        return isinstance(data, list) and len(data) == len(exact) and all(
            json_matches(x, d) for x, d in zip(exact, data, strict=True))
    if isinstance(exact, frozenset):
        if not isinstance(data, list) or len(data) != len(exact):
            return False
        free = list(data)
        for x in (exact.ordered() if type(exact) is FSet else exact):
            hit = next((i for i, d in enumerate(free) if json_matches(x, d)), None)
            if hit is None:
                return False
            free.pop(hit)
        return True
    if t is Fn:
        if not isinstance(data, dict) or len(data) != len(exact.map):
            return False
        keys = _json_keys(data)
        return all(k in keys and json_matches(v, keys[k]) for k, v in exact.map.items())
    return False


def json_disagreements(exact: Trace, path: Path) -> list[str]:
    """How TLC's JSON dump differs from the lossy image of an exact trace."""
    doc = _load_json(path)
    states = {s[0]: s[1] for s in doc["counterexample"].get("state", [])}
    out = []
    if len(states) != len(exact.steps):
        out.append(f"{len(states)} states in {path.name} against {len(exact.steps)}")
    for step in exact.steps:
        data = states.get(step.index + 1)
        if data is None:
            continue
        bad = [v for v, x in step.state.items() if not json_matches(x, data.get(v))]
        if bad or set(data) != set(step.state):
            out.append(f"state {step.index}: {', '.join(bad) or 'variables'} differ")
    actions = {a[2][0]: a[1].get("name") for a in doc["counterexample"].get("action", [])
               if a[2][0] == a[0][0] + 1}
    for step in exact.steps[1:]:
        name = actions.get(step.index + 1)
        if name is not None and name != step.action:
            out.append(f"state {step.index}: action {name} against {step.action}")
    return out
