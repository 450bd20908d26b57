"""TLA+ values as Python objects: immutable, hashable, and ordered as TLC orders them.

Every part of the checker speaks in these values: both model-checking engines, the trace
format, the abstraction functions of the implementations and the validator. The choices
below are made for the engine's speed first, because it builds millions of them.

Representation
--------------
* integers, strings and booleans are Python's own ``int``, ``str`` and ``bool``;
* a model value is a :class:`ModelValue`, interned by name, so ``is`` is equality;
* a finite set is an :class:`FSet` (a ``frozenset``);
* a function whose domain is ``1..n`` (a tuple or sequence, the empty function included)
  is a :class:`Tup` (a ``tuple``); every other function, records included, is an
  :class:`Fn`. :func:`make_fn` picks the right one, so a value has exactly one
  representation and Python's ``==`` and ``hash`` are TLA+ equality.

A record is a function whose domain is a set of strings; there is no separate class, as in
TLA+ itself, where ``[a |-> 1] = [x \\in {"a"} |-> 1]``.

Ordering
--------
TLC sorts the elements of a set before it enumerates them, and ``CHOOSE`` returns the first
element in that order that satisfies the predicate, so the order is part of the semantics.
TLC orders integers by value, booleans FALSE before TRUE, tuples by length and then element by
element, sets by size and then element by element in their own order, functions and records
by size, then domain, then values; and it orders strings (record field names included) and
model values not alphabetically but by the order in which TLC first *interned* the name,
which is the order in which its parser met them. :func:`intern_names` lets the engine
replay that order; names it never registered sort after registered ones, alphabetically.

That order belongs to a model: :func:`reset_names` starts a fresh table when a model is
loaded, the model keeps it, and :func:`use_names` makes a model's table the one in force
before the model is evaluated again. A process that holds several models (a campaign per
protocol, one after another in a worker) thus evaluates each under its own TLC order,
never under the order of whichever model happened to be loaded last.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

__all__ = [
    "Value",
    "ModelValue",
    "FSet",
    "Tup",
    "Fn",
    "ValueError_",
    "make_fn",
    "fn_of",
    "record",
    "fset",
    "intern_names",
    "reset_names",
    "use_names",
    "string_rank",
    "order_key",
    "compare",
    "sort_key",
    "sorted_values",
    "domain",
    "apply",
    "is_record",
    "to_tla",
    "kind",
    "typed_hash",
    "typed_key",
]

Value = Any  # int | bool | str | ModelValue | FSet | Tup | Fn | lazy sets of the engine


class ValueError_(Exception):
    """A TLA+ value was used in a way TLC rejects (comparing a string with an integer...)."""


# --------------------------------------------------------------------------- name order

_RANK: dict[str, int] = {}  # the table in force (a module global: read on every compare)


def intern_names(names: Iterable[str]) -> None:
    """Register names in the order TLC's parser would intern them; known names keep rank."""
    rank = _RANK
    for name in names:
        if name not in rank:
            rank[name] = len(rank)


def reset_names() -> dict[str, int]:
    """Start a new, empty table of names (TLC's initial order) and put it in force; returns
    it, for the model being loaded to keep (tables handed out before are left as they are)."""
    global _RANK
    _RANK = {}
    return _RANK


def use_names(table: dict[str, int]) -> None:
    """Put a model's table of names (from :func:`reset_names`) in force."""
    global _RANK
    _RANK = table


def string_rank(name: str) -> tuple[int, str]:
    """Sort key of a string or model-value name, following TLC's interning order."""
    rank = _RANK.get(name)
    if rank is None:
        return (1 << 62, name)
    return (rank, "")


# --------------------------------------------------------------------------- model values


class ModelValue:
    """A model value of TLC: a constant equal only to itself.

    Names of the form ``T_name`` (a single letter, an underscore, a name) are typed model
    values in TLC: comparing them with a value of another type is an error, while an
    untyped model value is simply different from every non-model value.
    """

    __slots__ = ("name", "typ", "__weakref__")
    name: str
    typ: str | None  # the type letter of a typed model value
    _table: dict[str, ModelValue] = {}

    def __new__(cls, name: str) -> ModelValue:
        found = cls._table.get(name)
        if found is not None:
            return found
        obj = super().__new__(cls)
        obj.name = name
        obj.typ = name[0] if len(name) > 2 and name[1] == "_" and name[0].isalpha() else None
        cls._table[name] = obj
        return obj

    def __reduce__(self):  # copies and pickles stay interned
        return (ModelValue, (self.name,))

    def __repr__(self) -> str:
        return f"ModelValue({self.name!r})"

    def __str__(self) -> str:
        return self.name

    # Equality is identity (model values are interned), so ``==`` and ``hash`` are object's
    # own, which run at C speed: the model checker compares model values constantly.


