"""Rules for expressions above state level: ``[A]_v``, ``<<A>>_v``, fairness, ENABLED and
action composition ``A \\cdot B`` (both computed by the successor generator)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from conformance.tla import syntax as S
from conformance.tla.compile.code import ACTION, NO_DEPS, STATE, TEMPORAL, Code, guarded, merge
from conformance.tla.compile.scopes import Scope
from conformance.tla.errors import EvalError, Unsupported
from conformance.tla.lazy import to_tla_any
from conformance.tla.ops import eq

if TYPE_CHECKING:
    from conformance.tla.compile.compiler import Compiler


def e_BoxAction(comp: Compiler, n: S.BoxAction, scope):
    r"""``[A]_v`` as a predicate of a step: ``A \/ v' = v``."""
    a = comp.expr(n.action, scope)
    v = comp.expr(n.sub, scope)
    vp = comp.expr(n.sub, scope.as_primed())
    level, deps, pure, binds = merge([a, v, vp])
    af, vf, vpf = a.fn, v.fn, vp.fn

    def box(E):
        r = af(E)
        if r is True:
            return True
        if r is not False:
            raise EvalError(f"The action of [A]_v is not a boolean:\n{to_tla_any(r)}")
        return eq(vf(E), vpf(E))
    return Code(guarded(box, n.loc), max(level, ACTION), deps, pure, binds, loc=n.loc)


def e_AngleAction(comp: Compiler, n: S.AngleAction, scope):
    r"""``<<A>>_v``: ``A /\ v' # v``."""
    a = comp.expr(n.action, scope)
    v = comp.expr(n.sub, scope)
    vp = comp.expr(n.sub, scope.as_primed())
    level, deps, pure, binds = merge([a, v, vp])
    af, vf, vpf = a.fn, v.fn, vp.fn

    def angle(E):
        r = af(E)
        if r is False:
            return False
        if r is not True:
            raise EvalError(f"The action of <<A>>_v is not a boolean:\n{to_tla_any(r)}")
        return not eq(vf(E), vpf(E))
    return Code(guarded(angle, n.loc), max(level, ACTION), deps, pure, binds, loc=n.loc)


def e_Fairness(comp: Compiler, n: S.Fairness, scope):
    a = comp.expr(n.action, scope)
    v = comp.expr(n.sub, scope)
    level, deps, pure, binds = merge([a, v])
    loc = n.loc

    def fair(E):
        err = EvalError(f"The fairness condition {n.kind}_v(A) cannot be evaluated as "
                        "part of a state or action.")
        err.push(loc)
        raise err
    return Code(fair, TEMPORAL, deps, False, binds, loc=loc)


def enabled(comp: Compiler, action, scope: Scope, loc: S.Loc) -> Code:
    if comp.actions is None:
        raise Unsupported("ENABLED outside a model", loc)
    fn = comp.actions.enabled_fn(action, scope)
    return Code(guarded(fn, loc), STATE, NO_DEPS, False, True, loc=loc)


def composition(comp: Compiler, args, scope: Scope, loc: S.Loc) -> Code:
    """``A \\cdot B`` as a formula of two states ``s``, ``u``: some successor ``t`` of
    ``s`` under ``A`` has ``u`` as a ``B``-successor (TLC's eval of \\cdot)."""
    from conformance.tla.actions import Partial

    acomp = comp.actions
    if acomp is None:
        raise Unsupported("\\cdot outside a model", loc)
    a_fn = acomp.next_action(args[0], scope, partial=True)
    b = comp.expr(args[1], scope)
    b_fn, nvars = b.fn, acomp.nvars

    def cdot(E):
        middle: list = []
        t = Partial([None] * nvars)
        t.sink = middle.append
        rest = E[2:]
        a_fn((E[0], t) + rest)
        for s in middle:
            if b_fn((s, E[1]) + rest) is True:
                return True
        return False
    return Code(guarded(cdot, loc), ACTION, b.deps, False, b.binds, loc=loc)
