"""The smallest window of a violation: it is itself not linearizable, it is small, and on
the classic anomalies it is exactly the operations a person would point at."""

from __future__ import annotations

import pytest

from conformance.history.linearizable import check_history, search
from conformance.history.model import ANY, Register
from conformance.history.window import smallest_window
from tests.history.known import KNOWN
from tests.history.test_linearizable import simulated

FAILING = [name for name, (_, ok) in KNOWN.items() if not ok]


@pytest.mark.parametrize("name", FAILING)
def test_window_is_a_violation_on_its_own(name):
    h, _ = KNOWN[name]
    bad = check_history(h).failures[0]
    ops = h.by_key()[bad.key]
    w = smallest_window(bad.key, ops)
    assert w is not None and w.ops and set(map(id, w.ops)) <= set(map(id, ops))
    ok_any, *_ = search(Register.calls(w.ops), Register, ANY)
    ok_init, *_ = search(Register.calls(w.ops), Register, None)
    assert ok_any is False or ok_init is False


def test_stale_read_window():
    h, _ = KNOWN["stale read"]
    w = smallest_window("x", h.ops)
    assert [op.describe() for op in w.ops] == ["put x = '2' (was '1')", "get x -> '1'"]


def test_window_of_a_long_history_is_short():
    """Two thousand good operations, then one stale read: the window holds the read and
    the few operations that make it stale, not the history before."""
    h = simulated(3, 2000, keys=1, clients=4)
    last_put = max((op for op in h.ops if op.kind == "put"), key=lambda op: op.complete)
    earlier = [op for op in h.ops if op.kind == "put" and op.complete < last_put.invoke]
    stale = earlier[-1].value
    t = max(op.complete for op in h.ops) + 1
    from conformance.history.ops import Op
    h.ops.append(Op(len(h.ops), "late", "get", last_put.key, None, t, t + 1, "ok", stale))
    assert check_history(h).ok is False
    w = smallest_window(last_put.key, h.ops)
    assert w is not None and len(w.ops) <= 10 and w.ops[-1].process == "late"


def test_no_window_when_linearizable():
    h, _ = KNOWN["sequential"]
    assert smallest_window("x", h.ops) is None
