"""The Multi-Paxos node core: a deterministic state machine that does no I/O.

Every server is proposer, acceptor and replica (``specs/MultiPaxos.tla``). A
:class:`Node` takes one input at a time (:meth:`Node.step`) — a message, a tick, a client
command, the election timer firing, the random draw for the next timeout — and returns a
:class:`Ready`: what to write *and sync* first (promise, ballot, accepted proposals,
decisions), the messages to send after that, the commands to execute in order, and answers
for clients. No clock, socket, thread or random number inside (DESIGN rule 2).

The protocol: a server whose election timer fires starts a ballot it owns and runs phase 1
once for every slot from the first it does not know decided; its own acceptor promises at
once. With promises from a quorum it leads: it re-proposes, per slot, the value of the
highest-ballot proposal the promises report, and a no-op in every gap — a window of slots at
a time, topped up as they are decided, so a takeover of a long log never floods the network
nor stalls the leader for longer than a window — and puts each client command in the next
slot after everything reported, running phase 2 alone. Its own acceptor accepts every
proposal in the same step. A slot accepted by a quorum is decided; the leader tells everyone,
and each replica executes decided slots in slot order, once it has synced them: decisions
are durable, so a restarted replica executes its decided prefix again at once, and its next
phase 1 starts after that prefix (a takeover re-proposes only what it does not know
decided, however long the log). Heartbeats keep followers from campaigning and tell the
leader how far each has learned, so it can send them the decisions they lack; proposals not
yet accepted are sent again with them.
While a leader works — a follower heard from it within an election timeout, or a quorum
answered the leader itself within the last one — other servers' prepares are ignored (a
lease, as Raft's check-quorum gives; to the spec the network lost them), so a candidate
whose timer fired late cannot depose a working leader nor interrupt its takeover. (A server
that raised its own promise while it reached nobody still rejects the leader's messages when
it is back, and the leader must step down: only a pre-prepare round, as Raft's pre-vote,
would avoid that, and the spec has none.)

Every handler is one atomic step that is one spec action, under its name and with its
parameters (DESIGN rule 3); one input may run several (a heartbeat tick is, per follower,
any ``SendAccept`` and ``SendDecide`` and then one ``Heartbeat``). Every quorum
decision asks :class:`impl.quorum.QuorumSystem` and every re-proposed value comes from
:func:`impl.paxos.rules.value_to_propose`, the functions the Z3 proofs are about.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from impl.paxos.ballots import next_ballot, proposer_index
from impl.paxos.bugs import NO_BUGS, Bugs
from impl.paxos.multi.messages import (
    Accept,
    Accepted,
    Command,
    Decide,
    Heartbeat,
    HeartbeatReply,
    Message,
    NodeId,
    Prepare,
    Promise,
    Reject,
)
from impl.paxos.rules import NO_BALLOT, value_to_propose
from impl.paxos.storage import Durable, Writes
from impl.quorum import QuorumSystem


class Role(StrEnum):
    FOLLOWER = "Follower"
    CANDIDATE = "Candidate"
    LEADER = "Leader"


@dataclass(frozen=True)
class Options:
    """Tunables. Time is counted in ticks; the driver decides how long a tick is."""

    election_ticks: int = 10  # the minimum election timeout; draws add 0..election_ticks-1
    heartbeat_ticks: int = 2
    resend_batch: int = 64  # most accepts or decisions sent again to a peer per heartbeat
    takeover_window: int = 256  # most proposals a taking-over leader has waiting at once
    lease: bool = True  # leader stickiness: see Node._leased
    bugs: Bugs = NO_BUGS
    quorums: QuorumSystem | None = None  # None: majorities of the servers


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True, slots=True)
class Receive:
    msg: Message


@dataclass(frozen=True, slots=True)
class Tick:
    pass


@dataclass(frozen=True, slots=True)
class Propose:
    """A client command; ``token`` comes back in :attr:`Ready.replies`."""

    token: Any
    data: bytes


@dataclass(frozen=True, slots=True)
class FireTimeout:
    """Make the election timer fire now (the simulator's "timeout" decision)."""


@dataclass(frozen=True, slots=True)
class DrawTimeout:
    """The random draw: extra ticks, 0..election_ticks-1, added to the election timeout the
    next time the timer is reset."""

    extra_ticks: int


Input = Receive | Tick | Propose | FireTimeout | DrawTimeout


# --------------------------------------------------------------------------- outputs


@dataclass(slots=True)
class Reply:
    """Where a client command went: ``slot`` (it succeeded if the command executed there
    is this one), or ``error`` with ``leader``, the best guess of who can take it."""

    token: Any
    slot: int = 0
    error: str | None = None
    leader: NodeId | None = None


@dataclass(slots=True)
class Ready:
    """What one input produced. Persist and sync ``writes`` before sending ``messages`` or
    answering anyone; then apply ``executed`` in order."""

    writes: Writes = field(default_factory=Writes)
    messages: list[Message] = field(default_factory=list)
    executed: list[tuple[int, Command]] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    lost_leadership: bool = False  # proposals still open may never be decided here
    need_draw: bool = False  # feed a DrawTimeout before the timer is next reset


@dataclass(slots=True)
class Proposal:
    cmd: Command
    acks: set[NodeId]


Tracer = Callable[["Node", str, dict], None]


class Node:
    """One Multi-Paxos server. Build it from what its storage recovered, then feed it."""

    def __init__(self, node_id: NodeId, servers: Iterable[NodeId], options: Options = Options(),
                 durable: Durable | None = None, tracer: Tracer | None = None) -> None:
        d = durable or Durable()
        self.id = node_id
        self.servers = tuple(sorted(servers))
        if node_id not in self.servers:
            raise ValueError(f"{node_id} is not one of the servers")
        self.peers = [s for s in self.servers if s != node_id]
        self.opts = options
        self.bugs = options.bugs
        self.tracer = tracer
        self.quorums = options.quorums or QuorumSystem.majority(self.servers)
        self.index = proposer_index(node_id, self.servers)
        # ---- durable (spec: promised, accepted, ballot)
        self.promised = d.promised
        self.ballot = d.ballot
        self.accepted: dict[int, tuple[int, Command]] = dict(d.accepted)
        self.rejoin_until = d.rejoin_until  # restored from peers: a learner until decided
        # ---- volatile, in the spec
        self.role = Role.FOLLOWER
        self.first_slot = 0
        self.promises: dict[NodeId, dict[int, tuple[int, Command]]] = {}
        self.proposals: dict[int, Proposal] = {}
        # ---- durable decisions (spec: decided survives Restart), executed again from them
        self.decided: dict[int, Command] = dict(d.decided)
        self.prefix = 0  # every slot up to here is decided (spec: DecidedPrefix)
        while self.prefix + 1 in self.decided:
            self.prefix += 1
        self.top_decided = max(self.decided, default=0)
        replay = sorted(self.decided) if self.bugs.execute_out_of_order else \
            range(1, self.prefix + 1)
        self.replayed: list[tuple[int, Command]] = [(k, self.decided[k]) for k in replay]
        self.executed: list[Command] = [c for _, c in self.replayed]
        # ---- volatile, implementation only
        self.leader: NodeId | None = None  # for redirecting clients
        self.undecided: set[int] = set()  # leader: the slots it proposed, not yet decided
        self.top_proposed = 0  # leader: its highest proposed slot
        self.reported_top = 0  # leader: the last slot its promises reported (TopSlot)
        self.cursor = 0  # leader: the next slot to re-propose from its promises
        self.seen = NO_BALLOT  # the highest ballot any message showed
        self.peer_decided: dict[NodeId, int] = {}  # from heartbeat replies
        # leader: the decided prefix and the highest slot proposed when it sent its last
        # heartbeats (what a round sends again stops there)
        self.hb_prefix = self.hb_top = 0
        self.heard: set[NodeId] = set()  # leader: peers that answered in this lease period
        self.quorum_heard = False  # leader: a quorum answered in the last lease period
        self.elapsed = 0
        self.timeout = options.election_ticks
        self.next_draw = 0
        self.hb_elapsed = 0
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
            self._client_request(inp)  # type: ignore[arg-type]
        elif t is FireTimeout:
            if self.can_time_out():
                self._prepare()
        elif t is DrawTimeout:
            self.next_draw = inp.extra_ticks  # type: ignore[union-attr]
        else:
            raise TypeError(f"not a Multi-Paxos input: {inp!r}")
        if self.tracer is not None:
            self._input_done()
        ready, self._ready = self._ready, Ready()
        return ready

    def _input_done(self) -> None:
        """The input is handled: a tracer that records an input's actions as one step (the
        node's atomic step) hears it here, before the input's ``Ready`` is handed over."""
        done = getattr(self.tracer, "input_done", None)
        if done is not None:
            done(self)

    def _emit(self, action: str, **params: Any) -> None:
        if self.tracer is not None:
            self.tracer(self, action, params)

    def _send(self, m: Message) -> None:
        self._ready.messages.append(m)

    def is_leader(self) -> bool:
        return self.role is Role.LEADER

    def can_time_out(self) -> bool:
        return self.role is not Role.LEADER and not self.rejoining()

    def rejoining(self) -> bool:
        """Restored from its peers (:mod:`impl.paxos.storage`) and not yet caught up: it
        learns decisions but neither promises, accepts nor campaigns."""
        return self.prefix < self.rejoin_until

    def next_slot(self) -> int:
        """Where the next client command goes: after everything proposed or known decided,
        what phase 1 covered and what the promises reported (spec: NextSlot)."""
        return 1 + max(self.first_slot - 1, self.reported_top, self.top_proposed,
                       self.top_decided)

    def _reset_timer(self) -> None:
        self.elapsed = 0
        self.timeout = self.opts.election_ticks + self.next_draw
        self._ready.need_draw = True

    def _notice(self, bal: int) -> None:
        """A message of ballot ``bal``: leading or campaigning in a lower one is over."""
        self.seen = max(self.seen, bal)
        if bal > self.ballot and self.role is not Role.FOLLOWER:
            if self.role is Role.LEADER:
                self._ready.lost_leadership = True
            self.role = Role.FOLLOWER
            self.first_slot = 0
            self.promises = {}
            self.proposals = {}
            self._forget_takeover()
            self.leader = None
            self._reset_timer()

    # ================================================================== time

    def _tick(self) -> None:
        if self.role is Role.LEADER:
            self.elapsed += 1
            if self.elapsed >= self.opts.election_ticks:  # a lease period is over
                self.elapsed = 0
                self.quorum_heard = self.quorums.phase1(lambda s: s == self.id
                                                        or s in self.heard)
                self.heard = set()
            self.hb_elapsed += 1
            if self.hb_elapsed >= self.opts.heartbeat_ticks:
                self.hb_elapsed = 0
                self._heartbeat()
            return
        self.elapsed += 1
        if self.elapsed >= self.timeout and not self.rejoining():
            self._prepare()

    def _heartbeat(self) -> None:
        """One round, per follower: the proposals it has not accepted, the decisions past
        the prefix it last reported, then the heartbeat itself — last, so that its reply
        (the messages arrive in order on a connection) counts what was just sent. What is
        sent again stops at what the last round knew (the prefix decided, the slots
        proposed): the reply the follower last sent counted at most what came before that
        round's heartbeat, and what was proposed or decided since is most likely still on
        its way (at a few hundred writes a second, sending it again doubled the decisions
        a follower handled)."""
        self._repropose()
        batch = self.opts.resend_batch
        waiting = sorted(self.undecided)
        for j in self.peers:
            sent = 0
            for k in waiting:
                if sent >= batch or k > self.hb_top:
                    break
                p = self.proposals[k]
                if j not in p.acks:
                    self._send(Accept(self.ballot, k, p.cmd, self.id, j))
                    self._emit("SendAccept", i=self.id, j=j, k=k)
                    sent += 1
            known = self.peer_decided.get(j)
            if known is not None:
                for k in range(known + 1, min(self.hb_prefix, known + batch) + 1):
                    self._send(Decide(k, self.decided[k], self.id, j))
                    self._emit("SendDecide", i=self.id, j=j, k=k)
            self._send(Heartbeat(self.ballot, self.id, j))
            self._emit("Heartbeat", i=self.id, j=j)
        self.hb_prefix, self.hb_top = self.prefix, self.top_proposed

    # ================================================================== leading

    def _prepare(self) -> None:
        """Prepare: a ballot this server owns, above any it started, promised or saw; its
        own acceptor promises it in the same step (ballot and promise synced together)."""
        above = max(self.ballot, self.promised, self.seen)
        b = next_ballot(above, self.index, len(self.servers), reuse=self.bugs.reuse_ballots)
        self.ballot = self.promised = b
        self._ready.writes.ballot = b
        self._ready.writes.promised = b
        self.first_slot = self.prefix + 1
        self.leader = None
        self._reset_timer()
        own = {k: v for k, v in self.accepted.items() if k >= self.first_slot}
        if self.quorums.phase1(lambda s: s == self.id):
            self._become_leader({self.id: own})
        else:
            self.role = Role.CANDIDATE
            self.promises = {self.id: own}
            self.proposals = {}
            for j in self.peers:
                self._send(Prepare(b, self.first_slot, self.id, j))
        self._emit("Prepare", i=self.id, b=b)
        if self.role is Role.LEADER:
            self._repropose()

    def _handle_promise(self, m: Promise) -> None:
        if self.role is Role.CANDIDATE and m.bal == self.ballot:
            self.promises[m.src] = {k: (b, c) for k, b, c in m.accepted}
            if self.quorums.phase1(lambda s: s in self.promises):
                self._become_leader(self.promises)
        self._emit("HandlePromise", i=self.id, m=m)
        if self.role is Role.LEADER:
            self._repropose()

    def _become_leader(self, ps: dict[NodeId, dict[int, tuple[int, Command]]]) -> None:
        """Take over, keeping the promises' reports: every slot from the first phase 1
        covered to the last any promise reports is re-proposed from them (:meth:`_repropose`,
        after the step that made us leader). The planted bug forgets them."""
        self.role = Role.LEADER
        self.promises = {} if self.bugs.skip_reproposal else ps
        self.proposals = {}
        self.leader = self.id
        self.hb_elapsed = self.opts.heartbeat_ticks  # announce ourselves at the next tick
        self.peer_decided = {}
        self.hb_prefix, self.hb_top = self.prefix, self.top_proposed
        self.elapsed = 0
        self.heard = set()
        self.quorum_heard = True  # a quorum just promised
        self._forget_takeover()
        self.reported_top = max([self.first_slot - 1]
                                + [k for rep in self.promises.values() for k in rep])
        self.cursor = self.first_slot

    def _forget_takeover(self) -> None:
        self.undecided = set()
        self.top_proposed = self.reported_top = self.cursor = 0

    def _repropose(self) -> None:
        """Repropose (one spec action per slot): the value of the highest-ballot proposal
        the promises report for the slot, or a no-op in a gap, slot after slot, while fewer
        than ``takeover_window`` proposals wait for a quorum. Called after taking over,
        whenever a slot is decided, and at each heartbeat."""
        while self.cursor <= self.reported_top and \
                len(self.undecided) < self.opts.takeover_window:
            k = self.cursor
            self.cursor += 1
            if k in self.proposals or k in self.decided:
                continue
            reports = [rep.get(k, (NO_BALLOT, None)) for rep in self.promises.values()]
            self._propose({k: value_to_propose(reports, None)})
            self._emit("Repropose", i=self.id, k=k)

    def _propose(self, cmds: dict[int, Command]) -> None:
        """Propose in our ballot; our own acceptor accepts at once (we promised the ballot
        ourselves), and a proposal that our acceptance alone makes a quorum is decided."""
        for k, cmd in sorted(cmds.items()):
            self.proposals[k] = Proposal(cmd, {self.id})
            self.undecided.add(k)
            self.top_proposed = max(self.top_proposed, k)
            self.accepted[k] = (self.ballot, cmd)
            self._ready.writes.accepts[k] = (self.ballot, cmd)
            for j in self.peers:
                self._send(Accept(self.ballot, k, cmd, self.id, j))
        if cmds and self.quorums.phase2(lambda s: s == self.id):
            self._learn(cmds)

    def _client_request(self, p: Propose) -> None:
        if self.role is not Role.LEADER:
            self._ready.replies.append(Reply(p.token, error="not leader", leader=self.leader))
            return
        k = self.next_slot()
        self._ready.replies.append(Reply(p.token, slot=k, leader=self.id))
        self._propose({k: p.data})
        self._emit("ClientRequest", i=self.id, v=p.data)

    def _handle_reject(self, m: Reject) -> None:
        self._notice(m.bal)
        self._emit("HandleReject", i=self.id, m=m)

    def _handle_accepted(self, m: Accepted) -> None:
        """An acceptance in our ballot counts; the one that completes a phase-2 quorum
        decides the slot, and everyone is told."""
        p = self.proposals.get(m.slot)
        if self.role is Role.LEADER and m.bal == self.ballot:
            self.heard.add(m.src)
            if p is not None:
                p.acks.add(m.src)
                if m.slot not in self.decided and self.quorums.phase2(lambda s: s in p.acks):
                    self._learn({m.slot: p.cmd})
                    for j in self.peers:
                        self._send(Decide(m.slot, p.cmd, self.id, j))
        self._emit("HandleAccepted", i=self.id, m=m)
        if self.role is Role.LEADER and self.cursor <= self.reported_top:
            self._repropose()

    def _handle_heartbeat_reply(self, m: HeartbeatReply) -> None:
        if self.role is Role.LEADER and m.bal == self.ballot:
            self.peer_decided[m.src] = m.decided
            self.heard.add(m.src)
        self._emit("HandleHeartbeatReply", i=self.id, m=m)

    # ================================================================== accepting

    def _leased(self, candidate: NodeId) -> bool:
        """Leader stickiness (Raft's check-quorum lease, for prepares): a follower that
        heard from its leader less than ``election_ticks`` ago, or a leader that a quorum
        answered in its last lease period, has a leader that works, so another server's
        prepare can only interrupt it (a candidate whose timer fired as the leader won, a
        server back from a pause). Such a prepare is ignored: to the spec, the network lost
        it (``DropMessage``). Once the leader is silent for an election timeout, prepares
        are answered again."""
        if not self.opts.lease or candidate == self.leader:
            return False
        if self.role is Role.LEADER:
            return self.quorum_heard
        return self.role is Role.FOLLOWER and self.leader is not None \
            and self.elapsed < self.opts.election_ticks

    def _handle_prepare(self, m: Prepare) -> None:
        """Promise unless a higher ballot was promised, reporting what we accepted from
        the prepare's first slot on; ignore it while our leader's lease holds."""
        if self.rejoining():
            return
        if self._leased(m.src):
            self._emit("DropMessage", m=m)
            return
        if m.bal >= self.promised:
            self.leader = None  # we let a new leader in: the old one is not sticky now
            self.promised = m.bal
            self._ready.writes.promised = m.bal
            rep = tuple((k, b, c) for k, (b, c) in sorted(self.accepted.items())
                        if k >= m.first)
            self._send(Promise(m.bal, rep, self.id, m.src))
            self._notice(m.bal)
            self._reset_timer()  # give the candidate its chance
        else:
            self._send(Reject(self.promised, self.id, m.src))
        self._emit("HandlePrepare", i=self.id, m=m)

    def _handle_accept(self, m: Accept) -> None:
        if self.rejoining():
            return
        if m.bal >= self.promised or self.bugs.accept_below_promise:
            if m.bal > self.promised:
                self.promised = m.bal
                self._ready.writes.promised = m.bal
            self.accepted[m.slot] = (m.bal, m.cmd)
            self._ready.writes.accepts[m.slot] = (m.bal, m.cmd)
            self._send(Accepted(m.bal, m.slot, self.id, m.src))
            self._notice(m.bal)
            if m.bal >= self.ballot:
                self.leader = m.src
                self._reset_timer()
        else:
            self._send(Reject(self.promised, self.id, m.src))
        self._emit("HandleAccept", i=self.id, m=m)

    def _handle_heartbeat(self, m: Heartbeat) -> None:
        if m.bal >= self.promised:
            self._send(HeartbeatReply(m.bal, self.prefix, self.id, m.src))
            self._notice(m.bal)
            self.leader = m.src
            self._reset_timer()
        else:
            self._send(Reject(self.promised, self.id, m.src))
        self._emit("HandleHeartbeat", i=self.id, m=m)

    # ================================================================== learning

    def _handle_decide(self, m: Decide) -> None:
        self._learn({m.slot: m.cmd})
        self._emit("HandleDecide", i=self.id, m=m)

    def _learn(self, ds: dict[int, Command]) -> None:
        """Record decisions and execute what follows the executed prefix, in slot order,
        up to the first slot not known. (The planted bug executes each at once.)"""
        new = sorted(k for k in ds if k not in self.decided)
        for k in new:
            self.decided[k] = ds[k]
            self._ready.writes.decides[k] = ds[k]  # synced before anything is executed
            self.top_decided = max(self.top_decided, k)
            self.undecided.discard(k)
        while self.prefix + 1 in self.decided:
            self.prefix += 1
        if self.rejoin_until and not self.rejoining():
            self._rejoined()
        if self.bugs.execute_out_of_order:
            for k in new:
                self._execute(k)
            return
        while len(self.executed) < self.prefix:
            self._execute(len(self.executed) + 1)

    def _rejoined(self) -> None:
        """Caught up after a restore: the decided slots up to the watermark become accepted
        (at the restored promise, which is above the ballot each was chosen in, and any
        higher proposal for a chosen slot carries the same command), so a later phase 1
        that counts this acceptor still finds them. From here on it is an acceptor again."""
        for k in range(1, self.rejoin_until + 1):
            if k not in self.accepted:
                self.accepted[k] = (self.promised, self.decided[k])
                self._ready.writes.accepts[k] = self.accepted[k]
        self.rejoin_until = 0
        self._ready.writes.rejoined = True

    def _execute(self, k: int) -> None:
        cmd = self.decided[k]
        self.executed.append(cmd)
        self._ready.executed.append((k, cmd))

    # ================================================================== dispatch

    def _receive(self, m: Message) -> None:
        t = type(m)
        if t is Prepare:
            self._handle_prepare(m)  # type: ignore[arg-type]
        elif t is Promise:
            self._handle_promise(m)  # type: ignore[arg-type]
        elif t is Accept:
            self._handle_accept(m)  # type: ignore[arg-type]
        elif t is Accepted:
            self._handle_accepted(m)  # type: ignore[arg-type]
        elif t is Decide:
            self._handle_decide(m)  # type: ignore[arg-type]
        elif t is Reject:
            self._handle_reject(m)  # type: ignore[arg-type]
        elif t is Heartbeat:
            self._handle_heartbeat(m)  # type: ignore[arg-type]
        elif t is HeartbeatReply:
            self._handle_heartbeat_reply(m)  # type: ignore[arg-type]
        else:
            raise TypeError(f"not a Multi-Paxos message: {m!r}")
