"""Trace specifications in the style of etcd-io/raft and CCF: a log read with Json constrains
the spec, and TraceMatched (``[](l <= Len(TraceLog) => [](TLCGet("queue") = 1 \\/ ...))``)
asks that the search never branch nor stop before the log's end. Every expected verdict and
figure here is TLC's (tla2tools, -workers 1) on the same spec, model and log.

TLC evaluates a temporal property's predicates when a state's successors have all been
generated, so TLCGet("queue") there counts them; evaluated after the search (queue empty),
TraceMatched would fail on every log.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from conformance.result import Outcome
from conformance.tla import check_model

JSON_SPECS = Path(__file__).parent / "specs" / "json"


@pytest.fixture
def clock(tmp_path, monkeypatch):
    target = tmp_path / "json"
    shutil.copytree(JSON_SPECS, target)
    monkeypatch.chdir(target)
    return target


@pytest.mark.parametrize("log, outcome, figures", [
    # every line matched by exactly one step: TLC finds 5 states, depth 5
    ("Matched", Outcome.HOLDS, (5, 5, 5)),
    # hour 2 then 0 is a Tick or a Reset: two successors, TLCGet("queue") = 2 (TLC stops
    # there, with 5 states generated; the engine finishes the search first)
    ("Ambiguous", Outcome.PROPERTY_VIOLATED, None),
    # hour 2 twice: no successor before the log's end (TLC: 3 states, depth 3)
    ("Diverges", Outcome.PROPERTY_VIOLATED, (3, 3, 3)),
])
def test_clock_trace_verdicts_are_tlcs(clock, log, outcome, figures):
    r = check_model(clock / "ClockTrace.tla", clock / f"ClockTrace{log}.cfg")
    assert r.outcome is outcome, r.message
    if outcome is Outcome.PROPERTY_VIOLATED:
        assert r.violated == "TraceMatched"
    if figures is not None:
        assert (r.states_generated, r.distinct_states, r.depth) == figures


# --------------------------------------------------------------------------- etcd-io/raft

def _etcd_tla() -> Path | None:
    """etcd-io/raft's tla/ folder, from $ETCD_RAFT (a clone of etcd-io/raft)."""
    root = os.environ.get("ETCD_RAFT")
    if not root:
        return None
    tla = Path(root) / "tla"
    return tla if (tla / "Traceetcdraft.tla").is_file() else None


ETCD = _etcd_tla()
needs_etcd = pytest.mark.skipif(ETCD is None, reason="no etcd-io/raft clone in $ETCD_RAFT")


def _validate(tla: Path, log: Path, monkeypatch, lines: int | None = None):
    monkeypatch.setenv("JSON", str(log))
    if lines is None:
        monkeypatch.delenv("MAX_TRACE", raising=False)
    else:
        monkeypatch.setenv("MAX_TRACE", str(lines))
    return check_model(tla / "Traceetcdraft.tla", tla / "Traceetcdraft.cfg")


@needs_etcd
def test_etcd_example_trace_prefix_conforms_as_under_tlc(monkeypatch):
    # the first 150 lines of tla/example.ndjson (the whole trace takes TLC hours: see
    # bench/etcd_trace_bench.py); TLC: no error, 161 generated, 158 distinct, depth 158
    assert ETCD is not None
    r = _validate(ETCD, ETCD / "example.ndjson", monkeypatch, 150)
    assert r.outcome is Outcome.HOLDS, r.message
    assert (r.states_generated, r.distinct_states, r.depth) == (161, 158, 158)


@needs_etcd
def test_etcd_trace_with_a_wrong_commit_index_fails_as_under_tlc(tmp_path, monkeypatch):
    # line 111 (a Commit event of node 2) claims commit index 6 instead of 5: TLC reports
    # TraceMatched violated after 115 states (115 generated, depth 115)
    assert ETCD is not None
    lines = (ETCD / "example.ndjson").read_text().splitlines()[:150]
    event = json.loads(lines[110])
    assert event["event"]["name"] == "Commit"
    event["event"]["state"]["commit"] += 1
    lines[110] = json.dumps(event)
    log = tmp_path / "bad.ndjson"
    log.write_text("\n".join(lines) + "\n")
    r = _validate(ETCD, log, monkeypatch)
    assert r.outcome is Outcome.PROPERTY_VIOLATED, r.message
    assert r.violated == "TraceMatched"
    assert (r.states_generated, r.distinct_states, r.depth) == (115, 115, 115)
