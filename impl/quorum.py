"""Quorums: the one place that decides whether a set of servers is enough.

Raft elections and commitment, and Paxos phases 1 and 2, all ask this question and all call
:func:`is_quorum`. ``conformance/smt`` proves that any two quorums it accepts intersect by
calling it with Z3 symbolic acknowledgement flags, so it keeps to the connectives of
:mod:`impl.logic`.
"""

from __future__ import annotations

from typing import Any, Callable, Collection

from impl.logic import count


def is_quorum(members: Collection[Any], acked: Callable[[Any], Any]) -> Any:
    """Whether the members of a configuration for which ``acked(member)`` holds are a strict
    majority of it. ``acked`` may return Z3 booleans; the result is then a Z3 formula."""
    return 2 * count(acked(m) for m in members) > len(members)


def majority_size(n: int) -> int:
    """The smallest number of servers that is a strict majority of ``n``."""
    return n // 2 + 1
