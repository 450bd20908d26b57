"""The community modules Functions, Relation (and TransitiveClosure) and UndirectedGraphs."""

from __future__ import annotations

import itertools

from conformance.tla.builtins.native import Native, fn_graph, op, ppr, truth
from conformance.tla.errors import EvalError
from conformance.tla.lazy import FunctionSet, Powerset, as_fset, is_set, member, ordered, set_size
from conformance.values import Fn, FSet, Tup, make_fn

# --------------------------------------------------------------------------- Functions


def fn_range(f):
    if type(f) is Tup:
        return FSet(f)
    return FSet(fn_graph(f, "Range").values())


def fn_restrict(f, s):
    from conformance.tla.ops import apply as _apply

    return make_fn({k: _apply(f, k) for k in ordered(as_fset(s))})


def fn_restrict_domain(f, p):
    m = fn_graph(f, "RestrictDomain")
    return make_fn({k: v for k, v in m.items() if truth(p(k), "RestrictDomain")})


def fn_restrict_values(f, p):
    m = fn_graph(f, "RestrictValues")
    return make_fn({k: v for k, v in m.items() if truth(p(v), "RestrictValues")})


def is_injective(f):
    vals = list(fn_graph(f, "IsInjective").values())
    return len(set(vals)) == len(vals)


def is_surjective(f, s, t):
    m = fn_graph(f, "IsSurjective")
    return all(member(y, FSet(m.values())) for y in as_fset(t)) if True else False


def is_bijection(f, s, t):
    return is_injective(f) and is_surjective(f, s, t)


def _fns(s, t):
    return list(FunctionSet(as_fset(s), as_fset(t)))


def injections(s, t):
    return FSet(f for f in _fns(s, t) if is_injective(f))


def surjections(s, t):
    return FSet(f for f in _fns(s, t) if is_surjective(f, s, t))


def bijections(s, t):
    return FSet(f for f in _fns(s, t) if is_injective(f) and is_surjective(f, s, t))


def exists_injection(s, t):
    return set_size(s) <= set_size(t)


def exists_surjection(s, t):
    return set_size(s) >= set_size(t) and (set_size(t) > 0 or set_size(s) == 0)


def exists_bijection(s, t):
    return set_size(s) == set_size(t)


def inverse(f, s, t):
    m = fn_graph(f, "Inverse")
    out = {}
    for y in ordered(as_fset(t)):
        for x in ordered(as_fset(s)):
            if x in m and m[x] == y:
                out[y] = x
                break
        else:
            dom = ordered(as_fset(s))
            if dom:
                out[y] = dom[0]
    return make_fn(out)


def fold_function(op, base, f):
    m = fn_graph(f, "FoldFunction")
    acc = base
    for k in reversed(ordered(FSet(m))):
        acc = op(m[k], acc)
    return acc


def fold_function_on_set(op, base, f, s):
    m = fn_graph(f, "FoldFunctionOnSet")
    acc = base
    for k in reversed(ordered(as_fset(s))):
        if k not in m:
            raise EvalError(f"FoldFunctionOnSet: {ppr(k)} is not in the domain of the "
                            "function.")
        acc = op(m[k], acc)
    return acc


def pointwise(f, g, op):
    fm, gm = fn_graph(f, "Pointwise"), fn_graph(g, "Pointwise")
    return make_fn({k: op(v, gm[k]) for k, v in fm.items()})


def is_restriction(narrow, wide):
    nm, wm = fn_graph(narrow, "IsRestriction"), fn_graph(wide, "IsRestriction")
    return all(k in wm and wm[k] == v for k, v in nm.items())


def anti_function(f):
    m = fn_graph(f, "AntiFunction")
    return make_fn({v: k for k, v in m.items()})



# --------------------------------------------------------------------------- Relation


def transitive_closure(r):
    pairs = set()
    for p in as_fset(r):
        if type(p) is not Tup or len(p) != 2:
            raise EvalError("Attempted to apply TransitiveClosure to a set containing\nthe "
                            f"following value:\n{ppr(p)}")
        pairs.add((p[0], p[1]))
    changed = True
    while changed:
        changed = False
        for a, b in list(pairs):
            for c, d in list(pairs):
                if b == c and (a, d) not in pairs:
                    pairs.add((a, d))
                    changed = True
    return FSet(Tup(p) for p in pairs)



