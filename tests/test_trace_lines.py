"""Reading a trace's step lines (safejson.loads_step): the same data and the same errors as
reading each line on its own (safejson.loads), with a variable whose JSON text repeats the
line before's taken as that line's object."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.trace import safejson

LEAVES = st.one_of(st.booleans(), st.integers(-3, 12), st.sampled_from(["a", "b", "", "{,}"]),
                   st.none())
VALUES = st.recursive(LEAVES, lambda inner: st.one_of(
    st.lists(inner, max_size=3),
    st.dictionaries(st.sampled_from(["x", "y", "#map", "z"]), inner, max_size=3)),
    max_leaves=8)
NAMES = ["currentTerm", "log", "msgs"]
SEPARATORS = [(",", ":"), (", ", ": "), (" ,", " :")]


def _same(line: str, texts: dict) -> None:
    """loads_step and loads agree on ``line``: the data (kinds too) or the error."""
    try:
        want = safejson.loads(line)
    except safejson.JsonLimitError as e:
        with pytest.raises(safejson.JsonLimitError) as got:
            safejson.loads_step(line, texts)
        assert (str(got.value), got.value.column) == (str(e), e.column)
        return
    have = safejson.loads_step(line, texts)
    assert have == want and repr(have) == repr(want)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.lists(st.tuples(st.sampled_from(NAMES), VALUES), max_size=4),
                          st.sampled_from(SEPARATORS), st.sampled_from(["", " ", "\n"]),
                          st.sampled_from(["keep", "twice", "ahead", "deep", "cut",
                                           "none"])),
                min_size=1, max_size=6))
def test_step_lines_read_as_each_line_alone(lines):
    texts: dict = {}
    state: dict = {}
    for changes, seps, pad, fault in lines:
        state.update(changes)  # what a line does not change repeats the line before's
        line = pad + json.dumps({"index": 1, "action": "A", "state": state},
                                separators=seps) + pad
        if fault == "twice" and state:  # a variable given twice in one state
            name = next(iter(state))
            line = line.replace('"state"' + seps[1] + "{",
                                '"state"' + seps[1] + "{" + json.dumps(name) + seps[1] + "0"
                                + seps[0], 1)
        elif fault == "ahead" and len(state) > 1:  # a variable given before its turn too
            name = list(state)[1]
            line = line.replace('"state"' + seps[1] + "{",
                                '"state"' + seps[1] + "{" + json.dumps(name) + seps[1] + "0"
                                + seps[0], 1)
        elif fault == "deep" and state:  # a variable nested past the limit
            name = next(iter(state))
            levels = safejson.MAX_DEPTH - 1  # (the line and its state are two more)
            state[name] = json.loads("[" * levels + "]" * levels)
            line = json.dumps({"state": state}, separators=seps)
        elif fault == "cut":
            line = line[:len(line) // 2]
        _same(line, texts)


def test_a_variable_of_the_same_text_is_the_line_befores_object():
    texts: dict = {}
    first = safejson.loads_step('{"state":{"log":[[1,2],[3]],"term":1}}', texts)
    second = safejson.loads_step('{"state": {"log":[[1,2],[3]], "term":12}}', texts)
    assert second["state"]["log"] is first["state"]["log"]
    assert second["state"]["term"] == 12  # "1" begins "12": not the same value
    third = safejson.loads_step('{"state":{"log":[[1,2],[3]],"term":true}}', texts)
    assert third["state"]["log"] is first["state"]["log"] and third["state"]["term"] is True


def test_variables_in_the_line_befores_order_are_taken_whole():
    # each variable is first tried as the line before's name and value at once: a name
    # written otherwise, a variable out of the line before's order, or one given twice
    # after the order resumed, read as loads reads them
    texts: dict = {}
    first = safejson.loads_step('{"state":{"a":[1],"b":[2],"c":[3]}}', texts)["state"]
    again = safejson.loads_step('{"state":{"a":[1],"b": [2],"c":[3]}}', texts)["state"]
    assert all(again[k] is first[k] for k in "abc")
    moved = safejson.loads_step('{"state":{"b":[2],"a":[1],"c":[4]}}', texts)["state"]
    assert moved["a"] is first["a"] and moved["b"] is first["b"] and moved["c"] == [4]
    assert list(moved) == ["b", "a", "c"]
    for line in ('{"state":{"c":0,"b":[2],"a":[1],"c":[4]}}',
                 '{"state":{"a":[1],"b":[2],"c":[4],"a":[1]}}'):
        _same(line, texts)
        texts.clear()
        safejson.loads_step('{"state":{"b":[2],"a":[1],"c":[4]}}', texts)


def test_a_graph_is_read_pair_by_pair_sharing_the_pairs_of_the_line_before():
    # a bag of messages: a step adds one and removes another; the others are the objects
    # the line before read (a writer's compact text), and the values are those of loads
    def line(pairs: list) -> str:
        return json.dumps({"state": {"msgs": {"#map": pairs}}}, separators=(",", ":"))
    texts: dict = {}
    a, b, c, d = ([{"t": k, "e": [1, True]}, 1] for k in "abcd")
    first = safejson.loads_step(line([a, b, c]), texts)["state"]["msgs"]["#map"]
    second = safejson.loads_step(line([a, c, d]), texts)
    assert second == json.loads(line([a, c, d]))
    pairs = second["state"]["msgs"]["#map"]
    assert pairs[0] is first[0] and pairs[1] is first[2] and pairs[2] is not first[1]
    # a count that changed is read afresh, and so is a graph written with spaces
    third = safejson.loads_step(line([a, [c[0], 2], d]), texts)["state"]["msgs"]["#map"]
    assert third[0] is pairs[0] and third[1] == [c[0], 2] and third[2] is pairs[2]
    spaced = json.dumps({"state": {"msgs": {"#map": [a, c, d]}}})
    assert safejson.loads_step(spaced, texts) == json.loads(spaced)


def test_the_nesting_limit_counts_the_lines_own_levels():
    # a state's variable sits two levels in (the line, its state): nested to the limit
    # with them, it is read; one level more is refused, as loads refuses it
    def line(levels: int) -> str:
        return '{"state":{"v":' + "[" * levels + "]" * levels + "}}"
    inner = safejson.MAX_DEPTH - 2
    texts: dict = {}
    assert safejson.loads_step(line(inner), texts) == safejson.loads(line(inner))
    for levels in (inner + 1, inner + 50):
        with pytest.raises(safejson.JsonLimitError, match="nested more than"):
            safejson.loads(line(levels))
        with pytest.raises(safejson.JsonLimitError, match="nested more than"):
            safejson.loads_step(line(levels), texts)


def test_a_parameter_is_the_key_of_the_bag_before_it_of_the_same_json():
    from conformance.trace.encoding import decode, key_like

    ones = {"#map": [[{"g": 0}, 1], [{"g": 1}, 1]]}
    trues = {"#map": [[{"g": True}, 2], [{"g": 2}, 1]]}
    servers = {"#map": [[{"#mv": "s1"}, 0]]}
    functions = [(f, decode(f)) for f in (servers, ones, trues)]
    one, true = list(functions[1][1].map), list(functions[2][1].map)
    assert key_like({"g": 1}, functions) is one[1]
    # Python's equality finds [g |-> 1] for [g |-> TRUE]; the kinds go on to the next
    assert key_like({"g": True}, functions) is true[0]
    assert key_like({"g": 2}, functions) is true[1]
    assert key_like({"g": 3}, functions) is None
    assert key_like({"g": 1.0}, functions) is None  # (no key is that JSON)
