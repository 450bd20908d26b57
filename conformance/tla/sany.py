"""SANY's static checks, over every definition of the user's modules, used or not.

TLC runs SANY before anything else, and SANY rejects a spec for reasons the engine's
compiler would only meet if it compiled the offending definition (it compiles what the model
uses): a module whose name differs from its file's, a name used before it is defined, a
recursive operator not declared RECURSIVE, a bound variable or parameter that redefines a
name already visible, an operator applied to the wrong number of arguments, an expression
whose level is too high where it stands (a variable in an ASSUME, a primed action, ``[]`` of
an action). Each is a :class:`SemanticError` at its position, with SANY's words.

The checks follow SANY's scoping: at the top of a module a name is visible from its
definition or declaration on (or from the EXTENDS that brings it); inside a definition its
parameters are, and its own name only if a RECURSIVE declaration came first (a function
definition ``f[x \\in S] == ...`` may always apply ``f``); LET definitions are visible from
where they stand to the end of the LET. The modules the engine ships (``stdlib/`` and the
native ones) are taken as SANY would find them and not checked again.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from conformance.tla import syntax as S
from conformance.tla.errors import SemanticError
from conformance.tla.modules import (
    BUILTINS,
    ConstSym,
    DefSym,
    ImportedSym,
    InstSym,
    Loader,
    ModuleEnv,
    Sym,
    VarSym,
)

CONSTANT, STATE, ACTION, TEMPORAL = 0, 1, 2, 3
_LEVEL_WORD = {CONSTANT: "Constant", STATE: "Variable", ACTION: "Action", TEMPORAL: "Temporal"}
# operators of the language itself that may be passed as arguments (Op(/\, ...))
_SYMBOLS = {"\\land", "\\lor", "'", "UNCHANGED", "ENABLED", "\\lnot", "=>", "\\equiv"}
# built-in operators that raise the level of what they apply to
_TEMPORAL_OPS = {"[]", "<>", "~>", "-+->"}


class _Local:
    """A name bound inside a definition: a parameter, a bound variable, a LET definition."""

    __slots__ = ("name", "arity", "loc", "level", "node", "params")

    def __init__(self, name: str, arity: int, loc: S.Loc, level: int = CONSTANT,
                 node: S.OpDef | None = None) -> None:
        self.name, self.arity, self.loc, self.level, self.node = name, arity, loc, level, node


def check_spec(loader: Loader, root: ModuleEnv) -> None:
    """SANY's checks on every module the user wrote (in the order they were loaded)."""
    for env in loader.order:
        if env.module is None or not _users(loader, env):
            continue
        _check_file_name(env)
        try:
            _Checker(env).module()
        except SemanticError as e:
            _in_file(e, env)
            raise


def _in_file(e: SemanticError, env: ModuleEnv) -> None:
    """An error in an inner module (or a further module of a file) points into the file
    that holds it, not at a file named after the module."""
    file = env.file
    if not file:
        return
    e.positions = [replace(p, file=file) if p.module and p.file == f"{p.module}.tla" and
                   Path(file).stem != p.module else p for p in e.positions]
    if e.positions:
        e.position = e.positions[0]


def _users(loader: Loader, env: ModuleEnv) -> bool:
    """Whether a module is the user's (from the spec's folder or an inner module of one)."""
    if not env.file:
        return True  # an inner module, or a further module of the root's file
    try:
        folder = Path(env.file).resolve().parent
    except OSError:
        return False
    return any(folder == d.resolve() for d in loader.dirs)


def _check_file_name(env: ModuleEnv) -> None:
    if env.parent is not None or not env.file:
        return
    stem = Path(env.file).stem
    if env.module is not None and stem != env.module.name and \
            Path(env.file).suffix == ".tla":
        raise SemanticError(f"File name '{stem}' does not match the name '{env.module.name}' "
                            "of the top level module it contains.", env.module.loc,
                            file=env.file)


def _where(loc: S.Loc) -> str:
    return f"line {loc.line}, col {loc.col} to line {loc.eline}, col {loc.ecol} of module " \
           f"{loc.module}"


