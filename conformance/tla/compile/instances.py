"""Modules and instances: what a module-level symbol denotes in a context (definitions,
constants and the cfg's overrides, instance parameters and their substitutions), ``M!Op``
and subexpression names ``Op!2!1``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from conformance.tla import syntax as S
from conformance.tla.compile.operators import (
    SYNTAX_OPERATORS,
    VALUE_BUILTINS,
    BuiltinOp,
    CodeOp,
    LambdaOp,
    LetOp,
    NativeOp,
    Op,
    SubstOp,
    SyntaxOp,
    TableOp,
    UserOp,
    ValueOp,
)
from conformance.tla.compile.scopes import Binding, Ctx, Inst, Scope, substitution_expr
from conformance.tla.errors import SemanticError, Unsupported
from conformance.tla.modules import BuiltinSym, ConstSym, DefSym, ImportedSym, InstSym, Sym, VarSym

if TYPE_CHECKING:
    from conformance.tla.compile.compiler import Compiler


def e_SubExpr(comp: Compiler, n: S.SubExpr, scope):
    node, inner = comp.subexpression(n, scope)
    return comp.expr(node, inner)


def subexpression(comp: Compiler, n: S.SubExpr, scope):
    """The expression ``Op!2!1`` names, and the scope it belongs to."""
    ref = n.ref
    if ref.args:
        raise Unsupported("subexpression names of operators with arguments", n.loc)
    if ref.prefix:
        op = comp.resolve_prefixed(ref, scope)
    else:
        sym = scope.ctx.env.lookup(ref.name)
        if sym is None:
            raise SemanticError(f"Unknown operator: `{ref.name}'.", n.loc)
        op = comp.sym_op(sym, scope.ctx, n.loc)
    if not isinstance(op, UserOp) or op.sym.node is None or op.arity:
        raise Unsupported("subexpression names of this kind of definition", n.loc)
    node = op.sym.node.body
    for sel in n.path:
        if sel == ":":
            continue
        if sel in ("<<", ">>") and isinstance(node, S.Name) and len(node.args) == 2:
            node = node.args[0 if sel == "<<" else 1]  # the operands of an infix operator
            continue
        kids = None
        if isinstance(node, (S.And, S.Or)):
            kids = node.items
        elif isinstance(node, S.Name):
            kids = node.args
        elif isinstance(node, S.If):
            kids = (node.cond, node.then, node.else_)
        if kids is None or not 1 <= sel <= len(kids):
            raise Unsupported(f"the subexpression selector !{sel} here", n.loc)
        node = kids[sel - 1]
    return node, Scope(op.ctx, None, scope.depth, scope.primed)


def scoped_entry(comp: Compiler, sym: Sym, module: str):
    if not comp.scoped:
        return None
    while isinstance(sym, ImportedSym):
        entry = comp.scoped.get((sym, module))
        if entry is not None:
            return entry
        sym = sym.sym
    return comp.scoped.get((sym, module))


def sym_op(comp: Compiler, sym: Sym, ctx: Ctx, loc: S.Loc, own: bool = False) -> Op:
    """The operator a module-level symbol denotes in ``ctx``; ``own``: its definition
    even where the .cfg replaces it."""
    if comp.scoped and not isinstance(sym, BuiltinSym):
        entry = comp.scoped_entry(sym, ctx.env.name)
        if entry is not None:
            return comp.override_op(entry, sym, loc)
    if isinstance(sym, BuiltinSym):
        if sym.name in VALUE_BUILTINS:
            fn, arity = VALUE_BUILTINS[sym.name]
            return BuiltinOp(sym.name, fn, arity)
        if sym.name in SYNTAX_OPERATORS:
            return SyntaxOp(sym.name, sym.arity)
        raise SemanticError(f"The built-in operator {sym.name} cannot be passed as an "
                            "argument.", loc)
    if isinstance(sym, ImportedSym):
        outer = ctx if sym.home is ctx.env else comp.ctx(sym.home, ctx.inst)
        inner = comp.inst(sym.decl, sym.target, outer)
        assert sym.sym.home is not None, "built-ins are not imported"
        return comp.sym_op(sym.sym, comp.ctx(sym.sym.home, inner), loc)
    if isinstance(sym, DefSym):
        # the .cfg's F <- G; under allowCyclicRedefinitions the applications of F that G
        # reaches (over[2]) keep F
        over = comp.overrides.get(sym) if not own or sym in comp.body_overrides else None
        if over is not None and (len(over) < 3 or loc not in over[2]):
            return comp.override_op(over, sym, loc)
        if sym.native is not None:
            return NativeOp(sym.native, sym.name)
        home_ctx = comp.ctx(sym.home, ctx.inst) if sym.home is not ctx.env else ctx
        if home_ctx.inst is not None and home_ctx.inst.depth > 2:
            return inline_op(comp, sym, home_ctx)
        return UserOp(sym, home_ctx)
    if isinstance(sym, ConstSym):
        return comp.constant_op(sym, ctx, loc)
    if isinstance(sym, VarSym):
        return CodeOp(comp.variable_code(sym, ctx, False, loc), 2, sym.name)
    raise SemanticError(f"{sym.name} is not an operator.", loc)


def inline_op(comp: Compiler, sym: DefSym, ctx: Ctx) -> LetOp:
    """A definition of an instance whose frames extend a caller's (see ``Inst.depth``):
    compiled once per instance, as a LET definition written at the call is, so that its
    calls and its value as an operator argument keep the caller's bound variables."""
    inst = ctx.inst
    assert inst is not None and sym.node is not None
    key = ("def", id(sym), id(ctx))
    op = inst.cache.get(key)
    if op is None:
        op = inst.cache[key] = LetOp(sym.node, Scope(ctx, None, inst.depth), sym.recursive)
    return op


