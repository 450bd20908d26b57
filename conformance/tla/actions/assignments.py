"""Assignments: ``x' = e`` and ``x' \\in S`` assign a variable still free and test it
otherwise, UNCHANGED assigns from the current state; which expression names which
variable (through parameters, LET, definitions and instance substitutions)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from conformance.tla import syntax as S
from conformance.tla.compile import (
    STATE,
    Code,
    Scope,
    UserOp,
    substitution_expr,
    wrap_error,
)
from conformance.tla.errors import EvalError, SpecError
from conformance.tla.lazy import LazyFn, LazySet, Powerset, each, is_set, member, to_tla_any
from conformance.tla.modules import DefSym, ImportedSym, VarSym
from conformance.values import Fn, FSet, ModelValue, Tup, same_value

if TYPE_CHECKING:
    from conformance.tla.actions.compiler import ActionCompiler


_CONCRETE = frozenset({int, str, bool, Tup, Fn, FSet})


def _canon(v):
    if type(v) in _CONCRETE:
        return v
    if isinstance(v, (LazySet, LazyFn)):
        try:
            return v.materialize()
        except EvalError:  # TLC assigns the value as it is; fingerprinting the state fails
            return v
    return v


def _equal(old, v) -> bool:
    """``old = v`` for a variable assigned already (the validator binds the next state's
    values from the trace before the action runs): Python's equality, refined so that an
    integer is never taken for a boolean at any depth (``[g |-> 1]`` is not ``[g |-> TRUE]``;
    TLC would not equate them either). Two functions are first walked in their keys' order,
    key by key, entry by entry: a value the action made from the state before (a bag with
    one message more, a function with one entry changed) lists the keys it kept in their
    order, as the trace's value taken from that state does (see the validator's _taken),
    so no key is hashed; where the keys do not pair up in order, Python's equality pairs
    them."""
    t = type(old)
    if t is Fn and type(v) is Fn:
        om, vm = old.map, v.map
        if len(om) != len(vm):
            return False
        for (ka, xa), (kb, xb) in zip(om.items(), vm.items()):
            if ka is not kb and not (ka == kb and same_value(ka, kb)):
                break  # not in the same order
            if xa is not xb and not _equal(xa, xb):
                return False  # (one key, two entries)
        else:
            return True
    elif t is Tup and type(v) is Tup:
        return len(old) == len(v) and all(a is b or _equal(a, b) for a, b in zip(old, v))
    return old == v and same_value(old, v if type(v) in _CONCRETE else _canon(v))


def _member_kind(old, s) -> bool:
    """After ``member(old, s)`` held: whether an element of ``s`` is ``old`` as a TLA+
    value, not only as a Python one (``1 \\in BOOLEAN`` is FALSE). Only sets of concrete
    elements are looked at; others are taken as ``member`` judged them."""
    if type(s) is not FSet or type(old) is str or type(old) is ModelValue:
        return True
    return any(x is old or (x == old and same_value(x, old)) for x in s)


def definition_of(ac: ActionCompiler, sym, scope: Scope):
    """A name TLC sees through when it looks for the variable an expression names: a
    0-arity definition of the spec (not replaced by the .cfg), or one an unnamed INSTANCE
    brought, with the context its body is read in; else None."""
    ctx = scope.ctx
    comp = ac.comp
    if isinstance(sym, ImportedSym):
        outer = ctx if sym.home is ctx.env else comp.ctx(sym.home, ctx.inst)
        inner = comp.inst(sym.decl, sym.target, outer)
        sym = sym.sym
        if not isinstance(sym, DefSym) or sym.home is None:
            return None
        ctx = comp.ctx(sym.home, inner)
    elif isinstance(sym, DefSym) and sym.home is not ctx.env:
        ctx = comp.ctx(sym.home, ctx.inst)
    if isinstance(sym, DefSym) and sym.arity == 0 and sym.native is None and \
            sym.node is not None and sym not in comp.overrides:
        return sym.node.body, ctx
    return None


def target_var(ac: ActionCompiler, lhs, scope: Scope, mode: str) -> int | None:
    """The index of the variable ``lhs`` assigns (``x'`` in an action, ``x`` in an
    initial predicate), or None if it is not a (still) assignable variable. Like TLC's
    getPrimedVar, it sees through parameters, LET and 0-arity definitions."""
    if isinstance(lhs, S.Name) and not lhs.args and not lhs.prefix:
        b = scope.locals.get(lhs.name)
        if b is not None:
            if b.node is not None and b.scope is not None:
                return ac.target_var(b.node, b.scope, mode)
            return None
    if isinstance(lhs, S.Let):  # (LET y == x' IN y) = e
        inner, slots = ac.comp.let_scope(lhs.defs, scope)
        return None if slots else ac.target_var(lhs.body, inner, mode)
    if mode == "init":
        return ac.var_index(lhs, scope)
    if isinstance(lhs, S.Prime) and isinstance(lhs.expr, S.Name) and lhs.expr.prefix and \
            not lhs.expr.args:  # I!F' with F == x
        try:
            op = ac.comp.resolve_prefixed(lhs.expr, scope)
        except SpecError:
            return None
        if isinstance(op, UserOp) and op.arity == 0 and op.sym.node is not None and \
                op.sym not in ac.comp.overrides:
            return ac.target_var(S.Prime(lhs.loc, op.sym.node.body),
                                 Scope(op.ctx, None, scope.depth), mode)
        return None
    if isinstance(lhs, S.Prime):
        if ac.enabled_mode:  # TLC's ENABLED binds an instance's variables by name
            j = ac.pseudo_var(lhs.expr, scope)
            if j is not None:
                return j
        return ac.var_index(lhs.expr, scope)
    if isinstance(lhs, S.Name) and not lhs.args and not lhs.prefix:
        found = definition_of(ac, scope.ctx.env.lookup(lhs.name), scope)
        if found is not None:
            body, ctx = found
            return ac.target_var(body, Scope(ctx, None, scope.depth), mode)
    if isinstance(lhs, S.Name) and not lhs.args and lhs.prefix:  # I!F with F == x'
        try:
            op = ac.comp.resolve_prefixed(lhs, scope)
        except SpecError:
            return None
        if isinstance(op, UserOp) and op.arity == 0 and op.sym.node is not None and \
                op.sym not in ac.comp.overrides:
            return ac.target_var(op.sym.node.body, Scope(op.ctx, None, scope.depth), mode)
    return None


def pseudo_var(ac: ActionCompiler, node, scope: Scope) -> int | None:
    """In ENABLED, a variable of an instantiated module is assigned by name (TLC binds it
    in its partial state, even where two of them stand for one variable of the spec): its
    extra slot."""
    if not isinstance(node, S.Name) or node.args or node.prefix or \
            scope.locals.get(node.name) is not None or ac.comp.pseudo is None:
        return None  # (no pseudo: an argument under ENABLED, see definitions.a_Name)
    sym = scope.ctx.env.lookup(node.name)
    inst = scope.ctx.inst
    if not isinstance(sym, VarSym) or inst is None or not inst.substitutes(sym):
        return None
    sub = substitution_expr(inst, sym)
    if isinstance(sub, S.Name) and sub.name == sym.name and not sub.args and not sub.prefix:
        outer = ac.comp.instance_scope(inst)
        if outer.locals.get(sub.name) is None and \
                isinstance(outer.ctx.env.lookup(sub.name), VarSym):
            # x <- x (or no WITH for x) where x is a variable of the module around the
            # instance: that variable, itself perhaps an instance's
            return ac.pseudo_var(sub, outer)
    pseudo = ac.comp.pseudo
    assert pseudo is not None
    if sym.name not in pseudo:
        pseudo[sym.name] = ac.nvars + len(pseudo)
    return pseudo[sym.name]


def var_index(ac: ActionCompiler, node, scope: Scope) -> int | None:
    if not isinstance(node, S.Name) or node.args or node.prefix:
        return None
    b = scope.locals.get(node.name)
    if b is not None:
        if b.node is not None and b.scope is not None:
            return ac.var_index(b.node, b.scope)
        return None
    sym = scope.ctx.env.lookup(node.name)
    if isinstance(sym, VarSym):
        inst = scope.ctx.inst
        if inst is not None and inst.substitutes(sym):
            return ac.var_index(substitution_expr(inst, sym),
                                  ac.comp.instance_scope(inst))
        return sym.index if sym.index >= 0 else None
    found = definition_of(ac, sym, scope)
    if found is not None:
        body, ctx = found
        return ac.var_index(body, Scope(ctx, None, scope.depth))
    return None


def assignment(ac: ActionCompiler, n: S.Name, i: int, scope: Scope, k, mode) -> Callable:
    op = n.name
    rhs = ac.comp.expr(n.args[1], scope)
    rf, loc = rhs.fn, n.loc
    slot = 1 if mode != "init" else 0
    diag = ac.diag
    vname = ac.names[i] if i < len(ac.names) else "(instance variable)"
    if op == "=":
        def assign(E):
            t = E[slot]
            try:
                v = rf(E)
            except Exception as e:  # noqa: BLE001
                raise wrap_error(e, loc) from None
            old = t[i]
            if old is None:
                if type(v) not in _CONCRETE:
                    v = _canon(v)
                t[i] = v
                t.n += 1
                try:
                    if diag is not None:
                        diag.depth += 1
                        try:
                            k(E)
                        finally:
                            diag.depth -= 1
                    else:
                        k(E)
                except EvalError as e:
                    e.push(loc)
                    raise
                finally:
                    t[i] = None
                    t.n -= 1
            elif old is v or _equal(old, v):
                try:
                    if diag is not None:
                        diag.depth += 1
                        try:
                            k(E)
                        finally:
                            diag.depth -= 1
                    else:
                        k(E)
                except EvalError as e:
                    e.push(loc)
                    raise
            elif diag is not None:
                diag.fail(loc, f"{vname}' would be {to_tla_any(v)}, but is "
                               f"{to_tla_any(old)}")
        return assign

    is_subset = op == "\\subseteq"

    def assign_in(E):
        t = E[slot]
        try:
            s = rf(E)
            if is_subset:
                s = Powerset(s)
            old = t[i]
            if old is None:
                if type(s) is FSet:
                    elems = s.ordered()
                elif is_set(s):
                    elems = each(s)
                else:
                    raise EvalError("In computing next states, the right side of \\IN is "
                                    f"not enumerable:\n{to_tla_any(s)}")
            else:
                elems = None
                ok = member(old, s) and _member_kind(old, s)
        except Exception as e:  # noqa: BLE001
            raise wrap_error(e, loc) from None
        if elems is not None:
            t.n += 1
            try:
                for v in elems:
                    t[i] = v if type(v) in _CONCRETE else _canon(v)
                    k(E)
            except EvalError as e:
                e.push(loc)
                raise
            finally:
                t[i] = None
                t.n -= 1
        elif ok:
            try:
                k(E)
            except EvalError as e:
                e.push(loc)
                raise
        elif diag is not None:
            diag.fail(loc, f"{vname}' = {to_tla_any(old)} is not in {to_tla_any(s)}")
    return assign_in


def unchanged(ac: ActionCompiler, expr, scope: Scope, k, loc: S.Loc) -> Callable:
    """TLC's processUnchanged: variables are assigned their current values."""
    if ac.enabled_mode:
        j = ac.pseudo_var(expr, scope)
        if j is not None:
            return ac.unchanged_pseudo(expr, j, scope, k, loc)
    if not ac.enabled_mode:
        several = plain_variables(ac, expr, scope)
        if several is not None and len(several) > 1:
            return keep_all(ac, several, k, loc)
    i = ac.var_index(expr, scope)
    if i is not None:
        diag = ac.diag
        vname = ac.names[i] if i < len(ac.names) else "(instance variable)"

        def keep(E):
            t = E[1]
            v = E[0][i]
            old = t[i]
            if old is None:
                t[i] = v
                t.n += 1
                try:
                    k(E)
                except EvalError as e:
                    e.push(loc)
                    raise
                finally:
                    t[i] = None
                    t.n -= 1
            elif old is v or _equal(old, v):
                k(E)
            elif diag is not None:
                diag.fail(loc, f"{vname} should be unchanged ({to_tla_any(v)}), but "
                               f"{vname}' is {to_tla_any(old)}")
        return ac.passes_through(keep, k)
    if ac.enabled_mode:
        j = ac.pseudo_var(expr, scope)
        if j is not None:
            return ac.unchanged_pseudo(expr, j, scope, k, loc)
    if isinstance(expr, S.Tuple):
        f = k
        for item in reversed(expr.elems):
            f = ac.unchanged(item, scope, f, loc)
        return f
    if isinstance(expr, S.Name) and not expr.args and not expr.prefix:
        # TLC's processUnchanged sees through names: parameters, LET, definitions and
        # the substitutions of an instantiated module's variables
        b = scope.locals.get(expr.name)
        if b is not None:
            if b.node is not None and b.scope is not None:
                inner = Scope(b.scope.ctx, b.scope.locals, scope.depth, scope.primed)
                return ac.unchanged(b.node, inner, k, loc)
        else:
            sym = scope.ctx.env.lookup(expr.name)
            if isinstance(sym, VarSym):
                inst = scope.ctx.inst
                if inst is not None and inst.substitutes(sym):
                    sub = substitution_expr(inst, sym)
                    outer = ac.comp.instance_scope(inst)
                    inner = Scope(outer.ctx, outer.locals, scope.depth, scope.primed)
                    return ac.unchanged(sub, inner, k, loc)
            found = definition_of(ac, sym, scope)
            if found is not None:
                body, ctx = found
                return ac.unchanged(body, Scope(ctx, None, scope.depth, scope.primed), k, loc)
    comp = ac.comp
    now = comp.expr(expr, scope)
    then = comp.expr(expr, scope.as_primed())
    nf, tf = now.fn, then.fn
    check = Code(lambda E: nf(E) == tf(E), max(now.level, STATE) + 1, now.deps)
    return ac.guard(check, k, loc)


