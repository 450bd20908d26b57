"""Values the engine keeps unexpanded: big or infinite sets, and functions over them.

``x \\in Nat``, ``m \\in [type: {"a"}, bal: Nat]`` and ``S \\in SUBSET Nodes`` only need
membership, and TLC answers them without building the set; so do these classes. Each lazy set
can say whether it contains a value, how big it is, and list its elements in TLC's order
(TLC enumerates every set in its normalized order; for these kinds the order is produced
directly, without sorting). Equality and hashing go through :meth:`LazySet.materialize`, so a
lazy set equals the :class:`~conformance.values.FSet` with the same elements and can sit
inside other values; the explorer materializes top-level lazy values before hashing a state.

:class:`LazyFn` is a function known by a rule rather than a table: a recursive function
definition ``f[n \\in Nat] == ...``, or a function constructor over an infinite domain. Its
applications are computed on demand and remembered.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from operator import is_
from typing import Any

from conformance.tla.errors import EvalError
from conformance.tla.limits import INT_MAX, check_built
from conformance.values import (
    Fn,
    FSet,
    ModelValue,
    Tup,
    kind,
    make_fn,
    order_key,
    same_value,
    to_tla,
    typed_key,
)

Value = Any


class LazySet:
    """A set given by a rule. Subclasses define member, iteration (TLC order) and size."""

    __slots__ = ("_mat", "finite")
    _mat: FSet
    finite: bool  # set by each subclass's constructor
    kind = "set"
    sized = False  # size() is known without enumerating (checked before building)

    def member(self, v: Value) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def size(self) -> int:
        return len(self.materialize())

    def __iter__(self) -> Iterator[Value]:  # TLC's enumeration order
        return iter(self.materialize().ordered())

    def elements(self) -> Iterator[Value]:
        if not self.finite:
            raise EvalError(f"Attempted to enumerate the infinite set {self.to_tla()}.")
        return self._elements()

    def _elements(self) -> Iterator[Value]:  # pragma: no cover - abstract
        raise NotImplementedError

    def materialize(self) -> FSet:
        try:
            return self._mat
        except AttributeError:
            if not self.finite:
                raise EvalError(f"Attempted to enumerate the infinite set {self.to_tla()}.")
            if self.sized:  # TLC builds these at their known size (no -maxSetSize check),
                self.size()  # but the size must fit its int
                m = FSet(self._elements())
            else:  # sets grown element by element are bounded, as TLC's ValueVec is
                m = FSet(bounded(self._elements()))
            self._mat = m
            return m

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if isinstance(other, (frozenset, LazySet)):
            if isinstance(other, LazySet) and not (self.finite and other.finite):
                return self._same_infinite(other)
            if not self.finite:
                return False
            return self.materialize() == (other.materialize() if isinstance(other, LazySet)
                                          else other)
        return NotImplemented

    def _same_infinite(self, other: LazySet) -> bool:
        return type(self) is type(other) and self._params() == other._params()

    def _params(self) -> tuple:
        return ()

    def __hash__(self) -> int:
        if not self.finite:
            return hash((type(self).__name__, self._params()))
        return hash(self.materialize())

    def __len__(self) -> int:
        return self.size()

    def __repr__(self) -> str:
        return self.to_tla()

    def to_tla(self) -> str:
        return to_tla(self.materialize())


class Interval(LazySet):
    """``a..b``; enumerates upwards, as TLC does."""

    __slots__ = ("lo", "hi")

    def __init__(self, lo: int, hi: int) -> None:
        self.lo, self.hi = lo, hi
        self.finite = True

    def member(self, v: Value) -> bool:
        if type(v) is int:
            return self.lo <= v <= self.hi
        if self.lo > self.hi:  # TLC: nothing is in an empty interval, no error
            return False
        return _not_comparable(v, self, f"the integer interval {self.lo}..{self.hi}")

    sized = True

    def size(self) -> int:
        return max(0, self.hi - self.lo + 1)

    def _elements(self):
        return iter(range(self.lo, self.hi + 1))

    def __iter__(self):
        return iter(range(self.lo, self.hi + 1))

    def to_tla(self) -> str:
        return f"{self.lo}..{self.hi}"


class _Numbers(LazySet):
    __slots__ = ()
    name = ""

    def __init__(self) -> None:
        self.finite = False

    def size(self) -> int:
        raise EvalError(f"Attempted to compute the number of elements of {self.name}.")

    def __iter__(self):
        raise EvalError(f"Attempted to enumerate {self.name}.")

    def to_tla(self) -> str:
        return self.name


class NatSet(_Numbers):
    __slots__ = ()
    name = "Nat"

    def member(self, v):
        if type(v) is int:
            return v >= 0
        return _not_comparable(v, self, "Nat")


class IntSet(_Numbers):
    __slots__ = ()
    name = "Int"

    def member(self, v):
        return type(v) is int or _not_comparable(v, self, "Int")


class RealSet(_Numbers):
    __slots__ = ()
    name = "Real"

    def member(self, v):
        return type(v) is int


class StringSet(_Numbers):
    __slots__ = ()
    name = "STRING"

    def member(self, v):
        return type(v) is str or _not_comparable(v, self, "STRING")


NAT, INT, REAL, STRING = NatSet(), IntSet(), RealSet(), StringSet()
BOOLEAN = FSet((False, True))


class Powerset(LazySet):
    """``SUBSET S``: by size, then element by element, which is TLC's order of sets."""

    __slots__ = ("base",)

    def __init__(self, base: Value) -> None:
        self.base = base
        self.finite = is_finite(base)

    def member(self, v):
        if not is_set(v):
            if type(v) is ModelValue and v.typ is None:
                return False
            raise EvalError(f"Attempted to check if the non-enumerable value {to_tla_any(v)} "
                            f"is element of {self.to_tla()}")
        base = self.base
        return all(member(x, base) for x in v)

    sized = True

    def size(self) -> int:
        n = set_size(self.base)
        if n >= 31:  # TLC counts in a Java int
            raise overflow(self)
        return 1 << n

    def _elements(self):
        elems = ordered(self.base)
        for k in range(len(elems) + 1):
            for combo in itertools.combinations(elems, k):
                yield FSet(combo)

    def __iter__(self):
        return self._elements()

    def _params(self):
        return (self.base,)

    def to_tla(self) -> str:
        return "SUBSET " + to_tla_any(self.base)


