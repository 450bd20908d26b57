"""Things that can be applied: user definitions, natives, LET operators, operator
parameters, LAMBDAs, built-ins passed as values, and the substituted parameters of an
instance. ``apply`` compiles an application, ``value`` the operator as a Python callable."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from conformance.tla import syntax as S
from conformance.tla.builtins import Native
from conformance.tla.compile.code import (
    CONST,
    NO_DEPS,
    STATE,
    Code,
    Value,
    const,
    guarded,
    merge,
    wrap_error,
)
from conformance.tla.compile.scopes import Ctx, Inst, Scope
from conformance.tla.errors import EvalError, SemanticError, Unsupported
from conformance.tla.lazy import to_tla_any
from conformance.tla.modules import DefSym
from conformance.tla.ops import cap, cup, domain, eq, in_, neq, setminus, subset, subseteq, union
from conformance.values import typed_key

if TYPE_CHECKING:
    from conformance.tla.compile.compiler import Compiler


class Op:
    """Something applicable: a user definition, a native, a built-in, a LET operator, an
    operator parameter, a LAMBDA. ``apply`` compiles an application; ``value`` compiles the
    operator itself into a Python callable (for higher-order arguments)."""

    arity = 0
    name = ""

    def apply(self, comp: Compiler, args: list, scope: Scope, loc: S.Loc) -> Code:
        raise NotImplementedError

    def value(self, comp: Compiler, scope: Scope, loc: S.Loc) -> Code:
        raise NotImplementedError


class UserOp(Op):
    def __init__(self, sym: DefSym, ctx: Ctx) -> None:
        self.sym, self.ctx = sym, ctx
        self.arity = sym.arity
        self.name = sym.name

    def apply(self, comp, args, scope, loc):
        return comp.call_user(self, args, scope, loc)

    def value(self, comp, scope, loc):
        body = comp.def_body(self.sym, self.ctx, scope.primed)
        holder = body.holder
        n = self.arity

        def make(E):
            s, t = E[0], E[1]

            def f(*vals):
                if len(vals) != n:
                    raise EvalError(f"The operator {self.name} requires {n} arguments.")
                return holder[0]((s, t) + vals)
            return f
        return Code(make, body.level if body.done else STATE, NO_DEPS, body.pure)


class NativeOp(Op):
    def __init__(self, native: Native, name: str) -> None:
        self.native = native
        self.arity = native.arity
        self.name = name

    def apply(self, comp, args, scope, loc):
        return comp.call_native(self, args, scope, loc)

    def value(self, comp, scope, loc):
        if self.native.unsupported:
            raise Unsupported(self.native.unsupported, loc)
        fn = self.native.fn
        if self.native.runtime:
            rt = comp.rt

            def f(*vals):
                return fn(rt, *vals)
            return const(f)
        return const(fn)


class ValueOp(Op):
    """A 0-arity name bound to a known value (a cfg constant or override)."""

    def __init__(self, v: Value, name: str) -> None:
        self.v, self.name = v, name

    def apply(self, comp, args, scope, loc):
        return const(self.v, loc)


class TableOp(Op):
    """A constant operator given by the cfg entry by entry (``F(0) = 1``, ``F(1) = 2``)."""

    def __init__(self, table: dict, name: str, arity: int) -> None:
        self.table, self.name, self.arity = table, name, arity

    def lookup(self, *args):
        hit = self.table.get(tuple(typed_key(a) for a in args))
        if hit is None:
            shown = ", ".join(to_tla_any(a) for a in args)
            raise EvalError(f"The configuration file gives no value for {self.name}({shown}).")
        return hit[1]

    def apply(self, comp, args, scope, loc):
        return comp.call_fn(self.lookup, [comp.expr(a, scope) for a in args], loc)

    def value(self, comp, scope, loc):
        return const(self.lookup)


class CodeOp(Op):
    """A 0-arity name bound to compiled code (a substitution, an inlined argument)."""

    def __init__(self, code: Code, depth: int, name: str) -> None:
        self.code, self.depth, self.name = code, depth, name

    def apply(self, comp, args, scope, loc):
        return comp.adapt(self.code, self.depth, scope.depth)


class SlotOp(Op):
    """An operator parameter passed at run time as a Python callable in ``E[index]``."""

    def __init__(self, index: int, arity: int, name: str) -> None:
        self.index, self.arity, self.name = index, arity, name

    def apply(self, comp, args, scope, loc):
        i = self.index
        args = [comp.expr(a, scope) for a in args]
        fns = [a.fn for a in args]
        level, deps, pure, binds = merge(args)

        def call(E):
            try:
                return E[i](*[f(E) for f in fns])
            except Exception as e:  # noqa: BLE001
                raise wrap_error(e, loc) from None
        return Code(call, level, deps | {i}, False, binds)

    def value(self, comp, scope, loc):
        i = self.index
        return Code(lambda E: E[i], CONST, frozenset({i}), True)


class LetOp(Op):
    """An operator defined in a LET, compiled in the LET's scope."""

    def __init__(self, node: S.OpDef, scope: Scope, recursive: bool) -> None:
        self.node, self.scope = node, scope
        self.arity = len(node.params)
        self.name = node.name
        self.holder: list = [None]
        self.compiled: Code | None = None
        # the body primed (LetOp(1)' reads the variables' next values), compiled when used
        self.primed_holder: list = [None]
        self.primed_compiled: Code | None = None
        self.recursive = recursive

    def body(self, comp: Compiler, primed: bool = False) -> Code:
        holder = self.primed_holder if primed else self.holder
        compiled = self.primed_compiled if primed else self.compiled
        if compiled is None:
            # a recursive call while the body compiles: of its arguments' level (the
            # body's is what the rest of it reads, SANY's least fixpoint)
            compiled = Code(lambda E: holder[0](E), CONST, NO_DEPS, True)
            self._keep(primed, compiled)
            scope = self.scope.as_primed() if primed else self.scope
            inner = comp.bind_params(self.node.params, scope)
            compiled = comp.expr(self.node.body, inner)
            holder[0] = compiled.fn
            self._keep(primed, compiled)
        return compiled

    def _keep(self, primed: bool, code: Code) -> None:
        if primed:
            self.primed_compiled = code
        else:
            self.compiled = code

    def apply(self, comp, args, scope, loc):
        primed = scope.primed and not self.scope.primed
        body = self.body(comp, primed)
        base = self.scope.depth
        holder = self.primed_holder if primed else self.holder
        args = comp.compile_args([p.arity for p in self.node.params], args, scope, loc)
        fns = [a.fn for a in args]
        level, deps, pure, binds = merge(list(args) + [body])
        deps = frozenset(d for d in body.deps if d < base) | deps
        exact = scope.depth == base
        n = len(fns)
        if n == 0:
            if exact:
                def call(E):
                    return holder[0](E)
            else:
                def call(E):
                    return holder[0](E[:base])
        elif n == 1:
            (f0,) = fns
            if exact:
                def call(E):
                    return holder[0](E + (f0(E),))
            else:
                def call(E):
                    return holder[0](E[:base] + (f0(E),))
        else:
            def call(E):
                return holder[0](E[:base] + tuple(f(E) for f in fns))
        return Code(guarded(call, loc), level, deps, pure, binds)

    def value(self, comp, scope, loc):
        self.body(comp)
        base = self.scope.depth
        holder = self.holder

        def make(E):
            prefix = E[:base]

            def f(*vals):
                return holder[0](prefix + vals)
            return f
        return Code(make, CONST, frozenset(range(2, base)), True)


