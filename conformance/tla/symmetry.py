"""Fingerprints under SYMMETRY: a state's key is the least typed hash over its orbit.

TLC reduces a model by symmetry by fingerprinting each state as a canonical member of its
orbit (the states that a permutation of model values makes of it). Any choice works that
gives every state of an orbit the same key: this module takes the least of the typed hashes
(values.typed_hash) of the state's images, the state itself included. Those hashes are
computed without building the images: the typed hash of a value's image under a
permutation depends only on the typed hashes of its parts' images, so each value is
hashed once per permutation, bottom up, and the result is remembered by the value's own
typed hash. Successive states share most of their values (a message set grows by one
message, one node's record changes), so a new state costs the permutations of its new
parts only: no image is built, and neither is Python's equality of images ever asked.

Remembering by typed hash takes two values with equal 64-bit typed hashes for one value,
the same assumption the search makes of whole states (see explore.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance.tla.lazy import LazyFn, LazySet
from conformance.values import _MINUS_ONE, Fn, ModelValue, typed_hash

Value = Any


class OrbitHashes:
    """The typed hashes of values' images under a fixed list of permutations, remembered
    by each value's typed hash: None for a value that no permutation changes (it holds no
    model value any permutation moves), else the list of its images' typed hashes, one
    per permutation."""

    __slots__ = ("n", "moved", "cache", "limit")

    def __init__(self, perms: list[dict], limit: int = 1_000_000) -> None:
        self.n = len(perms)
        # each moved model value, with its image under every permutation
        self.moved: dict = {mv: [p.get(mv, mv) for p in perms]
                            for p in perms for mv in p}
        self.cache: dict[int, list | None] = {}
        self.limit = limit

    def part(self, v: Value) -> Any:
        """What ``v`` contributes to the typed hash of a value holding it (see
        values.typed_hash): the same for every permutation (a scalar), or a list with one
        item per permutation."""
        t = type(v)
        if t is int:
            return _MINUS_ONE if v == -1 else v
        if t is str:
            return v
        if t is ModelValue:
            return self.moved.get(v, v)
        if t is bool:
            return typed_hash(v)
        th = typed_hash(v)
        cache = self.cache
        try:
            r = cache[th]
        except KeyError:
            r = self._images(v)
            if len(cache) >= self.limit:
                cache.clear()
            cache[th] = r
        return th if r is None else r

    def _images(self, v: Value) -> list | None:
        t = type(v)
        part = self.part
        if t is Fn:
            pairs = [(part(k), part(x)) for k, x in v.map.items()]
            fixed = [p for p in pairs if type(p[0]) is not list and type(p[1]) is not list]
            if len(fixed) == len(pairs):
                return None
            moving = [p for p in pairs if type(p[0]) is list or type(p[1]) is list]
            return [hash(frozenset(fixed + [(a[j] if type(a) is list else a,
                                             b[j] if type(b) is list else b)
                                            for a, b in moving]))
                    for j in range(self.n)]
        if isinstance(v, frozenset):  # FSet
            elems = [part(x) for x in v]
            same = [x for x in elems if type(x) is not list]
            if len(same) == len(elems):
                return None
            varying = [x for x in elems if type(x) is list]
            return [hash(frozenset(same + [x[j] for x in varying])) for j in range(self.n)]
        if isinstance(v, tuple):  # Tup
            items = [part(x) for x in v]
            if not any(type(x) is list for x in items):
                return None
            return [hash(tuple([x[j] if type(x) is list else x for x in items]))
                    for j in range(self.n)]
        if isinstance(v, (LazySet, LazyFn)):
            return self._images(v.materialize())
        return None  # no other value holds model values


def symmetric_fingerprint(perms: list[dict]) -> Callable[[tuple], int]:
    """The fingerprint of a state under the permutations ``perms`` (identity left out):
    the least typed hash of its images, itself included."""
    orbit = OrbitHashes(perms)
    part = orbit.part
    n = orbit.n
    # the same state is often generated again (about half of the successors of
    # MultiPaxos_MC_small): its key is then one lookup
    memo: dict[int, int] = {}

    def fingerprint(s: tuple) -> int:
        sk = typed_hash(s)
        fp = memo.get(sk)
        if fp is not None:
            return fp
        fp = sk
        parts = [part(x) for x in s]
        if any(type(x) is list for x in parts):
            for j in range(n):
                h = hash(tuple([x[j] if type(x) is list else x for x in parts]))
                if h < fp:
                    fp = h
        memo[sk] = fp
        return fp
    return fingerprint
