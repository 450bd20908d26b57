"""A node's Raft log in memory: 1-based indices, terms, and the configurations it holds.

Kept apart from the node so the indexing rules (index 0 has term 0, a config entry takes
effect as soon as it is in the log, truncation reverts to the previous config) are written
once.
"""

from __future__ import annotations

from collections.abc import Iterable

from impl.raft.messages import Entry, EntryKind, NodeId


class RaftLog:
    __slots__ = ("entries", "initial_members", "_config_at", "truncations", "_kept")

    def __init__(self, initial_members: Iterable[NodeId], entries: Iterable[Entry] = ()) -> None:
        self.entries: list[Entry] = []
        self.initial_members = frozenset(initial_members)
        self._config_at: list[int] = []  # indices of CONFIG entries, ascending
        self.truncations = 0  # bumped on every truncation, so a reader can tell growth apart
        self._kept: frozenset[NodeId] | None = None  # the planted keep_config_on_truncate
        self.append(entries)

    # ------------------------------------------------------------------ reading

    @property
    def last_index(self) -> int:
        return len(self.entries)

    @property
    def last_term(self) -> int:
        return self.entries[-1].term if self.entries else 0

    def term_at(self, index: int) -> int:
        """The term of the entry at ``index``; 0 for index 0 (and past the end)."""
        if 1 <= index <= len(self.entries):
            return self.entries[index - 1].term
        return 0

    def entry(self, index: int) -> Entry:
        return self.entries[index - 1]

    def slice(self, first: int, last: int) -> tuple[Entry, ...]:
        """Entries ``first..last`` inclusive."""
        return tuple(self.entries[first - 1:last])

    def first_index_of_term(self, index: int) -> int:
        """The first index of the run of entries that has the term of ``index``."""
        term = self.term_at(index)
        while index > 1 and self.term_at(index - 1) == term:
            index -= 1
        return index

    def last_index_of_term(self, term: int) -> int:
        """The last index holding ``term``, or 0 if the log has no such entry."""
        for i in range(len(self.entries), 0, -1):
            t = self.entries[i - 1].term
            if t == term:
                return i
            if t < term:
                return 0
        return 0

    # ------------------------------------------------------------------ membership

    def members(self) -> frozenset[NodeId]:
        """The configuration in force: the latest one in the log, committed or not
        (Raft dissertation, section 4.1)."""
        if self._kept is not None:
            return self._kept
        if self._config_at:
            return self.entries[self._config_at[-1] - 1].members()
        return self.initial_members

    @property
    def config_index(self) -> int:
        """Index of the latest config entry, 0 when the initial configuration is in force."""
        return self._config_at[-1] if self._config_at else 0

    # ------------------------------------------------------------------ changing

    def append(self, entries: Iterable[Entry]) -> None:
        for e in entries:
            self.entries.append(e)
            if e.kind is EntryKind.CONFIG:
                self._config_at.append(len(self.entries))
                self._kept = None

    def truncate(self, first_gone: int, revert_config: bool = True) -> None:
        """Delete entries ``first_gone..`` (a real conflict with the leader's log); without
        ``revert_config`` (a planted bug) the configuration in force stays as it was, until
        the next configuration entry."""
        before = self.members()
        del self.entries[first_gone - 1:]
        self.truncations += 1
        while self._config_at and self._config_at[-1] >= first_gone:
            self._config_at.pop()
        if not revert_config and self.members() != before:
            self._kept = before
