"""Rules for names: literals, local bindings, operator application and arguments (values or
operators), variables."""

from __future__ import annotations

from typing import TYPE_CHECKING

from conformance.tla import syntax as S
from conformance.tla.compile.code import ACTION, CONST, NO_DEPS, STATE, Code, const
from conformance.tla.compile.control import Lazy
from conformance.tla.compile.operators import CodeOp, LambdaOp, Op, SlotOp, SubstOp, SyntaxOp
from conformance.tla.compile.paths import leaf
from conformance.tla.compile.scopes import Binding, Ctx, Scope
from conformance.tla.errors import EvalError, SemanticError, Unsupported
from conformance.tla.modules import BuiltinSym, InstSym, Sym, VarSym

if TYPE_CHECKING:
    from conformance.tla.compile.compiler import Compiler


def e_Num(comp: Compiler, n: S.Num, scope):
    if n.value > 2**31 - 1:  # TLC's integers are Java ints
        value = n.value

        def too_big(E):
            err = EvalError(f"TLC can't handle a number this big. {value}")
            err.push(n.loc)
            raise err
        return Code(too_big, CONST, NO_DEPS, False, loc=n.loc)
    return const(n.value, n.loc)


def e_Str(comp: Compiler, n: S.Str, scope):
    return const(n.value, n.loc)


def e_Bool(comp: Compiler, n: S.Bool, scope):
    return const(n.value, n.loc)


def e_Decimal(comp: Compiler, n: S.Decimal, scope):
    raise Unsupported("real numbers (TLC does not evaluate them either)", n.loc)


def e_Unsupported(comp: Compiler, n: S.Unsupported, scope):
    raise Unsupported(n.what, n.loc)


def e_At(comp: Compiler, n: S.At, scope):
    b = scope.locals.get("@")
    if b is None:
        raise SemanticError("@ used outside an EXCEPT", n.loc)
    return comp.binding_code(b, "@", scope, n.loc)


def e_Prime(comp: Compiler, n: S.Prime, scope):
    if scope.primed:
        raise SemanticError("Level error: an expression is primed twice.", n.loc)
    inner = comp.expr(n.expr, scope.as_primed())
    # variables read in a primed scope already have action level
    return Code(inner.fn, inner.level, inner.deps, inner.pure, inner.binds, inner.value,
                n.loc)


def e_Lambda(comp: Compiler, n: S.Lambda, scope):
    raise SemanticError("LAMBDA can only be an argument of an operator.", n.loc)


def e_OpRef(comp: Compiler, n: S.OpRef, scope):
    raise SemanticError(f"The operator {n.name} needs arguments here.", n.loc)


def e_Name(comp: Compiler, n: S.Name, scope):
    if n.prefix:
        op = comp.resolve_prefixed(n, scope)
    else:
        b = scope.locals.get(n.name)
        if b is not None:
            if b.kind in ("slot", "lazyslot", "code") and not n.args:
                return comp.binding_code(b, n.name, scope, n.loc)
            op = comp.binding_op(b, n.name, scope)
        else:
            sym = scope.ctx.env.lookup(n.name)
            if sym is None:
                raise SemanticError(f"Unknown operator: `{n.name}'.", n.loc)
            return comp.symbol_code(sym, n, scope)
    return comp.apply_op(op, n, scope)


def binding_code(comp: Compiler, b: Binding, name: str, scope: Scope, loc: S.Loc) -> Code:
    if scope.primed and b.node is not None and b.scope is not None and not b.scope.primed \
            and b.kind in ("code", "lazyslot"):
        # the name stands for an expression (an argument, a LET definition) written where
        # nothing was primed: primed here, it is that expression primed (p' with p <- s is s')
        primed = Scope(b.scope.ctx, b.scope.locals, b.scope.depth, True)
        return comp.adapt(comp.expr(b.node, primed), b.scope.depth, scope.depth)
    if b.kind == "slot":
        i = b.index
        return Code(leaf(lambda E: E[i], "slot", i), CONST, frozenset({i}), True, loc=loc)
    if b.kind == "lazyslot":
        i = b.index

        def slot(E):
            v = E[i]
            if type(v) is Lazy:
                return v.force()
            return v
        return Code(slot, b.level, frozenset({i}), True, loc=loc)
    if b.kind == "code":
        assert b.code is not None
        return comp.adapt(b.code, b.depth, scope.depth)
    if b.kind == "inst":
        raise SemanticError(f"The instance {name} must be followed by ! and a name.", loc)
    raise SemanticError(f"The operator {name} requires arguments.", loc)


def binding_op(comp: Compiler, b: Binding, name: str, scope: Scope) -> Op:
    if b.kind == "op":
        return b.op
    if b.kind == "inst":
        raise SemanticError(f"The instance {name} must be followed by ! and a name.",
                            getattr(b.op, "loc", None))
    if b.kind == "opslot":
        return SlotOp(b.index, b.arity, name)
    if b.kind == "code":
        assert b.code is not None
        return CodeOp(b.code, b.depth, name)
    return SlotOp(b.index, 0, name)


def apply_op(comp: Compiler, op: Op, n: S.Name, scope: Scope) -> Code:
    if len(n.args) != op.arity:
        raise SemanticError(f"The operator {n.name} requires {op.arity} argument"
                            f"{'s' if op.arity != 1 else ''}, but is given "
                            f"{len(n.args)}.", n.loc)
    return op.apply(comp, list(n.args), scope, n.loc)


