"""Planted bugs: known ways to get Paxos and Multi-Paxos wrong, each a named switch, all off.

The conformance checker turns one on and must catch it. Each is tested at the one place in
the node cores or their storage where the correct rule is applied, so the correct code reads
straight and the wrong variant sits beside it. The first four apply to both protocols, the
next two to Multi-Paxos only, the last to single-decree Paxos only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from impl.bugs import BugSwitches
from impl.paxos.rules import NO_BALLOT


@dataclass(frozen=True)
class Bugs(BugSwitches):
    # An acceptor accepts a proposal whose ballot is below the one it promised.
    accept_below_promise: bool = False
    # An acceptor's promise is not written to stable storage: a restart forgets it.
    forget_promise_on_restart: bool = False
    # A proposer proposes its own value in phase 2, ignoring the accepted values reported
    # in the promises.
    ignore_promised_values: bool = False
    # Proposers number their ballots 1, 2, 3, ... without regard to who owns a number.
    reuse_ballots: bool = False
    # A new Multi-Paxos leader does not re-propose the slots its promises report accepted.
    skip_reproposal: bool = False
    # A Multi-Paxos replica executes a slot as soon as it is decided, gaps or not.
    execute_out_of_order: bool = False
    # A proposer takes the value of the lowest-ballot proposal its promises report, not the
    # highest: wrong only when a phase-1 quorum reports two different accepted ballots
    # (single-decree Paxos; Multi-Paxos's CI campaign, 300 examples, did not reach a slot
    # reported with two ballots, so it is not planted there).
    lowest_promised_value: bool = False


NO_BUGS = Bugs()

SINGLE_DECREE = ("accept_below_promise", "forget_promise_on_restart",
                 "ignore_promised_values", "reuse_ballots", "lowest_promised_value")
"""The bugs single-decree Paxos can have (the last two concern a log of slots)."""

MULTI = ("accept_below_promise", "forget_promise_on_restart", "reuse_ballots",
         "skip_reproposal", "execute_out_of_order")
"""The bugs Multi-Paxos can have (a new leader's value choice is ``skip_reproposal``)."""

DOCS = {
    "accept_below_promise": "an acceptor accepts a proposal below the ballot it promised",
    "forget_promise_on_restart": "an acceptor's promise is not durable: a restart forgets it",
    "ignore_promised_values": "phase 2 proposes the proposer's own value, ignoring the "
                              "accepted values reported in the promises",
    "reuse_ballots": "proposers number ballots 1, 2, 3, ... whoever owns the number",
    "skip_reproposal": "a new leader does not re-propose the slots its promises report",
    "execute_out_of_order": "a replica executes a slot as soon as it is decided, gaps or not",
    "lowest_promised_value": "phase 2 proposes the value of the lowest accepted ballot the "
                             "promises report, not the highest",
}


def lowest_promised_value(promises: Iterable[tuple[Any, Any]], own_value: Any) -> Any:
    """The planted ``lowest_promised_value``: the value of the lowest-ballot proposal the
    promises report (``NO_BALLOT`` meaning none), else ``own_value``."""
    reported = [(b, v) for b, v in promises if b != NO_BALLOT]
    return min(reported, key=lambda bv: bv[0])[1] if reported else own_value

