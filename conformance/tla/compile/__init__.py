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

The package keeps one family of rules per module, as Apalache keeps its rewriting rules:

* ``code``: :class:`Code`, levels, constant values, error positions (:class:`Tracing`);
* ``scopes``: module and instance contexts, local bindings;
* ``operators``: what can be applied (definitions, natives, LET operators, LAMBDAs...);
* ``compiler``: :class:`Compiler`, contexts, constant folding, dispatch to the rules;
* ``names``: literals, names, bindings, operator application and arguments, variables;
* ``instances``: symbols in a context, constants and overrides, INSTANCE, ``M!Op``;
* ``calls``: definitions called by value (remembered when costly), natives;
* ``control``: IF, CASE, LET, connectives, equality, the language's built-in operators;
* ``sets``, ``functions`` (functions, records, tuples, EXCEPT), ``quantifiers`` (``\\A``,
  ``\\E``, CHOOSE and their bounds), ``temporal`` (``[A]_v``, fairness, ENABLED, ``\\cdot``).

Each rule is a function whose first argument is the compiler; :class:`Compiler` names them
as its methods, so ``comp.expr(node, scope)`` reaches every rule.
"""

from conformance.tla.compile.code import (
           ACTION,
           CONST,
           STATE,
           TEMPORAL,
           Code,
           Tracing,
           canonical_state,
           const,
           guarded,
           wrap_error,
)
from conformance.tla.compile.compiler import Compiler
from conformance.tla.compile.control import Lazy, let_prelude
from conformance.tla.compile.operators import LetOp, UserOp
from conformance.tla.compile.scopes import Binding, Ctx, Scope, substitution_expr
from conformance.tla.lazy import as_fset, member
from conformance.tla.ops import in_

__all__ = ["Compiler", "Code", "Scope", "Ctx", "Lazy", "Binding", "CONST", "STATE", "ACTION",
           "TEMPORAL", "canonical_state", "const", "guarded", "wrap_error", "as_fset",
           "member", "in_", "LetOp", "UserOp", "Tracing", "let_prelude", "substitution_expr"]
