"""The syntax tree compiled, once per model, into Python closures.

Every expression becomes a :class:`Code`: a function of one argument ``E``, the runtime
environment, plus what the compiler learned about it (its level, which bound variables it
reads, whether it is pure). ``E`` is a tuple: ``E[0]`` is the current state (a tuple of
values, one per variable, in declaration order), ``E[1]`` the next state being built (a list,
``None`` where a variable is not yet assigned), and ``E[2:]`` the values of bound variables
and operator parameters, at positions the compiler fixed. A binder extends the tuple
(``E + (v,)``); a Code compiled at depth *d* is always called with an ``E`` of length *d*.

Names are resolved here, against the scopes of :mod:`modules`, so an unknown name or a wrong
number of arguments is reported with its position before anything runs. Constant
subexpressions (no variables, no bound variables, no impure operator) are evaluated once.

Operators are called by value: a definition's body is compiled once (per instance context)
and called with a fresh ``E`` holding the argument values. The successor generator
(:mod:`actions`) instead expands action-level definitions in place, because TLC's reading of
``x' = e`` depends on where the expression stands.

Run-time errors propagate as :class:`EvalError`; each closure that can fail adds its source
span on the way out, which gives TLC's "nested expressions" list.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from conformance.tla import syntax as S
from conformance.tla.builtins import Native, Runtime
from conformance.tla.errors import EvalError, SemanticError, Unsupported
from conformance.tla.lazy import (
    BOOLEAN,
    STRING,
    FunctionSet,
    LazyFn,
    Product,
    RecordSet,
    as_fset,
    canonical,
    is_finite,
    is_set,
    member,
    ordered,
    to_tla_any,
)
from conformance.tla.lazy import Filtered as FilteredSet
from conformance.tla.modules import (
    BuiltinSym,
    ConstSym,
    DefSym,
    ImportedSym,
    InstSym,
    ModuleEnv,
    Sym,
    VarSym,
)
from conformance.tla.ops import (
    apply,
    cap,
    cup,
    domain,
    eq,
    except_update,
    field,
    in_,
    neq,
    setminus,
    subset,
    subseteq,
    union,
)
from conformance.values import (
    Fn,
    FSet,
    ModelValue,
    Tup,
    ValueError_,
    compare,
    make_fn,
    order_key,
    typed_hash,
)

if TYPE_CHECKING:
    from conformance.tla.actions import ActionCompiler

Value = Any

CONST, STATE, ACTION, TEMPORAL = 0, 1, 2, 3
_NOVALUE = object()
_E0 = (None, None)
NO_DEPS: frozenset = frozenset()


def _frame(E: tuple, depth: int) -> tuple:
    """The first ``depth`` slots of ``E``, for a rule (a set filter, a function over an
    infinite set) that keeps its environment and later binds its own variables at ``depth``.
    ``fold`` evaluates closed code in the two-slot ``_E0`` whatever its depth; the slots it
    lacks are padded, since closed code reads none of them."""
    if len(E) >= depth:
        return E[:depth]
    return E + (None,) * (depth - len(E))


class Code:
    """A compiled expression: ``fn(E) -> value`` and what is known about it."""

    __slots__ = ("fn", "level", "deps", "pure", "binds", "value", "loc")

    def __init__(self, fn: Callable, level: int = CONST, deps: frozenset = NO_DEPS,
                 pure: bool = True, binds: bool = False, value: Any = _NOVALUE,
                 loc: S.Loc | None = None) -> None:
        self.fn = fn
        self.level = level
        self.deps = deps
        self.pure = pure
        self.binds = binds
        self.value = value
        self.loc = loc

    @property
    def known(self) -> bool:
        return self.value is not _NOVALUE

    def __repr__(self) -> str:
        v = f" = {to_tla_any(self.value)}" if self.known else ""
        return f"<Code level={self.level} deps={sorted(self.deps)}{v}>"


def const(v: Value, loc: S.Loc | None = None) -> Code:
    return Code(lambda E: v, CONST, NO_DEPS, True, False, v, loc)


def _merge(codes) -> tuple[int, frozenset, bool, bool]:
    level, deps, pure, binds = CONST, NO_DEPS, True, False
    for c in codes:
        if c.level > level:
            level = c.level
        if c.deps:
            deps = deps | c.deps
        pure = pure and c.pure
        binds = binds or c.binds
    return level, deps, pure, binds


def wrap_error(e: BaseException, loc: S.Loc) -> EvalError:
    """A Python-level failure inside an operator, as an EvalError at ``loc``."""
    if isinstance(e, EvalError):
        e.push(loc)
        return e
    if isinstance(e, RecursionError):
        err = EvalError("This was a Java StackOverflowError. It was probably the result of an "
                        "incorrect recursive function definition that caused TLC to enter an "
                        "infinite loop.")
    else:
        err = EvalError(f"TLC encountered an error evaluating this expression: "
                        f"{type(e).__name__}: {e}")
    err.push(loc)
    return err


class Tracing:
    """Whether closures being compiled record source positions of errors.

    The model checker runs closures compiled without the wrappers that record where an
    error happened; when one happens, it compiles the same code again with them and reruns
    the failing step, as TLC reruns with its CallStackTool. Compilation is single-threaded,
    so a module-level switch suffices.
    """

    on = False

    def __init__(self, on: bool) -> None:
        self.value = on

    def __enter__(self):
        self.saved = Tracing.on
        Tracing.on = self.value
        return self

    def __exit__(self, *exc):
        Tracing.on = self.saved


def guarded(fn: Callable, loc: S.Loc) -> Callable:
    """``fn`` that adds ``loc`` to the errors passing through it (when tracing)."""
    if not Tracing.on:
        return fn

    def g(E):
        try:
            return fn(E)
        except Exception as e:  # noqa: BLE001 - converted to the engine's error
            raise wrap_error(e, loc) from None
    return g


def _refuse_merged(xs: list) -> None:
    """TLC's error for a set enumeration whose elements Python merged and TLA+ does not:
    ``{0, FALSE}`` is one element for Python (``0 == False``), and TLC fails comparing them
    when it normalizes the set. Called only when an enumeration lost elements."""
    first: dict = {}
    for x in xs:
        y = first.setdefault(x, x)
        if y is x or typed_hash(y) == typed_hash(x):
            continue
        # TLC compares the later element with the earlier one: its message names them so
        if type(x) is bool:
            raise EvalError(f"Attempted to compare boolean {to_tla_any(x)} with non-boolean:\n"
                            f"{to_tla_any(y)}")
        if type(x) is int:
            raise EvalError(f"Attempted to compare integer {to_tla_any(x)} with non-integer:\n"
                            f"{to_tla_any(y)}")
        try:
            compare(x, y)
        except ValueError_ as e:
            raise EvalError(str(e)) from None


def _except_path(node, keys, i, vfn, E):
    """One update of an EXCEPT on a working copy: functions being updated become a ``dict``
    (for :class:`Fn`) or a ``list`` (for :class:`Tup`), so that several updates under the
    same key copy each level once; :func:`_seal` turns them back into values."""
    t = type(node)
    if t is Fn:
        node = dict(node.map)
        t = dict
    elif t is Tup:
        node = list(node)
        t = list
    elif t is not dict and t is not list:
        if isinstance(node, LazyFn):
            return _except_path(node.materialize(), keys, i, vfn, E)
        raise EvalError(f"Attempted to apply EXCEPT to a non-function:\n{to_tla_any(node)}")
    key = keys[i]
    if t is dict:
        if key not in node:
            return node
        child = node[key]
    else:
        if type(key) is not int or not 0 < key <= len(node):
            return node
        key -= 1
        child = node[key]
    if i + 1 == len(keys):
        node[key] = vfn(E + (_seal(child),))
    else:
        node[key] = _except_path(child, keys, i + 1, vfn, E)
    return node


def _seal(node):
    t = type(node)
    if t is dict:
        return Fn({k: _seal(v) if type(v) in (dict, list) else v for k, v in node.items()})
    if t is list:
        return Tup([_seal(v) if type(v) in (dict, list) else v for v in node])
    return node


class Lazy:
    """A LET definition whose eager evaluation failed: evaluated again where it is used, so
    that an error surfaces only if TLC (which evaluates LET lazily) would meet it."""

    __slots__ = ("fn", "E")

    def __init__(self, fn, E) -> None:
        self.fn, self.E = fn, E

    def force(self):
        return self.fn(self.E)


def let_prelude(slot_fns: list) -> Callable:
    """E extended with the values of a LET's definitions (each sees the previous ones)."""
    if len(slot_fns) == 1:
        f = slot_fns[0][0]

        def pre1(E):
            try:
                return E + (f(E),)
            except Exception:  # noqa: BLE001 - deferred: raised again where it is used
                return E + (Lazy(f, E),)
        return pre1
    fns = [f for f, _ in slot_fns]

    def pre(E):
        for f in fns:
            try:
                v = f(E)
            except Exception:  # noqa: BLE001
                v = Lazy(f, E)
            E = E + (v,)
        return E
    return pre


# --------------------------------------------------------------------------- contexts


class Inst:
    """An instance context: a module instantiated with substitutions, seen from ``outer``."""

    __slots__ = ("decl", "target", "outer", "args", "cache")

    def __init__(self, decl: S.InstanceDef, target: ModuleEnv, outer: Ctx,
                 args: tuple | None) -> None:
        self.decl, self.target, self.outer, self.args = decl, target, outer, args
        self.cache: dict = {}

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
        self.kind = kind  # "slot", "lazyslot", "opslot", "code", "op"
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


