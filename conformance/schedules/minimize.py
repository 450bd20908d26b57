"""A last shrinking pass over the concrete schedule: delete decisions while it still fails.

Hypothesis shrinks the choices that produced a schedule, within a time budget. This pass then
works on the schedule itself, as delta debugging does: it tries deleting runs of decisions
(halves, quarters, ... single decisions) and keeps each deletion after which a replay still
diverges the same way (the same action, the same kind of divergence). Decisions name
messages by id, and ids come from a counter of messages sent, so a replay finds each named
message by its content instead (:class:`Move`); a
decision that names a message no longer sent is left out of that replay. The pass is
deterministic and bounded by a number of replays, not by time, so a fixed seed gives the same
shrunk trace on any machine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from conformance.protocols import Protocol
from conformance.schedules.execution import Execution
from impl.sim.world import Decision, DecisionError

MESSAGE_KINDS = ("deliver", "drop", "duplicate")


@dataclass(frozen=True)
class Move:
    """A decision, with the message it names (when it names one) by content as well as by
    id: ids come from a counter of sends, so deleting an earlier decision that sent or
    duplicated a message renumbers the later ones; the content still finds them."""

    decision: Decision
    payload: Any = None


def moves_of(protocol: Protocol, settings: dict, bugs: tuple[str, ...],
             schedule: list[Decision]) -> list[Move]:
    """The schedule's decisions with the payloads of the messages they name."""
    ex = Execution(protocol, settings, bugs, check_invariants=False)
    out = []
    for d in schedule:
        payload = None
        if d.kind in MESSAGE_KINDS:
            try:
                payload = ex.sim.network.get(d.arg).payload
            except KeyError:
                pass
        out.append(Move(d, payload))
        try:
            if ex.apply(d) is not None:
                break
        except DecisionError:
            break
    return out


def _resolve(sim: Any, move: Move) -> Decision | None:
    d = move.decision
    if move.payload is None:
        return d
    by_id = None
    for env in sim.network.in_flight():
        if env.payload == move.payload and env.dst == d.node:
            if env.id == d.arg:
                return d
            by_id = by_id or env
    return None if by_id is None else Decision(d.kind, d.node, by_id.id)


def diverges_like(protocol: Protocol, settings: dict, bugs: tuple[str, ...],
                  moves: list[Move], signature: tuple[str, str],
                  check_invariants: bool) -> Execution | None:
    """The run of ``moves`` if it diverges with ``signature`` (action, kind), else None.
    A move whose message is not in flight any more is left out."""
    ex = Execution(protocol, settings, bugs, check_invariants=check_invariants)
    for m in moves:
        d = _resolve(ex.sim, m)
        if d is None:
            continue
        try:
            if ex.apply(d) is not None:
                break
        except DecisionError:
            continue
    div = ex.divergence
    if div is not None and (div.action, div.kind) == signature:
        return ex
    return None


def minimize(protocol: Protocol, settings: dict, bugs: tuple[str, ...],
             schedule: list[Decision], signature: tuple[str, str], budget: int,
             check_invariants: bool = False,
             on_attempt: Callable[[int], None] | None = None) -> list[Decision]:
    """The shortest schedule found, within ``budget`` replays, that still diverges like
    ``schedule`` does."""
    best = moves_of(protocol, settings, bugs, schedule)
    result = list(schedule)
    attempts = 0
    chunk = max(1, len(best) // 2)
    while chunk >= 1 and attempts < budget:
        start = len(best) - chunk
        progressed = False
        # from the end backwards: later decisions depend on earlier ones, not the reverse
        while start >= 0 and attempts < budget:
            trial = best[:start] + best[start + chunk:]
            attempts += 1
            if on_attempt is not None:
                on_attempt(attempts)
            ex = diverges_like(protocol, settings, bugs, trial, signature, check_invariants)
            if ex is not None and len(ex.decisions) < len(result):
                result = ex.decisions
                best = moves_of(protocol, settings, bugs, result)
                progressed = True
                start = min(start, len(best)) - chunk
            else:
                start -= chunk
        if not progressed:
            chunk //= 2
    return result
