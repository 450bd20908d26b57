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
    LetOp,
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
from conformance.tla.parse import parse_text
from conformance.tla.remember import Remembered
from conformance.tla.sany import check_spec
from conformance.values import Fn, ModelValue, Tup, intern_names, reset_names, typed_key, use_names

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
    possible: list[Check] = field(default_factory=list)  # _POSSIBLE: some state/step does
    check_deadlock: bool = True
    # TLC's -continue: the search goes on past a violated invariant (the first is reported)
    keep_going: bool = False
    init_fn: Callable | None = None
    load_args: dict = field(default_factory=dict)
    # TLC's order of the names this model interned (conformance.values): put in force by
    # use_names() before evaluating a model that was not the last one loaded
    name_order: dict[str, int] = field(default_factory=dict)
    _traced: Model | None = None

    def use_names(self) -> None:
        """Compare strings and model values in this model's TLC order from now on."""
        use_names(self.name_order)

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
         check_deadlock: bool | None = None, need_behavior: bool = True,
         cyclic_redefinitions: bool = False, invariants: tuple[str, ...] = (),
         lazy_actions: bool = False) -> Model:
    """Parse, check and compile ``spec`` with ``config`` (default: the .cfg beside it).

    ``constants`` adds or replaces constant values (name -> TLA+ value) on top of the cfg;
    with no cfg at all, they are the only bindings. ``need_behavior=False`` accepts a model
    without INIT/NEXT or SPECIFICATION (for evaluating definitions and single steps).
    ``cyclic_redefinitions`` is TLC's allowCyclicRedefinitions: ``F <- RF`` where RF uses
    F means F's own definition inside RF (see ``_bind_constants``). ``invariants`` are
    further invariants written as expressions over the spec's names (TLC's -inv).
    ``lazy_actions`` compiles each of TLC's actions when it is first run rather than at
    load: a validator steps a few of them, and a constant set as large as a real run's
    client values splits the next-state relation into thousands (TLC's split is kept).
    """
    spec = Path(spec)
    if spec.suffix != ".tla":
        spec = spec.with_suffix(".tla")
    if not spec.is_file():
        raise SpecError(f"cannot find the spec {spec}", file=str(spec))
    cfg_path = Path(config) if config is not None else spec.with_suffix(".cfg")
    name_order = reset_names()
    # SANY first, as TLC: a spec that does not parse is reported before its model is read
    loader = Loader(spec.parent)
    extra = [_expression_def(f"__DebuggerExpr__{i}", text)
             for i, text in enumerate(invariants, 1)]
    root = loader.load_root(spec, tuple(extra))
    check_spec(loader, root)
    if config is None and not cfg_path.is_file():
        cfg = Config(str(cfg_path))
    else:
        cfg = parse_config(cfg_path)
    cfg.invariants.extend(d.name for d in extra)
    _intern(loader, root, cfg)
    variables = list(root.variables)
    for i, v in enumerate(variables):
        v.index = i
    runtime = runtime or Runtime()
    runtime.variables = [v.name for v in variables]
    runtime.base_dir = spec.parent  # files named by the spec (Json) are found from here
    bindings, overrides, scoped, on_body = _bind_constants(cfg, root, loader, constants or {},
                                                           cyclic_redefinitions)
    comp = Compiler(root, bindings, overrides, runtime, scoped)
    comp.body_overrides = on_body
    comp.let_instances = loader.let_instances
    acomp = ActionCompiler(comp, variables)
    model = Model(spec, cfg, root, loader, variables, comp, acomp, runtime,
                  name_order=name_order)
    _check_constants(model)
    model.check_deadlock = cfg.check_deadlock if cfg.check_deadlock is not None else True
    if check_deadlock is not None:
        model.check_deadlock = check_deadlock
    runtime.stats["config"] = Fn({"mode": "bfs", "deadlock": model.check_deadlock,
                                  "worker": 1, "seed": "0", "fingerprint": "0",
                                  "install": ""})
    model.load_args = dict(spec=spec, config=config, constants=constants, runtime=runtime,
                           check_deadlock=check_deadlock, need_behavior=need_behavior,
                           lazy_actions=lazy_actions)
    _behavior(model, need_behavior, lazy_actions)
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


