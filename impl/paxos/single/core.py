"""The single-decree Paxos node core: a deterministic state machine that does no I/O.

A :class:`Node` plays any of the three roles of ``specs/Paxos.tla`` — proposer, acceptor,
learner — as the cluster's role lists say. It takes one input at a time (:meth:`Node.step`):
a message, a client's value to propose, a tick, or the retry timer firing. It returns a
:class:`Ready`: what to write *and sync* first (promise, ballot, accepted proposal), then the
messages to send, and the value once it is learned. No clock, socket, thread or random
number inside (DESIGN rule 2). Messages between two roles of one node go out and come back
like any other; the spec sees them in flight too.

Every handler is one atomic step that is one action of the spec, under its name and with its
parameters (DESIGN rule 3): after it the node calls ``tracer(node, action, params)``.
Every quorum decision asks :class:`impl.quorum.QuorumSystem`, and the value of phase 2
comes from :func:`impl.paxos.rules.value_to_propose`: the Z3 proofs run on those very
functions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from impl.paxos.ballots import next_ballot, proposer_index
from impl.paxos.bugs import NO_BUGS, Bugs, lowest_promised_value
from impl.paxos.rules import NO_BALLOT, value_to_propose
from impl.paxos.single.messages import (
    Accept,
    Accepted,
    Message,
    NodeId,
    Prepare,
    Promise,
    Reject,
)
from impl.paxos.storage import Durable, Writes
from impl.quorum import QuorumSystem

SLOT = 1  # the storage slot that holds the one accepted proposal


class Phase(StrEnum):
    IDLE = "Idle"
    PREPARE = "Prepare"
    ACCEPT = "Accept"


@dataclass(frozen=True)
class Roles:
    """Who plays what. A node id may appear in several lists."""

    proposers: tuple[NodeId, ...]
    acceptors: tuple[NodeId, ...]
    learners: tuple[NodeId, ...]

    @staticmethod
    def everyone(nodes: Iterable[NodeId]) -> Roles:
        ids = tuple(sorted(nodes))
        return Roles(ids, ids, ids)

    def nodes(self) -> list[NodeId]:
        return sorted(set(self.proposers) | set(self.acceptors) | set(self.learners))


@dataclass(frozen=True)
class Options:
    retry_ticks: int = 10  # a proposer without a decision starts a higher ballot this often
    bugs: Bugs = NO_BUGS
    quorums: QuorumSystem | None = None  # None: majorities of the acceptors


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True, slots=True)
class Receive:
    msg: Message


@dataclass(frozen=True, slots=True)
class Propose:
    """A client asks this proposer to get ``value`` chosen (or to learn what was)."""

    value: bytes


@dataclass(frozen=True, slots=True)
class Tick:
    pass


@dataclass(frozen=True, slots=True)
class FireTimeout:
    """Make the proposer's retry timer fire now (the simulator's "timeout" decision)."""


Input = Receive | Propose | Tick | FireTimeout


@dataclass(slots=True)
class Ready:
    """What one input produced. Persist and sync ``writes`` before sending ``messages``."""

    writes: Writes = field(default_factory=Writes)
    messages: list[Message] = field(default_factory=list)
    learned: bytes | None = None  # set in the step this node's learner learns the value


Tracer = Callable[["Node", str, dict], None]


class Node:
    def __init__(self, node_id: NodeId, roles: Roles, options: Options = Options(),
                 durable: Durable | None = None, tracer: Tracer | None = None) -> None:
        d = durable or Durable()
        self.id = node_id
        self.roles = roles
        self.opts = options
        self.bugs = options.bugs
        self.tracer = tracer
        self.quorums = options.quorums or QuorumSystem.majority(roles.acceptors)
        self.is_proposer = node_id in roles.proposers
        self.is_acceptor = node_id in roles.acceptors
        self.is_learner = node_id in roles.learners
        # ---- acceptor, durable (spec: promised, accepted)
        self.promised = d.promised
        acc = d.accepted.get(SLOT)
        self.acc_bal, self.acc_val = acc if acc is not None else (NO_BALLOT, None)
        # ---- proposer, durable (spec: ballot)
        self.ballot = d.ballot
        # ---- proposer, volatile (spec: phase, value, promises)
        self.phase = Phase.IDLE
        self.value: bytes | None = None
        self.promises: dict[NodeId, tuple[int, bytes | None]] = {}
        # ---- learner, volatile (spec: heard, learned)
        self.heard: dict[NodeId, tuple[int, bytes]] = {}
        self.learned: bytes | None = None
        # ---- implementation only
        self.input: bytes | None = None  # the client's value, kept for retries
        self.seen = NO_BALLOT  # the highest ballot any rejection reported
        self.elapsed = 0
        self._ready = Ready()

    # ================================================================== driving

    def step(self, inp: Input) -> Ready:
        """Handle one input; return (and forget) everything it produced."""
        t = type(inp)
        if t is Receive:
            self._receive(inp.msg)  # type: ignore[union-attr]
        elif t is Tick:
            self._tick()
        elif t is Propose:
            self._propose(inp.value)  # type: ignore[union-attr]
        elif t is FireTimeout:
            if self.can_time_out():
                self._start_ballot()
        else:
            raise TypeError(f"not a Paxos input: {inp!r}")
        ready, self._ready = self._ready, Ready()
        return ready

    def _emit(self, action: str, **params: Any) -> None:
        if self.tracer is not None:
            self.tracer(self, action, params)

    def _send(self, m: Message) -> None:
        self._ready.messages.append(m)

    def can_time_out(self) -> bool:
        """A proposer with a client's value retries until its own learner knows the
        outcome (a proposer that is not a learner retries until restarted)."""
        return self.is_proposer and self.input is not None and self.learned is None

    # ================================================================== proposer

    def _propose(self, value: bytes) -> None:
        if not self.is_proposer:
            raise ValueError(f"{self.id} is not a proposer")
        self.input = value
        if self.phase is Phase.IDLE and self.learned is None:
            self._start_ballot()

    def _tick(self) -> None:
        if not self.can_time_out():
            return
        self.elapsed += 1
        if self.elapsed >= self.opts.retry_ticks:
            self._start_ballot()

    def _start_ballot(self) -> None:
        """Prepare: a ballot above any this node started or heard of, durable before the
        prepares go out."""
        assert self.input is not None
        props = self.roles.proposers
        b = next_ballot(max(self.ballot, self.seen), proposer_index(self.id, props),
                        len(props), reuse=self.bugs.reuse_ballots)
        self.ballot = b
        self._ready.writes.ballot = b
        self.phase = Phase.PREPARE
        self.value = self.input
        self.promises = {}
        self.elapsed = 0
        for a in self.roles.acceptors:
            self._send(Prepare(b, self.id, a))
        self._emit("Prepare", p=self.id, b=b, v=self.input)

    def _handle_promise(self, m: Promise) -> None:
        """A promise for the running ballot counts; the one that completes a phase-1 quorum
        starts phase 2 with the value the promises force (or our own)."""
        if self.phase is Phase.PREPARE and m.bal == self.ballot:
            self.promises[m.src] = (m.acc_bal, m.acc_val)
            if self.quorums.phase1(lambda a: a in self.promises):
                if self.bugs.ignore_promised_values:
                    v = self.value
                elif self.bugs.lowest_promised_value:
                    v = lowest_promised_value(self.promises.values(), self.value)
                else:
                    v = value_to_propose(self.promises.values(), self.value)
                self.phase = Phase.ACCEPT
                self.value = v
                assert v is not None
                for a in self.roles.acceptors:
                    self._send(Accept(self.ballot, v, self.id, a))
        self._emit("HandlePromise", p=self.id, m=m)

    def _handle_reject(self, m: Reject) -> None:
        """A promise above our ballot exists: this ballot is dead; the timer retries."""
        self.seen = max(self.seen, m.bal)
        if m.bal > self.ballot and self.phase is not Phase.IDLE:
            self.phase = Phase.IDLE
            self.promises = {}
        self._emit("HandleReject", p=self.id, m=m)

    # ================================================================== acceptor

    def _handle_prepare(self, m: Prepare) -> None:
        """Promise unless a higher ballot was promised; a prepare for the ballot already
        promised is answered again (it is a retransmission)."""
        if m.bal >= self.promised:
            self.promised = m.bal
            self._ready.writes.promised = m.bal
            self._send(Promise(m.bal, self.acc_bal, self.acc_val, self.id, m.src))
        else:
            self._send(Reject(self.promised, self.id, m.src))
        self._emit("HandlePrepare", a=self.id, m=m)

    def _handle_accept(self, m: Accept) -> None:
        """Accept unless a higher ballot was promised, and tell every learner."""
        if m.bal >= self.promised or self.bugs.accept_below_promise:
            if m.bal > self.promised:
                self.promised = m.bal
                self._ready.writes.promised = m.bal
            self.acc_bal, self.acc_val = m.bal, m.val
            self._ready.writes.accepts[SLOT] = (m.bal, m.val)
            for learner in self.roles.learners:
                self._send(Accepted(m.bal, m.val, self.id, learner))
        else:
            self._send(Reject(self.promised, self.id, m.src))
        self._emit("HandleAccept", a=self.id, m=m)

    # ================================================================== learner

    def _handle_accepted(self, m: Accepted) -> None:
        """Keep each acceptor's highest-ballot report; a phase-2 quorum reporting one
        ballot means its value is chosen."""
        old = self.heard.get(m.src)
        if old is None or old[0] < m.bal:
            self.heard[m.src] = (m.bal, m.val)
        if self.learned is None and self.quorums.phase2(
                lambda a: a in self.heard and self.heard[a][0] == m.bal):
            self.learned = m.val
            self._ready.learned = m.val
        self._emit("HandleAccepted", l=self.id, m=m)

    # ================================================================== dispatch

    def _receive(self, m: Message) -> None:
        t = type(m)
        if t is Prepare and self.is_acceptor:
            self._handle_prepare(m)  # type: ignore[arg-type]
        elif t is Accept and self.is_acceptor:
            self._handle_accept(m)  # type: ignore[arg-type]
        elif t is Promise and self.is_proposer:
            self._handle_promise(m)  # type: ignore[arg-type]
        elif t is Reject and self.is_proposer:
            self._handle_reject(m)  # type: ignore[arg-type]
        elif t is Accepted and self.is_learner:
            self._handle_accepted(m)  # type: ignore[arg-type]
        else:
            raise TypeError(f"{self.id} cannot handle {m!r}")
