"""Initial states and successor states, computed as TLC computes them.

An action (or the initial predicate) is compiled into a function of ``E`` in
continuation-passing style, following TLC's ``getNextStates``/``getInitStates``:

* a conjunction runs its conjuncts left to right, each calling the next one;
* a disjunction, an ``\\E`` and ``x' \\in S`` call the rest once per branch;
* ``x' = e`` assigns ``x'`` when it is still unassigned, and otherwise tests it;
  UNCHANGED assigns from the current state;
* IF, CASE, LET and ``=>`` choose what runs next; a definition whose body is an action is
  expanded in place (with its arguments), so that ``x' = e`` inside it still assigns;
* anything else is a guard: evaluated, and the rest runs only if it is TRUE.

The last continuation emits the state once every variable is assigned. The next state under
construction is a list (``E[1]``; ``E[0]`` for the initial predicate) shared by all branches:
a branch assigns, continues, and unassigns, as TLC's ``bind``/``unbind`` do. Successors are
produced in TLC's order, duplicates included (TLC counts each as generated).
"""

from __future__ import annotations

from collections.abc import Callable

from conformance.tla import syntax as S
from conformance.tla.compile import (
    ACTION,
    CONST,
    STATE,
    Binding,
    Code,
    Compiler,
    LetOp,
    Scope,
    Tracing,
    UserOp,
    let_prelude,
    substitution_expr,
    wrap_error,
)
from conformance.tla.errors import EvalError, SemanticError, SpecError, Unsupported
from conformance.tla.lazy import LazyFn, LazySet, Powerset, is_set, member, ordered, to_tla_any
from conformance.tla.modules import DefSym, VarSym
from conformance.values import Fn, FSet, Tup

_CONCRETE = frozenset({int, str, bool, Tup, Fn, FSet})


class Partial(list):
    """A state under construction: ``None`` marks an unassigned variable; ``sink``
    receives each completed state; ``n`` counts the assigned variables; ``extra``, when
    set, is told how many intermediate states an action composition generated (TLC counts
    them as generated)."""

    __slots__ = ("sink", "n", "extra")
    sink: Callable[[tuple], None]
    n: int
    extra: Callable[[int], None] | None

    def __init__(self, values) -> None:
        super().__init__(values)
        self.n = sum(1 for v in self if v is not None)
        self.extra = None


class _Enabled(Exception):
    """Raised by ENABLED's continuation: one successor exists, stop looking."""


class Diagnosis:
    """Why an action produced no (matching) successor: the failures met on the way, each
    with how many conjuncts had passed before it (the deepest failure is the best
    explanation)."""

    def __init__(self) -> None:
        self.depth = 0
        self.failures: list[tuple[int, S.Loc, str]] = []

    def fail(self, loc: S.Loc, why: str) -> None:
        self.failures.append((self.depth, loc, why))

    def best(self) -> tuple[int, S.Loc, str] | None:
        if not self.failures:
            return None
        return max(self.failures, key=lambda f: f[0])


class BranchTrail:
    """Which branches of an action each successor came through: the coverage of a step.

    An action compiled while a trail is set (:attr:`ActionCompiler.trail`) pushes a branch's
    number on :attr:`stack` when it enters one of its branches (a disjunct of a disjunction,
    an arm of an IF or a CASE, in action position) and pops it when the branch returns; each
    successor it emits appends the stack as it stands to :attr:`paths`, so that
    ``paths[n]`` is the path of the n-th successor. Branches are numbered by source position
    (and kind) within the action: a definition the action expands at two call sites has its
    branches counted once. A branch whose guard is a constant, false under the model's
    constants (``Bug = "..."``, ``IF PreVote THEN``), is registered as dead."""

    __slots__ = ("stack", "paths", "branches", "dead", "_ids")

    def __init__(self) -> None:
        self.stack: list[int] = []
        self.paths: list[tuple[int, ...]] = []
        self.branches: list[tuple[str, S.Loc]] = []  # number -> (kind, where)
        self.dead: set[int] = set()
        self._ids: dict[tuple[str, S.Loc], int] = {}

    def register(self, kind: str, loc: S.Loc, dead: bool) -> int:
        key = (kind, loc)
        n = self._ids.get(key)
        if n is None:
            n = self._ids[key] = len(self.branches)
            self.branches.append(key)
            if dead:
                self.dead.add(n)
        elif not dead:
            self.dead.discard(n)  # live at one call site: live
        return n

    def reset(self) -> None:
        self.stack.clear()
        self.paths.clear()


def _canon(v):
    if type(v) in _CONCRETE:
        return v
    if isinstance(v, (LazySet, LazyFn)):
        return v.materialize()
    return v


