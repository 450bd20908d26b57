"""The embedded TLA+ engine: TLC's semantics in Python, for checking models and steps.

Two entry points:

* :func:`check_model` model-checks a spec with a TLC .cfg and returns the
  :class:`~conformance.result.CheckResult` the TLC bridge returns too (outcome, TLC's
  counts and depth, counterexample trace, error positions).
* :func:`load_model` loads a spec once for the *step API* (:mod:`conformance.tla.steps`):
  enumerate the successors of a state under an action with parameters, check that a given
  (possibly partial) next state is one of them and say why not, evaluate invariants.

Layers, each its own module: ``parse`` (tree-sitter to :mod:`syntax`), ``modules`` (scopes,
EXTENDS/INSTANCE), ``builtins`` and ``lazy`` (standard modules, lazy sets), ``compile``
(closures), ``actions`` (initial and successor states, TLC's way), ``cfg`` and ``model``
(binding a .cfg), ``explore`` (breadth-first search), ``liveness``, ``check``, ``steps``.

The entry points are imported on first use, so that a module that needs only one layer
(the TLC bridge reads .cfg files through ``cfg``) does not load the whole engine.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conformance.tla.check import check_model
    from conformance.tla.steps import Failure, StepModel, StepResult, load_model, to_value

__all__ = ["check_model", "load_model", "StepModel", "StepResult", "Failure", "to_value"]
_HOME = {"check_model": "check", "load_model": "steps", "StepModel": "steps",
         "StepResult": "steps", "Failure": "steps", "to_value": "steps"}


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)
    globals()[name] = value
    return value
