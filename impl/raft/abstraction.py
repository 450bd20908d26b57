"""The abstraction function: a Raft cluster, seen as the variables of ``specs/Raft.tla``.

DESIGN rule 4: this module is the only place where the implementation's vocabulary meets the
spec's. It maps every node's state (durable: term, vote, log; volatile: role, commit index,
votes, replication progress, check-quorum and read state) and the messages in flight to TLA+
values (:mod:`conformance.values`): servers are the spec's model values, logs are tuples of
entry records, per-server variables are functions over all servers (the spec's ``Server``),
and ``msgs`` is a bag — a function from message records to their number of copies.

Left out: the spec's ghost variables (``committed``, ``readStart``, ``servedReads``), which
no implementation can know and the validator computes; and what the implementation keeps
that the spec does not model (timers, the known leader, the heartbeat numbers of lease
reads, the client reads batched onto one spec-level read).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from operator import is_
from typing import Any

from conformance.record import Encoded
from conformance.record.delta import Delta
from conformance.record.pattern import encode_value
from conformance.record.pattern import model_value_json as server_json
from conformance.values import Fn, FSet, ModelValue, Tup, record, same_value, typed_key
from impl.params import mapped
from impl.raft.core import Node, Role
from impl.raft.log import RaftLog
from impl.raft.messages import (
    AppendRequest,
    AppendResponse,
    Entry,
    EntryKind,
    Message,
    VoteRequest,
    VoteResponse,
)

NIL = ModelValue("Nil")

# The spec's variables this function maps.
VARIABLES = ("currentTerm", "votedFor", "log", "state", "commitIndex", "votesGranted",
             "nextIndex", "matchIndex", "recentlyActive", "heardFromLeader", "readRound",
             "pendingRead", "msgs")
# The spec's ghost variables, which the validator fills in.
GHOSTS = ("committed", "readStart", "servedReads")

ENTRY_KIND = {EntryKind.NORMAL: "Value", EntryKind.NOOP: "NoOp", EntryKind.CONFIG: "Config"}

# The spec's implementation choices (specs/README.md, "Implementation choices") as this
# implementation makes them: a rejection hints the start of the conflicting term, nextIndex
# moves only on responses (and never back on a success), the commit index is volatile,
# check-quorum comes with leader stickiness, and a leader commits in the step that stores an
# entry or learns a match.
CHOICES = {"RejectHint": "Term", "Pipeline": False, "RewindOnSuccess": False,
           "DurableCommitIndex": False, "Stickiness": True, "CommitOnTick": False}


def server(node_id: str) -> ModelValue:
    v = _MODEL_VALUES.get(node_id)  # traces map every server id many times per step
    if v is None:
        v = _MODEL_VALUES[node_id] = ModelValue(node_id)
    return v


_MODEL_VALUES: dict[str, ModelValue] = {}


def sim_value(entry: Entry) -> Any:
    """Simulated clients submit the spec's values by name: ``b"v1"`` is model value v1."""
    return ModelValue(entry.data.decode())


def text_value(entry: Entry) -> Any:
    """Real clients' commands, as strings."""
    return entry.data.decode(errors="replace")


