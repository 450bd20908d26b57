"""Run the models of ``manifest.json`` files with the embedded engine and compare with the
recorded figures: the agreement table of ``conform corpus``.

Manifests are read by :mod:`conformance.manifest` (tlaplus/Examples' format; the project's
own ``specs/manifest.json`` uses it too), and a run is compared the way
:func:`conformance.manifest.disagreements` says. On top of that, this module tells apart why
a model did not agree: the engine does not support a construct the model uses (and which),
it ran out of time, or it failed.

Each model runs in its own process (``python -m conformance.corpus SPEC CFG``), which bounds
its time and memory and keeps models from sharing state such as the order in which names
were interned.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from conformance.manifest import Model, disagreements, find_models, notes
from conformance.result import CheckResult, Outcome

VERDICTS = ("agrees", "disagrees", "unsupported", "error", "timeout")


def runtime_seconds(model: Model) -> float | None:
    """How long TLC took, per the manifest (None when unknown)."""
    text = model.expect.runtime if model.expect else None
    if not text or text == "unknown":
        return None
    h, m, s = (int(x) for x in text.split(":"))
    return h * 3600 + m * 60 + s


def select(models: list[Model], *, max_runtime: float | None = None, mode: str | None = None,
           match: str | None = None) -> list[Model]:
    out = []
    for m in models:
        if mode is not None and (m.expect.mode if m.expect else "exhaustive search") != mode:
            continue
        if max_runtime is not None:
            seconds = runtime_seconds(m)
            if seconds is None or seconds > max_runtime:
                continue
        if match and match not in str(m.config):
            continue
        out.append(m)
    return out


@dataclass
class Run:
    """The engine's answer for one model and how it compares with the manifest."""

    model: Model
    verdict: str
    result: dict
    detail: str = ""
    name: str = ""

    def to_json(self) -> dict:
        e = self.model.expect
        return {
            "model": self.name or self.model.name, "spec": str(self.model.spec),
            "config": str(self.model.config),
            "expected": {"result": e.result if e else "success",
                         "distinct": e.distinct_states if e else None,
                         "total": e.total_states if e else None,
                         "depth": e.state_depth if e else None,
                         "runtime": e.runtime if e else None},
            "got": {k: self.result.get(k) for k in ("outcome", "violated", "distinct",
                                                    "generated", "depth", "duration")},
            "verdict": self.verdict, "detail": self.detail,
        }


def _as_result(got: dict) -> CheckResult:
    return CheckResult(Outcome(got["outcome"]), engine="embedded",
                       violated=got.get("violated"), message=got.get("message") or "",
                       states_generated=got.get("generated"),
                       distinct_states=got.get("distinct"), depth=got.get("depth"))


def compare(model: Model, got: dict) -> Run:
    """A verdict for one run (``got`` is the child process's JSON answer)."""
    if got.get("timeout") or got.get("outcome") == "timeout":
        return Run(model, "timeout", got, f"no answer within {got.get('limit', '?')} s")
    if got.get("crash"):
        return Run(model, "error", got, got["crash"])
    if got.get("unsupported"):
        return Run(model, "unsupported", got, got["unsupported"])
    result = _as_result(got)
    differences = disagreements(model, result)
    if differences:
        verdict = "error" if result.outcome.is_error and not result.outcome.is_violation \
            else "disagrees"
        detail = "; ".join(differences)
        if result.message and verdict == "error":
            detail += ": " + result.message.splitlines()[0][:160]
        return Run(model, verdict, got, detail)
    return Run(model, "agrees", got, "; ".join(notes(model, result)))


def run_model(model: Model, timeout: float, python: str = sys.executable) -> dict:
    """Run one model in a child process; its JSON answer, or a timeout or crash record."""
    cmd = [python, "-m", "conformance.corpus", str(model.spec), str(model.config),
           "--timeout", str(timeout)]
    started = time.monotonic()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout + 60,
                              env={**os.environ, "PYTHONHASHSEED": "0"})
    except subprocess.TimeoutExpired:
        return {"timeout": True, "limit": timeout, "duration": time.monotonic() - started}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return {"crash": " | ".join(tail)[:300] or f"exit status {proc.returncode}",
                "duration": time.monotonic() - started}
    got = json.loads(lines[-1])
    if got.get("outcome") == "timeout":
        got["limit"] = timeout
    return got