class LambdaOp(Op):
    def __init__(self, node: S.Lambda, scope: Scope) -> None:
        self.node, self.scope = node, scope
        self.arity = len(node.params)
        self.name = "LAMBDA"

    def apply(self, comp, args, scope, loc):
        inner = self.scope.bind_slots(self.node.params)
        body = comp.expr(self.node.body, inner)
        base = self.scope.depth
        args = [comp.expr(a, scope) for a in args]
        fns = [a.fn for a in args]
        bfn = body.fn
        level, deps, pure, binds = merge(list(args) + [body])

        def call(E):
            return bfn(E[:base] + tuple(f(E) for f in fns))
        return Code(call, level, frozenset(d for d in deps if d < scope.depth), pure, True)

    def value(self, comp, scope, loc):
        inner = self.scope.bind_slots(self.node.params)
        body = comp.expr(self.node.body, inner)
        base = self.scope.depth
        bfn = body.fn

        def make(E):
            prefix = E[:base]

            def f(*vals):
                return bfn(prefix + vals)
            return f
        return Code(make, CONST, frozenset(d for d in body.deps if d < base), body.pure)


class BuiltinOp(Op):
    """A built-in operator used as a value, e.g. ``\\cup`` passed to a fold."""

    def __init__(self, name: str, fn: Callable, arity: int) -> None:
        self.name, self.fn, self.arity = name, fn, arity

    def apply(self, comp, args, scope, loc):
        return comp.call_fn(self.fn, args, loc)

    def value(self, comp, scope, loc):
        return const(self.fn)


