"""One way to check a model, whichever engine does it: TLC, the embedded engine, or ``auto``.

``auto`` runs TLC when a jar and a Java 11+ are found (TLC is the reference, and fast), and
the embedded engine otherwise, so ``conform modelcheck`` works on every machine. Both return
the same :class:`~conformance.result.CheckResult` (DESIGN.md rule 5).
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from pathlib import Path

from conformance.errors import UserError
from conformance.result import CheckResult, Progress

ENGINES = ("auto", "tlc", "embedded")


def resolve_engine(engine: str) -> str:
    """The engine ``engine`` stands for here: ``tlc`` or ``embedded``."""
    if engine not in ENGINES:
        raise UserError(f"unknown engine {engine!r} (choose from {', '.join(ENGINES)})")
    if engine != "auto":
        return engine
    from conformance.tlc import tlc_available

    return "tlc" if tlc_available() else "embedded"


def check_model(spec: str | Path, config: str | Path | None = None, *, engine: str = "auto",
                workers: int = 1, timeout: float | None = None,
                progress: Callable[[Progress], None] | None = None,
                check_deadlock: bool | None = None, **limits) -> CheckResult:
    """Check the model ``config`` (default: the .cfg beside the spec) of ``spec``.
    ``limits`` (``max_memory``, ``max_set_size``) bound the embedded engine; TLC keeps the
    limits of its JVM and its own defaults."""
    from conformance.tlc.runner import model_files

    spec_path, config_path = model_files(Path(spec), Path(config) if config else None)
    chosen = resolve_engine(engine)
    if chosen == "tlc":
        from conformance.tlc import run_tlc

        return run_tlc(spec_path, config_path, workers=workers, timeout=timeout,
                       progress=progress, check_deadlock=check_deadlock)
    return _embedded(engine)(spec_path, config_path, workers=workers, timeout=timeout,
                             progress=progress, check_deadlock=check_deadlock, **limits)


def _embedded(asked: str) -> Callable[..., CheckResult]:
    check = None
    if importlib.util.find_spec("conformance.tla") is not None:
        check = getattr(importlib.import_module("conformance.tla"), "check_model", None)
    if check is None:
        raise UserError("the embedded TLA+ engine is not part of this installation"
                        + (", and TLC was not found." if asked == "auto" else "."),
                        hint="Use TLC: `conform tlc install` (it needs Java 11+), or point "
                             "TLA2TOOLS_JAR at a tla2tools.jar.")
    return check
