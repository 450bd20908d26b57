"""Run the models listed in ``manifest.json`` files and compare with the recorded figures.

The manifest format is tlaplus/Examples' (``manifest-schema.json`` there): each
``manifest.json`` lists modules, and for each module the models (.cfg) TLC was run on, with
the expected ``result`` ("success", "safety failure", "liveness failure", "deadlock failure",
"assumption failure"), the ``mode``, the ``runtime`` TLC took, and, for successful exhaustive
runs, ``distinctStates``, ``totalStates`` and ``stateDepth``. The project's own
``specs/manifest.json`` uses the same format, so one runner serves both.

Each model runs in its own process (``python -m conformance.corpus SPEC CFG``), which bounds
its time and memory and keeps models from sharing the interning table of string order.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from conformance.errors import UserError

# manifest result -> the outcome value of conformance.result.Outcome
EXPECTED_OUTCOME = {
    "success": "holds",
    "safety failure": "invariant violated",
    "liveness failure": "property violated",
    "deadlock failure": "deadlock",
    "assumption failure": "assumption failed",
}


@dataclass
class Entry:
    """One model of a manifest."""

    manifest: Path
    module: Path
    config: Path
    runtime: float | None  # seconds TLC took, per the manifest
    mode: str
    result: str
    distinct: int | None = None
    total: int | None = None
    depth: int | None = None
    features: list[str] = field(default_factory=list)
    workers: Any = "auto"  # TLC's -workers for the recorded run

    @property
    def name(self) -> str:
        return str(self.config.relative_to(self.manifest.parent.parent)) \
            if self.manifest.parent.parent in self.config.parents else str(self.config)


@dataclass
class Run:
    """The engine's answer for one entry, and how it compares."""

    entry: Entry
    verdict: str  # agrees, disagrees, unsupported, error, timeout
    outcome: str | None = None
    violated: str | None = None
    generated: int | None = None
    distinct: int | None = None
    depth: int | None = None
    duration: float | None = None
    detail: str = ""

    def to_json(self) -> dict:
        e = self.entry
        return {
            "model": e.name, "module": str(e.module), "config": str(e.config),
            "expected": {"result": e.result, "distinct": e.distinct, "total": e.total,
                         "depth": e.depth, "runtime": e.runtime},
            "got": {"outcome": self.outcome, "violated": self.violated,
                    "distinct": self.distinct, "total": self.generated, "depth": self.depth,
                    "duration": round(self.duration, 2) if self.duration is not None else None},
            "verdict": self.verdict, "detail": self.detail,
        }


def _seconds(runtime: str) -> float | None:
    if runtime == "unknown":
        return None
    h, m, s = (int(x) for x in runtime.split(":"))
    return h * 3600 + m * 60 + s


def _mode(mode: Any) -> str:
    if isinstance(mode, str):
        return mode
    if isinstance(mode, dict) and "simulate" in mode:
        return "simulate"
    return str(mode)


def find_manifests(root: Path) -> list[Path]:
    root = Path(root)
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise UserError(f"{root} is not a directory or a manifest.json file")
    return sorted(root.rglob("manifest.json"))


def read_manifest(path: Path) -> Iterator[Entry]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise UserError(f"cannot read the manifest {path}: {e}")
    base = _repo_root(path)
    for mod in data.get("modules", []):
        module = base / mod["path"]
        for m in mod.get("models", []):
            yield Entry(
                manifest=path, module=module, config=base / m["path"],
                runtime=_seconds(m.get("runtime", "unknown")), mode=_mode(m.get("mode")),
                result=m.get("result", "unknown"), distinct=m.get("distinctStates"),
                total=m.get("totalStates"), depth=m.get("stateDepth"),
                features=list(mod.get("features", [])), workers=m.get("workers", "auto"))


def _repo_root(manifest: Path) -> Path:
    """Manifest paths are relative to the repository root (``specifications/X/...``)."""
    d = manifest.parent
    for candidate in [d, *d.parents]:
        data_path = json.loads(manifest.read_text(encoding="utf-8"))
        for mod in data_path.get("modules", []):
            if (candidate / mod["path"]).exists():
                return candidate
        break
    for candidate in d.parents:
        if (candidate / "specifications").is_dir() or (candidate / "specs").is_dir():
            return candidate
    return d


def select(entries: list[Entry], *, max_runtime: float | None = None,
           mode: str | None = None, match: str | None = None) -> list[Entry]:
    out = []
    for e in entries:
        if mode and e.mode != mode:
            continue
        if max_runtime is not None and (e.runtime is None or e.runtime > max_runtime):
            continue
        if match and match not in str(e.config):
            continue
        out.append(e)
    return out


