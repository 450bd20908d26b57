"""Rules for control and logic: IF, CASE, LET, the connectives, equality, and the built-in
operators of the language itself (TRUE, ~, =>, <=>, =, \\in...)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from conformance.tla import syntax as S
from conformance.tla.compile.code import (
    ACTION,
    CONST,
    TEMPORAL,
    Code,
    const,
    guarded,
    merge,
    wrap_error,
)
from conformance.tla.compile.entrywise import domain_within
from conformance.tla.compile.operators import VALUE_BUILTINS, LetOp
from conformance.tla.compile.scopes import Binding, Scope
from conformance.tla.errors import EvalError, SemanticError, Unsupported
from conformance.tla.lazy import BOOLEAN, STRING, to_tla_any
from conformance.tla.modules import InstSym
from conformance.tla.ops import DEEP, eq
from conformance.values import ModelValue

if TYPE_CHECKING:
    from conformance.tla.compile.compiler import Compiler


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


def e_If(comp: Compiler, n: S.If, scope):
    c, t, f = (comp.expr(x, scope) for x in (n.cond, n.then, n.else_))
    level, deps, pure, binds = merge([c, t, f])
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


def e_Case(comp: Compiler, n: S.Case, scope):
    arms = [(comp.expr(c, scope), comp.expr(v, scope)) for c, v in n.arms]
    other = comp.expr(n.other, scope) if n.other is not None else None
    codes = [x for arm in arms for x in arm] + ([other] if other else [])
    level, deps, pure, binds = merge(codes)
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


def e_And(comp: Compiler, n: S.And, scope):
    codes = [comp.expr(x, scope) for x in n.items]
    level, deps, pure, binds = merge(codes)
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
        return comp.fold(Code(conj2, level, deps, pure, binds, loc=loc))
    return comp.fold(Code(conj, level, deps, pure, binds, loc=loc))


def e_Or(comp: Compiler, n: S.Or, scope):
    codes = [comp.expr(x, scope) for x in n.items]
    level, deps, pure, binds = merge(codes)
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
    return comp.fold(Code(disj, level, deps, pure, binds, loc=loc))


def e_Let(comp: Compiler, n: S.Let, scope):
    inner, slot_fns = comp.let_scope(n.defs, scope)
    body = comp.expr(n.body, inner)
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
    return comp.fold(Code(let, level, deps, pure, True, loc=n.loc))


def let_scope(comp: Compiler, defs, scope: Scope, live: int = ACTION) -> tuple[Scope, list]:
    """The scope after a LET's definitions, and the definitions whose values go into
    slots of E (in order): see :func:`let_prelude`. A definition of level ``live`` or
    above is evaluated where it is used (the initial predicate passes STATE: a variable
    may be assigned after the LET)."""
    recursive = {d.name for d in defs if isinstance(d, S.RecursiveDecl)}
    slot_fns: list = []
    for d in defs:
        if isinstance(d, S.RecursiveDecl):
            continue
        if isinstance(d, S.InstanceDef):
            target = comp.let_instances.get(id(d))
            if d.name is None or target is None:
                raise Unsupported("an unnamed INSTANCE inside LET", d.loc)
            isym = InstSym(d, scope.ctx.env, target)
            scope = scope.with_binding(d.name, Binding("inst", op=isym, scope=scope))
            continue
        if d.params:
            op = LetOp(d, scope, d.name in recursive)
            scope = scope.with_binding(d.name, Binding("op", op=op))
            op.scope = scope  # a LET operator may call itself (RECURSIVE)
            continue
        code = comp.expr(d.body, scope)
        if code.known or (code.level == CONST and not code.deps and code.pure) \
                or code.level >= live:
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


def builtin(comp: Compiler, name: str, n: S.Name, scope: Scope) -> Code:
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
        return comp.enabled(args[0], scope, loc)
    if name == "UNCHANGED":
        inner = comp.expr(args[0], scope)
        primed = comp.expr(args[0], scope.as_primed())
        if inner.level >= ACTION:
            raise SemanticError("Level error: the argument of UNCHANGED is an action.", loc)
        a, b = inner.fn, primed.fn

        def unchanged(E):
            try:
                return eq(a(E), b(E))
            except EvalError as e:
                raise wrap_error(e, loc) from None
        return Code(guarded(unchanged, loc), ACTION if inner.level else CONST,
                    inner.deps, inner.pure, inner.binds, loc=loc)
    if name in ("[]", "<>", "~>", "-+->"):
        codes = [comp.expr(a, scope) for a in args]
        level, deps, pure, binds = merge(codes)

        def temporal(E):
            err = EvalError(f"The temporal operator {name} cannot be evaluated as part of "
                            "a state or action.")
            err.push(loc)
            raise err
        return Code(temporal, TEMPORAL, deps, False, binds, loc=loc)
    if name == "\\cdot":
        return comp.composition(args, scope, loc)
    codes = [comp.expr(a, scope) for a in args]
    level, deps, pure, binds = merge(codes)
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
        return comp.fold(Code(lnot, level, deps, pure, binds, loc=loc))
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
        return comp.fold(Code(implies, level, deps, pure, binds, loc=loc))
    if name == "\\equiv":
        a, b = codes[0].fn, codes[1].fn

        def equiv(E):
            v, w = a(E), b(E)
            if type(v) is not bool or type(w) is not bool:
                err = EvalError("The arguments of <=> must be booleans.")
                err.push(loc)
                raise err
            return v is w
        return comp.fold(Code(equiv, level, deps, pure, binds, loc=loc))
    if name == "=":
        return comp.equality(codes, level, deps, pure, binds, loc, False)
    if name == "/=":
        return comp.equality(codes, level, deps, pure, binds, loc, True)
    if name in ("\\in", "\\notin"):
        rhs = args[1]
        of = None  # x \in DOMAIN f: looked up in f itself, not in a set of its keys
        if isinstance(rhs, S.Name) and rhs.name == "DOMAIN" and not rhs.prefix and \
                len(rhs.args) == 1:
            of = comp.expr(rhs.args[0], scope)
        return comp.membership(codes, level, deps, pure, binds, loc, name == "\\notin", of)
    fn, _ = VALUE_BUILTINS[name]
    code = comp.call_fn(fn, codes, loc)
    if name == "\\subseteq":
        return domain_within(comp, args, scope, code) or code
    return code


def equality(comp: Compiler, codes, level, deps, pure, binds, loc, negate: bool) -> Code:
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
                return comp.fold(Code(neq_k, level, deps, pure, binds, loc=loc))

            def eq_k(E):
                v = af(E)
                if type(v) is kt:
                    return v == k
                try:
                    return eq(v, k)
                except Exception as e:  # noqa: BLE001
                    raise wrap_error(e, loc) from None
            return comp.fold(Code(eq_k, level, deps, pure, binds, loc=loc))
    if negate:
        def neq_(E):
            v, w = af(E), bf(E)
            if v == w:
                if (type(v) is bool) is (type(w) is bool) and \
                        (v is w or type(v) not in DEEP):  # Python has 0 == FALSE
                    return False
            elif type(v) is type(w) and type(v) is not ModelValue:  # (typed ones: eq)
                return True
            try:
                return not eq(v, w)
            except Exception as e:  # noqa: BLE001
                raise wrap_error(e, loc) from None
        return comp.fold(Code(neq_, level, deps, pure, binds, loc=loc))

    def eq_(E):
        v, w = af(E), bf(E)
        if v == w:
            if (type(v) is bool) is (type(w) is bool) and \
                    (v is w or type(v) not in DEEP):  # Python has 0 == FALSE
                return True
        elif type(v) is type(w) and type(v) is not ModelValue:  # (typed ones: eq)
            return False
        try:
            return eq(v, w)
        except Exception as e:  # noqa: BLE001
            raise wrap_error(e, loc) from None
    return comp.fold(Code(eq_, level, deps, pure, binds, loc=loc))
