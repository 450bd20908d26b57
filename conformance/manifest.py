"""Which models to check and what each is expected to give: ``manifest.json`` files.

The format is the one of the tlaplus/Examples repository (its ``manifest-schema.json``)::

    {"modules": [{"path": "Raft.tla", "features": [], "models": [
        {"path": "Raft.cfg", "runtime": "00:00:05", "mode": "exhaustive search",
         "result": "success", "distinctStates": 1234, "totalStates": 5678, "stateDepth": 20},
        {"path": "RaftBug.cfg", "runtime": "00:00:01", "mode": "exhaustive search",
         "result": "safety failure"}]}]}

A model whose result is ``safety failure`` (a seeded bug) is expected to fail, and a run agrees
with its manifest when TLC's verdict is that one (the words are TLC's exit statuses, as the
Examples' CI reads them). State counts are compared for models that succeed, as the Examples'
CI does. Both ``conform modelcheck`` and ``conform corpus`` read manifests through this module.
Paths are relative to the manifest's folder, or (as in tlaplus/Examples) to a folder above it.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.errors import Position, UserError
from conformance.result import CheckResult, Outcome

MANIFEST = "manifest.json"

# The manifest's result words and the outcome each stands for.
RESULTS: dict[str, Outcome | None] = {
    "success": Outcome.HOLDS,
    "assumption failure": Outcome.ASSUMPTION_FAILED,
    "deadlock failure": Outcome.DEADLOCK,
    "safety failure": Outcome.INVARIANT_VIOLATED,
    "liveness failure": Outcome.PROPERTY_VIOLATED,
    "unknown": None,  # any verdict will do; an error (the model did not run) will not
}
MODES = ("exhaustive search", "generate", "symbolic")  # or {"simulate": {"traceCount": n}}

_TOP_KEYS = {"sources", "authors", "tags", "modules"}
_MODULE_KEYS = {"path", "features", "models", "proof"}
_MODEL_KEYS = {"path", "runtime", "mode", "result", "distinctStates", "totalStates",
               "stateDepth", "workers"}
_RUNTIME = re.compile(r"^(\d\d:\d\d:\d\d|unknown)$")


def result_word(outcome: Outcome) -> str | None:
    """The manifest's word for an outcome, if it has one."""
    for word, o in RESULTS.items():
        if o is outcome:
            return word
    return None


@dataclass(frozen=True)
class Expectation:
    result: str  # a key of RESULTS
    mode: str = "exhaustive search"  # or "simulate"
    distinct_states: int | None = None
    total_states: int | None = None
    state_depth: int | None = None
    workers: int | str | None = None  # an int, "auto", or None (the caller decides)
    runtime: str | None = None


@dataclass(frozen=True)
class Model:
    """One model to check: a spec, its .cfg, and what the manifest expects of it."""

    spec: Path
    config: Path
    expect: Expectation | None = None  # None: no manifest; the model must hold
    manifest: Path | None = None
    position: Position | None = None  # the model's entry in the manifest

    @property
    def name(self) -> str:
        return f"{self.spec.stem}/{self.config.name}"

    @property
    def skip_reason(self) -> str | None:
        """Why this model is not model-checked here (Apalache and simulation runs are not)."""
        if self.expect is None or self.expect.mode == "exhaustive search":
            return None
        return f"mode {self.expect.mode!r} is not exhaustive model checking"


# --------------------------------------------------------------------------- reading


def load(path: str | Path) -> list[Model]:
    """Every model a manifest lists; a UserError names the manifest and the faulty entry."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"no such manifest: {path}")
    except (OSError, UnicodeDecodeError) as e:
        raise UserError(f"cannot read manifest {path}: {e}", Position(str(path)))
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise UserError(f"not JSON: {e.msg}", Position(str(path), e.lineno, e.colno))
    return _models(doc, path, text)


def _where(manifest: Path, text: str, near: str | None) -> Position:
    """The manifest's line that holds the JSON string ``near`` (line 0 if none does)."""
    at = text.find(json.dumps(near)) if near else -1
    return Position(str(manifest), text.count("\n", 0, at) + 1 if at >= 0 else 0)


