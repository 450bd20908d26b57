"""The community module Graphs, as the CommunityModules release TLC's tests and ``conform tlc
install`` use (202412190202) defines it: directed graphs as records ``[node |-> N, edge |->
E]`` with ``E`` a set of pairs ``<<m, n>>``; its operators computed as its TLA+ definitions
define them (a path's nodes are nodes of the graph), and nothing it does not define (later
releases add HasCycle, Successors...; TLC with this release rejects a spec that uses them).
``Path(G)`` is infinite where G has a cycle: a set kept as a rule, as TLC keeps it."""

from __future__ import annotations

import itertools

from conformance.tla.builtins.native import Native, op, ppr
from conformance.tla.errors import EvalError
from conformance.tla.lazy import Filtered, Powerset, SeqSet, as_fset
from conformance.values import Fn, FSet, Tup, make_fn


def _field(g, name: str):
    if type(g) is not Fn:
        raise EvalError(f'Attempted to select field "{name}" from a non-record value:\n'
                        f"{ppr(g)}")
    if name not in g.map:
        raise EvalError(f'Attempted to select nonexistent field "{name}" from the record\n'
                        f"{ppr(g)}")
    return g.map[name]


def _parts(g) -> tuple[FSet, set[tuple]]:
    """G.node, and G.edge as a set of Python pairs."""
    nodes = as_fset(_field(g, "node"))
    edges = set()
    for e in as_fset(_field(g, "edge")):
        if type(e) is not Tup or len(e) != 2:
            raise EvalError(f"An edge of a graph should be a pair <<m, n>>, but it is:\n"
                            f"{ppr(e)}")
        edges.add((e[0], e[1]))
    return nodes, edges


def _graph(nodes, edges) -> Fn:
    return Fn({"node": FSet(nodes), "edge": FSet(Tup(e) for e in edges)})


def is_directed_graph(g) -> bool:
    if type(g) is not Fn or set(g.map) != {"node", "edge"}:
        if type(g) is Fn and "node" in g.map and "edge" in g.map:
            return False  # G = [node |-> G.node, edge |-> G.edge] is false
        _field(g, "node")
        _field(g, "edge")
    nodes = as_fset(g.map["node"])
    return all(type(e) is Tup and len(e) == 2 and e[0] in nodes and e[1] in nodes
               for e in as_fset(g.map["edge"]))


def directed_subgraphs(g):
    nodes, edges = _parts(g)
    out = []
    for ns in Powerset(nodes):
        inside = [e for e in edges if e[0] in ns and e[1] in ns]
        for k in range(len(inside) + 1):
            for es in itertools.combinations(inside, k):
                out.append(_graph(ns, es))
    return FSet(out)


def transpose(g):
    nodes, edges = _parts(g)
    return Fn({"edge": FSet(Tup((b, a)) for a, b in edges), "node": nodes})


def is_undirected_graph(g) -> bool:
    if not is_directed_graph(g):
        return False
    _nodes, edges = _parts(g)
    return all((b, a) in edges for a, b in edges)


def undirected_subgraphs(g):
    return FSet(h for h in directed_subgraphs(g) if is_undirected_graph(h))


def _is_path(p, edges: set[tuple]) -> bool:
    return type(p) is Tup and len(p) > 0 and \
        all((p[i], p[i + 1]) in edges for i in range(len(p) - 1))


def paths(g):
    nodes, edges = _parts(g)
    return Filtered(SeqSet(nodes), lambda p: _is_path(p, edges))


def simple_paths(g):
    nodes, edges = _parts(g)
    out = []
    elems = list(nodes)
    for k in range(1, len(elems) + 1):
        for p in itertools.permutations(elems, k):
            if all((p[i], p[i + 1]) in edges for i in range(k - 1)):
                out.append(Tup(p))
    return FSet(out)


def _reach(start, edges: set[tuple], nodes) -> set:
    """The nodes reached from ``start`` by one edge or more, through nodes of the graph."""
    succ: dict = {}
    for a, b in edges:
        if a in nodes and b in nodes:
            succ.setdefault(a, []).append(b)
    seen: set = set()
    todo = list(succ.get(start, ()))
    while todo:
        n = todo.pop()
        if n not in seen:
            seen.add(n)
            todo.extend(succ.get(n, ()))
    return seen


def are_connected_in(m, n, g) -> bool:
    """A path <<m, ..., n>>: m a node (the path <<m>> when m = n), n reached from it."""
    nodes, edges = _parts(g)
    if m not in nodes:
        return False
    return m == n or n in _reach(m, edges, nodes)


def is_strongly_connected(g) -> bool:
    nodes, edges = _parts(g)
    return all(nodes <= (_reach(m, edges, nodes) | {m}) for m in nodes)


def connections_in(g):
    nodes, edges = _parts(g)
    reach = {m: _reach(m, edges, nodes) | {m} for m in nodes}
    return make_fn({Tup((m, n)): n in reach[m] for m in nodes for n in nodes})


def is_tree_with_root(g, r) -> bool:
    """(This release does not ask that r be a node: the empty graph is a tree.)"""
    if not is_directed_graph(g):
        return False
    nodes, edges = _parts(g)
    parents: dict = {}
    for a, b in edges:
        if a == r or parents.setdefault(a, b) != b:
            return False
    return all(are_connected_in(n, r, g) for n in nodes)


MODULES: dict[str, dict[str, Native]] = {
    "Graphs": {
        "IsDirectedGraph": op(1, is_directed_graph),
        "DirectedSubgraph": op(1, directed_subgraphs), "Transpose": op(1, transpose),
        "IsUndirectedGraph": op(1, is_undirected_graph),
        "UndirectedSubgraph": op(1, undirected_subgraphs),
        "Path": op(1, paths), "SimplePath": op(1, simple_paths),
        "AreConnectedIn": op(3, are_connected_in),
        "IsStronglyConnected": op(1, is_strongly_connected),
        "ConnectionsIn": op(1, connections_in), "IsTreeWithRoot": op(2, is_tree_with_root),
    },
}
