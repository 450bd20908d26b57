"""Rules for binders that enumerate: bounded and unbounded ``\\A`` and ``\\E``, CHOOSE, and the
bound lists every binder shares (enumerated in TLC's order)."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from conformance.tla import syntax as S
from conformance.tla.compile.code import CONST, Code, Tracing, guarded, merge
from conformance.tla.compile.entrywise import entrywise
from conformance.tla.compile.fieldindex import opening_field, opening_key
from conformance.tla.compile.hoist import hoisted_exists
from conformance.tla.compile.scopes import Scope
from conformance.tla.errors import EvalError, Unsupported
from conformance.tla.lazy import each, is_set, ordered, to_tla_any
from conformance.values import FSet, Tup

if TYPE_CHECKING:
    from conformance.tla.compile.compiler import Compiler


def bounds(comp: Compiler, bounds: tuple[S.Bound, ...], scope: Scope):
    """Compile quantifier bounds: the set codes and the scope with the names bound.

    Returns (set_codes, shapes, inner_scope) where each shape is None for a single name
    or the number of names for a tuple pattern ``<<x, y>> \\in S``.
    """
    sets: list[Code] = []
    shapes: list[int | None] = []
    names: list[str] = []
    for b in bounds:
        c = comp.expr(b.set, scope)
        if b.is_tuple:
            sets.append(c)
            shapes.append(len(b.names))
            names.extend(b.names)
        else:
            for nm in b.names:
                sets.append(c)
                shapes.append(None)
                names.append(nm)
    return sets, shapes, scope.bind_slots(names)


def binder_values(shapes, vals) -> tuple:
    """The slot values for one combination of bound values (tuples spread out)."""
    out: list = []
    for shape, v in zip(shapes, vals, strict=True):
        if shape is None:
            out.append(v)
        else:
            if type(v) is not Tup or len(v) != shape:
                raise EvalError(f"A tuple pattern of {shape} names was bound to "
                                f"{to_tla_any(v)}, which is not a {shape}-tuple.")
            out.extend(v)
    return tuple(out)


def enumerate_bounds(comp: Compiler, set_fns, shapes, loc):
    """A function E -> iterator over tuples of slot values, in TLC's order (the first
    bound variable varies fastest, as TLC's ContextEnumerator does)."""
    simple = all(s is None for s in shapes)
    n = len(set_fns)
    binder_values = comp.binder_values

    def domains(E):
        out = []
        for f in set_fns:
            s = f(E)
            if type(s) is FSet:
                out.append(s.ordered())
            elif not is_set(s):
                raise EvalError(f"Attempted to enumerate a bound of a quantifier that is "
                                f"not a set:\n{to_tla_any(s)}")
            else:
                out.append(ordered(s))
        return out
    if n == 1 and simple:
        f0 = set_fns[0]

        def one(E):
            s = f0(E)
            if type(s) is FSet:
                return ((v,) for v in s.ordered())
            if not is_set(s):
                raise EvalError(f"Attempted to enumerate a bound of a quantifier that "
                                f"is not a set:\n{to_tla_any(s)}")
            return ((v,) for v in each(s))
        return one

    def many(E):
        doms = domains(E)
        # itertools.product varies the last fastest; TLC varies the first fastest
        for combo in itertools.product(*reversed(doms)):
            vals = combo[::-1]
            yield vals if simple else binder_values(shapes, vals)
    return many


