"""Temporal properties under fairness, checked on the complete behavior graph.

This follows TLC's approach (Yu, Manolios and Lamport, "Model checking TLA+
specifications"): explore every reachable state, keeping the graph (with a stuttering step
at every state), then, for each property P, search for a behavior of the spec that satisfies
the spec's fairness and violates P.

The formula F = Fairness /\\ ~P is put in negation normal form over *atoms* (state and
action predicates, ENABLED included) and split, as TLC does, into disjuncts of three parts:

* ``[]<>X`` conditions (X holds infinitely often: weak fairness is ``[]<>(~ENABLED <<A>>_v
  \\/ <<A>>_v)``), checked on a strongly connected component;
* ``<>[]Y`` conditions (Y eventually always), which restrict the component;
* the rest, translated into a generalized Büchi automaton (Gerth, Peled, Vardi and Wolper's
  construction), multiplied with the state graph.

A reachable, non-trivial strongly connected component of the product that meets every
condition is a counterexample; it is reported as a lasso: a shortest path to the component,
then a cycle through it that visits a witness of every condition.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from conformance.result import CheckResult, Outcome
from conformance.tla import syntax as S
from conformance.tla.compile import ACTION, CONST, Binding, Scope, UserOp, const
from conformance.tla.errors import EvalError, SemanticError, Unsupported
from conformance.tla.explore import Explorer
from conformance.tla.lazy import ordered
from conformance.tla.model import Model, Temporal
from conformance.tla.modules import BuiltinSym
from conformance.values import typed_hash

# --------------------------------------------------------------------------- formulas
#
# A formula in negation normal form is a nested tuple:
#   ("atom", i)  ("natom", i)  ("and", (f, ...))  ("or", (f, ...))  ("G", f)  ("F", f)
# where i indexes Atoms.items. TRUE is ("and", ()), FALSE is ("or", ()).

TRUE: tuple = ("and", ())
FALSE: tuple = ("or", ())


@dataclass
class Atom:
    """A state predicate (``fn(s)``) or an action predicate (``fn(s, t)``). An impure one
    (TLCGet("queue") and the like) may read the search's figures: see :class:`Evaluator`."""

    action: bool
    fn: Callable
    text: str
    pure: bool = True
    # given the behavior graph, a predicate equal to fn on its states (or steps) that
    # reads the graph instead of evaluating the spec: see FormulaBuilder.next_step
    on_graph: Callable[[Graph], Callable] | None = None


class Atoms:
    def __init__(self) -> None:
        self.items: list[Atom] = []

    def add(self, atom: Atom) -> int:
        self.items.append(atom)
        return len(self.items) - 1


def _and(parts) -> tuple:
    out = []
    for p in parts:
        if p == FALSE:
            return FALSE
        if p == TRUE:
            continue
        if p[0] == "and":
            out.extend(p[1])
        else:
            out.append(p)
    return out[0] if len(out) == 1 else ("and", tuple(out))


def _or(parts) -> tuple:
    out = []
    for p in parts:
        if p == TRUE:
            return TRUE
        if p == FALSE:
            continue
        if p[0] == "or":
            out.extend(p[1])
        else:
            out.append(p)
    return out[0] if len(out) == 1 else ("or", tuple(out))


def _is_temporal(f) -> bool:
    k = f[0]
    if k in ("G", "F"):
        return True
    if k in ("and", "or"):
        return any(_is_temporal(g) for g in f[1])
    return False