def plain_variables(ac: ActionCompiler, expr, scope: Scope) -> list[int] | None:
    """The variables ``UNCHANGED expr`` keeps, in order, when it names variables alone
    (through tuples, parameters, definitions and instance substitutions, as
    :func:`unchanged` sees through them); None when anything else is in it."""
    i = ac.var_index(expr, scope)
    if i is not None:
        return [i]
    if isinstance(expr, S.Tuple):
        out: list[int] = []
        for item in expr.elems:
            got = plain_variables(ac, item, scope)
            if got is None:
                return None
            out += got
        return out
    if isinstance(expr, S.Name) and not expr.args and not expr.prefix:
        b = scope.locals.get(expr.name)
        if b is not None:
            if b.node is not None and b.scope is not None:
                inner = Scope(b.scope.ctx, b.scope.locals, scope.depth, scope.primed)
                return plain_variables(ac, b.node, inner)
            return None
        sym = scope.ctx.env.lookup(expr.name)
        if isinstance(sym, VarSym):
            inst = scope.ctx.inst
            if inst is not None and inst.substitutes(sym):
                outer = ac.comp.instance_scope(inst)
                inner = Scope(outer.ctx, outer.locals, scope.depth, scope.primed)
                return plain_variables(ac, substitution_expr(inst, sym), inner)
        found = definition_of(ac, sym, scope)
        if found is not None:
            body, ctx = found
            return plain_variables(ac, body, Scope(ctx, None, scope.depth, scope.primed))
    return None