def _same_kind(remembered: Value, v: Value) -> bool:
    """Whether a membership remembered for ``remembered`` answers for ``v``, which Python
    found equal to it: Python takes 1 for TRUE at any depth (``[g |-> 1]`` equals
    ``[g |-> TRUE]``), where testing ``[g |-> 1] \\in [g : BOOLEAN]`` afresh is TLC's error."""
    return remembered is v or same_value(remembered, v)


class FunctionSet(LazySet):
    """``[D -> R]``: the last argument varies fastest, which is TLC's order."""

    __slots__ = ("dom", "rng", "_memo", "_keys", "_n", "_in_rng", "_last")

    def __init__(self, dom: Value, rng: Value) -> None:
        self.dom, self.rng = dom, rng
        self.finite = True
        self._last: Fn | None = None  # the last function found a member (see member)
        if not is_finite(dom) or not is_finite(rng):
            self.finite = set_size(dom) == 0 if is_finite(dom) else False
        self._memo: dict = {}
        self._keys = self._n = None
        if is_finite(dom):
            keys = as_fset(dom)
            self._keys = keys
            n = len(keys)
            if all(type(k) is int for k in keys) and (n == 0 or (min(keys) == 1 and
                                                              max(keys) == n)):
                self._n = n
        self._in_rng = _contains(rng)

    def __reduce__(self):  # (a copy or a pickle starts without the memories and tests)
        return (FunctionSet, (self.dom, self.rng))

    def member(self, v):
        """Membership, remembered: the same functions are tested again and again (a type
        invariant over every state) and deep ones are expensive to test. First against
        the last function found a member, entry by entry: a state's function differs from
        its predecessor's in an entry or two, and the others, the very objects found in
        the range, are not tested again (nor is the function hashed: hashing a function of
        long logs walks every entry of every log)."""
        last = self._last
        if last is not None and type(v) is Fn:
            m = v.map
            if m.keys() == self._keys:
                lm = last.map
                in_rng = self._in_rng
                for k, x in m.items():
                    if x is not lm[k] and not in_rng(x):
                        break
                else:
                    self._last = v
                    return True
        memo = self._memo
        try:
            hit = memo.get(v)
        except TypeError:
            hit = None
        if hit is not None and (hit[0] is v or _same_kind(hit[0], v)):
            return hit[1]
        r = self._member(v)
        if len(memo) > _MEMO_LIMIT:
            memo.clear()
        memo[v] = (v, r)
        if r is True and type(v) is Fn and self._keys is not None:
            self._last = v
        return r

    def _member(self, v):
        t = type(v)
        keys = self._keys
        if keys is not None:
            if t is Tup:
                return self._n == len(v) and all(map(self._in_rng, v))
            if t is Fn:
                m = v.map
                return m.keys() == keys and all(map(self._in_rng, m.values()))
        if t is Tup:
            dom = self.dom
            n = len(v)
            if set_size(dom) != n:
                return False
            if n and not all(member(i, dom) for i in range(1, n + 1)):
                return False
            rng = self.rng
            return all(member(x, rng) for x in v)
        if t is Fn:
            dom = self.dom
            if set_size(dom) != len(v.map):
                return False
            rng = self.rng
            for k, x in v.map.items():
                if not member(k, dom) or not member(x, rng):
                    return False
            return True
        if isinstance(v, LazyFn):
            return self.member(v.materialize())
        if type(v) is ModelValue and v.typ is None:
            return False
        raise EvalError(f"Attempted to check if {to_tla_any(v)} which is not a TLC function "
                        f"value, is in the set of functions:\n{self.to_tla()}")

    sized = True

    def size(self) -> int:
        n, r = set_size(self.dom), set_size(self.rng)
        total = 1
        for _ in range(n):
            total *= r
            if total > INT_MAX:
                raise overflow(self)
        return total

    def _elements(self):
        dom = ordered(self.dom)
        rng = ordered(self.rng)
        if dom and all(type(d) is int for d in dom) and list(dom) == list(
                range(1, len(dom) + 1)):
            for combo in itertools.product(rng, repeat=len(dom)):
                yield Tup(combo)
            return
        for combo in itertools.product(rng, repeat=len(dom)):
            yield make_fn(dict(zip(dom, combo, strict=True)))

    def __iter__(self):
        return self._elements()

    def _params(self):
        return (self.dom, self.rng)

    def to_tla(self) -> str:
        return f"[{to_tla_any(self.dom)} -> {to_tla_any(self.rng)}]"


