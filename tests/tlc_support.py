"""Helpers for the TLC bridge's tests: the recorded fixtures, and a stand-in for Java + TLC.

The stand-in (``fake_toolchain``) is a ``java`` executable and a jar that pass every check
the bridge makes, and that, when run as TLC, replay a recorded run: the fixture's ``-tool``
output, its exit status and its trace dumps (copied where ``-dumpTrace`` asks). So the
subprocess handling, the streaming, the CLI and the trace files are all exercised on machines
without Java, against output the real TLC printed.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _fixtures() -> Path:
    """Recorded real TLC runs: $TLC_FIXTURES, else ../shared/tlc-fixtures beside the clone."""
    candidates = [os.environ.get("TLC_FIXTURES"), REPO.parent / "shared" / "tlc-fixtures",
                  "/work/shared/tlc-fixtures"]
    for c in candidates:
        if c and Path(c).is_dir():
            return Path(c)
    return REPO.parent / "shared" / "tlc-fixtures"


FIXTURES = _fixtures()

CASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "stdout.tool.txt").is_file()) \
    if FIXTURES.is_dir() else []


def module_of(case: str) -> str:
    """The root module a fixture ran (the last word of its command line)."""
    return (FIXTURES / case / "command.txt").read_text().split()[-1]


def config_of(case: str) -> Path:
    words = (FIXTURES / case / "command.txt").read_text().split()
    return FIXTURES / case / words[words.index("-config") + 1]


def exit_status_of(case: str) -> int:
    return int((FIXTURES / case / "exitcode.tool").read_text())


FAKE_JAVA = r'''#!{python}
"""A stand-in for `java -cp tla2tools.jar tlc2.TLC ...` that replays a recorded TLC run."""
import json, os, shutil, sys, time
args = sys.argv[1:]
if args == ["-version"]:
    version = os.environ.get("FAKE_JAVA_VERSION", 'openjdk version "17.0.9" 2023-10-17')
    sys.stderr.write(version + "\n")
    sys.exit(0)
if "-h" in args:
    print("TLC - provides model checking - Version 2.19 of 08 August 2024")
    sys.exit(0)
with open(os.environ["FAKE_TLC_LOG"], "a") as log:
    log.write(json.dumps({{"argv": args, "cwd": os.getcwd()}}) + "\n")
config = args[args.index("-config") + 1]
replay = os.path.join(os.path.dirname(config), "replay")
for i, a in enumerate(args):
    if a == "-dumpTrace":
        kind, dest = args[i + 1], args[i + 2]
        source = os.path.join(replay, "trace." + kind)
        if os.path.exists(source):
            shutil.copy(source, dest)
if os.path.exists(os.path.join(replay, "hang")):
    child = os.fork()  # a child in the same process group, which must be ended too
    if child == 0:
        time.sleep(600)
        os._exit(0)
    with open(os.path.join(replay, "child.pid"), "w") as f:
        f.write(str(child))
with open(os.path.join(replay, "stdout.tool.txt")) as out:
    for line in out:
        sys.stdout.write(line)
        sys.stdout.flush()
if os.path.exists(os.path.join(replay, "hang")):
    time.sleep(600)
sys.exit(int(open(os.path.join(replay, "exitcode.tool")).read()))
'''


def fake_jar(path: Path, *, dumps: bool = True) -> Path:
    """A zip the bridge takes for tla2tools.jar (it is only inspected, never run)."""
    with zipfile.ZipFile(path, "w") as z:
        options = b"-tool -workers -dumpTrace -noGenerateSpecTE" if dumps else b"-tool -workers"
        z.writestr("tlc2/TLC.class", b"\xca\xfe\xba\xbe" + options)
        if dumps:
            z.writestr("tla2sany/StandardModules/_JsonTrace.tla", "---- MODULE _JsonTrace ----")
            z.writestr("tla2sany/StandardModules/_TLAPlusCounterExample.tla", "----")
    return path


def fake_java(folder: Path) -> Path:
    """A JAVA_HOME whose bin/java replays fixtures; returns the JAVA_HOME folder."""
    java = folder / "bin" / "java"
    java.parent.mkdir(parents=True, exist_ok=True)
    java.write_text(FAKE_JAVA.format(python=sys.executable))
    java.chmod(java.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return folder


def staged_case(case: str, into: Path) -> tuple[Path, Path]:
    """A fixture's spec and model copied into ``into``, with the recorded run to replay.

    Returns the spec and the .cfg. The recorded output goes to ``into/replay``, where the
    fake java finds it.
    """
    into.mkdir(parents=True, exist_ok=True)
    src = FIXTURES / case
    for f in src.iterdir():
        if f.suffix in (".tla", ".cfg") and f.name != "trace.tla":
            shutil.copy(f, into / f.name)
            (into / f.name).chmod(0o644)
    replay = into / "replay"
    replay.mkdir(exist_ok=True)
    for name in ("stdout.tool.txt", "exitcode.tool", "trace.json", "trace.tla"):
        if (src / name).is_file():
            shutil.copy(src / name, replay / name)
    return into / f"{module_of(case)}.tla", into / config_of(case).name


def use_fake_tlc(monkeypatch, tmp_path: Path, *, dumps: bool = True) -> Path:
    """Point the bridge at the fake java and jar; returns the log of the fake's runs."""
    home = fake_java(tmp_path / "java-home")
    jar = fake_jar(tmp_path / "tla2tools.jar", dumps=dumps)
    log = tmp_path / "fake-tlc.log"
    monkeypatch.setenv("JAVA_HOME", str(home))
    monkeypatch.setenv("TLA2TOOLS_JAR", str(jar))
    monkeypatch.setenv("FAKE_TLC_LOG", str(log))
    return log


def real_toolchain():
    """The real TLC and a Java to run it, found as the bridge finds them (TLA2TOOLS_JAR, or
    the jar `conform tlc install` put in the user cache), for live tests; None where there
    is none, and those tests skip."""
    from conformance.errors import UserError
    from conformance.tlc.toolchain import find_toolchain

    try:
        return find_toolchain()
    except UserError:
        return None