# --------------------------------------------------------------------------- sets


class FSet(frozenset):
    """A finite TLA+ set. Iteration order is Python's; use :meth:`ordered` for TLC's."""

    __slots__ = ("_ordered", "_key", "_thash")
    _ordered: tuple
    _key: Any
    _thash: int | None

    def __init__(self, items: Iterable = ()) -> None:
        # the typed hash's slot starts empty (None), not unset: reading an unset slot
        # raises, and the exception costs more than hashing a small set (2.1 sets are
        # made, and 0.8 hashed afresh, per state generated on MultiPaxos_MC_small)
        self._thash = None

    def ordered(self) -> tuple:
        """The elements in TLC's normalized order (cached)."""
        try:
            return self._ordered
        except AttributeError:
            self._ordered = tuple(sorted(self, key=order_key))
            return self._ordered

    def __repr__(self) -> str:
        return to_tla(self)


EMPTY = FSet()


def fset(items: Iterable = ()) -> FSet:
    return FSet(items)


# --------------------------------------------------------------------------- functions


class Tup(tuple):
    """A TLA+ tuple or sequence: a function with domain ``1..n``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return to_tla(self)

    def __hash__(self) -> int:
        # a long sequence (a long run's log: thousands of entries, each a record whose
        # hash is a Python call) is hashed once while it is among the last few hashed; a
        # state that holds it again, or a function of servers that changed another
        # server's log, is hashed without a walk. (A tuple has no room to keep it.)
        if len(self) < _LONG_SEQ:
            return tuple.__hash__(self)
        hit = _seq_hashes.get(id(self))
        if hit is not None and hit[0] is self:
            return hit[1]
        h = tuple.__hash__(self)
        if len(_seq_hashes) >= 64:
            _seq_hashes.clear()
        _seq_hashes[id(self)] = (self, h)  # (kept: its id stays its own)
        return h


_LONG_SEQ = 256
_seq_hashes: dict[int, tuple[Tup, int]] = {}


class Fn:
    """A TLA+ function (or record) whose domain is not of the form ``1..n``.

    Build one with :func:`make_fn` or :func:`record`, never directly, so that a function
    with domain ``1..n`` always becomes a :class:`Tup`.
    """

    __slots__ = ("map", "_hash", "_key", "_thash")
    _hash: int | None
    _key: Any
    _thash: int | None

    def __init__(self, mapping: dict) -> None:
        self.map = mapping
        self._hash = None
        self._key = None
        self._thash = None  # see FSet.__init__

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        return type(other) is Fn and self.map == other.map

    def __hash__(self) -> int:
        h = self._hash
        if h is None:
            h = self._hash = hash(frozenset(self.map.items()))
        return h

    def __len__(self) -> int:
        return len(self.map)

    def __getitem__(self, key):
        return self.map[key]

    def get(self, key, default=None):
        return self.map.get(key, default)

    def __contains__(self, key) -> bool:
        return key in self.map

    def keys(self):
        return self.map.keys()

    def items(self):
        return self.map.items()

    def except_(self, key, value) -> Fn:
        """``[f EXCEPT ![key] = value]``; the key must be in the domain."""
        mapping = dict(self.map)
        mapping[key] = value
        return Fn(mapping)

    def __repr__(self) -> str:
        return to_tla(self)


def _is_interval_from_one(keys: Iterable) -> bool:
    n = 0
    for k in keys:
        if type(k) is not int:
            return False
        n += 1
    # keys are distinct ints; they are 1..n iff min is 1 and max is n
    return n == 0 or (min(keys) == 1 and max(keys) == n)


def make_fn(mapping: Mapping) -> Tup | Fn:
    """The function with the given graph, in its one canonical representation."""
    if not mapping:
        return Tup()
    if _is_interval_from_one(mapping.keys()):
        return Tup(mapping[i] for i in range(1, len(mapping) + 1))
    return Fn(dict(mapping))


def fn_of(graph: dict) -> Tup | Fn:
    """:func:`make_fn` of a dictionary made for this function alone: kept, not copied."""
    if not graph:
        return Tup()
    if _is_interval_from_one(graph.keys()):
        return Tup(graph[i] for i in range(1, len(graph) + 1))
    return Fn(graph)


def record(**fields: Value) -> Fn:
    """A record from keyword arguments: ``record(type="vote", term=1)``."""
    return Fn(fields)


def is_record(v: Value) -> bool:
    """A non-empty function whose domain holds only strings: printed as ``[a |-> 1]``."""
    return type(v) is Fn and all(type(k) is str for k in v.map)


def domain(f: Tup | Fn) -> Value:
    if isinstance(f, Tup):
        return FSet(range(1, len(f) + 1))
    return FSet(f.map)


def apply(f: Tup | Fn, arg: Value) -> Value:
    """``f[arg]``; raises :class:`ValueError_` outside the domain, as TLC does."""
    if type(f) is Tup:
        if type(arg) is int and 1 <= arg <= len(f):
            return f[arg - 1]
    elif type(f) is Fn:
        try:
            return f.map[arg]
        except (KeyError, TypeError):
            pass
    else:
        raise ValueError_(f"Attempted to apply the non-function {to_tla(f)} to {to_tla(arg)}.")
    raise ValueError_(
        f"Attempted to apply function:\n{to_tla(f)}\nto argument {to_tla(arg)}, "
        "which is not in the domain of the function."
    )


# --------------------------------------------------------------------------- typed hashing

# Python has ``0 == False`` and ``1 == True`` with equal hashes, so ``(0,) == (False,)``,
# ``{1} == {TRUE}`` and ``[a |-> 0] == [a |-> FALSE]``: as dictionary keys they are one value.
# TLA+ keeps them apart (TLC's fingerprints hash a type tag with every value). Where values are
# deduplicated (the explorer's seen states, caches keyed by values), the key pairs a value with
# its typed hash, which differs between such values; Python's equality then never has to.
_TRUE_HASH = hash(("TLA+ boolean", True))
_FALSE_HASH = hash(("TLA+ boolean", False))


_PLAIN = frozenset((int, str, ModelValue))  # types whose Python hash is already typed
# ... except that Python hashes -1 as -2 (-1 is its error code): -1 stands for this number
# instead, past TLC's 32-bit integers, or (-1,) and (-2,) would be one fingerprint
_MINUS_ONE = 2**40 + 0x5EED


def typed_hash(v: Value) -> int:
    """A hash of ``v`` in which a boolean never hashes like the integer Python equates it with.

    Cached on sets and functions, as their hashes are, so a state that shares most of its
    values with its parent costs a few lookups; tuples (and the state itself) are combined
    afresh, from their elements' cached hashes. Integers, strings and model values stand for
    themselves inside a container, and a part's cached hash is read in line, without a call
    per element (a fresh message set costs no call per message already sent)."""
    t = type(v)
    if t in _PLAIN:
        return _MINUS_ONE if t is int and v == -1 else hash(v)
    if t is bool:
        return _TRUE_HASH if v else _FALSE_HASH
    if t is Fn:
        try:
            h = v._thash
        except AttributeError:  # a function made without __init__
            h = None
        if h is None:
            P = _PLAIN
            h = v._thash = hash(frozenset([
                (k if (u := type(k)) in P and (u is not int or k != -1)
                 else getattr(k, "_thash", None) or typed_hash(k),
                 x if (u := type(x)) in P and (u is not int or x != -1)
                 else getattr(x, "_thash", None) or typed_hash(x))
                for k, x in v.map.items()]))
        return h
    if t is FSet:
        try:
            h = v._thash
        except AttributeError:
            h = None
        if h is None:
            P = _PLAIN
            h = v._thash = hash(frozenset([
                x if (u := type(x)) in P and (u is not int or x != -1)
                else getattr(x, "_thash", None) or typed_hash(x) for x in v]))
        return h
    if isinstance(v, tuple):  # Tup, and a state: a tuple of the variables' values
        P = _PLAIN
        return hash(tuple([
            x if (u := type(x)) in P and (u is not int or x != -1)
            else getattr(x, "_thash", None) or typed_hash(x) for x in v]))
    if isinstance(v, frozenset):
        return hash(frozenset([
            x if type(x) in _PLAIN and x != -1 else typed_hash(x) for x in v]))
    m = getattr(v, "materialize", None)
    if m is not None:
        return typed_hash(m())
    return hash(v)


def typed_key(v: Value) -> tuple[Value, int]:
    """A dictionary key for ``v`` that TLA+'s equality, not Python's, tells apart."""
    return (v, typed_hash(v))


# --------------------------------------------------------------------------- ordering

_KIND_NAMES = {bool: "boolean", int: "integer", str: "string"}


def kind(v: Value) -> str:
    """A word for the value's type, as TLC's messages use it."""
    t = type(v)
    if t in _KIND_NAMES:
        return _KIND_NAMES[t]
    if t is ModelValue:
        return "model value"
    if t is Tup:
        return "tuple"
    if t is Fn:
        return "record" if is_record(v) else "function"
    if isinstance(v, frozenset):
        return "set"
    return getattr(v, "kind", t.__name__)


def _as_pairs(v: Value) -> list | None:
    """A function's graph as (key, value) pairs in TLC's domain order, or None."""
    t = type(v)
    if t is Tup:
        return [(i + 1, x) for i, x in enumerate(v)]
    if t is Fn:
        return sorted(v.map.items(), key=lambda kv: order_key(kv[0]))
    return None


def compare(a: Value, b: Value) -> int:
    """TLC's ``compareTo``: negative, zero or positive; ValueError_ where TLC fails."""
    ta, tb = type(a), type(b)
    if ta is ModelValue or tb is ModelValue:
        if ta is tb:
            if a is b:
                return 0
            if a.typ is not None and b.typ is not None and a.typ != b.typ:
                raise ValueError_(
                    f"Attempted to compare the differently-typed model values {a} and {b}"
                )
            ra, rb = string_rank(a.name), string_rank(b.name)
            return -1 if ra < rb else (1 if ra > rb else 0)
        mv, other = (a, b) if ta is ModelValue else (b, a)
        if mv.typ is not None:
            raise ValueError_(
                f"Attempted to compare the typed model value {mv} and the non-model value\n"
                f"{to_tla(other)}"
            )
        return -1 if ta is ModelValue else 1
    if ta is int and tb is int:
        return (a > b) - (a < b)
    if ta is bool and tb is bool:
        return int(a) - int(b)
    if ta is str and tb is str:
        if a == b:
            return 0
        ra, rb = string_rank(a), string_rank(b)
        return -1 if ra < rb else 1
    if isinstance(a, frozenset) and isinstance(b, frozenset):
        if len(a) != len(b):
            return len(a) - len(b)
        for x, y in zip(_ordered(a), _ordered(b)):
            c = compare(x, y)
            if c:
                return c
        return 0
    pa, pb = _as_pairs(a), _as_pairs(b)
    if pa is not None and pb is not None:
        if len(pa) != len(pb):
            return len(pa) - len(pb)
        for (ka, _), (kb, _) in zip(pa, pb):
            c = compare(ka, kb)
            if c:
                return c
        for (_, va), (_, vb) in zip(pa, pb):
            c = compare(va, vb)
            if c:
                return c
        return 0
    if hasattr(a, "materialize") or hasattr(b, "materialize"):
        return compare(_materialize(a), _materialize(b))
    raise ValueError_(f"Attempted to compare {kind(a)} {to_tla(a)} with {kind(b)} {to_tla(b)}")