def compile_args(comp: Compiler, op_arities: list[int], args: list, scope: Scope,
                 loc: S.Loc) -> list[Code]:
    """Arguments as codes: values for ordinary parameters, callables for operator
    parameters (arity > 0)."""
    out = []
    for arity, a in zip(op_arities, args, strict=True):
        if arity == 0 and not isinstance(a, (S.Lambda, S.OpRef)):
            out.append(comp.expr(a, scope))
        else:
            out.append(comp.op_value(a, arity, scope))
    return out


def op_value(comp: Compiler, a, arity: int, scope: Scope) -> Code:
    """An operator argument (a name, a symbol or a LAMBDA) as a Python callable."""
    if isinstance(a, S.Lambda):
        if arity >= 0 and len(a.params) != arity:
            raise SemanticError(f"A LAMBDA with {len(a.params)} parameters is passed where "
                                f"an operator of {arity} arguments is expected.", a.loc)
        return LambdaOp(a, scope).value(comp, scope, a.loc)
    if isinstance(a, S.OpRef):
        op = comp.builtin_or_defined(a.name, scope, a.loc)
    elif isinstance(a, S.Name) and not a.args:
        if a.prefix:
            op = comp.resolve_prefixed(a, scope)
        else:
            b = scope.locals.get(a.name)
            if b is not None:
                op = comp.binding_op(b, a.name, scope)
            else:
                op = comp.builtin_or_defined(a.name, scope, a.loc)
    else:
        raise SemanticError("An operator is expected as this argument.",
                            getattr(a, "loc", None))
    if arity >= 0 and op.arity != arity:
        raise SemanticError(f"The operator {op.name} takes {op.arity} arguments, but an "
                            f"operator of {arity} is expected here.", a.loc)
    return op.value(comp, scope, a.loc)


def arg_op(comp: Compiler, a, scope: Scope) -> Op:
    """An operator argument as an :class:`Op` (for expanding a definition in place)."""
    if isinstance(a, S.Lambda):
        return LambdaOp(a, scope)
    if isinstance(a, S.OpRef):
        if a.name == "'":  # the prime, which no module defines
            return SyntaxOp("'", 1)
        return comp.builtin_or_defined(a.name, scope, a.loc)
    if isinstance(a, S.Name) and not a.args:
        if a.prefix:
            return comp.resolve_prefixed(a, scope)
        b = scope.locals.get(a.name)
        if b is not None:
            return comp.binding_op(b, a.name, scope)
        return comp.builtin_or_defined(a.name, scope, a.loc)
    raise SemanticError("An operator is expected as this argument.", getattr(a, "loc", None))


def builtin_or_defined(comp: Compiler, name: str, scope: Scope, loc: S.Loc) -> Op:
    sym = scope.ctx.env.lookup(name)
    if sym is None:
        raise SemanticError(f"Unknown operator: `{name}'.", loc)
    return comp.sym_op(sym, scope.ctx, loc)


def symbol_code(comp: Compiler, sym: Sym, n: S.Name, scope: Scope) -> Code:
    ctx = scope.ctx
    if isinstance(sym, VarSym):
        if n.args:
            raise SemanticError(f"The variable {n.name} takes no arguments.", n.loc)
        return comp.variable_code(sym, ctx, scope.primed, n.loc, scope.depth)
    if isinstance(sym, BuiltinSym):
        return comp.builtin(sym.name, n, scope)
    if isinstance(sym, InstSym):
        raise SemanticError(f"The instance {n.name} must be followed by ! and a name.",
                            n.loc)
    op = comp.sym_op(sym, ctx, n.loc)
    if isinstance(op, SubstOp):
        if n.args:
            raise SemanticError(f"The constant {n.name} takes no arguments.", n.loc)
        return comp.adapt(op.code(scope.primed), op.inst.depth, scope.depth)
    return comp.apply_op(op, n, scope)


def variable_code(comp: Compiler, sym: VarSym, ctx: Ctx, primed: bool, loc: S.Loc,
                  depth: int = 2) -> Code:
    inst = ctx.inst
    if inst is not None and inst.substitutes(sym):
        op = comp.substitution_op(sym, inst, loc)
        assert isinstance(op, SubstOp)
        code = comp.adapt(op.code(primed), inst.depth, depth)
        pseudo = comp.pseudo
        if primed and pseudo is not None:
            # under ENABLED the action may bind the variable by name (conjuncts are
            # compiled last first, so the slot may be given after this read is compiled)
            name = sym.name
            sub = code.fn

            def pseudo_read(E):
                t = E[1]
                pi = pseudo.get(name)
                if pi is not None and pi < len(t) and t[pi] is not None:
                    return t[pi]
                return sub(E)
            return Code(pseudo_read, ACTION, code.deps, code.pure, code.binds, loc=loc)
        return code
    i = sym.index
    if i < 0:
        raise SemanticError(f"The variable {sym.name} is not a variable of the spec "
                            "being checked.", loc)
    if primed:
        name = sym.name

        def nextvar(E):
            t = E[1]
            if t is None:  # no next state here (a VIEW naming an action): TLC's error
                err = EvalError(f"In evaluation, the identifier {name} is either undefined "
                                "or not an operator.")
                err.push(loc)
                raise err
            v = t[i]
            if v is None:
                err = EvalError(f"The variable {name}' is used before it is assigned a "
                                "value.")
                err.push(loc)
                raise err
            return v
        return Code(nextvar, ACTION, NO_DEPS, True, loc=loc)
    return Code(leaf(lambda E: E[0][i], "var", i), STATE, NO_DEPS, True, loc=loc)
