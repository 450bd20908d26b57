"""``conform modelcheck`` end to end, with the stand-in TLC replaying recorded runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tlc_support import CASES, FIXTURES, staged_case, use_fake_tlc

from conformance.cli import main
from conformance.trace import read_trace

pytestmark = pytest.mark.skipif(not CASES, reason=f"no TLC fixtures at {FIXTURES}")


def _manifest(specs: Path, cases: dict[str, dict]) -> Path:
    """specs/<case>/... for each case, and a manifest listing them with expectations."""
    modules = []
    for case, expect in cases.items():
        spec, cfg = staged_case(case, specs / case)
        modules.append({"path": f"{case}/{spec.name}", "features": [], "models": [
            {"path": f"{case}/{cfg.name}", "runtime": "00:00:01",
             "mode": "exhaustive search", **expect}]})
    path = specs / "manifest.json"
    path.write_text(json.dumps({"sources": [], "authors": [], "tags": [], "modules": modules},
                               indent=1))
    return path


AS_EXPECTED = {
    "success": {"result": "success", "distinctStates": 6, "totalStates": 6, "stateDepth": 6},
    "invariant": {"result": "safety failure"},
    "liveness": {"result": "liveness failure"},
    "deadlock": {"result": "deadlock failure"},
    "assume_fail": {"result": "assumption failure"},
    "values_trace": {"result": "safety failure"},
}


def test_a_folder_with_a_manifest(tmp_path, monkeypatch, capsys):
    use_fake_tlc(monkeypatch, tmp_path)
    _manifest(tmp_path / "specs", AS_EXPECTED)
    traces = tmp_path / "out"
    monkeypatch.chdir(tmp_path)
    assert main(["modelcheck", "specs", "--engine", "tlc", "--trace-dir", str(traces)]) == 0
    out = capsys.readouterr().out
    assert "6 models checked with tlc: all as expected" in out
    for word in ("safety failure ✓", "liveness failure ✓", "deadlock failure ✓",
                 "assumption failure ✓", "success ✓"):
        assert word in out
    written = sorted(p.name for p in traces.glob("*.ndjson"))
    # one per counterexample (invariant, liveness, deadlock, values), same names numbered
    assert written == ["Counter-2.ndjson", "Counter-3.ndjson", "Counter.ndjson",
                       "Values.ndjson"]
    # each with its page beside it
    assert sorted(p.name for p in traces.glob("*.html")) == \
        sorted(name.replace(".ndjson", ".html") for name in written)
    values = read_trace(traces / "Values.ndjson")
    assert values.header.violated == "ShortLog" and len(values.steps) == 3
    lasso = [read_trace(p) for p in traces.glob("*.ndjson")
             if read_trace(p).header.loop is not None]
    assert len(lasso) == 1 and lasso[0].header.violated == "Reaches"
    assert main(["trace", "show", str(traces / "Values.ndjson")]) == 0
    shown = capsys.readouterr().out
    assert "counterexample to ShortLog" in shown
    assert '/\\ log = <<[cmd |-> "set", term |-> 0], [cmd |-> "set", term |-> 1]>>' in shown


def test_a_model_that_does_not_give_what_its_manifest_says(tmp_path, monkeypatch, capsys):
    use_fake_tlc(monkeypatch, tmp_path)
    _manifest(tmp_path / "specs", {
        "success": {"result": "success", "distinctStates": 7, "stateDepth": 5},
        "invariant": {"result": "success"},
        "deadlock": {"result": "deadlock failure"}})
    code = main(["modelcheck", str(tmp_path / "specs"), "--trace-dir", str(tmp_path / "t")])
    out = capsys.readouterr().out
    assert code == 1
    assert "expected 7 distinct states, got 6" in out
    assert "depth 6, where the manifest records 5" in out  # noted, not a disagreement
    assert "expected success, got invariant violated" in out
    assert "2 did not give what was expected" in out
    assert "conform trace show" in out


def test_json_output(tmp_path, monkeypatch, capsys):
    use_fake_tlc(monkeypatch, tmp_path)
    _manifest(tmp_path / "specs", {"invariant": {"result": "safety failure"},
                                   "success": {"result": "success"}})
    path = tmp_path / "specs" / "manifest.json"
    doc = json.loads(path.read_text())
    doc["modules"][1]["models"][0]["mode"] = "symbolic"  # Apalache's: not checked here
    path.write_text(json.dumps(doc))
    assert main(["modelcheck", str(tmp_path / "specs"), "--json",
                 "--trace-dir", str(tmp_path / "t")]) == 0
    rows = json.loads(capsys.readouterr().out)
    inv, skipped = rows
    assert inv["outcome"] == "invariant violated" and inv["violated"] == "Small"
    assert inv["expected"] == "safety failure" and inv["agrees"] is True
    assert inv["distinct_states"] == 4 and inv["trace_length"] == 4
    assert read_trace(inv["trace_file"]).states()[-1] == {"x": 3}
    assert "symbolic" in skipped["skipped"]


def test_a_single_spec(tmp_path, monkeypatch, capsys):
    use_fake_tlc(monkeypatch, tmp_path)
    spec, _ = staged_case("success", tmp_path / "ok")
    assert main(["modelcheck", str(spec), "--trace-dir", str(tmp_path / "t")]) == 0
    assert "holds" in capsys.readouterr().out
    spec, cfg = staged_case("invariant", tmp_path / "bad")
    assert main(["modelcheck", str(spec), "--config", str(cfg),
                 "--trace-dir", str(tmp_path / "t")]) == 1
    out = capsys.readouterr().out
    assert "invariant violated" in out and "Counter.ndjson" in out
    assert read_trace(tmp_path / "t" / "Counter.ndjson").header.violated == "Small"


@pytest.mark.parametrize("case, code, words", [
    ("parse_error", 2, ['Encountered "===="', "ParseError.tla:6:1"]),
    ("semantic_error", 2, ["Unknown operator: `y'.", "SemanticError.tla:5:14"]),
    ("bad_cfg", 2, ["NoSuchOp", "Counter.cfg:3:11"]),
    ("eval_error", 1, ["Attempted to apply Tail", "EvalError.tla:5:14"]),
])
def test_errors_are_shown_with_their_positions(case, code, words, tmp_path, monkeypatch,
                                               capsys):
    use_fake_tlc(monkeypatch, tmp_path)
    spec, cfg = staged_case(case, tmp_path / "spec")
    assert main(["modelcheck", str(spec), "--config", str(cfg),
                 "--trace-dir", str(tmp_path / "t")]) == code
    out = capsys.readouterr().out
    for word in words:
        assert word in out


def test_bad_input_is_one_message(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("TLA2TOOLS_JAR", raising=False)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    spec, cfg = staged_case("success", tmp_path / "spec")

    assert main(["modelcheck", str(spec), "--engine", "tlc"]) == 2
    err = capsys.readouterr().err
    assert "TLC was not found" in err and "conform tlc install" in err
    assert "Traceback" not in err

    use_fake_tlc(monkeypatch, tmp_path)
    monkeypatch.delenv("JAVA_HOME")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert main(["modelcheck", str(spec), "--engine", "tlc"]) == 2
    assert "Java was not found" in capsys.readouterr().err

    use_fake_tlc(monkeypatch, tmp_path)
    assert main(["modelcheck", str(tmp_path / "Nope.tla"), "--engine", "tlc"]) == 2
    assert "no such spec" in capsys.readouterr().err

    cfg.write_bytes(b"\xff\xfeCONSTANT")
    assert main(["modelcheck", str(spec), "--engine", "tlc"]) == 2
    assert "not UTF-8" in capsys.readouterr().err

    for bad in ("0", "-1", "nan", "inf"):
        with pytest.raises(SystemExit) as exit_:
            main(["modelcheck", str(spec), "--timeout", bad])
        assert exit_.value.code == 2
        assert "argument --timeout" in capsys.readouterr().err
    assert main(["modelcheck", str(spec), "--workers", "many"]) == 2
    assert "--workers must be" in capsys.readouterr().err
