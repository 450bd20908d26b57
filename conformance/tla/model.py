"""A model: a spec bound to a configuration, compiled and ready to explore or to step.

Loading follows TLC's order: the .cfg is read first (its model values are interned first),
then the modules, then the cfg's names are checked against the spec, constants are bound,
ASSUMEs are checked, the behavior spec is taken apart (initial predicate, next-state relation,
fairness), and the next-state relation is split into TLC's *actions*: the maximal prefix of
disjunctions, existential quantifiers over constant sets, and definitions applied to constant
arguments. Each action carries the name TLC shows in traces (the innermost definition
entered) and the source span of its expression.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.tla import syntax as S
from conformance.tla.actions import ActionCompiler, Partial
from conformance.tla.builtins import Runtime
from conformance.tla.cfg import Config, parse_config
from conformance.tla.compile import (
    ACTION,
    CONST,
    STATE,
    TEMPORAL,
    Binding,
    Code,
    Compiler,
    Ctx,
    Scope,
    Tracing,
    UserOp,
    const,
)
from conformance.tla.errors import ConfigError, EvalError, SemanticError, SpecError
from conformance.tla.lazy import ordered, to_tla_any
from conformance.tla.modules import (
    ConstSym,
    DefSym,
    ImportedSym,
    Loader,
    ModuleEnv,
    VarSym,
)
from conformance.tla.remember import Remembered
from conformance.tla.sany import check_spec
from conformance.values import Fn, ModelValue, Tup, intern_names, reset_names, typed_key

# names TLC interns before it reads anything (static initializers of its own classes)
TLC_PREINTERNED = ["TRUE", "BOOLEAN", "SUBSET", "UNION", "DOMAIN", "ENABLED", "UNCHANGED"]

Value = Any


def _not_compiled(E) -> None:
    raise AssertionError("an action was run before the model compiled it")


@dataclass
class Action:
    """One of TLC's actions: a piece of the next-state relation with a name."""

    name: str
    loc: S.Loc
    params: dict[str, Value]
    node: Any
    scope: Scope
    fn: Callable = _not_compiled  # fn(E): sinks each successor into E[1].sink


@dataclass
class Check:
    """A named predicate checked by the explorer (invariant, constraint, property part)."""

    name: str
    loc: S.Loc
    code: Code


@dataclass
class Temporal:
    """A temporal formula to check (a PROPERTY), or a fairness condition of the spec."""

    name: str
    node: Any
    scope: Scope


@dataclass
class Model:
    spec: Path
    config: Config
    root: ModuleEnv
    loader: Loader
    variables: list[VarSym]
    comp: Compiler
    acomp: ActionCompiler
    runtime: Runtime
    init: list[tuple[Any, Scope]] = field(default_factory=list)
    next: tuple[Any, Scope, str] | None = None
    actions: list[Action] = field(default_factory=list)
    invariants: list[Check] = field(default_factory=list)
    implied_inits: list[Check] = field(default_factory=list)
    action_properties: list[Check] = field(default_factory=list)
    temporal_properties: list[Temporal] = field(default_factory=list)
    fairness: list[Temporal] = field(default_factory=list)
    constraints: list[Check] = field(default_factory=list)
    action_constraints: list[Check] = field(default_factory=list)
    view: Code | None = None
    symmetry: list | None = None  # permutations: dicts model value -> model value
    postconditions: list[Check] = field(default_factory=list)
    check_deadlock: bool = True
    init_fn: Callable | None = None
    load_args: dict = field(default_factory=dict)
    _traced: Model | None = None

    def traced(self) -> Model:
        """The same model compiled with error positions recorded (see compile.Tracing);
        used to rerun a step that failed and report where, as TLC does."""
        if self._traced is None:
            runtime = Runtime(self.runtime.out, seed=self.runtime.seed)
            runtime.registers = self.runtime.registers
            with Tracing(True):
                self._traced = load(**{**self.load_args, "runtime": runtime})
        return self._traced

    @property
    def names(self) -> list[str]:
        return [v.name for v in self.variables]

    @property
    def module(self) -> str:
        return self.root.name

    # ------------------------------------------------------------------ states

    def initial_states(self, sink: Callable[[tuple], None]) -> None:
        """Call ``sink`` with each initial state, in TLC's order (duplicates included)."""
        assert self.init_fn is not None
        s = Partial([None] * len(self.variables))
        s.sink = sink
        self.init_fn((s, None))

    def all_initial_states(self) -> list[tuple]:
        out: list[tuple] = []
        self.initial_states(out.append)
        return out

    def successors(self, state: tuple, action: Action, sink: Callable[[tuple], None]) -> None:
        t = Partial([None] * len(self.variables))
        t.sink = sink
        action.fn((state, t))

    def state_dict(self, state: tuple) -> dict[str, Value]:
        return dict(zip(self.names, state, strict=True))

    def eval_state(self, code: Code, state: tuple, next_state: tuple | None = None) -> Value:
        return code.fn((state, next_state))