def override_op(comp: Compiler, over, sym: Sym, loc: S.Loc) -> Op:
    kind, what = over[:2]
    if kind == "value":
        return ValueOp(what, sym.name)
    if kind == "table":
        return TableOp(what, sym.name, sym.arity)
    return comp.sym_op(what, comp.root_ctx, loc)


def constant_op(comp: Compiler, sym: ConstSym, ctx: Ctx, loc: S.Loc) -> Op:
    inst = ctx.inst
    if inst is not None and inst.substitutes(sym):
        return comp.substitution_op(sym, inst, loc)
    binding = comp.bindings.get(sym)
    if binding is None and sym.home is not None:
        binding = comp.scoped_entry(sym, sym.home.name)
    if binding is None:
        raise SemanticError(f"The constant parameter {sym.name} is not assigned a value by "
                            "the configuration file.", loc)
    return comp.override_op(binding, sym, loc)


def substitution_op(comp: Compiler, sym: Sym, inst: Inst, loc: S.Loc) -> Op:
    """What a CONSTANT or VARIABLE of an instantiated module stands for."""
    key = ("op", sym.name)
    cached = inst.cache.get(key)
    if cached is not None:
        return cached
    expr = substitution_expr(inst, sym)
    if not any(name == sym.name for name, _ in inst.decl.substs):
        outer_env = inst.outer.env
        in_let = inst.let_scope is not None and sym.name in inst.let_scope.locals
        if outer_env.lookup(sym.name) is None and not in_let and not (inst.args and any(
                p.name == sym.name for p in inst.decl.params)):
            entry = comp.scoped_entry(sym, inst.target.name)
            if entry is None:
                raise SemanticError(f"The module {inst.target.name} is instantiated "
                                    f"without a substitution for its parameter {sym.name},"
                                    f" and {outer_env.name} has no {sym.name}.", loc)
            op0 = comp.override_op(entry, sym, loc)
            inst.cache[key] = op0
            return op0
    outer_scope = comp.instance_scope(inst)
    if sym.arity > 0 or isinstance(expr, (S.OpRef, S.Lambda)):
        if isinstance(expr, S.Lambda):
            op: Op = LambdaOp(expr, outer_scope)
        elif isinstance(expr, S.OpRef):
            op = comp.builtin_or_defined(expr.name, outer_scope, expr.loc)
        elif isinstance(expr, S.Name) and not expr.args:
            b = outer_scope.locals.get(expr.name)
            if b is not None:
                op = comp.binding_op(b, expr.name, outer_scope)
            else:
                op = comp.builtin_or_defined(expr.name, outer_scope, expr.loc)
        else:
            raise SemanticError(f"The operator {sym.name} must be substituted by an "
                                "operator.", loc)
    else:
        op = SubstOp(comp, expr, inst, sym.name)
    inst.cache[key] = op
    return op


def instance_scope(comp: Compiler, inst: Inst) -> Scope:
    """The scope in which an instance's substitutions are compiled."""
    loc: dict = {}
    if inst.args:
        nodes, arg_scope = inst.arg_nodes or ((None,) * len(inst.args), None)
        for p, code, node in zip(inst.decl.params, inst.args, nodes, strict=True):
            loc[p.name] = Binding("code", code=code, depth=inst.depth, node=node,
                                  scope=arg_scope)
    if inst.let_scope is not None:
        loc.update(_let_bindings(comp, inst))
    return Scope(inst.outer, loc, inst.depth)