def e_Quant(comp: Compiler, n: S.Quant, scope):
    sets, shapes, inner = comp.bounds(n.bounds, scope)
    body = comp.expr(n.body, inner)
    level, deps, pure, binds = merge(sets + [body])
    deps = frozenset(d for d in deps if d < scope.depth)
    gen = comp.enumerate_bounds([s.fn for s in sets], shapes, n.loc)
    bf = body.fn
    loc = n.loc
    single = len(sets) == 1 and shapes[0] is None
    sf = sets[0].fn
    pair = len(sets) == 2 and shapes[0] is None and shapes[1] is None
    # Over a set not yet sorted, a pure body can run in any order: the answer is the
    # same, and only an error (or a non-boolean) depends on TLC's order, so then the
    # quantifier runs again in that order and says what TLC says.
    quick = body.pure
    if pair:
        sf2 = sets[1].fn
        need = comp.enumerate_bounds([sf, sf2], shapes, n.loc)
        universal = n.kind == "A"

        word = "\\A" if universal else "\\E"

        def quant2(E):
            # \A x, y \in ...: nested loops, the first variable varying fastest
            a, b = sf(E), sf2(E)
            xs = a.ordered() if type(a) is FSet else ordered(a) if is_set(a) else None
            ys = b.ordered() if type(b) is FSet else ordered(b) if is_set(b) else None
            if xs is None or ys is None:
                return quant_any(E)  # which reports the bound that is not a set
            for y in ys:
                for x in xs:
                    r = bf(E + (x, y))
                    if r is not universal:
                        if r is (not universal):
                            return r
                        raise EvalError(f"The body of {word} is not a boolean:\n"
                                        f"{to_tla_any(r)}")
            return universal

        def quant_any(E):
            for vals in need(E):
                r = bf(E + vals)
                if r is not universal:
                    if r is (not universal):
                        return r
                    raise EvalError(f"The body of {word} is not a boolean:\n"
                                    f"{to_tla_any(r)}")
            return universal
        code = comp.fold(Code(guarded(quant2, loc), level, deps, pure, True, loc=loc))
        if not universal and not code.known:
            return hoisted_exists(comp, n, scope, sets, shapes, inner, code) or code
        return code
    if n.kind == "E":
        if single:
            # \E m \in msgs: m.type = "Prepare" /\ ...: only the elements of that type
            opening = None if n.bounds[0].is_tuple or Tracing.on else \
                opening_field(comp, n.body, inner, n.bounds[0].names[0])
            # ... or is a value the body reads outside the element (c.index = n)
            keyed = None if opening is not None or n.bounds[0].is_tuple or Tracing.on \
                else opening_key(comp, n.body, inner, n.bounds[0].names[0])
            index = comp.field_index

            def exists1(E):
                s = sf(E)
                if type(s) is FSet:
                    # only the records whose field is the constant (see fieldindex)
                    field = opening
                    if keyed is not None and s:
                        try:
                            field = (keyed[0], keyed[1](E))
                        except Exception:  # noqa: BLE001 - the body's own evaluation
                            pass  # raises it, at the element it raises it for
                    some = index.some(s, *field) if field is not None else None
                    if quick:
                        try:
                            for v in s if some is None else some:  # any order: see quick
                                r = bf(E + (v,))
                                if r is True:
                                    return True
                                if r is not False:
                                    break
                            else:
                                return False
                        except EvalError:
                            pass
                    elems = index.bucket(s, *field) if some is not None else None
                    if elems is None:
                        elems = s.ordered()
                else:
                    elems = each(s)
                for v in elems:
                    r = bf(E + (v,))
                    if r is True:
                        return True
                    if r is not False:
                        raise EvalError("The body of \\E is not a boolean:\n"
                                        f"{to_tla_any(r)}")
                return False
            fn = exists1
        else:
            def exists(E):
                for vals in gen(E):
                    r = bf(E + vals)
                    if r is True:
                        return True
                    if r is not False:
                        raise EvalError("The body of \\E is not a boolean:\n"
                                        f"{to_tla_any(r)}")
                return False
            fn = exists
    else:
        if single:
            # A body that reads nothing but the bound element (TypeOK's \A m \in msgs :
            # m \in Messages) is TRUE again for an element object it held for: the last
            # set it held for all of is kept with its elements' ids (kept alive by it, so
            # no other object has them), and only a new set's other elements are tested. A
            # state's set shares most of its element objects with its neighbours'.
            # Identity, not equality: Python's equality would take [g |-> 1] for [g |-> TRUE].
            alone = quick and body.level == CONST and all(d >= scope.depth for d in body.deps)
            held: list = [None, frozenset()]

            def forall1(E):
                s = sf(E)
                if type(s) is FSet:
                    if quick:
                        last, done = held
                        if last is s:
                            return True
                        if not alone:
                            done = ()
                        try:
                            for v in s:  # any order will do: see quick above
                                if id(v) in done:
                                    continue
                                r = bf(E + (v,))
                                if r is False:
                                    return False
                                if r is not True:
                                    break
                            else:
                                if alone:
                                    held[0], held[1] = s, frozenset(map(id, s))
                                return True
                        except EvalError:
                            pass
                    elems = s.ordered()
                else:
                    elems = each(s)
                for v in elems:
                    r = bf(E + (v,))
                    if r is False:
                        return False
                    if r is not True:
                        raise EvalError("The body of \\A is not a boolean:\n"
                                        f"{to_tla_any(r)}")
                return True
            fn = forall1
            if quick and not alone:
                fn = entrywise(comp, n, scope, forall1) or forall1
        else:
            def forall(E):
                for vals in gen(E):
                    r = bf(E + vals)
                    if r is False:
                        return False
                    if r is not True:
                        raise EvalError("The body of \\A is not a boolean:\n"
                                        f"{to_tla_any(r)}")
                return True
            fn = forall
    code = comp.fold(Code(guarded(fn, loc), level, deps, pure, True, loc=loc))
    if n.kind == "E" and not code.known:
        return hoisted_exists(comp, n, scope, sets, shapes, inner, code) or code
    return code


