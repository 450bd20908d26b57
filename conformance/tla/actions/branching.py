"""How an action branches and sequences, as TLC's getNextStates does: conjunctions (with
the conjuncts still pending), disjunctions, quantifiers, IF, CASE, LET, ``[A]_v`` and
``<<A>>_v``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from conformance.tla import syntax as S
from conformance.tla.actions.trail import constant, entered, statically_false
from conformance.tla.compile import (
    ACTION,
    STATE,
    Scope,
    let_prelude,
    wrap_error,
)
from conformance.tla.compile.code import Tracing
from conformance.tla.compile.fieldindex import opening_field
from conformance.tla.compile.hoist import leading_guards
from conformance.tla.errors import EvalError, SpecError
from conformance.tla.lazy import Interval, each, to_tla_any
from conformance.tla.ops import eq
from conformance.values import FSet

if TYPE_CHECKING:
    from conformance.tla.actions.compiler import ActionCompiler



def a_And(ac: ActionCompiler, n: S.And, scope, k, mode):
    f = k
    items = n.items
    for item in reversed(items[1:]):
        f = ac.pending(item, scope, f, mode)
    f = ac.act(items[0], scope, f, mode)
    return ac.located(f, n.loc)


def pending(ac: ActionCompiler, item, scope: Scope, k: Callable, mode: str) -> Callable:
    r"""A conjunct waiting its turn (TLC's ActionItemList): once every variable is
    assigned, TLC evaluates the remaining conjuncts instead of entering them, so an
    ``\E`` or ``\/`` there no longer multiplies the successors."""
    actk = ac.act(item, scope, k, mode)
    if ac.enabled_mode or ac.trail is not None:
        # TLC's ENABLED has no shortcut for fully assigned states; and a step followed for
        # its branches must enter them
        return actk
    if getattr(actk, "plain", False) and ac.diag is None and not Tracing.on:
        # a guard (not a diagnosis's) does what the shortcut would: evaluate, continue if
        # TRUE (the positions of an error come from the traced run, which keeps both)
        return actk
    try:
        code = ac.comp.expr(item, scope)
    except SpecError:
        return actk
    if code.level > ACTION:
        return actk
    gf = code.fn
    slot = 1 if mode != "init" else 0
    nvars = ac.nvars
    loc = item.loc
    diag = ac.diag

    def pend(E):
        if E[slot].n != nvars:
            actk(E)
            return
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
        elif diag is not None:
            diag.fail(loc, "false")
    return pend


def a_Or(ac: ActionCompiler, n: S.Or, scope, k, mode):
    branches = [ac.act(item, scope, k, mode) for item in n.items]
    if ac.trail is not None and mode == "next":
        branches = [entered(ac, br, "disjunct", item, statically_false(ac, item, scope))
                    for br, item in zip(branches, n.items, strict=True)]
    diag = ac.diag
    if diag is not None:
        loc = n.loc

        def ddisj(E):
            start, depth = len(diag.failures), diag.depth
            for br in branches:
                br(E)
            added = diag.failures[start:]
            if len(added) > 1 and all(f[0] == depth for f in added):
                # every disjunct was false where it stood: what was false is the
                # disjunction, not whichever of its disjuncts came first
                del diag.failures[start:]
                diag.fail(loc, "false")
        return ac.located(ddisj, n.loc)
    if len(branches) == 2:
        a, b = branches

        def disj2(E):
            a(E)
            b(E)
        return ac.located(disj2, n.loc)

    def disj(E):
        for br in branches:
            br(E)
    return ac.located(disj, n.loc)


def a_Quant(ac: ActionCompiler, n: S.Quant, scope, k, mode):
    comp = ac.comp
    sets, shapes, inner = comp.bounds(n.bounds, scope)
    gen = comp.enumerate_bounds([s.fn for s in sets], shapes, n.loc)
    loc = n.loc
    if n.kind == "E":
        bodyk = ac.act(n.body, inner, ac.adapt_k(k, scope.depth), mode)
        single = len(sets) == 1 and shapes[0] is None
        sf = sets[0].fn

        if single:
            test = field_test(ac, n, inner, mode)
            if test is not None:
                exists1 = by_field(ac, sf, bodyk, loc, *test)
            else:
                def exists1(E):
                    try:
                        s = sf(E)
                        elems = each(s)
                    except Exception as e:  # noqa: BLE001
                        raise wrap_error(e, loc) from None
                    for v in elems:
                        bodyk(E + (v,))
            return ac.located(guarded_exists(ac, n, scope, inner, sets, mode, exists1), loc)

        def exists(E):
            try:
                combos = list(gen(E))
            except Exception as e:  # noqa: BLE001
                raise wrap_error(e, loc) from None
            for vals in combos:
                bodyk(E + vals)
        return ac.located(guarded_exists(ac, n, scope, inner, sets, mode, exists), loc)
    return forall_action(ac, n, scope, k, mode, sets, shapes, gen)


def field_test(ac: ActionCompiler, n: S.Quant, inner: Scope, mode: str) -> tuple | None:
    """``(field, c)`` when the body of ``\\E m \\in S`` opens with ``m.field = c`` (see
    compile.fieldindex); else None. Only in next-state actions, as ``guarded_exists``."""
    if mode != "next" or ac.diag is not None or ac.trail is not None or ac.enabled_mode \
            or Tracing.on:
        return None
    bound = n.bounds[0]
    if bound.is_tuple or len(bound.names) != 1:
        return None
    return opening_field(ac.comp, n.body, inner, bound.names[0])


def by_field(ac: ActionCompiler, sf: Callable, bodyk: Callable, loc, field: str,
             c) -> Callable:
    """``\\E m \\in S: m.field = c /\\ ...`` entered for the elements of S whose field is
    ``c`` only, in TLC's order (see compile.fieldindex); every element where S has no such
    index."""
    bucket = ac.comp.field_index.bucket

    def exists_by_field(E):
        try:
            s = sf(E)
            elems = bucket(s, field, c) if type(s) is FSet else None
            if elems is None:
                elems = each(s)
        except Exception as e:  # noqa: BLE001
            raise wrap_error(e, loc) from None
        for v in elems:
            bodyk(E + (v,))
    return exists_by_field


def guarded_exists(ac: ActionCompiler, n: S.Quant, scope: Scope, inner: Scope, sets: list,
                   mode: str, enter: Callable) -> Callable:
    """``enter`` (the bindings of ``\\E``, one by one) after the guards that open the body
    and read no bound variable, evaluated once (see ``leading_guards``): false, no binding
    would pass them; anything but true or false, the bindings report it as TLC does. The
    bounds are evaluated first, as TLC does, and must be sets that enumerate without an
    error (finite sets and intervals); anything else is left to ``enter``. Only in next-state
    actions: in an initial predicate a conjunct such as ``x = 1`` assigns."""
    if mode != "next" or ac.diag is not None or ac.trail is not None or ac.enabled_mode:
        return enter  # a diagnosis, a coverage trail and ENABLED follow every binding
    if any(b.is_tuple for b in n.bounds) or not all(s.pure for s in sets):
        return enter
    guards = leading_guards(ac.comp, n.body, scope, inner)
    if guards is None:
        return enter
    pad = (None,) * (inner.depth - scope.depth)
    set_fns = [s.fn for s in sets]

    def guarded(E):
        try:
            doms = [f(E) for f in set_fns]
            for d in doms:
                if type(d) is FSet:
                    d.ordered()  # as the enumeration will (kept by the set)
                elif type(d) is not Interval:
                    doms = None
                    break
        except Exception:  # noqa: BLE001 - reported by enter, as TLC reports it
            doms = None
        if doms is None:
            enter(E)
            return
        Ef = E + pad
        for g in guards:
            try:
                v = g(Ef)
            except Exception:  # noqa: BLE001 - the first binding reports it, with positions
                break
            if v is False:
                return
            if v is not True:
                break
        enter(E)
    return guarded


def forall_action(ac: ActionCompiler, n, scope, k, mode, sets, shapes, gen):
    """``\\A x \\in S : A`` with A an action: A for every x, one after the other."""
    d = scope.depth
    names = [nm for b in n.bounds for nm in b.names]
    inner = scope.bind_slots(["\\A-state"] + names)
    holder: list = [None]
    slot = 1 if mode != "init" else 0
    nvars = ac.nvars
    try:
        bf = ac.comp.expr(n.body, inner).fn
    except SpecError:
        bf = None

    def after(E2):
        elems, idx = E2[d]
        if bf is not None and E2[slot].n == nvars:
            base = E2[:d]
            for j in range(idx + 1, len(elems)):
                v = bf(base + ((elems, j),) + elems[j])
                if v is not True:
                    if v is False:
                        return
                    raise EvalError(f"The body of \\A is not a boolean: {to_tla_any(v)}")
            k(base)
        elif idx + 1 < len(elems):
            holder[0](E2[:d] + ((elems, idx + 1),) + elems[idx + 1])
        else:
            k(E2[:d])
    holder[0] = ac.act(n.body, inner, after, mode)
    loc = n.loc

    def forall(E):
        try:
            combos = list(gen(E))
        except Exception as e:  # noqa: BLE001
            raise wrap_error(e, loc) from None
        if not combos:
            k(E)
            return
        holder[0](E + ((combos, 0),) + combos[0])
    return ac.located(forall, loc)


def a_If(ac: ActionCompiler, n: S.If, scope, k, mode):
    c = ac.comp.expr(n.cond, scope)
    tk = ac.act(n.then, scope, k, mode)
    fk = ac.act(n.else_, scope, k, mode)
    cf, loc = c.fn, n.loc
    if ac.trail is not None and mode == "next":
        v = constant(c, scope)
        tk = entered(ac, tk, "then", n.then, v is False)
        fk = entered(ac, fk, "else", n.else_, v is True)

    def ite(E):
        try:
            cv = cf(E)
        except Exception as e:  # noqa: BLE001
            raise wrap_error(e, loc) from None
        if cv is True:
            tk(E)
        elif cv is False:
            fk(E)
        else:
            err = EvalError("In computing next states, a non-boolean expression was used "
                            f"as the condition of an IF: {to_tla_any(cv)}")
            err.push(loc)
            raise err
    return ac.located(ite, loc)


def a_Case(ac: ActionCompiler, n: S.Case, scope, k, mode):
    arms = [(ac.comp.expr(c, scope).fn, ac.act(v, scope, k, mode)) for c, v in n.arms]
    other = ac.act(n.other, scope, k, mode) if n.other is not None else None
    loc = n.loc
    if ac.trail is not None and mode == "next":
        arms = [(cf, entered(ac, vk, "arm", v,
                             constant(ac.comp.expr(c, scope), scope) is False))
                for (cf, vk), (c, v) in zip(arms, n.arms, strict=True)]
        if other is not None:
            assert n.other is not None
            other = entered(ac, other, "other", n.other, False)

    def case(E):
        for cf, vk in arms:
            try:
                cv = cf(E)
            except Exception as e:  # noqa: BLE001
                raise wrap_error(e, loc) from None
            if cv is True:
                vk(E)
                return
            if cv is not False:
                err = EvalError("In computing next states, a non-boolean expression was "
                                f"used as a guard condition of a CASE: {to_tla_any(cv)}")
                err.push(loc)
                raise err
        if other is None:
            err = EvalError("In computing next states, TLC encountered a CASE with no "
                            "conditions true.")
            err.push(loc)
            raise err
        other(E)
    return ac.located(case, loc)


def a_Let(ac: ActionCompiler, n: S.Let, scope, k, mode):
    # in the initial predicate a definition reading variables is evaluated where it is
    # used, as TLC's lazily evaluated LET: the variables may be assigned after the LET
    inner, slot_fns = ac.comp.let_scope(n.defs, scope, STATE if mode == "init" else ACTION)
    if not slot_fns:
        return ac.act(n.body, inner, k, mode)
    bk = ac.act(n.body, inner, ac.adapt_k(k, scope.depth), mode)
    pre = let_prelude(slot_fns)

    def let(E):
        bk(pre(E))
    return let


def a_SubExpr(ac: ActionCompiler, n: S.SubExpr, scope, k, mode):
    node, inner = ac.comp.subexpression(n, scope)
    return ac.act(node, inner, k, mode)


def a_BoxAction(ac: ActionCompiler, n: S.BoxAction, scope, k, mode):
    a = ac.act(n.action, scope, k, mode)
    u = ac.unchanged(n.sub, scope, k, n.loc)

    def box(E):
        a(E)
        u(E)
    return box


def a_AngleAction(ac: ActionCompiler, n: S.AngleAction, scope, k, mode):
    # the subscript is compiled after the action, so that it reads the variables the
    # action assigns by name in ENABLED (see pseudo_var)
    subs: list = [None, None]

    def changed(E):
        if not eq(subs[0](E), subs[1](E)):
            k(E)
    body = ac.act(n.action, scope, changed, mode)
    subs[0] = ac.comp.expr(n.sub, scope).fn
    subs[1] = ac.comp.expr(n.sub, scope.as_primed()).fn
    return body