def _names_in(expr) -> set[str]:
    out = {expr.name} if isinstance(expr, S.Name) and not expr.prefix else set()
    for x in S.subnodes(expr):
        out |= _names_in(x)
    return out


def _let_bindings(comp: Compiler, inst: Inst) -> dict[str, Binding]:
    """The LET definitions an INSTANCE inside that LET substitutes (``LET x == e  M ==
    INSTANCE Mod`` with Mod's x implicitly x), as code its substitutions can use. The
    instance's definitions run in frames of their own, so a definition that reads the
    bound variables or parameters around the LET cannot come along."""
    assert inst.let_scope is not None
    let_scope = inst.let_scope
    wanted = {v.name for v in (*inst.target.constants, *inst.target.variables)}
    for _name, expr in inst.decl.substs:
        wanted |= _names_in(expr)
    out: dict[str, Binding] = {}
    for name in wanted:
        b = let_scope.locals.get(name)
        if b is None:
            continue
        if b.let and b.kind in ("code", "lazyslot") and b.node is not None and \
                b.scope is not None:
            code = comp.expr(b.node, b.scope)
            if any(d >= 2 for d in code.deps):
                raise Unsupported("an INSTANCE inside LET whose substitution reads bound "
                                  "variables or parameters", inst.decl.loc)
            out[name] = Binding("code", code=code, depth=b.scope.depth, node=b.node,
                                scope=b.scope, let=True)
        elif b.kind == "op" and isinstance(b.op, LetOp) and b.op.scope.depth == 2:
            out[name] = b  # a LET operator (its frame starts at the module's level)
    return out


def resolve_prefixed(comp: Compiler, n: S.Name, scope: Scope) -> Op:
    """``M!N!Op``: walk the instance path, then find Op in the last module."""
    ctx = scope.ctx
    env = ctx.env
    first = True
    for name, args in n.prefix:
        sym = None
        local = scope.locals.get(name) if first else None
        if local is not None:
            if local.kind != "inst":
                raise SemanticError(f"{name} is not an instance of a module; cannot use "
                                    f"{name}!...", n.loc)
            sym = local.op  # LET M == INSTANCE Mod ...: its substitutions see the LET's module
        else:
            sym = env.lookup(name) if first else env.exports.get(name)
        first = False
        if isinstance(sym, ImportedSym) and isinstance(sym.sym, InstSym):
            ctx = comp.ctx(sym.home, comp.inst(sym.decl, sym.target, ctx))
            sym = sym.sym
        if not isinstance(sym, InstSym):
            raise SemanticError(f"{name} is not an instance of a module; cannot use "
                                f"{name}!...", n.loc)
        if len(args) != sym.arity:
            raise SemanticError(f"The instance {name} requires {sym.arity} arguments.",
                                n.loc)
        arg_codes = tuple(comp.expr(a, scope) for a in args) if args else None
        # arguments that read bound variables or parameters (\A x \in S: M(x)!Op): the
        # instance's definitions run in frames extending the caller's, where they are
        bound = arg_codes is not None and any(c.deps for c in arg_codes)
        home_ctx = ctx if sym.home is ctx.env else comp.ctx(sym.home, ctx.inst)
        inst = comp.inst(sym.node, sym.target, home_ctx, arg_codes,
                         scope.depth if bound else 2)
        if local is not None:
            inst.let_scope = local.scope
        if args and (scope.depth == 2 or bound):
            inst.arg_nodes = (tuple(args), scope)
        env = sym.target
        ctx = comp.ctx(env, inst)
    target = env.exports.get(n.name)
    if target is None:
        raise SemanticError(f"Unknown operator: `{n.name}' in module {env.name}.", n.loc)
    if isinstance(target, (ConstSym, VarSym)):
        raise SemanticError(f"{n.name} is a parameter of module {env.name} and cannot be "
                            "referred to through an instance.", n.loc)
    # I!F is a definition of its own in TLC (SANY's copy of F for the instance): the .cfg's
    # F <- G does not replace it, though it replaces what F's body uses; F <- [Mod]G and
    # F = [Mod]v do (TLC puts them on F's body, which the copy shares)
    return comp.sym_op(target, ctx, n.loc, isinstance(target, DefSym))
