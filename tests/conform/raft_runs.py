"""Recorded Raft runs for the conformance tests: seeded random schedules, with or without a
planted bug, and node-local views of them (what a real node could log about itself)."""

from __future__ import annotations

import random

from conformance import protocols
from conformance.schedules.chooser import Chooser
from conformance.schedules.execution import Execution
from conformance.trace import Step

RAFT = protocols.get("raft")


def random_run(seed: int, decisions: int, variant: int = 0,
               bugs: tuple[str, ...] = ()) -> Execution:
    """A run under a seeded weighted random schedule (no Hypothesis), stopped at the first
    divergence."""
    chooser = Chooser(RAFT.decision_weights, RAFT.emphasis)
    rng = random.Random(seed)
    ex = Execution(RAFT, RAFT.variants[variant].settings, bugs)
    for _ in range(decisions):
        options = chooser.ordered(ex.sim, ex.sim.enabled())
        d = rng.choices([d for d, _ in options], [w for _, w in options])[0]
        if ex.apply(d) is not None:
            break
    return ex


def local_view(steps: list[Step]) -> list[Step]:
    """The trace as the nodes themselves could log it: the initial state whole, then for
    each event only the acting node's own entry of each per-server variable, and nothing
    of the network."""
    out = [steps[0]]
    for s in steps[1:]:
        state = {}
        if s.node is not None:
            me = next(k for k in s.state["currentTerm"].map if str(k) == s.node)
            for var, value in s.state.items():
                if var != "msgs":
                    state[var] = type(value)({me: value.map[me]})
        out.append(Step(s.index, s.action, state, params=s.params, node=s.node))
    return out