def _fail(message: str, manifest: Path, text: str, near: str | None = None) -> UserError:
    return UserError(message, _where(manifest, text, near))


def _resolve(rel: Any, manifest: Path, text: str, what: str) -> Path:
    if not isinstance(rel, str) or not rel:
        raise _fail(f"{what}: \"path\" must be a file path", manifest, text)
    base = manifest.parent
    if (base / rel).is_file():
        return base / rel
    # tlaplus/Examples writes paths from the repository's root, which is a folder above; such
    # a path still leads into the manifest's own folder.
    inside = base.resolve()
    for folder in base.parents:
        candidate = folder / rel
        if candidate.is_file() and inside in candidate.resolve().parents:
            return candidate
    raise _fail(f"{what}: {rel} does not exist (paths are relative to {base})",
                manifest, text, rel)


def _models(doc: Any, manifest: Path, text: str) -> list[Model]:
    if not isinstance(doc, dict) or not isinstance(doc.get("modules"), list):
        raise _fail("a manifest is an object with a \"modules\" array", manifest, text)
    _no_unknown(doc, _TOP_KEYS, "the manifest", manifest, text)
    out: list[Model] = []
    for i, module in enumerate(doc["modules"]):
        where = f"modules[{i}]"
        if not isinstance(module, dict):
            raise _fail(f"{where} must be an object", manifest, text)
        _no_unknown(module, _MODULE_KEYS, where, manifest, text)
        spec = _resolve(module.get("path"), manifest, text, where)
        models = module.get("models", [])
        if not isinstance(models, list):
            raise _fail(f"{where}.models must be an array", manifest, text, module.get("path"))
        for j, entry in enumerate(models):
            at = f"{where}.models[{j}]"
            if not isinstance(entry, dict):
                raise _fail(f"{at} must be an object", manifest, text)
            _no_unknown(entry, _MODEL_KEYS, at, manifest, text)
            config = _resolve(entry.get("path"), manifest, text, at)
            expect = _expectation(entry, at, manifest, text)
            out.append(Model(spec, config, expect, manifest,
                             _where(manifest, text, entry["path"])))
    return out


def _no_unknown(obj: dict, known: set[str], where: str, manifest: Path, text: str) -> None:
    unknown = sorted(set(obj) - known)
    if unknown:
        raise _fail(f"{where}: unknown field {unknown[0]!r} (the fields are "
                    f"{', '.join(sorted(known))})", manifest, text, unknown[0])


def _expectation(entry: dict, at: str, manifest: Path, text: str) -> Expectation:
    near = entry.get("path")
    result = entry.get("result")
    if result not in RESULTS:
        raise _fail(f"{at}: result {result!r} is not one of {', '.join(map(repr, RESULTS))}",
                    manifest, text, near)
    mode = entry.get("mode", "exhaustive search")
    if isinstance(mode, dict) and set(mode) == {"simulate"}:
        mode = "simulate"
    if mode not in MODES and mode != "simulate":
        raise _fail(f"{at}: mode {mode!r} is not one of {', '.join(map(repr, MODES))} or "
                    "{\"simulate\": ...}", manifest, text, near)
    counts = {}
    for key in ("distinctStates", "totalStates", "stateDepth"):
        value = entry.get(key)
        if value is not None and (type(value) is not int or value < 0):
            raise _fail(f"{at}: {key} must be a non-negative integer", manifest, text, near)
        counts[key] = value
    workers = entry.get("workers")
    if workers is not None and workers != "auto" and (type(workers) is not int or workers < 1):
        raise _fail(f"{at}: workers must be a positive integer or \"auto\"", manifest, text,
                    near)
    runtime = entry.get("runtime")
    if runtime is not None and (not isinstance(runtime, str) or not _RUNTIME.match(runtime)):
        raise _fail(f"{at}: runtime must look like \"00:01:30\" or be \"unknown\"", manifest,
                    text, near)
    return Expectation(result=result, mode=mode, distinct_states=counts["distinctStates"],
                       total_states=counts["totalStates"], state_depth=counts["stateDepth"],
                       workers=workers, runtime=runtime)