def e_UQuant(comp: Compiler, n: S.UQuant, scope):
    if n.kind in ("AA", "EE"):
        raise Unsupported("temporal quantifiers \\AA and \\EE", n.loc)
    word = "\\E" if n.kind == "E" else "\\A"
    inner = scope.bind_slots(n.names)
    body = comp.expr(n.body, inner)
    loc = n.loc

    def fail(E):
        err = EvalError(f"TLC attempted to evaluate an unbounded {word}.\nMake sure that "
                        f"the expression is of form {word} x \\in S: P(x).")
        err.push(loc)
        raise err
    return Code(fail, body.level, frozenset(d for d in body.deps if d < scope.depth),
                False, True, loc=loc)


def e_Choose(comp: Compiler, n: S.Choose, scope):
    loc = n.loc
    inner = scope.bind_slots(n.names)
    body = comp.expr(n.body, inner)
    if n.set is None:
        def fail(E):
            err = EvalError("TLC attempted to evaluate an unbounded CHOOSE.\nMake sure "
                            "that the expression is of form CHOOSE x \\in S: P(x).")
            err.push(loc)
            raise err
        return Code(fail, body.level, frozenset(d for d in body.deps if d < scope.depth),
                    False, True, loc=loc)
    s = comp.expr(n.set, scope)
    level, deps, pure, binds = merge([s, body])
    deps = frozenset(d for d in deps if d < scope.depth)
    sf, bf = s.fn, body.fn
    shape = len(n.names) if n.is_tuple else None

    def holds(E, v) -> bool:
        if shape is None:
            r = bf(E + (v,))
        else:
            if type(v) is not Tup or len(v) != shape:
                raise EvalError("Attempted to compute the value of an expression of "
                                "form CHOOSE <<x1, ... , xN>> \\in S: P, but S was "
                                "not a set of N-tuples.")
            r = bf(E + tuple(v))
        if r is not True and r is not False:
            raise EvalError(f"The body of CHOOSE is not a boolean:\n{to_tla_any(r)}")
        return r

    def choose(E):
        sv = sf(E)
        if not is_set(sv):
            raise EvalError("Attempted to compute the value of an expression of form "
                            "CHOOSE x \\in S: P, but S was not a set.")
        if type(sv) is FSet:
            try:
                elems = sv.ordered()
            except EvalError:
                # elements with no order of their own ({Nat}, {Int}): which one CHOOSE
                # picks does not depend on the order when only one satisfies P
                found = [v for v in sv if holds(E, v)]
                if len(found) > 1:
                    raise
                elems = tuple(found)
        else:
            elems = each(sv)
        for v in elems:
            if holds(E, v):
                return v
        raise EvalError("Attempted to compute the value of an expression of form\n"
                        "CHOOSE x \\in S: P, but no element of S satisfied P.")
    return comp.fold(Code(guarded(choose, loc), level, deps, pure, True, loc=loc))
