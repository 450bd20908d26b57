"""conformance.heap.Frozen: what a check holds is out of the collector's walks while the
check runs, and the caller's again when it ends, however it ends."""

import gc
from pathlib import Path

import pytest

from conformance.heap import Frozen
from conformance.trace import Step
from conformance.validate import SpecEngine, Validator
from conformance.values import Fn, FSet, ModelValue

SPEC = Path(__file__).parent / "conform" / "specs" / "Counter.tla"
A, B = ModelValue("a"), ModelValue("b")


def test_frozen_freezes_at_entry_and_every_nth_tick_and_thaws_at_exit():
    with Frozen(every=3) as heap:
        at_entry = gc.get_freeze_count()
        assert at_entry > 0
        kept = [[i] for i in range(1000)]  # containers made after the entry: not frozen
        heap.tick()
        heap.tick()
        assert gc.get_freeze_count() == at_entry
        heap.tick()  # the third: what is alive now is frozen too
        assert gc.get_freeze_count() >= at_entry + len(kept)
    assert gc.get_freeze_count() == 0


def test_frozen_thaws_when_the_block_raises():
    with pytest.raises(RuntimeError), Frozen():
        raise RuntimeError("a check that fails")
    assert gc.get_freeze_count() == 0


def test_a_validation_runs_frozen_and_leaves_nothing_frozen(monkeypatch):
    engine = SpecEngine(SPEC, {"Server": FSet([A, B]), "Limit": 5}, invariants=["Small"])
    counts: list[int] = []
    step = Validator.step

    def spy(self, event):
        counts.append(gc.get_freeze_count())
        return step(self, event)
    monkeypatch.setattr(Validator, "step", spy)
    seen = Fn({A: 0, B: 0})
    good = [Step(0, "Init", {"x": 0, "seen": seen}), Step(1, "Inc", {"x": 1, "seen": seen},
                                                          params={"n": 1})]
    assert Validator(engine).validate(good) is None
    bad = good[:1] + [Step(1, "Inc", {"x": 4, "seen": seen}, params={"n": 1})]
    assert Validator(engine).validate(bad) is not None
    assert len(counts) == 2 and all(c > 0 for c in counts)
    assert gc.get_freeze_count() == 0
