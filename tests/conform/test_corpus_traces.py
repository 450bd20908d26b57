"""The regression corpus, ``traces/corpus/``: one shrunk failing run per planted bug, saved by
``conform bugs`` and kept in the repository. Each is replayed against today's code, so a
change to an implementation, a simulator, the schedules or a spec that would stop a saved
failure from replaying, or from being caught where it was, fails here first.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance import protocols
from conformance.schedules import failures
from conformance.schedules.execution import replay

CORPUS = Path(__file__).resolve().parents[2] / "traces" / "corpus"
RUNS = sorted(CORPUS.glob("*.ndjson"))


def test_the_corpus_holds_a_run_for_every_planted_bug():
    saved = {(s.protocol, bug) for s in (failures.load(p, protocols) for p in RUNS)
             for bug in s.bugs}
    planted = {(name, bug) for name in protocols.names() for bug in protocols.get(name).bugs}
    assert planted - saved == set()


@pytest.mark.parametrize("path", RUNS, ids=lambda p: p.stem)
def test_a_saved_run_replays_to_the_divergence_it_recorded(path):
    saved = failures.load(path, protocols)
    result = replay(protocols.get(saved.protocol), saved.settings, saved.bugs, saved.schedule)
    assert result.stopped_at is None, f"the schedule no longer applies: {result.stop_reason}"
    div = result.execution.divergence
    assert div is not None, "the recorded divergence no longer happens"
    recorded = saved.divergence or {}
    assert (div.index, div.action, div.kind) == (
        recorded.get("index"), recorded.get("action"), recorded.get("kind"))


@pytest.mark.parametrize("path", RUNS, ids=lambda p: p.stem)
def test_without_its_bug_the_same_schedule_conforms(path):
    """The planted bug, not the schedule, is what the checker caught: the correct code under
    the same decisions never diverges (it may take other steps, so the schedule may stop
    applying part way; every event up to there conforms)."""
    saved = failures.load(path, protocols)
    result = replay(protocols.get(saved.protocol), saved.settings, (), saved.schedule)
    assert result.execution.error is None
    assert result.execution.divergence is None, result.execution.divergence.render()
