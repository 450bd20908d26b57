"""The recorder and the node-trace format: what is written is what the reader gets back,
one line per step, only the changes, from any thread, and a torn last line is survived."""

from __future__ import annotations

import json
import threading

import orjson
import pytest

from conformance.record import UNKNOWN, Encoded, Recorder
from conformance.record.delta import Delta, apply, diff
from conformance.record.pattern import encode_value, json_default
from conformance.record.reader import read_node_file
from conformance.trace.files import TraceFileError
from conformance.values import Fn, FSet, ModelValue, Tup, record

S1, S2, S3 = ModelValue("s1"), ModelValue("s2"), ModelValue("s3")
CONSTS = {"Server": FSet([S1, S2, S3]), "Nil": ModelValue("Nil")}


def entry(t: int, v: str) -> Fn:
    return record(term=t, kind="Value", value=v)


def rec(path, **kw) -> Recorder:
    return Recorder(path, node="s1", spec="Raft", constants=CONSTS, **kw)


def lines(path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines()]


def test_each_step_writes_only_what_changed_and_reads_back_whole(tmp_path):
    p = tmp_path / "s1.ndjson"
    log = Tup()
    state = {"currentTerm": 0, "log": log, "nextIndex": Fn({S1: 1, S2: 1, S3: 1})}
    with rec(p, state=state) as r:
        for k in range(1, 41):
            log = Tup(log + (entry(1, f"v{k}"),))
            r.step("ClientRequest", {"i": S1, "v": f"v{k}"},
                   state={"currentTerm": 1, "log": log,
                          "nextIndex": Fn({S1: 1, S2: 1 + k // 2, S3: 1})})
        r.step("Truncate", {"i": S1}, state={"log": Tup(log[:10] + (entry(2, "x"),))})
    written = lines(p)
    assert written[0]["format"] == "conform-node-trace" and written[0]["state"]["log"] == []
    sizes = [len(json.dumps(x)) for x in written[1:41]]
    assert max(sizes) - min(sizes) < 60, "a line grew with the log: whole values written"
    assert written[2]["append"] == [[["log"], [{"kind": "Value", "term": 1, "value": "v2"}]]]
    assert written[2]["put"] == [[["nextIndex", {"#mv": "s2"}], 2]]
    assert "currentTerm" not in written[2].get("set", {})  # unchanged: not written again
    assert written[41]["truncate"] == [[["log"], 10]] and len(written[41]["append"][0][1]) == 1
    f = read_node_file(p)
    (seg,) = f.segments
    ev = seg.events
    assert len(ev) == 41 and [e.n for e in ev] == list(range(1, 42))
    assert ev[39].state["log"] == log and ev[39].state["nextIndex"] == Fn({S1: 1, S2: 21, S3: 1})
    assert ev[40].state["log"] == Tup(log[:10] + (entry(2, "x"),))
    assert ev[40].state["currentTerm"] == 1 and ev[40].changed == {"log"}


def test_sends_receives_compound_steps_and_durable_marks(tmp_path):
    p = tmp_path / "s1.ndjson"
    m = record(type="Ping", source=S2, dest=S1)
    reply = record(type="Pong", source=S1, dest=S2, n=UNKNOWN)
    with rec(p, state={"x": 0}, durability=True) as r:
        r.step("Handle", {"i": S1, "m": m}, state={"x": 1}, sent=[("s2", reply, "id-7")],
               received=("s2", m))
        r.durable()
        r.durable()  # nothing new: no second mark
        r.steps([("A", {"i": S1}), ("B", {"i": S1, "j": S2})], state={"x": 2})
        r.step("Reply", {"i": S1, "k": 1}, external=True, clock=9)
    written = lines(p)
    assert written[1]["recv"] == {"from": "s2", "param": "m"}  # not written twice
    assert written[1]["sent"] == [{"to": "s2", "id": "id-7", "msg": {
        "dest": {"#mv": "s2"}, "n": {"#unknown": True}, "source": {"#mv": "s1"},
        "type": "Pong"}}]
    assert [w for w in written if "durable" in w] == [{"durable": 1, "t": written[2]["t"]}]
    f = read_node_file(p)
    seg = f.segments[0]
    assert seg.marks and seg.durable == 1
    e1, e2, e3 = seg.events
    assert e1.recv.msg == m and e1.sent[0].msg.map["n"] is UNKNOWN and e1.sent[0].id == "id-7"
    assert e2.actions == [("A", {"i": S1}), ("B", {"i": S1, "j": S2})] and e2.state == {"x": 2}
    assert e3.external and e3.clock == 9 and e3.state == {"x": 2}


def test_a_restart_is_a_new_segment_and_a_torn_last_line_is_dropped_with_a_note(tmp_path):
    p = tmp_path / "s1.ndjson"
    with rec(p, state={"x": 0}) as r:
        r.step("Inc", {"i": S1}, state={"x": 1})
    with open(p, "a") as f:
        f.write('{"n":2,"t":5,"action":"In')  # killed mid-write
    with rec(p, state={"x": 1}) as r:  # the restarted process appends a segment
        r.step("Inc", {"i": S1}, state={"x": 2})
    f = read_node_file(p)
    assert [len(s.events) for s in f.segments] == [1, 1]
    assert f.segments[1].state == {"x": 1} and f.segments[1].events[0].state == {"x": 2}
    assert len(f.notes) == 1 and "s1.ndjson:3" in f.notes[0] and "cut short" in f.notes[0]
    with open(p, "a") as f2:
        f2.write('{"n":2,"action":"Inc"')
    assert len(read_node_file(p).notes) == 2  # at the very end: dropped as well


def test_a_broken_line_inside_a_segment_is_an_error_naming_the_line(tmp_path):
    p = tmp_path / "s1.ndjson"
    with rec(p, state={"x": 0}) as r:
        r.step("Inc", {"i": S1}, state={"x": 1})
    text = p.read_text().splitlines()
    p.write_text("\n".join([text[0], '{"n": 1, "action": ', text[1]]) + "\n")
    with pytest.raises(TraceFileError) as e:
        read_node_file(p)
    assert str(e.value).startswith(f"{p}:2:") and "not JSON" in str(e.value)


@pytest.mark.parametrize("bad, says", [
    ('{"n": 3, "action": "Inc"}', "event number 3 where 2 was expected"),
    ('{"n": 1, "action": "Inc"}', "two processes writing this file at once"),
    ('{"n": 2, "action": "Inc", "put": [[["nope", 1], 2]]}', "nope was never given"),
    ('{"n": 2, "action": "Inc", "truncate": [[["x"], 1]]}', "x is not a sequence"),
    ('{"n": 2}', 'an event needs "action"'),
    ('{"durable": 7}', "a durable mark must name an event of its segment"),
    ('{"n": 2, "action": "Inc", "sent": [{"msg": 1}]}', "sent[0] must be"),
    ('{"n": 2, "action": "Inc", "recv": {"from": "s2", "param": "m"}}',
     "names the parameter 'm'"),
])
def test_malformed_events_are_one_error_naming_the_line(tmp_path, bad, says):
    p = tmp_path / "s1.ndjson"
    with rec(p, state={"x": 0}) as r:
        r.step("Inc", {"i": S1}, state={"x": 1})
    with open(p, "a") as f:
        f.write(bad + "\n" + bad + "\n")  # followed by a line: not a torn tail
    with pytest.raises(TraceFileError) as e:
        read_node_file(p)
    assert f"{p}:3:" in str(e.value) and says in str(e.value), str(e.value)


def test_many_threads_share_one_recorder_and_every_line_is_whole(tmp_path):
    p = tmp_path / "s1.ndjson"
    r = rec(p, state={"x": 0})

    def work(k: int) -> None:
        for n in range(200):
            r.step("Work", {"i": S1, "k": k * 1000 + n}, sent=[("s2", "x" * 500)])

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    r.close()
    f = read_node_file(p)
    assert [e.n for e in f.segments[0].events] == list(range(1, 1601))
    ks = sorted(e.actions[0][1]["k"] for e in f.segments[0].events)
    assert ks == sorted(k * 1000 + n for k in range(8) for n in range(200))


def test_diff_and_apply_agree_on_nested_changes():
    old = {"f": Fn({S1: Tup((1, 2, 3)), S2: record(a=1, b=FSet([S1]))}), "s": Tup((1, 2))}
    new = {"f": Fn({S1: Tup((1, 9)), S2: record(a=1, b=FSet([S1, S2]))}), "s": Tup((1, 2, 3)),
           "g": 5}
    d = diff(old, new)
    assert apply(old, d) == {**old, **new}
    out: dict = {}
    d.to_line(out)
    again = Delta.from_json(json.loads(orjson.dumps(out, default=json_default)), holes=False)
    assert apply(old, again) == {**old, **new}


def test_integers_past_2_53_values_given_encoded_and_plain_values_read_back(tmp_path):
    """orjson encodes the lines, but an integer past 2^53 is written as ITF's #bigint
    wherever it stands (a parameter, a message, a change), a value given as Encoded is
    written as it is, and a plain Python value is converted."""
    p = tmp_path / "s1.ndjson"
    big = 2**60
    with rec(p, state={"log": Tup(), "nextIndex": Fn({S1: 1, S2: 1})}) as r:
        d = Delta()
        d.append.append((("log",), (entry(big, "a"), Encoded(kind="Value", term=2, value="b"))))
        d.put.append((("nextIndex", S2), big + 1))
        r.step("Big", {"i": S1, "k": big, "w": Encoded({"#mv": "s3"}), "p": {"x": [1, 2]}},
               changes=d, sent=[("s2", record(type="Ping", n=-big, source=S1, dest=S2))])
        r.step("Small", {"i": S1, "k": 7}, sent=[("s2", Encoded(type="Ping", n=1))])
    written = lines(p)
    assert written[1]["params"]["k"] == {"#bigint": str(big)}
    assert written[1]["params"]["w"] == {"#mv": "s3"}
    assert written[1]["sent"][0]["msg"]["n"] == {"#bigint": str(-big)}
    assert written[1]["put"] == [[["nextIndex", {"#mv": "s2"}], {"#bigint": str(big + 1)}]]
    assert written[2]["params"]["k"] == 7 and written[2]["sent"][0]["msg"] == {
        "type": "Ping", "n": 1}
    (seg,) = read_node_file(p).segments
    ev = seg.events
    assert ev[0].actions[0][1]["k"] == big and ev[0].actions[0][1]["w"] == ModelValue("s3")
    assert ev[0].actions[0][1]["p"] == Fn({"x": Tup((1, 2))})
    assert ev[0].state["log"] == Tup((entry(big, "a"), entry(2, "b")))
    assert ev[0].state["nextIndex"] == Fn({S1: 1, S2: big + 1})


@pytest.mark.parametrize("value", [
    record(zeta=1, alpha=S2, mid=Tup((1, "x"))),
    Fn({S1: Tup((record(val="x", bal=1),)), S2: Tup()}),
    FSet([record(zz=1, aa=2), record(zz=0, aa=2)]),
    Tup((FSet([S1, S2]), Fn({1: True, 3: False}), UNKNOWN, record(b=UNKNOWN, a=2))),
    Fn({"#odd": 1}),
], ids=["record", "map-of-records", "set-of-records", "mixed", "hash-key"])
def test_lines_encode_values_as_the_python_encoder_does(value):
    """orjson through json_default writes the bytes encode_value writes (records' fields
    in plain string order at any depth), so a trace does not depend on which wrote it."""
    assert orjson.dumps(value, default=json_default) == orjson.dumps(encode_value(value, {}))