def run_all(models: list[Model], *, timeout: float, jobs: int = 1,
            on_done: Callable[[Run], None] | None = None, root: Path | None = None
            ) -> list[Run]:
    def one(m: Model) -> Run:
        run = compare(m, run_model(m, timeout))
        run.name = _display(m, root)
        if on_done is not None:
            on_done(run)
        return run
    if jobs <= 1:
        return [one(m) for m in models]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(one, models))


def _display(m: Model, root: Path | None) -> str:
    if root is not None:
        try:
            return str(m.config.resolve().relative_to(root.resolve()))
        except ValueError:
            pass
    return m.name


def summary(runs: list[Run]) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in runs:
        out[r.verdict] = out.get(r.verdict, 0) + 1
    return out


def models_under(path: Path) -> list[Model]:
    """The models of the manifests under ``path`` (a folder, or one manifest)."""
    return find_models([path])


# --------------------------------------------------------------------------- child process


def _child(argv: list[str]) -> int:
    """``python -m conformance.corpus SPEC CFG [--timeout T]``: one model, one JSON line."""
    import argparse

    from conformance.tla import check_model

    p = argparse.ArgumentParser(prog="python -m conformance.corpus")
    p.add_argument("spec")
    p.add_argument("config")
    p.add_argument("--timeout", type=float, default=None)
    p.add_argument("--max-memory", type=int, default=None, metavar="BYTES",
                   help="stop cleanly once the resident memory passes this")
    p.add_argument("--no-deadlock", action="store_true", help="TLC's -deadlock")
    p.add_argument("--tlc-option", action="append", default=[],
                   help="a TLC option the run was made with (one the engine may not have)")
    p.add_argument("--tlc-property", action="append", default=[],
                   help="a Java system property TLC ran with (key=value)")
    args = p.parse_args(argv)
    sys.setrecursionlimit(20000)
    limits, unknown = tlc_options(args.tlc_option, args.tlc_property)
    if unknown:
        print(json.dumps({"outcome": Outcome.CONFIG_ERROR.value,
                          "unsupported": "TLC option " + " ".join(unknown),
                          "message": "the engine has no such option"}))
        return 0
    r = check_model(Path(args.spec), Path(args.config), timeout=args.timeout,
                    max_memory=args.max_memory,
                    check_deadlock=False if args.no_deadlock else None, **limits)
    unsupported = next((w[len("unsupported: "):] for w in r.warnings
                        if w.startswith("unsupported: ")), None)
    print(json.dumps({
        "outcome": r.outcome.value, "violated": r.violated, "generated": r.states_generated,
        "distinct": r.distinct_states, "depth": r.depth, "left": r.states_left,
        "duration": r.duration, "message": r.message, "unsupported": unsupported,
        "positions": [p.to_json() for p in r.positions],
        "trace_length": len(r.counterexample.steps) if r.counterexample else None,
        "random": any(w.startswith("random choices:") for w in r.warnings),
        # the engine's memory bound or the process's limit, as check_model reports either
        "resource": r.outcome is Outcome.TLC_FAILURE and "memory" in r.message,
    }))
    return 0


# Java system properties of TLC whose value the engine's behaviour already is
_SAME_AS_TLC = {"tlc2.tool.impl.Tool.cdot": "true"}


def tlc_options(options: list[str], properties: list[str]) -> tuple[dict, list[str]]:
    """What TLC's options and properties of a run mean for the engine, and what it lacks."""
    limits: dict = {}
    unknown: list[str] = []
    i = 0
    while i < len(options):
        if options[i] == "-maxSetSize" and i + 1 < len(options) and options[i + 1].isdigit():
            limits["max_set_size"] = int(options[i + 1])
            i += 2
            continue
        if options[i] in ("-inv", "-invlevel") and i + 1 < len(options):
            text = options[i + 1]
            if options[i] == "-invlevel":  # as TLC builds it
                text = ('LET _T == INSTANCE TLC _N == INSTANCE Naturals IN '
                        f'_N!<(_T!TLCGet("level"), {text})')
            limits.setdefault("invariants", []).append(text)
            i += 2
            continue
        if options[i] == "-continue":
            limits["keep_going"] = True
            i += 1
            continue
        unknown.append(options[i])
        i += 1
    for prop in properties:
        key, _, value = prop.partition("=")
        if key == "tlc2.tool.impl.SpecProcessor.allowCyclicRedefinitions":
            limits["cyclic_redefinitions"] = value == "true"
        elif _SAME_AS_TLC.get(key) != value:
            unknown.append(f"-D{prop}")
    return limits, unknown


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1:]))