class FormulaBuilder:
    """Turns the spec's temporal formulas into NNF formulas over atoms."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.comp = model.comp
        self.atoms = Atoms()
        self.depth = 0

    def atom(self, node, scope: Scope, neg: bool) -> tuple:
        code = self.comp.expr(node, scope)
        if code.known and (code.value is True or code.value is False):
            return TRUE if code.value is not neg else FALSE  # TLC folds constants too
        fn = code.fn
        rest = _rest(scope)
        if code.level <= 1:
            def state_pred(s):
                return fn((s, None) + rest) is True
            i = self.atoms.add(Atom(False, state_pred, _text(node), code.pure))
        else:
            def action_pred(s, t):
                return fn((s, t) + rest) is True
            atom = Atom(True, action_pred, _text(node), code.pure)
            if isinstance(node, S.AngleAction) and self.is_next(node.action, scope):
                atom.on_graph = self.next_step(node, scope, enabled=False)
            i = self.atoms.add(atom)
        return ("natom", i) if neg else ("atom", i)

    def enabled_atom(self, action, sub, scope: Scope, neg: bool) -> tuple:
        """``ENABLED <<A>>_v``."""
        angle = S.AngleAction(action.loc, action, sub)
        en = self.model.acomp.enabled_fn(angle, scope)
        rest = _rest(scope)

        def enabled(s, en=en, rest=rest):
            return en((s, None) + rest)
        atom = Atom(False, enabled, f"ENABLED <<{_text(action)}>>_v")
        if self.is_next(action, scope):
            atom.on_graph = self.next_step(angle, scope, enabled=True)
        i = self.atoms.add(atom)
        return ("natom", i) if neg else ("atom", i)

    def is_next(self, action, scope: Scope) -> bool:
        """Whether an action is the spec's next-state relation itself: the same definition
        (in the same instance), named without arguments, as ``[][Next]_v`` or NEXT names."""
        if self.model.next is None:
            return False
        nnode, nscope, _ = self.model.next
        return _definition(self.model, action, scope) == _definition(self.model, nnode, nscope)

    def next_step(self, angle: S.AngleAction, scope: Scope, enabled: bool
                  ) -> Callable[[Graph], Callable]:
        r"""``<<Next>>_v`` (``enabled``: ``ENABLED <<Next>>_v``) for the spec's own Next,
        read from the behavior graph. Every step of the graph but the added stuttering ones
        is a Next step (that is how the graph was built), so on a step of the graph
        ``<<Next>>_v`` is ``v' # v``, and ``ENABLED <<Next>>_v`` holds where some step out
        of the state changes v; where none does and a state or action constraint may have
        left some out, ENABLED is evaluated. This spares evaluating Next once more on every
        step: TLC does, so a Next that fails evaluated on a step it generated (comparing
        values of different kinds in a disjunct that did not generate it) fails in TLC's
        liveness checking and not here."""
        changed_fn = self.comp.expr(
            S.AngleAction(angle.loc, S.Bool(angle.loc, True), angle.sub), scope).fn
        rest = _rest(scope)

        def changed(s, t):
            return changed_fn((s, t) + rest) is True
        if not enabled:
            return lambda graph: changed
        model = self.model
        complete = not model.constraints and not model.action_constraints
        en_fn = model.acomp.enabled_fn(angle, scope)

        def on_graph(graph: Graph) -> Callable:
            where = {id(st): i for i, st in enumerate(graph.states)}
            states, succ, action, produced = \
                graph.states, graph.succ, graph.action, graph.produced

            def enabled(s):
                i = where.get(id(s))
                if i is not None:
                    for j, e in succ[i]:
                        if action[e] >= 0 and changed(s, produced.get(e, states[j])):
                            return True
                    if complete:
                        return False
                return en_fn((s, None) + rest)
            return enabled
        return on_graph

    def angle_atom(self, action, sub, scope: Scope, neg: bool) -> tuple:
        return self.atom(S.AngleAction(action.loc, action, sub), scope, neg)

    def combined(self, parts: list[tuple], disjunction: bool, text: str) -> tuple:
        """One atom for a boolean combination of atoms (kept as a single predicate so that
        ``[]<>(a \\/ b)`` stays one condition)."""
        items = self.atoms.items
        action = any(items[p[1]].action for p in parts)
        fns = [(items[p[1]], p[0] == "natom") for p in parts]

        def pred(s, t=None):
            for a, negated in fns:
                v = a.fn(s, t) if a.action else a.fn(s)
                if negated:
                    v = not v
                if disjunction and v:
                    return True
                if not disjunction and not v:
                    return False
            return not disjunction
        pure = all(a.pure for a, _ in fns)
        if action:
            i = self.atoms.add(Atom(True, lambda s, t: pred(s, t), text, pure))
        else:
            i = self.atoms.add(Atom(False, lambda s: pred(s), text, pure))
        return ("atom", i)

    def formula(self, node, scope: Scope, neg: bool = False) -> tuple:
        self.depth += 1
        if self.depth > 200:
            raise Unsupported("a recursive temporal formula", getattr(node, "loc", None))
        try:
            return self._formula(node, scope, neg)
        finally:
            self.depth -= 1

    def _formula(self, node, scope: Scope, neg: bool) -> tuple:
        comp = self.comp
        if isinstance(node, S.Fairness):
            weak = node.kind == "WF"
            en = self.enabled_atom(node.action, node.sub, scope, False)
            ang = self.angle_atom(node.action, node.sub, scope, False)
            not_en = ("natom", en[1])
            not_ang = ("natom", ang[1])
            if weak:
                if not neg:  # []<>(~EN \/ <<A>>_v)
                    return ("G", ("F", self.combined([not_en, ang], True, f"WF {_text(node)}")))
                return ("F", ("G", self.combined([en, not_ang], False, f"~WF {_text(node)}")))
            if not neg:  # <>[]~EN \/ []<><<A>>_v
                return _or([("F", ("G", not_en)), ("G", ("F", ang))])
            return _and([("G", ("F", en)), ("F", ("G", not_ang))])
        if isinstance(node, S.Let):
            # TLC evaluates a LET's definitions where they are used: none of them is put
            # in a slot, whose value would be that of one state (or pair of states)
            inner, slots = comp.let_scope(node.defs, scope, live=CONST)
            if slots:
                raise Unsupported("LET with state-dependent definitions in a temporal formula",
                                  node.loc)
            return self.formula(node.body, inner, neg)
        try:
            code = comp.expr(node, scope)
        except SemanticError:
            code = None
        if code is not None and code.level <= ACTION:
            return self.atom(node, scope, neg)
        if isinstance(node, S.And):
            parts = [self.formula(x, scope, neg) for x in node.items]
            return _or(parts) if neg else _and(parts)
        if isinstance(node, S.Or):
            parts = [self.formula(x, scope, neg) for x in node.items]
            return _and(parts) if neg else _or(parts)
        if isinstance(node, S.Quant):
            return self._quant(node, scope, neg)
        if isinstance(node, S.If):
            c = self.atom(node.cond, scope, False)
            nc = ("natom", c[1])
            t = self.formula(node.then, scope, neg)
            e = self.formula(node.else_, scope, neg)
            return _or([_and([c, t]), _and([nc, e])])
        if isinstance(node, S.Name):
            return self._name(node, scope, neg)
        if isinstance(node, S.UQuant):
            raise Unsupported("temporal quantifiers (\\AA, \\EE)", node.loc)
        raise Unsupported(f"this temporal formula ({type(node).__name__})",
                          getattr(node, "loc", None))

    def _name(self, node: S.Name, scope: Scope, neg: bool) -> tuple:
        args = node.args
        if not node.prefix and scope.locals.get(node.name) is None and \
                isinstance(scope.ctx.env.lookup(node.name), BuiltinSym):
            name = node.name
            if name == "[]":  # (TLC folds TRUE and FALSE through connectives only)
                f = self.formula(args[0], scope, neg)
                return ("F", f) if neg else ("G", f)
            if name == "<>":
                f = self.formula(args[0], scope, neg)
                return ("G", f) if neg else ("F", f)
            if name == "\\lnot":
                return self.formula(args[0], scope, not neg)
            if name == "=>":
                a = self.formula(args[0], scope, not neg)
                b = self.formula(args[1], scope, neg)
                return _and([self.formula(args[0], scope, False), b]) if neg else _or([a, b])
            if name == "~>":
                a_pos = self.formula(args[0], scope, False)
                if not neg:  # [](~a \/ <>b)
                    return ("G", _or([self.formula(args[0], scope, True),
                                      ("F", self.formula(args[1], scope, False))]))
                return ("F", _and([a_pos, ("G", self.formula(args[1], scope, True))]))
            if name == "\\equiv":
                a, na = self.formula(args[0], scope, False), self.formula(args[0], scope, True)
                b, nb = self.formula(args[1], scope, False), self.formula(args[1], scope, True)
                if not neg:
                    return _or([_and([a, b]), _and([na, nb])])
                return _or([_and([a, nb]), _and([na, b])])
            raise Unsupported(f"the temporal operator {name}", node.loc)
        # a definition: expand it in place with its arguments
        op = self.model.acomp.resolve(node, scope)
        if isinstance(op, UserOp) and op.sym.node is not None:
            locals_: dict = {}
            for p, a in zip(op.sym.node.params, args, strict=True):
                if p.arity:
                    locals_[p.name] = Binding("op", op=self.comp.arg_op(a, scope))
                else:
                    code = self.comp.expr(a, scope)
                    locals_[p.name] = Binding("code", code=code, depth=scope.depth, node=a,
                                              scope=scope)
            inner = Scope(op.ctx, locals_, scope.depth, scope.primed)
            return self.formula(op.sym.node.body, inner, neg)
        bound = scope.locals.get(node.name) if not node.prefix else None
        if bound is not None and bound.node is not None and bound.scope is not None \
                and not args:
            inner = Scope(bound.scope.ctx, bound.scope.locals, scope.depth, scope.primed)
            return self.formula(bound.node, inner, neg)
        raise Unsupported(f"the temporal formula {node.name}", node.loc)

    def _quant(self, node: S.Quant, scope: Scope, neg: bool) -> tuple:
        comp = self.comp
        sets, shapes, _inner = comp.bounds(node.bounds, scope)
        if any(s.level != CONST for s in sets):
            raise Unsupported("a quantifier over a state-dependent set around a temporal "
                              "formula", node.loc)
        gen = comp.enumerate_bounds([s.fn for s in sets], shapes, node.loc)
        names = [nm for b in node.bounds for nm in b.names]
        parts = []
        for vals in gen((None, None) + (None,) * (scope.depth - 2)):
            loc_ = dict(scope.locals)
            for nm, v in zip(names, vals, strict=True):
                loc_[nm] = Binding("code", code=const(v), depth=scope.depth)
            inner = Scope(scope.ctx, loc_, scope.depth, scope.primed)
            parts.append(self.formula(node.body, inner, neg))
        universal = (node.kind == "A") != neg
        return _and(parts) if universal else _or(parts)


def _definition(model: Model, node, scope: Scope) -> tuple[int, int]:
    """What a node stands for, to tell whether two occurrences are one action: the body
    of the 0-arity definition a name applies (names of names followed) and the instance
    context it is read in; any other node, itself."""
    ctx = scope.ctx
    for _ in range(100):
        if not isinstance(node, S.Name) or node.args:
            break
        op = model.acomp.resolve(node, scope)
        if not isinstance(op, UserOp) or op.arity or op.sym.node is None:
            break
        node, scope = op.sym.node.body, Scope(op.ctx)
        ctx = op.ctx
    return id(node), id(ctx)


def _rest(scope: Scope) -> tuple:
    return (None,) * (scope.depth - 2)


def _text(node) -> str:
    loc = getattr(node, "loc", None)
    return str(loc) if loc is not None else type(node).__name__


# --------------------------------------------------------------------------- splitting


@dataclass
class Branch:
    """One disjunct of Fairness /\\ ~P: tableau part and SCC conditions."""

    tableau: list[tuple] = field(default_factory=list)
    infinitely: list[int] = field(default_factory=list)  # []<>X: atom indexes
    eventually_always: list[int] = field(default_factory=list)  # <>[]Y
    # <>[]Y \/ []<>X (strong fairness): (Y, X) atom indexes, kept whole rather than split
    # into two branches (see find_counterexample)
    either: list[tuple[int, int]] = field(default_factory=list)

    @property
    def disjuncts(self) -> int:
        """How many disjuncts of TLC's normal form this branch stands for."""
        return 1 << len(self.either)