# --------------------------------------------------------------------------- operators


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
        level, deps, pure, binds = _merge(args)

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
        self.recursive = recursive

    def body(self, comp: Compiler) -> Code:
        if self.compiled is None:
            self.compiled = Code(lambda E: self.holder[0](E), STATE, NO_DEPS, True)
            inner = comp.bind_params(self.node.params, self.scope)
            code = comp.expr(self.node.body, inner)
            self.holder[0] = code.fn
            self.compiled = code
        return self.compiled

    def apply(self, comp, args, scope, loc):
        body = self.body(comp)
        base = self.scope.depth
        holder = self.holder
        args = comp.compile_args([p.arity for p in self.node.params], args, scope, loc)
        fns = [a.fn for a in args]
        level, deps, pure, binds = _merge(list(args) + [body])
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
        level, deps, pure, binds = _merge(list(args) + [body])

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


_VALUE_BUILTINS: dict[str, tuple[Callable, int]] = {
    "=": (eq, 2), "/=": (neq, 2), "\\in": (in_, 2), "\\notin": (lambda a, b: not in_(a, b), 2),
    "\\subseteq": (subseteq, 2), "\\cup": (cup, 2), "\\cap": (cap, 2), "\\": (setminus, 2),
    "SUBSET": (subset, 1), "UNION": (union, 1), "DOMAIN": (domain, 1),
    "\\lnot": (lambda a: not a, 1), "=>": (lambda a, b: (not a) or b, 2),
    "\\equiv": (lambda a, b: a is b, 2),
    "\\land": (lambda a, b: a and b, 2), "\\lor": (lambda a, b: a or b, 2),
}


# --------------------------------------------------------------------------- the compiler


class DefBody:
    """The compiled body of a definition under one instance context (call by value)."""

    __slots__ = ("holder", "level", "pure", "done", "code", "memo")

    def __init__(self) -> None:
        self.holder: list = [None]
        self.level = STATE
        self.pure = True
        self.done = False
        self.code: Code | None = None
        self.memo: dict | None = None  # results by arguments, for costly constant operators


# how many results a memoized operator keeps (then it starts afresh)
MEMO_LIMIT = 50_000
_BINDERS = (S.Quant, S.Choose, S.SetFilter, S.SetMap, S.FnCons)


def _memo_key(x: Any) -> Any:
    """The key of an argument in a memo table, or None: do not remember this call.

    Python's equality has ``TRUE = 1`` and ``FALSE = 0``, so ``[n |-> FALSE]`` equals
    ``[n |-> 0]`` and ``{FALSE, TRUE}`` equals ``{0, 1}`` as dictionary keys; TLA+'s values
    are different. Compound values are keyed by :func:`order_key`, which tags every value
    with its kind (and is cached on functions and sets). Rules (lazy sets and functions) are
    not remembered: keying them would enumerate what TLC keeps as a rule."""
    t = type(x)
    if t is int or t is str or t is ModelValue:
        return x
    if t is bool:
        return (1, x)
    if t is Tup or t is Fn or t is FSet:
        try:
            return order_key(x)
        except Exception:  # noqa: BLE001 - a rule inside: call without the memo
            return None
    return None


def _enumerates(node, cache: dict) -> bool:
    """Whether an expression iterates over a set somewhere (a quantifier, CHOOSE, set or
    function constructor): what makes an operator worth remembering results of."""
    key = id(node)
    hit = cache.get(key)
    if hit is None:
        hit = cache[key] = isinstance(node, _BINDERS) or \
            any(_enumerates(x, cache) for x in S.subnodes(node))
    return hit


