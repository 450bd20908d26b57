"""Modules and their scopes: which name means what, in which module.

A spec is a root module plus everything it reaches through EXTENDS and INSTANCE. The loader
finds each module by name, as SANY does: an inner module of the module being read, a file
next to the spec, then the engine's own standard modules (``stdlib/*.tla``, written for this
engine), then the modules implemented only natively (Naturals, Sequences, TLC, ...).

Each module becomes a :class:`ModuleEnv`: the table of names visible at its top level
(its own declarations and definitions, what EXTENDS brings, what an unnamed INSTANCE brings)
and what it exports to modules that extend or instantiate it (everything but LOCAL
definitions). Operators of standard modules that the engine implements in Python carry their
:class:`~conformance.tla.builtins.Native`; like TLC's Java overrides, a native replaces the
TLA+ definition of the same name in a module of the same name.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from conformance.tla import syntax as S
from conformance.tla.builtins import NATIVE_EXTENDS, NATIVE_MODULES, Native
from conformance.tla.errors import SemanticError, Unsupported
from conformance.tla.parse import parse_file

STDLIB = Path(__file__).parent / "stdlib"

# names TLA+ itself defines; they cannot be redefined and need no module
BUILTIN_ARITY = {
    "TRUE": 0, "FALSE": 0, "BOOLEAN": 0, "STRING": 0,
    "=": 2, "/=": 2, "\\lnot": 1, "=>": 2, "\\equiv": 2, "\\in": 2, "\\notin": 2,
    "\\subseteq": 2, "\\cup": 2, "\\cap": 2, "\\": 2, "SUBSET": 1, "UNION": 1, "DOMAIN": 1,
    "ENABLED": 1, "UNCHANGED": 1, "[]": 1, "<>": 1, "~>": 2, "-+->": 2, "\\cdot": 2,
    "\\land": 2, "\\lor": 2,
}


class Sym:
    """Something a name can denote. ``home`` is the module that declares it (None only for
    the built-in operators, which belong to no module)."""

    __slots__ = ("name", "arity", "loc", "home")
    home: ModuleEnv | None
    kind = "symbol"

    def __init__(self, name: str, arity: int, loc: S.Loc, home: ModuleEnv | None) -> None:
        self.name, self.arity, self.loc, self.home = name, arity, loc, home

    def __repr__(self) -> str:
        where = self.home.name if self.home else "builtin"
        return f"<{type(self).__name__} {self.name}/{self.arity} of {where}>"


class ConstSym(Sym):
    __slots__ = ()
    home: ModuleEnv
    kind = "constant"


class VarSym(Sym):
    __slots__ = ("index",)
    home: ModuleEnv
    kind = "variable"

    def __init__(self, name, loc, home) -> None:
        super().__init__(name, 0, loc, home)
        self.index = -1


class DefSym(Sym):
    """``Op(params) == body``; ``native`` when the engine implements it in Python."""

    __slots__ = ("node", "native", "local", "recursive")
    home: ModuleEnv
    kind = "definition"

    def __init__(self, node: S.OpDef | None, home: ModuleEnv, native: Native | None = None,
                 name: str | None = None, arity: int | None = None,
                 recursive: bool = False) -> None:
        if node is None:  # a native of a standard module: no TLA+ text
            assert native is not None and name is not None and arity is not None
            super().__init__(name, arity, S.NOLOC, home)
        else:
            super().__init__(name or node.name, len(node.params) if arity is None else arity,
                             node.loc, home)
        self.node = node
        self.native = native
        self.local = bool(node and node.local)
        self.recursive = recursive


def names_reached(table: dict, node, seen: set[str]) -> set[str]:
    """Every unprefixed name ``node`` uses, and those of the definitions it reaches through
    them (each definition entered once: ``seen`` holds the names already entered)."""
    found: set[str] = set()

    def walk(node) -> None:
        if isinstance(node, (list, tuple)):
            for x in node:
                walk(x)
            return
        if not hasattr(node, "__dataclass_fields__"):
            return
        if isinstance(node, S.Name) and not node.prefix:
            found.add(node.name)
            if node.name not in seen:
                seen.add(node.name)
                sym = table.get(node.name)
                if isinstance(sym, DefSym) and sym.node is not None:
                    walk(sym.node.body)
        for f in node.__dataclass_fields__:
            if f != "loc":
                walk(getattr(node, f))

    walk(node)
    return found


class InstSym(Sym):
    """A named instance ``M(p) == INSTANCE Mod WITH ...``."""

    __slots__ = ("node", "target")
    home: ModuleEnv
    kind = "instance"

    def __init__(self, node: S.InstanceDef, home: ModuleEnv, target: ModuleEnv) -> None:
        super().__init__(node.name or "", len(node.params), node.loc, home)
        self.node = node
        self.target = target


class BuiltinSym(Sym):
    __slots__ = ()
    kind = "builtin"


class ImportedSym(Sym):
    """A definition brought in by an unnamed ``INSTANCE Mod WITH ...`` in ``home``."""

    __slots__ = ("sym", "decl", "target")
    home: ModuleEnv
    kind = "imported"

    def __init__(self, sym: Sym, decl: S.InstanceDef, home: ModuleEnv, target: ModuleEnv) -> None:
        super().__init__(sym.name, sym.arity, sym.loc, home)
        self.sym, self.decl, self.target = sym, decl, target


# Modules of tlaplus/CommunityModules that TLC finds on its class path and this engine does
# not provide (those it does are in NATIVE_MODULES): a spec that extends one is a spec the
# engine does not support, not a spec with a missing file.
COMMUNITY_MODULES = frozenset({
    "Combinatorics", "DifferentialEquations",
    "GraphViz", "HTML", "ShiViz", "SVG", "Statistics",
})

BUILTINS = {name: BuiltinSym(name, arity, S.NOLOC, None) for name, arity in
            BUILTIN_ARITY.items()}


class ModuleEnv:
    """One module's scope (see the module docstring)."""

    def __init__(self, name: str, module: S.Module | None, file: str = "") -> None:
        self.name = name
        self.module = module
        self.file = file
        self.table: dict[str, Sym] = {}
        self.exports: dict[str, Sym] = {}
        self.constants: list[ConstSym] = []
        self.variables: list[VarSym] = []
        self.assumes: list[tuple[S.Assume, ModuleEnv]] = []
        self.extends: list[ModuleEnv] = []
        self.submodules: dict[str, S.Module] = {}
        self.parent: ModuleEnv | None = None
        self.recursive: set[str] = set()

    def __repr__(self) -> str:
        return f"<ModuleEnv {self.name}>"

    def lookup(self, name: str) -> Sym | None:
        sym = self.table.get(name)
        if sym is not None:
            return sym
        if self.parent is not None:  # an inner module sees the module around it
            return self.parent.lookup(name)
        return BUILTINS.get(name)

    def definitions(self):
        """This module's own operator definitions, in source order."""
        for sym in self.table.values():
            if isinstance(sym, DefSym) and sym.home is self and sym.node is not None:
                yield sym


