"""The spec, as the validator steps through it: the engine's step API, and what it adds.

The validator asks four questions of a spec, and only through this module:

* which initial states are there;
* which states does action ``A`` with parameters ``p`` lead to from state ``s``;
* when none (or none that matches), which conjunct of ``A`` was false, and where;
* which invariants (and action properties) fail in a state (or on a step).

The embedded engine's step API (:mod:`conformance.tla.steps`) answers the first three; this
module binds it to a set of constants (through a generated .cfg, so model values are
interned in TLC's order), keeps states as tuples (the validator hashes and compares many),
and adds two things the step API does not do: the first assignment that disagrees with a
partly known next state ("commitIndex' would be ..., but is ..."), and invariants checked in
pieces, each top-level conjunct cached by the variables it reads.

An action is named either by a definition of the spec applied to parameters
(``HandleAppendEntriesRequest`` with ``i`` and ``m``: what implementation traces carry), or
by one of TLC's actions of the next-state relation (``Timeout`` without its parameter, as
TLC's counterexamples name steps), filtered by whatever parameters are given.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.errors import Position, UserError
from conformance.tla import syntax as S
from conformance.tla.actions import BranchTrail, Diagnosis, Partial
from conformance.tla.errors import ConfigError, EvalError, SpecError
from conformance.tla.lazy import LazyFn, LazySet
from conformance.tla.model import Model, check_assumptions, load
from conformance.tla.modules import DefSym, names_reached
from conformance.tla.steps import StepModel
from conformance.tla.syntax import Loc
from conformance.values import Fn, FSet, ModelValue, Tup, to_tla

Value = Any
State = tuple  # the values of the spec's variables, in the model's order
_BY_LABEL = object()  # an action named by TLC's label (see SpecEngine._uses_label)


@dataclass(frozen=True)
class Conjunct:
    """The conjunct of an action that was false (or the assignment that disagreed)."""

    position: Position
    text: str  # the conjunct's source text
    why: str  # "false", or the engine's words about an assignment


_MADE = frozenset((Fn, Tup, FSet, int, str, bool, ModelValue))  # concrete already


def concrete(v: Value) -> Value:
    """A value in its one canonical form (the engine may hand back lazy sets/functions)."""
    if type(v) in _MADE:
        return v
    if isinstance(v, (LazySet, LazyFn)):
        return v.materialize()
    return v


def constants_cfg(constants: dict[str, Value], invariants: Iterable[str],
                  properties: Iterable[str], init: str, next_: str) -> str:
    """A TLC configuration binding ``constants`` (model values are written by name, so TLC
    and the engine both make them model values), with the behavior and the checks."""
    lines = ["CONSTANTS"]
    for name, value in constants.items():
        lines.append(f"    {name} = {to_tla(value)}")
    lines.append(f"INIT {init}")
    lines.append(f"NEXT {next_}")
    invariants = list(invariants)
    if invariants:
        lines.append("INVARIANTS " + " ".join(invariants))
    properties = list(properties)
    if properties:
        lines.append("PROPERTIES " + " ".join(properties))
    return "\n".join(lines) + "\n"


def _shown(constants: dict[str, Value]) -> str:
    text = ", ".join(f"{k} = {to_tla(v)}" for k, v in constants.items())
    return text if len(text) <= 200 else text[:197] + "..."


class SpecEngine:
    """One spec bound to one set of constants, ready to step."""

    def __init__(self, spec: str | Path, constants: dict[str, Value],
                 invariants: Iterable[str] = (), properties: Iterable[str] = (),
                 init: str = "Init", next_: str = "Next", branches: bool = True) -> None:
        self.spec = Path(spec)
        self.constants = dict(constants)
        text = constants_cfg(constants, invariants, properties, init, next_)
        with tempfile.TemporaryDirectory(prefix="conform-cfg-") as d:
            cfg = Path(d) / (self.spec.stem + "Validate.cfg")
            cfg.write_text(text)
            try:
                self.model: Model = load(self.spec, cfg, lazy_actions=True)
            except ConfigError as e:
                e.hint = e.hint or ("The constants (a trace's header) must give every constant "
                                    f"{self.spec.name} declares.")
                raise
        broken = check_assumptions(self.model)
        if broken is not None:
            raise UserError(f"the constants {_shown(constants)} break the spec's assumption "
                            f"at {broken[0].expr.loc}", hint="a trace is checked against the "
                            "spec with the constants its header gives")
        # branches: each step says which branches of its action it took (coverage)
        self.steps = StepModel(self.model, branches=branches)
        self.variables: list[str] = self.model.names
        self.index = {n: k for k, n in enumerate(self.variables)}
        self._by_label: dict[str, list] = {}
        for a in self.model.actions:
            self._by_label.setdefault(a.name, []).append(a)
        self._source: list[str] | None = None
        self._compiled: dict[str, Any] = {}
        self._plans: dict[tuple, Any] = {}  # (action, its parameters' names) -> see _plan
        self._has: dict[str, bool] = {}  # has_action's answers
        self._invariant_checks: list | None = None
        self._piece_readers: list[tuple[int, ...]] | None = None
        self._piece_texts: list[str] | None = None
        self._inits: list[State] | None = None
        # initial states (the objects of initial_states) a validator found to keep every
        # invariant: the next trace that starts in one does not check them again
        self.sound_states: list[State] = []

    # ------------------------------------------------------------------ what the spec has

    def has_action(self, name: str) -> bool:
        known = self._has.get(name)
        if known is None:
            known = self._has[name] = name in self._by_label or \
                self._operator_sym(name) is not None
        return known

    def action_params(self, name: str) -> tuple[str, ...]:
        """The formal parameters of the definition ``name`` (empty for TLC's actions)."""
        sym = self._operator_sym(name)
        if sym is None or sym.node is None:
            return ()
        return tuple(p.name for p in sym.node.params)

    def _operator_sym(self, name: str) -> DefSym | None:
        sym = self.model.root.table.get(name)
        if isinstance(sym, DefSym) and sym.node is not None and \
                all(p.arity == 0 for p in sym.node.params):
            return sym
        return None

    # ------------------------------------------------------------------ states

    def initial_states(self) -> list[State]:
        """The spec's initial states (computed once: every trace starts from them)."""
        if self._inits is None:
            self._inits = [self._tuple(d) for d in self.steps.initial_states()]
        return list(self._inits)

    def _tuple(self, d: dict[str, Value]) -> State:
        return tuple(d[v] for v in self.variables)

    def as_dict(self, state: State) -> dict[str, Value]:
        return {n: concrete(v) for n, v in zip(self.variables, state, strict=True)}

    # ------------------------------------------------------------------ stepping

    def _diagnosing(self, name: str, diag: Diagnosis) -> tuple[Callable, tuple[str, ...]]:
        """``fn(E)`` for the definition ``name``, its parameters as slots of E, compiled with
        a diagnosis that records every assignment and guard that fails."""
        sym = self._operator_sym(name)
        assert sym is not None and sym.node is not None
        node = sym.node
        comp, acomp = self.model.comp, self.model.acomp
        params = tuple(p.name for p in node.params)
        scope = comp.root_scope()
        if sym.home is not None and sym.home is not scope.ctx.env:
            scope = scope.in_ctx(comp.ctx(sym.home, None))
        scope = scope.bind_slots(list(params))
        saved = acomp.diag
        acomp.diag = diag
        try:
            fn = acomp.next_action(node.body, scope, name)
        finally:
            acomp.diag = saved
        return fn, params

    def _uses_label(self, action: str, params: dict[str, Value]) -> bool:
        """Whether ``action`` names TLC's actions rather than a definition applied to all
        of its parameters (a TLC trace names ``Timeout`` without saying for which server)."""
        if self._operator_sym(action) is None:
            return action in self._by_label
        names = set(self.action_params(action))
        if not set(params) <= names:
            self._check_params(action, params)  # a parameter the definition does not have
        return action in self._by_label and not names <= set(params)

    def successors(self, state: State, action: str, params: dict[str, Value]) -> list[State]:
        """Every state ``action(params)`` leads to from ``state`` (duplicates removed)."""
        if self._uses_label(action, params):
            out: dict[State, None] = {}
            for a in self._by_label[action]:
                if any(k in a.params and a.params[k] != v for k, v in params.items()):
                    continue
                self.model.successors(state, a, lambda s: out.setdefault(s, None))
            return list(out)
        if self._operator_sym(action) is None:
            raise UserError(f"the spec {self.spec.name} has no action {action}")
        self._check_params(action, params)
        return [self._tuple(d) for d in self.steps.successors(state, action, params)]

    def steps_to(self, state: State, action: str, params: dict[str, Value],
                 fixed: Sequence[Value | None],
                 paths: list[tuple[int, ...]] | None = None,
                 assigned: int | None = None) -> list[State]:
        """The successors of ``state`` under ``action(params)`` whose variables agree with
        ``fixed`` where it gives one (not None): the action is evaluated with those next
        values already bound, so that ``x' = e`` tests them rather than building a state
        to compare afterwards (TLC validates traces this way); only the variables the trace
        leaves out are assigned. With ``paths``, the branches each successor came through
        are appended to it, one tuple of branch numbers (see :meth:`branches`) per
        successor; none for an action named by TLC's label. ``assigned``, when the caller
        knows it: how many of ``fixed`` are not None."""
        found: list[tuple] = []
        # how this action with these parameters is stepped, decided once (see _plan)
        key = (action, tuple(params))
        c = self._plans.get(key)
        if c is None:
            c = self._plans[key] = self._plan(action, params)
        if c is _BY_LABEL:
            for a in self._by_label[action]:
                if any(k in a.params and a.params[k] != v for k, v in params.items()):
                    continue
                t = Partial(fixed)  # (a copy)
                t.sink = found.append
                a.fn((state, t))
            return found
        if assigned is None:
            t = Partial(fixed)  # (a copy)
            t.sink = found.append
        else:
            t = Partial.counted(fixed, assigned, found.append)
        trail = c.trail
        if trail is not None:
            trail.reset()
        c.fn((state, t, *map(params.__getitem__, c.params)))
        if paths is not None and trail is not None:
            paths.extend(trail.paths)
        return found

    def _plan(self, action: str, params: dict[str, Value]) -> Any:
        """For :meth:`steps_to`: _BY_LABEL, or the definition ``action`` compiled (after
        checking that ``params`` names its parameters)."""
        if self._uses_label(action, params):
            return _BY_LABEL
        c = self._compiled.get(action)
        if c is None:
            if self._operator_sym(action) is None:
                raise UserError(f"the spec {self.spec.name} has no action {action}")
            c = self._compiled[action] = self.steps._compile(action)
        if len(params) != len(c.params) or any(p not in params for p in c.params):
            self._check_params(action, params)
        return c

    def branches(self, action: str) -> BranchTrail | None:
        """The branches of the definition ``action`` (numbered as :meth:`steps_to`'s paths
        number them), or None for a name that is no definition of the spec."""
        if self._operator_sym(action) is None:
            return None
        c = self._compiled.get(action)
        if c is None:
            c = self._compiled[action] = self.steps._compile(action)
        return c.trail

    def disabled(self, action: str) -> bool:
        """Whether the definition ``action`` is a conjunction with a conjunct that is a
        constant FALSE under these constants (``/\\ CommitOnTick``): no step can take it."""
        sym = self._operator_sym(action)
        if sym is None or sym.node is None or not isinstance(sym.node.body, S.And):
            return False
        comp = self.model.comp
        scope = comp.root_scope()
        for item in sym.node.body.items:
            try:
                code = comp.expr(item, scope)
                if code.known and code.value is False:
                    return True
                if code.level == 0 and not code.deps and code.fn((None, None)) is False:
                    return True
            except Exception:  # noqa: BLE001 - reads a parameter or a variable: not constant
                continue
        return False

    def _check_params(self, action: str, params: dict[str, Value]) -> None:
        names = self.action_params(action)
        missing = [n for n in names if n not in params]
        extra = [n for n in params if n not in names]
        if missing or extra:
            what = []
            if missing:
                what.append("lacks " + ", ".join(missing))
            if extra:
                what.append("has no parameter " + ", ".join(extra))
            raise UserError(f"the event names {action} with parameters "
                            f"{', '.join(params) or 'none'}, but {action}({', '.join(names)}) "
                            + " and ".join(what))

    def explain(self, state: State, action: str, params: dict[str, Value],
                target: Sequence[Value] | None = None) -> Conjunct | None:
        """Why ``action(params)`` does not lead from ``state`` (to ``target``, when given:
        its variables that are not None are required): the deepest conjunct that failed."""
        diag = Diagnosis()
        t = Partial([None] * len(self.variables) if target is None else list(target))
        t.sink = lambda s: None  # type: ignore[attr-defined]
        try:
            if not self._uses_label(action, params):
                if target is None:  # the step API says why an action is not enabled
                    res = self.steps.check_step(state, action, params, {})
                    f = res.failure
                    if f is None:
                        return None
                    p = f.position
                    if p.module == self.model.module:
                        p = Position(self._display_path(), p.line, p.column, p.end_line,
                                     p.end_column, p.module)
                    return Conjunct(p, f.text.strip(), f.why)
                self._check_params(action, params)
                fn, names = self._diagnosing(action, diag)
                fn((state, t) + tuple(params[n] for n in names))
            else:
                for a in self._by_label.get(action, []):
                    acomp = self.model.acomp
                    saved, acomp.diag = acomp.diag, diag
                    try:
                        fn = acomp.next_action(a.node, a.scope, a.name)
                    finally:
                        acomp.diag = saved
                    fn((state, t))
        except EvalError as e:
            loc = e.nested()[-1] if e.locs else None
            return self._conjunct(loc, f"evaluation error: {e.message}")
        best = diag.best()
        if best is None:
            return None
        _, loc, why = best
        return self._conjunct(loc, why)

    def conjunct_at(self, loc: Loc, why: str) -> Conjunct:
        """The conjunct at ``loc``, with its text and position."""
        return self._conjunct(loc, why)

    def _conjunct(self, loc: Loc | None, why: str) -> Conjunct:
        if loc is None:
            return Conjunct(Position(self.spec.name), "", why)
        pos = Position(self._display_path(), loc.line, loc.col, loc.eline, loc.ecol,
                       loc.module)
        return Conjunct(pos, self.source(loc), why)

    def _display_path(self) -> str:
        """The spec's path, relative to the working directory when it is below it."""
        try:
            return str(self.spec.resolve().relative_to(Path.cwd()))
        except ValueError:
            return str(self.spec)

    def source(self, loc: Loc) -> str:
        """The text of a span of the root module (one line per line, trimmed)."""
        if self._source is None:
            try:
                self._source = self.spec.read_text(encoding="utf-8").splitlines()
            except OSError:
                self._source = []
        if loc.module != self.model.module or not 0 < loc.line <= len(self._source):
            return ""
        lines = self._source[loc.line - 1:loc.eline]
        if not lines:
            return ""
        if len(lines) == 1:
            return lines[0][loc.col - 1:loc.ecol].strip()
        lines[0] = lines[0][loc.col - 1:]
        lines[-1] = lines[-1][:loc.ecol]
        return "\n".join(line.rstrip() for line in lines).strip()

    # ------------------------------------------------------------------ checks

    def reads(self, name: str) -> frozenset[str]:
        """The variables the definition ``name`` may read (through the definitions it
        uses): an over-approximation by name, which is enough to skip re-checking an
        invariant whose variables did not change."""
        sym = self.model.root.table.get(name)
        if not isinstance(sym, DefSym) or sym.node is None:
            return frozenset(self.variables)
        return self._reads_of(sym.node.body, {name})

    def _reads_of(self, node: Any, seen: set[str]) -> frozenset[str]:
        table = self.model.root.table
        return frozenset(names_reached(table, node, seen).intersection(self.variables))

    def invariant_checks(self) -> list[tuple[str, Callable, tuple[int, ...], Loc]]:
        """The invariants as separately cached pieces: each top-level conjunct of an
        invariant's definition with the variables it reads and where it is, ``(name, fn,
        var indexes, loc)``, so that a step that changes only the network re-checks only
        the conjuncts about the network, and a violation names its conjunct."""
        if self._invariant_checks is not None:  # compiled once per engine, not per trace
            return self._invariant_checks
        out = []
        comp = self.model.comp
        for inv in self.model.invariants:
            sym = self.model.root.table.get(inv.name)
            body = sym.node.body if isinstance(sym, DefSym) and sym.node is not None and \
                not sym.node.params else None
            if isinstance(body, S.And) and isinstance(sym, DefSym) and \
                    sym.home is self.model.root:
                scope = comp.root_scope()
                for item in body.items:
                    code = comp.expr(item, scope)
                    reads = self._reads_of(item, {inv.name})
                    out.append((inv.name, code.fn, self._indexes(reads), item.loc))
            else:
                out.append((inv.name, inv.code.fn, self._indexes(self.reads(inv.name)),
                            inv.loc))
        self._invariant_checks = out
        return out

    def piece_texts(self) -> list[str]:
        """The source text of each piece of :meth:`invariant_checks`, its words one space
        apart ("" where it is not the root module's; made once per engine)."""
        if self._piece_texts is None:
            self._piece_texts = [" ".join(self.source(loc).split()) if loc is not None
                                 else "" for _, _, _, loc in self.invariant_checks()]
        return self._piece_texts

    def piece_readers(self) -> list[tuple[int, ...]]:
        """For each variable (by index), the pieces of :meth:`invariant_checks` that read
        it (by index; made once per engine, not per trace)."""
        if self._piece_readers is None:
            pieces = self.invariant_checks()
            self._piece_readers = [tuple(n for n, (_, _, reads, _) in enumerate(pieces)
                                         if k in reads) for k in range(len(self.variables))]
        return self._piece_readers

    def _indexes(self, names: Iterable[str]) -> tuple[int, ...]:
        return tuple(sorted(self.index[n] for n in names))

    def failed_invariants(self, state: State) -> list[str]:
        bad = []
        for inv in self.model.invariants:
            try:
                ok = inv.code.fn((state, None))
            except EvalError as e:
                raise SpecError(f"evaluating the invariant {inv.name}: {e.message}", inv.loc)
            if ok is not True:
                bad.append(inv.name)
        return bad

    def failed_properties(self, state: State, nxt: State) -> list[str]:
        bad = []
        for prop in self.model.action_properties:
            try:
                ok = prop.code.fn((state, nxt))
            except EvalError as e:
                raise SpecError(f"evaluating the property {prop.name}: {e.message}", prop.loc)
            if ok is not True:
                bad.append(prop.name)
        return bad
