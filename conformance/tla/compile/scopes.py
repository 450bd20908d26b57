"""Where an expression is compiled: the module and instance context (:class:`Ctx`,
:class:`Inst`) and the local names bound around it (:class:`Scope`, :class:`Binding`)."""

from __future__ import annotations

from typing import Any

from conformance.tla import syntax as S
from conformance.tla.compile.code import CONST, Code
from conformance.tla.modules import ModuleEnv, Sym


class Inst:
    """An instance context: a module instantiated with substitutions, seen from ``outer``."""

    __slots__ = ("decl", "target", "outer", "args", "cache", "arg_nodes", "let_scope",
                 "depth")

    def __init__(self, decl: S.InstanceDef, target: ModuleEnv, outer: Ctx,
                 args: tuple | None, depth: int = 2) -> None:
        self.decl, self.target, self.outer, self.args = decl, target, outer, args
        self.cache: dict = {}
        # where the instance's definitions start their frames: 2 (a frame of their own),
        # or, for M(x)!Op with x bound around the call (\A x \in S: M(x)!Op), the depth of
        # the call's scope: the definitions then run in frames that extend the caller's,
        # as LET definitions do, so the arguments' bound variables are in reach
        self.depth = depth
        # M(a)!Op: the argument expressions and the scope they are written in, so that a
        # parameter standing for a variable (IM(y)!Spec) is that variable when assigned
        self.arg_nodes: tuple | None = None
        # LET M == INSTANCE Mod: the scope the LET's definitions before it are bound in,
        # which its substitutions (implicit ones included) may name
        self.let_scope: Scope | None = None

    def substitutes(self, sym: Sym) -> bool:
        return sym in self.target.constants or sym in self.target.variables


def substitution_expr(inst: Inst, sym: Sym):
    """What an instantiated module's CONSTANT or VARIABLE stands for: its WITH substitution,
    or (implicitly) the name itself in the instantiating module."""
    for name, expr in inst.decl.substs:
        if name == sym.name:
            return expr
    return S.Name(inst.decl.loc, sym.name)


class Ctx:
    """Where a definition's body is compiled: its module, and the instance context."""

    __slots__ = ("env", "inst")

    def __init__(self, env: ModuleEnv, inst: Inst | None) -> None:
        self.env, self.inst = env, inst

    def __repr__(self) -> str:
        return f"<Ctx {self.env.name}{' inst ' + self.inst.decl.module if self.inst else ''}>"


class Binding:
    """A local name: a slot of E, an operator, or compile-time code (an inlined argument)."""

    __slots__ = ("kind", "index", "arity", "code", "depth", "op", "level", "node", "scope",
                 "let")

    def __init__(self, kind: str, index: int = -1, arity: int = 0, code: Code | None = None,
                 depth: int = 0, op: Any = None, level: int = CONST, node: Any = None,
                 scope: Any = None, let: bool = False) -> None:
        self.let = let  # a LET definition (TLC enters it, like any definition)
        self.kind = kind  # "slot", "lazyslot", "opslot", "code", "op", "inst" (LET INSTANCE)
        self.index = index
        self.arity = arity
        self.code = code
        self.depth = depth
        self.op = op
        self.level = level
        self.node = node  # the expression a name stands for (an argument, a LET definition)
        self.scope = scope  # ... and the scope it was written in


class Scope:
    __slots__ = ("ctx", "locals", "depth", "primed", "params")

    def __init__(self, ctx: Ctx, locals: dict | None = None, depth: int = 2,
                 primed: bool = False) -> None:
        self.ctx = ctx
        self.locals = locals or {}
        self.depth = depth
        self.primed = primed

    def bind_slots(self, names: list[str] | tuple[str, ...], level: int = CONST) -> Scope:
        loc = dict(self.locals)
        d = self.depth
        for n in names:
            loc[n] = Binding("slot", index=d, level=level)
            d += 1
        return Scope(self.ctx, loc, d, self.primed)

    def with_binding(self, name: str, b: Binding, extra_depth: int = 0) -> Scope:
        loc = dict(self.locals)
        loc[name] = b
        return Scope(self.ctx, loc, self.depth + extra_depth, self.primed)

    def as_primed(self) -> Scope:
        if self.primed:
            return self
        return Scope(self.ctx, self.locals, self.depth, True)

    def in_ctx(self, ctx: Ctx, locals: dict | None = None, depth: int | None = None) -> Scope:
        return Scope(ctx, locals if locals is not None else {},
                     self.depth if depth is None else depth, self.primed)
