"""The Paxos value-selection rule, as a proposer calls it and as ``conformance/smt`` proves it.

Phase 2 of ballot ``b`` may propose only a value that is safe at ``b``: the value of the
highest-ballot proposal accepted by any acceptor of the phase-1 quorum that promised ``b``, or,
when none of them accepted anything, the proposer's own value (Lamport, "Paxos Made Simple",
P2c). Written with :mod:`impl.logic` so that the proof that a chosen value stays chosen runs
on this very function with Z3 integers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from impl.logic import If

NO_BALLOT = -1
"""The accepted ballot an acceptor reports when it has accepted nothing. Ballots are
non-negative integers, unique per proposer (for instance ``round * n_proposers + index``)."""


def value_to_propose(promises: Iterable[tuple[Any, Any]], own_value: Any) -> Any:
    """The value a proposer must send in phase 2, given the promises of a phase-1 quorum.

    ``promises`` holds one ``(accepted_ballot, accepted_value)`` pair per acceptor that
    promised: the highest-ballot proposal it has accepted, or ``(NO_BALLOT, anything)``. The
    result is the value of the pair with the highest ballot (the first such pair on a tie,
    which Paxos never produces with different values), else ``own_value``. Ballots may be Z3
    integers and values Z3 terms; the result is then a Z3 term.
    """
    best_ballot: Any = NO_BALLOT
    best_value = own_value
    for ballot, value in promises:
        higher = ballot > best_ballot
        best_ballot = If(higher, ballot, best_ballot)
        best_value = If(higher, value, best_value)
    return best_value
