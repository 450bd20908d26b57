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

import hashlib
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hypothesis
import hypothesis.errors
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import strategies as st
from hypothesis.database import ExampleDatabase
from hypothesis.internal.conjecture import engine as hypothesis_engine
from hypothesis.internal.conjecture import providers as hypothesis_providers

from conformance.coverage.record import Coverage
from conformance.protocols import Protocol
from conformance.schedules import failures, profiles
from conformance.schedules.chooser import Chooser
from conformance.schedules.database import for_campaign as database_for_campaign
from conformance.schedules.execution import Execution, spec_engine
from conformance.schedules.guide import Guidance, Guide
from conformance.schedules.minimize import minimize
from conformance.schedules.profiles import Profile
from conformance.validate import Divergence
from conformance.validate.report import INVARIANT, PROPERTY
from impl.sim.world import DecisionError


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
    coverage: Coverage | None = None  # what the runs reached in the spec, before any failure
    coverage_file: Path | None = None  # where its report was saved

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
                 database: ExampleDatabase | None = None,
                 coverage: bool = True) -> CampaignResult:
    """Run ``profile.examples`` Hypothesis examples; stop, shrink and save at a divergence.

    With an example ``database`` (see :mod:`conformance.schedules.database`), the failures
    saved there for this protocol and these bugs are replayed first, and a new one is saved.
    One call is one Hypothesis campaign in this process; :mod:`conformance.schedules.spread`
    cuts a campaign into slices for several processes or machines. With ``coverage`` the
    runs' spec coverage is counted (``result.coverage``) and new spec states and rarely
    taken actions and branches are targets for Hypothesis."""
    if seed is None:
        seed = profiles.resolve_seed(profile)
    chooser = Chooser(protocol.decision_weights, protocol.emphasis)
    variants = protocol.variants
    for v in variants:  # load every spec model up front: a failure here is bad input
        spec_engine(protocol, v.settings, branches=coverage)
    reached = Coverage() if coverage else None
    rounds = _rounds(profile) if coverage else [(profile.examples, False)]
    guidance = Guidance(protocol, bugs) if any(guided for _, guided in rounds) else None
    pool: list[Guide] = []  # the guides of the round running
    progress = Progress()
    last_failure: list[Execution] = []
    last_crash: list[Execution] = []
    fast_shrink: list[Any] = [None]

    def one_run(data: Any) -> None:
        progress.examples += 1
        if progress.found_at_example is not None:
            progress.shrink_runs += 1
        k = data.draw(st.integers(0, len(variants) - 1), label="variant")
        guide = None
        if pool:  # 0: no guide, which is where shrinking goes
            g = data.draw(st.integers(0, len(pool)), label="guide")
            guide = pool[g - 1] if g else None
        left_out = chooser.left_out(data)
        # coverage counts the runs before a failure, not the shrinker's replays of it
        cov = reached if progress.found_at_example is None else None
        if cov is not None:
            cov.begin_example()
        # once a failure is known, replays that only need to reproduce a divergence of a
        # step skip the invariants (the saved trace is re-run with them)
        ex = Execution(protocol, guide.settings if guide else variants[k].settings, bugs,
                       check_invariants=fast_shrink[0] is None, coverage=cov,
                       branches=coverage)
        try:
            if ex.divergence is None and guide is not None:
                assert guidance is not None
                for d in guide.schedule(guidance):
                    try:
                        if ex.apply(d) is not None:
                            break
                    except DecisionError:
                        break  # (a planted bug took the run elsewhere) Hypothesis goes on
            if ex.divergence is None:
                while True:
                    d = chooser.next_step(data, ex.sim,
                                          must_stop=len(ex.decisions) >= profile.max_decisions,
                                          left_out=left_out)
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
        if cov is not None and ex.divergence is None:
            # novelty (ModelFuzz's signal): spec states no run reached before, and actions
            # and branches the runs so far rarely took
            hypothesis.target(float(cov.new_states), label="new spec states")
            hypothesis.target(cov.rarity, label="rare actions and branches")
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

    def round_test(number: int, examples: int) -> Callable[[], None]:
        return settings(  # type: ignore[no-any-return]
            max_examples=examples,
            database=database_for_campaign(database, protocol.name, bugs),
            deadline=None,
            derandomize=False,
            # failures saved earlier are replayed once, by the first round
            phases=((Phase.reuse,) if database is not None and number == 0 else ())
            + (Phase.generate, Phase.target, Phase.shrink),
            suppress_health_check=list(HealthCheck),
            verbosity=Verbosity.quiet,
            report_multiple_bugs=False,
            print_blob=False,
        )(hypothesis.seed(_round_seed(seed, number))(given(st.data())(one_run)))

    result = CampaignResult(protocol.name, profile.name, seed, bugs, progress, 0.0,
                            coverage=reached)
    try:
        for number, (examples, guided) in enumerate(rounds):
            # a round's guides are fixed before it starts (Hypothesis replays its runs),
            # chosen among what the rounds before it left uncovered
            pool[:] = [] if not guided or guidance is None or reached is None else \
                guidance.pool(reached, profile.guide_pool,
                              random.Random(_round_seed(seed, number)))
            with _hypothesis_for_campaign(profile):
                round_test(number, examples)()
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
    if last_failure:
        ex = _final_run(protocol, profile, bugs, last_failure[0], progress)
        result.divergence = ex.divergence
        result.shrunk_events = ex.events
        result.shrunk_decisions = len(ex.decisions)
        result.variant = next((v.name for v in variants if v.settings == ex.settings),
                              "guided: " + ", ".join(f"{k} {v}"
                                                     for k, v in ex.settings.items()))
        result.trace_file = failures.save(
            ex, save_dir, origin={"profile": profile.name, "seed": seed,
                                  "hypothesis": hypothesis.__version__,
                                  "found_at_example": progress.found_at_example})
    # the whole campaign, shrinking and the final deletion pass included
    result.seconds = progress.seconds
    result.cpu_seconds = progress.cpu_seconds
    return result


