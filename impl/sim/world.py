"""The deterministic simulator: nodes, disks, a network, and an external scheduler's moves.

A run is a pure function of its configuration and its schedule. Nothing happens unless a
:class:`Decision` says so: deliver, drop or duplicate a message in flight, partition or heal
the network, crash or restart a node, tick a node's clock, fire its election timeout, or a
protocol-specific client move. :meth:`Simulation.enabled` lists what may be chosen now;
:meth:`Simulation.apply` carries one out and returns the trace events it produced, each
with the abstraction of the whole cluster right after it.

This module knows no protocol. A protocol subclasses :class:`Simulation` and fills in the
hooks (boot a node from its disk, hand it a message, a tick, a timeout, a client move, and
abstract the cluster); the Raft one is :mod:`impl.raft.simulation`.

A crash happens in one decision: the node's disk loses its unsynced tail (all but
``keep`` bytes of it — a torn write), and the node is rebuilt from what survived, but stays
*down*: nothing is delivered to it, its clock does not run, until a ``restart`` decision.
So the crash is the spec's restart step, and the later restart changes nothing the spec sees.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from conformance.trace import Step
from impl.sim.network import Network
from impl.sim.storage import SimDisk

NETWORK_KINDS = ("deliver", "drop", "duplicate")
NODE_KINDS = ("tick", "timeout", "crash", "restart")


@dataclass(frozen=True)
class Decision:
    """One move of the scheduler. ``kind`` says what; ``node`` names the node it concerns;
    ``arg`` is the message id, the partition groups, the bytes a crash keeps, or the
    protocol's client argument. Plain data, so a schedule is a JSON list."""

    kind: str
    node: str | None = None
    arg: Any = None

    def to_json(self) -> dict:
        out: dict[str, Any] = {"kind": self.kind}
        if self.node is not None:
            out["node"] = self.node
        if self.arg is not None:
            out["arg"] = [list(g) for g in self.arg] if self.kind == "partition" else self.arg
        return out

    @staticmethod
    def from_json(data: dict) -> Decision:
        arg = data.get("arg")
        if data["kind"] == "partition" and arg is not None:
            arg = tuple(tuple(g) for g in arg)
        return Decision(data["kind"], data.get("node"), arg)

    def __str__(self) -> str:
        parts = [self.kind]
        if self.node is not None:
            parts.append(self.node)
        if self.arg is not None:
            parts.append(str(self.arg))
        return " ".join(parts)


class DecisionError(ValueError):
    """A decision that is not enabled in the current state."""