class _Checker:
    """The checks of one module (see the module docstring)."""

    def __init__(self, env: ModuleEnv) -> None:
        self.env = env
        self.visible: dict[str, Sym | _Local] = {}
        self.recursive: dict[str, int] = {}
        self.levels: dict[int, int] = {}  # id(definition) -> level of its body

    # ------------------------------------------------------------------ the module

    def module(self) -> None:
        env = self.env
        module = env.module
        assert module is not None
        if env.parent is not None:
            self.visible.update(_enclosing(env.parent, module.loc))
        for other in env.extends:
            for name, sym in other.exports.items():
                self.visible[name] = sym
            for assume, _home in other.assumes:
                if assume.name:
                    self.visible[assume.name] = _Local(assume.name, 0, assume.loc)
        inner = env.parent is not None
        for unit in module.units:
            if inner and isinstance(unit, (S.OpDef, S.ConstDecl, S.VarDecl)):
                # an inner module may not redeclare what the modules around it defined
                # before it (its own duplicates the loader reports)
                self.fresh(unit.name, unit.loc, {})
            if isinstance(unit, S.OpDef):
                self.definition(unit)
            elif isinstance(unit, S.RecursiveDecl):
                self.recursive[unit.name] = unit.arity
                self.visible.setdefault(unit.name, _Local(unit.name, unit.arity, unit.loc))
            elif isinstance(unit, (S.ConstDecl, S.VarDecl)):
                self._after(unit.name)
            elif isinstance(unit, S.Assume):
                level = self.expr(unit.expr, {})
                if level > CONSTANT:
                    raise SemanticError(
                        "Level error: assumptions must be level 0 (Constant), but this one "
                        f"has level {level}.", unit.loc)
                if unit.name:  # ASSUME Name == ...: the name denotes the assumption
                    self.fresh(unit.name, unit.loc, {})
                    self.visible[unit.name] = _Local(unit.name, 0, unit.loc)
            elif isinstance(unit, S.InstanceDef):
                self.instance(unit)

    def _after(self, name: str) -> None:
        sym = self.env.table.get(name)
        if sym is not None:
            self.visible[name] = sym

    def definition(self, d: S.OpDef) -> None:
        locals_: dict[str, _Local] = {}
        for p in d.params:
            self.fresh(p.name, p.loc, locals_)
            locals_[p.name] = _Local(p.name, p.arity, p.loc)
        if d.name in self.recursive:
            self.visible.setdefault(d.name, _Local(d.name, len(d.params), d.loc))
        body = d.body
        if isinstance(body, S.FnCons) and body.recursive == d.name and not d.params:
            locals_[d.name] = _Local(d.name, 0, d.loc)
        self.levels[id(d)] = self.expr(body, locals_)
        self._after(d.name)

    def instance(self, unit: S.InstanceDef) -> None:
        locals_: dict[str, _Local] = {}
        for p in unit.params:
            self.fresh(p.name, p.loc, locals_)
            locals_[p.name] = _Local(p.name, p.arity, p.loc)
        target = self._target(unit)
        assumed = _assumed_constants(target) if target is not None else set()
        # what an ASSUME of the inner module names stays constant if that module has
        # variables; in a constant module it may become an action, never a temporal formula
        ceiling = CONSTANT if target is not None and target.variables else ACTION
        for name, expr in unit.substs:
            if isinstance(expr, (S.OpRef, S.Lambda)) or (isinstance(expr, S.Name) and
                                                         not expr.args):
                level = self.operand(expr, locals_)
            else:
                level = self.expr(expr, locals_)
            if level > ceiling and name in assumed:
                raise SemanticError(
                    f"Level error in instantiating module '{unit.module}': The level of the "
                    f"expression or operator substituted for '{name}' must be at most "
                    f"{ceiling}.", unit.loc)
        if unit.name is not None:
            self._after(unit.name)
        else:
            for name, sym in self.env.table.items():
                if isinstance(sym, ImportedSym) and sym.decl is unit:
                    self.visible[name] = sym

    def _target(self, unit: S.InstanceDef) -> ModuleEnv | None:
        """The module an INSTANCE of this module instantiates."""
        for sym in self.env.table.values():
            if isinstance(sym, InstSym) and sym.node is unit:
                return sym.target
            if isinstance(sym, ImportedSym) and sym.decl is unit:
                return sym.target
        return None

    # ------------------------------------------------------------------ names

    def fresh(self, name: str, loc: S.Loc, locals_: dict) -> None:
        """A name being bound must not be one that is already visible."""
        old = locals_.get(name)
        if old is None:
            old = self.visible.get(name)
            if isinstance(old, DefSym) and old.node is None:
                return  # a native of the engine's own: SANY sees the module's text
        if old is None and name in BUILTINS:
            old = BUILTINS[name]
        if old is not None:
            where = f" with the one at {_where(old.loc)}" if old.loc.line else ""
            raise SemanticError(f"Multiply-defined symbol '{name}': this definition or "
                                f"declaration conflicts{where}.", loc)

    def resolve(self, name: str, locals_: dict, loc: S.Loc):
        found = locals_.get(name)
        if found is None:
            found = self.visible.get(name)
        if found is None:
            found = BUILTINS.get(name)
        if found is None:
            raise SemanticError(f"Unknown operator: `{name}'.", loc)
        return found

    def operand(self, a, locals_: dict) -> int:
        """An argument that may be an operator (a name without arguments, ``+``, LAMBDA)."""
        if isinstance(a, S.OpRef):
            if a.name not in _SYMBOLS:
                self.resolve(a.name, locals_, a.loc)
            return CONSTANT
        if isinstance(a, S.Lambda):
            inner = dict(locals_)
            for p in a.params:
                self.fresh(p, a.loc, inner)
                inner[p] = _Local(p, 0, a.loc)
            return self.expr(a.body, inner)
        if isinstance(a, S.Name) and not a.args and not a.prefix:
            found = self.resolve(a.name, locals_, a.loc)
            return self.sym_level(found, ())
        return self.expr(a, locals_)

    # ------------------------------------------------------------------ expressions

    def exprs(self, nodes, locals_: dict) -> int:
        level = CONSTANT
        for n in nodes:
            level = max(level, self.expr(n, locals_))
        return level

    def bind(self, bounds, locals_: dict) -> tuple[dict, int]:
        """Bounds ``x \\in S``: the sets read in the outer scope, the names bound."""
        level = CONSTANT
        inner = dict(locals_)
        for b in bounds:
            level = max(level, self.expr(b.set, locals_))
            for nm in b.names:
                self.fresh(nm, b.loc, inner)
                inner[nm] = _Local(nm, 0, b.loc)
        return inner, level

    def expr(self, n, locals_: dict) -> int:  # noqa: C901 - one case per node type
        t = type(n)
        if t in (S.Num, S.Str, S.Bool, S.Decimal, S.At, S.Unsupported):
            return CONSTANT
        if t is S.Name:
            return self.name(n, locals_)
        if t is S.OpRef:
            if n.name not in _SYMBOLS:
                self.resolve(n.name, locals_, n.loc)
            return CONSTANT
        if t is S.Lambda:
            raise SemanticError("LAMBDA can only be an argument of an operator.", n.loc)
        if t is S.Quant or t is S.SetMap or t is S.FnCons:
            bounds = n.bounds
            inner, level = self.bind(bounds, locals_)
            if t is S.FnCons and n.recursive is not None and n.recursive not in inner:
                inner[n.recursive] = _Local(n.recursive, 0, n.loc)
            body = n.expr if t is S.SetMap else n.body
            return max(level, self.expr(body, inner))
        if t is S.SetFilter:
            inner, level = self.bind((n.bound,), locals_)
            return max(level, self.expr(n.pred, inner))
        if t is S.UQuant or t is S.Choose:
            level = self.expr(n.set, locals_) if t is S.Choose and n.set is not None \
                else CONSTANT
            inner = dict(locals_)
            for nm in n.names:
                self.fresh(nm, n.loc, inner)
                inner[nm] = _Local(nm, 0, n.loc)
            body = self.expr(n.body, inner)
            if t is S.UQuant and n.kind in ("AA", "EE"):
                return TEMPORAL
            return max(level, body)
        if t is S.Let:
            return self.let(n, locals_)
        if t is S.Prime:
            level = self.expr(n.expr, locals_)
            if level >= ACTION:
                raise SemanticError("Level error: the operand of ' (prime) must be a constant "
                                    "or state-level expression, but it has level "
                                    f"{level}.", n.loc)
            return ACTION
        if t is S.BoxAction or t is S.AngleAction:
            self.expr(n.sub, locals_)
            action = self.expr(n.action, locals_)
            if action >= TEMPORAL:
                raise SemanticError("Level error: the action of [A]_v or <<A>>_v is a "
                                    "temporal formula.", n.loc)
            return ACTION
        if t is S.Fairness:
            self.expr(n.sub, locals_)
            self.expr(n.action, locals_)
            return TEMPORAL
        if t is S.SubExpr:  # Op!2!1, Thm!: (theorems and labels have no level here)
            first = n.ref.prefix[0][0] if n.ref.prefix else n.ref.name
            if first not in locals_ and first not in self.visible:
                self.resolve(first, locals_, n.loc)
            return CONSTANT
        if t is S.Except:
            level = self.expr(n.fn, locals_)
            for path, value in n.updates:
                for kind, arg in path:
                    if kind != ".":
                        level = max(level, self.exprs(arg, locals_))
                level = max(level, self.expr(value, locals_))
            return level
        if t is S.RecordCons or t is S.RecordSet:
            return self.exprs([e for _, e in n.fields], locals_)
        if t is S.Case:
            nodes = [x for arm in n.arms for x in arm]
            if n.other is not None:
                nodes.append(n.other)
            return self.exprs(nodes, locals_)
        return self.exprs(S.subnodes(n), locals_)

    def let(self, n: S.Let, locals_: dict) -> int:
        inner = dict(locals_)
        recursive: dict[str, int] = {}
        level = CONSTANT
        for d in n.defs:
            if isinstance(d, S.RecursiveDecl):
                recursive[d.name] = d.arity
                continue
            if isinstance(d, S.InstanceDef):
                if d.name is not None:
                    self.fresh(d.name, d.loc, inner)
                    inner[d.name] = _Local(d.name, len(d.params), d.loc)
                continue
            if not isinstance(d, S.OpDef):
                continue
            if d.name not in recursive:
                self.fresh(d.name, d.loc, inner)
            body_locals = dict(inner)
            for p in d.params:
                self.fresh(p.name, p.loc, body_locals)
                body_locals[p.name] = _Local(p.name, p.arity, p.loc)
            if d.name in recursive or (isinstance(d.body, S.FnCons) and
                                       d.body.recursive == d.name):
                body_locals[d.name] = _Local(d.name, len(d.params), d.loc)
            dlevel = self.expr(d.body, body_locals)
            inner[d.name] = _Local(d.name, len(d.params), d.loc, dlevel, d)
        return max(level, self.expr(n.body, inner))

    def name(self, n: S.Name, locals_: dict) -> int:
        if n.prefix:
            first, args = n.prefix[0]
            if first not in locals_:
                self.resolve(first, locals_, n.loc)
            level = CONSTANT
            for _, pargs in n.prefix:
                level = max(level, self.exprs(pargs, locals_))
            if args and first not in locals_ and len(n.prefix) == 1:
                self._instance_arguments(n, [self.expr(a, locals_) for a in args])
            for a in n.args:
                level = max(level, self.operand(a, locals_))
            return max(level, _prefixed_level(n, self.visible))
        found = self.resolve(n.name, locals_, n.loc)
        arity = found.arity
        if n.args and arity != len(n.args):
            raise SemanticError(f"The operator {n.name} requires {arity} argument"
                                f"{'s' if arity != 1 else ''}.", n.loc)
        levels = [self.operand(a, locals_) if isinstance(found, (DefSym, ImportedSym,
                                                                  _Local, ConstSym))
                  else self.expr(a, locals_) for a in n.args]
        if levels and max(levels) > STATE:
            self._arguments(n, found, levels)
        if n.name in _TEMPORAL_OPS and isinstance(found, type(BUILTINS["[]"])):
            if n.name in ("[]", "<>") and levels and levels[0] == ACTION and \
                    not isinstance(n.args[0], (S.BoxAction, S.AngleAction)):
                form = "[A]_v" if n.name == "[]" else "<<A>>_v"
                raise SemanticError(f"{n.name} followed by action not of form {form}.",
                                    n.loc)
            return TEMPORAL
        return self.sym_level(found, levels)

    def _arguments(self, n: S.Name, found, levels: list[int]) -> None:
        """An argument above the level its operator allows it (``Op(a) == a'`` applied to
        an action) is SANY's level error."""
        if isinstance(found, ImportedSym):
            found = found.sym
        node = found.node if isinstance(found, (DefSym, _Local)) else None
        if not isinstance(node, S.OpDef):
            return
        ceilings = _ceilings({p.name for p in node.params if not p.arity}, node.body)
        for i, (p, level) in enumerate(zip(node.params, levels, strict=False)):
            if level > ceilings.get(p.name, TEMPORAL):
                _argument_error(n.name, i, n.loc)

    def _instance_arguments(self, n: S.Name, levels: list[int]) -> None:
        """``I(a)!Op``: a parameter of I that replaces a variable or constant of the inner
        module bounds its argument's level as that name's uses in Op bound it."""
        first = n.prefix[0][0]
        sym = self.visible.get(first)
        if not isinstance(sym, InstSym):
            return
        d = sym.target.exports.get(n.name)
        if isinstance(d, ImportedSym):
            d = d.sym
        if not isinstance(d, DefSym) or d.node is None or d.home is not sym.target:
            return
        declared = {v.name for v in sym.target.variables} | \
            {c.name for c in sym.target.constants}
        ceilings = _ceilings(declared, d.node.body)
        substs = dict(sym.node.substs)
        for name in declared - substs.keys():  # WITH name <- name, implicit
            substs[name] = S.Name(S.NOLOC, name)
        for i, (p, level) in enumerate(zip(sym.node.params, levels, strict=False)):
            ceiling = min((ceilings.get(v, TEMPORAL) for v, e in substs.items()
                           if _occurs(p.name, e)), default=TEMPORAL)
            if level > ceiling:
                _argument_error(f"{first}!{n.name}", i, n.loc)

    def sym_level(self, found, levels) -> int:
        top = max(levels, default=CONSTANT)
        if isinstance(found, VarSym):
            return STATE
        if isinstance(found, ConstSym):
            return top
        if isinstance(found, _Local):
            return max(found.level, top)
        if isinstance(found, DefSym):
            if found.node is None:  # a native: SANY reads its module's text (TLCGet too
                return top  # is a constant-level operator there)
            own = self.levels.get(id(found.node))
            if own is None:  # defined in another module: its body's variables count
                own = _body_level(found)
            return max(own, top)
        if isinstance(found, ImportedSym):
            inner = found.sym
            if isinstance(inner, DefSym):
                return max(_body_level(inner) if inner.node is not None else CONSTANT, top)
            return max(STATE, top)
        if isinstance(found, InstSym):
            return max(STATE, top)
        name = getattr(found, "name", "")
        if name == "ENABLED":
            return STATE
        if name == "UNCHANGED":
            return ACTION
        if name == "\\cdot":
            return ACTION
        return top