class RecordSet(LazySet):
    """``[a: A, b: B]``: fields in TLC's order of names, the last varying fastest."""

    __slots__ = ("names", "sets", "_memo", "_tests", "_keys")

    def __init__(self, fields: dict) -> None:
        names = sorted(fields, key=order_key)
        self.names = tuple(names)
        self.sets = tuple(fields[n] for n in names)
        self.finite = True
        if not all(is_finite(s) for s in self.sets):
            self.finite = any(is_finite(s) and set_size(s) == 0 for s in self.sets)
        self._memo: dict = {}
        self._tests = tuple((n, _contains(s)) for n, s in zip(self.names, self.sets,
                                                               strict=True))
        self._keys = frozenset(self.names)

    def __reduce__(self):  # (see FunctionSet.__reduce__)
        return (RecordSet, (dict(zip(self.names, self.sets, strict=True)),))

    def member(self, v):
        if type(v) is not Fn:
            if _is_function(v) or (type(v) is ModelValue and v.typ is None):
                return False
            raise EvalError(f"Attempted to check if non-record {to_tla_any(v)} is in the set "
                            f"of records {self.to_tla()}")
        m = v.map
        if m.keys() != self._keys:
            # another kind of record (a union of record sets asks each in turn): said
            # without the memory, whose hit on an equal record would walk it for its kind
            return False
        memo = self._memo
        hit = memo.get(v)
        if hit is not None and (hit[0] is v or _same_kind(hit[0], v)):
            return hit[1]
        r = all(test(m[name]) for name, test in self._tests)
        if len(memo) > _MEMO_LIMIT:
            memo.clear()
        memo[v] = (v, r)
        return r

    sized = True

    def size(self) -> int:
        n = 1
        for s in self.sets:
            n *= set_size(s)
            if n > INT_MAX:
                raise overflow(self)
        return n

    def _elements(self):
        names = self.names
        for combo in itertools.product(*(ordered(s) for s in self.sets)):
            yield Fn(dict(zip(names, combo, strict=True)))

    def __iter__(self):
        return self._elements()

    def _params(self):
        return (self.names, self.sets)

    def to_tla(self) -> str:
        return "[" + ", ".join(f"{n} : {to_tla_any(s)}"
                               for n, s in zip(self.names, self.sets, strict=True)) + "]"