# --------------------------------------------------------------------------- loading


def load(spec: str | Path, config: str | Path | None = None, *,
         constants: dict[str, Value] | None = None, runtime: Runtime | None = None,
         check_deadlock: bool | None = None, need_behavior: bool = True) -> Model:
    """Parse, check and compile ``spec`` with ``config`` (default: the .cfg beside it).

    ``constants`` adds or replaces constant values (name -> TLA+ value) on top of the cfg;
    with no cfg at all, they are the only bindings. ``need_behavior=False`` accepts a model
    without INIT/NEXT or SPECIFICATION (for evaluating definitions and single steps).
    """
    spec = Path(spec)
    if spec.suffix != ".tla":
        spec = spec.with_suffix(".tla")
    if not spec.is_file():
        raise SpecError(f"cannot find the spec {spec}", file=str(spec))
    cfg_path = Path(config) if config is not None else spec.with_suffix(".cfg")
    reset_names()
    if config is None and not cfg_path.is_file():
        cfg = Config(str(cfg_path))
    else:
        cfg = parse_config(cfg_path)
    loader = Loader(spec.parent)
    root = loader.load_root(spec)
    check_spec(loader, root)
    _intern(loader, root, cfg)
    variables = list(root.variables)
    for i, v in enumerate(variables):
        v.index = i
    runtime = runtime or Runtime()
    runtime.variables = [v.name for v in variables]
    runtime.base_dir = spec.parent  # files named by the spec (Json) are found from here
    bindings, overrides, scoped = _bind_constants(cfg, root, loader, constants or {})
    comp = Compiler(root, bindings, overrides, runtime, scoped)
    comp.let_instances = loader.let_instances
    acomp = ActionCompiler(comp, variables)
    model = Model(spec, cfg, root, loader, variables, comp, acomp, runtime)
    _check_constants(model)
    model.check_deadlock = cfg.check_deadlock if cfg.check_deadlock is not None else True
    if check_deadlock is not None:
        model.check_deadlock = check_deadlock
    runtime.stats["config"] = Fn({"mode": "bfs", "deadlock": model.check_deadlock,
                                  "worker": 1, "seed": "0", "fingerprint": "0",
                                  "install": ""})
    model.load_args = dict(spec=spec, config=config, constants=constants, runtime=runtime,
                           check_deadlock=check_deadlock, need_behavior=need_behavior)
    _behavior(model, need_behavior)
    _properties(model)
    return model


def _intern(loader: Loader, root: ModuleEnv, cfg: Config) -> None:
    """Replay the order in which TLC interns names (see conformance.values)."""
    intern_names(TLC_PREINTERNED)
    intern_names(cfg.model_values)
    envs = [loader.envs[k] for k in loader.reached if k in loader.envs]
    for env in envs:
        if env.module is not None:
            intern_names(env.module.identifiers)
    for env in loader.order:
        if env.module is not None:
            intern_names(env.module.strings)


def _find(name: str, env: ModuleEnv, cfg: Config):
    sym = env.table.get(name)
    if sym is None and "!" in name:
        raise ConfigError(f"The configuration file names {name}; instance paths in the "
                          "configuration are not supported.", cfg.loc(name.split("!")[0]),
                          file=cfg.file)
    return sym