# TLC counts the disjuncts of a conjunction's normal form in a Java int (LNConj.toDNF)
_DNF_LIMIT = 2**31 - 1


def branches(f: tuple, builder: FormulaBuilder) -> list[Branch]:
    k = f[0]
    if k == "or":
        pair = _either(f)
        if pair is not None:  # SF_v(A) and the like: <>[]Y \/ []<>X
            y, x = pair
            return [Branch(either=[(_as_atom(y, builder), _as_atom(x, builder))])]
        out = []
        for g in f[1]:
            out.extend(branches(g, builder))
        return out
    if k == "and":
        subs = [branches(g, builder) for g in f[1]]
        total = 1
        for sub in subs:
            total *= sum(b.disjuncts for b in sub)
            if total > _DNF_LIMIT:
                raise EvalError("TLC cannot handle the temporal formula because it exceeds "
                                "the maximum supported size in disjunctive normal form.")
        result = [Branch()]
        for sub in subs:
            result = [_merge(a, b) for a in result for b in sub]
        return result
    if k == "G" and f[1][0] == "F" and not _is_temporal(f[1][1]):
        return [Branch(infinitely=[_as_atom(f[1][1], builder)])]
    if k == "F" and f[1][0] == "G" and not _is_temporal(f[1][1]):
        return [Branch(eventually_always=[_as_atom(f[1][1], builder)])]
    return [Branch(tableau=[f])]


