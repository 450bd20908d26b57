"""Campaign profiles: how many runs, how long each may be, and where the randomness comes from.

``ci`` is what ``make conformance`` and CI run: a fixed seed, so the same runs every time, and
a size that fits the CI budget (well under 5 minutes on 2 cores per protocol). ``deep`` is a
long campaign for a developer's machine or a nightly job: many more and longer runs, from a
fresh seed unless one is given (the seed is printed, so a deep run can be repeated).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

from conformance.errors import UserError


@dataclass(frozen=True)
class Profile:
    name: str
    examples: int  # Hypothesis examples (runs) to generate
    max_decisions: int  # the longest schedule one run may take
    seed: int | None  # None: a fresh random seed per campaign
    shrink_seconds: int  # the most time Hypothesis spends shrinking a failure
    minimize_replays: int  # replays of the final deletion pass (conformance.schedules.minimize)
    description: str
    # the most examples of one slice: the unit that -j and --shard spread (see
    # conformance.schedules.spread); a campaign's slices depend on its size and seed alone
    slice_examples: int = 100
    # model guidance (conformance.schedules.guide): the share of a slice's examples run in
    # guided rounds (after its unguided ones), the most examples of one round (each round
    # picks guides toward what the rounds before it left uncovered), and the guides a
    # round's runs draw from
    guided: float = 0.0
    guide_round: int = 50
    guide_pool: int = 40

    def with_overrides(self, examples: int | None = None, seed: int | None = None,
                       max_decisions: int | None = None,
                       guided: float | None = None) -> Profile:
        return replace(self,
                       examples=self.examples if examples is None else examples,
                       seed=self.seed if seed is None else seed,
                       max_decisions=self.max_decisions if max_decisions is None
                       else max_decisions,
                       guided=self.guided if guided is None else guided)


PROFILES = {
    "ci": Profile("ci", examples=300, max_decisions=150, seed=0, shrink_seconds=60,
                  minimize_replays=400,
                  description="fixed seed, sized for CI"),
    "deep": Profile("deep", examples=10_000, max_decisions=200, seed=None,
                    shrink_seconds=600, minimize_replays=3000,
                    description="a long campaign from a fresh seed", slice_examples=250,
                    guided=0.5),
}


def get(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise UserError(f"no profile {name!r}", hint="profiles: " + ", ".join(PROFILES))


def resolve_seed(profile: Profile) -> int:
    """The profile's seed, or a fresh one (to be printed, so the campaign can be repeated)."""
    if profile.seed is not None:
        return profile.seed
    return int.from_bytes(os.urandom(4), "big")