def _argument_error(op: str, i: int, loc: S.Loc) -> None:
    raise SemanticError(f"Level error in applying operator {op}: The level of argument "
                        f"{i + 1} exceeds the maximum level allowed by the operator.", loc)


def _ceilings(names: set[str], body) -> dict[str, int]:
    """For each of ``names`` that ``body`` uses, the highest level an expression put in its
    place may have: state level where it is primed (or is the subscript of [A]_v, WF_v, the
    argument of UNCHANGED), else any. Uses inside other operators' bodies are not followed."""
    out: dict[str, int] = {}

    def walk(x, ceiling: int) -> None:
        t = type(x)
        if t is S.Prime:
            walk(x.expr, STATE)
            return
        if t is S.BoxAction or t is S.AngleAction or t is S.Fairness:
            walk(x.action, ceiling)
            walk(x.sub, STATE)
            return
        if t is S.Name:
            if not x.prefix and not x.args and x.name in names:
                out[x.name] = min(out.get(x.name, TEMPORAL), ceiling)
            inner = STATE if x.name == "UNCHANGED" and not x.prefix else ceiling
            for a in x.args:
                walk(a, inner)
            return
        for y in S.subnodes(x):
            walk(y, ceiling)
    if names:
        walk(body, TEMPORAL)
    return out


