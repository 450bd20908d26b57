"""Running TLC as a subprocess, against a stand-in that replays recorded runs.

The stand-in java (``tlc_support.fake_java``) prints a fixture's output line by line and
copies its trace dumps where ``-dumpTrace`` says, so these tests cover the real subprocess
path: the command line, the working folder, streaming, timeouts, Ctrl-C and clean-up.
"""

from __future__ import annotations

import json
import os
import sys
import time
import types
from pathlib import Path

import pytest
from test_tlc_fixtures import EXPECTED, replay
from tlc_support import CASES, FIXTURES, fake_jar, staged_case, use_fake_tlc

from conformance import engines
from conformance.errors import UserError
from conformance.result import CheckResult, Outcome
from conformance.tlc import run_tlc
from conformance.tlc.toolchain import Features, Toolchain

needs_fixtures = pytest.mark.skipif(not CASES, reason=f"no TLC fixtures at {FIXTURES}")


def _runs(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()]


@needs_fixtures
@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_a_replayed_run_gives_the_recorded_result(case, tmp_path, monkeypatch):
    log = use_fake_tlc(monkeypatch, tmp_path)
    spec, cfg = staged_case(case, tmp_path / "spec")
    result = run_tlc(spec, cfg)
    recorded, _ = replay(case)
    assert result.summary() | {"duration": None} == recorded.summary() | {"duration": None}
    assert result.message == recorded.message
    assert [(p.line, p.column) for p in result.positions] == [
        (p.line, p.column) for p in recorded.positions]
    if recorded.counterexample:
        assert result.counterexample.states() == recorded.counterexample.states()
        assert result.counterexample.actions() == recorded.counterexample.actions()
        assert result.counterexample.header.loop == recorded.counterexample.header.loop
    assert not result.warnings
    assert len(_runs(log)) == 1


@needs_fixtures
def test_the_command_line_and_where_tlc_writes(tmp_path, monkeypatch):
    log = use_fake_tlc(monkeypatch, tmp_path)
    spec, cfg = staged_case("values_trace", tmp_path / "spec")
    before = sorted(p.name for p in spec.parent.iterdir())
    result = run_tlc(spec, cfg, workers=3, check_deadlock=False)
    assert result.counterexample.header.origin["source"] == "trace.tla"
    (run,) = _runs(log)
    argv = run["argv"]
    assert run["cwd"] == str(spec.parent)  # the spec's modules resolve
    assert argv[-3:] == ["-config", str(cfg.resolve()), "Values"]
    assert argv[argv.index("-workers") + 1] == "3"
    assert {"-tool", "-noGenerateSpecTE", "-deadlock"} <= set(argv)
    metadir = Path(argv[argv.index("-metadir") + 1])
    dumps = [Path(argv[i + 2]) for i, a in enumerate(argv) if a == "-dumpTrace"]
    assert [argv[i + 1] for i, a in enumerate(argv) if a == "-dumpTrace"] == ["json", "tla"]
    for path in [metadir, *dumps]:
        assert path.is_absolute() and spec.parent not in path.parents
        assert not path.parent.exists()  # the temporary folder is gone
    assert sorted(p.name for p in spec.parent.iterdir()) == before


@needs_fixtures
def test_an_older_tlc_gets_only_the_options_it_knows(tmp_path, monkeypatch):
    log = use_fake_tlc(monkeypatch, tmp_path, dumps=False)
    spec, cfg = staged_case("invariant", tmp_path / "spec")
    result = run_tlc(spec, cfg)
    (run,) = _runs(log)
    assert "-dumpTrace" not in run["argv"] and "-noGenerateSpecTE" not in run["argv"]
    assert "-deadlock" not in run["argv"]
    assert result.counterexample.header.origin["source"] == "printed states"
    assert result.counterexample.states() == [{"x": x} for x in range(4)]


HANGING_OUTPUT = """\
@!@!@STARTMSG 2262:0 @!@!@
TLC2 Version 2.19 of 08 August 2024 (rev: 5a47802)
@!@!@ENDMSG 2262 @!@!@
@!@!@STARTMSG 2185:0 @!@!@
Starting... (2024-08-08 10:00:00)
@!@!@ENDMSG 2185 @!@!@
@!@!@STARTMSG 2200:0 @!@!@
Progress(7) at 2024-08-08 10:01:00: 1,234 states generated (1,234 s/min), 567 distinct \
states found (567 ds/min), 89 states left on queue.
@!@!@ENDMSG 2200 @!@!@
"""


def _hanging(tmp_path: Path) -> tuple[Path, Path, Path]:
    folder = tmp_path / "spec"
    (folder / "replay").mkdir(parents=True)
    (folder / "Big.tla").write_text("---- MODULE Big ----\n====\n")
    (folder / "Big.cfg").write_text("INIT Init\nNEXT Next\n")
    (folder / "replay" / "stdout.tool.txt").write_text(HANGING_OUTPUT)
    (folder / "replay" / "exitcode.tool").write_text("0")
    (folder / "replay" / "hang").write_text("")
    return folder / "Big.tla", folder / "Big.cfg", folder / "replay" / "child.pid"


