"""Initial states and successor states, computed as TLC computes them.

An action (or the initial predicate) is compiled into a function of ``E`` in
continuation-passing style, following TLC's ``getNextStates``/``getInitStates``:

* a conjunction runs its conjuncts left to right, each calling the next one;
* a disjunction, an ``\\E`` and ``x' \\in S`` call the rest once per branch;
* ``x' = e`` assigns ``x'`` when it is still unassigned, and otherwise tests it;
  UNCHANGED assigns from the current state;
* IF, CASE, LET and ``=>`` choose what runs next; a definition whose body is an action is
  expanded in place (with its arguments), so that ``x' = e`` inside it still assigns;
* anything else is a guard: evaluated, and the rest runs only if it is TRUE.

The last continuation emits the state once every variable is assigned. The next state under
construction is a list (``E[1]``; ``E[0]`` for the initial predicate) shared by all branches:
a branch assigns, continues, and unassigns, as TLC's ``bind``/``unbind`` do. Successors are
produced in TLC's order, duplicates included (TLC counts each as generated).
"""

from __future__ import annotations

from collections.abc import Callable

from conformance.tla import syntax as S
from conformance.tla.actions import assignments, branching, definitions
from conformance.tla.actions.partial import Partial
from conformance.tla.actions.trail import BranchTrail, noting
from conformance.tla.compile import (
    ACTION,
    Code,
    Compiler,
    Scope,
    Tracing,
    wrap_error,
)
from conformance.tla.errors import EvalError, SemanticError
from conformance.tla.lazy import to_tla_any
from conformance.tla.modules import VarSym


class _Enabled(Exception):
    """Raised by ENABLED's continuation: one successor exists, stop looking."""


class Diagnosis:
    """Why an action produced no (matching) successor: the failures met on the way, each
    with how many conjuncts had passed before it (the deepest failure is the best
    explanation)."""

    def __init__(self) -> None:
        self.depth = 0
        self.failures: list[tuple[int, S.Loc, str]] = []

    def fail(self, loc: S.Loc, why: str) -> None:
        self.failures.append((self.depth, loc, why))

    def best(self) -> tuple[int, S.Loc, str] | None:
        if not self.failures:
            return None
        return max(self.failures, key=lambda f: f[0])


