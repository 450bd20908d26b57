"""The smallest stretch of a key's history that cannot be linearized: what a person reads to
see what went wrong, instead of the thousands of operations around it.

A window is cut at both ends. Its end is the earliest moment T such that the history as it
stood at T is already not linearizable: the operations invoked by T, where one still
running at T has not returned yet (a read is dropped, a write's outcome becomes unknown).
That cut is exact — if the history at T cannot be linearized, nothing that happens later
can fix it — so T is found by bisection over the completion times. Its start is the latest
moment S such that the operations of that history still running at S or begun after it
cannot be linearized from any starting value of the key. Cutting at the start is not
monotone in general (an operation before S may be what made the key's value plausible), so
bisection only proposes a start, and every candidate is checked; the result is always a set
of operations that is not linearizable on its own.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from conformance.history.linearizable import search
from conformance.history.model import ANY, Register
from conformance.history.ops import Op


@dataclass
class Window:
    key: str
    start: float
    end: float
    ops: list[Op]  # the operations of the history it keeps, as the clients saw them


def smallest_window(key: str, ops: Sequence[Op], model: Any = Register,
                    time_limit: float = 30.0) -> Window | None:
    """The window of a key whose history is not linearizable (None if it is, or if the
    ``time_limit`` of CPU seconds ran out)."""
    deadline = time.process_time() + time_limit
    ends = sorted({op.complete for op in ops if op.complete is not None})

    def fails_at(t: float, s: float | None) -> bool | None:
        cut = _as_of(ops, t, s)
        ok, *_ = search(model.calls(cut), model, model.init if s is None else ANY,
                        deadline)
        return None if ok is None else not ok

    if not ends or fails_at(ends[-1], None) is not True:
        return None
    lo, hi = -1, len(ends) - 1  # the history as of ends[hi] fails
    while hi - lo > 1:
        mid = (lo + hi) // 2
        verdict = fails_at(ends[mid], None)
        if verdict is None:
            return None
        if verdict:
            hi = mid
        else:
            lo = mid
    end = ends[hi]
    starts = [t for t in ends if t <= end]
    best: float | None = None  # None: from the beginning, from the key's initial value
    lo, hi = -1, len(starts)  # starts[lo] is known to fail (-1: from the beginning)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        verdict = fails_at(end, starts[mid])
        if verdict is None:
            break
        if verdict:
            lo, best = mid, starts[mid]
        else:
            hi = mid
    kept = {op.index for op in _as_of(ops, end, best)}
    window_ops = [op for op in ops if op.index in kept]
    return Window(key, best if best is not None else min(op.invoke for op in window_ops),
                  end, window_ops)


def _as_of(ops: Sequence[Op], t: float, s: float | None) -> list[Op]:
    """The history as it stood at time ``t``, without what was over before ``s``."""
    out = []
    for op in ops:
        if op.invoke > t:
            continue
        if s is not None and op.complete is not None and op.complete < s:
            continue
        if op.complete is not None and op.complete > t and op.status != "fail":
            op = replace(op, complete=None, status="unknown", output=None)
        out.append(op)
    return out
