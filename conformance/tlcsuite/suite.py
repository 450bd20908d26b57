"""TLC's regression models as a corpus: what TLC says of each run (recorded once with a real
TLC), what the embedded engine says, and how the two compare, by kind.

The runs come from TLC's JUnit classes (:mod:`conformance.tlcsuite.junit`): the spec, the
folder under ``test-model/``, the model (a .cfg, or a .tla whose ``CONFIG`` section holds
it), whether deadlock is checked, and TLC's other options. Models of ``test-model/`` that no
test names run too, with the tests' defaults. :func:`record` runs TLC on each (one worker,
the CommunityModules jar on its class path as in TLC's own test build) and keeps what it
measured in the expected-results file (``expected.json`` beside this module): the outcome,
the violated property, the counts, the depth, the first line of TLC's message and its exit
status. Nothing of TLC's is copied: the file holds names of its files and our measurements.

A run is compared as the issue that asked for this defines it: the same outcome class (a
parse and a semantic error are one class, SANY's rejection, since TLC exits the same way for
both), and, when both hold, the same distinct and generated counts. What does not agree is
sorted into a kind (:data:`KINDS`), worst first. A run whose spec draws at random
(RandomElement and the like: the engine says so in its result) and disagrees in verdict or
counts is "random choices", not a wrong verdict: TLC's result is that of its seed and its
generator, which the engine does not reproduce (TLC's own tests name seeds of the same
model with other verdicts).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from conformance.errors import UserError
from conformance.result import CheckResult, Outcome
from conformance.tlcsuite.junit import read_runs

EXPECTED = Path(__file__).with_name("expected.json")

# TLC options that change nothing the comparison reads (output, statistics, files written)
_HARMLESS = {"-coverage": 1, "-nowarning": 0, "-dump": 2, "-dumpTrace": 2, "-dumptrace": 2,
             "-lncheck": 1, "-noGenerateSpecTE": 0, "-debugger": 0, "-fpmem": 1,
             "-workers": 1, "-seed": 1, "-fp": 1, "-view": 0, "-noGenerateSpecTEBin": 0,
             "-modelcheck": 0}
# options whose runs are not exhaustive model checking: recorded, not compared
_OTHER_MODES = {"-simulate": "simulation (-simulate)", "-dfid": "depth-first search (-dfid)",
                "-generate": "random generation (-generate)"}

# the kinds of a comparison, worst first; "agrees" last
KINDS = ("wrong verdict", "traceback", "resource", "engine error", "unsupported",
         "parse error", "counts differ", "random choices", "agrees")


@dataclass
class Entry:
    """One run of the suite and what TLC said of it."""

    id: str  # the JUnit class, or "folder/model" for a model no test names
    folder: str  # under test-model/
    spec: str  # module name
    config: str  # file name in the folder (.cfg, or .tla with a CONFIG section)
    check_deadlock: bool = False
    options: list[str] = field(default_factory=list)  # other TLC options that matter
    test_exit: int | None = None  # the exit status the JUnit test expects
    properties: dict[str, str] = field(default_factory=dict)  # Java system properties
    skip: str | None = None  # why the engine does not run it
    tlc: dict | None = None  # what TLC said (see record)

    @property
    def name(self) -> str:
        stem = f"{self.folder}/{self.spec}" if self.folder else self.spec
        return f"{stem} ({self.config})"

    @property
    def finished(self) -> bool:
        return self.tlc is not None and self.tlc.get("outcome") != Outcome.TIMEOUT.value


# --------------------------------------------------------------------------- the runs


def _split_options(args: list[str]) -> tuple[str | None, list[str], str | None]:
    """From a test's extra arguments: the -config file, the options that matter, and the
    reason the run is no exhaustive model checking (if it is not)."""
    config, options, skip, i = None, [], None, 0
    while i < len(args):
        a = args[i]
        if a == "-config" and i + 1 < len(args):
            config = args[i + 1]
            i += 2
            continue
        if a in _OTHER_MODES:
            skip = _OTHER_MODES[a]
        if a in _HARMLESS:
            i += 1 + _HARMLESS[a]
            continue
        options.append(a)
        i += 1
    return config, options, skip


def suite_runs(tlatools: Path) -> list[Entry]:
    """The runs of TLC's regression suite: one per JUnit class that model-checks a model of
    ``test-model/``, then one per model of ``test-model/`` that no class names."""
    test_dir, models = tlatools / "test", tlatools / "test-model"
    if not test_dir.is_dir() or not models.is_dir():
        raise UserError(f"{tlatools} is not TLC's org.lamport.tlatools folder (it has no "
                        "test/ and test-model/)")
    runs, _unread = read_runs(test_dir)
    out: list[Entry] = []
    seen: set[tuple[str, str]] = set()
    for r in runs:
        config, options, skip = _split_options(r.args)
        config = config or r.spec + ".cfg"
        if not config.endswith((".cfg", ".tla")):
            config += ".cfg"
        folder = models / r.folder
        if skip is None and not (folder / (r.spec + ".tla")).is_file():
            skip = "the spec is not in test-model/"
        elif skip is None and not (folder / config).is_file():
            skip = ("the PlusCal translator writes its model" if r.folder == "pcal"
                    else "the model is not in test-model/")
        out.append(Entry(r.test, r.folder, r.spec, config, r.check_deadlock, options,
                         r.exit_status, r.properties, skip))
        seen.add((r.folder, config))
        seen.add((r.folder, r.spec + ".tla"))
    for cfg in sorted(models.rglob("*.cfg")):
        rel = cfg.parent.relative_to(models).as_posix()
        rel = "" if rel == "." else rel
        if (rel, cfg.name) in seen or not cfg.with_suffix(".tla").is_file():
            continue
        out.append(Entry(f"{rel}/{cfg.name}" if rel else cfg.name, rel, cfg.stem, cfg.name))
    return out


# --------------------------------------------------------------------------- TLC


def tlc_command(tools, entry: Entry, workdir: Path, community: Path | None, *,
                tool_mode: bool = True) -> list[str]:
    """TLC's command line for one run, as TLC's test harness builds it (one worker, a fixed
    fingerprint and seed, ``-deadlock`` unless the test checks deadlock), with ``-tool``
    output unless ``tool_mode`` is False (TLC's harness does not pass it)."""
    classpath = str(tools.jar) + (os.pathsep + str(community) if community else "")
    props = [f"-D{k}={v}" for k, v in sorted(entry.properties.items())]
    cmd = [str(tools.java), "-XX:+UseParallelGC", *props, "-cp", classpath, "tlc2.TLC",
           *(["-tool"] if tool_mode else []),
           "-workers", "1", "-metadir", str(workdir / "states"), "-fp", "0", "-seed", "1"]
    if tools.features.no_generate_spec_te:
        cmd.append("-noGenerateSpecTE")
    if not entry.check_deadlock:
        cmd.append("-deadlock")
    cmd += entry.options
    cmd += ["-config", entry.config, entry.spec]
    return cmd


def tlc_result(entry: Entry, models: Path, tools, timeout: float,
               community: Path | None) -> dict:
    """Run TLC on one entry; the facts the expected-results file keeps."""
    from conformance.tlc.runner import build_result, run_command

    folder = models / entry.folder
    workdir = Path(tempfile.mkdtemp(prefix="conform-tlcsuite-"))
    try:
        cmd = tlc_command(tools, entry, workdir, community)
        report, status, timed_out, duration = run_command(cmd, folder, timeout)
        result = build_result(report, spec=folder / f"{entry.spec}.tla",
                              config=folder / entry.config, exit_status=status,
                              timed_out=timed_out, duration=duration)
        out = facts(result, exit_status=None if timed_out else status)
        if not timed_out and result.outcome is not Outcome.HOLDS:
            plain = _plain_holds(tlc_command(tools, entry, workdir, community,
                                             tool_mode=False), folder, timeout)
            if plain is not None:
                out = {**plain, "tool_mode": out}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return out


_PLAIN_COUNTS = re.compile(r"^(\d+) states generated, (\d+) distinct states found", re.M)
_PLAIN_DEPTH = re.compile(r"^The depth of the complete state graph search is (\d+)", re.M)


def _plain_holds(cmd: list[str], folder: Path, timeout: float) -> dict | None:
    """TLC's ``-tool`` mode is not neutral: its messages carry the ``@!@!@`` markers, also
    inside the exceptions that TLCExt's AssertError compares with the expected text, so an
    ASSUME AssertError(...) that holds in TLC's own harness (no ``-tool``) is false under
    ``-tool``. A run that fails under ``-tool`` is run again as the harness runs it; when
    that run finishes without error (exit 0), its facts (read from TLC's plain summary
    lines) are what TLC says, and the ``-tool`` run's are kept beside them."""
    started = time.monotonic()
    try:
        proc = subprocess.run(cmd, cwd=folder, capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return None
    counts, depth = _PLAIN_COUNTS.search(proc.stdout), _PLAIN_DEPTH.search(proc.stdout)
    if proc.returncode != 0 or counts is None:
        return None
    return {"outcome": Outcome.HOLDS.value, "violated": None,
            "distinct": int(counts.group(2)), "generated": int(counts.group(1)),
            "depth": int(depth.group(1)) if depth else None,
            "message": "No error has been found.",
            "seconds": round(time.monotonic() - started, 1), "exit": 0, "mode": "plain"}


def facts(result: CheckResult, exit_status: int | None = None) -> dict:
    """What is kept of a run: the outcome and TLC's figures, the first line of the message."""
    first = result.message.strip().splitlines()[0][:200] if result.message.strip() else ""
    out = {"outcome": result.outcome.value, "violated": result.violated,
           "distinct": result.distinct_states, "generated": result.states_generated,
           "depth": result.depth, "message": first,
           "seconds": round(result.duration, 1) if result.duration is not None else None}
    if exit_status is not None:
        out["exit"] = exit_status
    return out


def record(tlatools: Path, out: Path, *, timeout: float = 20.0, jobs: int = 1,
           community: Path | None = None, match: str | None = None,
           on_done: Callable[[Entry], None] | None = None) -> list[Entry]:
    """Run TLC on every run of the suite and write the expected-results file."""
    from conformance.tlc.toolchain import find_toolchain, tlc_version

    tools = find_toolchain()
    everything = suite_runs(tlatools)
    entries = [e for e in everything if not match or match in e.name or match in e.id]
    models = tlatools / "test-model"
    kept: dict[str, Entry] = {}
    header: dict = {}
    if match and out.is_file():  # record these runs again, keep the others as they were
        header, runs = load(out)
        kept = {e.id: e for e in runs}

    def one(e: Entry) -> Entry:
        if e.skip is None:
            e.tlc = tlc_result(e, models, tools, timeout, community)
        if on_done is not None:
            on_done(e)
        return e
    if jobs <= 1:
        done = [one(e) for e in entries]
    else:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            done = list(pool.map(one, entries))
    doc = {"about": "TLC's verdicts on its own regression models (tlaplus/tlaplus, "
                    "tlatools/org.lamport.tlatools/test-model), one run per JUnit class "
                    "that checks a model there, measured with `conform tlc-suite --record`",
           # a development build of TLC names itself by the time it runs: a partial
           # recording keeps the name the whole recording was made with
           "tlc": header.get("tlc") or tlc_version(tools), "workers": 1, "timeout": timeout,
           "community_modules": community.name if community else None,
           "runs": [asdict(e) for e in _merge(everything, done, kept)]}
    out.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    return done


def _merge(everything: list[Entry], done: list[Entry], kept: dict[str, Entry]) -> list[Entry]:
    """The runs in suite order: those just recorded, else as recorded before."""
    fresh = {e.id: e for e in done}
    return [fresh.get(e.id) or kept.get(e.id) or e for e in everything
            if e.id in fresh or e.id in kept or not kept]


def load(path: Path = EXPECTED) -> tuple[dict, list[Entry]]:
    """The expected-results file: its header and its runs."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"no expected-results file {path}",
                        hint="Record one with `conform tlc-suite TLATOOLS --record`.")
    except json.JSONDecodeError as e:
        raise UserError(f"{path} is not JSON: {e.msg}")
    runs = [Entry(**r) for r in doc.get("runs", [])]
    return doc, runs


# --------------------------------------------------------------------------- the engine


@dataclass
class Comparison:
    entry: Entry
    kind: str  # one of KINDS
    got: dict
    detail: str = ""

    def to_json(self) -> dict:
        return {"id": self.entry.id, "run": self.entry.name, "kind": self.kind,
                "detail": self.detail, "tlc": self.entry.tlc, "engine": self.got}


def engine_result(entry: Entry, models: Path, timeout: float, memory: int | None = None,
                  python: str = sys.executable) -> dict:
    """The engine on one entry, in a child process (``python -m conformance.corpus``)."""
    folder = models / entry.folder
    cmd = [python, "-m", "conformance.corpus", str(folder / f"{entry.spec}.tla"),
           str(folder / entry.config), "--timeout", str(timeout)]
    if not entry.check_deadlock:
        cmd.append("--no-deadlock")
    cmd += [f"--tlc-option={opt}" for opt in entry.options]
    cmd += [f"--tlc-property={k}={v}" for k, v in sorted(entry.properties.items())]
    if memory:
        # The engine's own bound (on resident memory) comes first and ends the run cleanly;
        # the address-space limit below is the last resort, and a Python process that meets
        # it can stall: its SIGALRM handler, which enforces the time limit, cannot allocate.
        cmd.append(f"--max-memory={memory * 3 // 4}")
    started = time.monotonic()

    def bounded() -> None:  # the child's address space, so that a runaway run fails alone
        import resource

        limit = memory or resource.RLIM_INFINITY
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout + 60,
                              cwd=folder, env={**os.environ, "PYTHONHASHSEED": "0"},
                              preexec_fn=bounded if memory else None)
    except subprocess.TimeoutExpired:
        return {"outcome": "timeout", "killed": True,
                "seconds": round(time.monotonic() - started, 1)}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        said = " | ".join(tail)[:300] or f"exit status {proc.returncode}"
        if "MemoryError" in said:  # the bound above, reached without a clean error
            return {"outcome": "memory", "resource": True, "message": said,
                    "seconds": round(time.monotonic() - started, 1)}
        return {"crash": said, "seconds": round(time.monotonic() - started, 1)}
    got = json.loads(lines[-1])
    got["seconds"] = round(got.pop("duration", None) or time.monotonic() - started, 1)
    return got


_SANY = {Outcome.PARSE_ERROR.value, Outcome.SEMANTIC_ERROR.value}
_VERDICTS = {Outcome.HOLDS.value, Outcome.INVARIANT_VIOLATED.value,
             Outcome.PROPERTY_VIOLATED.value, Outcome.DEADLOCK.value,
             Outcome.ASSUMPTION_FAILED.value}


def outcome_class(outcome: str | None) -> str | None:
    return "rejected by SANY" if outcome in _SANY else outcome


def compare(entry: Entry, got: dict) -> Comparison:
    """Sort one run into its kind (see the module docstring)."""
    want = entry.tlc or {}
    w, g = outcome_class(want.get("outcome")), outcome_class(got.get("outcome"))
    said = f"TLC: {want.get('outcome')}; engine: {got.get('outcome')}"
    if got.get("crash"):
        return Comparison(entry, "traceback", got, got["crash"])
    kind = _compare(entry, got, want, w, g, said)
    if got.get("random") and kind.kind in ("wrong verdict", "counts differ"):
        # the run draws at random (RandomElement...): TLC's verdict and figures are those
        # of its seed and its generator, which the engine does not reproduce
        return Comparison(entry, "random choices", got, kind.detail)
    return kind


def _compare(entry: Entry, got: dict, want: dict, w, g, said: str) -> Comparison:
    if got.get("unsupported") and w != g:
        return Comparison(entry, "unsupported", got, got["unsupported"])
    if w == g:
        if w == Outcome.HOLDS.value:
            diffs = [f"{label} {got.get(k)} where TLC has {want.get(k)}"
                     for k, label in (("distinct", "distinct"), ("generated", "generated"))
                     if want.get(k) is not None and got.get(k) != want.get(k)]
            if diffs:
                return Comparison(entry, "counts differ", got, "; ".join(diffs))
        return Comparison(entry, "agrees", got, _notes(want, got))
    if g == Outcome.TIMEOUT.value or got.get("resource"):
        return Comparison(entry, "resource", got, got.get("message") or said)
    if g in _VERDICTS:
        return Comparison(entry, "wrong verdict", got, f"{said}: {want.get('message', '')}")
    if g == "rejected by SANY" and got.get("outcome") == Outcome.PARSE_ERROR.value:
        return Comparison(entry, "parse error", got, got.get("message") or said)
    return Comparison(entry, "engine error", got, f"{said}: {got.get('message') or ''}")


def _notes(want: dict, got: dict) -> str:
    """Differences that do not break agreement, worth seeing."""
    notes = []
    if want.get("violated") and got.get("violated") and want["violated"] != got["violated"]:
        notes.append(f"violated {got['violated']} where TLC names {want['violated']}")
    for k in ("distinct", "generated", "depth"):
        if want.get(k) is not None and got.get(k) is not None and want[k] != got[k]:
            notes.append(f"{k} {got[k]} where TLC has {want[k]}")
    return "; ".join(notes)


def run_engine(entries: list[Entry], models: Path, *, timeout: float, jobs: int = 1,
               memory: int | None = 4 << 30,
               on_done: Callable[[Comparison], None] | None = None) -> list[Comparison]:
    def one(e: Entry) -> Comparison:
        c = compare(e, engine_result(e, models, timeout, memory))
        if on_done is not None:
            on_done(c)
        return c
    if jobs <= 1:
        return [one(e) for e in entries]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(one, entries))


def by_kind(comparisons: list[Comparison]) -> dict[str, int]:
    counts = {k: 0 for k in KINDS}
    for c in comparisons:
        counts[c.kind] += 1
    return counts
