"""Finding what runs TLC: a Java of version 11 or newer, and a ``tla2tools.jar``.

The jar comes from ``TLA2TOOLS_JAR`` if it is set, else from the user cache where
``conform tlc install`` puts the pinned release. Java comes from ``JAVA_HOME`` if it holds
one, else from ``PATH``. TLC's class path adds the CommunityModules jar that ``conform tlc
install`` puts beside it (so specs that extend ``SequencesExt``, ``Functions``, ``CSV``...
parse) and the entries of ``TLC_CLASSPATH`` (separated as the platform's class paths are),
for other module libraries. Whatever is missing or wrong is one :class:`UserError` that says
what to do about it.

The jar is also read (not run) to learn what its TLC can do: releases differ in the options
they accept (v1.7.4 refuses ``-dumpTrace`` and ``-noGenerateSpecTE``, which later builds
have), and passing an option TLC does not know makes it refuse to run at all.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from conformance.errors import UserError
from conformance.tlc.release import COMMUNITY, installed_jar

MIN_JAVA = 11

_INSTALL_HINT = ("Install it with `conform tlc install`, or point TLA2TOOLS_JAR at a "
                 "tla2tools.jar; `--engine embedded` checks models without TLC.")


@dataclass(frozen=True)
class Features:
    """Command-line options this jar's TLC accepts, found in its ``tlc2/TLC.class``."""

    dump_trace_json: bool = False
    dump_trace_tla: bool = False
    no_generate_spec_te: bool = False


@dataclass(frozen=True)
class Toolchain:
    java: Path
    java_version: int
    jar: Path
    jar_source: str  # "TLA2TOOLS_JAR" or "conform tlc install"
    features: Features = field(default_factory=Features)
    classpath: tuple[Path, ...] = ()  # module libraries after the jar (see extra_classpath)

    def command(self, *jvm_options: str) -> list[str]:
        """The start of every TLC command line: java, its options, the class path, TLC."""
        cp = os.pathsep.join(str(p) for p in (self.jar, *self.classpath))
        return [str(self.java), "-XX:+UseParallelGC", *jvm_options, "-cp", cp, "tlc2.TLC"]


# --------------------------------------------------------------------------- the jar


def find_jar() -> tuple[Path, str]:
    """The jar to run and where its name came from."""
    env = os.environ.get("TLA2TOOLS_JAR")
    if env:
        path = Path(env).expanduser()
        if not path.is_file():
            raise UserError(f"TLA2TOOLS_JAR is set to {env}, but there is no file there.",
                            hint="Fix or unset TLA2TOOLS_JAR (`conform tlc install` puts a "
                                 "checked jar in the user cache).")
        return path, "TLA2TOOLS_JAR"
    cached = installed_jar()
    if cached.is_file():
        return cached, "conform tlc install"
    raise UserError(f"TLC was not found: TLA2TOOLS_JAR is not set and {cached} does not exist.",
                    hint=_INSTALL_HINT)


def jar_features(jar: Path) -> Features:
    """What the jar's TLC accepts. Raises UserError if the file is not a TLC jar."""
    try:
        with zipfile.ZipFile(jar) as z:
            names = set(z.namelist())
            if "tlc2/TLC.class" not in names:
                raise UserError(f"{jar} is not a TLC jar: it has no tlc2/TLC.class.",
                                hint=_INSTALL_HINT)
            tlc_class = z.read("tlc2/TLC.class")
    except (zipfile.BadZipFile, OSError) as e:
        raise UserError(f"{jar} is not a TLC jar: {e}.", hint=_INSTALL_HINT)
    # Option names are string constants of TLC.class; the trace formats are modules of the jar.
    modules = "tla2sany/StandardModules/"
    dump = b"-dumpTrace" in tlc_class
    return Features(
        dump_trace_json=dump and f"{modules}_JsonTrace.tla" in names,
        dump_trace_tla=dump and f"{modules}_TLAPlusCounterExample.tla" in names,
        no_generate_spec_te=b"-noGenerateSpecTE" in tlc_class,
    )


