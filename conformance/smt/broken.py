"""Deliberately wrong versions of the implementation's predicates, each a mistake someone
could make. They live here, never in ``impl/``: the proofs run on them to show that each proof
can fail, and the counterexamples they produce are what the mistakes would cost.

Each has the signature of the predicate it replaces.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from impl.logic import And, If, Not, Or, count
from impl.paxos.rules import NO_BALLOT
from impl.quorum import Acked, is_quorum


def tie_quorum(members: Collection[Any], acked: Acked) -> Any:
    """Half the votes is enough (``>=`` for ``>``): two halves of an even-sized cluster."""
    return 2 * count(acked(m) for m in members) >= len(members)


def union_majority_joint_quorum(old: Collection[Any], new: Collection[Any],
                                acked: Acked) -> Any:
    """Joint consensus done as one majority of all the servers of both configurations."""
    return is_quorum(list(old) + [m for m in new if m not in old], acked)


def up_to_date_by_length(cand_last_term: Any, cand_last_index: Any,
                         last_term: Any, last_index: Any) -> Any:
    """The longer log wins, whatever its terms."""
    return cand_last_index >= last_index


def up_to_date_by_term(cand_last_term: Any, cand_last_index: Any,
                       last_term: Any, last_index: Any) -> Any:
    """The last terms alone decide; a shorter log of the same last term still wins."""
    return cand_last_term >= last_term


def up_to_date_strict(cand_last_term: Any, cand_last_index: Any,
                      last_term: Any, last_index: Any) -> Any:
    """Strictly longer on equal terms: a voter refuses a candidate whose log equals its own."""
    return Or(cand_last_term > last_term,
              And(cand_last_term == last_term, cand_last_index > last_index))


def up_to_date_without_term_equality(cand_last_term: Any, cand_last_index: Any,
                                     last_term: Any, last_index: Any) -> Any:
    """A higher last term, or a log at least as long, forgetting that length counts only
    when the last terms are equal. Not transitive."""
    return Or(cand_last_term > last_term, cand_last_index >= last_index)


def ignore_promises(promises: Iterable[tuple[Any, Any]], own_value: Any) -> Any:
    """The proposer sends its own value whatever the promises report."""
    return own_value


def lowest_ballot_value(promises: Iterable[tuple[Any, Any]], own_value: Any) -> Any:
    """The value of the lowest-ballot accepted proposal instead of the highest."""
    found: Any = False
    best_ballot: Any = NO_BALLOT
    best_value = own_value
    for ballot, value in promises:
        lower = And(ballot != NO_BALLOT, Or(Not(found), ballot < best_ballot))
        best_ballot = If(lower, ballot, best_ballot)
        best_value = If(lower, value, best_value)
        found = Or(found, ballot != NO_BALLOT)
    return best_value

