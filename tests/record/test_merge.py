"""Merging node traces: receives matched to sends, losses and duplicates, restarts, and one
clear error naming the file and line for every way the files of a run can disagree."""

from __future__ import annotations

import gc
import json
import subprocess
import sys

import pytest

from conformance.record import RECEIVED, Recorder
from conformance.record.merge import merge, merge_files
from conformance.record.reader import read_node_file
from conformance.trace.files import TraceFileError
from conformance.values import FSet, ModelValue, record
from tests.record.cores import Cores

S = {n: ModelValue(n) for n in ("s1", "s2", "s3")}
CONSTS = {"Server": FSet(S.values())}


def node(tmp_path, name: str, **kw) -> Recorder:
    return Recorder(tmp_path / f"{name}.ndjson", node=name, spec="Toy", constants=CONSTS,
                    state={"x": 0}, **kw)


def ping(a: str, b: str, n: int = 0):
    return record(type="Ping", source=S[a], dest=S[b], n=n)


def merged(tmp_path):
    return merge([read_node_file(p) for p in sorted(tmp_path.glob("*.ndjson"))])


def error(tmp_path) -> str:
    with pytest.raises(TraceFileError) as e:
        merged(tmp_path)
    return str(e.value)


def test_receives_match_sends_by_content_and_the_network_is_rebuilt(tmp_path):
    a, b = node(tmp_path, "s1"), node(tmp_path, "s2")
    a.step("Send", {"i": S["s1"]}, sent=[("s2", ping("s1", "s2", 1)),
                                          ("s2", ping("s1", "s2", 2)),
                                          ("s2", ping("s1", "s2", 3))])
    b.step("Recv", {"i": S["s2"], "m": ping("s1", "s2", 1)}, received=("s1", ping("s1", "s2", 1)))
    b.step("Recv", {"i": S["s2"], "m": ping("s1", "s2", 1)}, received=("s1", ping("s1", "s2", 1)))
    b.step("Recv", {"i": S["s2"], "m": ping("s1", "s2", 3)}, received=("s1", ping("s1", "s2", 3)))
    a.close()
    b.close()
    m = merged(tmp_path)
    send = m.chains["s1"][0]
    assert [m.messages[i].value.map["n"] for i in send.duplicates] == [1]  # received twice
    assert [m.messages[i].value.map["n"] for i in send.drops] == [2]  # never received
    assert all(it.deps == [("s1", 0)] for it in m.chains["s2"])


def test_ids_on_the_wire_match_exactly_and_an_unknown_id_is_an_error(tmp_path):
    a, b = node(tmp_path, "s1"), node(tmp_path, "s2")
    a.step("Send", {"i": S["s1"]}, sent=[("s2", ping("s1", "s2"), "a-1"),
                                          ("s2", ping("s1", "s2"), "a-2")])
    b.step("Recv", {}, received=("s1", ping("s1", "s2"), "a-2"))
    b.step("Recv", {}, received=("s1", None, "a-9"))
    a.close()
    b.close()
    text = error(tmp_path)
    assert "s2.ndjson:3:" in text and "'a-9'" in text and "never sent" in text


def test_a_message_received_by_id_alone_is_filled_in_from_its_send(tmp_path):
    # the receiver neither maps nor writes the message: the parameter that is the message
    # is RECEIVED, the line names it ("param") without giving it, the merger fills it in
    a, b = node(tmp_path, "s1"), node(tmp_path, "s2")
    a.step("Send", {"i": S["s1"]}, sent=[("s2", ping("s1", "s2", 1), 7),
                                          ("s2", ping("s1", "s2", 2), 8)])
    b.step("Recv", {"i": S["s2"], "m": RECEIVED}, received=("s1", None, 8))
    b.steps([("Recv", {"i": S["s2"], "m": RECEIVED}), ("Reply", {"i": S["s2"]})],
            received=("s1", None, 7))
    a.close()
    b.close()
    text = (tmp_path / "s2.ndjson").read_text().splitlines()
    assert [json.loads(x)["recv"] for x in text[1:3]] == [
        {"from": "s1", "param": "m", "id": "8"}, {"from": "s1", "param": "m", "id": "7"}]
    assert '"m"' not in text[1].split('"recv"')[0]  # not in the params
    m = merged(tmp_path)
    got = [it.actions[0][1]["m"].map["n"] for it in m.chains["s2"]]
    assert got == [2, 1]
    assert [it.recv for it in m.chains["s2"]] == [1, 0]