# --------------------------------------------------------------------------- UndirectedGraphs


def _graph_parts(g, op: str):
    if type(g) is not Fn or set(g.map) != {"node", "edge"}:
        raise EvalError(f"The argument of {op} should be a graph [node |-> ..., edge |-> ...],"
                        f" but instead it is:\n{ppr(g)}")
    return as_fset(g.map["node"]), as_fset(g.map["edge"])


def _is_graph(g, loop_free: bool) -> bool:
    if type(g) is not Fn or set(g.map) != {"node", "edge"}:
        return False
    nodes, edges = _graph_parts(g, "IsUndirectedGraph")
    for e in edges:
        if not is_set(e):
            return False
        es = as_fset(e)
        if not es or len(es) > 2 or not all(x in nodes for x in es):
            return False
        if loop_free and len(es) != 2:
            return False
    return True


def connected_components(g):
    nodes, edges = _graph_parts(g, "ConnectedComponents")
    comp = {n: FSet((n,)) for n in nodes}
    for e in ordered(edges):
        es = list(as_fset(e))
        a, b = es[0], es[-1]
        if comp[a] is not comp[b]:
            merged = FSet(comp[a] | comp[b])
            for n in merged:
                comp[n] = merged
    return FSet(comp.values())


def undirected_subgraphs(g):
    nodes, edges = _graph_parts(g, "UndirectedSubgraph")
    out = []
    for ns in Powerset(nodes):
        for es in Powerset(edges):
            h = Fn({"node": ns, "edge": es})
            if _is_graph(h, False):
                out.append(h)
    return FSet(out)


def simple_paths(g):
    nodes, edges = _graph_parts(g, "SimplePath")
    out = []
    elems = ordered(nodes)
    for k in range(1, len(elems) + 1):
        for p in itertools.permutations(elems, k):
            if all(FSet((p[i], p[i + 1])) in edges for i in range(k - 1)):
                out.append(Tup(p))
    return FSet(out)




MODULES: dict[str, dict[str, Native]] = {
    "Functions": {
        "Range": op(1, fn_range), "Restrict": op(2, fn_restrict),
        "RestrictDomain": op(2, fn_restrict_domain, op_args=(1,)),
        "RestrictValues": op(2, fn_restrict_values, op_args=(1,)),
        "IsInjective": op(1, is_injective), "IsSurjective": op(3, is_surjective),
        "IsBijection": op(3, is_bijection), "Injection": op(2, injections),
        "Surjection": op(2, surjections), "Bijection": op(2, bijections),
        "ExistsInjection": op(2, exists_injection), "ExistsSurjection": op(2, exists_surjection),
        "ExistsBijection": op(2, exists_bijection), "Inverse": op(3, inverse),
        "FoldFunction": op(3, fold_function, op_args=(0,)),
        "FoldFunctionOnSet": op(4, fold_function_on_set, op_args=(0,)),
        "AntiFunction": op(1, anti_function), "Pointwise": op(3, pointwise, op_args=(2,)),
        "IsRestriction": op(2, is_restriction),
    },
    "Relation": {"TransitiveClosure": op(1, transitive_closure)},
    "TransitiveClosure": {"TransitiveClosure": op(1, transitive_closure)},
    "UndirectedGraphs": {
        "IsUndirectedGraph": op(1, lambda g: _is_graph(g, False)),
        "IsLoopFreeUndirectedGraph": op(1, lambda g: _is_graph(g, True)),
        "UndirectedSubgraph": op(1, undirected_subgraphs),
        "SimplePath": op(1, simple_paths),
        "ConnectedComponents": op(1, connected_components),
        "AreConnectedIn": op(3, lambda m, n, g: any(m in c and n in c for c in
                                                     connected_components(g))),
        "IsStronglyConnected": op(1, lambda g: len(connected_components(g)) == 1),
    },
}
