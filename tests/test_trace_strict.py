"""Trace files from strangers: every malformed header, step or value is refused with the file
and line, before anything runs; output paths and arguments are checked the same way."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.errors import UserError
from conformance.outputs import OutputError, ensure_dir, write_text
from conformance.schedules import failures
from conformance.trace import TraceFileError, read_trace
from conformance.trace.files import parse_trace

CORPUS = Path(__file__).resolve().parent.parent / "traces" / "corpus"
SAMPLE = CORPUS / "raft-forget_vote_on_restart-1a7d5e3813.ndjson"


def lines() -> list[str]:
    return SAMPLE.read_text().splitlines()


def with_header(**change) -> list[str]:
    out = lines()
    header = json.loads(out[0])
    for key, value in change.items():
        if value is ...:
            header.pop(key, None)
        else:
            header[key] = value
    out[0] = json.dumps(header)
    return out


def with_step(n: int, **change) -> list[str]:
    out = lines()
    step = json.loads(out[n])
    step.update(change)
    out[n] = json.dumps(step)
    return out


def refused(text_lines: list[str], expect: str, line: int | None = None) -> None:
    with pytest.raises(TraceFileError) as err:
        parse_trace(text_lines, "t.ndjson")
    assert expect in str(err.value)
    if line is not None:
        assert err.value.position is not None and err.value.position.line == line


def test_the_sample_reads():
    assert len(parse_trace(lines()).steps) == len(lines()) - 1


@pytest.mark.parametrize("raw, expect", [
    ('{"a": 1, "a": 2}', "appears twice"),
    ("[" * 500 + "]" * 500, "nested more than"),
    ("[" * 100_000, "nested more than"),
    ("1" * 5000, "digits"),
    ('"\\ud800"', "lone surrogate"),
    ('{"\\udfff": 1}', "lone surrogate"),
    ("NaN", "not JSON"),
    ("{", "not JSON"),
])
def test_json_beyond_the_limits_is_one_error(raw, expect):
    refused([raw], expect, line=1)
    refused([lines()[0], raw], expect, line=2)


@pytest.mark.parametrize("change, expect", [
    ({"version": True}, "version"),
    ({"version": 1.0}, "version"),
    ({"spec": 7}, "'spec' must be"),
    ({"spec": ...}, "missing field 'spec'"),
    ({"variables": "log"}, "'variables' must be an array of names"),
    ({"variables": [1, 2]}, "'variables' must be an array of names"),
    ({"origin": []}, "'origin' must be"),
    ({"constants": [1]}, "'constants' must be"),
    ({"schedule": [1, 2]}, "\"schedule\" must be an array of decisions"),
    ({"schedule": {"kind": "tick"}}, "\"schedule\" must be an array of decisions"),
    ({"loop": True}, "'loop' must be"),
    ({"model": 3}, "'model' must be"),
    ({"partial": "log"}, "'partial' must be an array of names"),
    ({"cluster": {"bugs": []}}, "\"cluster\" must be an object with \"settings\""),
    ({"cluster": {"settings": {}, "bugs": "x"}}, "'cluster.bugs' must be"),
])
def test_malformed_headers_are_refused(change, expect):
    refused(with_header(**change), expect, line=1)


@pytest.mark.parametrize("change, expect", [
    ({"index": 1.0}, "'index' must be"),
    ({"index": True}, "'index' must be"),
    ({"action": ["Timeout"]}, "'action' must be"),
    ({"node": 1}, "'node' must be"),
    ({"params": [1]}, "'params' must be"),
    ({"state": {"votedFor": 1, "nosuch": 2}}, "'nosuch', which is not among"),
    ({"location": {"file": "x", "line": "3"}}, "\"location\" must be"),
    ({"decision": "1"}, "\"decision\" must be"),
])
def test_malformed_steps_are_refused(change, expect):
    refused(with_step(1, **change), expect, line=2)


@pytest.mark.parametrize("value, expect", [
    ({"#bigint": "0000"}, "#bigint needs"),
    ({"#bigint": "+5"}, "#bigint needs"),
    ({"#bigint": 5}, "#bigint needs"),
    (1.0, "not an integer"),
    ({"#mv": ""}, "#mv needs"),
    # values Python's equality merges and TLA+ does not (1 and TRUE): never silently one
    ({"#set": [1, True]}, "TRUE in one set: TLC cannot compare them"),
    ({"#set": [{"g": False}, {"g": 0}]}, "in one set: TLC cannot compare them"),
    ({"#map": [[0, "a"], [False, "b"]]}, "in one domain: TLC cannot compare them"),
    ({"#map": [[{"#mv": "s2"}, 1], [{"#mv": "s2"}, 2]]}, "the key s2 is given twice"),
])
def test_malformed_values_in_a_state_are_refused(value, expect):
    step = json.loads(lines()[1])
    step["state"]["commitIndex"] = {"#map": [[{"#mv": "s1"}, value]]}
    refused([lines()[0], json.dumps(step)], expect, line=2)


def saved_with(tmp_path: Path, **change) -> Path:
    path = tmp_path / "t.ndjson"
    path.write_text("\n".join(with_header(**change)) + "\n")
    return path


def cluster(**settings) -> dict:
    base = {"servers": ["s1", "s2", "s3"], "initial": ["s1", "s2", "s3"], "values": ["v1"],
            "pre_vote": True, "check_quorum": True, "batch": 1}
    base.update(settings)
    return {"settings": {k: v for k, v in base.items() if v is not ...}, "bugs": []}


@pytest.mark.parametrize("change, expect", [
    ({"cluster": cluster(batch=...)}, "lack 'batch'"),
    ({"cluster": cluster(batch="1")}, "'batch' = \"1\" has the wrong shape"),
    ({"cluster": cluster(batch=-1)}, "'batch' = -1 has the wrong shape"),
    ({"cluster": cluster(pre_vote=1)}, "'pre_vote' = 1 has the wrong shape"),
    ({"cluster": cluster(servers=[])}, "'servers' = [] has the wrong shape"),
    ({"cluster": cluster(servers="s1")}, "'servers' = \"s1\" has the wrong shape"),
    ({"schedule": [{"kind": "explode"}]}, "decision 0 of the header's \"schedule\" has kind"),
    ({"schedule": [{"kind": "deliver", "arg": "1"}]}, "needs a message id"),
    ({"schedule": [{"kind": "deliver", "arg": True}]}, "needs a message id"),
    ({"schedule": [{"kind": "tick"}]}, "(tick) must name its node"),
    ({"schedule": [{"kind": "crash", "node": "s1", "arg": -3}]}, "(crash) takes the bytes"),
    ({"schedule": [{"kind": "partition", "arg": "s1"}]}, "needs the groups"),
    ({"schedule": [{"kind": "submit", "node": "s1", "arg": [1]}]}, "a string or an integer"),
    ({"schedule": [{"kind": "tick", "node": "s1", "extra": 1}]}, "unknown fields"),
])
def test_replay_checks_the_cluster_and_the_schedule_before_running(tmp_path, change, expect):
    from conformance import protocols

    path = saved_with(tmp_path, **change)
    with pytest.raises(UserError) as err:
        failures.load(path, protocols)
    assert expect in str(err.value)
    assert err.value.position is not None and err.value.position.line == 1


def test_settings_that_build_no_cluster_are_the_files_fault(tmp_path, capsys):
    path = saved_with(tmp_path, cluster=cluster(initial=["s9"]))
    assert main(["replay", str(path)]) == 2
    err = capsys.readouterr().err
    assert "break the spec's assumption" in err and "Traceback" not in err


def test_a_lone_surrogate_is_refused_not_printed(tmp_path, capsys):
    out = lines()
    step = json.loads(out[1])
    step["node"] = "\ud800"
    out[1] = json.dumps(step)  # json.dumps writes it as \ud800: valid JSON, not text
    path = tmp_path / "t.ndjson"
    path.write_text("\n".join(out) + "\n")
    for command in (["trace", "show"], ["validate"], ["replay"]):
        assert main([*command, str(path)]) == 2
        assert "t.ndjson:2" in capsys.readouterr().err


# --------------------------------------------------------------------------- outputs


def test_outputs_go_only_onto_regular_files_or_nothing(tmp_path):
    target = tmp_path / "out.ndjson"
    write_text(target, "one\n")
    write_text(target, "two\n")  # a regular file is replaced
    assert target.read_text() == "two\n"
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "link"
    link.symlink_to(target)
    folder = tmp_path / "folder"
    folder.mkdir()
    for bad, kind in ((fifo, "a named pipe"), (link, "a symbolic link"),
                      (folder, "a folder"), (Path("/dev/null"), "a character device")):
        with pytest.raises(OutputError, match=kind):
            write_text(bad, "x")
    assert fifo.exists() and link.is_symlink() and target.read_text() == "two\n"
    assert Path("/dev/null").is_char_device()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_output_folder_errors_name_the_path(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(OutputError, match="a file of that name is in the way"):
        ensure_dir(blocker)
    with pytest.raises(OutputError, match=str(blocker / "x")):
        write_text(blocker / "x" / "t.ndjson", "x")


def test_a_failing_write_leaves_nothing_behind(tmp_path, monkeypatch):
    import errno

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(OutputError, match="No space left on device"):
        write_text(tmp_path / "t.ndjson", "x")
    assert list(tmp_path.iterdir()) == []


def test_cli_output_errors_are_one_line(tmp_path, capsys):
    assert main(["trace", "itf", str(SAMPLE), "-o", "/dev/null"]) == 2
    err = capsys.readouterr().err
    assert "/dev/null" in err and "character device" in err and "Traceback" not in err
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["cluster", "up", "--dir", str(blocker)]) == 2
    assert "in the way" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [
    ["cluster", "up", "--tick", "0"], ["cluster", "up", "--tick", "-1"],
    ["cluster", "up", "--tick", "nan"], ["cluster", "up", "--spare", "-1"],
    ["cluster", "up", "--nodes", "0"], ["cluster", "up", "--base-port", "70000"],
    ["run", "--max-decisions", "0"], ["run", "--examples", "-3"], ["bugs", "--examples", "0"],
    ["corpus", "x", "-j", "0"], ["prove", "-n", "0"],
])
def test_arguments_out_of_range_are_refused(argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    assert "error: argument" in capsys.readouterr().err


def test_read_trace_names_the_file(tmp_path):
    path = tmp_path / "t.ndjson"
    path.write_text('{"format": "conform-trace", "version": 1, "version": 1}\n')
    with pytest.raises(TraceFileError, match="appears twice") as err:
        read_trace(path)
    assert str(err.value).startswith(f"{path}:1")


def test_nesting_is_refused_one_level_past_the_limit_and_width_is_not_depth():
    from conformance.trace import safejson

    def nested(depth: int) -> str:  # arrays and objects alternating, `depth` deep
        text = "1"
        for d in range(depth):
            text = f"[{text}]" if d % 2 else f'{{"k": {text}}}'
        return text
    assert safejson.loads(nested(safejson.MAX_DEPTH)) is not None
    with pytest.raises(safejson.JsonLimitError, match="nested more than"):
        safejson.loads(nested(safejson.MAX_DEPTH + 1))
    # a wide state (hundreds of records, more brackets than the limit) is walked, not refused
    wide = json.dumps({"msgs": [{"type": "m", "to": [i, [i]]} for i in range(300)]})
    assert len(safejson.loads(wide)["msgs"]) == 300
    bad = wide.replace('"type": "m"', '"type": "\\ud800"', 1)
    with pytest.raises(safejson.JsonLimitError, match="lone surrogate"):
        safejson.loads(bad)
    bad_key = wide.replace('"to"', '"\\udc00"', 1)
    with pytest.raises(safejson.JsonLimitError, match="lone surrogate"):
        safejson.loads(bad_key)