def _bind_constants(cfg: Config, root: ModuleEnv, loader: Loader,
                    extra: dict[str, Value]) -> tuple[dict, dict, dict]:
    """The cfg's CONSTANT section: values of constants (``bindings``), replacements of
    definitions (``overrides``), and both restricted to one module (``scoped``, from
    ``<-[Mod]`` and ``=[Mod]``)."""
    bindings: dict = {}
    overrides: dict = {}
    scoped: dict = {}
    for a in cfg.constants:
        env = root
        if a.module is not None:
            scope_env = loader.envs.get(a.module)
            if scope_env is None:
                raise ConfigError(f"The configuration file refers to module {a.module}, which "
                                  "the spec does not use.", cfg.loc(a.name), file=cfg.file)
            env = scope_env
        sym = _find(a.name, env, cfg)
        if sym is None:
            # TLC accepts (and ignores) assignments to names the spec does not declare
            continue
        if isinstance(sym, ImportedSym) and a.module is None:
            sym = sym.sym
        if a.target is not None:  # Name <- Def
            target = root.table.get(a.target) or env.table.get(a.target)
            if target is None:
                raise ConfigError(f"The definition {a.target} that the configuration file "
                                  f"substitutes for {a.name} is not defined in the "
                                  "specification.", cfg.loc(a.target), file=cfg.file)
            if isinstance(target, ImportedSym):
                target = target.sym
            if target.arity != sym.arity:
                raise ConfigError(f"The configuration substitutes {a.target} (with "
                                  f"{target.arity} arguments) for {a.name} (with {sym.arity}).",
                                  cfg.loc(a.name), file=cfg.file)
            entry: tuple = ("sym", target)
        elif a.args is not None:  # F(1) = 2: TLC builds the operator from such entries
            if sym.arity != len(a.args):
                raise ConfigError(f"{a.name} takes {sym.arity} arguments, but the "
                                  f"configuration file gives it {len(a.args)}.",
                                  cfg.loc(a.name), file=cfg.file)
            old = bindings.get(sym) if isinstance(sym, ConstSym) else overrides.get(sym)
            table = old[1] if old is not None and old[0] == "table" else {}
            table[tuple(typed_key(v) for v in a.args)] = (a.args, a.value)
            entry = ("table", table)
        else:
            if sym.arity:
                raise ConfigError(f"{a.name} takes arguments; the configuration file must use "
                                  "<- to substitute a definition for it.", cfg.loc(a.name),
                                  file=cfg.file)
            entry = ("value", a.value)
        if a.module is not None:
            scoped[(sym, a.module)] = entry
            continue
        if isinstance(sym, ConstSym):
            bindings[sym] = entry
        elif isinstance(sym, DefSym):
            overrides[sym] = entry
        else:
            raise ConfigError(f"{a.name} is a {sym.kind} and cannot be assigned in the "
                              "configuration file.", cfg.loc(a.name), file=cfg.file)
    for name, value in extra.items():
        sym = root.table.get(name)
        if isinstance(sym, ConstSym):
            bindings[sym] = ("value", value)
        elif isinstance(sym, DefSym):
            overrides[sym] = ("value", value)
        else:
            raise SpecError(f"{name} is not a constant of {root.name}")
    return bindings, overrides, scoped


def _check_constants(model: Model) -> None:
    for c in model.root.constants:
        if c not in model.comp.bindings and model.comp.scoped_entry(c, c.home.name) is None:
            raise ConfigError(f"The constant parameter {c.name} is not assigned a value by "
                              "the configuration file.", c.loc, file=model.config.file)


# --------------------------------------------------------------------------- assumptions


def check_assumptions(model: Model) -> tuple[S.Assume, str] | None:
    """The first ASSUME that is false (with TLC's message), or None."""
    comp = model.comp
    for assume, env in model.root.assumes:
        scope = Scope(comp.ctx(env, None))
        with Tracing(True):
            code = comp.expr(assume.expr, scope)
        loc = assume.expr.loc
        try:
            v = code.fn((None, None))
        except EvalError as e:
            e.push(loc)
            raise
        if v is not True:
            return assume, f"Assumption {loc} is false."
    return None