class Loader:
    """Finds, parses and scopes modules; each module is loaded once."""

    def __init__(self, spec_dir: Path, extra_dirs: list[Path] | None = None) -> None:
        self.dirs = [spec_dir] + list(extra_dirs or [])
        self.envs: dict[str, ModuleEnv] = {}
        self.loading: set[str] = set()
        self.parsed_files: dict[Path, list[S.Module]] = {}
        self.order: list[ModuleEnv] = []  # modules once loaded (dependencies first)
        self.let_instances: dict[int, ModuleEnv] = {}  # LET M == INSTANCE Mod: id -> Mod
        self.reached: list[str] = []  # module names in the order they were first asked for

    # ------------------------------------------------------------------ finding modules

    def load_root(self, path: Path, extra: tuple = ()) -> ModuleEnv:
        """The spec's module, with ``extra`` definitions (TLC's -inv) after its own."""
        modules = self._parse(path)
        root = modules[0]
        if extra:
            root = replace(root, units=root.units + tuple(extra))
        for further in modules[1:]:  # further modules in the same file are visible by name
            self.pending_in_file[further.name] = further
        return self._build(root, file=str(path))

    @property
    def pending_in_file(self) -> dict[str, S.Module]:
        if not hasattr(self, "_pending"):
            self._pending: dict[str, S.Module] = {}
        return self._pending

    def _parse(self, path: Path) -> list[S.Module]:
        path = path.resolve()
        if path not in self.parsed_files:
            self.parsed_files[path] = parse_file(path)
        return self.parsed_files[path]

    def get(self, name: str, loc: S.Loc, within: ModuleEnv | None = None) -> ModuleEnv:
        """The module called ``name`` as seen from ``within`` (inner modules first)."""
        env = within
        while env is not None:
            if name in env.submodules:
                key = f"{env.name}!{name}"
                if key not in self.envs:
                    sub = self._build(env.submodules[name], file=env.file, parent=env,
                                      key=key)
                    return sub
                return self.envs[key]
            env = env.parent
        if name in self.envs:
            return self.envs[name]
        if name in self.loading:
            raise SemanticError(f"Circular dependency among modules involving {name}", loc)
        if name in self.pending_in_file:
            return self._build(self.pending_in_file[name], file="")
        for d in self.dirs:
            f = d / f"{name}.tla"
            if f.is_file():
                modules = self._parse(f)
                return self._build(modules[0], file=str(f))
        f = STDLIB / f"{name}.tla"
        if f.is_file():
            modules = self._parse(f)
            return self._build(modules[0], file=str(f), standard=True)
        if name in NATIVE_MODULES:
            return self._native(name, loc)
        if name in COMMUNITY_MODULES:
            raise Unsupported(f"the community module {name}", loc)
        raise SemanticError(f"Cannot find source file for module {name}.", loc,
                            hint="modules are looked up next to the spec and among the "
                                 "standard modules")

    def _native(self, name: str, loc: S.Loc) -> ModuleEnv:
        env = ModuleEnv(name, None)
        self.envs[name] = env
        for ext in NATIVE_EXTENDS.get(name, ()):
            self._extend(env, self.get(ext, loc), loc)
        for opname, native in NATIVE_MODULES[name].items():
            sym = DefSym(None, env, native, name=opname, arity=native.arity)
            env.table[opname] = sym
            env.exports[opname] = sym
        self.order.append(env)
        return env

    # ------------------------------------------------------------------ building scopes

    def _build(self, module: S.Module, file: str, parent: ModuleEnv | None = None,
               key: str | None = None, standard: bool = False) -> ModuleEnv:
        key = key or module.name
        if file and not standard and parent is None:
            java = Path(file).with_name(f"{module.name}.class")
            if java.is_file():  # TLC loads it from the spec's folder (TLAClass)
                raise Unsupported(f"the Java class {java.name} beside the module, with which "
                                  f"TLC overrides the operators of {module.name}", module.loc)
        self.reached.append(key)
        env = ModuleEnv(module.name, module, file)
        env.parent = parent
        self.envs[key] = env
        self.loading.add(key)
        try:
            for unit in module.units:
                if isinstance(unit, S.Module):
                    env.submodules[unit.name] = unit
            for name, loc in module.extends:
                self._extend(env, self.get(name, loc, within=parent), loc)
            natives = NATIVE_MODULES.get(module.name, {})
            for unit in module.units:
                self._unit(env, unit, natives)
        finally:
            self.loading.discard(key)
        self.order.append(env)
        return env

    def _define(self, env: ModuleEnv, name: str, sym: Sym, loc: S.Loc,
                export: bool = True) -> None:
        if name in BUILTINS:
            raise SemanticError(f"Symbol {name} is a built-in operator and cannot be "
                                "redefined.", loc)
        old = env.table.get(name)
        if old is not None and not _same(old, sym):
            where = f" (line {old.loc.line} of module {old.loc.module})" if old.loc.line else ""
            raise SemanticError(f"Multiply-defined symbol '{name}': it is already "
                                f"defined{where}.", loc)
        env.table[name] = sym
        if export:
            env.exports[name] = sym

    def _extend(self, env: ModuleEnv, other: ModuleEnv, loc: S.Loc) -> None:
        env.extends.append(other)
        for name, sym in other.exports.items():
            self._define(env, name, sym, loc)
        for c in other.constants:
            if c not in env.constants:
                env.constants.append(c)
        for v in other.variables:
            if v not in env.variables:
                env.variables.append(v)
        for a in other.assumes:
            if a not in env.assumes:
                env.assumes.append(a)

    def _unit(self, env: ModuleEnv, unit, natives: dict[str, Native]) -> None:
        if isinstance(unit, (S.ConstDecl, S.VarDecl)):
            old = env.table.get(unit.name)
            same = ConstSym if isinstance(unit, S.ConstDecl) else VarSym
            if type(old) is same and old.home is env and \
                    old.arity == getattr(unit, "arity", 0):
                return  # declared again: SANY only warns ("Multiple declarations")
        if isinstance(unit, S.ConstDecl):
            sym = ConstSym(unit.name, unit.arity, unit.loc, env)
            self._define(env, unit.name, sym, unit.loc)
            env.constants.append(sym)
        elif isinstance(unit, S.VarDecl):
            vsym = VarSym(unit.name, unit.loc, env)
            self._define(env, unit.name, vsym, unit.loc)
            env.variables.append(vsym)
        elif isinstance(unit, S.RecursiveDecl):
            env.recursive.add(unit.name)
        elif isinstance(unit, S.OpDef):
            self._let_instances(env, unit.body)
            native = natives.get(unit.name)
            if native is not None and native.arity != len(unit.params):
                native = None
            dsym = DefSym(unit, env, native, recursive=unit.name in env.recursive)
            self._define(env, unit.name, dsym, unit.loc, export=not unit.local)
        elif isinstance(unit, S.InstanceDef):
            target = self.get(unit.module, unit.loc, within=env)
            if unit.name is not None:
                isym = InstSym(unit, env, target)
                self._define(env, unit.name, isym, unit.loc, export=not unit.local)
            else:
                self._check_substs(unit, target)
                for name, exported in target.exports.items():
                    if isinstance(exported, (ConstSym, VarSym)):
                        continue
                    self._define(env, name, ImportedSym(exported, unit, env, target), unit.loc,
                                 export=not unit.local)
        elif isinstance(unit, S.Assume):
            env.assumes.append((unit, env))
        elif isinstance(unit, S.Module):
            pass
        else:  # pragma: no cover - the parser produces nothing else
            raise SemanticError(f"unexpected unit {unit!r}", getattr(unit, "loc", None))

    def _let_instances(self, env: ModuleEnv, node) -> None:
        """Load the modules that ``LET M == INSTANCE Mod`` inside ``node`` instantiates."""
        if isinstance(node, S.Let):
            for d in node.defs:
                if isinstance(d, S.InstanceDef):
                    target = self.get(d.module, d.loc, within=env)
                    self._check_substs(d, target)
                    self.let_instances[id(d)] = target
                elif isinstance(d, S.OpDef):
                    self._let_instances(env, d.body)
        for x in S.subnodes(node):
            self._let_instances(env, x)

    def _check_substs(self, decl: S.InstanceDef, target: ModuleEnv) -> None:
        params = {c.name for c in target.constants} | {v.name for v in target.variables}
        for name, _expr in decl.substs:
            if name not in params:
                raise SemanticError(f"The instantiated module {target.name} has no CONSTANT "
                                    f"or VARIABLE named {name}.", decl.loc)


def _same(a: Sym, b: Sym) -> bool:
    """Two routes to one definition: the same symbol, or the same definition of a module
    without parameters through instances (which are the module itself), at any depth
    (Nat through INSTANCE Sailfish, which has it through INSTANCE BlockDag, and through
    EXTENDS Integers)."""
    return _origin(a) == _origin(b)


def _origin(sym: Sym) -> tuple:
    """The definition a symbol names, with the instances it is reached through where the
    module defining it has parameters (their substitutions may differ)."""
    decls = []
    while isinstance(sym, ImportedSym):
        decls.append(id(sym.decl))
        sym = sym.sym
    home = sym.home
    if home is not None and (home.constants or home.variables):
        return id(sym), tuple(decls)
    return id(sym), ()
