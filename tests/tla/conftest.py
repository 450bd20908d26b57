"""Helpers for the engine's tests: evaluate TLA+ expressions and run small specs."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest

from conformance.tla.model import load

SPECS = Path(__file__).parent / "specs"

_counter = itertools.count()

STANDARD = "Naturals, Integers, Sequences, FiniteSets, TLC, Bags"


@pytest.fixture
def tla(tmp_path):
    """``tla(text, **constants)`` evaluates a constant expression; ``tla.spec(body)``
    writes a module and returns its path."""

    class Evaluator:
        def spec(self, body: str, cfg: str = "", name: str | None = None,
                 extends: str = STANDARD) -> Path:
            name = name or f"T{next(_counter)}"
            path = tmp_path / f"{name}.tla"
            ext = f"EXTENDS {extends}\n" if extends else ""
            path.write_text(f"---- MODULE {name} ----\n{ext}{body}\n====\n")
            (tmp_path / f"{name}.cfg").write_text(cfg)
            return path

        def __call__(self, expr: str, defs: str = "", **constants):
            decl = ""
            if constants:
                decl = "CONSTANTS " + ", ".join(constants) + "\n"
            path = self.spec(f"{decl}{defs}\nValue == {expr}\n")
            model = load(path, None, constants=constants, need_behavior=False)
            from conformance.tla.steps import StepModel

            return StepModel(model).evaluate("Value")

    return Evaluator()


@pytest.fixture
def specdir(tmp_path):
    """A copy of tests/tla/specs (the engine writes nothing, but tests stay independent)."""
    target = tmp_path / "specs"
    shutil.copytree(SPECS, target)
    return target


@pytest.fixture
def record_set_members(monkeypatch):
    """The values tested for membership in a set of records, in order (to tell which
    elements a remembered check tested again)."""
    from conformance.tla.lazy import RecordSet

    asked: list = []
    member = RecordSet.member

    def counting(self, v):
        asked.append(v)
        return member(self, v)

    monkeypatch.setattr(RecordSet, "member", counting)
    return asked
