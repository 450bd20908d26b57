"""``\\E x \\in S: P`` where conjuncts of P do not read x: those conjuncts once, not per x.

TLC evaluates the body of an existential for every binding, left to right, so in
``\\E b, e \\in 1..n: AppendEntries(i, j, <<b, e>>)`` a conjunct such as ``state[i] = Leader``
(inside the definition) is evaluated n * n times with the same value. etcd-io/raft's
trace specification checks such a formula on every step of a trace, with n the length of a
log, and that is where TLC spends its hours. Here the body is flattened (its conjunctions,
and applications of definitions expanded with their arguments by name, as TLC substitutes
them), and each conjunct is classified:

* *free*: it reads none of the bound variables (and is pure): its value is the same for
  every binding;
* *own*: it reads only the bound variables (no state, no other name, pure): its value for a
  binding depends on that binding alone, so whether it evaluates without error on every
  binding of a given set is a fact about the set, computed once and remembered;
* anything else.

The free conjuncts that come before the first conjunct of the third kind are evaluated once,
in order, before the loop. TRUE: they are left out of it. FALSE: the existential is FALSE
(the body is FALSE for every binding), provided the own conjuncts before it never fail on
the set (remembered per set), which is exactly when TLC would not have reported an error
first. An error, a non-boolean, or an uncertified set: the quantifier is evaluated as TLC
does, binding by binding, and reports what TLC reports. So the answer, the errors and their
order are TLC's; only the number of evaluations changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from conformance.tla import syntax as S
from conformance.tla.compile.code import CONST, STATE, Code, Tracing
from conformance.tla.compile.operators import UserOp
from conformance.tla.compile.scopes import Binding, Scope
from conformance.tla.errors import SpecError
from conformance.tla.lazy import Interval, is_set
from conformance.tla.modules import DefSym, ImportedSym
from conformance.values import FSet, typed_hash

if TYPE_CHECKING:
    from conformance.tla.compile.compiler import Compiler

FREE, OWN, OTHER = 0, 1, 2
DEPTH = 6  # definitions expanded within one another, at most
REMEMBERED = 4096  # certified sets kept per quantifier (then it starts afresh)


# operators whose application to cheap arguments is itself cheap (integer arithmetic)
_CHEAP_OPS = frozenset({"+", "-", "-.", "*", "\\div", "%"})


def _cheap(a, depth: int = 3) -> bool:
    """An argument worth substituting by name: evaluating it again costs next to nothing
    (a name, a literal, a tuple of such, a sum like ``index + 1``)."""
    if isinstance(a, (S.Num, S.Str, S.Bool)):
        return True
    if isinstance(a, S.Name):
        if not a.args:
            return True
        return depth > 0 and not a.prefix and a.name in _CHEAP_OPS and \
            all(_cheap(x, depth - 1) for x in a.args)
    if isinstance(a, S.Tuple):
        return depth > 0 and all(_cheap(x, depth - 1) for x in a.elems)
    return False


def conjuncts(comp: Compiler, node, scope: Scope, depth: int = DEPTH) -> list[tuple]:
    """The conjuncts of ``node``, with definitions applied to cheap arguments expanded."""
    if isinstance(node, S.And):
        out: list[tuple] = []
        for x in node.items:
            out.extend(conjuncts(comp, x, scope, depth))
        return out
    if depth and isinstance(node, S.Name) and node.args and not node.prefix and \
            node.name not in scope.locals and all(_cheap(a) for a in node.args):
        sym = scope.ctx.env.lookup(node.name)
        if isinstance(sym, (DefSym, ImportedSym)):
            op = comp.sym_op(sym, scope.ctx, node.loc)
            d = op.sym.node if isinstance(op, UserOp) else None
            if isinstance(op, UserOp) and d is not None and not op.sym.recursive and \
                    len(d.params) == len(node.args) and all(p.arity == 0 for p in d.params):
                names = {p.name: Binding("code", code=comp.expr(a, scope), depth=scope.depth,
                                         node=a, scope=scope)
                         for p, a in zip(d.params, node.args, strict=True)}
                inner = Scope(op.ctx, names, scope.depth, scope.primed)
                return conjuncts(comp, d.body, inner, depth - 1)
    return [(node, scope)]


def _kind(code: Code, lo: int, hi: int) -> int:
    if not code.pure:
        return OTHER
    own = [d for d in code.deps if lo <= d < hi]
    if not own:
        return FREE
    if code.level == CONST and len(own) == len(code.deps):
        return OWN
    return OTHER


def _set_key(s):
    """A dictionary key for a bound's set, or None where keying it would cost too much."""
    if type(s) is Interval:
        return ("..", s.lo, s.hi)
    if type(s) is FSet:
        return (s, typed_hash(s))
    return None