class ActionCompiler:
    """Compiles actions and initial predicates of one model (see the module docstring)."""

    def __init__(self, comp: Compiler, variables: list[VarSym]) -> None:
        self.comp = comp
        self.variables = variables
        self.nvars = len(variables)
        self.names = [v.name for v in variables]
        self.inlining: list = []
        self.diag: Diagnosis | None = None
        self.trail: BranchTrail | None = None  # set while compiling an action for coverage
        self._agnostic: set[int] = set()  # continuations that ignore E beyond E[0], E[1]
        self.enabled_mode = False
        comp.actions = self

    # ------------------------------------------------------------------ entry points

    def next_action(self, node, scope: Scope, action_name: str = "") -> Callable:
        """``fn(E)`` calling ``E[1].sink(state)`` for each successor of ``E[0]``."""
        names = self.names
        label = action_name

        def emit(E):
            t = E[1]
            if None in t:
                missing = [names[i] for i, v in enumerate(t) if v is None]
                many = len(missing) > 1
                what = f"action {label} of the next-state relation" if label else \
                    "the next-state action"
                raise EvalError(f"Successor state is not completely specified by {what}. The "
                                f"following variable{'s are' if many else ' is'} not "
                                f"defined: {', '.join(missing)}.")
            t.sink(tuple(t))
        trail = self.trail
        if trail is not None:
            plain_emit, stack, paths = emit, trail.stack, trail.paths

            def emit(E):
                plain_emit(E)
                paths.append(tuple(stack))
        self._agnostic.add(id(emit))
        return self.act(node, scope, emit, "next")

    def init(self, node, scope: Scope) -> Callable:
        """``fn(E)`` with ``E[0]`` a :class:`Partial`: sinks each initial state."""
        return self.init_chain([(node, scope)])

    def init_chain(self, preds: list) -> Callable:
        """The conjunction of several initial predicates, each in its own scope."""
        names = self.names

        def emit(E):
            s = E[0]
            if None in s:
                missing = [names[i] for i, v in enumerate(s) if v is None]
                raise EvalError("State is not completely specified by the initial predicate:"
                                f" the variable{'s' if len(missing) > 1 else ''} "
                                f"{', '.join(missing)} {'are' if len(missing) > 1 else 'is'} "
                                "not assigned.")
            s.sink(tuple(s))
        self._agnostic.add(id(emit))
        k = emit
        for node, scope in reversed(preds):
            k = self.act(node, scope, k, "init")
        return k

    def enabled_fn(self, node, scope: Scope) -> Callable:
        """``fn(E) -> bool``: whether the action has a successor from ``E[0]``."""
        def found(E):
            raise _Enabled()
        self._agnostic.add(id(found))
        saved = self.diag, self.enabled_mode, self.comp.pseudo, self.trail
        self.diag = None
        self.enabled_mode = True
        self.trail = None  # ENABLED inside an action is a guard, not branches of it
        pseudo: dict[str, int] = {}
        self.comp.pseudo = pseudo
        try:
            body = self.act(node, scope, found, "next")
        finally:
            self.diag, self.enabled_mode, self.comp.pseudo, self.trail = saved
        n = self.nvars

        def enabled(E):
            t = Partial([None] * (n + len(pseudo)))
            try:
                body((E[0], t) + E[2:])
            except _Enabled:
                return True
            return False
        return enabled

    # ------------------------------------------------------------------ helpers

    def adapt_k(self, k: Callable, depth: int) -> Callable:
        """The continuation ``k`` (compiled at ``depth``) callable from a deeper scope."""
        if id(k) in self._agnostic:
            return k

        def sliced(E):
            return k(E[:depth])
        return sliced

    def guard(self, code: Code, k: Callable, loc: S.Loc) -> Callable:
        gf = code.fn
        diag = self.diag
        if diag is not None:
            def dguard(E):
                try:
                    v = gf(E)
                except Exception as e:  # noqa: BLE001
                    raise wrap_error(e, loc) from None
                if v is True:
                    diag.depth += 1
                    try:
                        k(E)
                    finally:
                        diag.depth -= 1
                elif v is False:
                    diag.fail(loc, "false")
                else:
                    err = EvalError("TLC expected a boolean in computing next states, but "
                                    f"found {to_tla_any(v)}.")
                    err.push(loc)
                    raise err
            return dguard

        def guard(E):
            try:
                v = gf(E)
            except Exception as e:  # noqa: BLE001
                raise wrap_error(e, loc) from None
            if v is True:
                try:
                    k(E)
                except EvalError as e:
                    e.push(loc)
                    raise
            elif v is not False:
                err = EvalError("TLC expected a boolean in computing next states, but found "
                                f"{to_tla_any(v)}.")
                err.push(loc)
                raise err
        return guard

    # ------------------------------------------------------------------ branches

    def entered(self, body: Callable, kind: str, node, dead: bool) -> Callable:
        """``body`` noting on the trail that the branch ``node`` was entered (see
        BranchTrail); the stack is cleared before each evaluation, so an error that
        leaves it unbalanced does no harm."""
        trail = self.trail
        assert trail is not None
        n = trail.register(kind, node.loc, dead)
        stack = trail.stack

        def through(E):
            stack.append(n)
            body(E)
            stack.pop()
        return through

    def _constant(self, code: Code, scope: Scope):
        """The value of a constant expression that reads no bound variable, else None."""
        if code.known:
            return code.value
        if code.level != CONST or code.deps:
            return None
        try:
            return code.fn((None,) * max(scope.depth, 2))
        except Exception:  # noqa: BLE001 - not statically known, then
            return None

    def _statically_false(self, node, scope: Scope) -> bool:
        """Whether a disjunct is a conjunction one of whose conjuncts is a constant FALSE
        under the model's constants (``Bug = "ReadWithoutQuorum"``)."""
        items = node.items if isinstance(node, S.And) else (node,)
        for item in items:
            try:
                code = self.comp.expr(item, scope)
            except SpecError:
                continue
            if self._constant(code, scope) is False:
                return True
        return False

    # ------------------------------------------------------------------ compile

    def act(self, node, scope: Scope, k: Callable, mode: str) -> Callable:
        method = getattr(self, "a_" + type(node).__name__, None)
        if method is not None:
            return method(node, scope, k, mode)
        return self.default(node, scope, k, mode)

    def default(self, node, scope, k, mode):
        code = self.comp.expr(node, scope)
        if code.level > ACTION:
            raise SemanticError("A temporal formula is used where an action is expected.",
                                node.loc)
        return self.guard(code, k, node.loc)

    def a_And(self, n: S.And, scope, k, mode):
        f = k
        items = n.items
        for item in reversed(items[1:]):
            f = self.pending(item, scope, f, mode)
        f = self.act(items[0], scope, f, mode)
        return self._located(f, n.loc)

    def pending(self, item, scope: Scope, k: Callable, mode: str) -> Callable:
        r"""A conjunct waiting its turn (TLC's ActionItemList): once every variable is
        assigned, TLC evaluates the remaining conjuncts instead of entering them, so an
        ``\E`` or ``\/`` there no longer multiplies the successors."""
        actk = self.act(item, scope, k, mode)
        if self.enabled_mode or self.trail is not None:
            # TLC's ENABLED has no shortcut for fully assigned states; and a step followed
            # for its branches must enter them
            return actk
        try:
            code = self.comp.expr(item, scope)
        except SpecError:
            return actk
        if code.level > ACTION:
            return actk
        gf = code.fn
        slot = 1 if mode != "init" else 0
        nvars = self.nvars
        loc = item.loc
        diag = self.diag

        def pend(E):
            if E[slot].n != nvars:
                actk(E)
                return
            try:
                v = gf(E)
            except Exception as e:  # noqa: BLE001
                raise wrap_error(e, loc) from None
            if v is True:
                try:
                    k(E)
                except EvalError as e:
                    e.push(loc)
                    raise
            elif v is not False:
                err = EvalError("TLC expected a boolean in computing next states, but found "
                                f"{to_tla_any(v)}.")
                err.push(loc)
                raise err
            elif diag is not None:
                diag.fail(loc, "false")
        return pend

    def _located(self, f: Callable, loc: S.Loc) -> Callable:
        if not Tracing.on:
            return f

        def located(E):
            try:
                f(E)
            except EvalError as e:
                e.push(loc)
                raise
        return located

    def a_Or(self, n: S.Or, scope, k, mode):
        branches = [self.act(item, scope, k, mode) for item in n.items]
        if self.trail is not None and mode == "next":
            branches = [self.entered(br, "disjunct", item, self._statically_false(item, scope))
                        for br, item in zip(branches, n.items, strict=True)]
        diag = self.diag
        if diag is not None:
            loc = n.loc

            def ddisj(E):
                start, depth = len(diag.failures), diag.depth
                for br in branches:
                    br(E)
                added = diag.failures[start:]
                if len(added) > 1 and all(f[0] == depth for f in added):
                    # every disjunct was false where it stood: what was false is the
                    # disjunction, not whichever of its disjuncts came first
                    del diag.failures[start:]
                    diag.fail(loc, "false")
            return self._located(ddisj, n.loc)
        if len(branches) == 2:
            a, b = branches

            def disj2(E):
                a(E)
                b(E)
            return self._located(disj2, n.loc)

        def disj(E):
            for br in branches:
                br(E)
        return self._located(disj, n.loc)

    def a_Quant(self, n: S.Quant, scope, k, mode):
        comp = self.comp
        sets, shapes, inner = comp.bounds(n.bounds, scope)
        gen = comp.enumerate_bounds([s.fn for s in sets], shapes, n.loc)
        loc = n.loc
        if n.kind == "E":
            bodyk = self.act(n.body, inner, self.adapt_k(k, scope.depth), mode)
            single = len(sets) == 1 and shapes[0] is None
            sf = sets[0].fn

            if single:
                def exists1(E):
                    try:
                        s = sf(E)
                        elems = s.ordered() if type(s) is FSet else ordered(s)
                    except Exception as e:  # noqa: BLE001
                        raise wrap_error(e, loc) from None
                    for v in elems:
                        bodyk(E + (v,))
                return self._located(exists1, loc)

            def exists(E):
                try:
                    combos = list(gen(E))
                except Exception as e:  # noqa: BLE001
                    raise wrap_error(e, loc) from None
                for vals in combos:
                    bodyk(E + vals)
            return self._located(exists, loc)
        return self._forall(n, scope, k, mode, sets, shapes, gen)

    def _forall(self, n, scope, k, mode, sets, shapes, gen):
        """``\\A x \\in S : A`` with A an action: A for every x, one after the other."""
        d = scope.depth
        names = [nm for b in n.bounds for nm in b.names]
        inner = scope.bind_slots(["\\A-state"] + names)
        holder: list = [None]
        slot = 1 if mode != "init" else 0
        nvars = self.nvars
        try:
            bf = self.comp.expr(n.body, inner).fn
        except SpecError:
            bf = None

        def after(E2):
            elems, idx = E2[d]
            if bf is not None and E2[slot].n == nvars:
                base = E2[:d]
                for j in range(idx + 1, len(elems)):
                    v = bf(base + ((elems, j),) + elems[j])
                    if v is not True:
                        if v is False:
                            return
                        raise EvalError(f"The body of \\A is not a boolean: {to_tla_any(v)}")
                k(base)
            elif idx + 1 < len(elems):
                holder[0](E2[:d] + ((elems, idx + 1),) + elems[idx + 1])
            else:
                k(E2[:d])
        holder[0] = self.act(n.body, inner, after, mode)
        loc = n.loc

        def forall(E):
            try:
                combos = list(gen(E))
            except Exception as e:  # noqa: BLE001
                raise wrap_error(e, loc) from None
            if not combos:
                k(E)
                return
            holder[0](E + ((combos, 0),) + combos[0])
        return self._located(forall, loc)

    def a_If(self, n: S.If, scope, k, mode):
        c = self.comp.expr(n.cond, scope)
        tk = self.act(n.then, scope, k, mode)
        fk = self.act(n.else_, scope, k, mode)
        cf, loc = c.fn, n.loc
        if self.trail is not None and mode == "next":
            v = self._constant(c, scope)
            tk = self.entered(tk, "then", n.then, v is False)
            fk = self.entered(fk, "else", n.else_, v is True)

        def ite(E):
            try:
                cv = cf(E)
            except Exception as e:  # noqa: BLE001
                raise wrap_error(e, loc) from None
            if cv is True:
                tk(E)
            elif cv is False:
                fk(E)
            else:
                err = EvalError("In computing next states, a non-boolean expression was used "
                                f"as the condition of an IF: {to_tla_any(cv)}")
                err.push(loc)
                raise err
        return self._located(ite, loc)

    def a_Case(self, n: S.Case, scope, k, mode):
        arms = [(self.comp.expr(c, scope).fn, self.act(v, scope, k, mode)) for c, v in n.arms]
        other = self.act(n.other, scope, k, mode) if n.other is not None else None
        loc = n.loc
        if self.trail is not None and mode == "next":
            arms = [(cf, self.entered(vk, "arm", v, self._constant(self.comp.expr(c, scope),
                                                                    scope) is False))
                    for (cf, vk), (c, v) in zip(arms, n.arms, strict=True)]
            if other is not None:
                assert n.other is not None
                other = self.entered(other, "other", n.other, False)

        def case(E):
            for cf, vk in arms:
                try:
                    cv = cf(E)
                except Exception as e:  # noqa: BLE001
                    raise wrap_error(e, loc) from None
                if cv is True:
                    vk(E)
                    return
                if cv is not False:
                    err = EvalError("In computing next states, a non-boolean expression was "
                                    f"used as a guard condition of a CASE: {to_tla_any(cv)}")
                    err.push(loc)
                    raise err
            if other is None:
                err = EvalError("In computing next states, TLC encountered a CASE with no "
                                "conditions true.")
                err.push(loc)
                raise err
            other(E)
        return self._located(case, loc)

    def a_Let(self, n: S.Let, scope, k, mode):
        inner, slot_fns = self.comp.let_scope(n.defs, scope)
        if not slot_fns:
            return self.act(n.body, inner, k, mode)
        bk = self.act(n.body, inner, self.adapt_k(k, scope.depth), mode)
        pre = let_prelude(slot_fns)

        def let(E):
            bk(pre(E))
        return let

    def a_FnApp(self, n: S.FnApp, scope, k, mode):
        r"""``f[x]`` where f is a function constructor evaluated lazily: TLC enters its body
        (a function application of a FcnLambdaValue in getNextStates), so a disjunction or
        ``\E`` in it branches like any action."""
        target = self._fn_target(n.fn, scope)
        if target is None:
            return self.default(n, scope, k, mode)
        fcons, fscope = target
        holder = self._entered_fn(fcons, fscope, mode)
        comp = self.comp
        fval = comp.expr(n.fn, scope).fn
        if len(n.args) == 1:
            argf = comp.expr(n.args[0], scope).fn
        else:
            argfs = [comp.expr(a, scope).fn for a in n.args]

            def argf(E):
                return Tup([g(E) for g in argfs])
        base = fscope.depth
        nnames = sum(len(b.names) for b in fcons.bounds)
        loc = n.loc
        from conformance.tla.ops import domain as fn_domain

        def call(E):
            try:
                f = fval(E)
                x = argf(E)
                dom = f.domain if isinstance(f, LazyFn) else fn_domain(f)
                if not member(x, dom):
                    raise EvalError(f"Attempted to apply function:\n{to_tla_any(f)}\nto "
                                    f"argument {to_tla_any(x)}, which is not in the domain "
                                    "of the function.")
                if nnames == 1:
                    vals = (x,)
                elif type(x) is Tup and len(x) == nnames:
                    vals = tuple(x)
                else:
                    raise EvalError(f"Attempted to apply a function of {nnames} arguments "
                                    f"to {to_tla_any(x)}.")
            except Exception as e:  # noqa: BLE001
                raise wrap_error(e, loc) from None
            holder[0](E[:base] + ((lambda _E2: k(E)), f) + vals)
        return self._located(call, loc)

    def _fn_target(self, fn_node, scope: Scope):
        """The function constructor (and its scope) a function expression denotes, when TLC
        would hold it as an unevaluated function (a LET, a state-level definition)."""
        if isinstance(fn_node, S.FnCons) and fn_node.recursive is None:
            return fn_node, scope
        if not isinstance(fn_node, S.Name) or fn_node.args or fn_node.prefix:
            return None
        b = scope.locals.get(fn_node.name)
        if b is not None:
            if isinstance(b.node, S.FnCons) and b.scope is not None:
                return b.node, b.scope
            return None
        sym = scope.ctx.env.lookup(fn_node.name)
        if isinstance(sym, DefSym) and sym.arity == 0 and sym.native is None and \
                sym.node is not None and isinstance(sym.node.body, S.FnCons) and \
                sym not in self.comp.overrides:
            ctx = self.comp.ctx(sym.home, scope.ctx.inst) if sym.home is not scope.ctx.env \
                else scope.ctx
            fscope = Scope(ctx, None, 2, scope.primed)
            if self.comp.expr(sym.node.body, fscope).level == CONST:
                return None  # TLC evaluates constant definitions once, into a table
            return sym.node.body, fscope
        return None

    def _entered_fn(self, fcons: S.FnCons, fscope: Scope, mode: str) -> list:
        """The body of a function constructor compiled as an action taking its continuation
        from the environment, so that a recursive function can enter itself."""
        key = (id(fcons), id(fscope.ctx), fscope.depth, mode, fscope.primed)
        cache = self.__dict__.setdefault("_fn_cache", {})
        found = cache.get(key)
        if found is not None:
            return found
        holder: list[Callable | None] = [None]
        cache[key] = holder
        base = fscope.depth
        locals_ = dict(fscope.locals)
        if fcons.recursive is not None:
            locals_[fcons.recursive] = Binding("slot", index=base + 1, node=fcons,
                                               scope=fscope)
        d = base + 2
        for b in fcons.bounds:
            for nm in b.names:
                locals_[nm] = Binding("slot", index=d)
                d += 1
        inner = Scope(fscope.ctx, locals_, d, fscope.primed)

        def dyn_k(E2):
            E2[base](E2)
        self._agnostic.add(id(dyn_k))
        holder[0] = self.act(fcons.body, inner, dyn_k, mode)
        return holder

    def a_SubExpr(self, n: S.SubExpr, scope, k, mode):
        node, inner = self.comp.subexpression(n, scope)
        return self.act(node, inner, k, mode)

    def a_BoxAction(self, n: S.BoxAction, scope, k, mode):
        a = self.act(n.action, scope, k, mode)
        u = self.unchanged(n.sub, scope, k, n.loc)

        def box(E):
            a(E)
            u(E)
        return box

    def a_AngleAction(self, n: S.AngleAction, scope, k, mode):
        # the subscript is compiled after the action, so that it reads the variables the
        # action assigns by name in ENABLED (see pseudo_var)
        subs: list = [None, None]

        def changed(E):
            if subs[0](E) != subs[1](E):
                k(E)
        body = self.act(n.action, scope, changed, mode)
        subs[0] = self.comp.expr(n.sub, scope).fn
        subs[1] = self.comp.expr(n.sub, scope.as_primed()).fn
        return body

    def a_Name(self, n: S.Name, scope, k, mode):
        comp = self.comp
        if not n.prefix and n.name in ("=", "\\in", "\\subseteq") and len(n.args) == 2 \
                and scope.locals.get(n.name) is None:
            idx = self.target_var(n.args[0], scope, mode)
            if idx is not None:
                return self.assignment(n, idx, scope, k, mode)
        if not n.prefix and n.name == "UNCHANGED" and scope.locals.get("UNCHANGED") is None \
                and mode != "init":
            return self.unchanged(n.args[0], scope, k, n.loc)
        if not n.prefix and n.name == "=>" and len(n.args) == 2:
            a = comp.expr(n.args[0], scope)
            bk = self.act(n.args[1], scope, k, mode)
            af, loc = a.fn, n.loc

            def implies(E):
                try:
                    v = af(E)
                except Exception as e:  # noqa: BLE001
                    raise wrap_error(e, loc) from None
                if v is True:
                    bk(E)
                elif v is False:
                    k(E)
                else:
                    err = EvalError("The antecedent of => is not a boolean.")
                    err.push(loc)
                    raise err
            return self._located(implies, loc)
        if not n.prefix and n.name == "\\cdot" and len(n.args) == 2 and mode == "next" \
                and scope.locals.get(n.name) is None:
            return self.composition(n, scope, k)
        if not n.prefix and not n.args:
            b = scope.locals.get(n.name)
            if b is not None and b.node is not None and b.scope is not None and \
                    (b.let or b.kind == "code"):
                # TLC enters a LET definition (and an unevaluated argument) in place
                inner = Scope(b.scope.ctx, b.scope.locals, scope.depth, scope.primed)
                return self.act(b.node, inner, k, mode)
        op = self.resolve(n, scope)
        if op is None:
            return self.guard(comp.expr(n, scope), k, n.loc)
        return self.expand(op, n, scope, k, mode)

    def composition(self, n: S.Name, scope: Scope, k) -> Callable:
        """``A \\cdot B`` as TLC's (experimental) action composition computes it: the
        successors ``t`` of ``A``, then the successors of ``B`` from each ``t``, all
        reported as successors of the current state. ``A`` runs with the rest of the
        conjunction (TLC hands it the pending conjuncts too), except under ENABLED."""
        if self.enabled_mode:
            def collect(E):
                t = E[1]
                if None not in t:
                    t.sink(tuple(t))
            self._agnostic.add(id(collect))
            a_fn = self.act(n.args[0], scope, collect, "next")
        else:
            a_fn = self.act(n.args[0], scope, k, "next")
        b_fn = self.act(n.args[1], scope, k, "next")

        def cdot(E):
            s0, s1 = E[0], E[1]
            # TLC's s0.copyWith(s1): what the next state fixes so far, at its current values
            t0 = Partial([s0[i] if v is not None and i < len(s0) else None
                          for i, v in enumerate(s1)])
            middle: list = []
            t0.sink = middle.append
            rest = E[2:]
            a_fn((s0, t0) + rest)
            if s1.extra is not None:
                s1.extra(len(middle))
            for t in middle:
                u = Partial(s1)
                u.sink, u.extra = s1.sink, s1.extra
                b_fn((t, u) + rest)
        return self._located(cdot, n.loc)

    def resolve(self, n: S.Name, scope: Scope):
        """The user-defined operator a name applies (for expansion), or None."""
        comp = self.comp
        if n.prefix:
            op = comp.resolve_prefixed(n, scope)
        else:
            b = scope.locals.get(n.name)
            if b is not None:
                if b.kind == "op" and isinstance(b.op, LetOp):
                    return b.op
                return None
            sym = scope.ctx.env.lookup(n.name)
            if sym is None or isinstance(sym, VarSym):
                return None
            try:
                op = comp.sym_op(sym, scope.ctx, n.loc)
            except SemanticError:
                return None
        if isinstance(op, (UserOp, LetOp)):
            return op
        return None

    def expand(self, op, n: S.Name, scope: Scope, k, mode) -> Callable:
        """An action-level definition applied in place: its body, with its parameters bound
        to the arguments (constants and state-level arguments evaluated once)."""
        comp = self.comp
        if isinstance(op, UserOp):
            node, ctx = op.sym.node, op.ctx
            assert node is not None, "natives are not expanded"
            base_locals: dict = {}
            key = op.sym
        else:
            node, ctx = op.node, op.scope.ctx
            base_locals = dict(op.scope.locals)
            key = op
        if key in self.inlining:
            raise Unsupported(f"a recursive action ({node.name})", n.loc)
        locals_ = dict(base_locals)
        slot_fns: list = []
        depth = scope.depth
        for p, a in zip(node.params, n.args, strict=True):
            if p.arity:
                locals_[p.name] = Binding("op", op=comp.arg_op(a, scope))
                continue
            code = comp.expr(a, scope)
            if code.known or code.level >= ACTION or (not code.deps and code.level == CONST):
                locals_[p.name] = Binding("code", code=code, depth=scope.depth, node=a,
                                          scope=scope)
            else:
                # evaluate once into a slot, as TLC caches an argument's value
                arg_scope_depth = depth + len(slot_fns)
                locals_[p.name] = Binding("lazyslot", index=arg_scope_depth, code=code,
                                          level=code.level, node=a, scope=scope)
                slot_fns.append((comp.adapt(code, scope.depth, arg_scope_depth).fn, code))
        inner = Scope(ctx, locals_, depth + len(slot_fns), scope.primed)
        self.inlining.append(key)
        try:
            if slot_fns:
                bk = self.act(node.body, inner, self.adapt_k(k, depth), mode)
            else:
                bk = self.act(node.body, inner, k, mode)
        finally:
            self.inlining.pop()
        loc = n.loc
        if slot_fns:
            fns = [f for f, _ in slot_fns]

            def call(E):
                for f in fns:
                    try:
                        E = E + (f(E),)
                    except EvalError as e:
                        e.push(loc)
                        raise
                bk(E)
            return self._located(call, loc)
        return self._located(bk, loc)

    # ------------------------------------------------------------------ assignments

    def target_var(self, lhs, scope: Scope, mode: str) -> int | None:
        """The index of the variable ``lhs`` assigns (``x'`` in an action, ``x`` in an
        initial predicate), or None if it is not a (still) assignable variable. Like TLC's
        getPrimedVar, it sees through parameters, LET and 0-arity definitions."""
        if isinstance(lhs, S.Name) and not lhs.args and not lhs.prefix:
            b = scope.locals.get(lhs.name)
            if b is not None:
                if b.node is not None and b.scope is not None:
                    return self.target_var(b.node, b.scope, mode)
                return None
        if mode == "init":
            return self.var_index(lhs, scope)
        if isinstance(lhs, S.Prime):
            i = self.var_index(lhs.expr, scope)
            if i is None and self.enabled_mode:
                return self.pseudo_var(lhs.expr, scope)
            return i
        if isinstance(lhs, S.Name) and not lhs.args and not lhs.prefix:
            sym = scope.ctx.env.lookup(lhs.name)
            if isinstance(sym, DefSym) and sym.arity == 0 and sym.native is None and \
                    sym.node is not None and sym not in self.comp.overrides:
                ctx = self.comp.ctx(sym.home, scope.ctx.inst) \
                    if sym.home is not scope.ctx.env else scope.ctx
                return self.target_var(sym.node.body, Scope(ctx, None, scope.depth), mode)
        return None

    def pseudo_var(self, node, scope: Scope) -> int | None:
        """In ENABLED, a variable of an instantiated module substituted by an expression is
        assigned by name (TLC binds it in its partial state): its extra slot."""
        if not isinstance(node, S.Name) or node.args or node.prefix or \
                scope.locals.get(node.name) is not None:
            return None
        sym = scope.ctx.env.lookup(node.name)
        inst = scope.ctx.inst
        if not isinstance(sym, VarSym) or inst is None or not inst.substitutes(sym):
            return None
        pseudo = self.comp.pseudo
        assert pseudo is not None
        if sym.name not in pseudo:
            pseudo[sym.name] = self.nvars + len(pseudo)
        return pseudo[sym.name]

    def var_index(self, node, scope: Scope) -> int | None:
        if not isinstance(node, S.Name) or node.args or node.prefix:
            return None
        b = scope.locals.get(node.name)
        if b is not None:
            if b.node is not None and b.scope is not None:
                return self.var_index(b.node, b.scope)
            return None
        sym = scope.ctx.env.lookup(node.name)
        if isinstance(sym, VarSym):
            inst = scope.ctx.inst
            if inst is not None and inst.substitutes(sym):
                return self.var_index(substitution_expr(inst, sym),
                                      self.comp.instance_scope(inst))
            return sym.index if sym.index >= 0 else None
        if isinstance(sym, DefSym) and sym.arity == 0 and sym.native is None and \
                sym.node is not None and sym not in self.comp.overrides:
            ctx = self.comp.ctx(sym.home, scope.ctx.inst) if sym.home is not scope.ctx.env \
                else scope.ctx
            return self.var_index(sym.node.body, Scope(ctx, None, scope.depth))
        return None

    def assignment(self, n: S.Name, i: int, scope: Scope, k, mode) -> Callable:
        op = n.name
        rhs = self.comp.expr(n.args[1], scope)
        rf, loc = rhs.fn, n.loc
        slot = 1 if mode != "init" else 0
        diag = self.diag
        vname = self.names[i] if i < len(self.names) else "(instance variable)"
        if op == "=":
            def assign(E):
                t = E[slot]
                try:
                    v = rf(E)
                except Exception as e:  # noqa: BLE001
                    raise wrap_error(e, loc) from None
                old = t[i]
                if old is None:
                    if type(v) not in _CONCRETE:
                        v = _canon(v)
                    t[i] = v
                    t.n += 1
                    try:
                        if diag is not None:
                            diag.depth += 1
                            try:
                                k(E)
                            finally:
                                diag.depth -= 1
                        else:
                            k(E)
                    except EvalError as e:
                        e.push(loc)
                        raise
                    finally:
                        t[i] = None
                        t.n -= 1
                elif old == v:
                    try:
                        if diag is not None:
                            diag.depth += 1
                            try:
                                k(E)
                            finally:
                                diag.depth -= 1
                        else:
                            k(E)
                    except EvalError as e:
                        e.push(loc)
                        raise
                elif diag is not None:
                    diag.fail(loc, f"{vname}' would be {to_tla_any(v)}, but is "
                                   f"{to_tla_any(old)}")
            return assign

        is_subset = op == "\\subseteq"

        def assign_in(E):
            t = E[slot]
            try:
                s = rf(E)
                if is_subset:
                    s = Powerset(s)
                old = t[i]
                if old is None:
                    if type(s) is FSet:
                        elems = s.ordered()
                    elif is_set(s):
                        elems = ordered(s)
                    else:
                        raise EvalError("In computing next states, the right side of \\IN is "
                                        f"not enumerable:\n{to_tla_any(s)}")
                else:
                    elems = None
                    ok = member(old, s)
            except Exception as e:  # noqa: BLE001
                raise wrap_error(e, loc) from None
            if elems is not None:
                t.n += 1
                try:
                    for v in elems:
                        t[i] = v if type(v) in _CONCRETE else _canon(v)
                        k(E)
                except EvalError as e:
                    e.push(loc)
                    raise
                finally:
                    t[i] = None
                    t.n -= 1
            elif ok:
                try:
                    k(E)
                except EvalError as e:
                    e.push(loc)
                    raise
            elif diag is not None:
                diag.fail(loc, f"{vname}' = {to_tla_any(old)} is not in {to_tla_any(s)}")
        return assign_in

    def unchanged(self, expr, scope: Scope, k, loc: S.Loc) -> Callable:
        """TLC's processUnchanged: variables are assigned their current values."""
        i = self.var_index(expr, scope)
        if i is not None:
            diag = self.diag
            vname = self.names[i] if i < len(self.names) else "(instance variable)"

            def keep(E):
                t = E[1]
                v = E[0][i]
                old = t[i]
                if old is None:
                    t[i] = v
                    t.n += 1
                    try:
                        k(E)
                    except EvalError as e:
                        e.push(loc)
                        raise
                    finally:
                        t[i] = None
                        t.n -= 1
                elif old == v:
                    k(E)
                elif diag is not None:
                    diag.fail(loc, f"{vname} should be unchanged ({to_tla_any(v)}), but "
                                   f"{vname}' is {to_tla_any(old)}")
            return keep
        if self.enabled_mode:
            j = self.pseudo_var(expr, scope)
            if j is not None:
                return self.unchanged_pseudo(expr, j, scope, k, loc)
        if isinstance(expr, S.Tuple):
            f = k
            for item in reversed(expr.elems):
                f = self.unchanged(item, scope, f, loc)
            return f
        if isinstance(expr, S.Name) and not expr.args and not expr.prefix:
            # TLC's processUnchanged sees through names: parameters, LET, definitions and
            # the substitutions of an instantiated module's variables
            b = scope.locals.get(expr.name)
            if b is not None:
                if b.node is not None and b.scope is not None:
                    inner = Scope(b.scope.ctx, b.scope.locals, scope.depth, scope.primed)
                    return self.unchanged(b.node, inner, k, loc)
            else:
                sym = scope.ctx.env.lookup(expr.name)
                if isinstance(sym, VarSym):
                    inst = scope.ctx.inst
                    if inst is not None and inst.substitutes(sym):
                        sub = substitution_expr(inst, sym)
                        outer = self.comp.instance_scope(inst)
                        inner = Scope(outer.ctx, outer.locals, scope.depth, scope.primed)
                        return self.unchanged(sub, inner, k, loc)
                if isinstance(sym, DefSym) and sym.arity == 0 and sym.native is None and \
                        sym.node is not None and sym not in self.comp.overrides:
                    ctx = self.comp.ctx(sym.home, scope.ctx.inst) \
                        if sym.home is not scope.ctx.env else scope.ctx
                    return self.unchanged(sym.node.body, Scope(ctx, None, scope.depth,
                                                               scope.primed), k, loc)
        comp = self.comp
        now = comp.expr(expr, scope)
        then = comp.expr(expr, scope.as_primed())
        nf, tf = now.fn, then.fn
        check = Code(lambda E: nf(E) == tf(E), max(now.level, STATE) + 1, now.deps)
        return self.guard(check, k, loc)


    def unchanged_pseudo(self, expr, j: int, scope: Scope, k, loc: S.Loc) -> Callable:
        """UNCHANGED of a substituted instance variable under ENABLED: TLC binds it by name
        to the current value of its substitution (getVar stops at the substitution)."""
        now = self.comp.expr(expr, scope).fn

        def keep_pseudo(E):
            t = E[1]
            try:
                v = _canon(now(E))
            except Exception as e:  # noqa: BLE001
                raise wrap_error(e, loc) from None
            old = t[j]
            if old is None:
                t[j] = v
                t.n += 1
                try:
                    k(E)
                finally:
                    t[j] = None
                    t.n -= 1
            elif old == v:
                k(E)
        return keep_pseudo


def describe_partial(names: list[str], t: list) -> str:
    return "\n".join(f"/\\ {n} = {to_tla_any(v) if v is not None else 'null'}"
                     for n, v in zip(names, t, strict=True))


__all__ = ["ActionCompiler", "BranchTrail", "Partial", "Diagnosis", "describe_partial"]
