"""Names in an action: definitions entered in place with their arguments (TLC reads
``x' = e`` by where it stands), function constructors entered when applied, ``=>`` and
action composition ``A \\cdot B``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from conformance.tla import syntax as S
from conformance.tla.actions.partial import Partial
from conformance.tla.compile import (
    ACTION,
    CONST,
    STATE,
    Binding,
    LetOp,
    Scope,
    UserOp,
    wrap_error,
)
from conformance.tla.errors import EvalError, SemanticError, Unsupported
from conformance.tla.lazy import LazyFn, member, to_tla_any
from conformance.tla.modules import DefSym, VarSym
from conformance.values import Tup

if TYPE_CHECKING:
    from conformance.tla.actions.compiler import ActionCompiler



def a_Name(ac: ActionCompiler, n: S.Name, scope, k, mode):
    comp = ac.comp
    if not n.prefix and n.name in ("=", "\\in", "\\subseteq") and len(n.args) == 2 \
            and scope.locals.get(n.name) is None:
        idx = ac.target_var(n.args[0], scope, mode)
        if idx is not None:
            return ac.assignment(n, idx, scope, k, mode)
    if not n.prefix and n.name == "UNCHANGED" and scope.locals.get("UNCHANGED") is None \
            and mode != "init":
        return ac.unchanged(n.args[0], scope, k, n.loc)
    if not n.prefix and n.name == "=>" and len(n.args) == 2:
        a = comp.expr(n.args[0], scope)
        bk = ac.act(n.args[1], scope, k, mode)
        af, loc = a.fn, n.loc

        def implies(E):
            try:
                v = af(E)
            except Exception as e:  # noqa: BLE001
                raise wrap_error(e, loc) from None
            if v is True:
                bk(E)
            elif v is False:
                k(E)
            else:
                err = EvalError("The antecedent of => is not a boolean.")
                err.push(loc)
                raise err
        return ac.located(implies, loc)
    if not n.prefix and n.name == "\\cdot" and len(n.args) == 2 and mode == "next" \
            and scope.locals.get(n.name) is None:
        return ac.composition(n, scope, k)
    if not n.prefix and not n.args:
        b = scope.locals.get(n.name)
        if b is not None and b.node is not None and b.scope is not None and \
                (b.let or b.kind == "code"):
            # TLC enters a LET definition (and an unevaluated argument) in place
            inner = Scope(b.scope.ctx, b.scope.locals, scope.depth, scope.primed)
            if b.let or comp.pseudo is None:
                return ac.act(b.node, inner, k, mode)
            # an argument under ENABLED is its expression with its instance's
            # substitutions applied, primed variables too (TLC: B(d) == ENABLED d of an
            # instance with u <- x, v <- x, applied to u' = u /\ v' = v + 1, is
            # ENABLED (x' = x /\ x' = x + 1)): no fresh variables by name for it
            saved, comp.pseudo = comp.pseudo, None
            try:
                return ac.act(b.node, inner, k, mode)
            finally:
                comp.pseudo = saved
    op = ac.resolve(n, scope)
    if op is None:
        return ac.guard(comp.expr(n, scope), k, n.loc)
    return ac.expand(op, n, scope, k, mode)


def composition(ac: ActionCompiler, n: S.Name, scope: Scope, k) -> Callable:
    """``A \\cdot B`` as TLC's (experimental) action composition computes it: the
    successors ``t`` of ``A``, then the successors of ``B`` from each ``t``, all
    reported as successors of the current state. ``A`` runs with the rest of the
    conjunction (TLC hands it the pending conjuncts too), except under ENABLED."""
    if ac.enabled_mode:
        def collect(E):
            t = E[1]
            if None not in t:
                t.sink(tuple(t))
        collect.agnostic = True  # type: ignore[attr-defined]
        a_fn = ac.act(n.args[0], scope, collect, "next")
    else:
        a_fn = ac.act(n.args[0], scope, k, "next")
    b_fn = ac.act(n.args[1], scope, k, "next")

    def cdot(E):
        s0, s1 = E[0], E[1]
        # TLC's s0.copyWith(s1): what the next state fixes so far, at its current values
        t0 = Partial([s0[i] if v is not None and i < len(s0) else None
                      for i, v in enumerate(s1)])
        middle: list = []
        t0.sink = middle.append
        rest = E[2:]
        a_fn((s0, t0) + rest)
        if s1.extra is not None:
            s1.extra(len(middle))
        for t in middle:
            u = Partial(s1)
            u.sink, u.extra = s1.sink, s1.extra
            b_fn((t, u) + rest)
    return ac.located(cdot, n.loc)


def resolve(ac: ActionCompiler, n: S.Name, scope: Scope):
    """The user-defined operator a name applies (for expansion), or None."""
    comp = ac.comp
    if n.prefix:
        op = comp.resolve_prefixed(n, scope)
    else:
        b = scope.locals.get(n.name)
        if b is not None:
            if b.kind == "op" and isinstance(b.op, LetOp):
                return b.op
            return None
        sym = scope.ctx.env.lookup(n.name)
        if sym is None or isinstance(sym, VarSym):
            return None
        try:
            op = comp.sym_op(sym, scope.ctx, n.loc)
        except SemanticError:
            return None
    if isinstance(op, (UserOp, LetOp)):
        return op
    return None


def expand(ac: ActionCompiler, op, n: S.Name, scope: Scope, k, mode) -> Callable:
    """An action-level definition applied in place: its body, with its parameters bound
    to the arguments (constants and state-level arguments evaluated once)."""
    comp = ac.comp
    if isinstance(op, UserOp):
        node, ctx = op.sym.node, op.ctx
        assert node is not None, "natives are not expanded"
        base_locals: dict = {}
        key = op.sym
    else:
        node, ctx = op.node, op.scope.ctx
        base_locals = dict(op.scope.locals)
        key = op
    if key in ac.inlining:
        raise Unsupported(f"a recursive action ({node.name})", n.loc)
    locals_ = dict(base_locals)
    slot_fns: list = []
    depth = scope.depth
    for p, a in zip(node.params, n.args, strict=True):
        if p.arity:
            locals_[p.name] = Binding("op", op=comp.arg_op(a, scope))
            continue
        code = comp.expr(a, scope)
        # an argument that reads variables the initial predicate may not have assigned yet
        # is evaluated where it is used, as TLC's lazily evaluated arguments are
        if code.known or code.level >= ACTION or (not code.deps and code.level == CONST) \
                or (mode == "init" and code.level >= STATE):
            locals_[p.name] = Binding("code", code=code, depth=scope.depth, node=a,
                                      scope=scope)
        else:
            # evaluate once into a slot, as TLC caches an argument's value
            arg_scope_depth = depth + len(slot_fns)
            locals_[p.name] = Binding("lazyslot", index=arg_scope_depth, code=code,
                                      level=code.level, node=a, scope=scope)
            slot_fns.append((comp.adapt(code, scope.depth, arg_scope_depth).fn, code))
    inner = Scope(ctx, locals_, depth + len(slot_fns), scope.primed)
    ac.inlining.append(key)
    try:
        if slot_fns:
            bk = ac.act(node.body, inner, ac.adapt_k(k, depth), mode)
        else:
            bk = ac.act(node.body, inner, k, mode)
    finally:
        ac.inlining.pop()
    loc = n.loc
    if slot_fns:
        fns = [f for f, _ in slot_fns]

        def call(E):
            for f in fns:
                try:
                    E = E + (f(E),)
                except EvalError as e:
                    e.push(loc)
                    raise
            bk(E)
        return ac.located(call, loc)
    return ac.located(bk, loc)


def a_FnApp(ac: ActionCompiler, n: S.FnApp, scope, k, mode):
    r"""``f[x]`` where f is a function constructor evaluated lazily: TLC enters its body
    (a function application of a FcnLambdaValue in getNextStates), so a disjunction or
    ``\E`` in it branches like any action."""
    target = fn_target(ac, n.fn, scope)
    if target is None:
        return ac.default(n, scope, k, mode)
    fcons, fscope = target
    holder = entered_fn(ac, fcons, fscope, mode)
    comp = ac.comp
    fval = comp.expr(n.fn, scope).fn
    if len(n.args) == 1:
        argf = comp.expr(n.args[0], scope).fn
    else:
        argfs = [comp.expr(a, scope).fn for a in n.args]

        def argf(E):
            return Tup([g(E) for g in argfs])
    base = fscope.depth
    nnames = sum(len(b.names) for b in fcons.bounds)
    loc = n.loc
    from conformance.tla.ops import domain as fn_domain

    def call(E):
        try:
            f = fval(E)
            x = argf(E)
            dom = f.domain if isinstance(f, LazyFn) else fn_domain(f)
            if not member(x, dom):
                raise EvalError(f"Attempted to apply function:\n{to_tla_any(f)}\nto "
                                f"argument {to_tla_any(x)}, which is not in the domain "
                                "of the function.")
            if nnames == 1:
                vals = (x,)
            elif type(x) is Tup and len(x) == nnames:
                vals = tuple(x)
            else:
                raise EvalError(f"Attempted to apply a function of {nnames} arguments "
                                f"to {to_tla_any(x)}.")
        except Exception as e:  # noqa: BLE001
            raise wrap_error(e, loc) from None
        holder[0](E[:base] + ((lambda _E2: k(E)), f) + vals)
    return ac.located(call, loc)


def fn_target(ac: ActionCompiler, fn_node, scope: Scope):
    """The function constructor (and its scope) a function expression denotes, when TLC
    would hold it as an unevaluated function (a LET, a state-level definition)."""
    if isinstance(fn_node, S.FnCons) and fn_node.recursive is None:
        return fn_node, scope
    if not isinstance(fn_node, S.Name) or fn_node.args or fn_node.prefix:
        return None
    b = scope.locals.get(fn_node.name)
    if b is not None:
        if isinstance(b.node, S.FnCons) and b.scope is not None:
            return b.node, b.scope
        return None
    sym = scope.ctx.env.lookup(fn_node.name)
    if isinstance(sym, DefSym) and sym.arity == 0 and sym.native is None and \
            sym.node is not None and isinstance(sym.node.body, S.FnCons) and \
            sym not in ac.comp.overrides:
        ctx = ac.comp.ctx(sym.home, scope.ctx.inst) if sym.home is not scope.ctx.env \
            else scope.ctx
        fscope = Scope(ctx, None, 2, scope.primed)
        if ac.comp.expr(sym.node.body, fscope).level == CONST:
            return None  # TLC evaluates constant definitions once, into a table
        return sym.node.body, fscope
    return None


def entered_fn(ac: ActionCompiler, fcons: S.FnCons, fscope: Scope, mode: str) -> list:
    """The body of a function constructor compiled as an action taking its continuation
    from the environment, so that a recursive function can enter itself."""
    key = (id(fcons), id(fscope.ctx), fscope.depth, mode, fscope.primed)
    cache = ac.__dict__.setdefault("_fn_cache", {})
    found = cache.get(key)
    if found is not None:
        return found
    holder: list[Callable | None] = [None]
    cache[key] = holder
    base = fscope.depth
    locals_ = dict(fscope.locals)
    if fcons.recursive is not None:
        locals_[fcons.recursive] = Binding("slot", index=base + 1, node=fcons,
                                           scope=fscope)
    d = base + 2
    for b in fcons.bounds:
        for nm in b.names:
            locals_[nm] = Binding("slot", index=d)
            d += 1
    inner = Scope(fscope.ctx, locals_, d, fscope.primed)

    def dyn_k(E2):
        E2[base](E2)
    dyn_k.agnostic = True  # type: ignore[attr-defined]
    holder[0] = ac.act(fcons.body, inner, dyn_k, mode)
    return holder
