"""Rules for sets: enumerations, ``{x \\in S : P}``, ``{e : x \\in S}``, sets of records and
functions, Cartesian products, and membership."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from functools import partial
from itertools import compress, count, islice
from operator import is_not
from typing import TYPE_CHECKING

from conformance.tla import syntax as S
from conformance.tla.compile.code import (
    ACTION,
    Code,
    Tracing,
    frame_of,
    guarded,
    merge,
    wrap_error,
)
from conformance.tla.compile.fieldindex import opening_field
from conformance.tla.compile.rewrites import singleton
from conformance.tla.errors import EvalError
from conformance.tla.lazy import Filtered as FilteredSet
from conformance.tla.lazy import (
    FunctionSet,
    Interval,
    Product,
    RecordSet,
    bounded,
    check_homogeneous,
    each,
    in_fset,
    is_finite,
    is_set,
    member,
    to_tla_any,
)
from conformance.tla.limits import check_built
from conformance.values import Fn, FSet, Tup, ValueError_, compare, typed_hash

if TYPE_CHECKING:
    from conformance.tla.compile.compiler import Compiler


def refuse_merged(xs: list) -> None:
    """TLC's error for a set enumeration whose elements Python merged and TLA+ does not:
    ``{0, FALSE}`` is one element for Python (``0 == False``), and TLC fails comparing them
    when it normalizes the set. Called only when an enumeration lost elements."""
    first: dict = {}
    for x in xs:
        y = first.setdefault(x, x)
        if y is x or typed_hash(y) == typed_hash(x):
            continue
        # TLC compares the later element with the earlier one: its message names them so
        if type(x) is bool:
            raise EvalError(f"Attempted to compare boolean {to_tla_any(x)} with non-boolean:\n"
                            f"{to_tla_any(y)}")
        if type(x) is int:
            raise EvalError(f"Attempted to compare integer {to_tla_any(x)} with non-integer:\n"
                            f"{to_tla_any(y)}")
        try:
            compare(x, y)
        except ValueError_ as e:
            raise EvalError(str(e)) from None


def e_SetEnum(comp: Compiler, n: S.SetEnum, scope):
    codes = [comp.expr(x, scope) for x in n.elems]
    level, deps, pure, binds = merge(codes)
    fns = [c.fn for c in codes]
    if len(fns) == 1:
        (a,) = fns

        def set1(E):
            return FSet((a(E),))
        code = comp.fold(Code(guarded(set1, n.loc), level, deps, pure, binds, loc=n.loc))
        if not code.known:
            code.applies = (singleton, codes)
        return code

    def setn(E):
        xs = [f(E) for f in fns]
        s = FSet(xs)
        if len(s) < len(xs):
            refuse_merged(xs)
        check_homogeneous(xs)
        return s
    return comp.fold(Code(guarded(setn, n.loc), level, deps, pure, binds, loc=n.loc))


def e_RecordSet(comp: Compiler, n: S.RecordSet, scope):
    names = [f for f, _ in n.fields]
    codes = [comp.expr(x, scope) for _, x in n.fields]
    level, deps, pure, binds = merge(codes)
    pairs = list(zip(names, [c.fn for c in codes], strict=True))

    def recset(E):
        fields = {}
        for k, f in pairs:
            s = f(E)
            if not is_set(s):
                raise EvalError(f"The field {k} of a set of records is not a set:\n"
                                f"{to_tla_any(s)}")
            fields[k] = s
        return RecordSet(fields)
    return comp.fold(Code(guarded(recset, n.loc), level, deps, pure, binds, loc=n.loc))


def e_FnSet(comp: Compiler, n: S.FnSet, scope):
    d, r = comp.expr(n.domain, scope), comp.expr(n.range, scope)
    level, deps, pure, binds = merge([d, r])
    df, rf = d.fn, r.fn

    def fnset(E):
        dv, rv = df(E), rf(E)
        if not is_set(dv) or not is_set(rv):
            raise EvalError("The domain and range of a set of functions [S -> T] must be "
                            "sets.")
        return FunctionSet(dv, rv)
    return comp.fold(Code(guarded(fnset, n.loc), level, deps, pure, binds, loc=n.loc))


def e_Times(comp: Compiler, n: S.Times, scope):
    codes = [comp.expr(x, scope) for x in n.sets]
    level, deps, pure, binds = merge(codes)
    fns = [c.fn for c in codes]

    def product(E):
        return Product(tuple(f(E) for f in fns))
    return comp.fold(Code(guarded(product, n.loc), level, deps, pure, binds, loc=n.loc))


def e_SetFilter(comp: Compiler, n: S.SetFilter, scope):
    sets, shapes, inner = comp.bounds((n.bound,), scope)
    pred = comp.expr(n.pred, inner)
    level, deps, pure, binds = merge(sets + [pred])
    deps = frozenset(d for d in deps if d < scope.depth)
    sf, pf = sets[0].fn, pred.fn
    tuple_shape = shapes[0]
    loc = n.loc
    depth = scope.depth

    # a filter without primes stays a rule until its elements are needed (TLC's
    # SetPredValue); one reading the next state is computed at once, while it is there
    keep_rule = pred.level < ACTION
    # {m \in msgs: m.type = "Prepare" /\ ...}: only the elements of that type can pass
    opening = None if tuple_shape is not None or Tracing.on else \
        opening_field(comp, n.pred, inner, n.bound.names[0])
    index = comp.field_index
    # {k \in 1..Len(lg) : lg[k].kind = "Config"}: each element tested without the
    # predicate's evaluation where the entry is a record holding a value of the constant's
    # kind (see _entry_field)
    entry_field = None if tuple_shape is not None or Tracing.on else \
        _entry_field(comp, n, scope)
    scanned = _Scanned()  # the last sequence this filter's entries were read in

    def filt(E):
        s = sf(E)
        if not is_set(s):
            raise EvalError("Attempted to compute the value of an expression of form "
                            "{x \\in S : P}, but S was not a set.")
        known = opening is not None and type(s) is FSet
        if keep_rule or not is_finite(s):
            frame = frame_of(E, depth)
            cands = index.some(s, *opening) if known else None
            if entry_field is not None:
                test = _entry_test(entry_field, frame, pf)
                if type(s) is Interval:
                    cands = partial(scanned.hits, entry_field, frame, s.lo, s.hi)
            elif tuple_shape is None:
                def test(v):
                    return pf(frame + (v,))
            else:
                def test(v):
                    return pf(frame + tuple(v))
            return FilteredSet(s, test, cands)
        cands = index.bucket(s, *opening) if known else None
        out = []
        for v in each(s) if cands is None else cands:
            r = pf(E + ((v,) if tuple_shape is None else tuple(v)))
            if r is True:
                out.append(v)
            elif r is not False:
                raise EvalError("The predicate of a set filter is not a boolean:\n"
                                f"{to_tla_any(r)}")
        check_built(len(out))
        return FSet(out)
    return comp.fold(Code(guarded(filt, loc), level, deps, pure, True, loc=loc))


def _entry_field(comp: Compiler, n: S.SetFilter, scope) -> tuple | None:
    """For ``{x \\in S : f[x].g = c}`` (either side), ``f`` a name other than ``x`` and ``c``
    a string or number: (``f``'s code in the scope outside the filter, ``g``, ``c``)."""
    pred, x = n.pred, n.bound.names[0]
    if not (isinstance(pred, S.Name) and pred.name == "=" and len(pred.args) == 2 and
            not pred.prefix):
        return None
    for side, other in (pred.args, pred.args[::-1]):
        if not isinstance(other, (S.Str, S.Num)) or not isinstance(side, S.Dot):
            continue
        app = side.expr
        if not isinstance(app, S.FnApp) or len(app.args) != 1:
            continue
        f, arg = app.fn, app.args[0]
        if isinstance(arg, S.Name) and arg.name == x and not arg.args and not arg.prefix and \
                isinstance(f, S.Name) and f.name != x and not f.args and not f.prefix:
            return comp.expr(f, scope).fn, side.field, other.value
    return None


_UNSET = object()


class _Scanned:
    """For a filter ``{k \\in lo..hi : f[k].g = c}`` over a sequence ``f`` that grows (a
    server's log, where ``ConfigOf`` looks for its configuration entries): the last
    sequence read, how many of its first entries were read, and those among them whose
    ``g`` is ``c``. A sequence is read only past the first entries it holds as the very
    objects the last one held (found at C speed); the candidates are those indexes, in
    ``lo..hi``."""

    __slots__ = ("seq", "upto", "found")

    def __init__(self) -> None:
        self.seq: Tup | None = None
        self.upto = 0
        self.found: list[int] = []

    def hits(self, entry_field: tuple, frame: tuple, lo: int, hi: int) -> tuple | None:
        """The ``k`` in ``lo..hi`` whose entry's ``g`` is ``c``, when every entry there is a
        record holding a value of ``c``'s kind at ``g`` (the others are then no element,
        without an error); else None (the filter's predicate decides each)."""
        ff, field, c = entry_field
        try:
            seq = ff(frame)
        except Exception:  # noqa: BLE001 - the predicate raises it, for the entry TLC would
            return None
        if type(seq) is not Tup or lo > hi:
            return None if type(seq) is not Tup else ()
        if lo < 1 or hi > len(seq):
            return None
        upto, found = self.upto, self.found
        last = self.seq
        if last is not seq:
            # what it has of the last one's read entries, as the very objects (another
            # server's log shares the entries it replicated): read past those only
            n = 0
            if last is not None:
                n = min(len(seq), upto)
                n = next(compress(count(), map(is_not, seq, islice(last, n))), n)
            if n < upto:
                upto, found = n, found[:bisect_right(found, n)]
        if hi > upto:
            kind = type(c)
            found = list(found)
            for k in range(upto + 1, hi + 1):
                y = seq[k - 1]
                if type(y) is not Fn:
                    return None
                r = y.map.get(field, _UNSET)
                if type(r) is not kind:
                    return None
                if r == c:
                    found.append(k)
            upto = hi
        self.seq, self.upto, self.found = seq, upto, found
        return tuple(k for k in found if lo <= k <= hi)


def _entry_test(entry_field: tuple, frame: tuple, pf) -> Callable:
    """The filter's test of one element ``k``: ``f[k].g = c`` read directly where ``f`` is a
    sequence holding a record at ``k`` whose ``g`` is of ``c``'s kind (an equality TLC
    decides the same way); anything else evaluates the predicate, as TLC would, errors
    included. ``f`` is evaluated once, at the first test."""
    ff, field, c = entry_field
    kind = type(c)
    cell = [_UNSET]

    def test(k):
        seq = cell[0]
        if seq is _UNSET:
            try:
                seq = ff(frame)
            except Exception:  # noqa: BLE001 - the predicate says what goes wrong
                seq = None
            cell[0] = seq
        if type(k) is int and type(seq) is Tup and 0 < k <= len(seq):
            y = seq[k - 1]
            if type(y) is Fn:
                r = y.map.get(field, _UNSET)
                if type(r) is kind:
                    return r == c
        return pf(frame + (k,))
    return test


def e_SetMap(comp: Compiler, n: S.SetMap, scope):
    sets, shapes, inner = comp.bounds(n.bounds, scope)
    body = comp.expr(n.expr, inner)
    level, deps, pure, binds = merge(sets + [body])
    deps = frozenset(d for d in deps if d < scope.depth)
    gen = comp.enumerate_bounds([s.fn for s in sets], shapes, n.loc)
    bf = body.fn
    single = len(sets) == 1 and shapes[0] is None
    sf = sets[0].fn

    if single:
        def setmap1(E):
            s = sf(E)
            if type(s) is FSet:
                check_built(len(s))
                xs = [bf(E + (v,)) for v in s.ordered()]
            else:
                xs = bounded(bf(E + (v,)) for v in each(s))
            check_homogeneous(xs)
            return FSet(xs)
        fn = setmap1
    else:
        def setmap(E):  # TLC counts the images before merging equal ones
            xs = bounded(bf(E + vals) for vals in gen(E))
            check_homogeneous(xs)
            return FSet(xs)
        fn = setmap
    return comp.fold(Code(guarded(fn, n.loc), level, deps, pure, True, loc=n.loc))


def membership(comp: Compiler, codes, level, deps, pure, binds, loc, negate: bool,
               domain_of: Code | None = None) -> Code:
    """``x \\in S`` (``x \\notin S``); ``domain_of``: the code of ``f`` when S is
    ``DOMAIN f``."""
    xf, sf = codes[0].fn, codes[1].fn
    s = codes[1]
    if domain_of is not None and not s.known:
        sf = _keys_of(domain_of.fn, sf)
    if s.known and type(s.value) is FSet:
        sv = s.value
        if negate:
            return comp.fold(Code(guarded(lambda E: not in_fset(xf(E), sv), loc), level, deps,
                                  pure, binds, loc=loc))
        return comp.fold(Code(guarded(lambda E: in_fset(xf(E), sv), loc), level, deps, pure,
                              binds, loc=loc))
    if s.known and hasattr(s.value, "member"):
        m = s.value.member
        if negate:
            return comp.fold(Code(guarded(lambda E: not m(xf(E)), loc), level, deps, pure,
                                  binds, loc=loc))
        return comp.fold(Code(guarded(lambda E: m(xf(E)), loc), level, deps, pure, binds,
                              loc=loc))

    def mem(E):
        x = xf(E)
        sv = sf(E)
        try:
            if type(sv) is FSet or type(sv) is dict:
                return in_fset(x, sv)
            return member(x, sv)
        except Exception as e:  # noqa: BLE001
            raise wrap_error(e, loc) from None
    if negate:
        return comp.fold(Code(lambda E: not mem(E), level, deps, pure, binds, loc=loc))
    return comp.fold(Code(mem, level, deps, pure, binds, loc=loc))


def _keys_of(ff, sf):
    """For ``x \\in DOMAIN f``: ``f``'s own dict (or its 1..n) to look ``x`` up in, instead
    of the set of its keys, built at every test (``\\A k \\in 1..n : k \\in DOMAIN d`` was
    cubic in a replica's decided slots). The dict answers as that set would: in_fset reads
    a set only through ``in`` and its first element. Other values: DOMAIN's own answer."""
    def keys(E):
        f = ff(E)
        t = type(f)
        if t is Fn:
            return f.map
        if t is Tup:
            return Interval(1, len(f))
        return sf(E)
    return keys