class Product(LazySet):
    """``A \\X B \\X C``."""

    __slots__ = ("sets",)

    def __init__(self, sets: tuple) -> None:
        self.sets = sets
        self.finite = True
        if not all(is_finite(s) for s in sets):
            self.finite = any(is_finite(s) and set_size(s) == 0 for s in sets)

    def member(self, v):
        if type(v) is not Tup:
            if _is_function(v) or (type(v) is ModelValue and v.typ is None):
                return False
            raise EvalError(f"Attempted to check if non-tuple {to_tla_any(v)} is in the "
                            f"Cartesian product {self.to_tla()}")
        if len(v) != len(self.sets):
            return False
        return all(member(x, s) for x, s in zip(v, self.sets, strict=True))

    sized = True

    def size(self) -> int:
        n = 1
        for s in self.sets:
            n *= set_size(s)
            if n > INT_MAX:
                raise overflow(self)
        return n

    def _elements(self):
        for combo in itertools.product(*(ordered(s) for s in self.sets)):
            yield Tup(combo)

    def __iter__(self):
        return self._elements()

    def _params(self):
        return (self.sets,)

    def to_tla(self) -> str:
        return " \\X ".join(to_tla_any(s) for s in self.sets)


class SeqSet(LazySet):
    """``Seq(S)``: infinite unless S is empty; only membership is possible."""

    __slots__ = ("base", "_members", "_held")

    def __init__(self, base: Value) -> None:
        self.base = base
        self.finite = False
        # the last long sequences found members: a sequence that starts with the very
        # objects of one of them (a log that grew by an entry) is checked from there, so
        # that TypeOK on a long run's logs costs their new entries, not their length
        self._members: list[Tup] = []
        # the elements found in S, by identity (each kept, so that its id stays its own):
        # a message's batch of entries is the very entries of a log checked before
        self._held: dict[int, Value] = {}

    def __reduce__(self):  # (see FunctionSet.__reduce__)
        return (SeqSet, (self.base,))

    def member(self, v):
        if type(v) is Tup:
            base = self.base
            start = 0
            # the latest first: most often the longest prefix, and then the others,
            # no longer, are not walked
            for w in reversed(self._members):
                n = len(w)
                if start < n <= len(v) and all(map(is_, v, w)):
                    start = n
            held = self._held
            for x in (v[start:] if start else v):
                if held.get(id(x)) is not x:
                    if not member(x, base):
                        return False
                    if len(held) >= _MEMO_LIMIT:
                        held.clear()
                    held[id(x)] = x
            if len(v) >= 16 and start < len(v):
                self._members.append(v)
                if len(self._members) > 8:
                    del self._members[0]
            return True
        if _is_function(v) or (type(v) is ModelValue and v.typ is None):
            return False
        return _not_comparable(v, self, self.to_tla())

    def size(self) -> int:
        raise EvalError(f"Attempted to compute the number of elements of {self.to_tla()}.")

    def __iter__(self):
        raise EvalError(f"Attempted to enumerate the infinite set {self.to_tla()}.")

    def _params(self):
        return (self.base,)

    def to_tla(self) -> str:
        return f"Seq({to_tla_any(self.base)})"


def _released(v: Value) -> Value:
    raise AssertionError("the rule of a materialized set filter was used again")


