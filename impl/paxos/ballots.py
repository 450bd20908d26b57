"""Proposal numbers that no two proposers share.

Paxos is safe only if a ballot belongs to one proposer: two proposers that both completed
phase 1 in one ballot could each send a different value in phase 2 (``specs/Paxos.tla``,
``BallotFree``). The usual scheme is used: proposer ``index`` of ``count`` owns the ballots
``b`` with ``b % count == index``, so its rounds are ``index, index + count, ...``; it picks
the smallest one above everything it has seen, and persists it before sending a prepare, so a
restart never reuses one either.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def proposer_index(node_id: Any, proposers: Iterable[Any]) -> int:
    """A proposer's rank among all proposers, by name: every node computes the same."""
    return sorted(proposers).index(node_id)


def next_ballot(above: int, index: int, count: int, reuse: bool = False) -> int:
    """The smallest ballot greater than ``above`` that proposer ``index`` of ``count`` owns.

    ``reuse`` is the planted bug "reused proposal numbers across proposers": it takes
    ``above + 1`` whoever owns it.
    """
    b = above + 1
    if reuse:
        return b
    return b + (index - b) % count


def owner(ballot: int, proposers: Iterable[Any]) -> Any:
    """The proposer that owns ``ballot`` under the scheme above."""
    ids = sorted(proposers)
    return ids[ballot % len(ids)]