def _materialize(v: Value) -> Value:
    m = getattr(v, "materialize", None)
    return m() if m is not None else v


def _ordered(s: frozenset) -> tuple:
    if type(s) is FSet:
        return s.ordered()
    return tuple(sorted(s, key=order_key))


def order_key(v: Value) -> tuple:
    """A key whose Python ordering is TLC's order (see :func:`compare`), for sorting.

    Comparing keys runs at C speed, where :func:`compare` runs in Python for every pair; the
    engine sorts every set it enumerates, so this matters. Values TLC refuses to compare
    (an integer and a string) get keys ordered by kind instead of an error; use
    :func:`compare` where that error must be raised.
    """
    t = type(v)
    if t is int:
        return (2, v)
    if t is str:
        return (3, string_rank(v))
    if t is bool:
        return (1, v)
    if t is ModelValue:
        return (0, string_rank(v.name))
    if t is Tup:
        n = len(v)
        return (4, n, tuple((2, i) for i in range(1, n + 1)), tuple(map(order_key, v)))
    if t is Fn:
        key = v._key
        if key is None:
            pairs = sorted(((order_key(k), x) for k, x in v.map.items()),
                           key=lambda kx: kx[0])
            key = v._key = (4, len(pairs), tuple(k for k, _ in pairs),
                            tuple(order_key(x) for _, x in pairs))
        return key
    if t is FSet:
        try:
            return v._key
        except AttributeError:
            key = v._key = (5, len(v), tuple(sorted(map(order_key, v))))
            return key
    if isinstance(v, frozenset):
        return (5, len(v), tuple(sorted(map(order_key, v))))
    m = getattr(v, "materialize", None)
    if m is not None:
        return order_key(m())
    raise ValueError_(f"not a TLA+ value: {v!r}")