# --------------------------------------------------------------------------- behavior spec


def _lookup_def(model: Model, name: str, what: str) -> tuple[Any, Scope, S.Loc]:
    """A 0-arity definition named in the cfg: its body and the scope to compile it in."""
    cfg = model.config
    sym = model.root.table.get(name)
    if sym is None:
        raise ConfigError(f"The {what} {name} specified in the configuration file\nis not "
                          "defined in the specification.", cfg.loc(name), file=cfg.file)
    comp = model.comp
    ctx = comp.root_ctx
    if isinstance(sym, ImportedSym):
        outer = comp.ctx(sym.home, None)
        assert sym.sym.home is not None, "built-ins are not imported"
        ctx = comp.ctx(sym.sym.home, comp.inst(sym.decl, sym.target, outer))
        sym = sym.sym
    over = comp.overrides.get(sym)
    if over is not None and over[0] == "sym":
        sym = over[1]
    elif over is not None and what in ("initial predicate", "next-state relation",
                                       "specification"):  # CONSTANT Init = 3
        raise ConfigError(f"The {what} {name} cannot be a constant.", cfg.loc(name),
                          file=cfg.file)
    if not isinstance(sym, DefSym) or sym.node is None:
        raise ConfigError(f"The {what} {name} specified in the configuration file is not a "
                          "definition of the specification.", cfg.loc(name), file=cfg.file)
    if sym.arity:
        raise ConfigError(f"The {what} {name} specified in the configuration file takes "
                          "arguments.", cfg.loc(name), file=cfg.file)
    if sym.home is not ctx.env:
        ctx = comp.ctx(sym.home, ctx.inst)
    return sym.node.body, Scope(ctx), sym.node.loc


def _behavior(model: Model, required: bool) -> None:
    cfg = model.config
    if cfg.specification:
        if cfg.init or cfg.next:
            raise ConfigError("The configuration file gives both SPECIFICATION and INIT/NEXT.",
                              cfg.loc(cfg.specification), file=cfg.file)
        body, scope, _ = _lookup_def(model, cfg.specification, "specification")
        _take_apart(model, body, scope, cfg.specification)
        if model.next is None:
            raise ConfigError(f"The specification {cfg.specification} has no next-state "
                              "relation of the form [][Next]_vars.",
                              cfg.loc(cfg.specification), file=cfg.file)
    elif cfg.init or cfg.next:
        if not (cfg.init and cfg.next):
            missing = "NEXT" if cfg.init else "INIT"
            raise ConfigError(f"The configuration file gives {'INIT' if cfg.init else 'NEXT'} "
                              f"but no {missing}.", file=cfg.file)
        ibody, iscope, _ = _lookup_def(model, cfg.init, "initial predicate")
        model.init.append((ibody, iscope))
        nbody, nscope, _ = _lookup_def(model, cfg.next, "next-state relation")
        model.next = (nbody, nscope, cfg.next)
    elif required:
        raise ConfigError("The configuration file must give either SPECIFICATION or INIT and "
                          "NEXT.", file=cfg.file)
    else:
        return
    # the initial predicate: the conjunction of the spec's state-level conjuncts
    model.init_fn = model.acomp.init_chain(model.init)
    nnode, nscope, nname = model.next
    model.actions = split_actions(model, nnode, nscope, nname)
    for a in model.actions:
        a.fn = model.acomp.next_action(a.node, a.scope, a.name)