def keep_all(ac: ActionCompiler, indexes: list[int], k, loc: S.Loc) -> Callable:
    """``UNCHANGED <<x, y, ...>>`` of variables alone, in one step rather than one nested
    call per variable: each is assigned its current value when free and tested otherwise,
    in order, exactly as the chain of single UNCHANGEDs does (the same failure for the
    diagnosis, the same position pushed on an error once per variable it assigned)."""
    diag = ac.diag
    names = ac.names
    idx = tuple(indexes)

    def keep(E):
        t = E[1]
        s = E[0]
        assigned: list[int] = []
        try:
            for i in idx:
                old = t[i]
                v = s[i]
                if old is None:
                    t[i] = v
                    t.n += 1
                    assigned.append(i)
                elif old is not v and not _equal(old, v):
                    if diag is not None:
                        vname = names[i] if i < len(names) else "(instance variable)"
                        diag.fail(loc, f"{vname} should be unchanged ({to_tla_any(v)}), "
                                       f"but {vname}' is {to_tla_any(old)}")
                    return
            k(E)
        except EvalError as e:
            for _ in assigned:
                e.push(loc)
            raise
        finally:
            if assigned:
                for j in assigned:
                    t[j] = None
                t.n -= len(assigned)
    return ac.passes_through(keep, k)


def unchanged_pseudo(ac: ActionCompiler, expr, j: int, scope: Scope, k, loc: S.Loc) -> Callable:
    """UNCHANGED of a substituted instance variable under ENABLED: TLC binds it by name
    to the current value of its substitution (getVar stops at the substitution)."""
    now = ac.comp.expr(expr, scope).fn

    def keep_pseudo(E):
        t = E[1]
        try:
            v = _canon(now(E))
        except Exception as e:  # noqa: BLE001
            raise wrap_error(e, loc) from None
        old = t[j]
        if old is None:
            t[j] = v
            t.n += 1
            try:
                k(E)
            finally:
                t[j] = None
                t.n -= 1
        elif _equal(old, v):
            k(E)
    return keep_pseudo