def _either(f: tuple) -> tuple | None:
    r"""``<>[]Y \/ []<>X`` (either order), Y and X without temporal operators: (Y, X)."""
    if len(f[1]) != 2:
        return None
    a, b = f[1]
    if a[0] == "G":
        a, b = b, a
    if a[0] == "F" and a[1][0] == "G" and not _is_temporal(a[1][1]) and \
            b[0] == "G" and b[1][0] == "F" and not _is_temporal(b[1][1]):
        return a[1][1], b[1][1]
    return None


def _merge(a: Branch, b: Branch) -> Branch:
    return Branch(a.tableau + b.tableau, a.infinitely + b.infinitely,
                  a.eventually_always + b.eventually_always, a.either + b.either)


def _as_atom(f: tuple, builder: FormulaBuilder) -> int:
    """A non-temporal formula as one atom (``~a`` and combinations included)."""
    if f[0] == "atom":
        return f[1]
    if f[0] == "natom":
        return builder.combined([f], False, "~" + builder.atoms.items[f[1]].text)[1]
    if f[0] in ("and", "or"):
        parts = [("atom", _as_atom(g, builder)) for g in f[1]]
        return builder.combined(parts, f[0] == "or", f[0])[1]
    raise AssertionError(f)


# --------------------------------------------------------------------------- automaton