def test_received_is_refused_where_no_id_can_fill_it(tmp_path):
    b = node(tmp_path, "s2")
    for kw in ({"received": ("s1", None)}, {"received": ("s1", ping("s1", "s2"), 7)}, {}):
        with pytest.raises(ValueError, match="RECEIVED"):
            b.step("Recv", {"i": S["s2"], "m": RECEIVED}, **kw)
    with pytest.raises(ValueError, match="RECEIVED"):
        b.steps([("Tick", {}), ("Recv", {"m": RECEIVED})], received=("s1", None, 7))
    b.close()


def test_a_sent_field_given_as_a_slice_of_the_senders_log_is_read_back_whole(tmp_path):
    # A leader's AppendEntries carry entries of its log: written as a slice of the log after
    # the step (format 3), read back as the entries themselves, and matched to the receive.
    log = Recorder(tmp_path / "s1.ndjson", node="s1", spec="Toy", constants=CONSTS,
                   state={"log": ["a"]})
    b = node(tmp_path, "s2")
    head = record(type="Append", source=S["s1"], dest=S["s2"], prev=1)
    log.step("Put", {"i": S["s1"]}, state={"log": ["a", "b", "c"]},
             sent=[("s2", head, 7, {"entries": ("log", 2, 3)})])
    b.step("Recv", {"i": S["s2"], "m": RECEIVED}, received=("s1", None, 7))
    with pytest.raises(ValueError, match="without the field"):
        log.step("Put", {}, sent=[("s2", record(entries=(), prev=1), 8,
                                   {"entries": ("log", 2, 3)})])
    log.close()
    b.close()
    text = (tmp_path / "s1.ndjson").read_text()
    assert '"slices":{"entries":["log",2,3]}' in text
    assert text.split("\n")[1].count('"b"') == 1  # in the log, not again in the message
    m = merged(tmp_path)
    whole = record(type="Append", source=S["s1"], dest=S["s2"], prev=1, entries=("b", "c"))
    assert [x.value for x in m.messages] == [whole]
    assert m.chains["s2"][0].actions[0][1]["m"] == whole
    p = tmp_path / "s1.ndjson"
    good = p.read_text()
    for old, new, why in (
            ('["log",2,3]', '["log",2,4]', "log[2..4], but the node's log has 3 elements"),
            ('["log",2,3]', '["x",2,3]', "the node's x is not recorded"),
            ('["log",2,3]', '["log",0,3]', "must be [variable, first, last]"),
            ('"prev":1', '"prev":1,"entries":[]', "the message also gives the field"),
            ('"version":3', '"version":2', "slices need node trace version 3")):
        p.write_text(good.replace(old, new, 1 if old != '"version":3' else -1))
        text = error(tmp_path)
        assert why in text and "s1.ndjson:" in text, (why, text)


def test_a_receive_by_id_alone_is_not_read_from_a_version_1_file(tmp_path):
    a, b = node(tmp_path, "s1"), node(tmp_path, "s2")
    a.step("Send", {"i": S["s1"]}, sent=[("s2", ping("s1", "s2", 1), 7)])
    b.step("Recv", {"i": S["s2"], "m": RECEIVED}, received=("s1", None, 7))
    a.close()
    b.close()
    p = tmp_path / "s2.ndjson"
    p.write_text(p.read_text().replace('"version":3', '"version":1'))
    text = error(tmp_path)
    assert "s2.ndjson:2:" in text and "names the parameter 'm'" in text
    p.write_text(p.read_text().replace('"version":1', '"version":9'))
    text = error(tmp_path)
    assert "s2.ndjson:1:" in text and "version 9 is not supported" in text


def test_merge_files_reads_and_merges_and_gives_the_collector_back(tmp_path):
    a, b = node(tmp_path, "s1"), node(tmp_path, "s2")
    a.step("Send", {"i": S["s1"]}, sent=[("s2", ping("s1", "s2", 1))])
    b.step("Recv", {"i": S["s2"], "m": ping("s1", "s2", 1)}, received=("s1", ping("s1", "s2", 1)))
    a.close()
    b.close()
    paths = sorted(tmp_path.glob("*.ndjson"))
    assert gc.isenabled()
    m = merge_files(paths)
    assert gc.isenabled()
    assert m.chains["s2"][0].deps == [("s1", 0)]
    assert {n: len(c) for n, c in m.chains.items()} == {n: len(c) for n, c
                                                         in merged(tmp_path).chains.items()}
    (tmp_path / "s2.ndjson").write_text("{not json\n")
    with pytest.raises(TraceFileError):
        merge_files(paths)
    assert gc.isenabled()  # an error in a file does not leave the collector off
    gc.disable()
    try:
        merge_files(paths[:1])
        assert not gc.isenabled()  # nor turns it on where the caller had it off
    finally:
        gc.enable()