class Filtered(LazySet):
    """``{x \\in S : P(x)}``, kept as a rule as TLC keeps a SetPredValue: membership tests
    ``S`` and then ``P``, so that ``e \\in {x \\in SUBSET SUBSET S : ...}`` never
    enumerates; the elements (in the order of ``S``) are computed once, when needed."""

    __slots__ = ("base", "pred", "cands")

    def __init__(self, base: Value, pred: Callable[[Value], Value],
                 cands: Any = None) -> None:
        """``cands``: where only some elements of ``base`` can satisfy ``pred`` (the others
        make it FALSE without an error: see compile.fieldindex), those, in any order; or a
        function giving them (or None) when the elements are first needed."""
        self.base, self.pred, self.cands = base, pred, cands
        self.finite = is_finite(base)

    def _test(self, v) -> bool:
        r = self.pred(v)
        if r is True or r is False:
            return r
        raise EvalError("The predicate of a set filter is not a boolean:\n"
                        f"{to_tla_any(r)}")

    def member(self, v):
        try:
            return v in self._mat
        except AttributeError:
            return member(v, self.base) and self._test(v)

    def materialize(self) -> FSet:
        m = super().materialize()
        self.pred = _released  # let go of the environment the rule captured (states hold sets)
        return m

    def size(self):
        if not self.finite:
            raise EvalError(f"Attempted to compute the number of elements of {self.to_tla()}.")
        return len(self.materialize())

    def _elements(self):
        test = self._test
        cands = self.cands
        if callable(cands):
            cands = self.cands = cands()
        try:
            if cands is not None:
                return [v for v in cands if test(v)]
            return bounded(v for v in any_order(self.base) if test(v))
        except EvalError:
            # the error TLC reports is the one met first in its order
            return bounded(v for v in each(self.base) if test(v))

    def elements(self):
        if not self.finite:
            raise EvalError(f"Attempted to enumerate {self.to_tla()}.")
        return iter(self.materialize().ordered())

    __iter__ = elements

    def _params(self):
        return (id(self),)

    def to_tla(self) -> str:
        if self.finite:  # TLC prints the elements when it can enumerate them
            try:
                return to_tla(self.materialize())
            except EvalError:
                pass
        return "{x \\in " + to_tla_any(self.base) + " : ...}"


class Combined(LazySet):
    """``S \\cup T``, ``S \\cap T`` or ``S \\ T`` where one side is infinite."""

    __slots__ = ("op", "a", "b", "_parts")

    def __init__(self, op: str, a: Value, b: Value) -> None:
        self.op, self.a, self.b = op, a, b
        self.finite = False
        if op == "\\cup":
            # a chain of unions (Raft's Message: four record sets) asked in one loop, in
            # TLC's order, each part by its own test: not a call per level and per part
            self._parts = tuple(_contains(p) for p in _union_parts(a) + _union_parts(b))

    def __reduce__(self):  # (see FunctionSet.__reduce__)
        return (Combined, (self.op, self.a, self.b))

    def member(self, v):
        if self.op == "\\cup":
            if isinstance(v, LazyFn) and is_finite(v.domain):
                v = v.materialize()  # (as member does before each part)
            for test in self._parts:
                if test(v):
                    return True
            return False
        if self.op == "\\cap":
            return member(v, self.a) and member(v, self.b)
        return member(v, self.a) and not member(v, self.b)

    def size(self):
        raise EvalError(f"Attempted to compute the number of elements of {self.to_tla()}.")

    def __iter__(self):
        raise EvalError(f"Attempted to enumerate the infinite set {self.to_tla()}.")

    def _params(self):
        return (self.op, self.a, self.b)

    def to_tla(self) -> str:
        return f"({to_tla_any(self.a)} {self.op} {to_tla_any(self.b)})"


def _union_parts(s: Value) -> tuple:
    """The sets ``s`` joins, in order: ``s`` itself unless it is a union with an infinite side."""
    if type(s) is Combined and s.op == "\\cup":
        return _union_parts(s.a) + _union_parts(s.b)
    return (s,)


class Union(LazySet):
    """``UNION S`` where an element of S is infinite: a member of one of them, tested in
    TLC's order of S (TLC's UnionValue enumerates S, never the infinite elements)."""

    __slots__ = ("parts",)

    def __init__(self, parts: tuple) -> None:
        self.parts = parts
        self.finite = False

    def member(self, v):
        return any(member(v, x) for x in self.parts)

    def size(self):
        raise EvalError(f"Attempted to compute the number of elements of {self.to_tla()}.")

    def __iter__(self):
        raise EvalError(f"Attempted to enumerate the infinite set {self.to_tla()}.")

    def _params(self):
        return self.parts

    def to_tla(self) -> str:
        return "UNION {" + ", ".join(to_tla_any(x) for x in self.parts) + "}"


_MISSING = object()
_MEMO_LIMIT = 200_000


