"""Trace files: values survive a round trip; bad files are named with their line."""

import json

import pytest

from conformance.trace import Step, Trace, TraceFileError, TraceHeader, read_trace, write_trace
from conformance.trace.encoding import DecodeError, decode, encode, to_itf_json
from conformance.trace.files import read_itf, write_itf
from conformance.values import FSet, ModelValue, Tup, make_fn, record

EVERY_KIND = [
    0, -7, 2**70, True, False, "", "a \"quoted\" string\n", ModelValue("n1"),
    FSet(), FSet({1, 2, 3}), FSet({FSet({ModelValue("a")})}),
    Tup(), Tup((1, "x", FSet())),
    record(term=1, type="vote", voters=FSet({ModelValue("s1")})),
    make_fn({ModelValue("s1"): 0, ModelValue("s2"): 3}),
    make_fn({Tup((1, 2)): "pair-keyed"}),
    make_fn({0: "zero", 1: "one"}),
]


@pytest.mark.parametrize("value", EVERY_KIND, ids=repr)
def test_every_value_kind_round_trips_through_json(value):
    data = json.loads(json.dumps(encode(value)))
    assert decode(data) == value


def test_encoding_follows_itf():
    assert encode(FSet({1})) == {"#set": [1]}
    assert encode(Tup((1, 2))) == [1, 2]
    assert encode(record(a=1)) == {"a": 1}
    assert encode(make_fn({ModelValue("n1"): 1})) == {"#map": [[{"#mv": "n1"}, 1]]}
    assert encode(2**60) == {"#bigint": str(2**60)}
    assert to_itf_json(Tup((1,))) == [{"#bigint": "1"}]
    assert decode({"#tup": [1, 2]}) == Tup((1, 2))


@pytest.mark.parametrize("bad", [None, 1.5, {"#set": 3}, {"#what": []}, {}, {"#map": [[1]]}])
def test_malformed_values_are_refused_with_a_path(bad):
    with pytest.raises(DecodeError):
        decode({"ok": [1, bad]})


def _trace():
    header = TraceHeader(spec="Counter", model="Counter.cfg", variables=["x", "ys"],
                         constants={"N": 3, "Nodes": FSet({ModelValue("n1")})},
                         origin={"tool": "test"}, loop=1, violated="Live")
    steps = [
        Step(0, "Init", {"x": 0, "ys": FSet()}),
        Step(1, "Inc", {"x": 1, "ys": FSet({1})}, params={"n": ModelValue("n1")}, node="n1"),
    ]
    return Trace(header, steps)


def test_trace_round_trips_through_a_file(tmp_path):
    path = write_trace(_trace(), tmp_path / "t.ndjson")
    back = read_trace(path)
    assert back == _trace()
    lines = path.read_text().splitlines()
    assert len(lines) == 3 and json.loads(lines[0])["format"] == "conform-trace"


def test_itf_export_reads_back(tmp_path):
    path = write_itf(_trace(), tmp_path / "t.itf.json")
    doc = json.loads(path.read_text())
    assert doc["vars"] == ["x", "ys"] and doc["loop"] == 1
    assert doc["states"][1]["x"] == {"#bigint": "1"}
    back = read_itf(path)
    assert [s.state for s in back.steps] == [s.state for s in _trace().steps]
    assert back.header.constants["N"] == 3


@pytest.mark.parametrize("content, line, words", [
    ("", 1, "empty file"),
    ("not json\n", 1, "not JSON"),
    ('{"format": "other"}\n', 1, "not a trace file"),
    ('{"format": "conform-trace", "version": 99, "spec": "S"}\n', 1, "version"),
    ('{"format": "conform-trace", "version": 1, "spec": "S"}\n{"index": 0, "action": "Init"}\n',
     2, "missing field"),
    ('{"format": "conform-trace", "version": 1, "spec": "S"}\n'
     '{"index": 0, "action": "Init", "state": {"x": {"#set": 1}}}\n', 2, "state.x"),
    ('{"format": "conform-trace", "version": 1, "spec": "S"}\n'
     '{"index": 5, "action": "Init", "state": {}}\n', 2, "step index"),
])
def test_malformed_trace_files_name_the_file_and_line(tmp_path, content, line, words):
    path = tmp_path / "bad.ndjson"
    path.write_text(content)
    with pytest.raises(TraceFileError) as info:
        read_trace(path)
    err = info.value
    assert err.position.file == str(path) and err.position.line == line
    assert words in str(err)