def _empty(s) -> bool:
    if type(s) is FSet:
        return not s
    if type(s) is Interval:
        return s.lo > s.hi
    return False


def hoisted_exists(comp: Compiler, n: S.Quant, scope: Scope, sets: list[Code], shapes,
                   inner: Scope, plain: Code) -> Code | None:
    """``plain`` (the quantifier compiled as TLC evaluates it) with the free conjuncts of
    its body hoisted, or None where none can be."""
    if Tracing.on:  # rerunning a failed step for its positions: TLC's own evaluation
        return None
    parts = conjuncts(comp, n.body, inner)
    if len(parts) < 2:
        return None
    codes = [comp.expr(x, sc) for x, sc in parts]
    lo, hi = scope.depth, inner.depth
    kinds = [_kind(c, lo, hi) for c in codes]
    hoisted: list[int] = []
    for k, kind in enumerate(kinds):
        if kind == OTHER:
            break
        if kind == FREE:
            hoisted.append(k)
    if not hoisted:
        return None
    pad = (None,) * (hi - lo)
    first = [(codes[k].fn, [codes[d].fn for d in range(k) if kinds[d] == OWN], k)
             for k in hoisted]
    rest = [codes[k].fn for k in range(len(codes)) if k not in hoisted]
    set_fns = [s.fn for s in sets]
    gen = comp.enumerate_bounds(set_fns, shapes, n.loc)
    plain_fn = plain.fn
    certified: dict = {}

    def safe(E, checks) -> bool:
        """Whether the own conjuncts ``checks`` evaluate, in TLC's order, without an error
        or a non-boolean on every binding."""
        try:
            for vals in gen(E):
                E2 = E + vals
                for f in checks:
                    v = f(E2)
                    if v is False:
                        break
                    if v is not True:
                        return False
        except Exception:  # noqa: BLE001 - TLC would report it: evaluate as TLC does
            return False
        return True

    def exists(E):
        try:
            doms = [f(E) for f in set_fns]
        except Exception:  # noqa: BLE001 - the plain quantifier reports it
            return plain_fn(E)
        if not all(is_set(d) for d in doms):
            return plain_fn(E)
        if any(_empty(d) for d in doms):
            return False
        Ef = E + pad
        for f, checks, k in first:
            try:
                v = f(Ef)
            except Exception:  # noqa: BLE001
                return plain_fn(E)
            if v is True:
                continue
            if v is not False:
                return plain_fn(E)
            if not checks:
                return False
            keys = [_set_key(d) for d in doms]
            if None in keys:
                return False if safe(E, checks) else plain_fn(E)
            key = (k, *keys)
            ok = certified.get(key)
            if ok is None:
                if len(certified) >= REMEMBERED:
                    certified.clear()
                ok = certified[key] = safe(E, checks)
            return False if ok else plain_fn(E)
        try:
            for vals in gen(E):
                E2 = E + vals
                for f in rest:
                    v = f(E2)
                    if v is True:
                        continue
                    if v is False:
                        break
                    return plain_fn(E)  # a non-boolean: reported as TLC reports it
                else:
                    return True
        except Exception:  # noqa: BLE001 - the same error, with TLC's positions
            return plain_fn(E)
        return False
    return Code(exists, plain.level, plain.deps, plain.pure, True, loc=plain.loc)


def leading_guards(comp: Compiler, body, scope: Scope, inner: Scope) -> list | None:
    """For an existential *action* ``\\E x \\in S : A``: the conjuncts that open A (through
    definitions applied to cheap arguments, as :func:`conjuncts` flattens them) and read
    neither the bound variables nor the next state, compiled in ``inner``; None if there are
    none.

    TLC's getNextStates evaluates such a conjunct as a guard for every binding, first thing
    (etcd's trace spec: ``LoglineIsMessageEvent("SendAppendEntriesRequest", i, j)`` opens
    the body of ``\\E b, e \\in 1..Len(log[i]) + 1``, for every i and j). Its value is the
    same for every binding, so the action compiler evaluates it once: FALSE, there is no
    successor (as for every binding); TRUE, the bindings are entered as before; an error or
    a non-boolean, the bindings are entered as before and the first one reports it where
    TLC does."""
    if Tracing.on:
        return None
    parts = conjuncts(comp, body, inner)
    if len(parts) < 2:
        return None
    lo, hi = scope.depth, inner.depth
    guards = []
    for node, sc in parts:
        try:
            code = comp.expr(node, sc)
        except SpecError:
            break
        if code.level > STATE or _kind(code, lo, hi) != FREE:
            break
        guards.append(code.fn)
    return guards or None
