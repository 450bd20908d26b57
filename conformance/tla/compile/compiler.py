"""The compiler of one model: contexts, constant folding, and the dispatch of every syntax
node to the rule of its family (one family per module of this package, see its docstring)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from conformance.tla import syntax as S
from conformance.tla.builtins import Runtime
from conformance.tla.compile import (
    calls,
    control,
    functions,
    instances,
    names,
    quantifiers,
    sets,
    temporal,
)
from conformance.tla.compile.code import CONST, E0, NO_DEPS, Code, merge, wrap_error
from conformance.tla.compile.fieldindex import FieldIndex
from conformance.tla.compile.scopes import Ctx, Inst, Scope
from conformance.tla.errors import EvalError, Unsupported
from conformance.tla.modules import ModuleEnv

if TYPE_CHECKING:
    from conformance.tla.actions import ActionCompiler


class Compiler:
    """Compiles expressions of one model. ``bindings`` gives the cfg's values for constants
    and ``overrides`` its replacements of definitions (both keyed by symbol).

    The rules live in the family modules; each is named here as a method, so that a rule
    reaches any other through ``comp`` (``comp.expr``, ``comp.bounds``...)."""

    def __init__(self, root: ModuleEnv, bindings: dict, overrides: dict,
                 runtime: Runtime | None = None, scoped: dict | None = None) -> None:
        self.root = root
        self.bindings = bindings
        self.overrides = overrides
        self.scoped = scoped or {}  # (symbol, module name) -> binding, from "<-[Mod]"
        # definitions whose override holds in instances' copies of them too (from "<-[Mod]")
        self.body_overrides: set = set()
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
        self._primed_params: dict = {}  # definition -> whether its body primes a parameter
        self._substituting: set = set()  # definitions being compiled by name (no recursion)
        # LET M == INSTANCE Mod: the module of each such definition (the loader finds them)
        self.let_instances: dict[int, ModuleEnv] = {}
        self._in_recursive_fn = 0  # depth of recursive function definitions being compiled
        self.actions: ActionCompiler | None = None  # set by the model: compiles ENABLED
        self.field_index = FieldIndex()  # sets of records by field, for binders (fieldindex)

    def ctx(self, env: ModuleEnv, inst: Inst | None) -> Ctx:
        key = (id(env), id(inst))
        c = self._ctx_cache.get(key)
        if c is None:
            c = self._ctx_cache[key] = Ctx(env, inst)
        return c

    def inst(self, decl: S.InstanceDef, target: ModuleEnv, outer: Ctx,
             args: tuple | None = None, depth: int = 2) -> Inst:
        if outer.inst is not None and outer.inst.depth > depth:
            depth = outer.inst.depth  # inside an instance whose frames extend a caller's
        if args:
            return Inst(decl, target, outer, args, depth)
        key = (id(decl), id(outer))
        i = self._inst_cache.get(key)
        if i is None:
            i = self._inst_cache[key] = Inst(decl, target, outer, None, depth)
        return i

    def root_scope(self) -> Scope:
        return Scope(self.root_ctx)

    def fold(self, code: Code, always: bool = False) -> Code:
        """Evaluate a closed constant expression now; keep it lazy if that fails.
        ``always``: even if it is impure (a 0-arity constant definition, which TLC
        evaluates once at startup, RandomElement and Print included)."""
        if code.known or code.level != CONST or code.deps or not (code.pure or always):
            return code
        try:
            v = code.fn(E0)
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

    def call_fn(self, f: Callable, args: list[Code], loc: S.Loc, pure: bool = True) -> Code:
        level, deps, cpure, binds = merge(args)
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

    def expr(self, node, scope: Scope) -> Code:
        method = getattr(self, "e_" + type(node).__name__, None)
        if method is None:
            raise Unsupported(type(node).__name__, getattr(node, "loc", None))
        return method(node, scope)

    # ------------------------------------------------------------------ the rules

    # sets.py
    e_SetEnum = sets.e_SetEnum
    e_RecordSet = sets.e_RecordSet
    e_FnSet = sets.e_FnSet
    e_Times = sets.e_Times
    e_SetFilter = sets.e_SetFilter
    e_SetMap = sets.e_SetMap
    membership = sets.membership

    # functions.py
    e_Tuple = functions.e_Tuple
    e_RecordCons = functions.e_RecordCons
    e_Dot = functions.e_Dot
    e_FnApp = functions.e_FnApp
    e_FnCons = functions.e_FnCons
    e_Except = functions.e_Except

    # quantifiers.py
    bounds = quantifiers.bounds
    binder_values = staticmethod(quantifiers.binder_values)
    enumerate_bounds = quantifiers.enumerate_bounds
    e_Quant = quantifiers.e_Quant
    e_UQuant = quantifiers.e_UQuant
    e_Choose = quantifiers.e_Choose

    # control.py
    e_If = control.e_If
    e_Case = control.e_Case
    e_And = control.e_And
    e_Or = control.e_Or
    e_Let = control.e_Let
    let_scope = control.let_scope
    builtin = control.builtin
    equality = control.equality

    # temporal.py
    e_BoxAction = temporal.e_BoxAction
    e_AngleAction = temporal.e_AngleAction
    e_Fairness = temporal.e_Fairness
    enabled = temporal.enabled
    composition = temporal.composition

    # names.py
    e_Num = names.e_Num
    e_Str = names.e_Str
    e_Bool = names.e_Bool
    e_Decimal = names.e_Decimal
    e_Unsupported = names.e_Unsupported
    e_At = names.e_At
    e_Prime = names.e_Prime
    e_Lambda = names.e_Lambda
    e_OpRef = names.e_OpRef
    e_Name = names.e_Name
    binding_code = names.binding_code
    binding_op = names.binding_op
    apply_op = names.apply_op
    compile_args = names.compile_args
    op_value = names.op_value
    arg_op = names.arg_op
    builtin_or_defined = names.builtin_or_defined
    symbol_code = names.symbol_code
    variable_code = names.variable_code

    # instances.py
    e_SubExpr = instances.e_SubExpr
    subexpression = instances.subexpression
    scoped_entry = instances.scoped_entry
    sym_op = instances.sym_op
    override_op = instances.override_op
    constant_op = instances.constant_op
    substitution_op = instances.substitution_op
    instance_scope = instances.instance_scope
    resolve_prefixed = instances.resolve_prefixed

    # calls.py
    def_body = calls.def_body
    bind_params = calls.bind_params
    call_user = calls.call_user
    call_native = calls.call_native