class Buchi:
    """A generalized Büchi automaton (GPVW) for an NNF formula with G and F."""

    def __init__(self, formula: tuple) -> None:
        self.nodes: list[dict] = []  # each: {"old": frozenset, "next": frozenset, "in": set}
        self._expand({"init"}, {formula}, set(), set())
        self.initial = [i for i, n in enumerate(self.nodes) if "init" in n["in"]]
        self.succ: list[list[int]] = [[] for _ in self.nodes]
        for j, n in enumerate(self.nodes):
            for src in n["in"]:
                if src != "init":
                    self.succ[src].append(j)
        eventualities = set()
        for n in self.nodes:
            for g in n["old"]:
                if g[0] == "F":
                    eventualities.add(g)
        self.accept: list[set[int]] = []
        for ev in sorted(eventualities, key=repr):
            self.accept.append({i for i, n in enumerate(self.nodes)
                                if ev not in n["old"] or ev[1] in n["old"]})
        self.labels: list[list[tuple]] = [
            [g for g in n["old"] if g[0] in ("atom", "natom")] for n in self.nodes]

    def _expand(self, incoming: set, new: set, old: set, nxt: set) -> None:
        while new:
            f = new.pop()
            if f in old:
                continue
            k = f[0]
            if k in ("atom", "natom"):
                neg = ("natom" if k == "atom" else "atom", f[1])
                if neg in old:
                    return
                old = old | {f}
                continue
            if k == "and":
                new = new | {g for g in f[1] if g not in old}
                if f[1]:  # TRUE itself constrains nothing
                    old = old | {f}
                continue
            if k == "or":
                if not f[1]:
                    return  # FALSE
                for g in f[1]:
                    self._expand(set(incoming), new | ({g} - old), old | {f}, set(nxt))
                return
            if k == "F":
                self._expand(set(incoming), new | ({f[1]} - old), old | {f}, set(nxt))
                self._expand(set(incoming), set(new), old | {f}, nxt | {f})
                return
            if k == "G":
                new = new | ({f[1]} - old)
                old = old | {f}
                nxt = nxt | {f}
                continue
            raise AssertionError(f)
        fo, fn = frozenset(old), frozenset(nxt)
        for n in self.nodes:
            if n["old"] == fo and n["next"] == fn:
                n["in"] |= incoming
                return
        self.nodes.append({"old": fo, "next": fn, "in": set(incoming)})
        me = len(self.nodes) - 1
        self._expand({me}, set(nxt), set(), set())


# --------------------------------------------------------------------------- the search


class Graph:
    """The behavior graph: states, their successors, stuttering.

    ``succ[i]`` lists the steps out of state i as (successor index, edge id); an edge id
    names the action (``action[e]``, -1 for stuttering) and, under SYMMETRY or VIEW, the
    successor the action produced (``produced[e]``) where it differs from the state kept
    for its key: a property's actions are evaluated on that successor, as TLC does.
    """

    def __init__(self, explorer: Explorer) -> None:
        seen = explorer.seen
        self.keys = list(seen)
        self.index = {k: i for i, k in enumerate(self.keys)}
        self.states = [seen[k][2] for k in self.keys]
        self.initial = [i for i, k in enumerate(self.keys) if seen[k][0] is None]
        # what TLCGet read when TLC evaluated a temporal property's predicates: for an
        # initial state when it was queued, for others when all successors were generated
        queued = explorer.queued_figures or {}
        expanded = explorer.expanded_figures or {}
        self.queued_figures = [queued.get(k) for k in self.keys]
        self.expanded_figures = [expanded.get(k) for k in self.keys]
        self.levels = [0] * len(self.keys)
        for i, k in enumerate(self.keys):  # parents come first: seen is in BFS order
            parent = seen[k][0]
            self.levels[i] = 1 if parent is None else self.levels[self.index[parent]] + 1
        graph = explorer.graph or {}
        self.succ: list[list[tuple[int, int]]] = []
        self.action: list[int] = []
        self.produced: dict[int, tuple] = {}
        index = self.index
        states = self.states
        for me, k in enumerate(self.keys):
            edges = []
            done: set = set()
            for step in graph.get(k, ()):
                j = index.get(step[0])
                if j is None:
                    continue
                t = step[2] if len(step) > 2 and step[2] is not states[j] else None
                mark = (j, None if t is None else typed_hash(t))
                if mark not in done:
                    done.add(mark)
                    edges.append((j, self._edge(step[1], t)))
            if (me, None) not in done:
                edges.append((me, self._edge(-1, None)))  # stuttering
            self.succ.append(edges)

    def _edge(self, action: int, produced: tuple | None) -> int:
        e = len(self.action)
        self.action.append(action)
        if produced is not None:
            self.produced[e] = produced
        return e


