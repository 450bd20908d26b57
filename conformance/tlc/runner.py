"""Running TLC on one model as a subprocess, and turning what it says into a CheckResult.

TLC runs in the spec's folder (so the spec's modules resolve) with ``-tool`` output, which is
read line by line as it arrives: progress reaches the caller while TLC works. Everything TLC
writes (its state queue, fingerprints, trace dumps) goes to a temporary folder that is
removed afterwards; nothing is written next to the spec. TLC starts in a session of its own,
so a timeout or Ctrl-C ends it and any process it started, and leaves nothing running.
"""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conformance.errors import Position, UserError
from conformance.result import CheckResult, Progress
from conformance.tla import cfg as cfgfile
from conformance.tla.errors import ConfigError
from conformance.tlc import counterexample as cex
from conformance.tlc.report import Report, Sources, verdict
from conformance.tlc.stream import MessageReader
from conformance.tlc.toolchain import Toolchain, find_toolchain
from conformance.trace.schema import Trace

_GRACE = 3.0  # seconds TLC gets to exit after SIGTERM before SIGKILL


def model_files(spec: Path, config: Path | None) -> tuple[Path, Path]:
    """The spec and its .cfg, checked to exist and be readable (UserError otherwise)."""
    spec = Path(spec)
    if not spec.suffix and not spec.exists() and spec.with_suffix(".tla").is_file():
        spec = spec.with_suffix(".tla")  # a module named without its extension
    if not spec.is_file():
        raise UserError(f"no such spec: {spec}", hint="Give the path of a .tla file.")
    if spec.suffix != ".tla":
        raise UserError(f"{spec} is not a TLA+ module (expected a .tla file)")
    config = Path(config) if config is not None else spec.with_suffix(".cfg")
    if not config.is_file():
        raise UserError(f"no model for {spec.name}: {config} does not exist",
                        hint="Pass the model with --config FILE.cfg.")
    for path in (spec, config):
        try:
            path.read_text(encoding="utf-8")
        except UnicodeDecodeError as e:
            raise UserError(f"{path} is not UTF-8 text (byte {e.start}): TLC cannot read it.",
                            Position(str(path)))
        except OSError as e:
            raise UserError(f"cannot read {path}: {e.strerror or e}", Position(str(path)))
    return spec, config


def tlc_command(tools: Toolchain, module: str, config: Path, workdir: Path, *, workers: int,
                check_deadlock: bool | None) -> list[str]:
    cmd = tools.command() + ["-tool", "-workers", str(workers),
                             "-metadir", str(workdir / "states")]
    f = tools.features
    if f.no_generate_spec_te:
        cmd.append("-noGenerateSpecTE")
    if f.dump_trace_json:
        cmd += ["-dumpTrace", "json", str(workdir / "trace.json")]
    if f.dump_trace_tla:
        cmd += ["-dumpTrace", "tla", str(workdir / "trace.tla")]
    if check_deadlock is False:
        cmd.append("-deadlock")  # TLC's -deadlock turns the check *off*
    cmd += ["-config", str(config.resolve()), module]
    return cmd


def run_tlc(spec: Path, config: Path | None = None, *, workers: int = 1,
            timeout: float | None = None, progress: Callable[[Progress], None] | None = None,
            check_deadlock: bool | None = None, tools: Toolchain | None = None) -> CheckResult:
    """Check one model with TLC.

    ``check_deadlock=False`` turns deadlock checking off; None leaves it to the .cfg (TLC
    cannot turn it on when the .cfg says ``CHECK_DEADLOCK FALSE``). On a timeout the result's
    outcome is TIMEOUT with the figures of TLC's last progress report; Ctrl-C stops TLC and
    propagates as KeyboardInterrupt.
    """
    spec, config = model_files(spec, config)
    tools = tools or find_toolchain()
    workers = max(1, workers or os.cpu_count() or 1)
    workdir = Path(tempfile.mkdtemp(prefix="conform-tlc-"))
    try:
        cmd = tlc_command(tools, spec.stem, config, workdir, workers=workers,
                          check_deadlock=check_deadlock)
        report = Report(on_progress=progress)
        started = time.monotonic()
        status, timed_out = _run(cmd, spec.parent, report, timeout)
        duration = time.monotonic() - started
        return build_result(report, spec=spec, config=config, exit_status=status,
                            timed_out=timed_out, duration=duration, dump_dir=workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run_command(cmd: list[str], cwd: Path, timeout: float | None
                ) -> tuple[Report, int, bool, float]:
    """Run a TLC command line of the caller's making (for runs with options of their own);
    what it reported, its exit status, whether it was stopped at ``timeout``, seconds."""
    report = Report()
    started = time.monotonic()
    status, timed_out = _run(cmd, cwd, report, timeout)
    return report, status, timed_out, time.monotonic() - started


def _run(cmd: list[str], cwd: Path, report: Report, timeout: float | None) -> tuple[int, bool]:
    try:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, text=True, encoding="utf-8",
                                errors="replace", bufsize=1, start_new_session=True)
    except OSError as e:
        raise UserError(f"TLC could not be started ({cmd[0]}): {e.strerror or e}",
                        hint="Check the Java installation (`conform tlc where`).")
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    reader = MessageReader()
    pumping = threading.Thread(target=pump, name="tlc-output", daemon=True)
    pumping.start()
    deadline = None if timeout is None else time.monotonic() + timeout
    timed_out = False
    try:
        while True:
            wait = 0.25 if deadline is None else max(0.0, min(0.25, deadline - time.monotonic()))
            try:
                line = lines.get(timeout=wait)
            except queue.Empty:
                if deadline is not None and not timed_out and time.monotonic() >= deadline:
                    timed_out = True
                    _stop(proc)
                continue
            if line is None:
                break
            for msg in reader.feed(line):
                report.add(msg)
        for msg in reader.close():
            report.add(msg)
        status = proc.wait()
    except BaseException:  # Ctrl-C (or anything else): leave no TLC behind
        _stop(proc)
        raise
    finally:
        pumping.join(timeout=_GRACE)
    return status, timed_out


