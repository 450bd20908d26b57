"""Calls by value: a definition's body compiled once per context and called with its
argument values (remembered for costly constant operators), and native operators."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from operator import is_
from time import perf_counter_ns
from typing import TYPE_CHECKING, Any

from conformance.tla import syntax as S
from conformance.tla.compile.code import CONST, NO_DEPS, STATE, Code, guarded, merge, wrap_error
from conformance.tla.compile.intops import in_line
from conformance.tla.compile.operators import SYNTAX_OPERATORS, NativeOp, SyntaxOp, UserOp
from conformance.tla.compile.rewrites import rewrite
from conformance.tla.compile.scopes import Binding, Ctx, Scope
from conformance.tla.errors import Unsupported
from conformance.tla.modules import DefSym, ImportedSym, VarSym
from conformance.values import Fn, FSet, ModelValue, Tup, order_key

if TYPE_CHECKING:
    from conformance.tla.compile.compiler import Compiler


class DefBody:
    """The compiled body of a definition under one instance context (call by value)."""

    __slots__ = ("holder", "level", "pure", "done", "code", "memo", "ident")

    def __init__(self) -> None:
        self.holder: list = [None]
        self.level = STATE
        self.pure = True
        self.done = False
        self.code: Code | None = None
        self.memo: dict | None = None  # results by arguments, for costly constant operators
        self.ident: dict = {}  # results by the arguments' identity (see memo_call)


# how many results a memoized operator keeps (then it starts afresh)
MEMO_LIMIT = 50_000
# how many calls a memoized operator keeps by its arguments' identity (see memo_call)
IDENT_LIMIT = 1024
COMPOUND = (Tup, Fn, FSet)
_MISS = object()  # not in a memo
BINDERS = (S.Quant, S.Choose, S.SetFilter, S.SetMap, S.FnCons)


def memo_key(x: Any) -> Any:
    """The key of an argument in a memo table, or None: do not remember this call.

    Python's equality has ``TRUE = 1`` and ``FALSE = 0``, so ``[n |-> FALSE]`` equals
    ``[n |-> 0]`` and ``{FALSE, TRUE}`` equals ``{0, 1}`` as dictionary keys; TLA+'s values
    are different. Compound values are keyed by :func:`order_key`, which tags every value
    with its kind (and is cached on functions and sets). Rules (lazy sets and functions) are
    not remembered: keying them would enumerate what TLC keeps as a rule."""
    t = type(x)
    if t is int or t is str or t is ModelValue:
        return x
    if t is bool:
        return (1, x)
    if t is Tup or t is Fn or t is FSet:
        try:
            return order_key(x)
        except Exception:  # noqa: BLE001 - a rule inside: call without the memo
            return None
    return None


def enumerates(node, cache: dict) -> bool:
    """Whether an expression iterates over a set somewhere (a quantifier, CHOOSE, set or
    function constructor): what makes an operator worth remembering results of."""
    key = id(node)
    hit = cache.get(key)
    if hit is None:
        hit = cache[key] = isinstance(node, BINDERS) or \
            any(enumerates(x, cache) for x in S.subnodes(node))
    return hit


def def_body(comp: Compiler, sym: DefSym, ctx: Ctx, primed: bool) -> DefBody:
    """The body of a user definition compiled for calls by value (cached)."""
    key = (id(sym), id(ctx), primed, id(comp.pseudo) if comp.pseudo is not None else 0)
    body = comp._bodies.get(key)
    if body is not None:
        return body
    body = comp._bodies[key] = DefBody()
    node = sym.node
    assert node is not None, "a native has no body to compile"
    const_key = (id(sym), id(ctx))
    code = comp._constants.get(const_key) if not node.params else None
    if code is None:
        scope = comp.bind_params(node.params, Scope(ctx, None, 2, primed))
        code = comp.expr(node.body, scope)
        if not node.params:
            code = comp.fold(code, always=True)
            if code.known:  # one value however it is used (RandomElement drawn once)
                comp._constants[const_key] = code
    body.holder[0] = code.fn
    body.level = code.level
    body.pure = code.pure
    body.code = code
    body.done = True
    # an operator of its arguments alone (no variables, nothing impure) that iterates
    # over sets is remembered: specs call PermsOf(s) or Max(S) again and again on the
    # same arguments, and the answer cannot change
    if node.params and code.level == CONST and code.pure and \
            not any(p.arity for p in node.params) and \
            enumerates(node.body, comp._enumerating):
        body.memo = {}
    return body


def bind_params(comp: Compiler, params, scope: Scope) -> Scope:
    loc = dict(scope.locals)
    d = scope.depth
    for p in params:
        if p.arity:
            loc[p.name] = Binding("opslot", index=d, arity=p.arity)
        else:
            loc[p.name] = Binding("slot", index=d)
        d += 1
    return Scope(scope.ctx, loc, d, scope.primed)


def call_user(comp: Compiler, op: UserOp, args: list, scope: Scope, loc: S.Loc) -> Code:
    sym = op.sym
    assert sym.node is not None, "a native is called through NativeOp"
    params = sym.node.params
    if params and (primes_a_parameter(sym.node, comp._primed_params) or
                   any(p.arity and _syntax_operator(a, scope)
                       for p, a in zip(params, args, strict=False))) and \
            sym not in comp._substituting:
        return call_by_name(comp, op, args, scope, loc)
    arg_codes = comp.compile_args([p.arity for p in params], args, scope, loc)
    body = comp.def_body(sym, op.ctx, scope.primed)
    holder = body.holder
    if not body.done:  # a recursive call while the body is being compiled
        # its level is that of its arguments: the body's level is what the rest of the
        # body reads (SANY's least fixpoint), so a recursive operator over constants is
        # constant (TLC evaluates C <- Def and 0-arity constant definitions that use one
        # once, at startup)
        level, deps, pure, binds = merge(arg_codes)
        pure = False
    else:  # the body adds its level and purity, not its dependencies
        level, deps, pure, binds = merge(arg_codes)
        level = max(level, body.level)
        pure = pure and body.pure
    n = len(arg_codes)
    if n == 0:
        if body.done and body.code is not None and body.code.known:
            v = body.code.value
            return Code(lambda E: v, CONST, NO_DEPS, True, False, v, loc)

        def call0(E):
            try:
                return holder[0]((E[0], E[1]))
            except Exception as e:  # noqa: BLE001
                raise wrap_error(e, loc) from None
        if level == STATE and pure and body.done:
            call0 = _per_state(call0)
        code = Code(call0, level, deps, pure, binds, loc=loc)
        if body.done and level == CONST and pure:
            return comp.fold(code)
        return code
    fns = [a.fn for a in arg_codes]
    memo = body.memo if body.done else None
    if memo is not None:
        return memo_call(comp, holder, memo, body.ident, fns, level, deps, pure, binds, loc)
    if n == 1:
        (a,) = fns

        def call1(E):
            try:
                return holder[0]((E[0], E[1], a(E)))
            except Exception as e:  # noqa: BLE001
                raise wrap_error(e, loc) from None
        fn = call1
    elif n == 2:
        a, b = fns

        def call2(E):
            try:
                return holder[0]((E[0], E[1], a(E), b(E)))
            except Exception as e:  # noqa: BLE001
                raise wrap_error(e, loc) from None
        fn = call2
    else:
        def calln(E):
            try:
                return holder[0]((E[0], E[1]) + tuple(f(E) for f in fns))
            except Exception as e:  # noqa: BLE001
                raise wrap_error(e, loc) from None
        fn = calln
    code = Code(fn, level, deps, pure, binds, loc=loc)
    return comp.fold(code) if body.done else code


def _per_state(call0: Callable) -> Callable:
    """A pure definition without arguments that reads the state and not the next one
    (``terminated == Len(pending) = 0 /\\ ...``) has one value per state: the last state's
    is kept, so the actions of every process (``\\E self \\in Procs: ...``) of one state
    evaluate it once. Only for a state that is a tuple (an initial state being built is a
    list, which changes as it is assigned)."""
    last: list = [None, None]

    def per_state(E):
        s = E[0]
        if s is last[0] and type(s) is tuple:
            return last[1]
        v = call0(E)
        last[0], last[1] = s, v
        return v
    return per_state


def memo_call(comp: Compiler, holder, memo: dict, ident: dict, fns, level, deps, pure, binds,
              loc) -> Code:
    # Beside the memo by value, one by identity: the key of a compound value (its
    # order_key, then that key's hash) costs time linear in the value, and a long run's
    # states pass the same objects (a log of thousands of entries) to the same operator
    # again and again. An object is its value, so a hit by identity is a hit by value; the
    # table holds the arguments (their ids stay theirs) and starts afresh past IDENT_LIMIT.
    # It is the operator's, shared by its call sites (Config(i) in an action and in an
    # invariant ask for the same log), and consulted whether or not the site keys its
    # calls by value (see adaptive): a lookup by identity costs no walk.
    if len(fns) == 1:
        (a,) = fns

        def one(by_value: bool, E):
            x = a(E)
            compound = type(x) in COMPOUND
            if compound:
                hit = ident.get(id(x))
                if hit is not None and hit[0] is x:
                    return hit[1]
            key = None
            if by_value:
                key = memo_key(x)
                if key is None:
                    return holder[0]((E[0], E[1], x))
                v = memo.get(key, _MISS)
            if key is None or v is _MISS:
                try:
                    v = holder[0]((E[0], E[1], x))
                except Exception as e:  # noqa: BLE001
                    raise wrap_error(e, loc) from None
                if key is not None:
                    if len(memo) >= MEMO_LIMIT:
                        memo.clear()
                    memo[key] = v
            if compound:
                if len(ident) >= IDENT_LIMIT:
                    ident.clear()
                ident[id(x)] = (x, v)
            return v
        fn, direct = partial(one, True), partial(one, False)
    else:
        # the key of a sequence argument by its identity: a sequence caches no key (a
        # function and a set do), and MergeEntries(lg, prev, ents) is called with the same
        # log and other arguments, so its key (a walk of the whole log) was made afresh
        seqs: dict[int, tuple] = {}

        def seq_key(x):
            hit = seqs.get(id(x))
            if hit is not None and hit[0] is x:
                return hit[1]
            k = memo_key(x)
            if len(seqs) >= IDENT_LIMIT:
                seqs.clear()
            seqs[id(x)] = (x, k)
            return k

        def many(by_value: bool, E):
            xs = tuple(f(E) for f in fns)
            compound = any(type(x) in COMPOUND for x in xs)
            if compound:
                ids = tuple(map(id, xs))
                hit = ident.get(ids)
                if hit is not None and all(map(is_, hit[0], xs)):
                    return hit[1]
            key = None
            if by_value:
                key = tuple([seq_key(x) if type(x) is Tup else memo_key(x) for x in xs])
                if None in key:
                    return holder[0]((E[0], E[1]) + xs)
                v = memo.get(key, _MISS)
            if key is None or v is _MISS:
                try:
                    v = holder[0]((E[0], E[1]) + xs)
                except Exception as e:  # noqa: BLE001
                    raise wrap_error(e, loc) from None
                if key is not None:
                    if len(memo) >= MEMO_LIMIT:
                        memo.clear()
                    memo[key] = v
            if compound:
                if len(ident) >= IDENT_LIMIT:
                    ident.clear()
                ident[ids] = (xs, v)
            return v
        fn, direct = partial(many, True), partial(many, False)
    return comp.fold(Code(adaptive(fn, direct), level, deps, pure, binds, loc=loc))


# how many calls of each kind a call site times before it chooses; how many calls later
# it tries again, at first, and at most (the wait doubles while the choice stands)
TRIAL = 32
FIRST_PERIOD = 256
PERIOD = 1 << 14


def adaptive(memo: Callable, direct: Callable) -> Callable:
    """A call site of a remembered operator that remembers only where that pays.

    Keying a call costs time linear in its arguments (their ``order_key`` is built or
    hashed), which a hit repays and a miss does not: an invariant that calls
    ``Children(dag, v)`` for each vertex of each new state never meets a key again, and
    spent most of its time keying (tlaplus/Examples' TLCSailfish1). The site times
    ``TRIAL`` calls through the memo against as many without it, alternately, and goes on
    with the faster: the memo only where it is faster (a trial whose calls all found their
    arguments by identity, which both ways look up first, tells them apart by noise
    alone). It tries again ``FIRST_PERIOD`` calls later, then after twice as many calls
    each time the choice stands, up to ``PERIOD``: what pays changes as a run goes on (a
    log keyed by value costs its length, and logs grow to thousands of entries; a choice
    made on the first, short ones had held for the rest of a recorded run, at times
    tripling its time). The answer is the same either way: only constant operators (of
    their arguments alone, nothing impure) are remembered."""
    left = [0]  # calls before the next trial; below zero: in a trial
    use_memo = [True]
    spent = [0, 0]  # nanoseconds in the trial: through the memo, without it
    period = [FIRST_PERIOD]

    def call(E):
        n = left[0] - 1
        left[0] = n
        if n >= 0:
            return memo(E) if use_memo[0] else direct(E)
        through = n & 1
        t = perf_counter_ns()
        try:
            return memo(E) if through else direct(E)
        finally:
            spent[through ^ 1] += perf_counter_ns() - t
            if n <= -2 * TRIAL:
                choice = spent[0] < spent[1]
                period[0] = min(2 * period[0], PERIOD) if choice is use_memo[0] \
                    else FIRST_PERIOD
                use_memo[0] = choice
                spent[0] = spent[1] = 0
                left[0] = period[0]
    return call


def call_native(comp: Compiler, op: NativeOp, args: list, scope: Scope, loc: S.Loc) -> Code:
    nat = op.native
    if nat.unsupported:
        raise Unsupported(nat.unsupported, loc)
    arities = [-1 if i in nat.op_args else 0 for i in range(nat.arity)]
    arg_codes = comp.compile_args(arities, args, scope, loc)
    fn = nat.primed if scope.primed and nat.primed is not None else nat.fn
    if nat.state_level or nat.name.startswith("TLCSet") or nat.name == "TLCGetAndSet":
        comp.rt.shared = True
    if nat.runtime:
        rt = comp.rt
        f = fn

        def fn(*vals):
            return f(rt, *vals)
    if nat.lazy:
        return _lazy_call(fn, arg_codes, set(nat.lazy), loc)
    if nat.name == "TLCCache" and _constant_level(args[0], arg_codes[0], scope):
        cache = comp.rt.cached.setdefault(args[0], {})
        return _cached_call(arg_codes[0], arg_codes[1], cache, loc)
    if nat.arity == 0:
        level = STATE if nat.state_level else CONST
        return comp.fold(Code(guarded(lambda E: fn(), loc), level, NO_DEPS,
                              not nat.impure, loc=loc))
    swap = rewrite(fn, arg_codes)
    if swap is not None:
        fn, arg_codes = swap
    inline = in_line(fn, arg_codes, loc)
    if inline is not None:
        level, deps, pure, binds = merge(arg_codes)
        code = comp.fold(Code(inline, level, deps, pure and not nat.impure, binds, loc=loc))
    else:
        code = comp.call_fn(fn, arg_codes, loc, pure=not nat.impure)
    if not code.known:
        code.applies = (fn, arg_codes)
    if nat.state_level:
        code.level = max(code.level, STATE)
    return code


def _syntax_operator(a, scope: Scope) -> bool:
    """Whether an operator argument is a built-in on expressions (UNCHANGED, ENABLED, ',
    [], <>), which only a call by name can pass (see SyntaxOp)."""
    if isinstance(a, S.OpRef):
        return a.name in SYNTAX_OPERATORS
    if isinstance(a, S.Name) and not a.args and not a.prefix:
        b = scope.locals.get(a.name)
        if b is not None:
            return b.kind == "op" and isinstance(b.op, SyntaxOp)
        return a.name in SYNTAX_OPERATORS
    return False


def _constant_level(node, code: Code, scope: Scope) -> bool:
    """Whether an expression is constant-level as SANY sees it: the engine's level also
    counts TLCGet as a state-level read (its figures change during the search), SANY's
    does not. Constant unless it reaches a variable, a prime or a name bound outside it."""
    if code.level == CONST:
        return True
    if scope.ctx.inst is not None:
        return False
    table = scope.ctx.env.table
    entered: set[str] = set()

    def constant(n, bound: frozenset) -> bool:
        if isinstance(n, S.Prime):
            return False
        if isinstance(n, S.Name) and not n.prefix and n.name not in bound:
            if n.name in scope.locals:
                return False
            sym = table.get(n.name)
            while isinstance(sym, ImportedSym):
                sym = sym.sym
            if isinstance(sym, VarSym):
                return False
            if isinstance(sym, DefSym) and sym.node is not None and n.name not in entered:
                entered.add(n.name)
                if not constant(sym.node.body,
                                frozenset(p.name for p in sym.node.params)):
                    return False
        inner = bound
        if isinstance(n, (S.Quant, S.SetMap, S.FnCons)):
            inner = bound | {x for bd in n.bounds for x in bd.names}
        elif isinstance(n, S.SetFilter):
            inner = bound | set(n.bound.names)
        elif isinstance(n, (S.UQuant, S.Choose)):
            inner = bound | set(n.names)
        elif isinstance(n, S.Lambda):
            inner = bound | set(n.params)
        elif isinstance(n, S.Let):
            inner = bound | {d.name for d in n.defs if isinstance(d, S.OpDef)}
        elif isinstance(n, S.OpDef):
            inner = bound | {p.name for p in n.params}
        return all(constant(m, inner) for m in S.subnodes(n))
    return constant(node, frozenset())


def _cached_call(expr: Code, closure: Code, cache: dict, loc: S.Loc) -> Code:
    """TLCExt's TLCCache(expr, closure) on a constant expression: evaluated once for each
    value of the closure, in ``cache``, kept for the expression's node as TLC keeps it (an
    expression with side effects, TLCSet, runs once per key)."""
    value, key = expr.fn, closure.fn

    def call(E):
        k = key(E)
        hit = cache.get(k, cache)
        if hit is cache:
            hit = cache[k] = value(E)
        return hit
    level, deps, _pure, binds = merge([expr, closure])
    return Code(guarded(call, loc), level, deps, False, binds, loc=loc)


def _lazy_call(fn, arg_codes: list[Code], lazy: set[int], loc: S.Loc) -> Code:
    """A native call whose arguments at the positions ``lazy`` are passed unevaluated."""
    fns = [c.fn for c in arg_codes]

    def call(E):
        return fn(*[(lambda g=g: g(E)) if i in lazy else g(E) for i, g in enumerate(fns)])
    level, deps, _pure, binds = merge(arg_codes)
    return Code(guarded(call, loc), level, deps, False, binds, loc=loc)


def primes_a_parameter(node: S.OpDef, cache: dict) -> bool:
    """Whether a definition's body primes one of its parameters (``p'``, ``UNCHANGED p``,
    ``[A]_p``...): called by value, ``p'`` would read the argument's value in the current
    state, where it stands for the argument primed (TLC substitutes the argument)."""
    key = id(node)
    hit = cache.get(key)
    if hit is None:
        names = {p.name for p in node.params}

        def mentions(x) -> bool:
            if isinstance(x, S.Name) and not x.prefix and x.name in names:
                return True
            return any(mentions(y) for y in S.subnodes(x))

        def primes(x) -> bool:
            if isinstance(x, S.Prime):
                return mentions(x.expr)
            if isinstance(x, S.Name) and x.name in ("UNCHANGED", "ENABLED") and x.args \
                    and not x.prefix and mentions(x.args[0]):
                return True
            if isinstance(x, (S.BoxAction, S.AngleAction, S.Fairness)) and mentions(x.sub):
                return True
            return any(primes(y) for y in S.subnodes(x))
        hit = cache[key] = primes(node.body)
    return hit


def call_by_name(comp: Compiler, op: UserOp, args: list, scope: Scope, loc: S.Loc) -> Code:
    """A call compiled as the definition's body with its parameters standing for the
    argument expressions, as the successor generator expands actions (see
    :func:`primes_a_parameter` for when)."""
    sym = op.sym
    node = sym.node
    assert node is not None
    locals_: dict = {}
    for p, a in zip(node.params, args, strict=True):
        if p.arity or isinstance(a, (S.Lambda, S.OpRef)):
            locals_[p.name] = Binding("op", op=comp.arg_op(a, scope))
        else:
            locals_[p.name] = Binding("code", code=comp.expr(a, scope), depth=scope.depth,
                                      node=a, scope=scope)
    inner = Scope(op.ctx, locals_, scope.depth, scope.primed)
    comp._substituting.add(sym)
    try:
        code = comp.expr(node.body, inner)
    finally:
        comp._substituting.discard(sym)
    return Code(guarded(code.fn, loc), code.level, code.deps, code.pure, code.binds,
                code.value, loc)