class Evaluator:
    """Cached truth values of atoms on states and on steps.

    A pure atom has one value per state (or step). An impure one may read TLCGet's figures
    of the search, which TLC reads at the moment it evaluates the predicate: a property's
    predicates on a state and its successors are evaluated when all successors of the
    state have been generated (with TLCGet("queue") then counting them), and on an initial
    state when it is queued. Such an atom is evaluated with those figures: on a step
    ``i -> j``, or on ``j`` entered from ``i``, with ``i``'s; on an initial state with its
    own; for a condition on a state alone (``[]<>``, ``<>[]``), with the state's own.
    """

    def __init__(self, atoms: Atoms, graph: Graph, runtime: Any = None) -> None:
        for atom in atoms.items:
            if atom.on_graph is not None:
                atom.fn = atom.on_graph(graph)
        self.atoms = atoms.items
        self.graph = graph
        self.runtime = runtime
        self.state_cache: dict[tuple, bool] = {}
        self.step_cache: dict[tuple[int, int], bool] = {}

    def _as_then(self, figures: dict | None, level: int, run: Callable[[], Any]) -> bool:
        rt = self.runtime
        if rt is None or figures is None:
            return bool(run())
        saved = rt.counters, rt.level
        rt.counters, rt.level = (lambda: figures), level
        try:
            return bool(run())
        finally:
            rt.counters, rt.level = saved

    def state(self, a: int, i: int, via: int | None = None) -> bool:
        """Atom ``a`` on state ``i``, entered from state ``via`` (-1: as an initial state;
        None: the state's own figures)."""
        atom = self.atoms[a]
        if atom.pure:
            key: tuple = (a, i)
            v = self.state_cache.get(key)
            if v is None:
                v = self.state_cache[key] = bool(atom.fn(self.graph.states[i]))
            return v
        key = (a, i, i if via is None else via)
        v = self.state_cache.get(key)
        if v is None:
            g = self.graph
            figures = g.queued_figures[i] if via == -1 else \
                g.expanded_figures[i if via is None else via]
            v = self.state_cache[key] = self._as_then(
                figures, g.levels[i], lambda: atom.fn(g.states[i]))
        return v

    def everywhere(self) -> None:
        """Every atom on every state (and every step, for action atoms), as TLC evaluates
        them while it builds the behavior graph: an error in one surfaces even where the
        search would not need its value."""
        for a, atom in enumerate(self.atoms):
            for i, edges in enumerate(self.graph.succ):
                if atom.action:
                    for j, e in edges:
                        self.step(a, i, j, e)
                else:
                    self.state(a, i)

    def step(self, a: int, i: int, j: int, e: int) -> bool:
        """Atom a on the step e from state i to state j."""
        atom = self.atoms[a]
        if not atom.action:
            return self.state(a, i)
        key = (a, e)
        v = self.step_cache.get(key)
        if v is None:
            g = self.graph
            states = g.states
            t = g.produced.get(e)
            target = states[j] if t is None else t
            if atom.pure:
                v = bool(atom.fn(states[i], target))
            else:
                v = self._as_then(g.expanded_figures[i], g.levels[i],
                                  lambda: atom.fn(states[i], target))
            self.step_cache[key] = v
        return v


def find_counterexample(graph: Graph, ev: Evaluator, branch: Branch, buchi: Buchi
                        ) -> tuple[list[tuple[int, int]], int] | None:
    """A lasso (list of (state index, action index)) and the loop start, or None."""
    # node labels: state atoms are checked on entering, action atoms on leaving
    state_labels = []
    action_labels = []
    for lab in buchi.labels:
        sl: list[tuple[int, bool]] = []
        al: list[tuple[int, bool]] = []
        for kind, a in lab:
            (al if ev.atoms[a].action else sl).append((a, kind == "atom"))
        state_labels.append(sl)
        action_labels.append(al)

    def node_ok(i: int, q: int, via: int) -> bool:
        return all(ev.state(a, i, via) == want for a, want in state_labels[q])

    def edge_ok(i: int, q: int, j: int, e: int) -> bool:
        return all(ev.step(a, i, j, e) == want for a, want in action_labels[q])

    # reachable product nodes (BFS from initial ones, keeping parents for the prefix);
    # a product step is (product node, edge id)
    start = [(i, q) for i in graph.initial for q in buchi.initial if node_ok(i, q, -1)]
    parent: dict = {n: None for n in start}
    queue = deque(start)
    psucc: dict = {}
    while queue:
        n = queue.popleft()
        i, q = n
        out = []
        for j, e in graph.succ[i]:
            for q2 in buchi.succ[q]:
                if edge_ok(i, q, j, e) and node_ok(j, q2, i):
                    m = (j, q2)
                    out.append((m, e))
                    if m not in parent:
                        parent[m] = (n, e)
                        queue.append(m)
        psucc[n] = out

    restrict = branch.eventually_always

    def in_scope(n) -> bool:
        return all(ev.state(a, n[0]) for a in restrict if not ev.atoms[a].action)

    def edge_in_scope(n, m, e) -> bool:
        return all(ev.step(a, n[0], m[0], e) for a in restrict)

    def target(a: int) -> tuple:
        if ev.atoms[a].action:
            return ("edge", lambda n, m, e: ev.step(a, n[0], m[0], e))
        return ("node", lambda n: ev.state(a, n[0]))

    def met(t: tuple, comp: list, edges: list) -> bool:
        kind, pred = t
        if kind == "node":
            return any(pred(n) for n in comp)
        return any(pred(n, m, e) for n, m, e in edges)

    conditions = [("node", lambda n, acc=acc: n[1] in acc) for acc in buchi.accept] + \
        [target(a) for a in branch.infinitely]

    def fair(comp: list, node_in: Callable, edge_in: Callable) -> tuple | None:
        r"""A component of the product meeting the branch's conditions: itself, or one
        within it. <>[]Y \/ []<>X (strong fairness) is met where some part of the
        component satisfies X; else where all of it satisfies Y; else only by a cycle
        that avoids what fails Y, so the search goes on in the components left without
        it (the emptiness check of Streett automata: n strong fairness conditions are
        one search, where TLC checks 2^n possible error models on each component)."""
        cset = set(comp)
        edges = [(n, m, e) for n in comp for m, e in psucc[n]
                 if m in cset and edge_in(n, m, e)]
        if not edges:
            return None
        seen: list = []  # the X of each pair met here: the lasso must pass through one
        bad_nodes: set = set()
        bad_edges: set = set()
        for y, x in branch.either:
            tx = target(x)
            if met(tx, comp, edges):
                seen.append(tx)
            elif ev.atoms[y].action:
                bad_edges.update((n, m, e) for n, m, e in edges
                                 if not ev.step(y, n[0], m[0], e))
            else:
                bad_nodes.update(n for n in comp if not ev.state(y, n[0]))
        if bad_nodes or bad_edges:
            def node_in2(n):
                return n not in bad_nodes and node_in(n)

            def edge_in2(n, m, e):
                return (n, m, e) not in bad_edges and edge_in(n, m, e)
            rest = [n for n in comp if n not in bad_nodes]
            for sub in _sccs(rest, lambda n: [m for m, e in psucc[n] if m in cset and
                                              node_in2(m) and edge_in2(n, m, e)]):
                found = fair(sub, node_in2, edge_in2)
                if found is not None:
                    return found
            return None
        if all(met(t, comp, edges) for t in conditions):
            return cset, conditions + seen, edge_in
        return None

    nodes = [n for n in parent if in_scope(n)]
    for comp in _sccs(nodes, lambda n: [m for m, e in psucc[n]
                                        if m in parent and in_scope(m) and
                                        edge_in_scope(n, m, e)]):
        found = fair(comp, in_scope, edge_in_scope)
        if found is None:
            continue
        cset, targets, edge_in = found
        steps, loop = _lasso(parent, psucc, cset, targets, edge_in)
        return [(i, e if e < 0 else graph.action[e]) for i, e in steps], loop
    return None