def _occurs(name: str, expr) -> bool:
    """Whether ``name`` occurs in ``expr`` where its level counts (not under ENABLED, whose
    level is that of a state whatever its operand's)."""
    if isinstance(expr, S.Name):
        if expr.name == name and not expr.prefix and not expr.args:
            return True
        if expr.name == "ENABLED" and not expr.prefix:
            return False
        return any(_occurs(name, a) for a in expr.args)
    return any(_occurs(name, y) for y in S.subnodes(expr))


def _assumed_constants(target: ModuleEnv) -> set[str]:
    """The constants of ``target`` that its ASSUMEs name, directly or through its
    definitions."""
    constants = {c.name for c in target.constants}
    seen: set[str] = set()
    todo = [a.expr for a, _home in target.assumes]
    while todo:
        x = todo.pop()
        if isinstance(x, S.Name) and not x.prefix and x.name not in seen:
            seen.add(x.name)
            sym = target.table.get(x.name)
            if isinstance(sym, DefSym) and sym.node is not None:
                todo.append(sym.node.body)
        todo.extend(S.subnodes(x))
    return seen & constants


def _body_level(sym: DefSym) -> int:
    """A rough level for a definition of another (already checked) module: state level if
    its module has variables and the body names one of them, else constant."""
    node = sym.node
    if node is None or not sym.home.variables:
        return CONSTANT
    names = {v.name for v in sym.home.variables}

    def walk(x) -> int:
        if isinstance(x, S.Prime):
            return ACTION
        if isinstance(x, (S.BoxAction, S.AngleAction)):
            return ACTION
        if isinstance(x, S.Fairness):
            return TEMPORAL
        if isinstance(x, S.Name) and x.name in _TEMPORAL_OPS:
            return TEMPORAL
        level = STATE if isinstance(x, S.Name) and x.name in names and not x.prefix \
            else CONSTANT
        for y in S.subnodes(x):
            level = max(level, walk(y))
        return level
    return walk(node.body)