_NO_CONSTANTS = hypothesis_providers.Constants()


@contextmanager
def _hypothesis_for_campaign(profile: Profile) -> Iterator[None]:
    """Hypothesis's process-wide settings, as a campaign runs under them.

    * its bound on the time it spends shrinking one failure (five minutes by default; its
      docs call it monkeypatchable for exactly this);
    * no "local constants": Hypothesis now and then draws, instead of a random integer, one
      of the literals written in the source of the modules this process has imported
      outside site-packages (ours). Which modules those are depends on what ran before in
      the process (a Raft campaign imports Raft's code), so a campaign's runs depended on
      the campaigns before it in a worker. With none, its draws depend on its seed alone;
      the cache of the constants allowed per kind of draw is emptied on both sides, as it
      may hold those harvested before.
    """
    saved_budget = hypothesis_engine.MAX_SHRINKING_SECONDS
    saved_constants = hypothesis_providers._get_local_constants
    hypothesis_engine.MAX_SHRINKING_SECONDS = profile.shrink_seconds
    hypothesis_providers._get_local_constants = lambda: _NO_CONSTANTS
    hypothesis_providers.CONSTANTS_CACHE.cache.clear()
    try:
        yield
    finally:
        hypothesis_engine.MAX_SHRINKING_SECONDS = saved_budget
        hypothesis_providers._get_local_constants = saved_constants
        hypothesis_providers.CONSTANTS_CACHE.cache.clear()


def _rounds(profile: Profile) -> list[tuple[int, bool]]:
    """The campaign's rounds of runs, ``(examples, guided)``: unguided runs first, then
    the profile's share of guided ones, in rounds of at most ``profile.guide_round``."""
    guided = round(profile.examples * profile.guided)
    out = [(profile.examples - guided, False)]
    while guided > 0:
        n = min(guided, max(1, profile.guide_round))
        out.append((n, True))
        guided -= n
    return [r for r in out if r[0] > 0]


def _round_seed(seed: int, number: int) -> int:
    """Round 0 runs from the campaign's seed, round k from one derived from it."""
    if number == 0:
        return seed
    digest = hashlib.sha256(f"conform round {seed} {number}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


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
