"""A simulated network whose every message waits for the scheduler.

Nothing is delivered by itself: each message sent becomes an :class:`Envelope` in flight,
with an id from a counter (so a schedule that names ids replays exactly), and the scheduler
chooses to deliver, drop or duplicate it, or to leave it where it is for as long as it
likes — which is how reordering and delay arise. Partitions split the nodes into groups;
a message between groups stays in flight (it may still be dropped) until the partition heals.

The payload is opaque here: the simulator is shared by every protocol.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Envelope:
    id: int
    src: str
    dst: str
    payload: Any


class Network:
    def __init__(self) -> None:
        self._in_flight: dict[int, Envelope] = {}  # insertion order = send order
        self._next_id = 1
        self._group: dict[str, int] = {}  # node -> partition group; absent = group 0
        self.sent = 0
        self.delivered = 0

    # ------------------------------------------------------------------ sending

    def send(self, src: str, dst: str, payload: Any) -> Envelope:
        env = Envelope(self._next_id, src, dst, payload)
        self._next_id += 1
        self._in_flight[env.id] = env
        self.sent += 1
        return env

    # ------------------------------------------------------------------ the scheduler's moves

    def in_flight(self) -> Iterator[Envelope]:
        return iter(self._in_flight.values())

    def get(self, msg_id: int) -> Envelope:
        try:
            return self._in_flight[msg_id]
        except KeyError:
            raise KeyError(f"no message {msg_id} in flight") from None

    def deliverable(self, msg_id: int) -> bool:
        env = self._in_flight.get(msg_id)
        return env is not None and self.connected(env.src, env.dst)

    def take(self, msg_id: int) -> Envelope:
        """Remove a message for delivery; the caller hands it to its destination."""
        env = self.get(msg_id)
        if not self.connected(env.src, env.dst):
            raise ValueError(f"message {msg_id} crosses a partition")
        del self._in_flight[msg_id]
        self.delivered += 1
        return env

    def drop(self, msg_id: int) -> Envelope:
        env = self.get(msg_id)
        del self._in_flight[msg_id]
        return env

    def duplicate(self, msg_id: int) -> Envelope:
        """Put a second copy of a message in flight (it gets a fresh id)."""
        env = self.get(msg_id)
        return self.send(env.src, env.dst, env.payload)

    def drop_to(self, node: str) -> list[Envelope]:
        """Drop everything addressed to a node (used when a node leaves for good)."""
        gone = [e for e in self._in_flight.values() if e.dst == node]
        for e in gone:
            del self._in_flight[e.id]
        return gone

    # ------------------------------------------------------------------ partitions

    def partition(self, groups: Iterable[Iterable[str]]) -> None:
        """Split the nodes: each listed group can talk within itself; unlisted nodes form
        group 0 together."""
        self._group = {}
        for g, members in enumerate(groups, start=1):
            for n in members:
                self._group[n] = g

    def heal(self) -> None:
        self._group = {}

    @property
    def partitioned(self) -> bool:
        return bool(self._group)

    def connected(self, a: str, b: str) -> bool:
        return self._group.get(a, 0) == self._group.get(b, 0)

    def groups(self) -> list[list[str]]:
        by: dict[int, list] = {}
        for n, g in self._group.items():
            by.setdefault(g, []).append(n)
        return [by[g] for g in sorted(by)]