class Compiler:
    """Compiles expressions of one model. ``bindings`` gives the cfg's values for constants
    and ``overrides`` its replacements of definitions (both keyed by symbol)."""

    def __init__(self, root: ModuleEnv, bindings: dict, overrides: dict,
                 runtime: Runtime | None = None, scoped: dict | None = None) -> None:
        self.root = root
        self.bindings = bindings
        self.overrides = overrides
        self.scoped = scoped or {}  # (symbol, module name) -> binding, from "<-[Mod]"
        # while compiling ENABLED: the substituted variables of instances that an action
        # assigns by name, as TLC's ENABLED does (name -> extra slot of the next state)
        self.pseudo: dict[str, int] | None = None
        self.rt = runtime or Runtime()
        self.root_ctx = Ctx(root, None)
        self._ctx_cache: dict = {}
        self._inst_cache: dict = {}
        self._bodies: dict = {}
        self._constants: dict = {}
        self._enumerating: dict = {}
        self.actions: ActionCompiler | None = None  # set by the model: compiles ENABLED

    # ------------------------------------------------------------------ contexts

    def ctx(self, env: ModuleEnv, inst: Inst | None) -> Ctx:
        key = (id(env), id(inst))
        c = self._ctx_cache.get(key)
        if c is None:
            c = self._ctx_cache[key] = Ctx(env, inst)
        return c

    def inst(self, decl: S.InstanceDef, target: ModuleEnv, outer: Ctx,
             args: tuple | None = None) -> Inst:
        if args:
            return Inst(decl, target, outer, args)
        key = (id(decl), id(outer))
        i = self._inst_cache.get(key)
        if i is None:
            i = self._inst_cache[key] = Inst(decl, target, outer, None)
        return i

    def root_scope(self) -> Scope:
        return Scope(self.root_ctx)

    # ------------------------------------------------------------------ helpers

    def fold(self, code: Code, always: bool = False) -> Code:
        """Evaluate a closed constant expression now; keep it lazy if that fails.
        ``always``: even if it is impure (a 0-arity constant definition, which TLC
        evaluates once at startup, RandomElement and Print included)."""
        if code.known or code.level != CONST or code.deps or not (code.pure or always):
            return code
        try:
            v = code.fn(_E0)
        except EvalError:
            return code
        except Exception:  # noqa: BLE001 - the error surfaces when evaluated
            return code
        return Code(lambda E: v, CONST, NO_DEPS, True, False, v, code.loc)

    def adapt(self, code: Code, from_depth: int, to_depth: int) -> Code:
        """Use code compiled at ``from_depth`` in a scope of depth ``to_depth``."""
        if from_depth == to_depth or not code.binds:
            return code
        fn = code.fn
        return Code(lambda E: fn(E[:from_depth]), code.level, code.deps, code.pure,
                    code.binds, code.value, code.loc)

    def arg_fn(self, code: Code) -> Callable:
        return code.fn

    def call_fn(self, f: Callable, args: list[Code], loc: S.Loc, pure: bool = True) -> Code:
        level, deps, cpure, binds = _merge(args)
        n = len(args)
        if n == 1:
            a = args[0].fn

            def call(E):
                try:
                    return f(a(E))
                except Exception as e:  # noqa: BLE001
                    raise wrap_error(e, loc) from None
        elif n == 2:
            a, b = args[0].fn, args[1].fn

            def call(E):
                try:
                    return f(a(E), b(E))
                except Exception as e:  # noqa: BLE001
                    raise wrap_error(e, loc) from None
        elif n == 0:
            def call(E):
                try:
                    return f()
                except Exception as e:  # noqa: BLE001
                    raise wrap_error(e, loc) from None
        else:
            fns = [x.fn for x in args]

            def call(E):
                try:
                    return f(*[g(E) for g in fns])
                except Exception as e:  # noqa: BLE001
                    raise wrap_error(e, loc) from None
        return self.fold(Code(call, level, deps, cpure and pure, binds, loc=loc))

    # ------------------------------------------------------------------ expressions

    def expr(self, node, scope: Scope) -> Code:
        method = getattr(self, "e_" + type(node).__name__, None)
        if method is None:
            raise Unsupported(type(node).__name__, getattr(node, "loc", None))
        return method(node, scope)

    def e_Num(self, n: S.Num, scope):
        return const(n.value, n.loc)

    def e_Str(self, n: S.Str, scope):
        return const(n.value, n.loc)

    def e_Bool(self, n: S.Bool, scope):
        return const(n.value, n.loc)

    def e_Decimal(self, n: S.Decimal, scope):
        raise Unsupported("real numbers (TLC does not evaluate them either)", n.loc)

    def e_SubExpr(self, n: S.SubExpr, scope):
        node, inner = self.subexpression(n, scope)
        return self.expr(node, inner)

    def subexpression(self, n: S.SubExpr, scope):
        """The expression ``Op!2!1`` names, and the scope it belongs to."""
        ref = n.ref
        if ref.args:
            raise Unsupported("subexpression names of operators with arguments", n.loc)
        if ref.prefix:
            op = self.resolve_prefixed(ref, scope)
        else:
            sym = scope.ctx.env.lookup(ref.name)
            if sym is None:
                raise SemanticError(f"Unknown operator: `{ref.name}'.", n.loc)
            op = self.sym_op(sym, scope.ctx, n.loc)
        if not isinstance(op, UserOp) or op.sym.node is None or op.arity:
            raise Unsupported("subexpression names of this kind of definition", n.loc)
        node = op.sym.node.body
        for sel in n.path:
            if sel == ":":
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

    def e_Unsupported(self, n: S.Unsupported, scope):
        raise Unsupported(n.what, n.loc)

    def e_At(self, n: S.At, scope):
        b = scope.locals.get("@")
        if b is None:
            raise SemanticError("@ used outside an EXCEPT", n.loc)
        return self.binding_code(b, "@", scope, n.loc)

    def e_Prime(self, n: S.Prime, scope):
        if scope.primed:
            raise SemanticError("Level error: an expression is primed twice.", n.loc)
        inner = self.expr(n.expr, scope.as_primed())
        # variables read in a primed scope already have action level
        return Code(inner.fn, inner.level, inner.deps, inner.pure, inner.binds, inner.value,
                    n.loc)

    def e_Tuple(self, n: S.Tuple, scope):
        codes = [self.expr(x, scope) for x in n.elems]
        level, deps, pure, binds = _merge(codes)
        fns = [c.fn for c in codes]
        if len(fns) == 2:
            a, b = fns

            def tup2(E):
                return Tup((a(E), b(E)))
            fn = tup2
        else:
            def tupn(E):
                return Tup([f(E) for f in fns])
            fn = tupn
        return self.fold(Code(fn, level, deps, pure, binds, loc=n.loc))

    def e_SetEnum(self, n: S.SetEnum, scope):
        codes = [self.expr(x, scope) for x in n.elems]
        level, deps, pure, binds = _merge(codes)
        fns = [c.fn for c in codes]
        if len(fns) == 1:
            (a,) = fns

            def set1(E):
                return FSet((a(E),))
            fn = set1
        else:
            def setn(E):
                xs = [f(E) for f in fns]
                s = FSet(xs)
                if len(s) < len(xs):
                    _refuse_merged(xs)
                return s
            fn = setn
        return self.fold(Code(guarded(fn, n.loc), level, deps, pure, binds, loc=n.loc))

    def e_RecordCons(self, n: S.RecordCons, scope):
        names = [f for f, _ in n.fields]
        codes = [self.expr(x, scope) for _, x in n.fields]
        level, deps, pure, binds = _merge(codes)
        pairs = list(zip(names, [c.fn for c in codes], strict=True))

        def rec(E):
            return Fn({k: f(E) for k, f in pairs})
        return self.fold(Code(guarded(rec, n.loc), level, deps, pure, binds, loc=n.loc))

    def e_RecordSet(self, n: S.RecordSet, scope):
        names = [f for f, _ in n.fields]
        codes = [self.expr(x, scope) for _, x in n.fields]
        level, deps, pure, binds = _merge(codes)
        pairs = list(zip(names, [c.fn for c in codes], strict=True))

        def recset(E):
            fields = {}
            for k, f in pairs:
                s = f(E)
                if not is_set(s):
                    raise EvalError(f"The field {k} of a set of records is not a set:\n"
                                    f"{to_tla_any(s)}")
                fields[k] = s
            return RecordSet(fields)
        return self.fold(Code(guarded(recset, n.loc), level, deps, pure, binds, loc=n.loc))

    def e_FnSet(self, n: S.FnSet, scope):
        d, r = self.expr(n.domain, scope), self.expr(n.range, scope)
        level, deps, pure, binds = _merge([d, r])
        df, rf = d.fn, r.fn

        def fnset(E):
            dv, rv = df(E), rf(E)
            if not is_set(dv) or not is_set(rv):
                raise EvalError("The domain and range of a set of functions [S -> T] must be "
                                "sets.")
            return FunctionSet(dv, rv)
        return self.fold(Code(guarded(fnset, n.loc), level, deps, pure, binds, loc=n.loc))

    def e_Times(self, n: S.Times, scope):
        codes = [self.expr(x, scope) for x in n.sets]
        level, deps, pure, binds = _merge(codes)
        fns = [c.fn for c in codes]

        def product(E):
            return Product(tuple(f(E) for f in fns))
        return self.fold(Code(guarded(product, n.loc), level, deps, pure, binds, loc=n.loc))

    def e_Dot(self, n: S.Dot, scope):
        r = self.expr(n.expr, scope)
        rf, name, loc = r.fn, n.field, n.loc

        def dot(E):
            rv = rf(E)
            if type(rv) is Fn:
                try:
                    return rv.map[name]
                except KeyError:
                    pass
            try:
                return field(rv, name)
            except Exception as e:  # noqa: BLE001
                raise wrap_error(e, loc) from None
        return self.fold(Code(dot, r.level, r.deps, r.pure, r.binds, loc=loc))

    def e_FnApp(self, n: S.FnApp, scope):
        f = self.expr(n.fn, scope)
        args = [self.expr(a, scope) for a in n.args]
        level, deps, pure, binds = _merge([f] + args)
        ff, loc = f.fn, n.loc
        if len(args) == 1:
            af = args[0].fn

            def app(E):
                fv = ff(E)
                x = af(E)
                if type(fv) is Fn:
                    try:
                        return fv.map[x]
                    except (KeyError, TypeError):
                        pass
                elif type(fv) is Tup and type(x) is int and 0 < x <= len(fv):
                    return fv[x - 1]
                try:
                    return apply(fv, x)
                except Exception as e:  # noqa: BLE001
                    raise wrap_error(e, loc) from None
        else:
            afs = [a.fn for a in args]

            def app(E):
                try:
                    return apply(ff(E), Tup([g(E) for g in afs]))
                except Exception as e:  # noqa: BLE001
                    raise wrap_error(e, loc) from None
        return self.fold(Code(app, level, deps, pure, binds, loc=loc))

    def e_If(self, n: S.If, scope):
        c, t, f = (self.expr(x, scope) for x in (n.cond, n.then, n.else_))
        level, deps, pure, binds = _merge([c, t, f])
        if c.known and c.value is True:
            return t
        if c.known and c.value is False:
            return f
        cf, tf, ff, loc = c.fn, t.fn, f.fn, n.loc

        def ite(E):
            cv = cf(E)
            if cv is True:
                return tf(E)
            if cv is False:
                return ff(E)
            err = EvalError("A non-boolean expression was used as the condition of an IF.\n"
                            f"{to_tla_any(cv)}")
            err.push(loc)
            raise err
        return Code(ite, level, deps, pure, binds, loc=loc)

    def e_Case(self, n: S.Case, scope):
        arms = [(self.expr(c, scope), self.expr(v, scope)) for c, v in n.arms]
        other = self.expr(n.other, scope) if n.other is not None else None
        codes = [x for arm in arms for x in arm] + ([other] if other else [])
        level, deps, pure, binds = _merge(codes)
        pairs = [(c.fn, v.fn) for c, v in arms]
        of = other.fn if other else None
        loc = n.loc

        def case(E):
            for cf, vf in pairs:
                cv = cf(E)
                if cv is True:
                    return vf(E)
                if cv is not False:
                    raise EvalError("A non-boolean expression was used as a guard condition "
                                    f"of a CASE:\n{to_tla_any(cv)}")
            if of is not None:
                return of(E)
            err = EvalError("Attempted to evaluate a CASE with no conditions true.")
            err.push(loc)
            raise err
        return Code(guarded(case, loc), level, deps, pure, binds, loc=loc)

    def e_And(self, n: S.And, scope):
        codes = [self.expr(x, scope) for x in n.items]
        level, deps, pure, binds = _merge(codes)
        fns = [c.fn for c in codes]
        locs = [x.loc for x in n.items]
        loc = n.loc

        def conj(E):
            for f, l in zip(fns, locs, strict=True):
                v = f(E)
                if v is False:
                    return False
                if v is not True:
                    err = EvalError("A non-boolean expression was used as a conjunct:\n"
                                    f"{to_tla_any(v)}")
                    err.push(l)
                    err.push(loc)
                    raise err
            return True
        if len(fns) == 2 and False not in [c.value for c in codes]:
            a, b = fns

            def conj2(E):
                v = a(E)
                if v is True:
                    w = b(E)
                    if w is True or w is False:
                        return w
                    return conj(E)
                if v is False:
                    return False
                return conj(E)
            return self.fold(Code(conj2, level, deps, pure, binds, loc=loc))
        return self.fold(Code(conj, level, deps, pure, binds, loc=loc))

    def e_Or(self, n: S.Or, scope):
        codes = [self.expr(x, scope) for x in n.items]
        level, deps, pure, binds = _merge(codes)
        fns = [c.fn for c in codes]
        loc = n.loc

        def disj(E):
            for f in fns:
                v = f(E)
                if v is True:
                    return True
                if v is not False:
                    err = EvalError("A non-boolean expression was used as a disjunct:\n"
                                    f"{to_tla_any(v)}")
                    err.push(loc)
                    raise err
            return False
        return self.fold(Code(disj, level, deps, pure, binds, loc=loc))

    def e_BoxAction(self, n: S.BoxAction, scope):
        r"""``[A]_v`` as a predicate of a step: ``A \/ v' = v``."""
        a = self.expr(n.action, scope)
        v = self.expr(n.sub, scope)
        vp = self.expr(n.sub, scope.as_primed())
        level, deps, pure, binds = _merge([a, v, vp])
        af, vf, vpf = a.fn, v.fn, vp.fn

        def box(E):
            r = af(E)
            if r is True:
                return True
            if r is not False:
                raise EvalError(f"The action of [A]_v is not a boolean:\n{to_tla_any(r)}")
            return vf(E) == vpf(E)
        return Code(guarded(box, n.loc), max(level, ACTION), deps, pure, binds, loc=n.loc)

    def e_AngleAction(self, n: S.AngleAction, scope):
        r"""``<<A>>_v``: ``A /\ v' # v``."""
        a = self.expr(n.action, scope)
        v = self.expr(n.sub, scope)
        vp = self.expr(n.sub, scope.as_primed())
        level, deps, pure, binds = _merge([a, v, vp])
        af, vf, vpf = a.fn, v.fn, vp.fn

        def angle(E):
            r = af(E)
            if r is False:
                return False
            if r is not True:
                raise EvalError(f"The action of <<A>>_v is not a boolean:\n{to_tla_any(r)}")
            return vf(E) != vpf(E)
        return Code(guarded(angle, n.loc), max(level, ACTION), deps, pure, binds, loc=n.loc)

    def e_Fairness(self, n: S.Fairness, scope):
        a = self.expr(n.action, scope)
        v = self.expr(n.sub, scope)
        level, deps, pure, binds = _merge([a, v])
        loc = n.loc

        def fair(E):
            err = EvalError(f"The fairness condition {n.kind}_v(A) cannot be evaluated as "
                            "part of a state or action.")
            err.push(loc)
            raise err
        return Code(fair, TEMPORAL, deps, False, binds, loc=loc)

    # ------------------------------------------------------------------ binders

    def bounds(self, bounds: tuple[S.Bound, ...], scope: Scope):
        """Compile quantifier bounds: the set codes and the scope with the names bound.

        Returns (set_codes, shapes, inner_scope) where each shape is None for a single name
        or the number of names for a tuple pattern ``<<x, y>> \\in S``.
        """
        sets: list[Code] = []
        shapes: list[int | None] = []
        names: list[str] = []
        for b in bounds:
            c = self.expr(b.set, scope)
            if b.is_tuple:
                sets.append(c)
                shapes.append(len(b.names))
                names.extend(b.names)
            else:
                for nm in b.names:
                    sets.append(c)
                    shapes.append(None)
                    names.append(nm)
        return sets, shapes, scope.bind_slots(names)

    @staticmethod
    def binder_values(shapes, vals) -> tuple:
        """The slot values for one combination of bound values (tuples spread out)."""
        out: list = []
        for shape, v in zip(shapes, vals, strict=True):
            if shape is None:
                out.append(v)
            else:
                if type(v) is not Tup or len(v) != shape:
                    raise EvalError(f"A tuple pattern of {shape} names was bound to "
                                    f"{to_tla_any(v)}, which is not a {shape}-tuple.")
                out.extend(v)
        return tuple(out)

    def enumerate_bounds(self, set_fns, shapes, loc):
        """A function E -> iterator over tuples of slot values, in TLC's order (the first
        bound variable varies fastest, as TLC's ContextEnumerator does)."""
        simple = all(s is None for s in shapes)
        n = len(set_fns)
        binder_values = self.binder_values

        def domains(E):
            out = []
            for f in set_fns:
                s = f(E)
                if type(s) is FSet:
                    out.append(s.ordered())
                elif not is_set(s):
                    raise EvalError(f"Attempted to enumerate a bound of a quantifier that is "
                                    f"not a set:\n{to_tla_any(s)}")
                else:
                    out.append(ordered(s))
            return out
        if n == 1 and simple:
            f0 = set_fns[0]

            def one(E):
                s = f0(E)
                if type(s) is FSet:
                    return ((v,) for v in s.ordered())
                if not is_set(s):
                    raise EvalError(f"Attempted to enumerate a bound of a quantifier that "
                                    f"is not a set:\n{to_tla_any(s)}")
                return ((v,) for v in ordered(s))
            return one

        def many(E):
            doms = domains(E)
            # itertools.product varies the last fastest; TLC varies the first fastest
            for combo in itertools.product(*reversed(doms)):
                vals = combo[::-1]
                yield vals if simple else binder_values(shapes, vals)
        return many

    def e_Quant(self, n: S.Quant, scope):
        sets, shapes, inner = self.bounds(n.bounds, scope)
        body = self.expr(n.body, inner)
        level, deps, pure, binds = _merge(sets + [body])
        deps = frozenset(d for d in deps if d < scope.depth)
        gen = self.enumerate_bounds([s.fn for s in sets], shapes, n.loc)
        bf = body.fn
        loc = n.loc
        single = len(sets) == 1 and shapes[0] is None
        sf = sets[0].fn
        pair = len(sets) == 2 and shapes[0] is None and shapes[1] is None
        # Over a set not yet sorted, a pure body can run in any order: the answer is the
        # same, and only an error (or a non-boolean) depends on TLC's order, so then the
        # quantifier runs again in that order and says what TLC says.
        quick = body.pure
        if pair:
            sf2 = sets[1].fn
            need = self.enumerate_bounds([sf, sf2], shapes, n.loc)
            universal = n.kind == "A"

            word = "\\A" if universal else "\\E"

            def quant2(E):
                # \A x, y \in ...: nested loops, the first variable varying fastest
                a, b = sf(E), sf2(E)
                xs = a.ordered() if type(a) is FSet else ordered(a) if is_set(a) else None
                ys = b.ordered() if type(b) is FSet else ordered(b) if is_set(b) else None
                if xs is None or ys is None:
                    return quant_any(E)  # which reports the bound that is not a set
                for y in ys:
                    for x in xs:
                        r = bf(E + (x, y))
                        if r is not universal:
                            if r is (not universal):
                                return r
                            raise EvalError(f"The body of {word} is not a boolean:\n"
                                            f"{to_tla_any(r)}")
                return universal

            def quant_any(E):
                for vals in need(E):
                    r = bf(E + vals)
                    if r is not universal:
                        if r is (not universal):
                            return r
                        raise EvalError(f"The body of {word} is not a boolean:\n"
                                        f"{to_tla_any(r)}")
                return universal
            return self.fold(Code(guarded(quant2, loc), level, deps, pure, True, loc=loc))
        if n.kind == "E":
            if single:
                def exists1(E):
                    s = sf(E)
                    if type(s) is FSet:
                        if quick:
                            try:
                                for v in s:  # any order will do: see quick above
                                    r = bf(E + (v,))
                                    if r is True:
                                        return True
                                    if r is not False:
                                        break
                                else:
                                    return False
                            except EvalError:
                                pass
                        elems = s.ordered()
                    else:
                        elems = ordered(s)
                    for v in elems:
                        r = bf(E + (v,))
                        if r is True:
                            return True
                        if r is not False:
                            raise EvalError("The body of \\E is not a boolean:\n"
                                            f"{to_tla_any(r)}")
                    return False
                fn = exists1
            else:
                def exists(E):
                    for vals in gen(E):
                        r = bf(E + vals)
                        if r is True:
                            return True
                        if r is not False:
                            raise EvalError("The body of \\E is not a boolean:\n"
                                            f"{to_tla_any(r)}")
                    return False
                fn = exists
        else:
            if single:
                def forall1(E):
                    s = sf(E)
                    if type(s) is FSet:
                        if quick:
                            try:
                                for v in s:  # any order will do: see quick above
                                    r = bf(E + (v,))
                                    if r is False:
                                        return False
                                    if r is not True:
                                        break
                                else:
                                    return True
                            except EvalError:
                                pass
                        elems = s.ordered()
                    else:
                        elems = ordered(s)
                    for v in elems:
                        r = bf(E + (v,))
                        if r is False:
                            return False
                        if r is not True:
                            raise EvalError("The body of \\A is not a boolean:\n"
                                            f"{to_tla_any(r)}")
                    return True
                fn = forall1
            else:
                def forall(E):
                    for vals in gen(E):
                        r = bf(E + vals)
                        if r is False:
                            return False
                        if r is not True:
                            raise EvalError("The body of \\A is not a boolean:\n"
                                            f"{to_tla_any(r)}")
                    return True
                fn = forall
        return self.fold(Code(guarded(fn, loc), level, deps, pure, True, loc=loc))

    def e_UQuant(self, n: S.UQuant, scope):
        if n.kind in ("AA", "EE"):
            raise Unsupported("temporal quantifiers \\AA and \\EE", n.loc)
        word = "\\E" if n.kind == "E" else "\\A"
        inner = scope.bind_slots(n.names)
        body = self.expr(n.body, inner)
        loc = n.loc

        def fail(E):
            err = EvalError(f"TLC attempted to evaluate an unbounded {word}.\nMake sure that "
                            f"the expression is of form {word} x \\in S: P(x).")
            err.push(loc)
            raise err
        return Code(fail, body.level, frozenset(d for d in body.deps if d < scope.depth),
                    False, True, loc=loc)

    def e_Choose(self, n: S.Choose, scope):
        loc = n.loc
        inner = scope.bind_slots(n.names)
        body = self.expr(n.body, inner)
        if n.set is None:
            def fail(E):
                err = EvalError("TLC attempted to evaluate an unbounded CHOOSE.\nMake sure "
                                "that the expression is of form CHOOSE x \\in S: P(x).")
                err.push(loc)
                raise err
            return Code(fail, body.level, frozenset(d for d in body.deps if d < scope.depth),
                        False, True, loc=loc)
        s = self.expr(n.set, scope)
        level, deps, pure, binds = _merge([s, body])
        deps = frozenset(d for d in deps if d < scope.depth)
        sf, bf = s.fn, body.fn
        shape = len(n.names) if n.is_tuple else None

        def choose(E):
            sv = sf(E)
            if not is_set(sv):
                raise EvalError("Attempted to compute the value of an expression of form "
                                "CHOOSE x \\in S: P, but S was not a set.")
            for v in ordered(sv):
                if shape is None:
                    r = bf(E + (v,))
                else:
                    if type(v) is not Tup or len(v) != shape:
                        raise EvalError("Attempted to compute the value of an expression of "
                                        "form CHOOSE <<x1, ... , xN>> \\in S: P, but S was "
                                        "not a set of N-tuples.")
                    r = bf(E + tuple(v))
                if r is True:
                    return v
                if r is not False:
                    raise EvalError(f"The body of CHOOSE is not a boolean:\n{to_tla_any(r)}")
            raise EvalError("Attempted to compute the value of an expression of form\n"
                            "CHOOSE x \\in S: P, but no element of S satisfied P.")
        return self.fold(Code(guarded(choose, loc), level, deps, pure, True, loc=loc))

    def e_SetFilter(self, n: S.SetFilter, scope):
        sets, shapes, inner = self.bounds((n.bound,), scope)
        pred = self.expr(n.pred, inner)
        level, deps, pure, binds = _merge(sets + [pred])
        deps = frozenset(d for d in deps if d < scope.depth)
        sf, pf = sets[0].fn, pred.fn
        tuple_shape = shapes[0]
        loc = n.loc
        depth = scope.depth

        # a filter without primes stays a rule until its elements are needed (TLC's
        # SetPredValue); one reading the next state is computed at once, while it is there
        keep_rule = pred.level < ACTION

        def filt(E):
            s = sf(E)
            if not is_set(s):
                raise EvalError("Attempted to compute the value of an expression of form "
                                "{x \\in S : P}, but S was not a set.")
            if keep_rule or not is_finite(s):
                frame = _frame(E, depth)
                if tuple_shape is None:
                    def test(v):
                        return pf(frame + (v,))
                else:
                    def test(v):
                        return pf(frame + tuple(v))
                return FilteredSet(s, test)
            out = []
            for v in ordered(s):
                r = pf(E + ((v,) if tuple_shape is None else tuple(v)))
                if r is True:
                    out.append(v)
                elif r is not False:
                    raise EvalError("The predicate of a set filter is not a boolean:\n"
                                    f"{to_tla_any(r)}")
            return FSet(out)
        return self.fold(Code(guarded(filt, loc), level, deps, pure, True, loc=loc))

    def e_SetMap(self, n: S.SetMap, scope):
        sets, shapes, inner = self.bounds(n.bounds, scope)
        body = self.expr(n.expr, inner)
        level, deps, pure, binds = _merge(sets + [body])
        deps = frozenset(d for d in deps if d < scope.depth)
        gen = self.enumerate_bounds([s.fn for s in sets], shapes, n.loc)
        bf = body.fn
        single = len(sets) == 1 and shapes[0] is None
        sf = sets[0].fn

        if single:
            def setmap1(E):
                s = sf(E)
                elems = s.ordered() if type(s) is FSet else ordered(s)
                return FSet([bf(E + (v,)) for v in elems])
            fn = setmap1
        else:
            def setmap(E):
                return FSet([bf(E + vals) for vals in gen(E)])
            fn = setmap
        return self.fold(Code(guarded(fn, n.loc), level, deps, pure, True, loc=n.loc))

    def e_FnCons(self, n: S.FnCons, scope):
        loc = n.loc
        names = [nm for b in n.bounds for nm in b.names]
        if n.recursive is not None:
            return self._recursive_fn(n, scope)
        sets, shapes, inner = self.bounds(n.bounds, scope)
        body = self.expr(n.body, inner)
        level, deps, pure, binds = _merge(sets + [body])
        deps = frozenset(d for d in deps if d < scope.depth)
        bf = body.fn
        depth = scope.depth
        if len(sets) == 1 and shapes[0] is None:
            sf = sets[0].fn

            def fcons1(E):
                s = sf(E)
                if type(s) is FSet or (is_set(s) and is_finite(s)):
                    elems = s.ordered() if type(s) is FSet else ordered(s)
                    return make_fn({v: bf(E + (v,)) for v in elems})
                if not is_set(s):
                    raise EvalError("The domain of a function constructor is not a set:\n"
                                    f"{to_tla_any(s)}")
                base = _frame(E, depth)
                return LazyFn(s, lambda v: bf(base + (v,)))
            fn = fcons1
        else:
            set_fns = [s.fn for s in sets]
            single_names = len(names)
            binder_values = self.binder_values

            def fconsn(E):
                doms = [f(E) for f in set_fns]
                dom = Product(tuple(doms)) if len(doms) > 1 else doms[0]
                base = _frame(E, depth)

                def rule(key):
                    vals = key if len(doms) > 1 else (key,)
                    return bf(base + binder_values(shapes, vals))
                if all(is_finite(d) for d in doms):
                    return make_fn({k: rule(k) for k in ordered(dom)})
                return LazyFn(dom, rule)
            fn = fconsn
            del single_names
        return self.fold(Code(guarded(fn, loc), level, deps, pure, True, loc=loc))

    def _recursive_fn(self, n: S.FnCons, scope):
        """``f[x \\in S] == body`` where body may apply f: a LazyFn that remembers."""
        name = n.recursive
        # the function itself sits in a slot so that the body can apply it
        fscope = scope.bind_slots([name])
        sets, shapes, inner = self.bounds(n.bounds, fscope)
        body = self.expr(n.body, inner)
        level, deps, pure, binds = _merge(sets + [body])
        deps = frozenset(d for d in deps if d < scope.depth)
        bf = body.fn
        set_fns = [s.fn for s in sets]
        binder_values = self.binder_values
        depth = scope.depth

        def recfn(E):
            E = _frame(E, depth)
            doms = [f(E + (None,)) for f in set_fns]
            dom = Product(tuple(doms)) if len(doms) > 1 else doms[0]
            cell: list = [None]

            def rule(key):
                vals = key if len(doms) > 1 else (key,)
                return bf(E + (cell[0],) + binder_values(shapes, vals))
            f = LazyFn(dom, rule, f"{name}[...]")
            cell[0] = f
            return f
        return self.fold(Code(guarded(recfn, n.loc), level, deps, pure, True, loc=n.loc))

    def e_Except(self, n: S.Except, scope):
        base = self.expr(n.fn, scope)
        updates = []
        codes = [base]
        inner = scope.with_binding("@", Binding("slot", index=scope.depth), 1)
        for path, value in n.updates:
            steps: list[tuple[bool, Any]] = []
            for kind, arg in path:
                if kind == ".":
                    steps.append((True, arg))
                else:
                    acs = [self.expr(a, scope) for a in arg]
                    codes.extend(acs)
                    if len(acs) == 1:
                        steps.append((False, acs[0].fn))
                    else:
                        fns = [a.fn for a in acs]
                        steps.append((False, lambda E, fns=fns: Tup([g(E) for g in fns])))
            vc = self.expr(value, inner)
            codes.append(Code(vc.fn, vc.level, frozenset(d for d in vc.deps if d < scope.depth),
                              vc.pure, True))
            updates.append((steps, vc.fn))
        level, deps, pure, binds = _merge(codes)
        bfn = base.fn

        if len(updates) == 1 and len(updates[0][0]) == 1:
            (steps, vfn), = updates
            is_field, key = steps[0]
            if is_field:
                def exc_field(E):
                    f = bfn(E)
                    if type(f) is Fn:
                        m = f.map
                        if key in m:
                            d = dict(m)
                            d[key] = vfn(E + (m[key],))
                            return Fn(d)
                        return f
                    return except_update(f, key, lambda old: vfn(E + (old,)))
                fn = exc_field
            else:
                def exc_one(E):
                    f = bfn(E)
                    k = key(E)
                    if type(f) is Fn:
                        m = f.map
                        if k in m:
                            d = dict(m)
                            d[k] = vfn(E + (m[k],))
                            return Fn(d)
                        return f
                    return except_update(f, k, lambda old: vfn(E + (old,)))
                fn = exc_one
        else:
            def exc(E):
                work = bfn(E)
                for steps, vfn in updates:
                    keys = [key if is_field else key(E) for is_field, key in steps]
                    work = _except_path(work, keys, 0, vfn, E)
                return _seal(work)
            fn = exc
        return self.fold(Code(guarded(fn, n.loc), level, deps, pure, binds, loc=n.loc))

    def e_Let(self, n: S.Let, scope):
        inner, slot_fns = self.let_scope(n.defs, scope)
        body = self.expr(n.body, inner)
        if not slot_fns:
            return body
        pre = let_prelude(slot_fns)
        bf = body.fn
        deps = frozenset(d for d in body.deps if d < scope.depth)
        for _fn, dcode in slot_fns:
            deps |= frozenset(d for d in dcode.deps if d < scope.depth)

        def let(E):
            return bf(pre(E))
        level = max([body.level] + [c.level for _, c in slot_fns])
        pure = body.pure and all(c.pure for _, c in slot_fns)
        return self.fold(Code(let, level, deps, pure, True, loc=n.loc))

    def let_scope(self, defs, scope: Scope) -> tuple[Scope, list]:
        """The scope after a LET's definitions, and the definitions whose values go into
        slots of E (in order): see :func:`let_prelude`."""
        recursive = {d.name for d in defs if isinstance(d, S.RecursiveDecl)}
        slot_fns: list = []
        for d in defs:
            if isinstance(d, S.RecursiveDecl):
                continue
            if isinstance(d, S.InstanceDef):
                raise Unsupported("INSTANCE inside LET", d.loc)
            if d.params:
                op = LetOp(d, scope, d.name in recursive)
                scope = scope.with_binding(d.name, Binding("op", op=op))
                op.scope = scope  # a LET operator may call itself (RECURSIVE)
                continue
            code = self.expr(d.body, scope)
            if code.known or (code.level == CONST and not code.deps and code.pure) \
                    or code.level >= ACTION:
                # constants are folded; a definition that reads primed variables is
                # re-evaluated wherever it is used, since assignments may come later
                scope = scope.with_binding(d.name, Binding("code", code=code,
                                                           depth=scope.depth, node=d.body,
                                                           scope=scope, let=True))
                continue
            slot_fns.append((code.fn, code))
            scope = scope.with_binding(d.name, Binding("lazyslot", index=scope.depth,
                                                       code=code, level=code.level,
                                                       node=d.body, scope=scope, let=True), 1)
        return scope, slot_fns

    # ------------------------------------------------------------------ names

    def e_Lambda(self, n: S.Lambda, scope):
        raise SemanticError("LAMBDA can only be an argument of an operator.", n.loc)

    def e_OpRef(self, n: S.OpRef, scope):
        raise SemanticError(f"The operator {n.name} needs arguments here.", n.loc)

    def e_Name(self, n: S.Name, scope):
        if n.prefix:
            op = self.resolve_prefixed(n, scope)
        else:
            b = scope.locals.get(n.name)
            if b is not None:
                if b.kind in ("slot", "lazyslot", "code") and not n.args:
                    return self.binding_code(b, n.name, scope, n.loc)
                op = self.binding_op(b, n.name, scope)
            else:
                sym = scope.ctx.env.lookup(n.name)
                if sym is None:
                    raise SemanticError(f"Unknown operator: `{n.name}'.", n.loc)
                return self.symbol_code(sym, n, scope)
        return self.apply_op(op, n, scope)

    def binding_code(self, b: Binding, name: str, scope: Scope, loc: S.Loc) -> Code:
        if b.kind == "slot":
            i = b.index
            return Code(lambda E: E[i], CONST, frozenset({i}), True, loc=loc)
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
            return self.adapt(b.code, b.depth, scope.depth)
        raise SemanticError(f"The operator {name} requires arguments.", loc)

    def binding_op(self, b: Binding, name: str, scope: Scope) -> Op:
        if b.kind == "op":
            return b.op
        if b.kind == "opslot":
            return SlotOp(b.index, b.arity, name)
        if b.kind == "code":
            assert b.code is not None
            return CodeOp(b.code, b.depth, name)
        return SlotOp(b.index, 0, name)

    def apply_op(self, op: Op, n: S.Name, scope: Scope) -> Code:
        if len(n.args) != op.arity:
            raise SemanticError(f"The operator {n.name} requires {op.arity} argument"
                                f"{'s' if op.arity != 1 else ''}, but is given "
                                f"{len(n.args)}.", n.loc)
        return op.apply(self, list(n.args), scope, n.loc)

    def compile_args(self, op_arities: list[int], args: list, scope: Scope,
                     loc: S.Loc) -> list[Code]:
        """Arguments as codes: values for ordinary parameters, callables for operator
        parameters (arity > 0)."""
        out = []
        for arity, a in zip(op_arities, args, strict=True):
            if arity == 0 and not isinstance(a, (S.Lambda, S.OpRef)):
                out.append(self.expr(a, scope))
            else:
                out.append(self.op_value(a, arity, scope))
        return out

    def op_value(self, a, arity: int, scope: Scope) -> Code:
        """An operator argument (a name, a symbol or a LAMBDA) as a Python callable."""
        if isinstance(a, S.Lambda):
            if arity >= 0 and len(a.params) != arity:
                raise SemanticError(f"A LAMBDA with {len(a.params)} parameters is passed where "
                                    f"an operator of {arity} arguments is expected.", a.loc)
            return LambdaOp(a, scope).value(self, scope, a.loc)
        if isinstance(a, S.OpRef):
            op = self.builtin_or_defined(a.name, scope, a.loc)
        elif isinstance(a, S.Name) and not a.args:
            if a.prefix:
                op = self.resolve_prefixed(a, scope)
            else:
                b = scope.locals.get(a.name)
                if b is not None:
                    op = self.binding_op(b, a.name, scope)
                else:
                    op = self.builtin_or_defined(a.name, scope, a.loc)
        else:
            raise SemanticError("An operator is expected as this argument.",
                                getattr(a, "loc", None))
        if arity >= 0 and op.arity != arity:
            raise SemanticError(f"The operator {op.name} takes {op.arity} arguments, but an "
                                f"operator of {arity} is expected here.", a.loc)
        return op.value(self, scope, a.loc)

    def arg_op(self, a, scope: Scope) -> Op:
        """An operator argument as an :class:`Op` (for expanding a definition in place)."""
        if isinstance(a, S.Lambda):
            return LambdaOp(a, scope)
        if isinstance(a, S.OpRef):
            return self.builtin_or_defined(a.name, scope, a.loc)
        if isinstance(a, S.Name) and not a.args:
            if a.prefix:
                return self.resolve_prefixed(a, scope)
            b = scope.locals.get(a.name)
            if b is not None:
                return self.binding_op(b, a.name, scope)
            return self.builtin_or_defined(a.name, scope, a.loc)
        raise SemanticError("An operator is expected as this argument.", getattr(a, "loc", None))

    def builtin_or_defined(self, name: str, scope: Scope, loc: S.Loc) -> Op:
        sym = scope.ctx.env.lookup(name)
        if sym is None:
            raise SemanticError(f"Unknown operator: `{name}'.", loc)
        return self.sym_op(sym, scope.ctx, loc)

    def scoped_entry(self, sym: Sym, module: str):
        if not self.scoped:
            return None
        while isinstance(sym, ImportedSym):
            entry = self.scoped.get((sym, module))
            if entry is not None:
                return entry
            sym = sym.sym
        return self.scoped.get((sym, module))

    def sym_op(self, sym: Sym, ctx: Ctx, loc: S.Loc) -> Op:
        """The operator a module-level symbol denotes in ``ctx``."""
        if self.scoped and not isinstance(sym, BuiltinSym):
            entry = self.scoped_entry(sym, ctx.env.name)
            if entry is not None:
                return self.override_op(entry, sym, loc)
        if isinstance(sym, BuiltinSym):
            if sym.name in _VALUE_BUILTINS:
                fn, arity = _VALUE_BUILTINS[sym.name]
                return BuiltinOp(sym.name, fn, arity)
            raise SemanticError(f"The built-in operator {sym.name} cannot be passed as an "
                                "argument.", loc)
        if isinstance(sym, ImportedSym):
            outer = ctx if sym.home is ctx.env else self.ctx(sym.home, ctx.inst)
            inner = self.inst(sym.decl, sym.target, outer)
            assert sym.sym.home is not None, "built-ins are not imported"
            return self.sym_op(sym.sym, self.ctx(sym.sym.home, inner), loc)
        if isinstance(sym, DefSym):
            over = self.overrides.get(sym)
            if over is not None:
                return self.override_op(over, sym, loc)
            if sym.native is not None:
                return NativeOp(sym.native, sym.name)
            home_ctx = self.ctx(sym.home, ctx.inst) if sym.home is not ctx.env else ctx
            return UserOp(sym, home_ctx)
        if isinstance(sym, ConstSym):
            return self.constant_op(sym, ctx, loc)
        if isinstance(sym, VarSym):
            return CodeOp(self.variable_code(sym, ctx, False, loc), 2, sym.name)
        raise SemanticError(f"{sym.name} is not an operator.", loc)

    def override_op(self, over, sym: Sym, loc: S.Loc) -> Op:
        kind, what = over
        if kind == "value":
            return ValueOp(what, sym.name)
        return self.sym_op(what, self.root_ctx, loc)

    def constant_op(self, sym: ConstSym, ctx: Ctx, loc: S.Loc) -> Op:
        inst = ctx.inst
        if inst is not None and inst.substitutes(sym):
            return self.substitution_op(sym, inst, loc)
        binding = self.bindings.get(sym)
        if binding is None and sym.home is not None:
            binding = self.scoped_entry(sym, sym.home.name)
        if binding is None:
            raise SemanticError(f"The constant parameter {sym.name} is not assigned a value by "
                                "the configuration file.", loc)
        kind, what = binding
        if kind == "value":
            return ValueOp(what, sym.name)
        return self.sym_op(what, self.root_ctx, loc)

    def substitution_op(self, sym: Sym, inst: Inst, loc: S.Loc) -> Op:
        """What a CONSTANT or VARIABLE of an instantiated module stands for."""
        key = ("op", sym.name)
        cached = inst.cache.get(key)
        if cached is not None:
            return cached
        expr = substitution_expr(inst, sym)
        if not any(name == sym.name for name, _ in inst.decl.substs):
            outer_env = inst.outer.env
            if outer_env.lookup(sym.name) is None and not (inst.args and any(
                    p.name == sym.name for p in inst.decl.params)):
                entry = self.scoped_entry(sym, inst.target.name)
                if entry is None:
                    raise SemanticError(f"The module {inst.target.name} is instantiated "
                                        f"without a substitution for its parameter {sym.name},"
                                        f" and {outer_env.name} has no {sym.name}.", loc)
                op0 = self.override_op(entry, sym, loc)
                inst.cache[key] = op0
                return op0
        outer_scope = self.instance_scope(inst)
        if sym.arity > 0 or isinstance(expr, (S.OpRef, S.Lambda)):
            if isinstance(expr, S.Lambda):
                op: Op = LambdaOp(expr, outer_scope)
            elif isinstance(expr, S.OpRef):
                op = self.builtin_or_defined(expr.name, outer_scope, expr.loc)
            elif isinstance(expr, S.Name) and not expr.args:
                b = outer_scope.locals.get(expr.name)
                if b is not None:
                    op = self.binding_op(b, expr.name, outer_scope)
                else:
                    op = self.builtin_or_defined(expr.name, outer_scope, expr.loc)
            else:
                raise SemanticError(f"The operator {sym.name} must be substituted by an "
                                    "operator.", loc)
        else:
            op = _SubstOp(self, expr, inst, sym.name)
        inst.cache[key] = op
        return op

    def instance_scope(self, inst: Inst) -> Scope:
        """The scope in which an instance's substitutions are compiled."""
        loc: dict = {}
        if inst.args:
            for p, code in zip(inst.decl.params, inst.args, strict=True):
                loc[p.name] = Binding("code", code=code, depth=2)
        return Scope(inst.outer, loc, 2)

    def variable_code(self, sym: VarSym, ctx: Ctx, primed: bool, loc: S.Loc,
                      depth: int = 2) -> Code:
        inst = ctx.inst
        if inst is not None and inst.substitutes(sym):
            op = self.substitution_op(sym, inst, loc)
            assert isinstance(op, _SubstOp)
            code = self.adapt(op.code(primed), 2, depth)
            pseudo = self.pseudo
            if primed and pseudo is not None and sym.name in pseudo:
                pi = pseudo[sym.name]
                sub = code.fn

                def pseudo_read(E):
                    t = E[1]
                    if pi < len(t) and t[pi] is not None:
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
                v = E[1][i]
                if v is None:
                    err = EvalError(f"The variable {name}' is used before it is assigned a "
                                    "value.")
                    err.push(loc)
                    raise err
                return v
            return Code(nextvar, ACTION, NO_DEPS, True, loc=loc)
        return Code(lambda E: E[0][i], STATE, NO_DEPS, True, loc=loc)

    def symbol_code(self, sym: Sym, n: S.Name, scope: Scope) -> Code:
        ctx = scope.ctx
        if isinstance(sym, VarSym):
            if n.args:
                raise SemanticError(f"The variable {n.name} takes no arguments.", n.loc)
            return self.variable_code(sym, ctx, scope.primed, n.loc, scope.depth)
        if isinstance(sym, BuiltinSym):
            return self.builtin(sym.name, n, scope)
        if isinstance(sym, InstSym):
            raise SemanticError(f"The instance {n.name} must be followed by ! and a name.",
                                n.loc)
        op = self.sym_op(sym, ctx, n.loc)
        if isinstance(op, _SubstOp):
            if n.args:
                raise SemanticError(f"The constant {n.name} takes no arguments.", n.loc)
            return self.adapt(op.code(scope.primed), 2, scope.depth)
        return self.apply_op(op, n, scope)

    def resolve_prefixed(self, n: S.Name, scope: Scope) -> Op:
        """``M!N!Op``: walk the instance path, then find Op in the last module."""
        ctx = scope.ctx
        env = ctx.env
        first = True
        for name, args in n.prefix:
            sym = None
            if first:
                b = scope.locals.get(name)
                if b is not None:
                    raise Unsupported("INSTANCE defined in a LET", n.loc)
            sym = env.lookup(name) if first else env.exports.get(name)
            first = False
            if isinstance(sym, ImportedSym) and isinstance(sym.sym, InstSym):
                ctx = self.ctx(sym.home, self.inst(sym.decl, sym.target, ctx))
                sym = sym.sym
            if not isinstance(sym, InstSym):
                raise SemanticError(f"{name} is not an instance of a module; cannot use "
                                    f"{name}!...", n.loc)
            if len(args) != sym.arity:
                raise SemanticError(f"The instance {name} requires {sym.arity} arguments.",
                                    n.loc)
            arg_codes = tuple(self.expr(a, scope) for a in args) if args else None
            home_ctx = ctx if sym.home is ctx.env else self.ctx(sym.home, ctx.inst)
            inst = self.inst(sym.node, sym.target, home_ctx, arg_codes)
            env = sym.target
            ctx = self.ctx(env, inst)
        target = env.exports.get(n.name)
        if target is None:
            raise SemanticError(f"Unknown operator: `{n.name}' in module {env.name}.", n.loc)
        if isinstance(target, (ConstSym, VarSym)):
            raise SemanticError(f"{n.name} is a parameter of module {env.name} and cannot be "
                                "referred to through an instance.", n.loc)
        return self.sym_op(target, ctx, n.loc)

    # ------------------------------------------------------------------ calls

    def def_body(self, sym: DefSym, ctx: Ctx, primed: bool) -> DefBody:
        """The body of a user definition compiled for calls by value (cached)."""
        key = (id(sym), id(ctx), primed, id(self.pseudo) if self.pseudo is not None else 0)
        body = self._bodies.get(key)
        if body is not None:
            return body
        body = self._bodies[key] = DefBody()
        node = sym.node
        assert node is not None, "a native has no body to compile"
        const_key = (id(sym), id(ctx))
        code = self._constants.get(const_key) if not node.params else None
        if code is None:
            scope = self.bind_params(node.params, Scope(ctx, None, 2, primed))
            code = self.expr(node.body, scope)
            if not node.params:
                code = self.fold(code, always=True)
                if code.known:  # one value however it is used (RandomElement drawn once)
                    self._constants[const_key] = code
        body.holder[0] = code.fn
        body.level = code.level
        body.pure = code.pure
        body.code = code
        body.done = True
        # an operator of its arguments alone (no variables, nothing impure) that iterates
        # over sets is remembered: specs call PermsOf(s) or Max(S) again and again on the
        # same arguments, and the answer cannot change
        if node.params and code.level == CONST and code.pure and \
                not any(p.arity for p in node.params) and \
                _enumerates(node.body, self._enumerating):
            body.memo = {}
        return body

    def bind_params(self, params, scope: Scope) -> Scope:
        loc = dict(scope.locals)
        d = scope.depth
        for p in params:
            if p.arity:
                loc[p.name] = Binding("opslot", index=d, arity=p.arity)
            else:
                loc[p.name] = Binding("slot", index=d)
            d += 1
        return Scope(scope.ctx, loc, d, scope.primed)

    def call_user(self, op: UserOp, args: list, scope: Scope, loc: S.Loc) -> Code:
        sym = op.sym
        assert sym.node is not None, "a native is called through NativeOp"
        params = sym.node.params
        arg_codes = self.compile_args([p.arity for p in params], args, scope, loc)
        body = self.def_body(sym, op.ctx, scope.primed)
        holder = body.holder
        if not body.done:  # a recursive call while the body is being compiled
            level, deps, pure, binds = _merge(arg_codes)
            level = max(level, STATE)
            pure = False
        else:  # the body adds its level and purity, not its dependencies
            level, deps, pure, binds = _merge(arg_codes)
            level = max(level, body.level)
            pure = pure and body.pure
        n = len(arg_codes)
        if n == 0:
            if body.done and body.code is not None and body.code.known:
                v = body.code.value
                return Code(lambda E: v, CONST, NO_DEPS, True, False, v, loc)

            def call0(E):
                try:
                    return holder[0]((E[0], E[1]))
                except Exception as e:  # noqa: BLE001
                    raise wrap_error(e, loc) from None
            code = Code(call0, level, deps, pure, binds, loc=loc)
            if body.done and level == CONST and pure:
                return self.fold(code)
            return code
        fns = [a.fn for a in arg_codes]
        memo = body.memo if body.done else None
        if memo is not None:
            return self._memo_call(holder, memo, fns, level, deps, pure, binds, loc)
        if n == 1:
            (a,) = fns

            def call1(E):
                try:
                    return holder[0]((E[0], E[1], a(E)))
                except Exception as e:  # noqa: BLE001
                    raise wrap_error(e, loc) from None
            fn = call1
        elif n == 2:
            a, b = fns

            def call2(E):
                try:
                    return holder[0]((E[0], E[1], a(E), b(E)))
                except Exception as e:  # noqa: BLE001
                    raise wrap_error(e, loc) from None
            fn = call2
        else:
            def calln(E):
                try:
                    return holder[0]((E[0], E[1]) + tuple(f(E) for f in fns))
                except Exception as e:  # noqa: BLE001
                    raise wrap_error(e, loc) from None
            fn = calln
        code = Code(fn, level, deps, pure, binds, loc=loc)
        return self.fold(code) if body.done else code

    def _memo_call(self, holder, memo: dict, fns, level, deps, pure, binds, loc) -> Code:
        if len(fns) == 1:
            (a,) = fns

            def memo1(E):
                x = a(E)
                key = _memo_key(x)
                if key is None:
                    return holder[0]((E[0], E[1], x))
                try:
                    return memo[key]
                except KeyError:
                    pass
                try:
                    v = holder[0]((E[0], E[1], x))
                except Exception as e:  # noqa: BLE001
                    raise wrap_error(e, loc) from None
                if len(memo) >= MEMO_LIMIT:
                    memo.clear()
                memo[key] = v
                return v
            fn = memo1
        else:
            def memon(E):
                xs = tuple(f(E) for f in fns)
                key = tuple(map(_memo_key, xs))
                if None in key:
                    return holder[0]((E[0], E[1]) + xs)
                try:
                    return memo[key]
                except KeyError:
                    pass
                try:
                    v = holder[0]((E[0], E[1]) + xs)
                except Exception as e:  # noqa: BLE001
                    raise wrap_error(e, loc) from None
                if len(memo) >= MEMO_LIMIT:
                    memo.clear()
                memo[key] = v
                return v
            fn = memon
        return self.fold(Code(fn, level, deps, pure, binds, loc=loc))

    def call_native(self, op: NativeOp, args: list, scope: Scope, loc: S.Loc) -> Code:
        nat = op.native
        arities = [-1 if i in nat.op_args else 0 for i in range(nat.arity)]
        arg_codes = self.compile_args(arities, args, scope, loc)
        fn = nat.fn
        if nat.runtime:
            rt = self.rt
            f = fn

            def fn(*vals):
                return f(rt, *vals)
        if nat.arity == 0:
            level = STATE if nat.state_level else CONST
            return self.fold(Code(guarded(lambda E: fn(), loc), level, NO_DEPS,
                                  not nat.impure, loc=loc))
        code = self.call_fn(fn, arg_codes, loc, pure=not nat.impure)
        if nat.state_level:
            code.level = max(code.level, STATE)
        return code

    def composition(self, args, scope: Scope, loc: S.Loc) -> Code:
        """``A \\cdot B`` as a formula of two states ``s``, ``u``: some successor ``t`` of
        ``s`` under ``A`` has ``u`` as a ``B``-successor (TLC's eval of \\cdot)."""
        from conformance.tla.actions import Partial

        acomp = self.actions
        if acomp is None:
            raise Unsupported("\\cdot outside a model", loc)
        a_fn = acomp.next_action(args[0], scope)
        b = self.expr(args[1], scope)
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

    # ------------------------------------------------------------------ built-ins

    def builtin(self, name: str, n: S.Name, scope: Scope) -> Code:
        args = n.args
        arity = len(args)
        expected = {"TRUE": 0, "FALSE": 0, "BOOLEAN": 0, "STRING": 0}.get(name)
        if expected is None:
            from conformance.tla.modules import BUILTIN_ARITY

            expected = BUILTIN_ARITY[name]
        if arity != expected:
            raise SemanticError(f"The operator {name} requires {expected} arguments.", n.loc)
        loc = n.loc
        if name == "TRUE":
            return const(True, loc)
        if name == "FALSE":
            return const(False, loc)
        if name == "BOOLEAN":
            return const(BOOLEAN, loc)
        if name == "STRING":
            return const(STRING, loc)
        if name == "ENABLED":
            return self.enabled(args[0], scope, loc)
        if name == "UNCHANGED":
            inner = self.expr(args[0], scope)
            primed = self.expr(args[0], scope.as_primed())
            if inner.level >= ACTION:
                raise SemanticError("Level error: the argument of UNCHANGED is an action.", loc)
            a, b = inner.fn, primed.fn

            def unchanged(E):
                return a(E) == b(E)
            return Code(guarded(unchanged, loc), ACTION if inner.level else CONST,
                        inner.deps, inner.pure, inner.binds, loc=loc)
        if name in ("[]", "<>", "~>", "-+->"):
            codes = [self.expr(a, scope) for a in args]
            level, deps, pure, binds = _merge(codes)

            def temporal(E):
                err = EvalError(f"The temporal operator {name} cannot be evaluated as part of "
                                "a state or action.")
                err.push(loc)
                raise err
            return Code(temporal, TEMPORAL, deps, False, binds, loc=loc)
        if name == "\\cdot":
            return self.composition(args, scope, loc)
        codes = [self.expr(a, scope) for a in args]
        level, deps, pure, binds = _merge(codes)
        if name == "\\lnot":
            a = codes[0].fn

            def lnot(E):
                v = a(E)
                if v is True:
                    return False
                if v is False:
                    return True
                err = EvalError("Attempted to apply the operator ~ to a non-boolean\n"
                                f"{to_tla_any(v)}")
                err.push(loc)
                raise err
            return self.fold(Code(lnot, level, deps, pure, binds, loc=loc))
        if name == "=>":
            a, b = codes[0].fn, codes[1].fn

            def implies(E):
                v = a(E)
                if v is False:
                    return True
                if v is True:
                    w = b(E)
                    if w is True or w is False:
                        return w
                    err = EvalError(f"The consequent of => is not a boolean:\n{to_tla_any(w)}")
                else:
                    err = EvalError(f"The antecedent of => is not a boolean:\n{to_tla_any(v)}")
                err.push(loc)
                raise err
            return self.fold(Code(implies, level, deps, pure, binds, loc=loc))
        if name == "\\equiv":
            a, b = codes[0].fn, codes[1].fn

            def equiv(E):
                v, w = a(E), b(E)
                if type(v) is not bool or type(w) is not bool:
                    err = EvalError("The arguments of <=> must be booleans.")
                    err.push(loc)
                    raise err
                return v is w
            return self.fold(Code(equiv, level, deps, pure, binds, loc=loc))
        if name == "=":
            return self.equality(codes, level, deps, pure, binds, loc, False)
        if name == "/=":
            return self.equality(codes, level, deps, pure, binds, loc, True)
        if name in ("\\in", "\\notin"):
            return self.membership(codes, level, deps, pure, binds, loc, name == "\\notin")
        fn, _ = _VALUE_BUILTINS[name]
        return self.call_fn(fn, codes, loc)

    def equality(self, codes, level, deps, pure, binds, loc, negate: bool) -> Code:
        a, b = codes[0], codes[1]
        af, bf = a.fn, b.fn
        if b.known:
            k = b.value
            kt = type(k)
            if kt is int or kt is str or kt is bool:
                if negate:
                    def neq_k(E):
                        v = af(E)
                        if v == k and type(v) is kt:
                            return False
                        if type(v) is kt:
                            return True
                        try:
                            return not eq(v, k)
                        except Exception as e:  # noqa: BLE001
                            raise wrap_error(e, loc) from None
                    return self.fold(Code(neq_k, level, deps, pure, binds, loc=loc))

                def eq_k(E):
                    v = af(E)
                    if type(v) is kt:
                        return v == k
                    try:
                        return eq(v, k)
                    except Exception as e:  # noqa: BLE001
                        raise wrap_error(e, loc) from None
                return self.fold(Code(eq_k, level, deps, pure, binds, loc=loc))
        if negate:
            def neq_(E):
                v, w = af(E), bf(E)
                if v == w:
                    if (type(v) is bool) is (type(w) is bool):  # Python has 0 == FALSE
                        return False
                elif type(v) is type(w):
                    return True
                try:
                    return not eq(v, w)
                except Exception as e:  # noqa: BLE001
                    raise wrap_error(e, loc) from None
            return self.fold(Code(neq_, level, deps, pure, binds, loc=loc))

        def eq_(E):
            v, w = af(E), bf(E)
            if v == w:
                if (type(v) is bool) is (type(w) is bool):  # Python has 0 == FALSE
                    return True
            elif type(v) is type(w):
                return False
            try:
                return eq(v, w)
            except Exception as e:  # noqa: BLE001
                raise wrap_error(e, loc) from None
        return self.fold(Code(eq_, level, deps, pure, binds, loc=loc))

    def membership(self, codes, level, deps, pure, binds, loc, negate: bool) -> Code:
        xf, sf = codes[0].fn, codes[1].fn
        s = codes[1]
        if s.known and type(s.value) is FSet:
            sv = s.value
            if negate:
                return self.fold(Code(lambda E: xf(E) not in sv, level, deps, pure, binds,
                                      loc=loc))
            return self.fold(Code(lambda E: xf(E) in sv, level, deps, pure, binds, loc=loc))
        if s.known and hasattr(s.value, "member"):
            m = s.value.member
            if negate:
                return self.fold(Code(guarded(lambda E: not m(xf(E)), loc), level, deps, pure,
                                      binds, loc=loc))
            return self.fold(Code(guarded(lambda E: m(xf(E)), loc), level, deps, pure, binds,
                                  loc=loc))

        def mem(E):
            x = xf(E)
            sv = sf(E)
            if type(sv) is FSet:
                return x in sv
            try:
                return member(x, sv)
            except Exception as e:  # noqa: BLE001
                raise wrap_error(e, loc) from None
        if negate:
            return self.fold(Code(lambda E: not mem(E), level, deps, pure, binds, loc=loc))
        return self.fold(Code(mem, level, deps, pure, binds, loc=loc))

    def enabled(self, action, scope: Scope, loc: S.Loc) -> Code:
        if self.actions is None:
            raise Unsupported("ENABLED outside a model", loc)
        fn = self.actions.enabled_fn(action, scope)
        return Code(guarded(fn, loc), STATE, NO_DEPS, False, True, loc=loc)


class _SubstOp(Op):
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

    def apply(self, comp, args, scope, loc):
        return comp.adapt(self.code(scope.primed), 2, scope.depth)

    def value(self, comp, scope, loc):
        raise SemanticError(f"{self.name} is not an operator.", loc)


def canonical_state(values) -> tuple:
    return tuple(canonical(v) for v in values)


__all__ = ["Compiler", "Code", "Scope", "Ctx", "Lazy", "Binding", "CONST", "STATE", "ACTION",
           "TEMPORAL", "canonical_state", "const", "guarded", "wrap_error", "as_fset",
           "member", "in_"]
