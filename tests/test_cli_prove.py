"""``conform prove``: the table, JSON, exit statuses, and that breaking a shared predicate in
impl/ makes the command fail."""

import json

import pytest

import impl.paxos.rules
import impl.quorum
import impl.raft.rules
from conformance.cli import main, output
from conformance.smt import broken

SMALL = ["prove", "-n", "3", "-l", "2", "-b", "2"]


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch):
    """Rich wraps at 80 columns when captured; the assertions read unwrapped lines."""
    monkeypatch.setattr(output.console, "_width", 200)


def _json(capsys, argv):
    code = main(argv + ["--json"])
    return code, json.loads(capsys.readouterr().out)


def test_the_table_and_its_verdict(capsys):
    assert main(SMALL) == 0
    out = capsys.readouterr().out
    for words in ["majority quorums intersect", "leader completeness", "n = 1..3",
                  "log length <= 2", "ballots 0..1", "counterexample (expected)",
                  "share no member", "all 15 claims as expected"]:
        assert words in out, words


def test_json_has_every_claim_with_its_result(capsys):
    code, data = _json(capsys, SMALL)
    assert code == 0 and data["ok"] is True
    assert data["bounds"] == {"servers": 3, "log_length": 2, "ballots": 2, "systems": []}
    results = data["results"]
    assert len(results) == 15
    assert all(r["ok"] for r in results)
    proved = [r for r in results if r["expect"] == "proved"]
    refuted = [r for r in results if r["expect"] == "counterexample"]
    assert len(proved) == 9 and len(refuted) == 6
    assert all(r["result"] == "counterexample" and r["counterexample"]["summary"]
               for r in refuted)
    two_server = next(r for r in refuted if r["property"].startswith("two-server"))
    first, second = two_server["counterexample"]["quorums"]
    assert not set(first["quorum"]) & set(second["quorum"])


def test_a_user_system_that_does_not_intersect_fails(tmp_path, capsys):
    f = tmp_path / "q.toml"
    f.write_text('[system.ok]\nacceptors = ["a", "b", "c"]\nquorum = "majority"\n\n'
                 '[system.bad]\nacceptors = ["a", "b", "c", "d"]\nphase1 = 2\nphase2 = 2\n')
    assert main(SMALL + ["--quorums", str(f)]) == 1
    out = capsys.readouterr().out
    assert "bad: quorum any 2 of 4" in out
    assert "2 of 19 claims failed" in out
    code, data = _json(capsys, SMALL + ["-q", str(f)])
    assert code == 1
    failed = [r for r in data["results"] if not r["ok"]]
    assert {r["property"] for r in failed} == {"Paxos phase-1, phase-2 quorums meet",
                                               "Paxos: a chosen value stays chosen"}
    assert all("bad" in r["parameters"] for r in failed)


def test_a_malformed_system_file_is_a_clear_error(tmp_path, capsys):
    f = tmp_path / "q.toml"
    f.write_text('[system.x]\nacceptors = ["a", "b"]\nphase1 = 1\nphse2 = 1\n')
    assert main(SMALL + ["--quorums", str(f)]) == 2
    err = capsys.readouterr().err
    assert f"{f}:4:1" in err and "unknown key 'phse2'" in err
    assert "Traceback" not in err


def test_bounds_too_small_to_mean_anything_are_refused(capsys):
    assert main(["prove", "-n", "2"]) == 2
    assert "--servers must be at least 3" in capsys.readouterr().err
    assert main(["prove", "-l", "1"]) == 2
    assert "--log-length must be at least 2" in capsys.readouterr().err


@pytest.mark.parametrize("module, name, replacement, failing", [
    (impl.quorum, "is_quorum", broken.tie_quorum,
     {"is_quorum = the spec's IsQuorum", "majority quorums intersect",
      "single-server change: C, C±1 quorums meet",
      "joint quorums meet C_old and C_new quorums", "leader completeness"}),
    (impl.raft.rules, "log_up_to_date", broken.up_to_date_by_length,
     {"up-to-date check = the spec's UpToDate", "leader completeness"}),
    (impl.paxos.rules, "value_to_propose", broken.ignore_promises,
     {"Paxos: a chosen value stays chosen"}),
])
def test_breaking_a_shared_predicate_breaks_the_proofs(monkeypatch, capsys, module, name,
                                                       replacement, failing):
    monkeypatch.setattr(module, name, replacement)
    code, data = _json(capsys, ["prove", "-n", "4", "-l", "2", "-b", "2"])
    assert code == 1 and data["ok"] is False
    assert {r["property"] for r in data["results"] if not r["ok"]} == failing
