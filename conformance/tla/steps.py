"""The step API: evaluate single steps of a spec, for conformance validation.

Load a spec once, then ask about one step at a time::

    m = load_model("specs/Raft.tla", constants={"Server": servers, ...})
    r = m.check_step(state, "HandleRequestVote", {"i": s1, "j": s2, "m": msg}, next_state)
    if not r.ok:
        print(r.explain())          # which conjunct was false, or how the nearest
                                    # successor differs, variable by variable

* A *state* is a dict ``variable -> value`` (values of :mod:`conformance.values`), or a
  tuple in the order of :attr:`StepModel.variables`.
* An *action* is any definition of the spec, named as written (``"Next"``,
  ``"HandleRequestVote"``, ``"Inst!Op"``), with its parameters given by name. The
  definition is compiled once into a successor generator (the same code the model checker
  runs), with the parameters as run-time inputs, so a call costs an evaluation of the
  action, not a compilation.
* A *next state* may leave variables out: the missing ones are unconstrained, and the
  matching successors, completed by the action, come back in :attr:`StepResult.matches`.
  Known variables are fixed before the action runs, so ``x' = e`` tests them as TLC does
  for an assigned variable, and the search only explores the missing parts.

When a step does not match, :meth:`StepModel.check_step` says why: the action was not
enabled (with the conjunct that was false, and its source position), or it was enabled but
led elsewhere (with the nearest successor and a per-variable diff).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.errors import Position, UserError
from conformance.tla import syntax as S
from conformance.tla.actions import BranchTrail, Diagnosis, Partial
from conformance.tla.compile import Binding, Scope, UserOp
from conformance.tla.errors import EvalError, SpecError, position
from conformance.tla.lazy import canonical, to_tla_any
from conformance.tla.model import Model, load
from conformance.tla.modules import DefSym, ImportedSym
from conformance.values import Fn, FSet, ModelValue, Tup, make_fn, typed_key

Value = Any
_CANON = (int, str, bool, ModelValue, Tup, Fn, FSet)


def to_value(v: Value) -> Value:
    """A Python value as a TLA+ value: lists and tuples become sequences, dicts functions,
    sets FSets (values already in :mod:`conformance.values` form pass unchanged)."""
    t = type(v)
    if t in _CANON:
        return v
    if t is list or t is tuple:
        return Tup(to_value(x) for x in v)
    if t is dict:
        return make_fn({to_value(k): to_value(x) for k, x in v.items()})
    if t is set or t is frozenset:
        return FSet(to_value(x) for x in v)
    return canonical(v)


@dataclass
class Failure:
    """Why an action did not apply: the conjunct that was false (deepest one reached)."""

    position: Position
    text: str  # the conjunct's source text
    why: str  # "false", or e.g. "x' would be 3, but is 2"

    def __str__(self) -> str:
        where = f"line {self.position.line}, col {self.position.column} of module " \
                f"{self.position.module}"
        detail = "" if self.why == "false" else f" ({self.why})"
        return f"{self.text!r} was false at {where}{detail}"


@dataclass
class StepResult:
    """The answer of :meth:`StepModel.check_step`."""

    ok: bool
    action: str
    params: dict[str, Value]
    enabled: bool
    matches: list[dict[str, Value]] = field(default_factory=list)
    successors: int = 0  # distinct successors of the state under the action
    failure: Failure | None = None  # when the action was not enabled
    nearest: dict[str, Value] | None = None  # when it led elsewhere
    diff: dict[str, tuple[Value, Value]] = field(default_factory=dict)  # var -> (spec, given)
    error: str | None = None  # an evaluation error, with its position
    error_positions: list[Position] = field(default_factory=list)

    def explain(self) -> str:
        call = self.action
        if self.params:
            call += "(" + ", ".join(f"{k} = {to_tla_any(v)}" for k, v in self.params.items()) \
                + ")"
        if self.error:
            where = "; ".join(str(p) for p in self.error_positions)
            return f"{call}: evaluation failed: {self.error}" + (f" at {where}" if where else "")
        if self.ok:
            return f"{call}: the step is a step of the spec"
        if not self.enabled:
            why = f": {self.failure}" if self.failure else ""
            return f"{call} is not enabled in this state{why}"
        lines = [f"{call} is enabled ({self.successors} successor"
                 f"{'s' if self.successors != 1 else ''}), but none is the given next state;"
                 " the nearest differs in:"]
        for var, (spec_v, given) in self.diff.items():
            lines.append(f"  {var}: spec {to_tla_any(spec_v)}, given {to_tla_any(given)}")
        return "\n".join(lines)


class _Compiled:
    __slots__ = ("name", "params", "fn", "diag_fn", "node", "scope", "diag", "trail")

    def __init__(self, name, params, fn, node, scope, trail: BranchTrail | None = None) -> None:
        self.name, self.params, self.fn = name, params, fn
        self.node, self.scope = node, scope
        self.diag_fn: Callable | None = None  # compiled on the first failure to explain
        self.diag: Diagnosis | None = None
        self.trail = trail  # the branches each successor came through (with branches=True)


class StepModel:
    """A loaded spec answering questions about single states and steps."""

    def __init__(self, model: Model, branches: bool = False) -> None:
        self.model = model
        # compile each action with a BranchTrail: every successor then says which of the
        # action's branches it came through (coverage; see actions.BranchTrail)
        self.branches = branches
        self.variables: list[str] = model.names
        self._index = {n: i for i, n in enumerate(self.variables)}
        self._actions: dict[str, _Compiled] = {}
        self._exprs: dict[str, Any] = {}

    # ------------------------------------------------------------------ states

    def state(self, s: Mapping[str, Value] | tuple) -> tuple:
        """A full state as a tuple in variable order (checks every variable is there)."""
        if isinstance(s, tuple) and not isinstance(s, Tup):
            if len(s) != len(self.variables):
                raise UserError(f"a state of {self.model.module} has {len(self.variables)} "
                                f"variables, not {len(s)}")
            return tuple(to_value(v) for v in s)
        if not isinstance(s, Mapping):
            raise UserError(f"a state of {self.model.module} is a mapping from variable names "
                            f"to values, or a tuple in variable order; not {type(s).__name__}")
        missing = [v for v in self.variables if v not in s]
        if missing:
            raise UserError(f"the state lacks the variable{'s' if len(missing) > 1 else ''} "
                            f"{', '.join(missing)} of {self.model.module}")
        unknown = [k for k in s if k not in self._index]
        if unknown:
            raise UserError(f"{', '.join(unknown)} {'are' if len(unknown) > 1 else 'is'} not "
                            f"a variable of {self.model.module}")
        return tuple(to_value(s[v]) for v in self.variables)

    def as_dict(self, state: tuple) -> dict[str, Value]:
        return dict(zip(self.variables, state, strict=True))

    def initial_states(self) -> list[dict[str, Value]]:
        if self.model.init_fn is None:
            raise UserError(f"{self.model.module}: no initial predicate (INIT or "
                            "SPECIFICATION) in the configuration")
        return [self.as_dict(s) for s in _dedupe(self.model.all_initial_states())]

    def is_initial(self, state) -> bool:
        s = self.state(state)
        return s in set(self.model.all_initial_states())

    # ------------------------------------------------------------------ actions

    def action_params(self, name: str) -> list[str]:
        return list(self._compile(name).params)

    def _compile(self, name: str) -> _Compiled:
        c = self._actions.get(name)
        if c is not None:
            return c
        model = self.model
        comp = model.comp
        ref = _parse_name(name)
        scope0 = comp.root_scope()
        try:
            if ref.prefix:
                op = comp.resolve_prefixed(ref, scope0)
            else:
                sym = model.root.table.get(ref.name)
                if sym is None:
                    raise UserError(f"{model.module} defines no action named {name}")
                op = comp.sym_op(sym, scope0.ctx, S.NOLOC)
        except SpecError as e:
            raise UserError(f"{name}: {e.message}")
        if not isinstance(op, UserOp) or op.sym.node is None:
            raise UserError(f"{name} is not a definition of {model.module}")
        node = op.sym.node
        locals_: dict = {}
        d = 2
        for p in node.params:
            if p.arity:
                raise UserError(f"{name} takes an operator parameter ({p.name}); the step API "
                                "passes values only")
            locals_[p.name] = Binding("slot", index=d)
            d += 1
        scope = Scope(op.ctx, locals_, d)
        trail = BranchTrail() if self.branches else None
        acomp = model.acomp
        saved, acomp.trail = acomp.trail, trail
        try:
            fn = acomp.next_action(node.body, scope, node.name)
        finally:
            acomp.trail = saved
        c = _Compiled(name, tuple(p.name for p in node.params), fn, node.body, scope, trail)
        self._actions[name] = c
        return c

    def _env(self, c: _Compiled, state: tuple, t: Partial, params: Mapping | None) -> tuple:
        params = params or {}
        missing = [p for p in c.params if p not in params]
        extra = [p for p in params if p not in c.params]
        if missing or extra:
            want = ", ".join(c.params) or "no parameters"
            raise UserError(f"{c.name} takes {want}; given "
                            f"{', '.join(params) or 'none'}")
        return (state, t) + tuple(to_value(params[p]) for p in c.params)

    def successors(self, state, action: str = "Next",
                   params: Mapping[str, Value] | None = None) -> list[dict[str, Value]]:
        """The distinct successors of ``state`` under ``action`` (in TLC's order)."""
        s = self.state(state)
        return [self.as_dict(t) for t in self._run(self._compile(action), s, params, None)]

    def _run(self, c: _Compiled, s: tuple, params, fixed: list | None) -> list[tuple]:
        out: list[tuple] = []
        t = Partial(fixed if fixed is not None else [None] * len(self.variables))
        t.sink = out.append
        if c.trail is not None:
            c.trail.reset()
        c.fn(self._env(c, s, t, params))
        return _dedupe(out)

    def check_step(self, state, action: str, params: Mapping[str, Value] | None,
                   next_state: Mapping[str, Value]) -> StepResult:
        """Is ``state -> next_state`` a step of ``action`` with ``params``? (see module
        docstring: ``next_state`` may omit variables)."""
        c = self._compile(action)
        s = self.state(state)
        params = dict(params or {})
        unknown = [k for k in next_state if k not in self._index]
        if unknown:
            raise UserError(f"{', '.join(unknown)} {'are' if len(unknown) > 1 else 'is'} not "
                            f"a variable of {self.model.module}")
        fixed = [to_value(next_state[v]) if v in next_state else None for v in self.variables]
        result = StepResult(False, action, params, enabled=False)
        try:
            matches = self._run(c, s, params, fixed)
            if matches:
                result.ok = result.enabled = True
                result.matches = [self.as_dict(t) for t in matches]
                return result
            succs = self._run(c, s, params, None)
        except EvalError as e:
            result.error = e.message
            result.error_positions = [position(loc) for loc in e.nested()]
            return result
        result.successors = len(succs)
        if not succs:
            result.failure = self._why_disabled(c, s, params)
            return result
        result.enabled = True
        known = [(i, v) for i, v in enumerate(fixed) if v is not None]
        best = min(succs, key=lambda t: sum(1 for i, v in known if t[i] != v))
        result.nearest = self.as_dict(best)
        result.diff = {self.variables[i]: (best[i], v) for i, v in known if best[i] != v}
        return result

    def _why_disabled(self, c: _Compiled, s: tuple, params) -> Failure | None:
        if c.diag_fn is None:
            acomp = self.model.acomp
            fresh = Diagnosis()
            saved = acomp.diag
            acomp.diag = fresh
            try:
                c.diag_fn = acomp.next_action(c.node, c.scope, c.name)
            finally:
                acomp.diag = saved
            c.diag = fresh
        diag, diag_fn = c.diag, c.diag_fn
        assert diag is not None and diag_fn is not None
        diag.failures.clear()
        diag.depth = 0
        t = Partial([None] * len(self.variables))
        t.sink = lambda st: None
        try:
            diag_fn(self._env(c, s, t, params))
        except EvalError:
            pass
        best = diag.best()
        if best is None:
            return None
        _, loc, why = best
        return Failure(position(loc), self.source(loc), why)

    def source(self, loc: S.Loc) -> str:
        """The text of a span of the spec (one line if long)."""
        env = self.model.loader.envs.get(loc.module)
        if env is None or not env.file:
            return ""
        try:
            lines = Path(env.file).read_text(encoding="utf-8").splitlines()
        except OSError:
            return ""
        if loc.line == loc.eline:
            return lines[loc.line - 1][loc.col - 1:loc.ecol]
        first = lines[loc.line - 1][loc.col - 1:]
        return first + " ..."

    # ------------------------------------------------------------------ state predicates

    def evaluate(self, name: str, state=None) -> Value:
        """The value of a 0-arity definition (or any definition's body) in ``state``."""
        code = self._expr(name)
        s = self.state(state) if state is not None else None
        return code.fn((s, None))

    def _expr(self, name: str):
        code = self._exprs.get(name)
        if code is None:
            model = self.model
            sym = model.root.table.get(name)
            if not isinstance(sym, (DefSym, ImportedSym)):
                raise UserError(f"{model.module} defines nothing named {name}")
            try:
                code = model.comp.expr(S.Name(S.NOLOC, name), model.comp.root_scope())
            except SpecError as e:
                raise UserError(f"{name}: {e.message}")
            self._exprs[name] = code
        return code

    def check_invariants(self, state, names: Iterable[str] | None = None) -> dict[str, bool]:
        """Each invariant (default: the cfg's INVARIANTs) on ``state``: name -> holds."""
        s = self.state(state)
        out = {}
        if names is None:
            for inv in self.model.invariants:
                out[inv.name] = inv.code.fn((s, None)) is True
            return out
        for name in names:
            out[name] = self._expr(name).fn((s, None)) is True
        return out


def _parse_name(name: str) -> S.Name:
    parts = name.split("!")
    return S.Name(S.NOLOC, parts[-1], (), tuple((p, ()) for p in parts[:-1]))


def _dedupe(states: list[tuple]) -> list[tuple]:
    if len(states) < 2:  # the common case; hashing a state costs time linear in its size
        return states
    seen: set = set()
    out = []
    for s in states:
        k = typed_key(s)  # a state with FALSE is not the one with 0
        if k not in seen:
            seen.add(k)
            out.append(s)
    return out


def load_model(spec: str | Path, config: str | Path | None = None, *,
               constants: Mapping[str, Value] | None = None) -> StepModel:
    """Load ``spec`` for stepping. ``config`` defaults to the .cfg next to the spec, if
    there is one; ``constants`` (name -> value) add to or replace the cfg's values."""
    spec = Path(spec)
    consts = {k: to_value(v) for k, v in (constants or {}).items()}
    if config is None and not spec.with_suffix(".cfg").is_file():
        model = load(spec, None, constants=consts, need_behavior=False)
    else:
        model = load(spec, config, constants=consts, need_behavior=False)
    return StepModel(model)