def _expression_def(name: str, text: str) -> S.OpDef:
    """``name == text``, parsed on its own (TLC's -inv: its parse errors are the spec's)."""
    module = parse_text(f"---- MODULE {name} ----\n{name} ==\n{text}\n====\n", file=name)[0]
    (unit,) = module.units
    assert isinstance(unit, S.OpDef)
    return unit


def _bind_constants(cfg: Config, root: ModuleEnv, loader: Loader,
                    extra: dict[str, Value], cyclic: bool = False
                    ) -> tuple[dict, dict, dict, set]:
    """The cfg's CONSTANT section: values of constants (``bindings``), replacements of
    definitions (``overrides``), and both restricted to one module (``scoped``, from
    ``<-[Mod]`` and ``=[Mod]``). With ``cyclic`` (TLC's allowCyclicRedefinitions), in
    ``F <- RF`` where RF is defined with F, the applications of F that RF reaches keep F's
    own definition: a third item of the override lists their spans. The last item: the
    definitions replaced by ``<-[Mod]`` or ``=[Mod]``, which TLC replaces in their body, so
    that an instance's copy of the definition (``I!F``) is replaced too."""
    bindings: dict = {}
    overrides: dict = {}
    scoped: dict = {}
    on_body: set = set()
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
            if cyclic and isinstance(sym, DefSym) and isinstance(target, DefSym):
                keep = _cyclic_sites(target, sym)
                if keep:  # TLC's allowCyclicRedefinitions
                    entry = ("sym", target, keep)
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
        if a.module is not None and not isinstance(sym, DefSym):
            scoped[(sym, a.module)] = entry
            continue
        # F <- [Mod]G on a definition F of Mod (its own or one Mod EXTENDS): TLC replaces
        # the definition itself, wherever it is used (Nat <- [Naturals]MyNat holds in every
        # module extending Naturals); a constant, or a definition Mod has from an INSTANCE,
        # is replaced in Mod only
        if isinstance(sym, ConstSym):
            bindings[sym] = entry
        elif isinstance(sym, DefSym):
            overrides[sym] = entry
            if a.module is not None:
                on_body.add(sym)
            else:
                on_body.discard(sym)
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
    return bindings, overrides, scoped, on_body


def _cyclic_sites(target: DefSym, sym: DefSym) -> frozenset | None:
    """The spans of the applications of ``sym`` that the definition ``target`` reaches
    through the definitions it uses, or None if it reaches none or meets an instance
    (TLC's isDefinedWith: a substitution makes a redefinition not cyclic)."""
    sites: set = set()
    seen: set = set()
    todo = [target]
    while todo:
        d = todo.pop()
        if id(d) in seen or d.node is None or d.home is None:
            continue
        seen.add(id(d))
        env = d.home
        stack = [d.node.body]
        while stack:
            n = stack.pop()
            if isinstance(n, S.Name):
                if n.prefix:
                    return None
                found = env.lookup(n.name)
                if isinstance(found, ImportedSym):
                    return None
                if found is sym:
                    sites.add(n.loc)
                elif isinstance(found, DefSym):
                    todo.append(found)
            stack.extend(S.subnodes(n))
    return frozenset(sites) or None


def _check_constants(model: Model) -> None:
    comp = model.comp
    for c in model.root.constants:
        if c not in comp.bindings and comp.scoped_entry(c, c.home.name) is None:
            raise ConfigError(f"The constant parameter {c.name} is not assigned a value by "
                              "the configuration file.", c.loc, file=c.home.file or None)
    for c, (kind, target) in comp.bindings.items():
        # C <- Def: TLC evaluates a 0-arity replacement at startup; one that reads the
        # state (a variable, TLCGet("distinct")) is refused
        if kind != "sym" or not isinstance(target, DefSym) or target.arity or \
                target.node is None:
            continue
        ctx = comp.ctx(target.home, None)
        if comp.expr(target.node.body, Scope(ctx)).level > CONST:
            raise ConfigError(f"The configuration file substitutes constant {c.name} with "
                              f"non-constant {target.name}.", model.config.loc(c.name),
                              file=model.config.file)