SYNTAX_OPERATORS = frozenset({"UNCHANGED", "ENABLED", "'", "[]", "<>"})


class SyntaxOp(Op):
    """A built-in operator on expressions (UNCHANGED, ENABLED, ', [], <>) passed as an
    operator argument: applied, it is that operator written on the arguments."""

    def __init__(self, name: str, arity: int) -> None:
        self.name, self.arity = name, arity

    def apply(self, comp, args, scope, loc):
        if self.name == "'":
            return comp.expr(S.Prime(loc, args[0]), scope)
        return comp.expr(S.Name(loc, self.name, tuple(args)), scope)

    def value(self, comp, scope, loc):
        raise SemanticError(f"The built-in operator {self.name} applies to expressions, not "
                            "values: it cannot be passed on here.", loc)


VALUE_BUILTINS: dict[str, tuple[Callable, int]] = {
    "=": (eq, 2), "/=": (neq, 2), "\\in": (in_, 2), "\\notin": (lambda a, b: not in_(a, b), 2),
    "\\subseteq": (subseteq, 2), "\\cup": (cup, 2), "\\cap": (cap, 2), "\\": (setminus, 2),
    "SUBSET": (subset, 1), "UNION": (union, 1), "DOMAIN": (domain, 1),
    "\\lnot": (lambda a: not a, 1), "=>": (lambda a, b: (not a) or b, 2),
    "\\equiv": (lambda a, b: a is b, 2),
    "\\land": (lambda a, b: a and b, 2), "\\lor": (lambda a, b: a or b, 2),
}


class SubstOp(Op):
    """A CONSTANT or VARIABLE of an instantiated module: its substituted expression,
    compiled in the instantiating context (once plain, once primed)."""

    def __init__(self, comp: Compiler, expr, inst: Inst, name: str) -> None:
        self.comp, self.expr_node, self.inst, self.name = comp, expr, inst, name
        self.codes: dict[tuple, Code] = {}

    def code(self, primed: bool) -> Code:
        mode = (primed, id(self.comp.pseudo) if self.comp.pseudo is not None else 0)
        c = self.codes.get(mode)
        if c is None:
            scope = self.comp.instance_scope(self.inst)
            if primed:
                scope = scope.as_primed()
            c = self.comp.expr(self.expr_node, scope)
            if c.level == STATE and not c.deps and c.pure and not c.known:
                c = _per_state(c)
            self.codes[mode] = c
        return c

    def apply(self, comp, args, scope, loc):
        return comp.adapt(self.code(scope.primed), self.inst.depth, scope.depth)

    def value(self, comp, scope, loc):
        raise SemanticError(f"{self.name} is not an operator.", loc)


def _per_state(code: Code) -> Code:
    """A state function remembered for the last state it was evaluated in.

    A refinement mapping (``votes <- ...`` of an INSTANCE) is read many times while one
    state's successors or one step's action property are evaluated, and it may cost a walk
    over every message; TLC evaluates it in Java each time, the engine once per state. Only
    a complete state (a tuple, never the list being filled in by Init) is a key, and the
    cache holds it, so its identity cannot be reused while it is cached."""
    fn = code.fn
    last: list = [object(), None]  # no state is this object

    def per_state(E):
        s = E[0]
        if s is last[0]:
            return last[1]
        v = fn(E)
        if type(s) is tuple:
            last[0], last[1] = s, v
        return v
    return Code(per_state, code.level, code.deps, code.pure, code.binds, loc=code.loc)
