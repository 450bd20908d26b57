"""The election restriction, as the node core calls it and as ``conformance/smt`` proves it.

Kept apart and written with :mod:`impl.logic` so that the proof in ``conformance/smt`` runs
on this very function with Z3 integers.
"""

from __future__ import annotations

from typing import Any

from impl.logic import And, Or


def log_up_to_date(cand_last_term: Any, cand_last_index: Any,
                   last_term: Any, last_index: Any) -> Any:
    """Raft section 5.4.1: a candidate's log is at least as up-to-date as the voter's when its
    last term is greater, or the last terms are equal and its log is at least as long."""
    return Or(cand_last_term > last_term,
              And(cand_last_term == last_term, cand_last_index >= last_index))