# --------------------------------------------------------------------------- assumptions


def check_assumptions(model: Model) -> tuple[S.Assume, str] | None:
    """The first ASSUME that is false (with TLC's message), or None. An AXIOM is taken
    as true, unevaluated, as TLC takes it."""
    comp = model.comp
    for assume, env in model.root.assumes:
        if assume.axiom:
            continue
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
        word = "next state action" if what == "next-state relation" else what
        raise ConfigError(f"The {word} {name} cannot be a constant.", cfg.loc(name),
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


def _behavior(model: Model, required: bool, lazy: bool = False) -> None:
    cfg = model.config
    if cfg.specification:
        if cfg.init or cfg.next:
            raise ConfigError("The configuration file gives both SPECIFICATION and INIT/NEXT.",
                              cfg.loc(cfg.specification), file=cfg.file)
        body, scope, _ = _lookup_def(model, cfg.specification, "specification")
        _take_apart(model, body, scope, cfg.specification)
        if model.next is None:  # TLC fails once it wants successors (exit 75)
            raise EvalError("No next state actions defined to generate successor states "
                            "from.")
    elif cfg.init or cfg.next:
        if not cfg.next:  # TLC fails once it wants successors (exit 75)
            raise EvalError("No next state actions defined to generate successor states "
                            "from.")
        if not cfg.init:
            raise ConfigError("The configuration file gives NEXT but no INIT.", file=cfg.file)
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
        a.fn = _on_first_use(model.acomp, a) if lazy else \
            model.acomp.next_action(a.node, a.scope, a.name)


def _on_first_use(acomp: ActionCompiler, a: Action) -> Callable:
    """``a.fn`` that compiles the action when first run, then stands aside."""
    def first(E) -> None:
        saved, acomp.diag = acomp.diag, None  # never compiled with a caller's diagnosis
        try:
            a.fn = acomp.next_action(a.node, a.scope, a.name)
        finally:
            acomp.diag = saved
        return a.fn(E)
    return first


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
    if isinstance(node, S.SubExpr):  # Thm!1: the part of a definition it names
        part, inner = comp.subexpression(node, scope)
        _take_apart(model, part, inner, name)
        return
    if isinstance(node, S.Name) and not node.prefix and node.name == "[]" and len(node.args) == 1:
        arg = node.args[0]
        if isinstance(arg, S.BoxAction):
            if model.next is not None:
                raise SpecError("TLC cannot handle a specification with more than one "
                                "next-state relation [][N]_v.", node.loc)
            model.next = (arg.action, scope, name)
            return
        if comp.expr(arg, scope).level <= STATE:  # []P in a spec: TLC cannot use it
            loc = getattr(arg, "loc", node.loc)
            err = EvalError(f"TLC cannot handle the temporal formula line {loc.line}, col "
                            f"{loc.col} to line {loc.eline}, col {loc.ecol} of module "
                            f"{loc.module}")
            err.push(loc)
            raise err
        model.fairness.append(Temporal(name, node, scope))
        return
    if isinstance(node, S.Name) and not node.args and not node.prefix:
        b = scope.locals.get(node.name)
        if b is not None and b.node is not None and b.scope is not None and b.kind == "code":
            _take_apart(model, b.node, b.scope, name)  # an argument of an operator below
            return
        if b is None:
            _not_a_spec(model, node, scope)
    expanded = _expand(model, node, scope)
    if expanded is not None:
        # an operator applied in the spec (Spec == Id(Init /\ [][Next]_v)): its body with
        # the parameters standing for the arguments, as TLC substitutes them
        opnode, inner = expanded
        code = comp.expr(opnode.body, inner)
        if code.level <= STATE:
            if not _trivial(model, code, opnode.name, node):
                model.init.append((opnode.body, inner))
            return
        _take_apart(model, opnode.body, inner, opnode.name)
        return
    if isinstance(node, S.Fairness):
        model.fairness.append(Temporal(name, node, scope))
        return
    code = comp.expr(node, scope)
    if code.level <= STATE and _trivial(model, code, "a conjunct", node):
        return
    if code.level <= STATE:
        model.init.append((node, scope))
    elif code.level == TEMPORAL:
        model.fairness.append(Temporal(name, node, scope))
    else:
        raise SpecError("TLC cannot handle this conjunct of the spec: it is an action "
                        "outside [][...]_v.", getattr(node, "loc", None))


def _instances(model: Model, node: S.Quant, scope: Scope) -> list[Scope] | None:
    """The scopes of a quantifier's body, one per value of its constant bounds (None when
    a bound is not constant)."""
    comp = model.comp
    sets, shapes, _inner = comp.bounds(node.bounds, scope)
    if any(st.level != CONST or st.deps for st in sets):
        return None
    gen = comp.enumerate_bounds([st.fn for st in sets], shapes, node.loc)
    names = [nm for b in node.bounds for nm in b.names]
    out = []
    for vals in gen(_const_env(scope)):
        locals_ = dict(scope.locals)
        for nm, v in zip(names, vals, strict=True):
            locals_[nm] = Binding("code", code=const(v), depth=scope.depth)
        out.append(Scope(scope.ctx, locals_, scope.depth, scope.primed))
    return out


def _expand(model: Model, node, scope: Scope) -> tuple[S.OpDef, Scope] | None:
    """A definition or LET operator applied (or named) in the spec or a property: its
    definition and the scope its body is read in, its parameters standing for the
    arguments as written, as TLC's processConfigSpec and processConfigProps see them."""
    if not isinstance(node, S.Name):
        return None
    local = scope.locals.get(node.name) if not node.prefix else None
    if local is not None and local.kind != "op":
        return None
    comp = model.comp
    op = local.op if local is not None else model.acomp.resolve(node, scope)
    if isinstance(op, UserOp):
        opnode, inner = op.sym.node, Scope(op.ctx)
    elif isinstance(op, LetOp):
        opnode, inner = op.node, Scope(op.scope.ctx, op.scope.locals, op.scope.depth)
    else:
        return None
    if opnode is None or len(opnode.params) != len(node.args):
        return None
    locals_ = dict(inner.locals)
    for p, a in zip(opnode.params, node.args, strict=True):
        if p.arity or isinstance(a, (S.Lambda, S.OpRef)):
            locals_[p.name] = Binding("op", op=comp.arg_op(a, scope))
        else:
            locals_[p.name] = Binding("code", code=comp.expr(a, scope), depth=scope.depth,
                                      node=a, scope=scope)
    return opnode, Scope(inner.ctx, locals_, inner.depth)


def _not_a_spec(model: Model, node: S.Name, scope: Scope) -> None:
    """A variable, or a constant whose value is no boolean, named as a conjunct of the
    spec: TLC's config error (processConfigSpec)."""
    sym = scope.ctx.env.lookup(node.name)
    if isinstance(sym, VarSym) and scope.ctx.inst is None:
        loc = sym.loc
        equals = f"line {loc.line}, col {loc.col} to line {loc.eline}, col {loc.ecol} of " \
                 f"module {loc.module}"
    elif isinstance(sym, ConstSym):
        code = model.comp.expr(node, scope)
        if not code.known or isinstance(code.value, bool):
            return
        equals = to_tla_any(code.value)
    else:
        return
    raise ConfigError(f"The operator {node.name}, which equals {equals}, cannot be used as "
                      "a spec", node.loc, file=scope.ctx.env.file or None)


def _trivial(model: Model, code: Code, what: str, node) -> bool:
    """A constant conjunct of the spec, which TLC evaluates at once: TRUE drops out (True
    is returned), FALSE is TLC's config error."""
    if code.level != CONST or code.deps:
        return False
    value = code.fn((None, None))
    if value is False:
        raise ConfigError(f"The spec is trivially false because {what} is false.",
                          getattr(node, "loc", None))
    return value is True


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
    for name in cfg.possible:
        body, scope, loc = _lookup_def(model, name, "possible")
        code = comp.expr(body, scope)
        if code.level > ACTION:
            raise ConfigError(f"_POSSIBLE {name} is neither a state predicate nor an "
                              "action.", cfg.loc(name), file=cfg.file)
        model.possible.append(Check(name, getattr(body, "loc", loc), code))
    if cfg.view:
        body, scope, loc = _lookup_def(model, cfg.view, "view")
        model.view = comp.expr(body, scope)
    if cfg.symmetry:
        over = _value_override(model, cfg.symmetry)
        if over is not None:  # CONSTANT Perms = ... replaces the definition
            perms = over
        else:
            sym = model.root.table.get(cfg.symmetry)
            if sym is not None and (not isinstance(sym, (DefSym, ImportedSym)) or sym.arity):
                raise EvalError(f"The symmetry function {cfg.symmetry} must specify a set of "
                                "permutations.")
            body, scope, loc = _lookup_def(model, cfg.symmetry, "symmetry")
            code = comp.expr(body, scope)
            if code.level > CONST:  # TLC: the variable it reads is undefined there
                err = EvalError(f"The symmetry {cfg.symmetry} reads the state: it must be a "
                                "constant set of permutations.")
                err.push(loc)
                raise err
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


def _property(model: Model, name: str, node, scope: Scope, depth: int = 0,
              subs: bool = False, top: str | None = None) -> None:
    """TLC's processConfigProps: conjuncts [][A]_v are checked on each step, state-level
    ones on the initial states, the rest as temporal formulas; definitions (with their
    arguments) and LET are seen through. Once inside a definition of an instance with
    substitutions (``subs``: SANY's SubstInNode, also for the implicit ``x <- x``), TLC
    no longer expands an operator applied to arguments: ``I!Double(P, s)`` with ``Double(
    ns(_), a) == Prop(ns, a)`` and ``Prop(ns(_), a) == [](ns(a))`` is a temporal property,
    not the invariant ``P(s)``. A temporal property keeps the .cfg's name (``top``), as in
    TLC's report; an invariant found inside is named after its operator."""
    comp = model.comp
    top = top or name
    if isinstance(node, S.Let):
        # each definition evaluated where it is used (none in a slot, whose value would be
        # that of one state), as TLC evaluates them
        inner, slots = comp.let_scope(node.defs, scope, live=CONST)
        if not slots:
            _property(model, name, node.body, inner, depth, subs, top)
            return
    if isinstance(node, S.And):
        for item in node.items:
            _property(model, name, item, scope, depth, subs, top)
        return
    if isinstance(node, S.SubExpr):
        part, inner = comp.subexpression(node, scope)
        _property(model, name, part, inner, depth, subs, top)
        return
    if isinstance(node, S.Name) and not node.prefix and not node.args:
        b = scope.locals.get(node.name)
        if b is not None and b.kind == "code" and b.node is not None and b.scope is not None:
            # an argument, as written
            _property(model, name, b.node, b.scope, depth, subs, top)
            return
    if isinstance(node, S.Quant) and node.kind == "A":
        # \A x \in S : P(x) over a constant S: a conjunct P(v) for each v of S, as TLC
        instances = _instances(model, node, scope)
        if instances == []:  # TLC's processConfigProps: \A over nothing says nothing
            raise EvalError("Temporal formula is a tautology (its negation is unsatisfiable).")
        if instances is not None:
            for inner in instances:
                _property(model, name, node.body, inner, depth, subs, top)
            return
    applied = isinstance(node, S.Name) and bool(node.args)
    expanded = _expand(model, node, scope) if depth < 100 and not (subs and applied) \
        else None
    if expanded is not None:  # (a RECURSIVE operator is not followed for ever)
        opnode, inner = expanded
        inst = inner.ctx.inst
        subs = subs or (inst is not None and bool(inst.target.constants
                                                   or inst.target.variables))
        # TLC names a property after the operator it reaches (LetDef1Boxed: x1)
        _property(model, opnode.name, opnode.body, inner, depth + 1, subs, top)
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
        model.temporal_properties.append(Temporal(top, node, scope))
        return
    code = comp.expr(node, scope)
    if code.level <= STATE:
        model.implied_inits.append(Check(name, getattr(node, "loc", S.NOLOC), code))
    elif code.level == TEMPORAL:
        model.temporal_properties.append(Temporal(top, node, scope))
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
