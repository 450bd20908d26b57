"""The Raft node core: a deterministic state machine that does no I/O.

A :class:`Node` takes one input at a time (:meth:`Node.step`) — a tick, a message, a client
command or read, a membership change, the random draw for its next election timeout — and
returns a :class:`Ready`: what to persist (and sync) *before* anything else, the messages to
send after that, the entries newly committed, and the answers to client requests. There is no
clock, socket, thread or random number inside; the simulator and the asyncio server drive the
same core (DESIGN rule 2; the shape of etcd's ``Step``/``Ready``).

Every handler below is one atomic step that matches one action of ``specs/Raft.tla`` (DESIGN
rule 3). After each handler the node calls its ``tracer`` with the action's name and raw
parameters; :mod:`impl.raft.abstraction` turns those into spec values. One input may run a
few handlers in a row — a vote response that completes a quorum is ``HandleRequestVoteResponse``
then ``BecomeLeader`` — and each is its own event at a real intermediate state. With no
tracer attached the cost is one ``is None`` test per handler.

Every quorum decision calls :func:`impl.quorum.is_quorum` and every vote calls
:func:`impl.raft.rules.log_up_to_date`: the Z3 proofs run on those very functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Callable, Iterable

from impl.quorum import is_quorum
from impl.raft.bugs import NO_BUGS, Bugs
from impl.raft.log import RaftLog
from impl.raft.messages import (
    AppendRequest,
    AppendResponse,
    Entry,
    EntryKind,
    Message,
    NodeId,
    TimeoutNow,
    VoteRequest,
    VoteResponse,
)
from impl.raft.rules import log_up_to_date


class Role(str, Enum):
    FOLLOWER = "Follower"
    PRE_CANDIDATE = "PreCandidate"
    CANDIDATE = "Candidate"
    LEADER = "Leader"


@dataclass(frozen=True)
class Options:
    """Tunables. Time is counted in ticks; the driver decides how long a tick is."""

    election_ticks: int = 10  # the minimum election timeout; draws add 0..election_ticks-1
    heartbeat_ticks: int = 2
    pre_vote: bool = True
    check_quorum: bool = True
    lease_reads: bool = False  # serve reads from a lease instead of a ReadIndex round
    max_batch: int = 256  # entries per AppendEntries
    bugs: Bugs = NO_BUGS


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True, slots=True)
class Tick:
    pass


@dataclass(frozen=True, slots=True)
class Receive:
    msg: Message


@dataclass(frozen=True, slots=True)
class Propose:
    """A client command; ``token`` comes back in :attr:`Ready.proposals`."""

    token: Any
    data: bytes


@dataclass(frozen=True, slots=True)
class ChangeMembers:
    """Add or remove one server (exactly one of ``add``/``remove``)."""

    token: Any
    add: NodeId | None = None
    remove: NodeId | None = None


@dataclass(frozen=True, slots=True)
class Read:
    """A linearizable read; answered in :attr:`Ready.reads` with the index to wait for."""

    token: Any


@dataclass(frozen=True, slots=True)
class Campaign:
    """Make the election timeout fire now (the simulator's "fire timeout" decision)."""


@dataclass(frozen=True, slots=True)
class DrawTimeout:
    """The random draw: extra ticks, 0..election_ticks-1, added to the election timeout the
    next time the timer is reset."""

    extra_ticks: int


@dataclass(frozen=True, slots=True)
class TransferLeadership:
    target: NodeId


Input = Tick | Receive | Propose | ChangeMembers | Read | Campaign | DrawTimeout | \
    TransferLeadership


# --------------------------------------------------------------------------- outputs


@dataclass(slots=True)
class Reply:
    """The answer to a client request. ``index`` is where a proposal landed (it succeeded
    if the entry committed there has ``term``), or the index a read must wait to be
    applied; ``error`` is set instead when the node cannot take the request."""

    token: Any
    index: int = 0
    term: int = 0
    error: str | None = None
    leader: NodeId | None = None


@dataclass(slots=True)
class Ready:
    """What one input produced. The driver must persist ``hard_state`` and ``log_writes``
    (and sync them) before it sends ``messages`` or acts on anything else."""

    hard_state: tuple[int, NodeId | None] | None = None  # (term, votedFor), when changed
    log_writes: list[tuple[int, tuple[Entry, ...]]] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    committed: list[tuple[int, Entry]] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    reads: list[Reply] = field(default_factory=list)
    need_draw: bool = False  # feed a DrawTimeout before the next reset of the timer

    @property
    def must_persist(self) -> bool:
        return self.hard_state is not None or bool(self.log_writes)


Tracer = Callable[["Node", str, dict], None]


@dataclass
class _PendingRead:
    token: Any
    index: int
    round: int


class Node:
    """One Raft server. Build it from what its storage recovered, then feed it inputs."""

    def __init__(self, node_id: NodeId, members: Iterable[NodeId], options: Options = Options(),
                 term: int = 0, voted_for: NodeId | None = None,
                 entries: Iterable[Entry] = (), tracer: Tracer | None = None) -> None:
        self.id = node_id
        self.opts = options
        self.bugs = options.bugs
        self.tracer = tracer
        # durable state, as recovered
        self.term = term
        self.voted_for = voted_for
        self.log = RaftLog(members, entries)
        # volatile state
        self.role = Role.FOLLOWER
        self.leader: NodeId | None = None
        self.commit = 0
        self.applied = 0  # last index handed out in Ready.committed
        self.votes: dict[NodeId, bool] = {}
        self.next_index: dict[NodeId, int] = {}
        self.match_index: dict[NodeId, int] = {}
        self.election_elapsed = 0
        self.heartbeat_elapsed = 0
        self.timeout = options.election_ticks
        self.next_draw = 0
        self.now = 0  # ticks since start, for leases
        self.recent_active: set[NodeId] = set()  # peers heard from (check-quorum)
        self.inflight: set[NodeId] = set()  # peers with an unanswered AppendEntries
        self.round = 0  # broadcast round counter (ReadIndex, leases)
        self.round_sent_at: dict[int, int] = {}
        self.acked_round: dict[NodeId, int] = {}
        self.lease_until = -1
        self.pending_reads: list[_PendingRead] = []
        self.transfer_to: NodeId | None = None
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
            self._propose(inp)  # type: ignore[arg-type]
        elif t is Read:
            self._read(inp.token)  # type: ignore[union-attr]
        elif t is DrawTimeout:
            self.next_draw = inp.extra_ticks  # type: ignore[union-attr]
        elif t is Campaign:
            if self.promotable() and self.role is not Role.LEADER:
                self._timeout()
        elif t is ChangeMembers:
            self._change_members(inp)  # type: ignore[arg-type]
        elif t is TransferLeadership:
            self._transfer(inp.target)  # type: ignore[union-attr]
        else:
            raise TypeError(f"not a Raft input: {inp!r}")
        self._collect_committed()
        ready, self._ready = self._ready, Ready()
        return ready

    def _emit(self, action: str, **params: Any) -> None:
        if self.tracer is not None:
            self.tracer(self, action, params)

    # ================================================================== small helpers

    def members(self) -> frozenset[NodeId]:
        return self.log.members()

    def peers(self) -> list[NodeId]:
        return sorted(self.members() - {self.id})

    def promotable(self) -> bool:
        """Only a member of its own configuration campaigns (a new or removed server
        waits)."""
        return self.id in self.members()

    def _quorum(self, acked: Callable[[NodeId], Any]) -> bool:
        members = self.members()
        if self.bugs.quorum_off_by_one:
            return bool(is_quorum(members | {"\0phantom"}, acked)) or \
                (len(members) > 1 and bool(is_quorum(members - {max(members)}, acked)))
        return bool(is_quorum(members, acked))

    def _send(self, msg: Message) -> None:
        self._ready.messages.append(msg)

    def _persist_hard_state(self) -> None:
        self._ready.hard_state = (self.term, self.voted_for)

    def _persist_log_from(self, first: int) -> None:
        """Record that entries ``first..`` changed (anything after them is gone)."""
        writes = self._ready.log_writes
        entries = self.log.slice(first, self.log.last_index)
        # merge with an earlier write of this same input that this one overlaps or extends
        if writes and writes[-1][0] <= first <= writes[-1][0] + len(writes[-1][1]):
            start, prev = writes[-1]
            writes[-1] = (start, prev[:first - start] + entries)
        else:
            writes.append((first, entries))

    def _reset_timer(self) -> None:
        self.election_elapsed = 0
        self.timeout = self.opts.election_ticks + self.next_draw
        self._ready.need_draw = True

    def in_lease(self) -> bool:
        """A follower that heard from a live leader within the minimum election timeout
        ignores vote requests (check-quorum's guard against disruptive servers)."""
        return (self.opts.check_quorum and self.leader is not None
                and self.election_elapsed < self.opts.election_ticks)

    # ================================================================== role changes

    def _become_follower(self, term: int, leader: NodeId | None) -> None:
        if term > self.term:
            self.term = term
            self.voted_for = None
            self._persist_hard_state()
        self._fail_pending_reads()
        self.role = Role.FOLLOWER
        self.leader = leader
        self.votes = {}
        self.inflight.clear()
        self.transfer_to = None
        self._reset_timer()

    def _fail_pending_reads(self) -> None:
        for r in self.pending_reads:
            self._ready.reads.append(Reply(r.token, error="not leader", leader=None))
        self.pending_reads = []

    # ================================================================== time

    def _tick(self) -> None:
        self.now += 1
        if self.role is Role.LEADER:
            self._tick_leader()
            return
        self.election_elapsed += 1
        if self.election_elapsed >= self.timeout and self.promotable():
            self._timeout()

    def _tick_leader(self) -> None:
        self.heartbeat_elapsed += 1
        self.election_elapsed += 1
        if self.election_elapsed >= self.opts.election_ticks:
            self.election_elapsed = 0
            if self.transfer_to is not None:
                self.transfer_to = None  # the transfer took too long; give up on it
            if self.opts.check_quorum:
                active = self.recent_active | {self.id}
                self.recent_active = set()
                if not self._quorum(lambda s: s in active):
                    self._check_quorum_step_down()
                    return
        if self.heartbeat_elapsed >= self.opts.heartbeat_ticks:
            self.heartbeat_elapsed = 0
            self._broadcast(new_round=True)

    def _check_quorum_step_down(self) -> None:
        """Check-quorum: a leader cut off from a quorum for an election timeout steps down."""
        self._become_follower(self.term, None)
        self._emit("CheckQuorumStepDown", i=self.id)

    def _timeout(self) -> None:
        """The election timeout fired: rehearse with pre-votes, or stand for election."""
        if self.opts.pre_vote:
            self.role = Role.PRE_CANDIDATE
            self.leader = None
            self.votes = {self.id: True}
            self._reset_timer()
            for p in self.peers():
                self._send(VoteRequest(self.term + 1, self.id, p, self.log.last_term,
                                       self.log.last_index, prevote=True))
            self._emit("Timeout", i=self.id)
            if self._quorum(lambda s: self.votes.get(s, False)):
                self._start_election()
        else:
            self._stand_for_election()
            self._emit("Timeout", i=self.id)
            self._maybe_win()

    def _stand_for_election(self, transfer: bool = False) -> None:
        self.term += 1
        self.voted_for = self.id
        self._persist_hard_state()
        self.role = Role.CANDIDATE
        self.leader = None
        self.votes = {self.id: True}
        self._reset_timer()
        for p in self.peers():
            self._send(VoteRequest(self.term, self.id, p, self.log.last_term,
                                   self.log.last_index, transfer=transfer))

    def _start_election(self) -> None:
        """A pre-candidate with a quorum of pre-votes stands for election for real."""
        self._stand_for_election()
        self._emit("StartElection", i=self.id)
        self._maybe_win()

    def _maybe_win(self) -> None:
        if self.role is Role.CANDIDATE and self._quorum(lambda s: self.votes.get(s, False)):
            self._become_leader()

    def _become_leader(self) -> None:
        self.role = Role.LEADER
        self.leader = self.id
        self.votes = {}
        last = self.log.last_index
        self.next_index = {p: last + 1 for p in self.peers()}
        self.match_index = {p: 0 for p in self.peers()}
        self.acked_round = {}
        self.recent_active = set()
        self.inflight.clear()
        self.election_elapsed = 0
        self.heartbeat_elapsed = 0
        self.lease_until = -1
        # A no-op of the new term lets the leader commit (and so learn the commit index,
        # serve ReadIndex reads and change membership) without waiting for a client.
        self.log.append([Entry(self.term, EntryKind.NOOP)])
        self._persist_log_from(last + 1)
        self._emit("BecomeLeader", i=self.id)
        self._advance_commit()
        self._broadcast(new_round=False)

    # ================================================================== receiving

    def _receive(self, m: Message) -> None:
        t = type(m)
        if m.term > self.term:
            if t is VoteRequest:
                if self.in_lease() and not m.transfer:  # type: ignore[union-attr]
                    self._emit("DropMessage", i=self.id, j=m.src, m=m)
                    return
                if not m.prevote:  # type: ignore[union-attr]
                    self._become_follower(m.term, None)
            elif t is VoteResponse and m.prevote and m.granted:  # type: ignore[union-attr]
                pass  # a granted pre-vote carries the term the candidate will stand in
            else:
                self._become_follower(m.term, m.src if t is AppendRequest else None)
        elif m.term < self.term:
            if t is AppendRequest and self.bugs.accept_stale_append:
                self._handle_append_request(m)  # type: ignore[arg-type]
                return
            if t is AppendRequest:
                self._send(AppendResponse(self.term, self.id, m.src, False, 0,
                                          round=m.round))  # type: ignore[union-attr]
                self._emit("HandleAppendEntriesRequest", i=self.id, j=m.src, m=m)
            elif t is VoteRequest:
                self._send(VoteResponse(self.term, self.id, m.src, False,
                                        prevote=m.prevote))  # type: ignore[union-attr]
                self._emit(_vote_request_action(m), i=self.id, j=m.src, m=m)
            else:
                self._emit("DropStaleResponse", i=self.id, j=m.src, m=m)
            return
        if t is AppendRequest:
            self._handle_append_request(m)  # type: ignore[arg-type]
        elif t is AppendResponse:
            self._handle_append_response(m)  # type: ignore[arg-type]
        elif t is VoteRequest:
            self._handle_vote_request(m)  # type: ignore[arg-type]
        elif t is VoteResponse:
            self._handle_vote_response(m)  # type: ignore[arg-type]
        elif t is TimeoutNow:
            self._handle_timeout_now(m)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ votes

    def _handle_vote_request(self, m: VoteRequest) -> None:
        if m.prevote:
            # Grant a rehearsal for a term in our future; nothing changes here.
            can_vote = m.term > self.term or self.voted_for in (None, m.src)
        else:
            can_vote = self.voted_for in (None, m.src)
        log_ok = self.bugs.vote_without_log_check or log_up_to_date(
            m.last_log_term, m.last_log_index, self.log.last_term, self.log.last_index)
        grant = bool(can_vote and log_ok)
        if grant and not m.prevote:
            self.voted_for = m.src
            self._persist_hard_state()
            self._reset_timer()
        term = m.term if (m.prevote and grant) else self.term
        self._send(VoteResponse(term, self.id, m.src, grant, prevote=m.prevote))
        self._emit(_vote_request_action(m), i=self.id, j=m.src, m=m)

    def _handle_vote_response(self, m: VoteResponse) -> None:
        if m.prevote:
            if self.role is not Role.PRE_CANDIDATE or m.term != self.term + (1 if m.granted
                                                                             else 0):
                self._emit("HandlePreVoteResponse", i=self.id, j=m.src, m=m)
                return
            self.votes[m.src] = m.granted
            self._emit("HandlePreVoteResponse", i=self.id, j=m.src, m=m)
            if self._quorum(lambda s: self.votes.get(s, False)):
                self._start_election()
            return
        if self.role is Role.CANDIDATE:
            self.votes[m.src] = m.granted
        self._emit("HandleRequestVoteResponse", i=self.id, j=m.src, m=m)
        self._maybe_win()

    # ------------------------------------------------------------------ replication

    def _handle_append_request(self, m: AppendRequest) -> None:
        if self.role is not Role.FOLLOWER and m.term >= self.term:
            self._become_follower(self.term, m.src)  # a candidate meets the term's leader
        if m.term >= self.term:
            self.leader = m.src
            self.election_elapsed = 0
        log = self.log
        if m.prev_index > log.last_index or log.term_at(m.prev_index) != m.prev_term:
            # Consistency check failed: hint where our log and the leader's may agree.
            if m.prev_index > log.last_index:
                hint_index, hint_term = log.last_index + 1, 0
            else:
                hint_term = log.term_at(m.prev_index)
                hint_index = log.first_index_of_term(m.prev_index)
            self._send(AppendResponse(self.term, self.id, m.src, False, 0,
                                      hint_index, hint_term, round=m.round))
            self._emit("HandleAppendEntriesRequest", i=self.id, j=m.src, m=m)
            return
        last_new = m.prev_index + len(m.entries)
        if self.bugs.truncate_without_conflict and log.last_index > last_new:
            log.truncate(last_new + 1)
            self._persist_log_from(last_new + 1)
        for k, e in enumerate(m.entries):
            index = m.prev_index + 1 + k
            if index <= log.last_index:
                if log.term_at(index) == e.term:
                    continue  # already have it: never truncate a matching entry
                log.truncate(index)  # a real conflict: this and all that follow go
            log.append(m.entries[k:])
            self._persist_log_from(index)
            break
        if self.bugs.follower_commit_past_log:
            self.commit = max(self.commit, m.commit)
        elif m.commit > self.commit:
            self.commit = max(self.commit, min(m.commit, last_new))
        self._send(AppendResponse(self.term, self.id, m.src, True, last_new, round=m.round))
        self._emit("HandleAppendEntriesRequest", i=self.id, j=m.src, m=m)

    def _handle_append_response(self, m: AppendResponse) -> None:
        if self.role is not Role.LEADER:
            self._emit("DropStaleResponse", i=self.id, j=m.src, m=m)
            return
        j = m.src
        self.recent_active.add(j)
        self.inflight.discard(j)
        if m.round > self.acked_round.get(j, 0):
            self.acked_round[j] = m.round
        if j not in self.next_index:  # a server removed since we sent to it
            self._emit("HandleAppendEntriesResponse", i=self.id, j=j, m=m)
            return
        if m.success:
            if m.match_index > self.match_index[j]:
                self.match_index[j] = m.match_index
            if m.match_index + 1 > self.next_index[j]:
                self.next_index[j] = m.match_index + 1
        else:
            self.next_index[j] = self._back_off(j, m)
        self._emit("HandleAppendEntriesResponse", i=self.id, j=j, m=m)
        if m.success:
            self._advance_commit()
        if self.role is not Role.LEADER:
            return  # a removed leader stepped down on committing its removal
        self._confirm_reads()
        if self.next_index[j] <= self.log.last_index:
            self._send_append(j, self.round)
        if self.transfer_to == j and self.match_index[j] == self.log.last_index:
            self._send(TimeoutNow(self.term, self.id, j))

    def _back_off(self, j: NodeId, m: AppendResponse) -> int:
        """Where to retry after a rejection: skip a whole conflicting term at once."""
        nxt = m.conflict_index or self.next_index[j] - 1
        if m.conflict_term:
            last_of_term = self.log.last_index_of_term(m.conflict_term)
            if last_of_term:
                nxt = last_of_term + 1
        nxt = min(nxt, self.next_index[j] - 1)
        return max(nxt, self.match_index[j] + 1, 1)

    def _advance_commit(self) -> None:
        """Commit the highest index a quorum stores, if its entry is of the current term
        (the paper's Figure 8: an older entry commits only underneath one of ours)."""
        log = self.log
        for n in range(log.last_index, self.commit, -1):
            if log.term_at(n) != self.term and not self.bugs.commit_old_term:
                break  # older terms only; none of ours below here
            if self._quorum(lambda s: self._match_of(s) >= n):
                self.commit = n
                self._emit("AdvanceCommitIndex", i=self.id)
                self._after_commit()
                return

    def _match_of(self, s: NodeId) -> int:
        return self.log.last_index if s == self.id else self.match_index.get(s, 0)

    def _after_commit(self) -> None:
        if self.id not in self.members() and self.log.config_index <= self.commit:
            # Our own removal is committed: hand over by stepping down (dissertation 4.2.2).
            self._become_follower(self.term, None)
            self._emit("StepDownRemoved", i=self.id)

    def _send_append(self, j: NodeId, rnd: int) -> None:
        nxt = self.next_index[j]
        last = min(self.log.last_index, nxt + self.opts.max_batch - 1)
        self._send(AppendRequest(self.term, self.id, j, nxt - 1, self.log.term_at(nxt - 1),
                                 self.log.slice(nxt, last), min(self.commit, last), rnd))
        self.inflight.add(j)
        self._emit("AppendEntries", i=self.id, j=j)

    def _broadcast(self, new_round: bool, only_idle: bool = False) -> None:
        if new_round:
            self.round += 1
            self.round_sent_at[self.round] = self.now
            self.round_sent_at.pop(self.round - 64, None)
        for p in self.peers():
            if only_idle and p in self.inflight:
                continue
            self._send_append(p, self.round)

    def _handle_timeout_now(self, m: TimeoutNow) -> None:
        self._emit("HandleTimeoutNow", i=self.id, j=m.src, m=m)
        if self.promotable() and self.role is not Role.LEADER:
            self._stand_for_election(transfer=True)
            self._emit("StartElection", i=self.id)
            self._maybe_win()

    # ================================================================== clients

    def _not_leader(self, token: Any) -> Reply:
        return Reply(token, error="not leader", leader=self.leader)

    def _propose(self, p: Propose) -> None:
        if self.role is not Role.LEADER or self.transfer_to is not None:
            self._ready.replies.append(self._not_leader(p.token))
            return
        self._append_own(Entry(self.term, EntryKind.NORMAL, p.data), p.token)

    def _append_own(self, entry: Entry, token: Any) -> None:
        self.log.append([entry])
        index = self.log.last_index
        self._persist_log_from(index)
        self._ready.replies.append(Reply(token, index, self.term, leader=self.id))
        self._emit("ClientRequest", i=self.id, entry=entry)
        self._advance_commit()  # a one-server cluster commits at once
        self._broadcast(new_round=False, only_idle=True)

    def _change_members(self, c: ChangeMembers) -> None:
        if self.role is not Role.LEADER:
            self._ready.replies.append(self._not_leader(c.token))
            return
        members = self.members()
        if self.log.config_index > self.commit:
            err = "a membership change is already in progress"
        elif self.log.term_at(self.commit) != self.term:
            err = "the leader has not yet committed an entry of its term"
        elif (c.add is None) == (c.remove is None):
            err = "change exactly one server"
        elif c.add is not None and c.add in members:
            err = f"{c.add} is already a member"
        elif c.remove is not None and c.remove not in members:
            err = f"{c.remove} is not a member"
        elif c.remove is not None and len(members) == 1:
            err = "cannot remove the last server"
        else:
            err = None
        if err:
            self._ready.replies.append(Reply(c.token, error=err, leader=self.id))
            return
        new = members | {c.add} if c.add is not None else members - {c.remove}
        last = self.log.last_index
        for p in new - members - {self.id}:
            self.next_index[p] = last + 1
            self.match_index[p] = 0
        for p in members - new:
            self.next_index.pop(p, None)
            self.match_index.pop(p, None)
            self.inflight.discard(p)
        self._append_own(Entry.config(self.term, frozenset(new)), c.token)

    def _read(self, token: Any) -> None:
        if self.role is not Role.LEADER:
            self._ready.reads.append(self._not_leader(token))
            return
        if self.log.term_at(self.commit) != self.term:
            # Until an entry of its term commits the leader does not know the commit index.
            self._ready.reads.append(Reply(token, error="leader not ready", leader=self.id))
            return
        if self.opts.lease_reads and self.now < self.lease_until:
            self._ready.reads.append(Reply(token, self.commit, self.term, leader=self.id))
            return
        self._broadcast(new_round=True)
        self.pending_reads.append(_PendingRead(token, self.commit, self.round))
        self._confirm_reads()

    def _confirm_reads(self) -> None:
        """ReadIndex: a read is safe to serve once a quorum has acknowledged a round that
        started after it arrived — then no other leader had committed anything then."""
        if not self.pending_reads and not self.opts.lease_reads:
            return
        acked = self.acked_round
        me = self.id

        def acked_round(r: int) -> bool:
            return self._quorum(lambda s: s == me or acked.get(s, 0) >= r)

        if self.opts.lease_reads:
            for r in sorted(self.round_sent_at, reverse=True):
                if acked_round(r):
                    # followers reset their timers on receipt, after round r was sent
                    self.lease_until = max(self.lease_until,
                                           self.round_sent_at[r] + self.opts.election_ticks)
                    break
        keep = []
        for r in self.pending_reads:
            if acked_round(r.round):
                self._ready.reads.append(Reply(r.token, r.index, self.term, leader=me))
            else:
                keep.append(r)
        self.pending_reads = keep

    def _transfer(self, target: NodeId) -> None:
        if self.role is not Role.LEADER or target == self.id or target not in self.members():
            return
        self.transfer_to = target
        self.election_elapsed = 0
        if self.match_index.get(target) == self.log.last_index:
            self._send(TimeoutNow(self.term, self.id, target))
        else:
            self._send_append(target, self.round)

    # ================================================================== applying

    def _collect_committed(self) -> None:
        upto = min(self.commit, self.log.last_index)
        if upto > self.applied:
            self._ready.committed.extend(
                (i, self.log.entry(i)) for i in range(self.applied + 1, upto + 1))
            self.applied = upto


def _vote_request_action(m: VoteRequest) -> str:
    return "HandlePreVoteRequest" if m.prevote else "HandleRequestVoteRequest"
