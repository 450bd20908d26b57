"""No lost writes: an acknowledged write whose key ended with a value written before it
began is lost; a final value nobody wrote is a phantom; overwritten writes are fine."""

from __future__ import annotations

from conformance.history.durability import FINAL, check_durability
from tests.history.known import delete, get, history, put


def final(key, start, seen):
    return (FINAL, "get", key, None, start, start + 1, seen)


def test_overwritten_writes_are_not_lost():
    h = history(put("a", "x", "1", 0, 1), put("b", "x", "2", 2, 3, "1"), final("x", 9, "2"))
    d = check_durability(h)
    assert d.ok is True and d.acknowledged == 2


def test_acknowledged_write_missing_after_healing():
    h = history(put("a", "x", "1", 0, 1), put("b", "x", "2", 2, 3, "1"), final("x", 9, "1"))
    d = check_durability(h)
    assert d.ok is False
    [lost] = d.lost
    assert lost.write.value == "2" and lost.by.value == "1"


def test_concurrent_writes_either_may_win():
    h = history(put("a", "x", "1", 0, 5), put("b", "x", "2", 1, 4), final("x", 9, "1"))
    assert check_durability(h).ok is True


def test_unknown_write_may_be_the_last():
    h = history(put("a", "x", "1", 0, 1), put("b", "x", "2", 2, None), final("x", 9, "2"))
    assert check_durability(h).ok is True


def test_delete_then_absent_is_fine_and_absent_without_delete_is_lost():
    ok = history(put("a", "x", "1", 0, 1), delete("b", "x", 2, 3, "1"), final("x", 9, None))
    assert check_durability(ok).ok is True
    lost = history(put("a", "x", "1", 0, 1), final("x", 9, None))
    assert check_durability(lost).ok is False


def test_phantom_value():
    h = history(put("a", "x", "1", 0, 1), final("x", 9, "zz"))
    d = check_durability(h)
    assert d.ok is False and d.keys[0].phantom


def test_no_final_read_is_no_verdict():
    h = history(put("a", "x", "1", 0, 1), get("b", "x", 2, 3, "1"))
    assert check_durability(h).ok is None