def extra_classpath() -> tuple[Path, ...]:
    """The entries of ``TLC_CLASSPATH``, then the installed CommunityModules jar (if any)."""
    out = [Path(p).expanduser() for p in os.environ.get("TLC_CLASSPATH", "").split(os.pathsep)
           if p]
    for p in out:
        if not p.exists():
            raise UserError(f"TLC_CLASSPATH names {p}, but there is nothing there.",
                            hint="Fix or unset TLC_CLASSPATH.")
    community = installed_jar(COMMUNITY)
    if community.is_file():
        out.append(community)
    return tuple(out)


# --------------------------------------------------------------------------- Java


def find_java() -> Path:
    home = os.environ.get("JAVA_HOME")
    if home:
        for name in ("java", "java.exe"):
            candidate = Path(home) / "bin" / name
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return candidate
    found = shutil.which("java")
    if found:
        return Path(found)
    raise UserError("Java was not found: TLC needs Java 11 or newer, and there is no `java` "
                    "on PATH" + (f" or in JAVA_HOME ({home})" if home else "") + ".",
                    hint="Install a JDK or JRE 11+ (for example Temurin 17) and put it on PATH "
                         "or set JAVA_HOME; `--engine embedded` checks models without TLC.")


_JAVA_VERSION = re.compile(r'version "(\d+)(?:\.(\d+))?[^"]*"')


def parse_java_version(text: str) -> int | None:
    """The major version in ``java -version`` output: ``"17.0.2"`` is 17, ``"1.8.0"`` is 8."""
    m = _JAVA_VERSION.search(text)
    if m is None:
        return None
    major = int(m.group(1))
    if major == 1 and m.group(2):
        major = int(m.group(2))
    return major


def java_version(java: Path) -> int:
    try:
        run = subprocess.run([str(java), "-version"], capture_output=True, text=True,
                             timeout=30, errors="replace")
    except (OSError, subprocess.TimeoutExpired) as e:
        raise UserError(f"{java} could not be run: {e}.",
                        hint="Check the Java installation, or set JAVA_HOME to a working one.")
    version = parse_java_version(run.stderr + run.stdout)
    if version is None:
        raise UserError(f"{java} did not say which version it is (`java -version` printed "
                        f"{(run.stderr or run.stdout).strip()[:200]!r}).",
                        hint="Set JAVA_HOME to a Java 11+ installation.")
    return version


# --------------------------------------------------------------------------- together


def find_toolchain() -> Toolchain:
    """Java and a TLC jar that will run together, or a UserError that says what is missing."""
    jar, source = find_jar()
    features = jar_features(jar)
    java = find_java()
    version = java_version(java)
    if version < MIN_JAVA:
        raise UserError(f"TLC needs Java {MIN_JAVA} or newer; {java} is Java {version}.",
                        hint="Install a newer Java and put it first on PATH or set JAVA_HOME.")
    return Toolchain(java=java, java_version=version, jar=jar, jar_source=source,
                     features=features, classpath=extra_classpath())


def tlc_available() -> bool:
    """Whether TLC can run here (the ``auto`` engine's question); never raises."""
    try:
        find_toolchain()
    except UserError:
        return False
    return True


_TLC_VERSION = re.compile(r"Version\s+(.+?)\s*$", re.MULTILINE)


def tlc_version(tools: Toolchain) -> str:
    """TLC's own version line (runs Java for about a second; for ``conform tlc where``)."""
    try:
        run = subprocess.run(tools.command() + ["-h"], capture_output=True, text=True,
                             timeout=60, errors="replace")
    except (OSError, subprocess.TimeoutExpired) as e:
        raise UserError(f"TLC could not be started with {tools.java}: {e}.")
    m = _TLC_VERSION.search(run.stdout + run.stderr)
    if m is None:
        tail = (run.stderr or run.stdout).strip().splitlines()[-1:] or ["no output"]
        raise UserError(f"{tools.jar} did not run as TLC: {tail[0]}",
                        hint="Is it a tla2tools.jar? Is the Java version recent enough?")
    return m.group(1).replace("\x1b[0m", "").strip()


__all__ = ["Features", "Toolchain", "MIN_JAVA", "find_jar", "find_java",
           "find_toolchain", "jar_features", "java_version", "parse_java_version",
           "tlc_available", "tlc_version"]