def _take_apart(model: Model, node, scope: Scope, name: str) -> None:
    """TLC's processConfigSpec: the initial predicate, [][Next]_v, and fairness."""
    comp = model.comp
    if isinstance(node, S.Let):
        inner, slots = comp.let_scope(node.defs, scope)
        if slots:
            raise SpecError("a specification whose LET defines state-dependent values is "
                            "not supported", node.loc)
        _take_apart(model, node.body, inner, name)
        return
    if isinstance(node, S.And):
        for item in node.items:
            _take_apart(model, item, scope, name)
        return
    if isinstance(node, S.Name) and not node.prefix and node.name == "[]" and len(node.args) == 1:
        arg = node.args[0]
        if isinstance(arg, S.BoxAction):
            if model.next is not None:
                raise SpecError("TLC cannot handle a specification with more than one "
                                "next-state relation [][N]_v.", node.loc)
            model.next = (arg.action, scope, name)
            return
        model.fairness.append(Temporal(name, node, scope))
        return
    if isinstance(node, S.Name) and not node.args and (
            node.prefix or scope.locals.get(node.name) is None):
        op = model.acomp.resolve(node, scope)
        if isinstance(op, UserOp) and op.sym.node is not None and op.arity == 0:
            inner = Scope(op.ctx)
            code = comp.expr(op.sym.node.body, inner)
            if code.level <= STATE:
                model.init.append((op.sym.node.body, inner))
                return
            _take_apart(model, op.sym.node.body, inner, op.sym.name)
            return
    if isinstance(node, S.Fairness):
        model.fairness.append(Temporal(name, node, scope))
        return
    code = comp.expr(node, scope)
    if code.level <= STATE:
        model.init.append((node, scope))
    elif code.level == TEMPORAL:
        model.fairness.append(Temporal(name, node, scope))
    else:
        raise SpecError("TLC cannot handle this conjunct of the spec: it is an action "
                        "outside [][...]_v.", getattr(node, "loc", None))


# --------------------------------------------------------------------------- actions


def split_actions(model: Model, node, scope: Scope, name: str,
                  params: dict | None = None) -> list[Action]:
    """TLC's getActions: split at disjunctions, constant \\E and constant-argument calls."""
    comp = model.comp
    params = dict(params or {})
    if isinstance(node, S.Or):
        out = []
        for item in node.items:
            out.extend(split_actions(model, item, scope, name, params))
        return out
    if isinstance(node, S.Let):
        inner, slots = comp.let_scope(node.defs, scope)
        if not slots:
            return split_actions(model, node.body, inner, name, params)
        return [Action(name, node.loc, params, node, scope)]
    if isinstance(node, S.Quant) and node.kind == "E":
        try:
            sets, shapes, inner = comp.bounds(node.bounds, scope)
        except SpecError:
            raise
        if all(s.level == CONST and not (s.deps - _const_slots(scope)) for s in sets):
            try:
                gen = comp.enumerate_bounds([s.fn for s in sets], shapes, node.loc)
                combos = list(gen(_const_env(scope)))
            except EvalError:
                combos = None
            if combos is not None:
                if not combos:
                    return [Action(name, node.loc, params, node, scope)]
                names = [nm for b in node.bounds for nm in b.names]
                out = []
                for vals in combos:
                    loc_ = dict(scope.locals)
                    p2 = dict(params)
                    for nm, v in zip(names, vals, strict=True):
                        loc_[nm] = Binding("code", code=const(v), depth=scope.depth)
                        p2[nm] = v
                    out.extend(split_actions(model, node.body,
                                             Scope(scope.ctx, loc_, scope.depth, scope.primed),
                                             name, p2))
                return out
        return [Action(name, node.loc, params, node, scope)]
    if isinstance(node, S.Name):
        op = None
        try:
            op = model.acomp.resolve(node, scope)
        except SpecError:
            op = None
        if isinstance(op, UserOp) and op.sym.node is not None and not op.sym.recursive:
            arg_codes = []
            ok = True
            for p, a in zip(op.sym.node.params, node.args, strict=True):
                if p.arity:
                    ok = False
                    break
                c = comp.expr(a, scope)
                if c.level != CONST or (c.deps - _const_slots(scope)):
                    ok = False
                    break
                arg_codes.append(c)
            if ok:
                try:
                    vals = [c.fn(_const_env(scope)) for c in arg_codes]
                except EvalError:
                    ok = False
            if ok:
                loc_ = {}
                p2 = dict(params)
                for p, v in zip(op.sym.node.params, vals, strict=True):
                    loc_[p.name] = Binding("code", code=const(v), depth=2)
                    p2[p.name] = v
                inner = Scope(op.ctx, loc_, 2, scope.primed)
                return split_actions(model, op.sym.node.body, inner, op.sym.name, p2)
    return [Action(name, node.loc, params, node, scope)]


