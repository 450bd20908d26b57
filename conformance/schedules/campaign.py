"""A conformance campaign: Hypothesis generates schedules, every run is validated as it goes.

Each Hypothesis example is one run: it draws a cluster variant, then decisions one at a time
among those the simulator has enabled (:mod:`conformance.schedules.chooser`), and the
validator checks every event the implementation produces against the spec the moment it is
produced. The first divergence fails the example, so Hypothesis stops generating and shrinks
the schedule: fewer decisions, simpler ones, the simplest variant. The shrunk run is saved
under ``traces/failing/`` and replays with ``conform replay``.

``hypothesis.target()`` steers generation toward runs that go further (the protocol's
metrics: for Raft, higher terms, more leader changes, longer logs).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hypothesis
import hypothesis.errors
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import strategies as st
from hypothesis.database import ExampleDatabase
from hypothesis.internal.conjecture import engine as hypothesis_engine

from conformance.protocols import Protocol
from conformance.schedules import failures, profiles
from conformance.schedules.chooser import Chooser
from conformance.schedules.database import for_campaign as database_for_campaign
from conformance.schedules.execution import Execution, spec_engine
from conformance.schedules.minimize import minimize
from conformance.schedules.profiles import Profile
from conformance.validate import Divergence
from conformance.validate.report import INVARIANT, PROPERTY


class Diverged(AssertionError):
    """Raised inside a Hypothesis example: the run left the spec."""

    def __init__(self, divergence: Divergence) -> None:
        super().__init__(divergence.headline())
        self.divergence = divergence


@dataclass
class Progress:
    examples: int = 0
    events: int = 0
    decisions: int = 0
    started: float = field(default_factory=time.monotonic)
    cpu_started: float = field(default_factory=time.process_time)
    found_at_example: int | None = None  # the example that first diverged
    found_after: float | None = None  # seconds from the start to that example's end
    found_after_cpu: float | None = None  # the same in CPU seconds of this process
    shrink_runs: int = 0  # runs after the first failure (shrinking)
    best: dict[str, float] = field(default_factory=dict)  # highest metric values seen

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started

    @property
    def cpu_seconds(self) -> float:
        return time.process_time() - self.cpu_started


@dataclass
class CampaignResult:
    protocol: str
    profile: str
    seed: int
    bugs: tuple[str, ...]
    progress: Progress
    seconds: float
    cpu_seconds: float = 0.0
    divergence: Divergence | None = None
    trace_file: Path | None = None
    shrunk_events: int | None = None
    shrunk_decisions: int | None = None
    variant: str | None = None
    error: str | None = None  # the run broke down (not a divergence): an exception

    @property
    def ok(self) -> bool:
        return self.divergence is None and self.error is None

    def summary(self) -> dict[str, Any]:
        p = self.progress
        return {
            "protocol": self.protocol,
            "profile": self.profile,
            "seed": self.seed,
            "bug": ",".join(self.bugs) or None,
            "verdict": "conforms" if self.ok else ("diverged" if self.divergence else "error"),
            "examples": p.examples,
            "events": p.events,
            "seconds": round(self.seconds, 2),
            "cpu_seconds": round(self.cpu_seconds, 2),
            "events_per_second": round(p.events / self.seconds, 1) if self.seconds else None,
            "found_at_example": p.found_at_example,
            "found_after_seconds": None if p.found_after is None else round(p.found_after, 2),
            "found_after_cpu_seconds": None if p.found_after_cpu is None
            else round(p.found_after_cpu, 2),
            "shrink_runs": p.shrink_runs,
            "shrunk_events": self.shrunk_events,
            "shrunk_decisions": self.shrunk_decisions,
            "variant": self.variant,
            "divergence": self.divergence.headline() if self.divergence else None,
            "trace_file": str(self.trace_file) if self.trace_file else None,
            "error": self.error,
            "best": p.best,
        }


def run_campaign(protocol: Protocol, profile: Profile, bugs: tuple[str, ...] = (),
                 seed: int | None = None, save_dir: Path | None = None,
                 on_example: Callable[[Progress], None] | None = None,
                 database: ExampleDatabase | None = None) -> CampaignResult:
    """Run ``profile.examples`` Hypothesis examples; stop, shrink and save at a divergence.

    With an example ``database`` (see :mod:`conformance.schedules.database`), the failures
    saved there for this protocol and these bugs are replayed first, and a new one is saved.
    One call is one Hypothesis campaign in this process; :mod:`conformance.schedules.spread`
    cuts a campaign into slices for several processes or machines."""
    if seed is None:
        seed = profiles.resolve_seed(profile)
    chooser = Chooser(protocol.decision_weights, protocol.emphasis)
    variants = protocol.variants
    for v in variants:  # load every spec model up front: a failure here is bad input
        spec_engine(protocol, v.settings)
    progress = Progress()
    last_failure: list[Execution] = []
    last_crash: list[Execution] = []
    fast_shrink: list[Any] = [None]

    def one_run(data: Any) -> None:
        progress.examples += 1
        if progress.found_at_example is not None:
            progress.shrink_runs += 1
        k = data.draw(st.integers(0, len(variants) - 1), label="variant")
        # once a failure is known, replays that only need to reproduce a divergence of a
        # step skip the invariants (the saved trace is re-run with them)
        ex = Execution(protocol, variants[k].settings, bugs,
                       check_invariants=fast_shrink[0] is None)
        try:
            if ex.divergence is None:
                while True:
                    d = chooser.next_step(data, ex.sim,
                                          must_stop=len(ex.decisions) >= profile.max_decisions)
                    if d is None or ex.apply(d) is not None:
                        break
        except Exception as e:
            # the implementation (or its simulator) broke: a finding too, kept as a file
            if not isinstance(e, hypothesis.errors.HypothesisException):
                ex.error = f"{type(e).__name__}: {e}"
                last_crash[:] = [ex]
            raise
        progress.events += ex.events
        progress.decisions += len(ex.decisions)
        if protocol.metrics is not None and ex.divergence is None:
            for label, value in protocol.metrics(ex.steps).items():
                hypothesis.target(value, label=label)
                if value > progress.best.get(label, float("-inf")):
                    progress.best[label] = value
        if on_example is not None:
            on_example(progress)
        if ex.divergence is not None:
            if progress.found_at_example is None:
                progress.found_at_example = progress.examples
                progress.found_after = progress.seconds
                progress.found_after_cpu = progress.cpu_seconds
            last_failure[:] = [ex]
            if ex.divergence.kind not in (INVARIANT, PROPERTY):
                fast_shrink[0] = True
            raise Diverged(ex.divergence)

    test = settings(
        max_examples=profile.examples,
        database=database_for_campaign(database, protocol.name, bugs),
        deadline=None,
        derandomize=False,
        phases=((Phase.reuse,) if database is not None else ())
        + (Phase.generate, Phase.target, Phase.shrink),
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        report_multiple_bugs=False,
        print_blob=False,
    )(hypothesis.seed(seed)(given(st.data())(one_run)))

    result = CampaignResult(protocol.name, profile.name, seed, bugs, progress, 0.0)
    # Hypothesis's own bound on the time it spends shrinking one failure (five minutes by
    # default); its docs call it monkeypatchable for exactly this.
    saved_budget = hypothesis_engine.MAX_SHRINKING_SECONDS
    hypothesis_engine.MAX_SHRINKING_SECONDS = profile.shrink_seconds
    try:
        test()
    except Diverged:
        pass
    except Exception as e:  # noqa: BLE001 - reported, with the run that raised it
        if not last_failure:
            result.error = f"{type(e).__name__}: {e}"
            if last_crash:
                crashed = last_crash[-1]
                result.error = crashed.error
                result.shrunk_events = crashed.events
                result.shrunk_decisions = len(crashed.decisions)
                result.trace_file = failures.save(
                    crashed, save_dir, origin={"profile": profile.name, "seed": seed,
                                               "hypothesis": hypothesis.__version__})
    finally:
        hypothesis_engine.MAX_SHRINKING_SECONDS = saved_budget
    if last_failure:
        ex = _final_run(protocol, profile, bugs, last_failure[0], progress)
        result.divergence = ex.divergence
        result.shrunk_events = ex.events
        result.shrunk_decisions = len(ex.decisions)
        result.variant = next(v.name for v in variants if v.settings == ex.settings)
        result.trace_file = failures.save(
            ex, save_dir, origin={"profile": profile.name, "seed": seed,
                                  "hypothesis": hypothesis.__version__,
                                  "found_at_example": progress.found_at_example})
    # the whole campaign, shrinking and the final deletion pass included
    result.seconds = progress.seconds
    result.cpu_seconds = progress.cpu_seconds
    return result


def _final_run(protocol: Protocol, profile: Profile, bugs: tuple[str, ...], ex: Execution,
               progress: Progress) -> Execution:
    """Hypothesis's shrunk run, shrunk further by deleting decisions, and re-run with every
    check on: the run that is saved."""
    div = ex.divergence
    assert div is not None
    fast = div.kind not in (INVARIANT, PROPERTY)

    def count(_: int) -> None:
        progress.shrink_runs += 1

    schedule = minimize(protocol, ex.settings, bugs, ex.decisions, (div.action, div.kind),
                        profile.minimize_replays, check_invariants=not fast, on_attempt=count)
    final = Execution(protocol, ex.settings, bugs)
    for d in schedule:
        if final.apply(d) is not None:
            break
    # an earlier invariant failure is still a failure: keep whatever the full run found
    return final if final.divergence is not None else ex
