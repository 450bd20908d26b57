"""The state under construction while successors are computed."""

from __future__ import annotations

from collections.abc import Callable
from itertools import repeat
from operator import is_


class Partial(list):
    """A state under construction: ``None`` marks an unassigned variable; ``sink``
    receives each completed state; ``n`` counts the assigned variables; ``extra``, when
    set, is told how many intermediate states an action composition generated (TLC counts
    them as generated)."""

    __slots__ = ("sink", "n", "extra")
    sink: Callable[[tuple], None]
    n: int
    extra: Callable[[int], None] | None

    def __init__(self, values) -> None:
        super().__init__(values)
        self.n = len(self) - sum(map(is_, self, repeat(None)))  # (at C speed)
        self.extra = None
        self.sink = _nowhere  # set by whoever collects the states (ENABLED needs none)

    @classmethod
    def counted(cls, values, n: int, sink: Callable[[tuple], None]) -> Partial:
        """A copy of ``values``, of which the caller knows ``n`` are assigned (not None),
        its states to ``sink``: what the constructor makes, without the count and the
        Python-level __init__ (a trace validator makes one per event)."""
        t = list.__new__(cls)
        list.__init__(t, values)
        t.n = n
        t.extra = None
        t.sink = sink
        return t


def _nowhere(state: tuple) -> None:
    """The sink of a state under construction that nobody collects (ENABLED stops at the
    first successor before it is emitted)."""