def _contains(s: Value):
    """A fast membership test for ``s`` (its ``__contains__`` when it is a plain set)."""
    if type(s) is FSet:
        return lambda v: in_fset(v, s)
    if isinstance(s, LazySet):
        return s.member
    return lambda v: member(v, s)


# --------------------------------------------------------------------------- functions


class LazyFn:
    """A function given by a rule: applications are computed on demand and remembered."""

    __slots__ = ("domain", "rule", "memo", "text", "_mat")
    kind = "function"

    def __init__(self, domain: Value, rule: Callable[[Value], Value], text: str = "") -> None:
        self.domain = domain
        self.rule = rule
        self.memo: dict = {}
        self.text = text

    def apply(self, arg: Value) -> Value:
        if isinstance(arg, LazyFn) and is_finite(arg.domain):
            arg = arg.materialize()  # a table equals and hashes as the values it may meet
        memo = self.memo
        try:
            return memo[arg]
        except KeyError:
            pass
        except TypeError:
            raise EvalError(f"Attempted to apply a function to the unhashable {arg!r}.")
        if not member(arg, self.domain):
            # a recursive function is named, not shown: showing it would apply it everywhere
            shown = self.text if self.text.endswith("[...]") else self.to_tla()
            raise EvalError(
                f"Attempted to apply function:\n{shown}\nto argument {to_tla_any(arg)},"
                " which is not in the domain of the function.")
        v = self.rule(arg)
        memo[arg] = v
        return v

    def excepted(self, key: Value, update: Callable[[Value], Value]) -> LazyFn:
        """``[f EXCEPT ![key] = update(@)]`` kept as a rule (TLC keeps the exceptions of a
        function over an infinite domain as exceptions): the rest is computed as before."""
        if not is_finite(self.domain):
            if not member(key, self.domain):
                return self
            new = update(self.apply(key))
            same = typed_key(key)
            base = self.apply

            def rule(x: Value) -> Value:
                return new if x == key and typed_key(x) == same else base(x)
            return LazyFn(self.domain, rule, self.text)
        raise AssertionError("a finite function is excepted as a table")

    def materialize(self):
        try:
            return self._mat
        except AttributeError:
            if not is_finite(self.domain):
                raise EvalError(f"Attempted to enumerate the function {self.to_tla()} over "
                                "an infinite domain.")
            m = make_fn({x: self.apply(x) for x in ordered(self.domain)})
            self._mat = m
            return m

    def __eq__(self, other):
        if self is other:
            return True
        if type(other) in (Tup, Fn) or isinstance(other, LazyFn):
            return self.materialize() == (other.materialize() if isinstance(other, LazyFn)
                                          else other)
        return NotImplemented

    def __hash__(self):
        return hash(self.materialize())

    def __repr__(self):
        return self.to_tla()

    def to_tla(self) -> str:
        if is_finite(self.domain):
            return to_tla(self.materialize())
        return self.text or f"[x \\in {to_tla_any(self.domain)} |-> ...]"


# --------------------------------------------------------------------------- set helpers

_SETS = (FSet, frozenset)


def is_set(v: Value) -> bool:
    return type(v) is FSet or isinstance(v, (frozenset, LazySet))


def is_finite(s: Value) -> bool:
    if type(s) is FSet:
        return True
    if isinstance(s, LazySet):
        return s.finite
    return isinstance(s, frozenset)


def member(v: Value, s: Value) -> bool:
    """``v \\in s``, failing as TLC does when v cannot be compared with the set's elements
    (``1 \\in {"a"}``, ``{} \\in 1..4``): TLC compares v with them and errs on a kind
    mismatch, where a Python set would just answer no."""
    if isinstance(v, LazyFn) and is_finite(v.domain):
        v = v.materialize()  # the set's functions are tables: compare tables
    if type(s) is FSet:
        return in_fset(v, s)
    if isinstance(s, LazySet):
        return s.member(v)
    if isinstance(s, frozenset):
        return v in s
    raise EvalError(f"Attempted to check if the value:\n{to_tla_any(v)}\nis an element of "
                    f"the non-set value:\n{to_tla_any(s)}")


def _is_function(v: Value) -> bool:
    return type(v) is Fn or type(v) is Tup or isinstance(v, LazyFn)


def _domain_kind(v: Value) -> type | None:
    """The type of a function's arguments (tuples: int), None for an empty domain."""
    if type(v) is Tup:
        return int if v else None
    if type(v) is Fn:
        for k in v.map:
            return type(k) if type(k) is not ModelValue else None
    return None