def _lasso(parent, psucc, cset, targets, edge_in_scope):
    """Prefix to the component, then a cycle through it that meets every target (a node
    or an edge satisfying a condition), each reached by a shortest path: the states as
    (state index, edge id into it; -2 for the first) and where the loop starts."""
    entry = min(cset, key=lambda n: _depth(parent, n))
    prefix = []
    n = entry
    while n is not None:
        p = parent[n]
        prefix.append((n, p[1] if p else -2))
        n = p[0] if p else None
    prefix.reverse()
    inner = {n: [(m, e) for m, e in psucc[n] if m in cset and edge_in_scope(n, m, e)]
             for n in cset}
    cycle: list = []  # (node, edge) steps after the entry
    visited_nodes = [entry]
    visited_edges: list = []
    cur = entry
    for kind, pred in targets:
        if kind == "node":
            if any(pred(x) for x in visited_nodes):
                continue
            path = _bfs_to(inner, cur, lambda x, m, e, pred=pred: pred(m))
        else:
            if any(pred(*step) for step in visited_edges):
                continue
            path = _bfs_to(inner, cur, pred)
        prev = cur
        for m, e in path:
            visited_edges.append((prev, m, e))
            visited_nodes.append(m)
            prev = m
        cycle.extend(path)
        cur = path[-1][0] if path else cur
    back = _bfs_to(inner, cur, lambda x, m, e: m == entry)
    cycle.extend(back)
    states = [(n[0], e) for n, e in prefix]
    loop = len(states) - 1
    for n, e in cycle[:-1]:
        states.append((n[0], e))
    return states, loop


def _bfs_to(inner, src, goal) -> list:
    """The shortest non-empty path of steps (node, edge) from src whose last step
    (x -> m by edge e) satisfies ``goal(x, m, e)``."""
    prev: dict = {}
    queue = deque([src])
    seen = {src}
    while queue:
        x = queue.popleft()
        for m, e in inner[x]:
            if goal(x, m, e):
                path = [(m, e)]
                while x != src:
                    p, a = prev[x]
                    path.append((x, a))
                    x = p
                path.reverse()
                return path
            if m not in seen:
                seen.add(m)
                prev[m] = (x, e)
                queue.append(m)
    return []


def _depth(parent, n) -> int:
    d = 0
    while parent[n] is not None:
        n = parent[n][0]
        d += 1
    return d