def _stop(proc: subprocess.Popen) -> None:
    """End TLC's whole process group: SIGTERM, then SIGKILL after a grace period."""
    if proc.poll() is not None:
        return
    try:
        if hasattr(os, "killpg"):
            os.killpg(proc.pid, signal.SIGTERM)
        else:  # pragma: no cover - Windows
            proc.terminate()
        try:
            proc.wait(timeout=_GRACE)
        except subprocess.TimeoutExpired:
            if hasattr(os, "killpg"):
                os.killpg(proc.pid, signal.SIGKILL)
            else:  # pragma: no cover
                proc.kill()
            proc.wait()
    except ProcessLookupError:
        pass


def build_result(report: Report, *, spec: Path, config: Path | None, exit_status: int | None,
                 timed_out: bool = False, duration: float | None = None,
                 dump_dir: Path | None = None) -> CheckResult:
    """The CheckResult of a finished run (live, or recorded: see the fixture tests)."""
    src = Sources(spec.parent, spec.stem, config)
    v = verdict(report, src, exit_status=exit_status, timed_out=timed_out)
    result = CheckResult(
        outcome=v.outcome, engine="tlc", spec=spec.stem,
        model=config.name if config else "", violated=v.violated, message=v.message,
        states_generated=report.states_generated, distinct_states=report.distinct_states,
        states_left=report.states_left, depth=report.depth,
        duration=duration if duration is not None else report.tlc_duration,
        positions=v.positions, tool_version=report.tool_version,
        warnings=list(report.warnings),
    )
    if v.outcome.is_violation:
        trace, notes = import_counterexample(report, spec=spec, config=config,
                                             dump_dir=dump_dir)
        if trace is not None:
            trace.header.violated = v.violated or v.outcome.value
            result.counterexample = trace
        result.warnings.extend(notes)
    return result


def import_counterexample(report: Report, *, spec: Path, config: Path | None,
                          dump_dir: Path | None) -> tuple[Trace | None, list[str]]:
    """The counterexample from the most exact source there is, checked against the others."""
    notes: list[str] = []
    tla = dump_dir / "trace.tla" if dump_dir else None
    js = dump_dir / "trace.json" if dump_dir else None
    tla = tla if tla is not None and tla.is_file() else None
    js = js if js is not None and js.is_file() else None
    constants = {}
    if config is not None:
        try:
            constants = cfgfile.constant_values(config.read_text(encoding="utf-8"),
                                                str(config))
        except (OSError, UnicodeDecodeError, ConfigError):  # TLC has said what is wrong
            constants = {}
    common: dict[str, Any] = dict(spec=spec.stem, model=config.name if config else None,
                                  spec_dir=spec.parent, tool_version=report.tool_version,
                                  constants=constants)
    variables = cex.json_variables(js) if js else []
    printed = dumped = None
    if report.states:
        try:
            printed = cex.from_printed(report.states, variables=variables, **common)
        except cex.CounterexampleError as e:
            notes.append(f"could not read the states TLC printed: {e}")
    if tla is not None:
        try:
            dumped = cex.from_dump_tla(tla, variables=variables, **common)
        except cex.CounterexampleError as e:
            notes.append(f"could not read TLC's trace.tla: {e}")
    if printed is not None and dumped is not None:
        differ = cex.disagreements(dumped, printed)
        if differ:
            notes.append("TLC's trace.tla and its printed states disagree: " + "; ".join(differ))
    trace = dumped or printed
    if trace is not None and js is not None:
        try:
            differ = cex.json_disagreements(trace, js)
        except cex.CounterexampleError as e:
            differ = [str(e)]
        if differ:
            notes.append("TLC's trace.json disagrees with its exact trace: " + "; ".join(differ))
    if trace is None and js is not None:
        try:
            trace = cex.from_dump_json(js, **common)
            notes.append("the counterexample was read from TLC's JSON dump, which cannot tell "
                         "sets from sequences or model values from strings")
        except cex.CounterexampleError as e:
            notes.append(f"could not read TLC's trace.json: {e}")
    return trace, notes


__all__ = ["run_tlc", "run_command", "build_result", "import_counterexample", "model_files",
           "tlc_command"]