def clash(a: Value, b: Value) -> bool:
    """Whether TLC fails comparing ``a`` with ``b``: values of different kinds (a number
    and a string, a set and a function...), typed model values of different types, or
    functions whose domains hold different kinds (a record and a tuple). Untyped model
    values compare with anything."""
    ta, tb = type(a), type(b)
    if ta is tb and (ta is int or ta is str or ta is bool):  # the common case, at once
        return False
    if ta is ModelValue or tb is ModelValue:
        if ta is tb:
            return a.typ is not None and b.typ is not None and a.typ != b.typ
        mv = a if ta is ModelValue else b
        return mv.typ is not None
    ka = "set" if is_set(a) else "fn" if _is_function(a) else ta
    kb = "set" if is_set(b) else "fn" if _is_function(b) else tb
    if ka != kb:
        return True
    if ka == "fn":
        da, db = _domain_kind(a), _domain_kind(b)
        return da is not None and db is not None and da is not db
    return False


def in_fset(v: Value, s: FSet) -> bool:
    """``v \\in s`` for a set of values: Python's answer, unless it merged FALSE with 0 or
    the kinds cannot be compared (then TLC's error)."""
    try:
        found = v in s
    except TypeError:
        return False
    if found:
        t = type(v)
        if t is bool or t is int:  # Python has 1 == TRUE
            e = next(iter(s))
            if type(e) is not t and (type(e) is bool or type(e) is int):
                check_comparable(v, s)
        return True
    if s:
        check_comparable(v, s)
    return False


def check_homogeneous(xs: list) -> None:
    """Fail as TLC fails normalizing a set whose elements it cannot compare (``{1, "a"}``,
    model values of two types): the values of one set must be of one kind. (Functions of
    one Python type are not compared domain by domain: a cost for every set of records.)"""
    kinds = {type(x) for x in xs}
    if len(kinds) == 1 and ModelValue not in kinds:
        return
    ref = None
    for x in xs:
        if type(x) is ModelValue and x.typ is None:
            continue
        if ref is None:
            ref = x
        elif clash(ref, x):
            if type(ref) is ModelValue and type(x) is ModelValue:
                raise EvalError("Attempted to compare the differently-typed model values "
                                f"{to_tla_any(x)} and {to_tla_any(ref)}")
            raise EvalError(f"Attempted to compare {value_kind(x)} {to_tla_any(x)} with "
                            f"non-{value_kind(x)}:\n{to_tla_any(ref)}")


def check_comparable(v: Value, s: FSet) -> None:
    """Fail as TLC fails looking for ``v`` in the set ``s`` (non-empty) of other kinds."""
    e = next(iter(s))
    if clash(v, e):
        raise EvalError(f"Attempted to check equality of {value_kind(e)} {to_tla_any(e)} "
                        f"with non-{value_kind(e)}:\n{to_tla_any(v)}")


def _not_comparable(v: Value, s: Value, what: str) -> bool:
    """The answer for a value of another kind than a set of numbers (strings...) holds:
    no, for an untyped model value; TLC's error otherwise."""
    if type(v) is ModelValue and v.typ is None:
        return False
    raise EvalError(f"Attempted to check if the value:\n{to_tla_any(v)}\nis in {what}")


def ordered(s: Value) -> tuple | list:
    """The elements of a finite set in TLC's enumeration order."""
    if type(s) is FSet:
        return s.ordered()
    if isinstance(s, LazySet):
        if type(s) is Interval:
            return range(s.lo, s.hi + 1)  # type: ignore[return-value]
        if s.sized:
            return list(s.elements())
        return bounded(s.elements())
    if isinstance(s, frozenset):
        return sorted(s, key=order_key)
    raise EvalError(f"Attempted to enumerate the non-set value:\n{to_tla_any(s)}")


def any_order(s: Value):
    """The elements of a finite set in no particular order: for results that are sets
    themselves, where TLC's order (a sort, for a fresh set) would be wasted."""
    if isinstance(s, frozenset):
        return s
    if isinstance(s, LazySet):
        m = getattr(s, "_mat", None)
        if m is not None:
            return m
        if type(s) is Filtered:
            return s.materialize()
        return s.elements()
    raise EvalError(f"Attempted to enumerate the non-set value:\n{to_tla_any(s)}")