def _sccs(nodes: list, succ: Callable) -> list[list]:
    """Tarjan's algorithm, iteratively; components in reverse topological order."""
    index: dict = {}
    low: dict = {}
    on: set = set()
    stack: list = []
    out: list = []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(succ(root)))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            n, it = work[-1]
            advanced = False
            for m in it:
                if m not in index:
                    index[m] = low[m] = counter
                    counter += 1
                    stack.append(m)
                    on.add(m)
                    work.append((m, iter(succ(m))))
                    advanced = True
                    break
                if m in on and index[m] < low[n]:
                    low[n] = index[m]
            if advanced:
                continue
            work.pop()
            if work:
                p = work[-1][0]
                if low[n] < low[p]:
                    low[p] = low[n]
            if low[n] == index[n]:
                comp = []
                while True:
                    x = stack.pop()
                    on.discard(x)
                    comp.append(x)
                    if x == n:
                        break
                out.append(comp)
    return out


def _squeeze(states: list, loop: int) -> tuple[list, int]:
    """Drop stuttering steps that repeat the previous state (the automaton moved, the
    system did not), as TLC's lassos show each state of the behavior once."""
    out: list = []
    new_loop = loop
    for k, (i, ai) in enumerate(states):
        if out and ai < 0 and out[-1][0] == i:
            if k <= loop:
                new_loop -= 1
            continue
        out.append((i, ai))
    return out, max(0, min(new_loop, len(out) - 1))


# --------------------------------------------------------------------------- entry point


def _action_in_tableau(formula: tuple, atoms: list[Atom]) -> bool:
    """Whether an action predicate occurs in a part of the formula that needs the tableau
    (anything but []<>A and <>[]A), which TLC cannot check."""
    k = formula[0]
    if k in ("atom", "natom"):
        return atoms[formula[1]].action
    if k in ("and", "or"):
        return any(_action_in_tableau(g, atoms) for g in formula[1])
    return _action_in_tableau(formula[1], atoms)


def check_liveness(model: Model, *, timeout: float | None, progress, started: float,
                   base: dict) -> CheckResult:
    from conformance.tla.check import result_of, trace_of

    builder = FormulaBuilder(model)
    fairness = [builder.formula(t.node, t.scope, False) for t in model.fairness]
    negations = [builder.formula(prop.node, prop.scope, True)
                 for prop in model.temporal_properties]
    if any(_action_in_tableau(f, builder.atoms.items)
           for n in negations for branch in branches(_and(fairness + [n]), builder)
           for f in branch.tableau):
        # TLC says so before it explores anything
        return CheckResult(
            outcome=Outcome.EVALUATION_ERROR, **base,
            message="Temporal formulas containing actions must be of forms <>[]A or []<>A.",
            duration=time.monotonic() - started)
    # an impure predicate (TLCGet) needs the search's figures as TLC's checker saw them
    figures = not all(a.pure for a in builder.atoms.items)
    explorer = Explorer(model, timeout=timeout, progress=progress, record_graph=True,
                        record_figures=figures)
    res = explorer.run()
    if res.violation is not None or not res.complete:
        # a search stopped early (time, memory) leaves states whose successors were never
        # generated: the graph is not the model's, and checking it could only mislead
        return result_of(model, res, started, base)
    graph = Graph(explorer)
    out = result_of(model, res, started, base)
    if any(n == FALSE or not branches(n, builder) for n in negations):
        out.outcome = Outcome.EVALUATION_ERROR  # TLC refuses to check a tautology
        out.message = "Temporal formula is a tautology (its negation is unsatisfiable)."
        return out
    ev = Evaluator(builder.atoms, graph, model.runtime)
    try:  # TLC evaluates every predicate of the properties on every state and step
        ev.everywhere()
    except EvalError as e:
        out.outcome = Outcome.EVALUATION_ERROR
        out.message = e.message
        return out
    for prop, negated in zip(model.temporal_properties, negations, strict=True):
        f = _and(fairness + [negated])
        for branch in branches(f, builder):
            buchi = Buchi(_and(branch.tableau) if branch.tableau else TRUE)
            try:
                found = find_counterexample(graph, ev, branch, buchi)
            except EvalError as e:
                out.outcome = Outcome.EVALUATION_ERROR
                out.message = e.message
                return out
            if found is None:
                continue
            lasso, loop_start = found
            states, loop = _squeeze(lasso, loop_start)
            # the first state is initial; a stuttering step inside the loop is marked -3
            steps = [(-1 if k == 0 else (ai if ai >= 0 else -3), graph.states[i])
                     for k, (i, ai) in enumerate(states)]
            trace = trace_of(model, steps, prop.name, loop=loop)
            out.outcome = Outcome.PROPERTY_VIOLATED
            out.violated = prop.name
            out.message = f"Temporal property {prop.name} was violated."
            out.counterexample = trace
            out.duration = time.monotonic() - started
            return out
    out.duration = time.monotonic() - started
    return out


__all__ = ["check_liveness", "FormulaBuilder", "Buchi", "branches", "Temporal", "Any",
           "ordered"]
