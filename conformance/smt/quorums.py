"""Quorum intersection, proved about the predicates of :mod:`impl.quorum` themselves.

Every proof here hands the implementation's predicate two sets of symbolic acknowledgement
flags, asks it whether each set is a quorum, and asks Z3 for a way both can be quorums with no
member in common. None means the quorums always intersect; one is printed as two disjoint
quorums.

Configurations are the canonical ``s1 .. sn``. That loses nothing: the predicates look at a
configuration only through its members and their flags, never at a member's name, so any
configuration (or pair of configurations) is a renaming of a canonical one with the same sizes
and overlap. Removing a server from C gives the same pair of configurations as adding it to
C minus that server, so "C and C+1" covers both directions of a change.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import z3

from conformance.smt.proof import (
    Counterexample,
    Finding,
    all_of,
    decide,
    set_text,
    size_of,
    true_in,
)
from impl import quorum as impl_quorum
from impl.quorum import Acked, QuorumSystem

QuorumPredicate = Callable[[Collection[Any], Acked], Any]
"""The shape of :func:`impl.quorum.is_quorum`: (members, acked) -> bool or Z3 formula."""

JointPredicate = Callable[[Collection[Any], Collection[Any], Acked], Any]
"""The shape of :func:`impl.quorum.is_joint_quorum`: (old, new, acked)."""


def servers(n: int, first: int = 1) -> list[str]:
    return [f"s{i}" for i in range(first, first + n)]


@dataclass(frozen=True)
class Side:
    """One of the two quorums: what to call it, whose members it is drawn from, and the
    predicate (as a function of ``acked``) that says whether it is a quorum."""

    label: str
    members: Sequence[Any]
    is_quorum: Callable[[Acked], Any]


def quorums_meet(first: Side, second: Side) -> Finding:
    """Whether every quorum of ``first`` shares a member with every quorum of ``second``."""
    a = {m: z3.Bool(f"a_{m}") for m in first.members}
    b = {m: z3.Bool(f"b_{m}") for m in second.members}
    shared = [m for m in first.members if m in b]
    meet = z3.Or(*[z3.And(a[m], b[m]) for m in shared]) if shared else z3.BoolVal(False)

    def explain(model: z3.ModelRef) -> Counterexample:
        qa = [m for m in first.members if true_in(model, a[m])]
        qb = [m for m in second.members if true_in(model, b[m])]
        return Counterexample(
            summary=f"{first.label} quorum {set_text(qa)} and {second.label} quorum "
                    f"{set_text(qb)} share no member",
            lines=(f"{first.label} = {set_text(first.members)}: quorum {set_text(qa)}",
                   f"{second.label} = {set_text(second.members)}: quorum {set_text(qb)}"),
            data={"quorums": [
                {"label": first.label, "members": [str(m) for m in first.members],
                 "quorum": [str(m) for m in qa]},
                {"label": second.label, "members": [str(m) for m in second.members],
                 "quorum": [str(m) for m in qb]},
            ]},
        )

    return decide([first.is_quorum(a.get), second.is_quorum(b.get)], meet, explain,
                  measure=size_of(*a.values(), *b.values()), logic="QF_FD")


def _majority(label: str, members: Sequence[Any], quorum: QuorumPredicate) -> Side:
    return Side(label, members, lambda acked: quorum(members, acked))


def spec_is_quorum(acked: Sequence[Any], config_size: int) -> Any:
    """The definition in ``specs/Raft.tla``, over the flags of a configuration's members:

        IsQuorum(acked, config) == 2 * Cardinality(acked \\cap config) > Cardinality(config)
    """
    return 2 * z3.Sum(*[z3.If(f, 1, 0) for f in acked]) > config_size


def equals_spec(n_max: int, quorum: QuorumPredicate | None = None) -> Finding:
    """The predicate and the spec's ``IsQuorum`` accept the same sets, for every
    configuration size 1..n_max."""
    quorum = quorum or impl_quorum.is_quorum

    def each() -> Iterator[Finding]:
        for n in range(1, n_max + 1):
            c = servers(n)
            a = {m: z3.Bool(f"a_{m}") for m in c}
            impl, spec = quorum(c, a.get), spec_is_quorum(list(a.values()), n)

            def explain(model: z3.ModelRef, c: list[str] = c, a: dict = a,
                        impl: Any = impl) -> Counterexample:
                acked = [m for m in c if true_in(model, a[m])]
                says = true_in(model, impl)
                return Counterexample(
                    summary=f"{set_text(acked)} of {set_text(c)}: the implementation "
                            f"{'accepts' if says else 'rejects'} it as a quorum, the spec "
                            f"{'rejects' if says else 'accepts'} it",
                    data={"members": c, "acked": acked, "implementation": says,
                          "spec": not says})
            yield decide([], impl == spec, explain, measure=size_of(*a.values()),
                         logic="QF_FD")
    return all_of(each())


def majorities_intersect(n_max: int, quorum: QuorumPredicate | None = None) -> Finding:
    """Any two quorums of one configuration intersect, for every size 1..n_max."""
    quorum = quorum or impl_quorum.is_quorum

    def each() -> Iterator[Finding]:
        for n in range(1, n_max + 1):
            c = servers(n)
            yield quorums_meet(_majority("C", c, quorum), _majority("C", c, quorum))
    return all_of(each())


def configuration_change(n_max: int, delta: int,
                         quorum: QuorumPredicate | None = None) -> Finding:
    """A quorum of C and a quorum of C with ``delta`` servers added meet, for every pair of
    sizes within 1..n_max. ``delta = 1`` is Raft's single-server change; ``delta = 2`` is
    the unsafe jump from one configuration to another two servers apart."""
    quorum = quorum or impl_quorum.is_quorum

    def each() -> Iterator[Finding]:
        for p in range(1, n_max - delta + 1):
            old, new = servers(p), servers(p + delta)
            yield quorums_meet(_majority("C", old, quorum),
                               _majority(f"C+{delta}", new, quorum))
    return all_of(each())


def canonical_pairs(n_max: int) -> Iterator[tuple[list[str], list[str]]]:
    """Every pair (old, new) of configurations over at most ``n_max`` servers, up to
    renaming: ``shared`` servers in both, then the old-only and new-only ones."""
    for old_size in range(1, n_max + 1):
        for new_size in range(1, n_max + 1):
            for shared in range(max(0, old_size + new_size - n_max),
                                min(old_size, new_size) + 1):
                only_old = old_size - shared
                old = servers(old_size)
                new = servers(shared, first=only_old + 1) + servers(new_size - shared,
                                                                     first=old_size + 1)
                if old != new:
                    yield old, new


def joint_consensus(n_max: int, quorum: QuorumPredicate | None = None,
                    joint: JointPredicate | None = None) -> Finding:
    """During joint consensus every quorum of C_old,new meets every quorum of C_old and
    every quorum of C_new, for every pair of configurations over at most ``n_max`` servers;
    so neither the leader of the old configuration alone nor that of the new one can decide
    against the joint configuration."""
    quorum = quorum or impl_quorum.is_quorum
    joint = joint or impl_quorum.is_joint_quorum

    def each() -> Iterator[Finding]:
        for old, new in canonical_pairs(n_max):
            both = old + [m for m in new if m not in old]
            joint_side = Side("C_old,new", both, partial(joint, old, new))
            yield quorums_meet(joint_side, _majority("C_old", old, quorum))
            yield quorums_meet(joint_side, _majority("C_new", new, quorum))
    return all_of(each())


def phases_meet(system: QuorumSystem) -> Finding:
    """Every phase-1 quorum of a Paxos quorum system meets every phase-2 quorum."""
    return quorums_meet(Side("phase-1", system.acceptors, system.phase1),
                        Side("phase-2", system.acceptors, system.phase2))