def overflow(s: Value) -> EvalError:
    return EvalError(f"Overflow when computing the number of elements in:\n{to_tla_any(s)}")


def bounded(items) -> list:
    """The items as a list, refused as soon as there are more than a set may hold."""
    out: list = []
    append = out.append
    for n, x in enumerate(items):
        if not n & 0xFFFF:
            check_built(n)
        append(x)
    check_built(len(out))
    return out


def each(s: Value):
    """The elements of a finite set in TLC's order, one at a time: a lazy set (SUBSET S,
    [S -> T], a product) is enumerated without being built, as TLC enumerates it."""
    if type(s) is FSet:
        return s.ordered()
    if isinstance(s, LazySet):
        if type(s) is Interval:
            return range(s.lo, s.hi + 1)
        m = getattr(s, "_mat", None)
        if m is not None:
            return m.ordered()
        return s.elements()
    return ordered(s)


def element_at(s: Value, i: int) -> Value:
    """The element number ``i`` of a finite set (0 <= i < its size) in some fixed order,
    computed without building the set where its kind allows (intervals, [S -> T],
    products, records, SUBSET S): for drawing elements at random."""
    if type(s) is Interval:
        return s.lo + i
    if type(s) in (FunctionSet, Product, RecordSet):
        if type(s) is FunctionSet:
            dom = list(ordered(s.dom))
            axes = [ordered(s.rng)] * len(dom)
        else:
            axes = [ordered(x) for x in s.sets]
        picks = []
        for axis in reversed(axes):  # the last varies fastest
            i, r = divmod(i, len(axis))
            picks.append(axis[r])
        picks.reverse()
        if type(s) is Product:
            return Tup(picks)
        if type(s) is RecordSet:
            return Fn(dict(zip(s.names, picks, strict=True)))
        if dom and dom == list(range(1, len(dom) + 1)):
            return Tup(picks)
        return make_fn(dict(zip(dom, picks, strict=True)))
    if type(s) is Powerset:
        base = ordered(s.base)
        return FSet(x for j, x in enumerate(base) if i >> j & 1)
    return ordered(s)[i]


def set_size(s: Value) -> int:
    if type(s) is FSet or isinstance(s, frozenset):
        return len(s)
    if isinstance(s, LazySet):
        return s.size()
    raise EvalError(f"Attempted to compute the cardinality of the non-set value:\n"
                    f"{to_tla_any(s)}")


def as_fset(s: Value) -> FSet:
    if type(s) is FSet:
        return s
    if isinstance(s, LazySet):
        return s.materialize()
    if isinstance(s, frozenset):
        return FSet(s)
    raise EvalError(f"Attempted to use the non-set value {to_tla_any(s)} as a set.")


def canonical(v: Value) -> Value:
    """A value fit for a state: lazy sets and functions expanded (one level suffices for
    hashing, since lazy values hash as their expansions)."""
    t = type(v)
    if t is int or t is str or t is bool or t is Tup or t is Fn or t is FSet or \
            t is ModelValue:
        return v
    m = getattr(v, "materialize", None)
    if m is not None:
        return m()
    return v


def forced(v: Value) -> Value:
    """The value with every set or function kept as a rule computed (a set filter inside a
    tuple...): what TLC evaluates before it prints a value, so that an error in a rule
    surfaces instead of being printed around."""
    t = type(v)
    if t is int or t is str or t is bool or t is ModelValue:
        return v
    if isinstance(v, (LazySet, LazyFn)):
        v = v.materialize()
        t = type(v)
    if t is Tup:
        return Tup(forced(x) for x in v)
    if t is FSet:
        return FSet(forced(x) for x in v)
    if t is Fn:
        return Fn({forced(k): forced(x) for k, x in v.map.items()})
    return v


def to_tla_any(v: Value) -> str:
    t = getattr(v, "to_tla", None)
    if t is not None and not isinstance(v, (frozenset, tuple)):
        return t()
    try:
        return to_tla(v)
    except Exception:  # noqa: BLE001 - a message about a value must never fail
        return repr(v)


def value_kind(v: Value) -> str:
    if isinstance(v, LazySet):
        return "set"
    if isinstance(v, LazyFn):
        return "function"
    return kind(v)
