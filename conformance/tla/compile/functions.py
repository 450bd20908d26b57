"""Rules for functions, records and tuples: constructors (recursive ones included),
application, field access and EXCEPT."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from conformance.tla import syntax as S
from conformance.tla.compile.code import Code, Tracing, frame_of, guarded, merge, wrap_error
from conformance.tla.compile.paths import chain_of, chained, record_cons
from conformance.tla.compile.scopes import Binding
from conformance.tla.compile.updates import key_sig, plan, shared_except
from conformance.tla.errors import EvalError
from conformance.tla.lazy import LazyFn, Product, is_finite, is_set, ordered, to_tla_any
from conformance.tla.ops import apply, except_update, field
from conformance.values import Fn, FSet, Tup, make_fn

if TYPE_CHECKING:
    from conformance.tla.compile.compiler import Compiler


_ATOMS = (int, str, bool)  # values equal exactly when == and of one type


def _except_one(f: Fn, k, vfn, E) -> Fn:
    """``[f EXCEPT ![k] = v]`` (``@`` is f[k]): f itself when k is not in its domain, or when
    v is the value it has there (the same object, its hashes cached)."""
    m = f.map
    if k not in m:
        return f
    old = m[k]
    v = vfn(E + (old,))
    if v is old or (type(v) is type(old) and type(v) in _ATOMS and v == old):
        return f
    d = dict(m)
    d[k] = v
    return Fn(d)


def except_path(node, keys, i, vfn, E):
    """One update of an EXCEPT on a working copy: functions being updated become a ``dict``
    (for :class:`Fn`) or a ``list`` (for :class:`Tup`), so that several updates under the
    same key copy each level once; :func:`seal` turns them back into values."""
    t = type(node)
    if t is Fn:
        node = dict(node.map)
        t = dict
    elif t is Tup:
        node = list(node)
        t = list
    elif t is not dict and t is not list:
        if isinstance(node, LazyFn):
            if not is_finite(node.domain):  # kept as a rule with an exception
                last = i + 1 == len(keys)
                return node.excepted(keys[i], lambda old: vfn(E + (seal(old),)) if last else
                                     seal(except_path(old, keys, i + 1, vfn, E)))
            return except_path(node.materialize(), keys, i, vfn, E)
        raise EvalError(f"Attempted to apply EXCEPT to a non-function:\n{to_tla_any(node)}")
    key = keys[i]
    if t is dict:
        if key not in node:
            return node
        child = node[key]
    else:
        if type(key) is not int or not 0 < key <= len(node):
            return node
        key -= 1
        child = node[key]
    if i + 1 == len(keys):
        node[key] = vfn(E + (seal(child),))
    else:
        node[key] = except_path(child, keys, i + 1, vfn, E)
    return node


def seal(node):
    t = type(node)
    if t is dict:
        return Fn({k: seal(v) if type(v) in (dict, list) else v for k, v in node.items()})
    if t is list:
        return Tup([seal(v) if type(v) in (dict, list) else v for v in node])
    return node


def e_Tuple(comp: Compiler, n: S.Tuple, scope):
    codes = [comp.expr(x, scope) for x in n.elems]
    level, deps, pure, binds = merge(codes)
    fns = [c.fn for c in codes]
    if len(fns) == 2:
        a, b = fns

        def tup2(E):
            return Tup((a(E), b(E)))
        fn = tup2
    else:
        def tupn(E):
            return Tup([f(E) for f in fns])
        fn = tupn
    return comp.fold(Code(fn, level, deps, pure, binds, loc=n.loc))


def e_RecordCons(comp: Compiler, n: S.RecordCons, scope):
    names = [f for f, _ in n.fields]
    codes = [comp.expr(x, scope) for _, x in n.fields]
    level, deps, pure, binds = merge(codes)
    rec = record_cons(names, codes)
    return comp.fold(Code(guarded(rec, n.loc), level, deps, pure, binds, loc=n.loc))


def e_Dot(comp: Compiler, n: S.Dot, scope):
    r = comp.expr(n.expr, scope)
    rf, name, loc = r.fn, n.field, n.loc

    def dot(E):
        rv = rf(E)
        if type(rv) is Fn:
            try:
                return rv.map[name]
            except KeyError:
                pass
        try:
            return field(rv, name)
        except Exception as e:  # noqa: BLE001
            raise wrap_error(e, loc) from None
    code = comp.fold(Code(dot, r.level, r.deps, r.pure, r.binds, loc=loc))
    return code if code.known else _chained(code, r, (".", name, loc))


def _chained(code: Code, prev: Code, step: tuple) -> Code:
    """``code`` (a field access or an application of ``prev``) with the chain of steps it
    ends compiled into one function (see compile.paths); as it is while tracing."""
    if Tracing.on:
        return code
    got = chain_of(prev)
    base, steps = got if got is not None else (prev, [])
    return Code(chained(base, steps + [step]), code.level, code.deps, code.pure, code.binds,
                loc=code.loc)


def e_FnApp(comp: Compiler, n: S.FnApp, scope):
    f = comp.expr(n.fn, scope)
    args = [comp.expr(a, scope) for a in n.args]
    level, deps, pure, binds = merge([f] + args)
    ff, loc = f.fn, n.loc
    if len(args) == 1:
        af = args[0].fn

        def app(E):
            fv = ff(E)
            x = af(E)
            if type(fv) is Fn:
                try:
                    return fv.map[x]
                except (KeyError, TypeError):
                    pass
            elif type(fv) is Tup and type(x) is int and 0 < x <= len(fv):
                return fv[x - 1]
            try:
                return apply(fv, x)
            except Exception as e:  # noqa: BLE001
                raise wrap_error(e, loc) from None
        code = comp.fold(Code(app, level, deps, pure, binds, loc=loc))
        return code if code.known else _chained(code, f, ("[]", args[0], loc))
    else:
        afs = [a.fn for a in args]

        def app(E):
            try:
                return apply(ff(E), Tup([g(E) for g in afs]))
            except Exception as e:  # noqa: BLE001
                raise wrap_error(e, loc) from None
    return comp.fold(Code(app, level, deps, pure, binds, loc=loc))


def e_FnCons(comp: Compiler, n: S.FnCons, scope):
    loc = n.loc
    names = [nm for b in n.bounds for nm in b.names]
    if n.recursive is not None:
        return recursive_fn(comp, n, scope)
    sets, shapes, inner = comp.bounds(n.bounds, scope)
    body = comp.expr(n.body, inner)
    level, deps, pure, binds = merge(sets + [body])
    deps = frozenset(d for d in deps if d < scope.depth)
    bf = body.fn
    depth = scope.depth
    lazy = comp._in_recursive_fn > 0
    if len(sets) == 1 and shapes[0] is None:
        sf = sets[0].fn

        def fcons1(E):
            s = sf(E)
            if not lazy and (type(s) is FSet or (is_set(s) and is_finite(s))):
                elems = s.ordered() if type(s) is FSet else ordered(s)
                return make_fn({v: bf(E + (v,)) for v in elems})
            if not is_set(s):
                raise EvalError("The domain of a function constructor is not a set:\n"
                                f"{to_tla_any(s)}")
            base = frame_of(E, depth)
            return LazyFn(s, lambda v: bf(base + (v,)))
        fn = fcons1
    else:
        set_fns = [s.fn for s in sets]
        single_names = len(names)
        binder_values = comp.binder_values

        def fconsn(E):
            doms = [f(E) for f in set_fns]
            dom = Product(tuple(doms)) if len(doms) > 1 else doms[0]
            base = frame_of(E, depth)

            def rule(key):
                vals = key if len(doms) > 1 else (key,)
                return bf(base + binder_values(shapes, vals))
            if all(is_finite(d) for d in doms):
                return make_fn({k: rule(k) for k in ordered(dom)})
            return LazyFn(dom, rule)
        fn = fconsn
        del single_names
    return comp.fold(Code(guarded(fn, loc), level, deps, pure, True, loc=loc))


def recursive_fn(comp: Compiler, n: S.FnCons, scope):
    """``f[x \\in S] == body`` where body may apply f: a LazyFn that remembers."""
    name = n.recursive
    # the function itself sits in a slot so that the body can apply it
    fscope = scope.bind_slots([name])
    sets, shapes, inner = comp.bounds(n.bounds, fscope)
    # functions built inside stay rules, as TLC's are until applied: f[i] may apply f[i]
    # itself below (f[i] == [j \in S |-> ... f[i][1] ...])
    comp._in_recursive_fn += 1
    try:
        body = comp.expr(n.body, inner)
    finally:
        comp._in_recursive_fn -= 1
    level, deps, pure, binds = merge(sets + [body])
    deps = frozenset(d for d in deps if d < scope.depth)
    bf = body.fn
    set_fns = [s.fn for s in sets]
    binder_values = comp.binder_values
    depth = scope.depth

    def recfn(E):
        E = frame_of(E, depth)
        doms = [f(E + (None,)) for f in set_fns]
        dom = Product(tuple(doms)) if len(doms) > 1 else doms[0]
        cell: list = [None]

        def rule(key):
            vals = key if len(doms) > 1 else (key,)
            return bf(E + (cell[0],) + binder_values(shapes, vals))
        f = LazyFn(dom, rule, f"{name}[...]")
        cell[0] = f
        return f
    return comp.fold(Code(guarded(recfn, n.loc), level, deps, pure, True, loc=n.loc))


def e_Except(comp: Compiler, n: S.Except, scope):
    base = comp.expr(n.fn, scope)
    updates = []
    codes = [base]
    inner = scope.with_binding("@", Binding("slot", index=scope.depth), 1)
    sigs: list[list] = []  # what identifies each key (updates.key_sig)
    for path, value in n.updates:
        steps: list[tuple[bool, Any]] = []
        sig: list = []
        sigs.append(sig)
        for kind, arg in path:
            if kind == ".":
                steps.append((True, arg))
                sig.append((".", arg))
            else:
                acs = [comp.expr(a, scope) for a in arg]
                codes.extend(acs)
                sig.append(("[]", key_sig(acs[0])) if len(acs) == 1 else None)
                if len(acs) == 1:
                    steps.append((False, acs[0].fn))
                else:
                    fns = [a.fn for a in acs]
                    steps.append((False, lambda E, fns=fns: Tup([g(E) for g in fns])))
        vc = comp.expr(value, inner)
        codes.append(Code(vc.fn, vc.level, frozenset(d for d in vc.deps if d < scope.depth),
                          vc.pure, True))
        updates.append((steps, vc.fn))
    level, deps, pure, binds = merge(codes)
    bfn = base.fn

    if len(updates) == 1 and len(updates[0][0]) == 1:
        (steps, vfn), = updates
        is_field, key = steps[0]
        if is_field:
            def exc_field(E):
                f = bfn(E)
                if type(f) is Fn:
                    return _except_one(f, key, vfn, E)
                return except_update(f, key, lambda old: vfn(E + (old,)))
            fn = exc_field
        else:
            def exc_one(E):
                f = bfn(E)
                k = key(E)
                if type(f) is Fn:
                    return _except_one(f, k, vfn, E)
                return except_update(f, k, lambda old: vfn(E + (old,)))
            fn = exc_one
    else:
        def one_by_one(E, work):
            for steps, vfn in updates:
                keys = [key if is_field else key(E) for is_field, key in steps]
                work = except_path(work, keys, 0, vfn, E)
            return seal(work)

        def exc(E):
            return one_by_one(E, bfn(E))
        items = None if Tracing.on else plan(sigs)
        fn = exc if items is None else \
            shared_except(bfn, updates, items, except_path, seal, one_by_one)
    return comp.fold(Code(guarded(fn, n.loc), level, deps, pure, binds, loc=n.loc))