sort_key = order_key


def sorted_values(items: Iterable[Value]) -> list:
    """Values in TLC's order."""
    return sorted(items, key=sort_key)


# --------------------------------------------------------------------------- printing


def _quote(s: str) -> str:
    out = s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    out = out.replace("\t", "\\t").replace("\r", "\\r").replace("\f", "\\f")
    return f'"{out}"'


def to_tla(v: Value) -> str:
    """The value as TLC prints it (one line): ``{1, 2}``, ``<<1, "a">>``, ``[a |-> 1]``."""
    t = type(v)
    if t is bool:
        return "TRUE" if v else "FALSE"
    if t is int:
        return str(v)
    if t is str:
        return _quote(v)
    if t is ModelValue:
        return v.name
    if t is Tup:
        return "<<" + ", ".join(to_tla(x) for x in v) + ">>"
    if t is Fn:
        pairs = _as_pairs(v) or []
        if is_record(v):
            return "[" + ", ".join(f"{k} |-> {to_tla(x)}" for k, x in pairs) + "]"
        return "(" + " @@ ".join(f"{to_tla(k)} :> {to_tla(x)}" for k, x in pairs) + ")"
    if isinstance(v, frozenset):
        return "{" + ", ".join(to_tla(x) for x in _ordered(v)) + "}"
    if t is tuple:
        return to_tla(Tup(v))
    text = getattr(v, "to_tla", None)
    if text is not None:
        return text()
    raise ValueError_(f"not a TLA+ value: {v!r}")


