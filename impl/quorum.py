"""Quorums: the one place that decides whether a set of servers is enough.

Raft elections and commitment, and Paxos phases 1 and 2, all ask this question and all call
this module. ``conformance/smt`` proves that the quorums it accepts intersect by calling these
very functions with Z3 symbolic acknowledgement flags, so everything here keeps to the
connectives of :mod:`impl.logic` (no ``and``/``or``/``if`` on the flags).

Every predicate takes ``acked``, a function from a member to whether it acknowledged (voted,
promised, accepted, replicated); on plain Python values it returns ``bool``:

>>> is_quorum(["a", "b", "c"], lambda m: m in {"a", "c"})
True

Members are any hashable names; weights are non-negative ``int``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from impl.logic import And, If, Or, count

Acked = Callable[[Any], Any]


def is_quorum(members: Collection[Any], acked: Acked) -> Any:
    """Whether the members of a configuration for which ``acked(member)`` holds are a strict
    majority of it. ``acked`` may return Z3 booleans; the result is then a Z3 formula."""
    return 2 * count(acked(m) for m in members) > len(members)


def majority_size(n: int) -> int:
    """The smallest number of servers that is a strict majority of ``n``."""
    return n // 2 + 1


def is_joint_quorum(old: Collection[Any], new: Collection[Any], acked: Acked) -> Any:
    """Raft joint consensus (C_old,new): a majority of the old configuration and, separately,
    a majority of the new one. Used for elections and commitment while both are in force."""
    return And(is_quorum(old, acked), is_quorum(new, acked))


def weight(weights: Mapping[Any, int], acked: Acked) -> Any:
    """The total weight of the members that acknowledged: an ``int`` or a Z3 integer term."""
    return sum(If(acked(m), w, 0) for m, w in weights.items())


def is_weighted_quorum(weights: Mapping[Any, int], acked: Acked,
                       at_least: int | None = None) -> Any:
    """Whether the members that acknowledged carry at least ``at_least`` votes, or, when
    ``at_least`` is None, strictly more than half of all the votes."""
    if at_least is None:
        return 2 * weight(weights, acked) > sum(weights.values())
    return weight(weights, acked) >= at_least


def covers_one_of(quorums: Iterable[Collection[Any]], acked: Acked) -> Any:
    """Whether every member of at least one of the listed quorums acknowledged (a quorum
    system given by its minimal quorums, such as the rows or columns of a grid)."""
    return Or(*(And(*(acked(m) for m in q)) for q in quorums))


@dataclass(frozen=True)
class Threshold:
    """The members whose total weight reaches ``at_least`` form a quorum. Unit weights make
    it "any ``at_least`` members"; see :meth:`majority`."""

    weights: tuple[tuple[Any, int], ...]
    at_least: int

    @classmethod
    def majority(cls, weights: Mapping[Any, int]) -> Threshold:
        """Strictly more than half of the total weight."""
        return cls(tuple(weights.items()), sum(weights.values()) // 2 + 1)

    def __call__(self, acked: Acked) -> Any:
        return is_weighted_quorum(dict(self.weights), acked, self.at_least)

    def describe(self) -> str:
        total = sum(w for _, w in self.weights)
        unit = all(w == 1 for _, w in self.weights)
        return (f"any {self.at_least} of {total}" if unit
                else f"weight >= {self.at_least} of {total}")


@dataclass(frozen=True)
class AnyOf:
    """A quorum is any superset of one of the listed ``quorums``."""

    quorums: tuple[frozenset, ...]

    def __call__(self, acked: Acked) -> Any:
        return covers_one_of(self.quorums, acked)

    def describe(self) -> str:
        shown = ["{" + ",".join(sorted(map(str, q))) + "}" for q in self.quorums]
        if len(shown) > 2:
            return f"{shown[0]} | ... ({len(shown)} listed quorums)"
        return " | ".join(shown)


QuorumRule = Threshold | AnyOf


@dataclass(frozen=True)
class QuorumSystem:
    """Which sets of acceptors may complete Paxos phase 1 (promises) and phase 2 (accepts).

    Safety needs only that every phase-1 quorum meets every phase-2 quorum (Flexible Paxos,
    Howard et al. 2016); classic Paxos uses majorities for both. A Paxos node asks
    ``system.phase1(lambda a: a in promised)`` and ``system.phase2(lambda a: a in accepted)``.
    ``conformance.smt`` proves or refutes intersection for a system by calling the same two
    methods on symbolic flags, so a system loaded from a file is proved as it will be run.
    """

    acceptors: tuple[Any, ...]
    phase1_rule: QuorumRule
    phase2_rule: QuorumRule

    @classmethod
    def majority(cls, acceptors: Iterable[Any]) -> QuorumSystem:
        """Classic Paxos: a strict majority in both phases."""
        members = tuple(acceptors)
        rule = Threshold.majority({a: 1 for a in members})
        return cls(members, rule, rule)

    def phase1(self, acked: Acked) -> Any:
        """Whether the acceptors for which ``acked`` holds may complete phase 1."""
        return self.phase1_rule(acked)

    def phase2(self, acked: Acked) -> Any:
        """Whether the acceptors for which ``acked`` holds may complete phase 2."""
        return self.phase2_rule(acked)
