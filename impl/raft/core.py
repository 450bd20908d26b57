"""The Raft node core: a deterministic state machine that does no I/O.

A :class:`Node` takes one input at a time (:meth:`Node.step`) — a tick, a message, a client
command or read, a membership change, the random draw for its next election timeout — and
returns a :class:`Ready`: what to persist (and sync) *before* anything else, the messages to
send after that, the entries newly committed, and the answers to client requests. There is no
clock, socket, thread or random number inside; the simulator and the asyncio server drive the
same core (DESIGN rule 2; the shape of etcd's ``Step``/``Ready``).

Every handler is one atomic step that is one action of ``specs/Raft.tla``, under the same
name and parameters (DESIGN rule 3): after it, the node calls its ``tracer`` with the
action's name and raw parameters, and :mod:`impl.raft.abstraction` turns them into spec
values. One input may run a few handlers in a row — a client command is ``ClientRequest``
then one ``AppendEntries`` per follower — and each is its own event at a real intermediate
state. With no tracer attached the cost is one ``is None`` test per handler.

Every quorum decision calls :func:`impl.quorum.is_quorum` and every vote calls
:func:`impl.raft.rules.log_up_to_date`: the Z3 proofs run on those very functions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

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
    VoteRequest,
    VoteResponse,
)
from impl.raft.rules import log_up_to_date


class Role(StrEnum):
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
    # Serve reads from a lease (bounded by the minimum election timeout, needs check_quorum)
    # instead of a ReadIndex round. Outside the spec, so off by default.
    lease_reads: bool = False
    max_batch: int = 64  # most entries one AppendEntries carries (the spec's BatchSize)
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
    """A client command; ``token`` comes back in :attr:`Ready.replies`."""

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
class FireTimeout:
    """Make the election timeout fire now (the simulator's "timeout" decision)."""


@dataclass(frozen=True, slots=True)
class DrawTimeout:
    """The random draw: extra ticks, 0..election_ticks-1, added to the election timeout the
    next time the timer is reset."""

    extra_ticks: int


Input = Tick | Receive | Propose | ChangeMembers | Read | FireTimeout | DrawTimeout


# --------------------------------------------------------------------------- outputs


@dataclass(slots=True)
class Reply:
    """The answer to a client request. For a proposal, ``index``/``term`` say where it
    landed (it succeeded if the entry committed there has that term); for a read,
    ``index`` is what must be applied before the read is served. ``error`` is set instead
    when the node cannot take the request; ``leader`` is its best guess of who can."""

    token: Any
    index: int = 0
    term: int = 0
    error: str | None = None
    leader: NodeId | None = None


@dataclass(slots=True)
class Ready:
    """What one input produced. The driver must persist ``hard_state`` and ``log_writes``
    (and sync them) before it sends ``messages`` or answers anyone."""

    hard_state: tuple[int, NodeId | None] | None = None  # (term, votedFor), when changed
    log_writes: list[tuple[int, tuple[Entry, ...]]] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    committed: list[tuple[int, Entry]] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    reads: list[Reply] = field(default_factory=list)
    need_draw: bool = False  # feed a DrawTimeout before the timer is next reset

    @property
    def must_persist(self) -> bool:
        return self.hard_state is not None or bool(self.log_writes)


Tracer = Callable[["Node", str, dict], None]

_PHANTOM_1, _PHANTOM_2 = "\0phantom-1", "\0phantom-2"
_PHANTOMS = (_PHANTOM_1, _PHANTOM_2)


DEFAULT_OPTIONS = Options()


class Node:
    """One Raft server. Build it from what its storage recovered, then feed it inputs."""

    def __init__(self, node_id: NodeId, members: Iterable[NodeId],
                 options: Options = DEFAULT_OPTIONS,
                 term: int = 0, voted_for: NodeId | None = None,
                 entries: Iterable[Entry] = (), tracer: Tracer | None = None) -> None:
        self.id = node_id
        self.opts = options
        self.bugs = options.bugs
        self.tracer = tracer
        # ---- durable (spec: currentTerm, votedFor, log)
        self.term = term
        self.voted_for = voted_for
        self.log = RaftLog(members, entries)
        # ---- volatile, in the spec
        self.role = Role.FOLLOWER
        self.commit = 0
        self.votes: set[NodeId] = set()  # votesGranted
        self.next_index: dict[NodeId, int] = {}  # a leader's; absent: next_default
        self.match_index: dict[NodeId, int] = {}  # a leader's; absent: 0
        self.next_default = 1
        self.recent_active: set[NodeId] = set()  # recentlyActive (check-quorum)
        self.heard_from_leader = False  # heardFromLeader (leader stickiness)
        self.read_round = 0  # readRound
        self.read_index: int | None = None  # pendingRead.index, None for Nil
        self.read_acks: set[NodeId] = set()  # pendingRead.acks
        # ---- volatile, implementation only
        self.leader: NodeId | None = None  # for redirecting clients
        self.applied = 0  # last index handed out in Ready.committed
        self.election_elapsed = 0
        self.heartbeat_elapsed = 0
        self.timeout = options.election_ticks
        self.next_draw = 0
        self.inflight: set[NodeId] = set()  # followers with an unanswered AppendEntries
        self.reads_batch: list[Any] = []  # client reads riding on the pending read
        self.reads_waiting: list[Any] = []  # client reads for the next read round
        self.now = 0  # ticks since start (leases)
        self.beat = 0  # heartbeat number, echoed by followers (leases)
        self.beat_sent_at: dict[int, int] = {}
        self.beat_acked: dict[NodeId, int] = {}
        self.lease_until = -1
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
        elif t is FireTimeout:
            if self.can_time_out():
                self._timeout()
        elif t is ChangeMembers:
            self._change_members(inp)  # type: ignore[arg-type]
        else:
            raise TypeError(f"not a Raft input: {inp!r}")
        self._collect_committed()
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
        """Report a finished spec action; every call site tests ``self.tracer`` first, so
        with tracing off an action costs one attribute test."""
        self.tracer(self, action, params)  # type: ignore[misc]

    # ================================================================== small helpers

    def members(self) -> frozenset[NodeId]:
        return self.log.members()

    def peers(self) -> list[NodeId]:
        return sorted(self.members() - {self.id})

    def can_time_out(self) -> bool:
        """Only a non-leader member of its own configuration campaigns; a server not yet
        added, or removed, waits."""
        return self.role is not Role.LEADER and self.id in self.members()

    def is_leader(self) -> bool:
        return self.role is Role.LEADER

    def _quorum(self, acked: Callable[[NodeId], Any]) -> bool:
        members = self.members()
        if self.bugs.quorum_off_by_one:
            # two phantom members that always agree make a quorum one server too small
            return bool(is_quorum([*members, _PHANTOM_1, _PHANTOM_2],
                                  lambda s: s in _PHANTOMS or acked(s)))
        return bool(is_quorum(members, acked))

    def in_lease(self) -> bool:
        """Leader stickiness: with check-quorum a leader, or a follower that heard from the
        leader of its term since its last election timeout, ignores requests for votes in a
        newer term (thesis 4.2.3) — a removed or partitioned server cannot disrupt."""
        return self.opts.check_quorum and (self.role is Role.LEADER or self.heard_from_leader)

    def _send(self, msg: Message) -> None:
        self._ready.messages.append(msg)

    def _persist_hard_state(self) -> None:
        self._ready.hard_state = (self.term, self.voted_for)

    def _persist_log_from(self, first: int) -> None:
        """Record that entries ``first..`` changed (anything after them is gone)."""
        writes = self._ready.log_writes
        entries = self.log.slice(first, self.log.last_index)
        if writes and writes[-1][0] <= first <= writes[-1][0] + len(writes[-1][1]):
            start, prev = writes[-1]
            writes[-1] = (start, prev[:first - start] + entries)
        else:
            writes.append((first, entries))

    def _reset_timer(self) -> None:
        self.election_elapsed = 0
        self.timeout = self.opts.election_ticks + self.next_draw
        self._ready.need_draw = True

    # ================================================================== role changes

    def _reset_role(self, role: Role) -> None:
        """The spec's ResetRole: no votes, no leader state, no pending read."""
        if self.role is Role.LEADER and role is not Role.LEADER:
            self._fail_reads()
        self.role = role
        self.votes = set()
        self.next_index = {}
        self.match_index = {}
        self.next_default = 1
        self.recent_active = set()
        self.read_round = 0
        self.read_index = None
        self.read_acks = set()
        self.inflight.clear()
        self.lease_until = -1

    def _step_down(self, term: int) -> None:
        """The spec's StepDown: a newer term makes this node its follower."""
        self.term = term
        self.voted_for = None
        self._persist_hard_state()
        self.heard_from_leader = False
        self.leader = None
        self._reset_role(Role.FOLLOWER)
        self._reset_timer()

    def _fail_reads(self) -> None:
        for token in self.reads_batch + self.reads_waiting:
            self._ready.reads.append(Reply(token, error="not leader", leader=self.leader))
        self.reads_batch = []
        self.reads_waiting = []

    # ================================================================== time

    def _tick(self) -> None:
        self.now += 1
        if self.role is Role.LEADER:
            self._tick_leader()
            return
        self.election_elapsed += 1
        if self.election_elapsed >= self.timeout and self.can_time_out():
            self._timeout()

    def _tick_leader(self) -> None:
        self.heartbeat_elapsed += 1
        self.election_elapsed += 1
        if self.opts.check_quorum and self.election_elapsed >= self.opts.election_ticks:
            self.election_elapsed = 0
            self._check_quorum_tick()
            if self.role is not Role.LEADER:
                return
        if self.heartbeat_elapsed >= self.opts.heartbeat_ticks:
            self.heartbeat_elapsed = 0
            self._heartbeat()

    def _check_quorum_tick(self) -> None:
        """CheckQuorumTick: a leader that has not heard from a quorum of its configuration
        for an election timeout steps down; either way the count starts over."""
        active = self.recent_active | {self.id}
        if self._quorum(lambda s: s in active):
            self.recent_active = set()
        else:
            self.leader = None
            self._reset_role(Role.FOLLOWER)
            self._reset_timer()
        if self.tracer is not None:
            self._emit("CheckQuorumTick", i=self.id)

    def _timeout(self) -> None:
        """Timeout: rehearse with a pre-vote round, or stand for election."""
        self.heard_from_leader = False
        self.leader = None
        self._reset_timer()
        if self.opts.pre_vote and not self._quorum(lambda s: s == self.id):
            self.role = Role.PRE_CANDIDATE
            self.votes = {self.id}
            for p in self.peers():
                self._send(VoteRequest(self.term + 1, self.id, p, self.log.last_term,
                                       self.log.last_index, prevote=True))
        else:
            self._campaign()
        if self.tracer is not None:
            self._emit("Timeout", i=self.id)
        if self.role is Role.LEADER:
            self._broadcast()

    def _campaign(self) -> None:
        """The spec's Campaign: next term, vote for itself, ask the rest of the
        configuration; a server that alone is a quorum leads at once."""
        self.term += 1
        self.voted_for = self.id
        self._persist_hard_state()
        self.heard_from_leader = False
        for p in self.peers():
            self._send(VoteRequest(self.term, self.id, p, self.log.last_term,
                                   self.log.last_index))
        if self._quorum(lambda s: s == self.id):
            self._become_leader()
        else:
            self.role = Role.CANDIDATE
            self.votes = {self.id}

    def _become_leader(self) -> None:
        last = self.log.last_index
        self._reset_role(Role.LEADER)
        self.leader = self.id
        self.next_default = last + 1
        self.election_elapsed = 0
        self.heartbeat_elapsed = 0
        self.beat_acked = {}
        # A no-op of the new term lets the leader commit (and so learn the commit index,
        # serve reads and change membership) without waiting for a client.
        self.log.append([Entry(self.term, EntryKind.NOOP)])
        self._persist_log_from(last + 1)
        self._leader_commit()

    # ================================================================== receiving

    def _receive(self, m: Message) -> None:
        t = type(m)
        if t is AppendRequest:
            self._handle_append_request(m)  # type: ignore[arg-type]
        elif t is AppendResponse:
            self._handle_append_response(m)  # type: ignore[arg-type]
        elif t is VoteRequest:
            if m.prevote:  # type: ignore[union-attr]
                self._handle_prevote_request(m)  # type: ignore[arg-type]
            else:
                self._handle_vote_request(m)  # type: ignore[arg-type]
        elif t is VoteResponse:
            if m.prevote:  # type: ignore[union-attr]
                self._handle_prevote_response(m)  # type: ignore[arg-type]
            else:
                self._handle_vote_response(m)  # type: ignore[arg-type]
        else:
            raise TypeError(f"not a Raft message: {m!r}")

    def _log_ok(self, last_term: int, last_index: int) -> bool:
        return self.bugs.vote_without_log_check or bool(log_up_to_date(
            last_term, last_index, self.log.last_term, self.log.last_index))

    # ------------------------------------------------------------------ elections

    def _handle_prevote_request(self, m: VoteRequest) -> None:
        """Answer a pre-vote without changing anything here; ignore it while in lease."""
        if not (m.term > self.term and self.in_lease()):
            grant = m.term > self.term and self._log_ok(m.last_log_term, m.last_log_index)
            self._send(VoteResponse(m.term if grant else self.term, self.id, m.src, grant,
                                    prevote=True))
        if self.tracer is not None:
            self._emit("HandlePreVoteRequest", i=self.id, m=m)

    def _handle_prevote_response(self, m: VoteResponse) -> None:
        was_leader = self.role is Role.LEADER
        if m.term > self.term and not m.granted:
            self._step_down(m.term)
        elif self.role is Role.PRE_CANDIDATE and m.term == self.term + 1 and m.granted:
            self.votes.add(m.src)
            if self._quorum(lambda s: s in self.votes):
                self._campaign()
        if self.tracer is not None:
            self._emit("HandlePreVoteResponse", i=self.id, m=m)
        if self.role is Role.LEADER and not was_leader:
            self._broadcast()

    def _handle_vote_request(self, m: VoteRequest) -> None:
        """One vote per term, only for a log at least as up to date as ours."""
        if m.term > self.term and self.in_lease():
            if self.tracer is not None:
                self._emit("HandleRequestVoteRequest", i=self.id, m=m)
            return
        if m.term > self.term:
            self.term = m.term
            self.voted_for = None
            self._persist_hard_state()
            self.heard_from_leader = False
            self.leader = None
            self._reset_role(Role.FOLLOWER)
        grant = (m.term == self.term and self.voted_for in (None, m.src)
                 and self._log_ok(m.last_log_term, m.last_log_index))
        if grant:
            if self.voted_for is None:
                self.voted_for = m.src
                self._persist_hard_state()
            self._reset_timer()
        self._send(VoteResponse(self.term, self.id, m.src, grant))
        if self.tracer is not None:
            self._emit("HandleRequestVoteRequest", i=self.id, m=m)

    def _handle_vote_response(self, m: VoteResponse) -> None:
        was_leader = self.role is Role.LEADER
        if m.term > self.term:
            self._step_down(m.term)
        elif self.role is Role.CANDIDATE and m.granted and (
                m.term == self.term or (self.bugs.count_stale_votes and m.term < self.term)):
            self.votes.add(m.src)
            if self._quorum(lambda s: s in self.votes):
                self._become_leader()
        if self.tracer is not None:
            self._emit("HandleRequestVoteResponse", i=self.id, m=m)
        if self.role is Role.LEADER and not was_leader:
            self._broadcast()  # just elected: announce it

    # ------------------------------------------------------------------ replication

    def _handle_append_request(self, m: AppendRequest) -> None:
        if m.term < self.term and not self.bugs.accept_stale_append:
            self._send(AppendResponse(self.term, self.id, m.src, False, 0,
                                      read_round=m.read_round, beat=m.beat))
            if self.tracer is not None:
                self._emit("HandleAppendEntriesRequest", i=self.id, m=m)
            return
        if m.term > self.term:
            self.term = m.term
            self.voted_for = None
            self._persist_hard_state()
        self._reset_role(Role.FOLLOWER)
        self.heard_from_leader = self.opts.check_quorum
        self.leader = m.src
        self.election_elapsed = 0
        log = self.log
        ok = m.prev_index == 0 or (m.prev_index <= log.last_index
                                   and log.term_at(m.prev_index) == m.prev_term)
        if not ok:
            # Fast back-off: skip the whole conflicting term (or to our log's end) at once.
            if m.prev_index > log.last_index:
                hint = log.last_index
            else:
                hint = log.first_index_of_term(m.prev_index) - 1
            self._send(AppendResponse(m.term, self.id, m.src, False, hint,
                                      read_round=m.read_round, beat=m.beat))
            if self.tracer is not None:
                self._emit("HandleAppendEntriesRequest", i=self.id, m=m)
            return
        last_new = m.prev_index + len(m.entries)
        if self.bugs.truncate_without_conflict and log.last_index > last_new:
            log.truncate(last_new + 1)
            self._persist_log_from(last_new + 1)
        for k, e in enumerate(m.entries):
            index = m.prev_index + 1 + k
            if index <= log.last_index:
                if log.term_at(index) == e.term or self.bugs.keep_conflicting_entry:
                    continue  # already have it: never truncate a matching entry
                # a real conflict: this and all that follow go
                log.truncate(index, revert_config=not self.bugs.keep_config_on_truncate)
            log.append(m.entries[k:])
            self._persist_log_from(index)
            break
        if self.bugs.follower_commit_past_log:
            self.commit = max(self.commit, m.commit)
        else:
            self.commit = max(self.commit, min(m.commit, last_new))
        matched = log.last_index if self.bugs.ack_whole_log else last_new
        self._send(AppendResponse(m.term, self.id, m.src, True, matched,
                                  read_round=m.read_round, beat=m.beat))
        if self.tracer is not None:
            self._emit("HandleAppendEntriesRequest", i=self.id, m=m)

    def _handle_append_response(self, m: AppendResponse) -> None:
        if m.term > self.term:
            self._step_down(m.term)
            if self.tracer is not None:
                self._emit("HandleAppendEntriesResponse", i=self.id, m=m)
            return
        if (m.term < self.term and not self.bugs.count_stale_acks) \
                or self.role is not Role.LEADER:
            if self.tracer is not None:
                self._emit("HandleAppendEntriesResponse", i=self.id, m=m)
            return
        j = m.src
        self.inflight.discard(j)
        if self.opts.check_quorum:
            self.recent_active.add(j)
        if self.read_index is not None and m.read_round == self.read_round:
            self.read_acks.add(j)
        if m.beat > self.beat_acked.get(j, 0):
            self.beat_acked[j] = m.beat
        nxt = self.next_index.get(j, self.next_default)
        match = self.match_index.get(j, 0)
        if m.success:
            self.match_index[j] = max(match, m.match_index)
            self.next_index[j] = max(nxt, m.match_index + 1)
            self._leader_commit()
        else:
            self.next_index[j] = max(match + 1, min(nxt - 1, m.match_index + 1))
        if self.tracer is not None:
            self._emit("HandleAppendEntriesResponse", i=self.id, m=m)
        self._maybe_serve_read()
        if self.opts.lease_reads:
            self._extend_lease()
        if j in self.members() and self.next_index[j] <= self.log.last_index:
            self._send_append(j)  # keep a follower that is behind streaming

    def _leader_commit(self) -> None:
        """The spec's LeaderCommit: commit the highest index that a quorum of the
        configuration stores, if its entry is of the current term (the paper's Figure 8:
        an older entry commits only underneath one of ours).

        The highest index a quorum stores is always some server's match index (or our own
        last index), so only those are tried, highest first; and if the entry there is of
        an older term, so is every entry below it, and nothing commits."""
        log = self.log
        candidates = {log.last_index, *self.match_index.values()}
        for n in sorted((c for c in candidates if self.commit < c <= log.last_index),
                        reverse=True):
            if self._quorum(self._stores(n)):
                if log.term_at(n) == self.term or self.bugs.commit_old_term:
                    self.commit = n
                return

    def _stores(self, n: int) -> Callable[[NodeId], bool]:
        """Whether a server (this leader included) is known to store index ``n``."""
        return lambda s: s == self.id or self.match_index.get(s, 0) >= n

    def _send_append(self, j: NodeId) -> None:
        """AppendEntries: everything from nextIndex (nothing: a heartbeat)."""
        nxt = self.next_index.get(j, self.next_default)
        last = min(self.log.last_index, nxt - 1 + self.opts.max_batch)
        self._send(AppendRequest(self.term, self.id, j, nxt - 1, self.log.term_at(nxt - 1),
                                 self.log.slice(nxt, last), self.commit, self.read_round,
                                 self.beat))
        self.inflight.add(j)
        if self.tracer is not None:
            self._emit("AppendEntries", i=self.id, j=j)

    def _broadcast(self, only_idle: bool = False) -> None:
        for p in self.peers():
            if not (only_idle and p in self.inflight):
                self._send_append(p)

    def _heartbeat(self) -> None:
        self.beat += 1
        self.beat_sent_at[self.beat] = self.now
        self.beat_sent_at.pop(self.beat - 2 * self.opts.election_ticks, None)
        self._broadcast()

    # ================================================================== clients

    def _not_leader(self, token: Any) -> Reply:
        return Reply(token, error="not leader", leader=self.leader)

    def _propose(self, p: Propose) -> None:
        if self.role is not Role.LEADER:
            self._ready.replies.append(self._not_leader(p.token))
            return
        entry = Entry(self.term, EntryKind.NORMAL, p.data)
        self._append_own(entry, p.token)
        if self.tracer is not None:
            self._emit("ClientRequest", i=self.id, v=entry)
        self._broadcast(only_idle=True)

    def _append_own(self, entry: Entry, token: Any) -> None:
        self.log.append([entry])
        index = self.log.last_index
        self._persist_log_from(index)
        self._ready.replies.append(Reply(token, index, self.term, leader=self.id))
        self._leader_commit()  # a one-server configuration commits at once

    def _change_members(self, c: ChangeMembers) -> None:
        if self.role is not Role.LEADER:
            self._ready.replies.append(self._not_leader(c.token))
            return
        members = self.members()
        if (c.add is None) == (c.remove is None):
            err = "change exactly one server"
        elif self.log.term_at(self.commit) != self.term:
            err = "the leader has not yet committed an entry of its term; retry"
        elif self.log.config_index > self.commit:
            err = "a membership change is already in progress; retry"
        elif c.add is not None and c.add in members:
            err = f"{c.add} is already a member"
        elif c.remove is not None and c.remove not in members:
            err = f"{c.remove} is not a member"
        elif c.remove == self.id:
            err = "the leader does not remove itself; ask another server after it steps down"
        else:
            err = None
        if err:
            self._ready.replies.append(Reply(c.token, error=err, leader=self.id))
            return
        if c.add is not None:
            self._append_own(Entry.config(self.term, members | {c.add}), c.token)
            if self.tracer is not None:
                self._emit("AddServer", i=self.id, j=c.add)
        else:
            self.inflight.discard(c.remove)  # type: ignore[arg-type]
            self._append_own(Entry.config(self.term, members - {c.remove}), c.token)
            if self.tracer is not None:
                self._emit("RemoveServer", i=self.id, j=c.remove)
        self._broadcast(only_idle=True)

    # ------------------------------------------------------------------ reads

    def _read(self, token: Any) -> None:
        if self.role is not Role.LEADER:
            self._ready.reads.append(self._not_leader(token))
            return
        if self.log.term_at(self.commit) != self.term:
            # Until an entry of its term commits the leader does not know the commit index.
            self._ready.reads.append(Reply(token, error="leader not ready; retry",
                                           leader=self.id))
            return
        if self.opts.lease_reads and self.now < self.lease_until:
            self._ready.reads.append(Reply(token, self.commit, self.term, leader=self.id))
            return
        self.reads_waiting.append(token)
        if self.read_index is None:
            self._client_read()

    def _client_read(self) -> None:
        """ClientRead (ReadIndex, thesis 6.4): note the commit index and open a new read
        round; the reads waiting now ride on it. The round's AppendEntries go out at once."""
        self.read_round += 1
        self.read_index = self.commit
        self.read_acks = {self.id}
        self.reads_batch, self.reads_waiting = self.reads_waiting, []
        if self.tracer is not None:
            self._emit("ClientRead", i=self.id)
        if not self._maybe_serve_read():
            self._broadcast()

    def _maybe_serve_read(self) -> bool:
        """ServeRead: a quorum acknowledged the round, so no newer leader had committed
        anything when the read arrived; the reads may be served at the read index."""
        if self.read_index is None or not self._quorum(lambda s: s in self.read_acks):
            return False
        for token in self.reads_batch:
            self._ready.reads.append(Reply(token, self.read_index, self.term, leader=self.id))
        self.reads_batch = []
        self.read_index = None
        self.read_acks = set()
        if self.tracer is not None:
            self._emit("ServeRead", i=self.id)
        if self.reads_waiting:
            self._client_read()
        return True

    def _extend_lease(self) -> None:
        """Lease reads: once a quorum has answered heartbeat b, sent at time t, no other
        leader can be elected before t + election_ticks (followers reset their timers when
        b arrives, after t, and ignore votes while they hear from us). Assumes the nodes'
        clocks run at about the same rate."""
        for b in sorted(self.beat_sent_at, reverse=True):
            if self.beat_sent_at[b] + self.opts.election_ticks <= self.lease_until:
                return
            if self._quorum(self._acked_beat(b)):
                self.lease_until = self.beat_sent_at[b] + self.opts.election_ticks
                return

    def _acked_beat(self, b: int) -> Callable[[NodeId], bool]:
        return lambda s: s == self.id or self.beat_acked.get(s, 0) >= b

    # ================================================================== applying

    def _collect_committed(self) -> None:
        upto = min(self.commit, self.log.last_index)
        if upto > self.applied:
            self._ready.committed.extend(
                (i, self.log.entry(i)) for i in range(self.applied + 1, upto + 1))
            self.applied = upto
