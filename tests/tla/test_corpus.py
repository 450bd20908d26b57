"""``conform corpus``: manifests in tlaplus/Examples' format, run and compared."""

import json
import shutil

import pytest

from conformance.cli import main
from conformance.corpus import compare, models_under, run_all, select, summary


@pytest.fixture
def corpus(tmp_path, specdir):
    spec = tmp_path / "specifications" / "small"
    spec.mkdir(parents=True)
    for name in ("Vote.tla", "Vote.cfg", "Branching.tla", "Branching.cfg"):
        shutil.copy(specdir / name, spec / name)
    models = lambda module, entries: {"path": f"specifications/small/{module}",  # noqa: E731
                                      "features": [], "models": entries}
    manifest = {"sources": [], "authors": [], "tags": [], "modules": [
        models("Vote.tla", [{"path": "specifications/small/Vote.cfg", "runtime": "00:00:01",
                             "mode": "exhaustive search", "result": "success",
                             "distinctStates": 101, "totalStates": 283, "stateDepth": 9}]),
        models("Branching.tla", [
            {"path": "specifications/small/Branching.cfg", "runtime": "00:00:01",
             "mode": "exhaustive search", "result": "success", "distinctStates": 8,
             "totalStates": 61, "stateDepth": 3, "workers": 1},
            {"path": "specifications/small/Branching.cfg", "runtime": "00:10:00",
             "mode": "exhaustive search", "result": "success"}]),
    ]}
    (spec / "manifest.json").write_text(json.dumps(manifest))
    return tmp_path / "specifications"


def test_entries_are_read_and_filtered(corpus):
    models = models_under(corpus)
    assert len(models) == 3
    assert len(select(models, max_runtime=5)) == 2
    assert all(m.spec.exists() and m.config.exists() for m in models)


def test_runs_compare_with_the_recorded_figures(corpus):
    runs = run_all(select(models_under(corpus), max_runtime=5), timeout=60)
    verdicts = {r.model.spec.name: r for r in runs}
    assert verdicts["Vote.tla"].verdict == "agrees"
    # the manifest's 61 is wrong on purpose: TLC generates 60 states
    assert verdicts["Branching.tla"].verdict == "disagrees"
    assert "got 60" in verdicts["Branching.tla"].detail
    assert summary(runs) == {"agrees": 1, "disagrees": 1}


def test_compare_verdicts_for_unsupported_timeouts_and_errors(corpus):
    (entry, *_) = models_under(corpus)
    assert compare(entry, {"timeout": True, "limit": 3}).verdict == "timeout"
    assert compare(entry, {"unsupported": "action composition"}).verdict == "unsupported"
    assert compare(entry, {"outcome": "parse error", "message": "x"}).verdict == "error"
    assert compare(entry, {"outcome": "invariant violated"}).verdict == "disagrees"
    got = {"outcome": "holds", "distinct": 101, "generated": 283, "depth": 11}
    run = compare(entry, got)  # TLC's depth depends on its workers: noted, not compared
    assert run.verdict == "agrees" and "depth 11" in run.detail


def test_cli_prints_json(corpus, capsys):
    status = main(["corpus", str(corpus), "--max-runtime", "5", "--json", "--match", "Vote"])
    out = json.loads(capsys.readouterr().out)
    assert status == 0
    assert out["summary"] == {"agrees": 1}
    (model,) = out["models"]
    assert model["got"]["distinct"] == 101 and model["expected"]["total"] == 283
