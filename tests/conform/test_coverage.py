"""Spec coverage: branches a validated step took, states reached, a small model's graph and
the fraction of it a campaign covered (on a small spec of its own, then on a Raft campaign)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conformance import manifest
from conformance.coverage import models
from conformance.coverage.fingerprint import Fingerprinter
from conformance.coverage.record import Coverage
from conformance.coverage.report import report
from conformance.protocols import get as get_protocol
from conformance.schedules.campaign import run_campaign
from conformance.schedules.profiles import PROFILES
from conformance.trace import Step
from conformance.validate import SpecEngine, Validator
from conformance.values import Fn, FSet, ModelValue

SPEC = Path(__file__).parent / "specs" / "Branches.tla"


def validated(steps: list[Step]) -> Coverage:
    cov = Coverage()
    v = Validator(SpecEngine(SPEC, {"Mode": "narrow", "Limit": 2}), coverage=cov)
    assert v.validate(steps) is None
    return cov


TRACE = [Step(0, "Init", {"x": 0, "y": 0}),
         Step(1, "Step", {"x": 1, "y": 0}, params={"n": 1}),
         Step(2, "Flip", {"x": 1, "y": 1})]


def test_each_step_counts_its_action_and_the_branches_it_came_through():
    cov = validated(TRACE)
    rep = report(SPEC, cov, with_models=False)
    assert dict(rep.actions) == {"Step": 1, "Flip": 1}
    each = {(k.action, k.kind, k.line): (n, live) for k, n, live in rep.branches}
    assert each == {("Step", "disjunct", 10): (1, True),
                    ("Step", "disjunct", 13): (0, False),  # Mode = "wide": dead here
                    ("Step", "disjunct", 16): (0, True),
                    ("Flip", "then", 20): (1, True),
                    ("Flip", "else", 20): (0, True)}
    assert (rep.branches_covered, len(rep.live)) == (2, 4)
    assert rep.states == 3
    assert [k.line for k in rep.missed_branches()] == [16, 20]


def test_coverage_of_slices_adds_up():
    a, b = validated(TRACE), validated(TRACE[:2])
    a.merge(b)
    assert a.actions["Step"] == 2 and a.distinct_states == 3 and a.events == 3


def test_a_small_model_is_enumerated_and_a_trace_measured_against_it(tmp_path):
    g = models.build(SPEC, SPEC.with_suffix(".cfg"))
    # x in 0..2 and y in 0..1, every pair reachable
    assert g.distinct == 6
    assert {a for _, a in g.transitions()} == {"Step", "Flip"}
    far = max(range(g.distinct), key=g.depth)
    assert len(g.path_to(far)) == g.depth(far) == 3
    m = models.measure(g, validated(TRACE))
    assert m is not None
    assert (m.states_covered, m.transitions_covered, m.outside) == (3, 2, 0)
    # runs under other constants (the next-state relation reads Mode) do not count
    other = Coverage()
    Validator(SpecEngine(SPEC, {"Mode": "wide", "Limit": 2}),
              coverage=other).validate(TRACE[:1])
    assert models.measure(g, other) is None
    # cached: the second time it is read, not built
    entry = manifest.Model(SPEC, SPEC.with_suffix(".cfg"))
    first = models.graph_for(entry, cache=tmp_path)
    assert list(tmp_path.glob("Branches-*.zip"))
    again = models.graph_for(entry, cache=tmp_path)
    assert again.distinct == first.distinct and again.images == first.images
    assert list(again.edges) == list(first.edges)


def test_fingerprints_are_the_same_in_every_process():
    state = (FSet([ModelValue("s1"), ModelValue("s2")]), "leader",
             Fn({ModelValue("s1"): 3}), 7, True)
    here = Fingerprinter()(state)
    code = ("from conformance.coverage.fingerprint import Fingerprinter\n"
            "from conformance.values import Fn, FSet, ModelValue\n"
            "print(Fingerprinter()((FSet([ModelValue('s1'), ModelValue('s2')]), 'leader', "
            "Fn({ModelValue('s1'): 3}), 7, True)))")
    for seed in ("1", "2"):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env=dict(os.environ, PYTHONHASHSEED=seed), check=True)
        assert int(out.stdout) == here


def test_a_raft_campaign_counts_what_it_reached():
    protocol = get_protocol("raft")
    r = run_campaign(protocol, PROFILES["ci"].with_overrides(examples=8), seed=3)
    assert r.ok and r.coverage is not None
    rep = report(protocol.spec, r.coverage, with_models=False)
    assert rep.events == r.progress.events
    assert sum(n for _, n in rep.actions) + sum(rep.outside.values()) == rep.events
    assert "Timeout" in dict(rep.actions) and dict(rep.actions)["Timeout"] > 0
    assert 0 < rep.branches_covered <= len(rep.live)
    assert rep.states > 0


def test_an_action_a_constant_disables_is_not_counted_as_missed():
    from conformance.schedules.execution import spec_engine
    protocol = get_protocol("raft")
    engine = spec_engine(protocol, protocol.variants[0].settings)
    assert engine.disabled("AdvanceCommitIndex")  # /\ CommitOnTick, FALSE here
    assert not engine.disabled("Timeout")
    cov = Coverage()
    cov.view(engine)
    rep = report(protocol.spec, cov, with_models=False)
    assert rep.disabled == ["AdvanceCommitIndex"]
    assert "AdvanceCommitIndex" not in dict(rep.actions)
