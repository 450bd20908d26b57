"""TLC's JSON dump of a function keyed by records (a bag of messages, as the Paxos specs
keep them) agrees with its exact trace.

TLC writes such a key as ``Value.toString`` prints it, with the record's fields in the order
TLC interned their names (``[type |-> "ping", to |-> a, bal |-> 0]``), not sorted; the
bridge used to look the key up by its own printing of the value and reported every such
counterexample as "trace.json disagrees". ``tests/tlc_bag/`` is a real TLC run of ``Bag.tla``
(``-dumpTrace json`` and ``-dumpTrace tla``); the live test repeats it where TLC is found.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conformance.errors import UserError
from conformance.tlc import counterexample as cex
from conformance.tlc import run_tlc
from conformance.tlc.toolchain import find_toolchain

RECORDED = Path(__file__).parent / "tlc_bag"


def _exact(folder: Path):
    return cex.from_dump_tla(folder / "trace.tla", spec="Bag", spec_dir=folder,
                             variables=cex.json_variables(folder / "trace.json"))


def test_record_keys_match_whatever_order_tlc_prints_their_fields_in():
    exact = _exact(RECORDED)
    key = next(iter(exact.states()[1]["msgs"].map))
    assert sorted(key.map) == ["bal", "to", "type"]  # TLC printed: type, to, bal
    assert cex.json_disagreements(exact, RECORDED / "trace.json") == []


def test_a_changed_count_under_a_record_key_is_still_a_disagreement(tmp_path):
    for f in RECORDED.iterdir():
        shutil.copy(f, tmp_path / f.name)
    doc = json.loads((tmp_path / "trace.json").read_text())
    msgs = doc["counterexample"]["state"][2][1]["msgs"]
    msgs[next(iter(msgs))] = 2
    (tmp_path / "trace.json").write_text(json.dumps(doc))
    assert cex.json_disagreements(_exact(tmp_path), tmp_path / "trace.json") == [
        "state 2: msgs differ"]


def _tools():
    try:
        return find_toolchain()
    except UserError:
        return None


@pytest.mark.tlc
@pytest.mark.skipif(_tools() is None, reason="no TLC jar and Java 11+ found")
def test_the_live_tlc_counterexample_of_a_bag_of_records_has_no_disagreement(tmp_path):
    for name in ("Bag.tla", "Bag.cfg"):
        shutil.copy(RECORDED / name, tmp_path / name)
    result = run_tlc(tmp_path / "Bag.tla", tmp_path / "Bag.cfg", tools=_tools())
    assert result.counterexample is not None
    assert result.counterexample.header.origin["source"] == "trace.tla"
    assert len(result.counterexample.steps) == 3
    assert not [w for w in result.warnings if "disagree" in w], result.warnings
