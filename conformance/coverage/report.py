"""A campaign's coverage as figures: for the table ``conform run`` prints, its JSON, its file.

The figures are the spec's: every action of its next-state relation with how many steps took
it, every branch of those actions (by source position) with its count, whether it is live
under the constants the runs used, and where it is; the distinct spec states reached; and,
for each CI model whose constants some runs had, the fraction of the model's reachable
states and of its transitions (state, action) that the runs covered.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from conformance.coverage import models
from conformance.coverage.models import ModelCoverage
from conformance.coverage.record import Coverage
from conformance.coverage.spec import BranchKey


@dataclass
class CoverageReport:
    spec: Path
    actions: list[tuple[str, int]]  # the next-state relation's actions, in its order
    disabled: list[str]  # its actions a constant disables under every run's constants
    outside: dict[str, int]  # steps of actions outside the next-state relation
    branches: list[tuple[BranchKey, int, bool]]  # branch, steps through it, live
    states: int
    events: int
    models: list[ModelCoverage] = field(default_factory=list)

    @property
    def actions_covered(self) -> int:
        return sum(1 for _, n in self.actions if n)

    @property
    def live(self) -> list[tuple[BranchKey, int]]:
        return [(k, n) for k, n, live in self.branches if live]

    @property
    def branches_covered(self) -> int:
        return sum(1 for _, n in self.live if n)

    @property
    def branch_fraction(self) -> float:
        live = self.live
        return self.branches_covered / len(live) if live else 1.0

    def missed_actions(self) -> list[str]:
        return [a for a, n in self.actions if not n]

    def missed_branches(self) -> list[BranchKey]:
        return [k for k, n in self.live if not n]

    def to_json(self) -> dict:
        return {
            "spec": str(self.spec),
            "events": self.events,
            "distinct_states": self.states,
            "actions": {"covered": self.actions_covered, "total": len(self.actions),
                        "counts": dict(self.actions), "missed": self.missed_actions(),
                        "disabled": self.disabled,
                        "outside_next": self.outside},
            "branches": {"covered": self.branches_covered, "live": len(self.live),
                         "dead": sum(1 for _, _, live in self.branches if not live),
                         "fraction": round(self.branch_fraction, 4),
                         "each": [dict(k.to_json(), count=n, live=live,
                                       text=branch_text(self.spec, k))
                                  for k, n, live in self.branches]},
            "models": [m.to_json() for m in self.models],
        }


def report(spec: Path, coverage: Coverage, *, with_models: bool = True,
           on_progress: Callable[[str], None] | None = None) -> CoverageReport:
    """The figures of ``coverage``, a campaign's over ``spec``; with ``with_models``, also
    measured against the spec's CI models (built the first time, then cached)."""
    universe = coverage.universe
    out = CoverageReport(
        spec,
        actions=[(a, coverage.actions.get(a, 0)) for a in universe
                 if not coverage.disabled.get(a, False)],
        disabled=[a for a in universe if coverage.disabled.get(a, False)],
        outside={a: n for a, n in sorted(coverage.actions.items()) if a not in universe},
        branches=[(k, coverage.branches.get(k, 0), live)
                  for k, live in sorted(coverage.catalog.items(),
                                        key=lambda kv: (universe.index(kv[0].action)
                                                        if kv[0].action in universe
                                                        else len(universe), kv[0]))],
        states=coverage.distinct_states, events=coverage.events)
    if with_models:
        for m in models.ci_models(spec):
            if not models.runs_under(m, coverage):
                continue  # not enumerated: no run to measure against it
            graph = models.graph_for(m, on_progress)
            measured = models.measure(graph, coverage)
            if measured is not None:
                out.models.append(measured)
    return out


_SOURCES: dict[Path, list[str]] = {}


def branch_text(spec: Path, key: BranchKey, width: int = 60) -> str:
    """The first line of a branch's text, from its column on (shortened to ``width``)."""
    path = spec.with_name(f"{key.module}.tla") if key.module else spec
    lines = _SOURCES.get(path)
    if lines is None:
        try:
            lines = _SOURCES[path] = path.read_text(encoding="utf-8").splitlines()
        except OSError:
            lines = _SOURCES[path] = []
    if not 0 < key.line <= len(lines):
        return ""
    text = " ".join(lines[key.line - 1][key.col - 1:].split())
    return text if len(text) <= width else text[:width - 3] + "..."


def save(rep: CoverageReport, folder: Path, name: str, about: dict) -> Path:
    """Write the report as ``folder/name.json`` (whole, then renamed onto it)."""
    from conformance.outputs import ensure_dir, write_text
    path = ensure_dir(folder) / f"{name}.json"
    return write_text(path, json.dumps(dict(about, coverage=rep.to_json()), indent=1) + "\n")
