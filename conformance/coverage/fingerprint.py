"""Fingerprints of spec states that are the same in every process.

The model checker keys states by :func:`conformance.values.typed_hash`, which rests on
Python's hashes: a string's changes from one interpreter to the next (hash randomization)
and a model value's is its address. Coverage compares states across processes (a campaign's
slices run in workers) and across runs (a model's graph is cached on disk), so it keys them
by :class:`Fingerprinter` instead: strings and model values by a digest of their text,
integers and booleans by fixed values, and containers by Python's hash of their elements'
fingerprints, which for integers is the same everywhere (a 64-bit value; for n states two
collide with probability about n²/2⁶⁴, as TLC's fingerprints do).

A state shares most of its values with the state before it, so fingerprints of containers
are remembered by identity (the object is kept, so its identity is not reused): a state costs
about one lookup per variable that did not change.
"""

from __future__ import annotations

import hashlib
from typing import Any

from conformance.tla.lazy import LazyFn, LazySet
from conformance.values import Fn, FSet, ModelValue, Tup

_TRUE, _FALSE = 0x5EED_7A1E_0001, 0x5EED_7A1E_0000
_SET, _SEQ, _FN, _TUPLE = 1, 2, 3, 4


def _digest(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"),
                                          digest_size=8).digest(), "big", signed=True)


class Fingerprinter:
    """``fp(value)``: a 64-bit fingerprint of a TLA+ value (a state: a tuple of values)."""

    __slots__ = ("memo", "texts", "limit")

    def __init__(self, limit: int = 500_000) -> None:
        self.memo: dict[int, tuple[Any, int]] = {}  # id -> (the value, its fingerprint)
        self.texts: dict[Any, int] = {}  # strings and model values
        self.limit = limit

    def __call__(self, v: Any) -> int:
        t = type(v)
        if t is int:
            return hash(v)
        if t is bool:
            return _TRUE if v else _FALSE
        if t is str or t is ModelValue:
            h = self.texts.get(v)
            if h is None:
                h = self.texts[v] = _digest(v if t is str else "\0model value " + v.name)
            return h
        hit = self.memo.get(id(v))
        if hit is not None and hit[0] is v:
            return hit[1]
        if t is FSet or t is frozenset:
            h = hash((_SET, frozenset([self(x) for x in v])))
        elif t is Tup:
            h = hash((_SEQ, tuple([self(x) for x in v])))
        elif t is Fn:
            h = hash((_FN, frozenset([(self(k), self(x)) for k, x in v.map.items()])))
        elif t is tuple:  # a state
            h = hash((_TUPLE, tuple([self(x) for x in v])))
        elif isinstance(v, (LazySet, LazyFn)):
            h = self(v.materialize())
        else:
            raise TypeError(f"no fingerprint for a {t.__name__}")
        if len(self.memo) >= self.limit:
            self.memo.clear()
        self.memo[id(v)] = (v, h)
        return h
