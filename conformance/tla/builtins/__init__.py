"""The operators of TLA+'s standard modules, implemented in Python, with TLC's semantics.

TLC implements its standard modules (Naturals, Sequences, TLC, ...) and many community
modules in Java rather than by evaluating their TLA+ definitions; this package does the same
for the engine. :data:`NATIVE_MODULES` maps a module name to its operators; a module with
only native operators needs no .tla file, and in a module that has one (``stdlib/`` or a copy
next to the spec) a native replaces the definition of the same name and arity, as TLC's
overrides do.

Each :class:`Native` receives evaluated arguments (values; an operator argument arrives as a
Python callable) and returns a value, or raises :class:`EvalError` with TLC's message.

One module of this package per family of TLA+ modules, each exporting ``MODULES`` (module
name -> operators): ``numbers`` (Naturals, Integers, Reals, Bitwise), ``sequences``
(Sequences, SequencesExt), ``finitesets`` (FiniteSets, FiniteSetsExt, Folds), ``bags``
(Bags, BagsExt), ``functions`` (Functions, Relation, UndirectedGraphs), ``graphs`` (Graphs),
``tlc`` (TLC, TLCExt,
Randomization), ``ioutils``, ``json``, ``vectorclocks``; ``native`` holds what they share.
A new family is a module added to :data:`FAMILIES`.
"""

from __future__ import annotations

from conformance.tla.builtins import (
    bags,
    finitesets,
    functions,
    graphs,
    ioutils,
    json,
    numbers,
    sequences,
    tlc,
    vectorclocks,
)
from conformance.tla.builtins.native import Native, Runtime
from conformance.tla.builtins.tlc import ANY
from conformance.tla.lazy import STRING, Powerset
from conformance.values import order_key, to_tla

FAMILIES = (numbers, sequences, finitesets, bags, functions, graphs, tlc, ioutils, json,
            vectorclocks)

NATIVE_MODULES: dict[str, dict[str, Native]] = {}
for _family in FAMILIES:
    for _module, _ops in _family.MODULES.items():
        assert _module not in NATIVE_MODULES, f"{_module} is defined twice"
        NATIVE_MODULES[_module] = _ops

# modules whose native version extends others (as their TLA+ text would)
NATIVE_EXTENDS: dict[str, tuple[str, ...]] = {
    "Integers": ("Naturals",),
    "Reals": ("Integers",),
    "FiniteSetsExt": ("Folds", "Functions"),
    "VectorClocks": ("Naturals", "Sequences", "Functions"),
}

for _ops in NATIVE_MODULES.values():
    for _opname, _native in list(_ops.items()):
        object.__setattr__(_native, "name", _opname)


__all__ = ["Native", "Runtime", "NATIVE_MODULES", "NATIVE_EXTENDS", "ANY", "Powerset",
           "STRING", "order_key", "to_tla", "FAMILIES"]
