"""The Json community module on the engine: TLC's conversions, files, and errors.

Every expected value here is what TLC (tla2tools with its bundled Json module) computes on
the same expression; specs/json/JsonValues.tla holds the same cases as ASSUMEs, which TLC
and the engine both find true (test_against_tlc runs it on TLC where TLC is installed).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conformance.result import Outcome
from conformance.tla import check_model
from conformance.tla.errors import EvalError
from conformance.tla.model import load
from conformance.tla.steps import StepModel

JSON_SPECS = Path(__file__).parent / "specs" / "json"


@pytest.fixture
def jsondir(tmp_path, monkeypatch):
    """A copy of specs/json as the working directory (Json writes relative to it)."""
    target = tmp_path / "json"
    shutil.copytree(JSON_SPECS, target)
    monkeypatch.chdir(target)
    return target


def value(folder: Path, expr: str, defs: str = ""):
    spec = folder / "E.tla"
    spec.write_text("---- MODULE E ----\nEXTENDS Json, Integers, Sequences, TLC\n"
                    f"{defs}\nValue == {expr}\n====\n")
    return StepModel(load(spec, None, need_behavior=False)).evaluate("Value")


def test_the_values_spec_holds_and_writes_what_tlc_writes(jsondir):
    r = check_model(jsondir / "JsonValues.tla")
    assert r.outcome is Outcome.HOLDS, r.message
    # TLC (Gson) writes compact JSON; JsonSerialize ends without a newline
    assert (jsondir / "out" / "roundtrip.json").read_text() == \
        '[{"a":3},2,[[1,2],"look"],[{"b":{"c":[4,5,6]}}]]'
    assert (jsondir / "out" / "roundtrip.ndjson").read_text() == '{"a":1}\n2\n"s"\n[]\n'


@pytest.mark.parametrize("expr, text", [
    ('<<"a\\n\\t", "\\\\", "<>&=">>', '["a\\n\\t","\\\\","<>&="]'),
    ("[b |-> 1, a |-> 2]", '{"b":1,"a":2}'),  # TLC's order of names: b was met first
    ("<<1, 2>> :> 2 @@ <<3>> :> 4", '{"<<3>>":4,"<<1, 2>>":2}'),
    ("[a : {1, 2}]", '[{"a":1},{"a":2}]'),
])
def test_to_json(jsondir, expr, text):
    assert value(jsondir, f"ToJson({expr})") == text


@pytest.mark.parametrize("expr, message", [
    ("ToJsonArray([a |-> 1])", "ToJsonArray cannot convert a record"),
    ("ToJsonArray(3)", "ToJsonArray cannot convert an integer"),
    ("ToJsonObject({1})", "ToJsonObject cannot convert a set"),
    ("ToJson(Nat)", "ToJson cannot convert an infinite set"),
    ('JsonSerialize("x.json", 42)', "The second argument of JsonSerialize should be a "
                                    "sequence or record, but instead it is:\n42"),
    ('ndJsonSerialize("x.json", [a |-> 1])', "The second argument of ndJsonSerialize "
                                             "should be a sequence"),
])
def test_values_without_a_json_form_are_errors(jsondir, expr, message):
    with pytest.raises(EvalError) as e:
        value(jsondir, expr)
    assert message in e.value.message


@pytest.mark.parametrize("text, message", [
    ('{"a": 1}\n{"b": null}\n', "unsupported JSON value null"),
    ('{"a": 1}\n{"b": \n', "bad.ndjson:2: malformed JSON"),
    ("NaN\n", "Cannot convert the JSON number NaN"),
])
def test_unreadable_lines_are_errors_naming_the_line(jsondir, text, message):
    (jsondir / "bad.ndjson").write_text(text)
    with pytest.raises(EvalError) as e:
        value(jsondir, 'ndJsonDeserialize("bad.ndjson")')
    assert message in e.value.message


def test_a_missing_file_is_an_error_naming_it(jsondir):
    with pytest.raises(EvalError) as e:
        value(jsondir, 'JsonDeserialize("nowhere.json")')
    assert "JsonDeserialize cannot read nowhere.json" in e.value.message


def test_read_names_are_interned_in_document_order(jsondir):
    # TLC interns keys and strings as it reads them, and orders strings by that: "zz" was
    # read before "aa", so it comes first in a set and in a record
    (jsondir / "order.json").write_text('{"zz": "q", "aa": "p"}')
    assert value(jsondir, 'ToJson(JsonDeserialize("order.json"))') == '{"zz":"q","aa":"p"}'
    assert value(jsondir, 'LET r == JsonDeserialize("order.json") IN ToJson({r.aa, r.zz})') \
        == '["q","p"]'


def test_a_relative_name_is_found_beside_the_spec_from_elsewhere(jsondir, tmp_path,
                                                                  monkeypatch):
    # TLC reads from its working directory; a trace spec's default (etcd's
    # "./example.ndjson") is also found beside the spec when run from elsewhere
    monkeypatch.chdir(tmp_path)
    assert value(jsondir, 'Len(ndJsonDeserialize("values.ndjson"))') == 4


def test_a_file_is_read_once_per_model_until_it_changes(jsondir):
    spec = jsondir / "E.tla"
    spec.write_text('---- MODULE E ----\nEXTENDS Json\nA == JsonDeserialize("value.json")\n'
                    'B == JsonDeserialize("value.json")\nC == JsonDeserialize("value.json")\n'
                    '====\n')
    model = StepModel(load(spec, None, need_behavior=False))
    assert model.evaluate("A") is model.evaluate("B")
    (jsondir / "value.json").write_text('{"log": []}')
    assert model.evaluate("C") != model.evaluate("A")


def test_the_behavior_is_exported_as_tlc_exports_it(jsondir):
    # EWD840_json's idiom: JsonSerialize(Trace) when the real invariant fails, then
    # TLCSet("exit"): TLC finds no error (4 generated, 4 distinct, 1 left, depth 4) and
    # writes the four states of the behavior
    r = check_model(jsondir / "ExportTrace.tla")
    assert r.outcome is Outcome.HOLDS, r.message
    assert (r.states_generated, r.distinct_states, r.states_left, r.depth) == (4, 4, 1, 4)
    assert (jsondir / "out" / "trace.json").read_text() == \
        '[{"y":0,"z":"a"},{"y":1,"z":"b"},{"y":2,"z":"a"},{"y":3,"z":"b"}]'


def test_causal_order_of_a_log_with_vector_clocks(jsondir):
    # VectorClocks (CausalOrder, IsCausalOrder), which trace specs extend to order logs
    # gathered from several nodes; TLC finds every ASSUME of Causal.tla true
    r = check_model(jsondir / "Causal.tla")
    assert r.outcome is Outcome.HOLDS, r.message
