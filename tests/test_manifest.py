"""Manifests: which models to check and what each must give."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance import manifest
from conformance.errors import UserError
from conformance.manifest import Expectation, Model, disagreements, find_models, load
from conformance.result import CheckResult, Outcome


def _spec(folder: Path, name: str, *cfgs: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.tla").write_text(f"---- MODULE {name} ----\n====\n")
    for cfg in cfgs or (name,):
        (folder / f"{cfg}.cfg").write_text("")


def _write(path: Path, doc) -> Path:
    path.write_text(json.dumps(doc, indent=2) if not isinstance(doc, str) else doc)
    return path


def _model(path: str, result: str, **extra) -> dict:
    return {"path": path, "runtime": "00:00:01", "mode": "exhaustive search",
            "result": result, **extra}


def test_a_manifest_lists_models_and_expectations(tmp_path):
    _spec(tmp_path, "Raft", "Raft", "RaftBug")
    m = _write(tmp_path / "manifest.json", {
        "sources": [], "authors": ["us"], "tags": [],
        "modules": [{"path": "Raft.tla", "features": [], "models": [
            _model("Raft.cfg", "success", distinctStates=10, totalStates=30, stateDepth=4,
                   workers="auto"),
            _model("RaftBug.cfg", "safety failure")]}]})
    ok, bug = load(m)
    assert ok.spec == tmp_path / "Raft.tla" and ok.config == tmp_path / "Raft.cfg"
    assert ok.expect == Expectation("success", "exhaustive search", 10, 30, 4, "auto",
                                    "00:00:01")
    assert bug.expect.result == "safety failure"
    assert bug.name == "Raft/RaftBug.cfg"
    assert bug.position.file == str(m) and bug.position.line == 23  # its "path"
    assert ok.skip_reason is None


def test_examples_paths_are_relative_to_a_folder_above(tmp_path):
    """tlaplus/Examples writes "specifications/ewd840/EWD840.tla" from the repository root."""
    folder = tmp_path / "specifications" / "ewd840"
    _spec(folder, "EWD840")
    _write(folder / "manifest.json", {"modules": [{
        "path": "specifications/ewd840/EWD840.tla", "features": [], "models": [
            _model("specifications/ewd840/EWD840.cfg", "success"),
            {**_model("specifications/ewd840/EWD840.cfg", "success"), "mode": "symbolic"},
            {**_model("specifications/ewd840/EWD840.cfg", "safety failure"),
             "mode": {"simulate": {"traceCount": 100}}}]}]})
    exhaustive, symbolic, simulate = find_models([tmp_path / "specifications"])
    assert exhaustive.spec == folder / "EWD840.tla"
    assert exhaustive.skip_reason is None
    assert "symbolic" in symbolic.skip_reason and "simulate" in simulate.skip_reason


@pytest.mark.parametrize("doc, message, line", [
    ('{"modules": [', "not JSON", 1),
    ({"modules": {}}, "\"modules\" array", 0),
    ({"modules": [{"path": "Nope.tla", "models": []}]}, "Nope.tla does not exist", 4),
    ({"modules": [{"path": "A.tla", "models": [_model("A.cfg", "succes")]}]},
     "result 'succes' is not one of", 7),
    ({"modules": [{"path": "A.tla", "models": [_model("A.cfg", "success",
                                                      distinctState=3)]}]},
     "unknown field 'distinctState'", 11),
    ({"modules": [{"path": "A.tla", "models": [_model("A.cfg", "success",
                                                      distinctStates=-1)]}]},
     "distinctStates must be a non-negative integer", 7),
    ({"modules": [{"path": "A.tla", "models": [_model("A.cfg", "success", workers=0)]}]},
     "workers must be a positive integer", 7),
    ({"modules": [{"path": "A.tla", "models": [{**_model("A.cfg", "success"),
                                                "mode": "random"}]}]}, "mode 'random'", 7),
    ({"modules": [{"path": "A.tla", "models": [{**_model("A.cfg", "success"),
                                                "runtime": "5s"}]}]}, "runtime must", 7),
    ({"modules": [{"path": "A.tla", "models": [_model("B.cfg", "success")]}]},
     "B.cfg does not exist", 7),
])
def test_a_bad_manifest_names_itself_and_the_entry(tmp_path, doc, message, line):
    _spec(tmp_path, "A")
    m = _write(tmp_path / "manifest.json", doc)
    with pytest.raises(UserError) as e:
        load(m)
    assert message in e.value.message
    assert e.value.position.file == str(m)
    assert e.value.position.line == line


def test_folders_without_a_manifest(tmp_path):
    _spec(tmp_path / "specs", "A")
    _spec(tmp_path / "specs", "B", "Other")  # no B.cfg: not a model by itself
    (models,) = [find_models([tmp_path / "specs"])]
    assert [(m.spec.name, m.config.name, m.expect) for m in models] == [("A.tla", "A.cfg", None)]
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="no manifest.json and no spec"):
        find_models([tmp_path / "empty"])


def test_manifests_one_level_down(tmp_path):
    for name in ("A", "B"):
        _spec(tmp_path / name, name)
        _write(tmp_path / name / "manifest.json",
               {"modules": [{"path": f"{name}.tla", "models": [_model(f"{name}.cfg",
                                                                       "success")]}]})
    assert [m.spec.stem for m in find_models([tmp_path])] == ["A", "B"]


def test_single_specs_and_their_config(tmp_path):
    _spec(tmp_path, "A", "A", "Small")
    (m,) = find_models([tmp_path / "A.tla"], config=tmp_path / "Small.cfg")
    assert (m.config, m.expect) == (tmp_path / "Small.cfg", None)
    (m,) = find_models([tmp_path / "A"])  # the module name without .tla
    assert m.config == tmp_path / "A.cfg"
    with pytest.raises(UserError, match="no such spec"):
        find_models([tmp_path / "Nope.tla"])
    with pytest.raises(UserError, match="no such file or folder"):
        find_models([tmp_path / "nope"])
    with pytest.raises(UserError, match="--config applies to a single .tla"):
        find_models([tmp_path], config=tmp_path / "Small.cfg")
    with pytest.raises(UserError, match="is not a spec"):
        find_models([tmp_path / "A.cfg"])


def _result(outcome: Outcome, distinct=None, total=None, depth=None) -> CheckResult:
    return CheckResult(outcome, "tlc", distinct_states=distinct, states_generated=total,
                       depth=depth)


def _with(result: str, **counts) -> Model:
    return Model(Path("A.tla"), Path("A.cfg"), Expectation(result, **counts))


@pytest.mark.parametrize("word, outcome", [
    ("success", Outcome.HOLDS), ("safety failure", Outcome.INVARIANT_VIOLATED),
    ("liveness failure", Outcome.PROPERTY_VIOLATED), ("deadlock failure", Outcome.DEADLOCK),
    ("assumption failure", Outcome.ASSUMPTION_FAILED)])
def test_result_words(word, outcome):
    assert disagreements(_with(word), _result(outcome)) == []
    assert manifest.result_word(outcome) == word
    other = Outcome.HOLDS if outcome is not Outcome.HOLDS else Outcome.DEADLOCK
    assert disagreements(_with(word), _result(other)) == [
        f"expected {word}, got {other.value}"]


def test_counts_are_compared_for_models_that_succeed():
    model = _with("success", distinct_states=6, total_states=7, state_depth=3)
    assert disagreements(model, _result(Outcome.HOLDS, 6, 7, 3)) == []
    assert disagreements(model, _result(Outcome.HOLDS, 5, 7, 4)) == [
        "expected 6 distinct states, got 5"]
    # the depth depends on TLC's workers: a difference is only noted
    assert manifest.notes(model, _result(Outcome.HOLDS, 6, 7, 4)) == [
        "depth 4, where the manifest records 3"]
    assert manifest.notes(model, _result(Outcome.HOLDS, 6, 7, 3)) == []
    bug = _with("safety failure", distinct_states=6)
    assert disagreements(bug, _result(Outcome.INVARIANT_VIOLATED, 2)) == []


def test_unknown_accepts_any_verdict_but_not_an_error():
    assert disagreements(_with("unknown"), _result(Outcome.DEADLOCK)) == []
    assert disagreements(_with("unknown"), _result(Outcome.PARSE_ERROR)) == [
        "expected a verdict, got parse error"]


def test_without_a_manifest_a_model_must_hold():
    model = Model(Path("A.tla"), Path("A.cfg"))
    assert disagreements(model, _result(Outcome.HOLDS)) == []
    assert disagreements(model, _result(Outcome.TIMEOUT)) == [
        "expected the model to hold, got timeout"]


def test_manifests_further_down(tmp_path):
    """tlaplus/Examples: the repository root holds specifications/*/manifest.json."""
    for name in ("A", "B"):
        _spec(tmp_path / "specifications" / name, name)
        _write(tmp_path / "specifications" / name / "manifest.json",
               {"modules": [{"path": f"{name}.tla", "models": [_model(f"{name}.cfg",
                                                                       "success")]}]})
    _spec(tmp_path / ".hidden" / "C", "C")
    _write(tmp_path / ".hidden" / "C" / "manifest.json",
           {"modules": [{"path": "C.tla", "models": [_model("C.cfg", "success")]}]})
    assert [m.spec.stem for m in find_models([tmp_path])] == ["A", "B"]