class Simulation:
    """The protocol-neutral part of a simulated cluster."""

    def __init__(self, node_ids: Iterable[str], trace: bool = True) -> None:
        self.node_ids = list(node_ids)
        self.network = Network()
        self.disks = {n: SimDisk() for n in self.node_ids}
        self.up = {n: True for n in self.node_ids}
        self.tracing = trace
        self.history: list[Decision] = []
        self._events: list[Step] = []
        self._event_index = 0

    # ------------------------------------------------------------------ protocol hooks

    def boot(self, node: str) -> None:
        """(Re)build a node's process from its disk."""
        raise NotImplementedError

    def on_message(self, node: str, src: str, payload: Any) -> None:
        raise NotImplementedError

    def on_tick(self, node: str) -> None:
        raise NotImplementedError

    def on_timeout(self, node: str) -> None:
        raise NotImplementedError

    def on_crash(self, node: str) -> None:
        """Called after the node has been rebuilt from its surviving disk."""

    def client_decisions(self) -> list[Decision]:
        return []

    def on_client(self, d: Decision) -> None:
        raise DecisionError(f"unknown decision {d}")

    def abstract(self) -> dict[str, Any]:
        """The spec's variables for the whole cluster, as TLA+ values."""
        raise NotImplementedError

    def timeout_enabled(self, node: str) -> bool:
        return True

    # ------------------------------------------------------------------ events

    def emit(self, action: str, params: dict[str, Any], node: str | None,
             state: dict[str, Any] | None = None) -> None:
        """Record a trace event; the state defaults to the abstraction right now."""
        if not self.tracing:
            return
        self._event_index += 1
        self._events.append(Step(index=self._event_index, action=action, params=params,
                                 node=node, state=self.abstract() if state is None else state))

    def initial_step(self) -> Step:
        return Step(index=0, action="Init", state=self.abstract())

    # ------------------------------------------------------------------ the scheduler's view

    def enabled(self) -> list[Decision]:
        out: list[Decision] = []
        for env in self.network.in_flight():
            if self.up.get(env.dst, False) and self.network.connected(env.src, env.dst):
                out.append(Decision("deliver", env.dst, env.id))
            out.append(Decision("drop", env.dst, env.id))
            out.append(Decision("duplicate", env.dst, env.id))
        for n in self.node_ids:
            if self.up[n]:
                out.append(Decision("tick", n))
                if self.timeout_enabled(n):
                    out.append(Decision("timeout", n))
                out.append(Decision("crash", n, 0))
            else:
                out.append(Decision("restart", n))
        if self.network.partitioned:
            out.append(Decision("heal"))
        for groups in self._two_way_splits():
            out.append(Decision("partition", None, groups))
        out.extend(self.client_decisions())
        return out

    def _two_way_splits(self) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
        ids = self.node_ids
        if len(ids) < 2:
            return []
        first, rest = ids[0], ids[1:]
        splits = []
        for k in range(0, len(rest)):
            for combo in itertools.combinations(rest, k):
                side = (first, *combo)
                other = tuple(n for n in ids if n not in side)
                splits.append((side, other))
        return splits

    def apply(self, d: Decision) -> list[Step]:
        """Carry out one decision; return the trace events it produced (none if it changed
        nothing the spec sees, or if tracing is off)."""
        self._events = []
        k = d.kind
        if k == "deliver":
            if not self.network.deliverable(d.arg) or not self.up.get(
                    self.network.get(d.arg).dst, False):
                raise DecisionError(f"message {d.arg} cannot be delivered now")
            env = self.network.take(d.arg)
            self.on_message(env.dst, env.src, env.payload)
        elif k == "drop":
            env = self._in_flight(d.arg)
            self.network.drop(env.id)
            self.on_drop(env)
        elif k == "duplicate":
            env = self._in_flight(d.arg)
            self.network.duplicate(env.id)
            self.on_duplicate(env)
        elif k == "partition":
            self.network.partition(d.arg)
        elif k == "heal":
            self.network.heal()
        elif k in NODE_KINDS:
            self._node_decision(d)
        else:
            self.on_client(d)
        self.history.append(d)
        return self._events

    def _in_flight(self, msg_id: Any) -> Any:
        try:
            return self.network.get(msg_id)
        except KeyError as e:
            raise DecisionError(str(e)) from None

    def _node_decision(self, d: Decision) -> None:
        n = d.node
        if n not in self.up:
            raise DecisionError(f"no node {n!r}")
        if d.kind == "restart":
            if self.up[n]:
                raise DecisionError(f"{n} is not down")
            self.up[n] = True
            return
        if not self.up[n]:
            raise DecisionError(f"{n} is down")
        if d.kind == "tick":
            self.on_tick(n)
        elif d.kind == "timeout":
            self.on_timeout(n)
        elif d.kind == "crash":
            self.disks[n].crash(int(d.arg or 0))
            self.up[n] = False
            self.boot(n)
            self.on_crash(n)

    def on_drop(self, env: Any) -> None:
        """The network lost a message: protocols may record it as a spec step."""

    def on_duplicate(self, env: Any) -> None:
        """The network duplicated a message."""

    def run(self, schedule: Iterable[Decision | dict]) -> list[Step]:
        """Apply a whole schedule; return every event."""
        events: list[Step] = []
        for d in schedule:
            events.extend(self.apply(d if isinstance(d, Decision) else Decision.from_json(d)))
        return events

    def deliver_all(self, limit: int = 10_000) -> int:
        """Deliver every deliverable message, oldest first, until none is left."""
        count = 0
        while count < limit:
            ids = [e.id for e in self.network.in_flight()
                   if self.up.get(e.dst, False) and self.network.connected(e.src, e.dst)]
            if not ids:
                return count
            self.apply(Decision("deliver", None, ids[0]))
            count += 1
        raise RuntimeError("messages keep flowing: a livelock?")

    def schedule_json(self) -> list[dict]:
        """The decisions applied so far, as a trace header records them."""
        return [d.to_json() for d in self.history]