def test_conform_trace_show_and_errors(tmp_path, capsys):
    from conformance.cli import main

    path = write_trace(_trace(), tmp_path / "t.ndjson")
    assert main(["trace", "show", str(path)]) == 0
    out = capsys.readouterr().out
    assert "1: Inc(n = n1)" in out and "ys = {1}" in out and "back to state 1" in out
    bad = tmp_path / "bad.ndjson"
    bad.write_text("{nope\n")
    assert main(["trace", "show", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.ndjson:1" in err and "Traceback" not in err


# a step's next state, as JSON data, next to the state before it: what decode_like shares
_LIKE = [
    ({"#map": [[{"#mv": "s1"}, [{"term": 1, "kind": "NoOp"}]], [{"#mv": "s2"}, []]]},
     {"#map": [[{"#mv": "s1"}, [{"term": 1, "kind": "NoOp"}, {"term": 2, "kind": "NoOp"}]],
               [{"#mv": "s2"}, []]]}),
    ({"#map": [[{"#mv": "s1"}, 1], [{"#mv": "s2"}, 0]]},  # 1 and 0 become TRUE and FALSE
     {"#map": [[{"#mv": "s1"}, True], [{"#mv": "s2"}, False]]}),
    ({"#map": [[{"#mv": "s1"}, {"g": True}]]}, {"#map": [[{"#mv": "s1"}, {"g": 1}]]}),
    ([True, 1, {"a": [0]}], [1, True, {"a": [False]}]),
    ({"a": 1, "b": [1, 2]}, {"a": 1, "b": [1, 2, 3], "c": {"#set": [1]}}),
    ({"#map": [[1, "x"], [2, "y"]]}, {"#map": [[1, "x"], [2, "z"]]}),  # a sequence
    ({"#map": [[{"#mv": "s1"}, 1]]}, {"#map": [[{"#mv": "s1"}, 1], [{"#mv": "s1"}, 2]]}),
    # a bag that lost a message and gained one (keys 1 and TRUE apart)
    ({"#map": [[{"g": 1}, 1], [{"g": True}, 2], [{"g": "x"}, 1]]},
     {"#map": [[{"g": True}, 2], [{"g": "x"}, 1], [{"g": 1}, 3]]}),
    ({"#map": [[{"g": 1}, 1], [{"g": 2}, 2], [{"g": 3}, 1], [{"g": 4}, 1]]},
     {"#map": [[{"g": 0}, 1], [{"g": 3}, True], [{"g": 4}, 1], [{"g": 5}, 1]]}),
    # an entry another server's log had, replicated (and one Python's equality confuses)
    ({"#map": [[{"#mv": "s1"}, [{"t": True}, {"t": 2}]], [{"#mv": "s2"}, [{"t": True}]]]},
     {"#map": [[{"#mv": "s1"}, [{"t": True}, {"t": 2}]],
               [{"#mv": "s2"}, [{"t": True}, {"t": 2}]]]}),
    ({"#map": [[{"#mv": "s1"}, [{"t": True}, {"t": 2}]], [{"#mv": "s2"}, []]]},
     {"#map": [[{"#mv": "s1"}, [{"t": True}, {"t": 2}]], [{"#mv": "s2"}, [{"t": 1}]]]}),
    ({"#map": [[{"#mv": "s1"}, [[1], 2]], [{"#mv": "s2"}, 3]]},
     {"#map": [[{"#mv": "s1"}, [[1], 2]], [{"#mv": "s2"}, [4, 2, [1]]]]}),
    ({"#set": [1]}, {"#set": [True]}),
    ([1, 2], {"#tup": [1, 2]}),
    ({"a": 1}, {"a": 1.5}),  # errors are decode's own, with their paths
    ({"a": [1]}, {"a": [1, None]}),
    ({"#map": [[1, "x"]]}, {"#map": [[1]]}),
    ({"a": 1}, {}),
]


@pytest.mark.parametrize("was, data", _LIKE, ids=repr)
@pytest.mark.parametrize("reverse", [False, True])
def test_decode_like_is_decode(was, data, reverse):
    """decode_like gives decode's value (kinds at every depth: TRUE is not 1) or decode's
    error, whatever the value before was."""
    from conformance.trace.encoding import decode_like
    from conformance.values import same_value
    if reverse:
        was, data = data, was
    try:
        was_value = decode(was)
    except DecodeError:
        return
    try:
        expected = decode(data, "$.x")
    except DecodeError as e:
        with pytest.raises(DecodeError) as got:
            decode_like(data, was, was_value, "$.x")
        assert str(got.value) == str(e)
        return
    value = decode_like(data, was, was_value, "$.x")
    assert type(value) is type(expected)
    assert value == expected and same_value(value, expected)


def test_strings_read_are_the_specs_own_string_objects():
    """A field's name and a string value read from a trace are Python's interned strings,
    as the spec's are where it is parsed: the validator compares them by identity, not by
    a walk of their kinds. Whichever decoder reads them (the common values', the careful
    one, the one that shares a step's parts with the step before)."""
    import sys

    from conformance.tla.parse import parse_text
    from conformance.trace.encoding import decode_like

    def fresh(text: str) -> str:  # an equal string that is another object
        return "".join(list(text))

    def interned(v) -> bool:
        return all(k is sys.intern(k) and (type(x) is not str or x is sys.intern(x))
                   for k, x in v.map.items())

    role, field = fresh("Candidate"), fresh("state")
    assert role is not sys.intern(role)
    assert interned(decode({field: role}))
    assert interned(decode({field: role, "n": {"#bigint": "7"}}))  # (the careful decoder)
    assert interned(decode_like({field: role, "m": 1}, {field: "Leader", "m": 1},
                                decode({field: "Leader", "m": 1})))
    (spec,) = parse_text('---- MODULE M ----\nx == [state |-> "Candidate"]\n====\n')
    (rec,) = [u.body for u in spec.units if getattr(u, "name", None) == "x"]
    ((name, value),) = rec.fields
    assert name is sys.intern(field) and value.value is sys.intern(role)


def test_a_trace_file_shares_what_a_step_repeats(tmp_path):
    """Read back, a step's variables that are the same JSON as in the step before are the
    very objects of the step before, and so are the unchanged parts of those that changed
    (a server's log that another server's append left alone)."""
    s1, s2 = ModelValue("s1"), ModelValue("s2")
    e1, e2 = record(term=1, kind="NoOp"), record(term=2, kind="NoOp")
    states = [{"log": make_fn({s1: Tup((e1,)), s2: Tup()}), "up": make_fn({s1: True, s2: 1})},
              {"log": make_fn({s1: Tup((e1, e2)), s2: Tup()}),
               "up": make_fn({s1: True, s2: 1})},
              {"log": make_fn({s1: Tup((e1, e2)), s2: Tup()}),
               "up": make_fn({s1: 1, s2: True})}]
    trace = Trace(TraceHeader(spec="S", variables=["log", "up"]),
                  [Step(n, "A", s) for n, s in enumerate(states)])
    a, b, c = read_trace(write_trace(trace, tmp_path / "t.ndjson")).steps
    assert b.state["up"] is a.state["up"] and c.state["log"] is b.state["log"]
    assert b.state["log"] is not a.state["log"]
    assert b.state["log"][s2] is a.state["log"][s2]
    assert b.state["log"][s1][0] is a.state["log"][s1][0]
    assert c.state["up"] is not b.state["up"]  # 1 and TRUE swapped: not the same value
    assert c.state["up"][s1] == 1 and c.state["up"][s1] is not True


def test_a_trace_file_shares_an_entry_replicated_from_another_servers_log(tmp_path):
    """An entry a server appends that is the same JSON as the entry at its position in
    another server's log at the step before is, read back, that entry's object; an entry
    Python's equality confuses with it (1 for TRUE) is not."""
    s1, s2, s3 = ModelValue("s1"), ModelValue("s2"), ModelValue("s3")
    e1, e2, odd = record(term=1, up=True), record(term=2, up=True), record(term=1, up=1)
    logs = [{s1: (e1, e2), s2: (e1,), s3: ()}, {s1: (e1, e2), s2: (e1, e2), s3: (odd,)}]
    trace = Trace(TraceHeader(spec="S", variables=["log"]),
                  [Step(n, "A", {"log": make_fn({s: Tup(v) for s, v in lg.items()})})
                   for n, lg in enumerate(logs)])
    a, b = read_trace(write_trace(trace, tmp_path / "t.ndjson")).steps
    assert b.state["log"][s2][1] is a.state["log"][s1][1]
    assert b.state["log"][s3][0] == e1 and b.state["log"][s3][0] is not a.state["log"][s1][0]
    assert b.state["log"][s3][0]["up"] == 1 and b.state["log"][s3][0]["up"] is not True


def test_a_trace_file_shares_the_messages_a_bag_keeps(tmp_path):
    """A bag of messages (a function keyed by records) that lost one message and gained
    another keeps, read back, the key objects of the messages that stayed."""
    def m(n):
        return record(type="Vote", term=n)
    bags = [make_fn({m(1): 1, m(2): 1, m(3): 2}), make_fn({m(2): 1, m(3): 2, m(5): 1}),
            make_fn({m(0): 1, m(2): 2, m(3): 2})]
    trace = Trace(TraceHeader(spec="S", variables=["msgs"]),
                  [Step(n, "A", {"msgs": b}) for n, b in enumerate(bags)])
    a, b, c = (s.state["msgs"] for s in read_trace(write_trace(trace, tmp_path / "t.ndjson")).steps)
    assert (a, b, c) == tuple(bags)
    def key(bag, n):
        return next(k for k in bag.map if k == m(n))
    assert key(b, 2) is key(a, 2) and key(b, 3) is key(a, 3)
    assert key(c, 2) is key(b, 2) and key(c, 3) is key(b, 3)


def test_a_message_parameter_is_the_key_of_the_bag_before_it(tmp_path):
    """Read back, a parameter that is the same JSON as a key of a function in the step
    before's state (the message an event receives, in the bag) is that key's object; one
    that is no key there (or differs in a kind, 1 for TRUE) is decoded on its own."""
    def m(n, ok=True):
        return record(type="Vote", term=n, ok=ok)
    before = {"msgs": make_fn({m(1): 1, m(2): 1}), "up": make_fn({ModelValue("s1"): 1})}
    after = {"msgs": make_fn({m(2): 1}), "up": make_fn({ModelValue("s1"): 1})}
    steps = [Step(0, "Init", before), Step(1, "Receive", after, params={"m": m(1)}),
             Step(2, "Receive", after, params={"m": m(3), "n": m(2, ok=1)})]
    trace = Trace(TraceHeader(spec="S", variables=["msgs", "up"]), steps)
    a, b, c = read_trace(write_trace(trace, tmp_path / "t.ndjson")).steps
    assert any(k is b.params["m"] for k in a.state["msgs"].map)
    assert c.params == {"m": m(3), "n": m(2, ok=1)}
    assert not any(k is c.params["n"] for k in b.state["msgs"].map)
    assert c.params["n"].map["ok"] == 1 and c.params["n"].map["ok"] is not True