class ActionCompiler:
    """Compiles actions and initial predicates of one model (see the module docstring).

    The rules live in ``branching``, ``definitions`` and ``assignments``; each is named
    here as a method, so a rule reaches any other through ``ac`` (``ac.act``...)."""

    def __init__(self, comp: Compiler, variables: list[VarSym]) -> None:
        self.comp = comp
        self.variables = variables
        self.nvars = len(variables)
        self.names = [v.name for v in variables]
        self.inlining: list = []
        self.diag: Diagnosis | None = None
        self.trail: BranchTrail | None = None  # set while compiling an action for coverage
        self.enabled_mode = False
        comp.actions = self

    def next_action(self, node, scope: Scope, action_name: str = "",
                    partial: bool = False) -> Callable:
        """``fn(E)`` calling ``E[1].sink(state)`` for each successor of ``E[0]``; with
        ``partial``, successors may leave variables unassigned (None), as the middle states
        of TLC's ``A \\cdot B`` (a TLCStateFun) do."""
        names = self.names
        label = action_name

        def emit(E):
            t = E[1]
            # (t.n counts the assigned variables: the scan, which compares every value
            # with None, only when one is missing)
            if t.n < len(t) and None in t and not partial:
                missing = [names[i] for i, v in enumerate(t) if v is None]
                many = len(missing) > 1
                what = f"action {label} of the next-state relation" if label else \
                    "the next-state action"
                raise EvalError(f"Successor state is not completely specified by {what}. The "
                                f"following variable{'s are' if many else ' is'} not "
                                f"defined: {', '.join(missing)}.")
            t.sink(tuple(t))
        if self.trail is not None:
            emit = noting(self.trail, emit)
        emit.agnostic = True  # type: ignore[attr-defined]
        return self.act(node, scope, emit, "next")

    def init(self, node, scope: Scope) -> Callable:
        """``fn(E)`` with ``E[0]`` a :class:`Partial`: sinks each initial state."""
        return self.init_chain([(node, scope)])

    def init_chain(self, preds: list) -> Callable:
        """The conjunction of several initial predicates, each in its own scope."""
        names = self.names

        def emit(E):
            s = E[0]
            if None in s:
                missing = [names[i] for i, v in enumerate(s) if v is None]
                raise EvalError("State is not completely specified by the initial predicate:"
                                f" the variable{'s' if len(missing) > 1 else ''} "
                                f"{', '.join(missing)} {'are' if len(missing) > 1 else 'is'} "
                                "not assigned.")
            s.sink(tuple(s))
        emit.agnostic = True  # type: ignore[attr-defined]
        k = emit
        for node, scope in reversed(preds):
            k = self.act(node, scope, k, "init")
        return k

    def enabled_fn(self, node, scope: Scope) -> Callable:
        """``fn(E) -> bool``: whether the action has a successor from ``E[0]``."""
        def found(E):
            raise _Enabled()
        found.agnostic = True  # type: ignore[attr-defined]
        saved = self.diag, self.enabled_mode, self.comp.pseudo, self.trail
        self.diag = None
        self.enabled_mode = True
        self.trail = None  # ENABLED inside an action is a guard, not branches of it
        pseudo: dict[str, int] = {}
        self.comp.pseudo = pseudo
        try:
            body = self.act(node, scope, found, "next")
        finally:
            self.diag, self.enabled_mode, self.comp.pseudo, self.trail = saved
        n = self.nvars

        def enabled(E):
            t = Partial([None] * (n + len(pseudo)))
            try:
                body((E[0], t) + E[2:])
            except _Enabled:
                return True
            return False
        return enabled

    def passes_through(self, f: Callable, k: Callable) -> Callable:
        """``f``, a step that reads only ``E[0]`` and ``E[1]`` and hands ``E`` on to ``k``:
        marked as needing no slicing of ``E`` when ``k`` needs none (see adapt_k). Marks
        (``agnostic``) are on the functions themselves, never kept by id: an id may be a
        later function's once this one is gone (a diagnosis compiles an action afresh and
        drops it)."""
        if getattr(k, "agnostic", False):
            f.agnostic = True  # type: ignore[attr-defined]
        return f

    def adapt_k(self, k: Callable, depth: int) -> Callable:
        """The continuation ``k`` (compiled at ``depth``) callable from a deeper scope."""
        if getattr(k, "agnostic", False):  # it ignores E beyond E[0] and E[1]
            return k

        def sliced(E):
            return k(E[:depth])
        return sliced

    def guard(self, code: Code, k: Callable, loc: S.Loc) -> Callable:
        gf = code.fn
        diag = self.diag
        if diag is not None:
            def dguard(E):
                try:
                    v = gf(E)
                except Exception as e:  # noqa: BLE001
                    raise wrap_error(e, loc) from None
                if v is True:
                    diag.depth += 1
                    try:
                        k(E)
                    finally:
                        diag.depth -= 1
                elif v is False:
                    diag.fail(loc, "false")
                else:
                    err = EvalError("TLC expected a boolean in computing next states, but "
                                    f"found {to_tla_any(v)}.")
                    err.push(loc)
                    raise err
            return dguard

        def guard(E):
            try:
                v = gf(E)
            except Exception as e:  # noqa: BLE001
                raise wrap_error(e, loc) from None
            if v is True:
                try:
                    k(E)
                except EvalError as e:
                    e.push(loc)
                    raise
            elif v is not False:
                err = EvalError("TLC expected a boolean in computing next states, but found "
                                f"{to_tla_any(v)}.")
                err.push(loc)
                raise err
        guard.plain = True  # type: ignore[attr-defined]
        return guard

    def act(self, node, scope: Scope, k: Callable, mode: str) -> Callable:
        method = getattr(self, "a_" + type(node).__name__, None)
        if method is not None:
            return method(node, scope, k, mode)
        return self.default(node, scope, k, mode)

    def default(self, node, scope, k, mode):
        code = self.comp.expr(node, scope)
        if code.level > ACTION:
            raise SemanticError("A temporal formula is used where an action is expected.",
                                node.loc)
        return self.guard(code, k, node.loc)

    def located(self, f: Callable, loc: S.Loc) -> Callable:
        if not Tracing.on:
            return f

        def located(E):
            try:
                f(E)
            except EvalError as e:
                e.push(loc)
                raise
        return located

    # ------------------------------------------------------------------ the rules

    # branching.py
    a_And = branching.a_And
    pending = branching.pending
    a_Or = branching.a_Or
    a_Quant = branching.a_Quant
    a_If = branching.a_If
    a_Case = branching.a_Case
    a_Let = branching.a_Let
    a_SubExpr = branching.a_SubExpr
    a_BoxAction = branching.a_BoxAction
    a_AngleAction = branching.a_AngleAction

    # definitions.py
    a_Name = definitions.a_Name
    composition = definitions.composition
    resolve = definitions.resolve
    expand = definitions.expand
    a_FnApp = definitions.a_FnApp

    # assignments.py
    target_var = assignments.target_var
    pseudo_var = assignments.pseudo_var
    var_index = assignments.var_index
    assignment = assignments.assignment
    unchanged = assignments.unchanged
    unchanged_pseudo = assignments.unchanged_pseudo


def describe_partial(names: list[str], t: list) -> str:
    return "\n".join(f"/\\ {n} = {to_tla_any(v) if v is not None else 'null'}"
                     for n, v in zip(names, t, strict=True))