class Abstraction:
    """Maps clusters over a fixed set of servers (the spec's ``Server`` constant)."""

    def __init__(self, servers: Iterable[str],
                 value_of: Callable[[Entry], Any] = sim_value) -> None:
        self.servers = sorted(servers)
        self.value_of = value_of
        self._entry_cache: dict[Entry, Fn] = {}
        self._log_cache: dict[int, tuple[RaftLog, int, Tup]] = {}
        self._message_cache: dict[int, tuple[Message, Fn]] = {}
        self._records: dict[tuple, Fn] = {}  # each message record by its value (typed)
        self._entry_json: dict[Entry, Encoded] = {}
        # the last cluster(): each node's _small_keys and the variables' values
        self._last: tuple[dict[str, tuple], dict[str, Any]] | None = None

    # ------------------------------------------------------------------ pieces

    def entry(self, e: Entry) -> Fn:
        v = self._entry_cache.get(e)
        if v is None:
            if e.kind is EntryKind.NORMAL:
                value = self.value_of(e)
            elif e.kind is EntryKind.NOOP:
                value = NIL
            else:
                value = FSet(server(s) for s in e.members())
            if len(self._entry_cache) > 1024:  # the recent ones: traces meet each a few
                self._entry_cache.clear()  # times, close together (sent, received, stored)
            v = self._entry_cache[e] = record(term=e.term, kind=ENTRY_KIND[e.kind],
                                              value=value)
        return v

    def entries(self, es: Iterable[Entry]) -> Tup:
        return Tup(self.entry(e) for e in es)

    def log(self, log: RaftLog) -> Tup:
        """A node's log as a tuple of entry records, extended rather than rebuilt when the
        log has only grown since the last call (traces call this after every step)."""
        cached = self._log_cache.get(id(log))
        if cached is not None and cached[0] is log and cached[1] == log.truncations:
            tup = cached[2]
            if len(tup) == len(log.entries):
                return tup
            if len(tup) < len(log.entries):
                tup = Tup(tup + tuple(self.entry(e) for e in log.entries[len(tup):]))
                self._log_cache[id(log)] = (log, log.truncations, tup)
                return tup
        tup = self.entries(log.entries)
        self._log_cache[id(log)] = (log, log.truncations, tup)
        return tup

    def message(self, m: Message, entries: bool = True) -> Fn:
        """A message as its record; the same record object for the same message object
        while it is recent (a message stays in flight over many steps). ``entries=False``:
        an AppendEntries' record without its entries (not kept)."""
        if not entries:
            return self._message(m, False)
        hit = self._message_cache.get(id(m))
        if hit is not None and hit[0] is m:
            return hit[1]
        v = self._message(m)
        if len(self._message_cache) > 4096:
            self._message_cache.clear()
            self._records.clear()
        # a message sent again (another object, the same fields: a heartbeat, a pre-vote
        # request of the same term) is the record of the first: the bag keeps its key
        v = self._records.setdefault(typed_key(v), v)
        self._message_cache[id(m)] = (m, v)
        return v

    def _message(self, m: Message, entries: bool = True) -> Fn:
        src, dst = server(m.src), server(m.dst)
        if isinstance(m, VoteRequest):
            return record(type="PreVoteRequest" if m.prevote else "RequestVoteRequest",
                          term=m.term, source=src, dest=dst, lastLogTerm=m.last_log_term,
                          lastLogIndex=m.last_log_index)
        if isinstance(m, VoteResponse):
            return record(type="PreVoteResponse" if m.prevote else "RequestVoteResponse",
                          term=m.term, source=src, dest=dst, granted=m.granted)
        if isinstance(m, AppendRequest):
            if not entries:
                return record(type="AppendEntriesRequest", term=m.term, source=src,
                              dest=dst, prevLogIndex=m.prev_index, prevLogTerm=m.prev_term,
                              commitIndex=m.commit, ctx=m.read_round)
            return record(type="AppendEntriesRequest", term=m.term, source=src, dest=dst,
                          prevLogIndex=m.prev_index, prevLogTerm=m.prev_term,
                          entries=self.entries(m.entries), commitIndex=m.commit,
                          ctx=m.read_round)
        if isinstance(m, AppendResponse):
            return record(type="AppendEntriesResponse", term=m.term, source=src, dest=dst,
                          success=m.success, matchIndex=m.match_index, ctx=m.read_round)
        raise TypeError(f"not a Raft message: {m!r}")

    # ------------------------------------------------------------------ to JSON
    # A node's trace maps each step's messages, parameters and log entries straight to the
    # trace's JSON (conformance.record.Encoded), field for field what the TLA+ values above
    # encode to (tests/raft/test_tracing_json.py compares the two on every kind): the
    # recorder then neither builds those values nor walks them to encode them.

    def entry_json(self, e: Entry) -> Encoded:
        v = self._entry_json.get(e)
        if v is None:
            if len(self._entry_json) > 1024:  # see entry
                self._entry_json.clear()
            v = self._entry_json[e] = Encoded(encode_value(self.entry(e)))
        return v

    def message_json(self, m: Message, entries: bool = True) -> Encoded:
        """The message's record as the trace's JSON (fields in the encoding's order);
        ``entries=False``: an AppendEntries' without its entries."""
        src, dst = server_json(m.src), server_json(m.dst)
        if type(m) is AppendRequest:
            if not entries:
                return Encoded(commitIndex=m.commit, ctx=m.read_round, dest=dst,
                               prevLogIndex=m.prev_index, prevLogTerm=m.prev_term,
                               source=src, term=m.term, type="AppendEntriesRequest")
            return Encoded(commitIndex=m.commit, ctx=m.read_round, dest=dst,
                           entries=[self.entry_json(e) for e in m.entries],
                           prevLogIndex=m.prev_index, prevLogTerm=m.prev_term, source=src,
                           term=m.term, type="AppendEntriesRequest")
        if type(m) is AppendResponse:
            return Encoded(ctx=m.read_round, dest=dst, matchIndex=m.match_index, source=src,
                           success=m.success, term=m.term, type="AppendEntriesResponse")
        if type(m) is VoteRequest:
            return Encoded(dest=dst, lastLogIndex=m.last_log_index,
                           lastLogTerm=m.last_log_term, source=src, term=m.term,
                           type="PreVoteRequest" if m.prevote else "RequestVoteRequest")
        if type(m) is VoteResponse:
            return Encoded(dest=dst, granted=m.granted, source=src, term=m.term,
                           type="PreVoteResponse" if m.prevote else "RequestVoteResponse")
        raise TypeError(f"not a Raft message: {m!r}")

    def params_json(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """An event's parameters as the trace's JSON."""
        return mapped(raw, server_json, self.message_json, lambda e: self.entry_json(e)["value"])

    def bag(self, messages: Iterable[Message]) -> Fn | Tup:
        counts = Counter(self.message(m) for m in messages)
        return Fn(dict(counts)) if counts else Tup()

    def next_index(self, n: Node) -> Fn:
        if n.role is not Role.LEADER:
            return Fn({server(j): 1 for j in self.servers})
        return Fn({server(j): 1 if j == n.id else n.next_index.get(j, n.next_default)
                   for j in self.servers})

    def match_index(self, n: Node) -> Fn:
        if n.role is not Role.LEADER:
            return Fn({server(j): 0 for j in self.servers})
        return Fn({server(j): 0 if j == n.id else n.match_index.get(j, 0)
                   for j in self.servers})

    def pending_read(self, n: Node) -> Any:
        if n.read_index is None:
            return NIL
        return record(index=n.read_index, acks=FSet(server(s) for s in n.read_acks))

    # ------------------------------------------------------------------ the whole cluster

    def cluster(self, nodes: Mapping[str, Node], in_flight: Iterable[Message]) -> dict[str, Any]:
        """The spec's variables for these nodes and these messages in flight. What did not
        change since the last call is its very objects: a variable whose key (see
        _small_keys) moved on no node is the last call's function, and the entries of the
        nodes whose key did not move are the last call's entries (a validator then sees
        the same objects and compares nothing)."""
        ids = self.servers
        keys = {n: _small_keys(nodes[n]) for n in ids}
        last_keys, last = self._last if self._last is not None else ({}, {})
        out: dict[str, Any] = {}
        for x, (var, value) in enumerate(SMALL.items()):
            was = last.get(var)
            moved = [n for n in ids if n not in last_keys or last_keys[n][x] != keys[n][x]]
            if was is not None and not moved:
                out[var] = was
            elif was is None:
                out[var] = Fn({server(n): value(self, nodes[n]) for n in ids})
            else:
                # a key that moved with the value staying (a follower that became a
                # candidate keeps its nextIndex) keeps the last call's entry, and the
                # function is the last call's when every entry is
                entries = dict(was.map)
                for n in moved:
                    old, new = entries[server(n)], value(self, nodes[n])
                    if old is not new and not (old == new and same_value(old, new)):
                        entries[server(n)] = new
                same = all(map(is_, entries.values(), was.map.values()))
                out[var] = was if same else Fn(entries)
        logs = {server(n): self.log(nodes[n].log) for n in ids}
        was = last.get("log")
        if was is not None:  # a log made again with the same entries: the last call's
            for k, lg in logs.items():
                old = was.map.get(k)
                if old is not None and old is not lg and old == lg and same_value(old, lg):
                    logs[k] = old
        out["log"] = was if was is not None and all(
            logs[k] is x for k, x in was.map.items()) else Fn(logs)
        out["msgs"] = self.bag(in_flight)
        self._last = (keys, out)
        return {var: out[var] for var in VARIABLES}

    def params(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """An event's parameters as TLA+ values."""
        return mapped(raw, server, self.message, lambda e: self.entry(e)["value"])

    def own(self, n: Node) -> dict[str, Any]:
        """One node's own variables: its entry of each per-server function of the spec
        (what a real node records about itself; no ``msgs``, no ghosts)."""
        return {var: value(self, n) for var, value in OWN.items()}

    def own_changes(self, n: Node, last: dict[str, Any]) -> tuple[dict[str, Any], Delta | None]:
        """What changed in the node's own variables since ``last`` (a dict this method
        keeps; empty: everything): the small variables whole, those whose cheap change key
        moved (a leader's nextIndex and matchIndex as the entries that moved), and the log
        as the entries appended (as the trace's JSON; or, after a truncation, where it was
        cut), from a copy of the entry list kept up to date by appending. Tracing a step
        costs a dozen attribute reads and the new entries, not the log."""
        out = {}
        d = Delta()
        keys = _small_keys(n)
        was = last.get("small")
        if was != keys:
            for x, (var, value) in enumerate(SMALL.items()):
                if was is None or was[x] != keys[x]:
                    if x in _PROGRESS and was is not None and n.role is Role.LEADER \
                            and was[x][:-1] == keys[x][:-1]:
                        self._progress(d, var, n, was[x][-1], keys[x][-1])
                    else:
                        out[var] = value(self, n)
            last["small"] = keys
        log, entries = n.log, n.log.entries
        seen = last.get("log")
        if seen is None or seen[0] is not log:
            last["log"] = (log, log.truncations, list(entries))
            out["log"] = self.log(log)
            return out, d if d else None
        _, truncations, mirror = seen
        if truncations == log.truncations and len(mirror) == len(entries):
            return out, d if d else None
        k = len(mirror)
        if truncations != log.truncations:  # rare: find where the two part
            k = next((x for x, (a, b) in enumerate(zip(mirror, entries)) if a != b),
                     min(len(mirror), len(entries)))
            if k < len(mirror):
                d.truncate.append((("log",), k))
                del mirror[k:]
            last["log"] = (log, log.truncations, mirror)
        if len(entries) > k:
            new = entries[k:]
            mirror.extend(new)
            d.append.append((("log",), tuple(map(self.entry_json, new))))
        return out, d

    def _progress(self, d: Delta, var: str, n: Node, old: tuple, new: tuple) -> None:
        """A leader's ``nextIndex`` or ``matchIndex`` (``var``) changed within its term of
        office (same role, same default): the entries that moved, as puts, in the order
        of the servers (``old``/``new``: the items of its dict of them before and after)."""
        before, after = dict(old), dict(new)
        default = n.next_default if var == "nextIndex" else 0
        for j in self.servers:
            if j != n.id:
                v = after.get(j, default)
                if before.get(j, default) != v:
                    d.put.append(((var, server_json(j)), v))

    def local(self, n: Node) -> dict[str, Any]:
        """One node's own part of the spec state: each per-server variable restricted to
        this server (no ``msgs``)."""
        me = server(n.id)
        return {k: Fn({me: v}) for k, v in self.own(n).items()}


def _small_keys(n: Node) -> tuple:
    """A key of each of the node's small variables (in :data:`SMALL`'s order) that changes
    whenever the variable does: one tuple, compared at once with the last."""
    return (n.term, n.voted_for, n.role, n.commit, frozenset(n.votes),
            (n.role, n.next_default, tuple(n.next_index.items())),
            (n.role, tuple(n.match_index.items())), frozenset(n.recent_active),
            n.heard_from_leader, n.read_round, (n.read_index, frozenset(n.read_acks)))


# nextIndex's and matchIndex's places in SMALL: a leader's are given as the entries that
# moved (own_changes), the rest whole
_PROGRESS = frozenset({5, 6})

# Each of a node's own variables but its log, and its value in the spec.
SMALL: dict[str, Callable[[Abstraction, Node], Any]] = {
    "currentTerm": lambda a, n: n.term,
    "votedFor": lambda a, n: NIL if n.voted_for is None else server(n.voted_for),
    "state": lambda a, n: n.role.value,
    "commitIndex": lambda a, n: n.commit,
    "votesGranted": lambda a, n: FSet(server(s) for s in n.votes),
    "nextIndex": lambda a, n: a.next_index(n),
    "matchIndex": lambda a, n: a.match_index(n),
    "recentlyActive": lambda a, n: FSet(server(s) for s in n.recent_active),
    "heardFromLeader": lambda a, n: n.heard_from_leader,
    "readRound": lambda a, n: n.read_round,
    "pendingRead": lambda a, n: a.pending_read(n),
}
OWN: dict[str, Callable[[Abstraction, Node], Any]] = {
    **SMALL, "log": lambda a, n: a.log(n.log)}
