"""Planted bugs of the servers' drivers (not of the protocol cores), all off by default.

The conformance checker cannot see these: the node cores follow the spec, and it is the
server around them that answers a client too early. The cluster test (``conform cluster
test --bug NAME``) must catch each from what the clients saw, with a history that is not
linearizable or a write that went missing.
"""

from __future__ import annotations

from dataclasses import dataclass

from impl.bugs import BugSwitches


@dataclass(frozen=True)
class ServerBugs(BugSwitches):
    # A server that believes it leads answers a read from its own store at once, without
    # confirming that it still leads (Raft: no ReadIndex round; Multi-Paxos: no slot).
    read_without_leadership_check: bool = False
    # A write is acknowledged as soon as the leader has logged it, before it commits.
    ack_before_commit: bool = False


NO_SERVER_BUGS = ServerBugs()

DOCS = {
    "read_without_leadership_check": "a leader answers reads from its own store without "
                                     "confirming that it still leads",
    "ack_before_commit": "a write is acknowledged when the leader logs it, before it commits",
}