def test_a_missing_node_file_is_named(tmp_path):
    Cores(tmp_path, seed=3).random_run(300)
    (tmp_path / "s3.ndjson").unlink()
    text = error(tmp_path)
    assert "no trace of s3" in text and "is its file missing?" in text
    assert text.startswith(str(tmp_path / "s1.ndjson")) or \
        text.startswith(str(tmp_path / "s2.ndjson"))


def test_a_file_of_another_spec_or_other_constants_is_named(tmp_path):
    Cores(tmp_path, seed=3).random_run(100, crashes=False)
    p = tmp_path / "s2.ndjson"
    lines = p.read_text().splitlines()
    header = json.loads(lines[0])
    p.write_text("\n".join([json.dumps({**header, "spec": "Paxos"}), *lines[1:]]) + "\n")
    text = error(tmp_path)
    assert f"{p}:1:" in text and "a trace of spec Paxos" in text and "not of one run" in text
    header["constants"]["BatchSize"] = 7
    p.write_text("\n".join([json.dumps(header), *lines[1:]]) + "\n")
    text = error(tmp_path)
    assert f"{p}:1:" in text and "constants differ" in text and "BatchSize" in text


def test_overlapping_segments_are_an_error(tmp_path):
    a = node(tmp_path, "s1")
    a.step("Inc", {})
    a.close()
    p = tmp_path / "s1.ndjson"
    lines = p.read_text().splitlines()
    header, event = json.loads(lines[0]), json.loads(lines[1])
    late = {**header, "t": event["t"] - 1000}
    p.write_text("\n".join([*lines, json.dumps(late)]) + "\n")
    with pytest.raises(TraceFileError) as e:
        read_node_file(p)
    assert f"{p}:3:" in str(e.value) and "two segments overlap" in str(e.value)


def test_clocks_that_contradict_causality_are_an_error(tmp_path):
    a, b = node(tmp_path, "s1"), node(tmp_path, "s2")
    a.step("Send", {}, sent=[("s2", ping("s1", "s2"))], clock=5)
    b.step("Recv", {}, received=("s1", ping("s1", "s2")), clock=3)
    a.close()
    b.close()
    text = error(tmp_path)
    assert "s2.ndjson:2:" in text and "clocks contradict causality" in text \
        and "s1.ndjson:2" in text


def test_events_that_cannot_be_ordered_are_an_error(tmp_path):
    a, b = node(tmp_path, "s1"), node(tmp_path, "s2")
    # s1 receives s2's message before it sends the one s2 received before sending its own
    a.step("Recv", {}, received=("s2", ping("s2", "s1"), "b-1"))
    a.step("Send", {}, sent=[("s2", ping("s1", "s2"), "a-1")])
    b.step("Recv", {}, received=("s1", ping("s1", "s2"), "a-1"))
    b.step("Send", {}, sent=[("s1", ping("s2", "s1"), "b-1")])
    a.close()
    b.close()
    text = error(tmp_path)
    assert "cannot be ordered" in text and ".ndjson:2:" in text


def test_two_files_of_one_node_are_an_error(tmp_path):
    node(tmp_path, "s1").close()
    Recorder(tmp_path / "copy.ndjson", node="s1", spec="Toy", constants=CONSTS).close()
    assert "two files hold the trace of node s1" in error(tmp_path)


def test_restarts_undo_ranges_follow_durable_marks_and_what_escaped(tmp_path):
    a = node(tmp_path, "s1", durability=True)
    b = node(tmp_path, "s2")
    a.step("A1", {}, state={"x": 1})
    a.durable()
    a.step("A2", {}, state={"x": 2}, sent=[("s2", ping("s1", "s2"))])  # received: kept
    a.step("A3", {}, state={"x": 3})  # not durable, not seen: a crash may undo it
    a.step("A4", {}, state={"x": 4}, sent=[("s2", ping("s1", "s2", 9))])  # lost: undoable
    a.close()
    b.step("Recv", {}, received=("s1", ping("s1", "s2")))
    b.close()
    Recorder(tmp_path / "s1.ndjson", node="s1", spec="Toy", constants=CONSTS,
             state={"x": 2}, durability=True).close()
    m = merged(tmp_path)
    chain = m.chains["s1"]
    assert [it.action for it in chain] == ["A1", "A2", "A3", "A4", "Restart"]
    assert chain[4].restart and chain[4].undo_from == 2 and chain[4].state == {"x": 2}
    assert [it.durable for it in chain] == [True, True, False, False, True]


def test_conform_validate_reports_bad_input_without_a_traceback(tmp_path):
    Cores(tmp_path, seed=2).random_run(200)
    (tmp_path / "s2.ndjson").unlink()
    r = subprocess.run([sys.executable, "-m", "conformance", "validate", str(tmp_path)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stderr and "no trace of s2" in r.stderr + r.stdout
