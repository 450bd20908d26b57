"""The engine's own syntax tree for TLA+: small immutable nodes, each with its source span.

``parse.py`` builds these from tree-sitter's concrete tree, once per file; every later stage
(name resolution, level checking, compilation to closures) reads only these nodes, so the
engine depends on the grammar in exactly one module.

Conventions
-----------
* Every operator application, built-in or user-defined, infix, prefix or ordinary, is an
  :class:`Name` node: ``a + b`` is ``Name("+", (a, b))``, ``Len(s)`` is ``Name("Len", (s,))``,
  ``M!Op(x)`` is ``Name("Op", (x,), prefix=(("M", ()),))``. Which definition (or built-in) a
  name denotes is decided by the resolver, as SANY does: ``+`` means nothing unless a module
  defining it (Naturals, Integers) is in scope.
* Operator symbols are normalized to one spelling (``\\leq`` for ``<=`` and ``=<``, ``/=`` for
  ``#``, ``-.`` for unary minus), as SANY's synonym table does.
* The constructs with their own evaluation rules (quantifiers, CHOOSE, IF, CASE, LET, set and
  function constructors, EXCEPT, conjunction and disjunction lists, priming, action and
  fairness forms) have their own node classes.
* Nodes compare by identity (``eq=False``): two occurrences of the same text are different
  nodes, and later stages key tables by node.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union, dataclass_transform


@dataclass(frozen=True, slots=True)
class Loc:
    """A source span as TLC prints it: 1-based lines and columns, the end column inclusive."""

    module: str
    line: int
    col: int
    eline: int
    ecol: int

    def __str__(self) -> str:
        return (f"line {self.line}, col {self.col} to line {self.eline}, col {self.ecol} "
                f"of module {self.module}")


NOLOC = Loc("", 0, 0, 0, 0)


def subnodes(node):
    """The syntax nodes directly inside ``node`` (through tuples of them)."""
    for name in getattr(node, "__slots__", ()):
        v = getattr(node, name, None)
        if isinstance(v, tuple):
            for x in v:
                if hasattr(x, "__slots__") and not isinstance(x, (str, Loc)):
                    yield x
        elif hasattr(v, "__slots__") and not isinstance(v, (str, Loc)):
            yield v


@dataclass_transform(frozen_default=True)
def _node(cls):
    return dataclass(frozen=True, slots=True, eq=False)(cls)


# --------------------------------------------------------------------------- expressions


@_node
class Num:
    loc: Loc
    value: int


@_node
class Decimal:
    """A decimal literal such as ``3.14``: parsed, but TLC cannot evaluate it."""

    loc: Loc
    text: str


@_node
class Str:
    loc: Loc
    value: str


@_node
class Bool:
    loc: Loc
    value: bool


@_node
class Name:
    """An identifier or operator application: ``x``, ``Op(a, b)``, ``a + b``, ``M!Op(a)``.

    ``prefix`` holds the instance path of ``M!N!Op``: one ``(name, args)`` pair per step.
    """

    loc: Loc
    name: str
    args: tuple = ()
    prefix: tuple = ()


@_node
class OpRef:
    """An operator symbol used as an argument, e.g. ``+`` in ``Fold(+, 0, S)``."""

    loc: Loc
    name: str


@_node
class Lambda:
    loc: Loc
    params: tuple[str, ...]
    body: Expr


@_node
class Bound:
    """``x, y \\in S`` or ``<<x, y>> \\in S`` in a quantifier, set or function constructor."""

    loc: Loc
    names: tuple[str, ...]
    is_tuple: bool
    set: Expr


@_node
class Quant:
    """``\\A`` or ``\\E`` with bounds: ``kind`` is ``"A"`` or ``"E"``."""

    loc: Loc
    kind: str
    bounds: tuple[Bound, ...]
    body: Expr


@_node
class UQuant:
    """An unbounded quantifier: ``kind`` is ``"A"``, ``"E"``, ``"AA"`` or ``"EE"``."""

    loc: Loc
    kind: str
    names: tuple[str, ...]
    body: Expr


@_node
class Choose:
    loc: Loc
    names: tuple[str, ...]
    is_tuple: bool
    set: Expr | None
    body: Expr


@_node
class SetEnum:
    loc: Loc
    elems: tuple[Expr, ...]


@_node
class SetFilter:
    loc: Loc
    bound: Bound
    pred: Expr


@_node
class SetMap:
    loc: Loc
    expr: Expr
    bounds: tuple[Bound, ...]


@_node
class FnApp:
    loc: Loc
    fn: Expr
    args: tuple[Expr, ...]


@_node
class FnCons:
    """``[x \\in S |-> e]``; ``recursive`` names the function for ``f[x \\in S] == e``."""

    loc: Loc
    bounds: tuple[Bound, ...]
    body: Expr
    recursive: str | None = None


@_node
class FnSet:
    loc: Loc
    domain: Expr
    range: Expr


@_node
class RecordCons:
    loc: Loc
    fields: tuple[tuple[str, Expr], ...]


@_node
class RecordSet:
    loc: Loc
    fields: tuple[tuple[str, Expr], ...]


@_node
class Dot:
    loc: Loc
    expr: Expr
    field: str


@_node
class Except:
    """``[f EXCEPT !.a[i] = v, ...]``: each update is (path, value); a path step is
    ``(".", name)`` or ``("[", args)``."""

    loc: Loc
    fn: Expr
    updates: tuple[tuple[tuple, Expr], ...]


@_node
class At:
    """``@`` inside an EXCEPT value: the old value at the updated path."""

    loc: Loc


@_node
class Tuple:
    loc: Loc
    elems: tuple[Expr, ...]


@_node
class Times:
    """``A \\X B \\X C``: one n-ary Cartesian product, as SANY reads an unparenthesized chain."""

    loc: Loc
    sets: tuple[Expr, ...]


@_node
class If:
    loc: Loc
    cond: Expr
    then: Expr
    else_: Expr


@_node
class Case:
    loc: Loc
    arms: tuple[tuple[Expr, Expr], ...]
    other: Expr | None


@_node
class Let:
    loc: Loc
    defs: tuple[Unit, ...]
    body: Expr


@_node
class And:
    """A conjunction: a bulleted ``/\\`` list or the infix ``/\\`` (two items)."""

    loc: Loc
    items: tuple[Expr, ...]
    bulleted: bool = False


@_node
class Or:
    loc: Loc
    items: tuple[Expr, ...]
    bulleted: bool = False


@_node
class Prime:
    loc: Loc
    expr: Expr


@_node
class BoxAction:
    """``[A]_v``."""

    loc: Loc
    action: Expr
    sub: Expr


@_node
class AngleAction:
    """``<<A>>_v``."""

    loc: Loc
    action: Expr
    sub: Expr


@_node
class Fairness:
    """``WF_v(A)`` or ``SF_v(A)``: ``kind`` is ``"WF"`` or ``"SF"``."""

    loc: Loc
    kind: str
    sub: Expr
    action: Expr


@_node
class SubExpr:
    """A subexpression name: ``Inv!2`` (the second conjunct of Inv), ``Thm!:``.

    ``ref`` names the definition (with its instance prefix); ``path`` holds the selectors:
    a number picks that operand, ``":"`` the statement of a named theorem.
    """

    loc: Loc
    ref: Name
    path: tuple


@_node
class Unsupported:
    """A construct the engine parses but cannot evaluate (subexpression names, proofs)."""

    loc: Loc
    what: str


Expr = (Num | Decimal | Str | Bool | Name | OpRef | Lambda | Quant | UQuant | Choose | SetEnum
        | SetFilter | SetMap | FnApp | FnCons | FnSet | RecordCons | RecordSet | Dot | Except
        | At | Tuple | Times | If | Case | Let | And | Or | Prime | BoxAction | AngleAction
        | Fairness | SubExpr | Unsupported)


# --------------------------------------------------------------------------- module units


@_node
class Param:
    """An operator parameter: ``x`` (arity 0) or ``F(_, _)`` (arity 2)."""

    loc: Loc
    name: str
    arity: int = 0


@_node
class OpDef:
    """``Op(p1, p2) == body``; a function definition ``f[x \\in S] == e`` is an OpDef of
    arity 0 whose body is a recursive :class:`FnCons`."""

    loc: Loc
    name: str
    params: tuple[Param, ...]
    body: Expr
    local: bool = False


@_node
class InstanceDef:
    """``M(p) == INSTANCE Mod WITH a <- e``; ``name`` is None for a bare ``INSTANCE Mod``."""

    loc: Loc
    name: str | None
    params: tuple[Param, ...]
    module: str
    substs: tuple[tuple[str, Expr], ...]
    local: bool = False


@_node
class ConstDecl:
    loc: Loc
    name: str
    arity: int = 0


@_node
class VarDecl:
    loc: Loc
    name: str


@_node
class Assume:
    """ASSUME (ASSUMPTION) or AXIOM: TLC checks assumptions, not axioms."""

    loc: Loc
    name: str | None
    expr: Expr
    axiom: bool = False


@_node
class RecursiveDecl:
    loc: Loc
    name: str
    arity: int


Unit = Union[OpDef, InstanceDef, ConstDecl, VarDecl, Assume, RecursiveDecl, "Module"]


@_node
class Module:
    loc: Loc
    name: str
    extends: tuple[tuple[str, Loc], ...]
    units: tuple
    file: str = ""
    # names (identifiers) and string literals in the order the source presents them; the
    # engine replays TLC's interning order from them (see conformance.values)
    identifiers: tuple[str, ...] = field(default=())
    strings: tuple[str, ...] = field(default=())