def compare(entry: Entry, got: dict) -> Run:
    run = Run(entry, "agrees", outcome=got.get("outcome"), violated=got.get("violated"),
              generated=got.get("generated"), distinct=got.get("distinct"),
              depth=got.get("depth"), duration=got.get("duration"))
    if got.get("timeout"):
        run.verdict = "timeout"
        run.detail = f"no answer within {got.get('limit')} s"
        return run
    if got.get("crash"):
        run.verdict = "error"
        run.detail = got["crash"]
        return run
    if got.get("unsupported"):
        run.verdict = "unsupported"
        run.detail = got["unsupported"]
        return run
    expected = EXPECTED_OUTCOME.get(entry.result)
    if run.outcome == "timeout":
        run.verdict = "timeout"
        run.detail = "the engine stopped at its time limit"
        return run
    if expected is None:
        run.verdict = "agrees" if run.outcome else "error"
        run.detail = f"manifest result {entry.result!r} is not checked"
        return run
    if run.outcome != expected:
        run.verdict = "error" if run.outcome in ("parse error", "semantic error",
                                                  "config error", "evaluation error",
                                                  "TLC failure") else "disagrees"
        run.detail = f"expected {expected}, got {run.outcome}"
        if got.get("message"):
            run.detail += ": " + got["message"].splitlines()[0][:160]
        return run
    diffs = []
    if entry.result == "success":
        for label, want, have in (("distinct", entry.distinct, run.distinct),
                                  ("total", entry.total, run.generated)):
            if want is not None and want != have:
                diffs.append(f"{label} {have} != {want}")
        if entry.depth is not None and entry.depth != run.depth:
            if entry.workers == 1 or diffs:
                diffs.append(f"depth {run.depth} != {entry.depth}")
            else:
                # with several workers TLC's search is not level by level, and the depth
                # it reports varies from run to run; only a one-worker depth is comparable
                run.detail = (f"depth {run.depth}; the manifest's {entry.depth} was recorded "
                              "with several TLC workers")
    if diffs:
        run.verdict = "disagrees"
        run.detail = "; ".join(diffs)
    return run


def run_entry(entry: Entry, timeout: float, python: str = sys.executable) -> dict:
    """Run one model in a child process; its JSON answer, or a timeout/crash record."""
    cmd = [python, "-m", "conformance.corpus", str(entry.module), str(entry.config),
           "--timeout", str(timeout)]
    started = time.monotonic()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout + 30,
                              env={**os.environ, "PYTHONHASHSEED": "0"})
    except subprocess.TimeoutExpired:
        return {"timeout": True, "limit": timeout, "duration": time.monotonic() - started}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return {"crash": " | ".join(tail)[:300] or f"exit status {proc.returncode}",
                "duration": time.monotonic() - started}
    return json.loads(lines[-1])


def run_all(entries: list[Entry], *, timeout: float, jobs: int = 1,
            on_done: Callable[[Run], None] | None = None) -> list[Run]:
    def one(e: Entry) -> Run:
        run = compare(e, run_entry(e, timeout))
        if on_done is not None:
            on_done(run)
        return run
    if jobs <= 1:
        return [one(e) for e in entries]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(one, entries))


def summary(runs: list[Run]) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in runs:
        out[r.verdict] = out.get(r.verdict, 0) + 1
    return out


# --------------------------------------------------------------------------- child process


def _child(argv: list[str]) -> int:
    """``python -m conformance.corpus SPEC CFG [--timeout T]``: one model, one JSON line."""
    import argparse

    from conformance.tla import check_model

    p = argparse.ArgumentParser(prog="python -m conformance.corpus")
    p.add_argument("spec")
    p.add_argument("config")
    p.add_argument("--timeout", type=float, default=None)
    args = p.parse_args(argv)
    sys.setrecursionlimit(20000)
    r = check_model(Path(args.spec), Path(args.config), timeout=args.timeout)
    unsupported = next((w[len("unsupported: "):] for w in r.warnings
                        if w.startswith("unsupported: ")), None)
    out = {
        "outcome": r.outcome.value, "violated": r.violated, "generated": r.states_generated,
        "distinct": r.distinct_states, "depth": r.depth, "left": r.states_left,
        "duration": r.duration, "message": r.message, "unsupported": unsupported,
        "positions": [p.to_json() for p in r.positions],
        "trace_length": len(r.counterexample.steps) if r.counterexample else None,
    }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1:]))


__all__ = ["Entry", "Run", "find_manifests", "read_manifest", "select", "compare", "run_entry",
           "run_all", "summary", "asdict"]
