"""Choosing the next scheduling decision, as Hypothesis draws that shrink well.

At every point of a run the simulator lists what may happen next (deliver one of the
messages in flight, drop or duplicate one, tick or time out a node, crash or restart one,
split or heal the network, a client request, ...). :class:`Chooser` puts that list in order
of simplicity (the protocol's decision kinds, simplest first; within a kind the simulator's
order, oldest message first) and draws one decision with a single bounded integer, where each
decision owns a run of integers as long as its weight: the kind's weight times the
protocol's emphasis on that decision (a crash of the leader counts more than a crash of a
follower). Hypothesis shrinks integers toward 0, so a shrunk schedule uses the simplest
decisions that still fail: delivering the oldest message rather than crashing a node.

Each step of a run is one span of Hypothesis's choice sequence: a "stop here" flag, then the
decision. Generation almost never stops early (the flag is true with probability 2**-16; the
profile's cap forces it), so runs are long; shrinking deletes whole steps anywhere in the run
and the run still ends where its recorded flag says, which is how Hypothesis's own stateful
testing shrinks step counts. This uses ``st.data()``'s ``conjecture_data`` (the
"semi-stable" interface stateful testing is built on): public draws cannot express a flag
this rare, as Hypothesis deliberately over-generates small integers such as 0.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st
from hypothesis.internal.conjecture.utils import calc_label_from_name

STEP_LABEL = calc_label_from_name("conform schedule step")
SWARM_LABEL = calc_label_from_name("conform swarm")
STOP_PROBABILITY = 2**-16
# swarm testing: the share of runs that leave kinds of decision out, and the chance of each
# kind (but the simplest) to be left out of such a run
SWARM_PROBABILITY = 0.5
LEAVE_OUT_PROBABILITY = 0.5


class Chooser:
    def __init__(self, weights: dict[str, int],
                 emphasis: Callable[[Any], Callable[[Any], int]] | None = None) -> None:
        self.rank = {k: n for n, k in enumerate(weights)}
        self.weights = dict(weights)
        self.emphasis = emphasis

    def ordered(self, sim: Any, enabled: list) -> list[tuple[Any, int]]:
        """The enabled decisions, simplest first, each with its weight (0: never drawn)."""
        rank, weights = self.rank, self.weights
        emph = self.emphasis(sim) if self.emphasis is not None else None
        last = len(rank)
        order = sorted(range(len(enabled)),
                       key=lambda n: (rank.get(enabled[n].kind, last), n))
        out = []
        for n in order:
            d = enabled[n]
            w = weights.get(d.kind, 1)
            if w > 0 and emph is not None:
                w *= max(1, int(emph(d)))
            out.append((d, w))
        return out

    def left_out(self, data: Any) -> frozenset[str]:
        """Swarm testing (Groce et al., ISSTA 2012): the kinds of decision this run leaves
        out. Half the runs leave out each kind but the simplest (delivering a message) with
        probability 1/2, so that some runs see no crash at all, others no timeout, and the
        faults that remain, undiluted, reach states that a mix of every fault rarely does.
        Each choice is a boolean that shrinks to False (the kind stays), so a shrunk run
        leaves out only the kinds whose absence its failure needs."""
        cd = data.conjecture_data
        cd.start_span(SWARM_LABEL)
        try:
            if not cd.draw_boolean(p=SWARM_PROBABILITY):
                return frozenset()
            return frozenset(k for k in list(self.rank)[1:]
                             if cd.draw_boolean(p=LEAVE_OUT_PROBABILITY))
        finally:
            cd.stop_span()

    def next_step(self, data: Any, sim: Any, must_stop: bool = False,
                  left_out: frozenset[str] = frozenset()) -> Any | None:
        """The run's next decision, drawn through ``data`` (Hypothesis's ``st.data()``),
        none of a kind ``left_out``; None ends the run (its stop flag, the cap, or nothing
        enabled)."""
        cd = data.conjecture_data
        cd.start_span(STEP_LABEL)
        try:
            if cd.draw_boolean(p=STOP_PROBABILITY, forced=True if must_stop else None):
                return None
            options = [(d, w) for d, w in self.ordered(sim, sim.enabled())
                       if w > 0 and d.kind not in left_out]
            if not options:
                return None
            bounds = []
            total = 0
            for _, w in options:
                total += w
                bounds.append(total)
            x = data.draw(st.integers(0, total - 1), label="decision")
            return options[bisect_right(bounds, x)][0]
        finally:
            cd.stop_span()