def iter_ordered(s: frozenset) -> Iterator[Value]:
    """Iterate a finite set in TLC's order."""
    return iter(_ordered(s))


def same_value(a: Value, b: Value) -> bool:
    """Whether ``a`` and ``b``, equal as Python values (``a == b`` already held), are one
    TLA+ value: Python's equality takes 1 for TRUE and 0 for FALSE at any depth, so
    ``[g |-> 1] == [g |-> TRUE]``. The walk compares kinds and skips the parts the two
    share; keys and elements other than strings and model values (matched by Python's
    equality) are left to the typed hashes. Values of other kinds (the engine's lazy ones)
    are taken as Python compares them."""
    if a is b:
        return True
    t = type(a)
    if t is not type(b):
        return t not in _KINDS or type(b) not in _KINDS
    if t is Fn:
        bm = b.map
        for k, x in a.map.items():
            if type(k) is not str and type(k) is not ModelValue:
                return _same_keyed(a, b)
            y = bm[k]
            if x is not y and not same_value(x, y):
                return False
        return True
    if t is Tup:
        for x, y in zip(a, b):
            if x is not y and not same_value(x, y):
                return False
        return True
    if t is FSet:
        for x in a:
            if type(x) is not str and type(x) is not ModelValue:
                return typed_hash(a) == typed_hash(b)
        return True
    return True


def _same_keyed(a: Fn, b: Fn) -> bool:
    """:func:`same_value` of two functions whose keys Python's equality could merge (records
    as keys, Raft's message bag): each key of ``a`` with the key of ``b`` that Python
    matched with it, and their entries. Keys that are one object (a bag and the bag it was
    made from share most of theirs) cost a lookup, where typed hashes of both functions
    would visit every key."""
    ha = getattr(a, "_thash", None)
    if ha is not None:
        hb = getattr(b, "_thash", None)
        if hb is not None:
            return ha == hb
    bm = b.map
    keys = {k: k for k in bm}
    for k, x in a.map.items():
        kb = keys.get(k, _NO_KEY)
        if kb is not k and (kb is _NO_KEY or not same_value(k, kb)):
            return False
        y = bm[kb]
        if x is not y and not same_value(x, y):
            return False
    return True


_NO_KEY = object()


def kind_clash(a: Value, b: Value) -> tuple[Value, Value] | None:
    """Where ``a`` and ``b``, equal as Python values, are not one TLA+ value: the first pair
    of parts, ``a``'s and ``b``'s, that Python matches although one is an integer and the
    other a boolean (TLC stops at such a pair: it compares no integer with a boolean), or
    None. Keys and elements are paired by Python's equality."""
    if a is b:
        return None
    t = type(a)
    if t is not type(b):
        return (a, b) if t in _KINDS and type(b) in _KINDS else None
    if t is Fn:
        bm = b.map
        keys = {k: k for k in bm}
        for k, x in a.map.items():
            found = kind_clash(k, keys[k]) or kind_clash(x, bm[k])
            if found is not None:
                return found
    elif t is Tup:
        for x, y in zip(a, b):
            found = kind_clash(x, y)
            if found is not None:
                return found
    elif t is FSet:
        elements = {y: y for y in b}
        for x in a:
            found = kind_clash(x, elements[x])
            if found is not None:
                return found
    return None


# the kinds whose Python equality same_value refines (a bool and an int are equal in Python)
_KINDS = frozenset((bool, int, str, ModelValue, Fn, Tup, FSet))