def _prefixed_level(n: S.Name, visible: dict) -> int:
    """The level of ``I!Op``: that of Op's body in its module, when the path leads there."""
    sym = visible.get(n.prefix[0][0])
    for step, (_name, _args) in enumerate(n.prefix):
        if isinstance(sym, ImportedSym):
            sym = sym.sym
        if not isinstance(sym, InstSym):
            return STATE
        nxt = n.prefix[step + 1][0] if step + 1 < len(n.prefix) else n.name
        sym = sym.target.exports.get(nxt)
    if isinstance(sym, ImportedSym):
        sym = sym.sym
    if isinstance(sym, DefSym):
        return _body_level(sym) if sym.node is not None else CONSTANT
    return STATE


def _enclosing(parent: ModuleEnv, at: S.Loc) -> dict:
    """What an inner module sees of the modules around it: their names defined before it."""
    out: dict = {}
    if parent.parent is not None and parent.module is not None:
        out.update(_enclosing(parent.parent, parent.module.loc))
    for name, sym in parent.table.items():
        # an unnamed INSTANCE defines its names where it stands, not where they are written
        loc = sym.decl.loc if isinstance(sym, ImportedSym) else sym.loc
        if sym.home is not parent or (loc.line, loc.col) < (at.line, at.col):
            out[name] = sym
    return out
