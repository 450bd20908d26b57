"""Keeping what a long check holds out of the cyclic collector's walks.

Python's collector walks every long-lived container each time their number grows by a
quarter. A trace being validated is such a heap: read before the first event, it is
promoted to the oldest generation during the first events and then walked, all of it, by
a full collection that finds nothing to free (its values are freed by their reference
counts). On the bench's 40 Raft runs read from trace files, one such collection took 0.2
of 0.5 CPU s. :class:`Frozen` freezes what is alive when a check starts and again as the
check's own keepings grow (``gc.freeze``: out of the collector's sight, still freed by
their counts), and thaws it all when the check ends, so that the caller collects its own
cycles as before. The model checker keeps the states it finds the same way
(tla/explore.py).
"""

from __future__ import annotations

import gc


class Frozen:
    """``with Frozen(every) as f:`` freezes the heap now and at every ``every``-th
    ``f.tick()``; leaving the block thaws it."""

    __slots__ = ("every", "left")

    def __init__(self, every: int = 2000) -> None:
        self.every = every
        self.left = every

    def __enter__(self) -> Frozen:
        gc.freeze()
        return self

    def tick(self) -> None:
        self.left -= 1
        if not self.left:
            self.left = self.every
            gc.freeze()

    def __exit__(self, *exc: object) -> None:
        gc.unfreeze()
