"""The sequential specification the history checkers hold a key's operations to.

One key of the store is a register: its state is a value, or None while the key is absent.
``put`` sets a value and returns the one it replaced, ``delete`` removes it and returns it,
``get`` returns it. An operation whose outcome is unknown has no output to compare: a write
of unknown outcome may take effect or not, a read of unknown outcome says nothing.

:meth:`Register.calls` turns one key's operations into what the search linearizes, with
what the history itself tells about them: failed operations and reads of unknown outcome
did nothing and are left out; a put of unknown outcome whose value (every value is written
once) nobody observed is left out too, since placing it last would do; and one that was
observed must have taken effect before the first observer completed, which bounds it. What
stays unbounded is a delete of unknown outcome (an absent key does not say who removed it).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from conformance.history.ops import Op


class _Any:
    """The state of a register nothing is known about yet (the start of a window cut out of
    a history): the first operation that observes it fixes it."""

    def __repr__(self) -> str:
        return "ANY"


ANY: Any = _Any()


@dataclass(frozen=True, slots=True)
class Call:
    """One operation as the search sees it: when it may take effect, [start, end]."""

    op: Op
    start: float
    end: float  # math.inf: any time after start, or not at all


class Register:
    init: Any = None

    @staticmethod
    def step(state: Any, op: Op) -> tuple[bool, Any]:
        """Apply ``op`` to ``state``: whether its output is what the register gives, and
        the new state."""
        known = op.status == "ok"
        if op.kind == "get":
            if state is ANY:
                return True, op.output
            return op.output == state, state
        if known and state is not ANY and op.output != state:
            return False, state
        return True, (op.value if op.kind == "put" else None)

    @staticmethod
    def keeps_state(op: Op) -> bool:
        """Whether ``op`` leaves every state it can take effect in as it was: a read, or a
        delete that reported the key absent."""
        return op.kind == "get" or (op.kind == "delete" and op.status == "ok"
                                    and op.output is None)

    @staticmethod
    def calls(ops: Iterable[Op]) -> list[Call]:
        ops = [op for op in ops if op.status == "ok" or (op.status == "unknown" and op.is_write)]
        observed: dict[str, float] = {}  # value -> the first completion that reports it
        for op in ops:
            if op.status == "ok" and op.output is not None and op.complete is not None:
                first = observed.get(op.output, math.inf)
                observed[op.output] = min(first, op.complete)
        out = []
        for op in ops:
            if op.status == "ok":
                assert op.complete is not None
                out.append(Call(op, op.invoke, op.complete))
            elif op.kind == "delete":
                out.append(Call(op, op.invoke, math.inf))
            elif op.value in observed:
                out.append(Call(op, op.invoke, max(op.invoke, observed[op.value])))
        return out