def _const_slots(scope: Scope) -> frozenset:
    return frozenset()


def _const_env(scope: Scope) -> tuple:
    return (None, None) + (None,) * (scope.depth - 2)


# --------------------------------------------------------------------------- properties


def _properties(model: Model) -> None:
    cfg = model.config
    comp = model.comp
    for name in cfg.invariants:
        body, scope, loc = _lookup_def(model, name, "invariant")
        code = comp.expr(body, scope)
        if code.level > STATE:
            raise ConfigError(f"The invariant {name} is not a state predicate (it has "
                              f"{'temporal' if code.level == TEMPORAL else 'action'} level).",
                              cfg.loc(name), file=cfg.file)
        model.invariants.append(Check(name, loc, _remembered(comp, body, scope, code)))
    for name in cfg.constraints:
        body, scope, loc = _lookup_def(model, name, "constraint")
        code = comp.expr(body, scope)
        if code.level > STATE:
            raise ConfigError(f"The constraint {name} is not a state predicate.",
                              cfg.loc(name), file=cfg.file)
        model.constraints.append(Check(name, loc, _remembered(comp, body, scope, code)))
    for name in cfg.action_constraints:
        body, scope, loc = _lookup_def(model, name, "action constraint")
        code = comp.expr(body, scope)
        if code.level > ACTION:
            raise ConfigError(f"The action constraint {name} is not an action.",
                              cfg.loc(name), file=cfg.file)
        model.action_constraints.append(Check(name, loc, code))
    for name in cfg.properties:
        body, scope, loc = _lookup_def(model, name, "property")
        _property(model, name, body, scope)
    for name in cfg.postconditions:
        body, scope, loc = _lookup_def(model, name, "postcondition")
        model.postconditions.append(Check(name, loc, comp.expr(body, scope)))
    if cfg.view:
        body, scope, loc = _lookup_def(model, cfg.view, "view")
        model.view = comp.expr(body, scope)
    if cfg.symmetry:
        over = _value_override(model, cfg.symmetry)
        if over is not None:  # CONSTANT Perms = ... replaces the definition
            perms = over
        else:
            body, scope, loc = _lookup_def(model, cfg.symmetry, "symmetry")
            code = comp.expr(body, scope)
            try:
                perms = code.fn((None, None))
            except EvalError as e:
                e.push(loc)
                raise
        model.symmetry = _permutations(perms, cfg.symmetry)
    if cfg.alias:
        _lookup_def(model, cfg.alias, "alias")


def _remembered(comp, body, scope: Scope, code: Code) -> Code:
    """``code`` of a check, remembered by the variables it reads (see remember.py); a
    conjunction is remembered conjunct by conjunct, since each conjunct of a TypeOK reads
    one variable where the whole reads them all. A conjunct that is not a boolean or fails
    sends the whole conjunction to the compiled code, which reports it as TLC does."""
    if not code.pure or code.level == CONST:
        return code
    whole = code.fn
    if isinstance(body, S.And) and len(body.items) > 1:
        parts = [comp.expr(item, scope) for item in body.items]
        if all(p.pure for p in parts):
            fns = [Remembered(p.fn) if p.level != CONST else p.fn for p in parts]

            def conj(E):
                try:
                    for f in fns:
                        r = f(E)
                        if r is not True:
                            return False if r is False else whole(E)
                except EvalError:
                    return whole(E)
                return True
            return Code(conj, code.level, code.deps, code.pure, code.binds, code.value,
                        code.loc)
    return Code(Remembered(whole), code.level, code.deps, code.pure, code.binds, code.value,
                code.loc)


