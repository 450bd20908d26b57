"""Fuzzing the engine with mutated specs and models (see fuzzing.py): every mutant gets a
verdict or one clear error, never a Python exception. Seeded and bounded: the same few
hundred mutants on every run."""

import pytest
from fuzzing import check, mutants

from conformance.result import Outcome

SEEDS = [(11, 150), (23, 150)]


@pytest.mark.parametrize("seed, count", SEEDS)
def test_mutated_specs_get_an_answer_not_a_traceback(tmp_path, seed, count):
    escaped = []
    for m in mutants(seed, count):
        try:
            r = check(m, tmp_path, timeout=5.0)
        except Exception as e:  # noqa: BLE001 - each escape is the bug being looked for
            escaped.append(f"{m.how}: {type(e).__name__}: {e}")
            continue
        assert isinstance(r.outcome, Outcome)
        if r.outcome.is_error:
            assert r.message.strip(), f"{m.how}: {r.outcome.value} without a message"
    assert escaped == []
