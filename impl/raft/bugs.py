"""Planted bugs: known ways to get Raft wrong, each a named switch, all off by default.

The conformance checker (issue 6) turns one on and must catch it. Each bug is tested at the
single place in the core, storage or driver where the correct rule is applied, so the
correct code reads straight and the wrong variant sits beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

from impl.bugs import BugSwitches


@dataclass(frozen=True)
class Bugs(BugSwitches):
    # A leader commits an entry of an earlier term as soon as a quorum stores it (Figure 8).
    commit_old_term: bool = False
    # A voter grants its vote without the election restriction's up-to-date check.
    vote_without_log_check: bool = False
    # A restarted node forgets whom it voted for in its current term.
    forget_vote_on_restart: bool = False
    # A node sends its replies before its write-ahead log is synced.
    reply_before_sync: bool = False
    # A follower sets its commit index to the leader's, past the end of what it verified.
    follower_commit_past_log: bool = False
    # A follower truncates its log on any AppendEntries, conflicting or not.
    truncate_without_conflict: bool = False
    # Quorums are one server smaller than a majority.
    quorum_off_by_one: bool = False
    # A node accepts AppendEntries from a leader of an older term.
    accept_stale_append: bool = False
    # A follower acknowledges its whole log, not what the AppendEntries it answers verified
    # (a stale request, reordered or duplicated, then acknowledges more than it matched).
    ack_whole_log: bool = False
    # A leader counts AppendEntries responses of an earlier term (sent to it when it led
    # before, arriving once it leads again) as answers to its current requests.
    count_stale_acks: bool = False
    # A candidate counts votes granted in an earlier election of its own (answers that
    # arrive after it timed out and stood again in a higher term).
    count_stale_votes: bool = False
    # A follower keeps an entry it holds at an index the leader sends without comparing
    # terms (two leader changes leave logs that differ there: Figure 8's situation).
    keep_conflicting_entry: bool = False
    # A follower whose conflicting suffix held a configuration entry keeps that
    # configuration after truncating it (a membership change cut short by a leader crash).
    keep_config_on_truncate: bool = False


NO_BUGS = Bugs()