def _property(model: Model, name: str, node, scope: Scope) -> None:
    """TLC's processConfigProps."""
    comp = model.comp
    if isinstance(node, S.Let):
        inner, slots = comp.let_scope(node.defs, scope)
        if not slots:
            _property(model, name, node.body, inner)
            return
    if isinstance(node, S.And):
        for item in node.items:
            _property(model, name, item, scope)
        return
    if isinstance(node, S.Name) and not node.args and (
            node.prefix or scope.locals.get(node.name) is None):
        op = model.acomp.resolve(node, scope)
        if isinstance(op, UserOp) and op.sym.node is not None and op.arity == 0:
            _property(model, node.name, op.sym.node.body, Scope(op.ctx))
            return
    if isinstance(node, S.Name) and node.name == "[]" and len(node.args) == 1 and \
            not node.prefix:
        arg = node.args[0]
        if isinstance(arg, S.BoxAction):
            code = comp.expr(arg, scope)
            aname = name
            if isinstance(arg.action, S.Name) and not arg.action.args:
                aname = arg.action.name
            model.action_properties.append(Check(aname if False else name, arg.loc,
                                                 _remembered(comp, arg, scope, code)))
            return
        code = comp.expr(arg, scope)
        if code.level <= STATE:
            iname = arg.name if isinstance(arg, S.Name) and not arg.args else name
            model.invariants.append(Check(iname, arg.loc, code))
            return
        model.temporal_properties.append(Temporal(name, node, scope))
        return
    code = comp.expr(node, scope)
    if code.level <= STATE:
        model.implied_inits.append(Check(name, getattr(node, "loc", S.NOLOC), code))
    elif code.level == TEMPORAL:
        model.temporal_properties.append(Temporal(name, node, scope))
    else:
        raise ConfigError(f"The property {name} is an action, not a temporal formula; TLC "
                          "checks actions only in the form [][A]_v.",
                          model.config.loc(name), file=model.config.file)


def _value_override(model: Model, name: str):
    """The value the cfg gives a definition (``CONSTANT Perms = ...``), if it gives one."""
    sym = model.root.table.get(name)
    while isinstance(sym, ImportedSym):
        sym = sym.sym
    over = model.comp.overrides.get(sym) if sym is not None else None
    return over[1] if over is not None and over[0] == "value" else None


def _permutations(perms, name: str) -> list[dict]:
    """The SYMMETRY set as a list of mappings between model values (identity left out)."""
    out = []
    not_perms = EvalError(f"The symmetry function {name} must specify a set of permutations.")
    try:
        elems = ordered(perms)
    except EvalError:
        raise not_perms from None
    for p in elems:
        if type(p) is Fn:
            m = p.map
        elif type(p) is Tup and not p:
            m = {}
        else:
            raise not_perms
        mapping = {}
        for k, v in m.items():
            if type(k) is not ModelValue or type(v) is not ModelValue:
                raise SemanticError(f"The symmetry {name} permutes values that are not model "
                                    f"values: {to_tla_any(p)}")
            if k is not v:
                mapping[k] = v
        if mapping:
            out.append(mapping)
    return _group(out)


def _group(generators: list[dict]) -> list[dict]:
    """The permutations the generators compose to, identity left out: TLC closes the
    SYMMETRY set under composition (MVPerms.permutationSubgroup), so that, e.g.,
    ``Permutations(A) \\cup Permutations(B)`` also swaps values of A and B together."""
    def compose(p: dict, q: dict) -> dict:
        out = {}
        for x in {**q, **p}:
            y = p.get(q.get(x, x), q.get(x, x))
            if y is not x:
                out[x] = y
        return out

    perms = list(generators)
    known = {frozenset(p.items()) for p in perms}
    start = 0
    while True:
        end = len(perms)
        for g in generators:
            for j in range(start, end):
                c = compose(g, perms[j])
                key = frozenset(c.items())
                if c and key not in known:
                    known.add(key)
                    perms.append(c)
        if end == len(perms):
            return perms
        start = end


__all__ = ["Model", "Action", "Check", "Temporal", "load", "check_assumptions",
           "split_actions", "Ctx", "Code"]