def _gone(pid: int) -> bool:
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def test_a_timeout_ends_tlc_and_everything_it_started(tmp_path, monkeypatch):
    use_fake_tlc(monkeypatch, tmp_path)
    spec, cfg, child = _hanging(tmp_path)
    seen = []
    started = time.monotonic()
    result = run_tlc(spec, cfg, timeout=2, progress=seen.append)
    assert time.monotonic() - started < 10
    assert result.outcome is Outcome.TIMEOUT
    # the figures of the last progress report, which arrived while TLC was still running
    assert (result.states_generated, result.distinct_states, result.states_left,
            result.depth) == (1234, 567, 89, 7)
    assert len(seen) == 1 and seen[0].distinct_states == 567
    assert result.tool_version == "2.19 of 08 August 2024 (rev: 5a47802)"
    assert _gone(int(child.read_text())), "TLC's child process survived"


def test_ctrl_c_ends_tlc_and_propagates(tmp_path, monkeypatch):
    use_fake_tlc(monkeypatch, tmp_path)
    spec, cfg, child = _hanging(tmp_path)

    def interrupt(progress):
        raise KeyboardInterrupt

    temp = Path(os.environ.get("TMPDIR", "/tmp"))
    before = {p for p in temp.glob("conform-tlc-*")}
    with pytest.raises(KeyboardInterrupt):
        run_tlc(spec, cfg, progress=interrupt)
    assert _gone(int(child.read_text()))
    assert {p for p in temp.glob("conform-tlc-*")} == before  # the work folder is removed


def test_tlc_that_dies_without_a_verdict(tmp_path, monkeypatch):
    use_fake_tlc(monkeypatch, tmp_path)
    folder = tmp_path / "spec"
    (folder / "replay").mkdir(parents=True)
    (folder / "M.tla").write_text("---- MODULE M ----\n====\n")
    (folder / "M.cfg").write_text("")
    (folder / "replay" / "stdout.tool.txt").write_text(
        "Exception in thread \"main\" java.lang.OutOfMemoryError: Java heap space\n")
    (folder / "replay" / "exitcode.tool").write_text("1")
    result = run_tlc(folder / "M.tla")
    assert result.outcome is Outcome.TLC_FAILURE
    assert "status 1" in result.message and "OutOfMemoryError" in result.message


def test_bad_model_files(tmp_path, monkeypatch):
    use_fake_tlc(monkeypatch, tmp_path)
    with pytest.raises(UserError, match="no such spec"):
        run_tlc(tmp_path / "Missing.tla")
    spec = tmp_path / "M.tla"
    spec.write_text("---- MODULE M ----\n====\n")
    with pytest.raises(UserError, match="M.cfg does not exist") as e:
        run_tlc(spec)
    assert "--config" in e.value.hint
    (tmp_path / "M.cfg").write_bytes(b"INIT \xff\xfe\n")
    with pytest.raises(UserError, match="not UTF-8"):
        run_tlc(spec)
    (tmp_path / "M.txt").write_text("")
    with pytest.raises(UserError, match="not a TLA\\+ module"):
        run_tlc(tmp_path / "M.txt")


def test_a_java_that_cannot_start(tmp_path):
    spec = tmp_path / "M.tla"
    spec.write_text("---- MODULE M ----\n====\n")
    (tmp_path / "M.cfg").write_text("")
    tools = Toolchain(java=tmp_path / "no-java", java_version=17,
                      jar=fake_jar(tmp_path / "t.jar"), jar_source="test", features=Features())
    with pytest.raises(UserError, match="TLC could not be started"):
        run_tlc(spec, tools=tools)


# --------------------------------------------------------------------------- engines


@needs_fixtures
def test_auto_runs_tlc_when_it_is_found(tmp_path, monkeypatch):
    use_fake_tlc(monkeypatch, tmp_path)
    spec, cfg = staged_case("success", tmp_path / "spec")
    assert engines.resolve_engine("auto") == "tlc"
    result = engines.check_model(spec, cfg, engine="auto")
    assert result.engine == "tlc" and result.ok and result.distinct_states == 6


def test_auto_falls_back_to_the_embedded_engine(tmp_path, monkeypatch):
    monkeypatch.delenv("TLA2TOOLS_JAR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    calls = []

    def check_model(spec, config, **kw):
        calls.append((spec, config, kw))
        return CheckResult(Outcome.HOLDS, "embedded", spec=spec.stem)

    monkeypatch.setitem(sys.modules, "conformance.tla",
                        types.SimpleNamespace(check_model=check_model))
    monkeypatch.setattr(engines.importlib.util, "find_spec", lambda name: object())
    spec = tmp_path / "M.tla"
    spec.write_text("---- MODULE M ----\n====\n")
    (tmp_path / "M.cfg").write_text("")
    assert engines.resolve_engine("auto") == "embedded"
    result = engines.check_model(spec, engine="auto", workers=2, timeout=5)
    assert result.engine == "embedded"
    ((s, c, kw),) = calls
    assert (s, c) == (spec, tmp_path / "M.cfg")
    assert kw == {"workers": 2, "timeout": 5, "progress": None, "check_deadlock": None}


def test_no_engine_at_all(tmp_path, monkeypatch):
    monkeypatch.delenv("TLA2TOOLS_JAR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(engines.importlib.util, "find_spec", lambda name: None)
    spec = tmp_path / "M.tla"
    spec.write_text("---- MODULE M ----\n====\n")
    (tmp_path / "M.cfg").write_text("")
    with pytest.raises(UserError, match="embedded TLA\\+ engine is not part .* TLC was not"):
        engines.check_model(spec, engine="auto")
    with pytest.raises(UserError, match="TLC was not found"):
        engines.check_model(spec, engine="tlc")
    with pytest.raises(UserError, match="unknown engine"):
        engines.check_model(spec, engine="apalache")