# --------------------------------------------------------------------------- finding


def find_models(paths: list[str | Path], config: str | Path | None = None) -> list[Model]:
    """The models named by command-line arguments: .tla files, manifests, or folders.

    A folder is read through its ``manifest.json``, or the manifests in the folders below it
    (tlaplus/Examples keeps one per ``specifications/*``), or else every ``X.tla`` with an
    ``X.cfg`` beside it. ``config``
    applies to a single .tla argument.
    """
    models: list[Model] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            models.extend(_folder(p))
        elif p.suffix == ".json":
            models.extend(load(p))
        elif p.suffix == ".tla" or (not p.suffix and p.with_suffix(".tla").is_file()):
            spec = p if p.suffix else p.with_suffix(".tla")
            if not spec.is_file():
                raise UserError(f"no such spec: {spec}")
            cfg = Path(config) if config is not None else spec.with_suffix(".cfg")
            models.append(Model(spec, cfg))
        elif not p.exists():
            raise UserError(f"no such file or folder: {p}")
        else:
            raise UserError(f"{p} is not a spec (.tla), a manifest (.json) or a folder")
    if config is not None and (len(paths) != 1 or Path(paths[0]).is_dir()
                               or Path(paths[0]).suffix == ".json"):
        raise UserError("--config applies to a single .tla file; a manifest names the models "
                        "of its specs")
    return models


def _manifests_below(folder: Path) -> list[Path]:
    """The manifests under ``folder``, outermost first: a folder with a manifest is not
    searched further, and hidden folders (``.git``, ``.venv``) are skipped."""
    found: list[Path] = []
    for here, dirs, files in os.walk(folder):
        if Path(here) != folder and MANIFEST in files:
            found.append(Path(here) / MANIFEST)
            dirs.clear()
        else:
            dirs[:] = [d for d in dirs if not d.startswith(".")]
    return sorted(found)


def _folder(folder: Path) -> list[Model]:
    own = folder / MANIFEST
    if own.is_file():
        return load(own)
    below = _manifests_below(folder)
    if below:
        return [m for manifest in below for m in load(manifest)]
    pairs = [Model(tla, tla.with_suffix(".cfg")) for tla in sorted(folder.glob("*.tla"))
             if tla.with_suffix(".cfg").is_file()]
    if not pairs:
        raise UserError(f"{folder} has no {MANIFEST} and no spec with a .cfg beside it",
                        hint="Name a .tla file, or list the models in a manifest.json.")
    return pairs


# --------------------------------------------------------------------------- comparing


def disagreements(model: Model, result: CheckResult) -> list[str]:
    """How a result differs from what the model's manifest entry expects (empty: agrees)."""
    expect = model.expect
    if expect is None:
        return [] if result.ok else [f"expected the model to hold, got {result.outcome.value}"]
    wanted = RESULTS[expect.result]
    if wanted is None:
        if result.outcome.is_error or result.outcome is Outcome.TIMEOUT:
            return [f"expected a verdict, got {result.outcome.value}"]
        return []
    if result.outcome is not wanted:
        return [f"expected {expect.result}, got {result.outcome.value}"]
    out = []
    if expect.result == "success" and expect.mode == "exhaustive search":
        for label, want, got in (("distinct states", expect.distinct_states,
                                  result.distinct_states),
                                 ("states found", expect.total_states, result.states_generated)):
            if want is not None and got is not None and want != got:
                out.append(f"expected {want:,} {label}, got {got:,}")
    return out


def notes(model: Model, result: CheckResult) -> list[str]:
    """Differences worth showing that do not make a run disagree with its manifest.

    The depth TLC reports depends on how its workers interleave (tlaplus/tlaplus#883), so a
    manifest's ``stateDepth`` recorded with several workers need not match a run with one;
    the tlaplus/Examples CI does not compare it either.
    """
    expect = model.expect
    if (expect is not None and expect.state_depth is not None and result.depth is not None
            and result.ok and expect.state_depth != result.depth):
        return [f"depth {result.depth}, where the manifest records {expect.state_depth}"]
    return []
