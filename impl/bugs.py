"""Planted bugs as named switches: what every protocol's ``Bugs`` dataclass can do.

A protocol lists its bugs as boolean fields of a frozen dataclass deriving from
:class:`BugSwitches`, each with a comment saying what goes wrong; this base turns names from
a command line or a trace header into such a value and back, and refuses a name the
protocol does not have, so a typo is an error rather than a run with no bug at all.
:class:`DriverBugs` are the real servers' own, shared by both protocols.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Self


class BugSwitches:
    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]  # type: ignore[arg-type]

    @classmethod
    def only(cls, *names: str) -> Self:
        unknown = set(names) - set(cls.names())
        if unknown:
            raise ValueError(f"unknown bug(s): {', '.join(sorted(unknown))}; "
                             f"known: {', '.join(cls.names())}")
        return cls(**{n: True for n in names})

    def enabled(self) -> list[str]:
        return [n for n in self.names() if getattr(self, n)]


@dataclass(frozen=True)
class DriverBugs(BugSwitches):
    """Planted bugs of the real servers' drivers (Raft and Multi-Paxos alike), not of the
    protocol cores, so the simulator's conformance checking cannot see them; all off by
    default. Real runs catch them: the cluster test (``conform cluster test --bug NAME``)
    from what the clients saw (a history that is not linearizable, a write gone missing),
    and ``conform validate`` on the servers' traces at the step where the run left the
    spec (after a crash in the bug's window, ``conform cluster node --crash-in-bug-window``)."""

    # A server that believes it leads answers a read from its own store at once, without
    # confirming that it still leads (Raft: no ReadIndex round; Multi-Paxos: no slot).
    read_without_leadership_check: bool = False
    # A client's write is answered as soon as the leader has taken it, before it commits.
    ack_before_commit: bool = False
    # A batch's messages go out once its writes are written, before they are synced (the
    # sync comes with the next batch): a power loss then forgets what peers were told.
    send_before_sync: bool = False


NO_DRIVER_BUGS = DriverBugs()
