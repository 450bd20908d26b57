"""The abstraction function: a Raft cluster, seen as the variables of ``specs/Raft.tla``.

DESIGN rule 4: this module is the only place where the implementation's vocabulary meets the
spec's. It maps every node's state (durable: term, vote, log; volatile: role, commit index,
votes, replication progress) and the messages in flight to TLA+ values
(:mod:`conformance.values`): servers are the spec's model values, logs are tuples of
records, per-server variables are functions over all servers, and ``messages`` is a bag (a
function from message records to their number of copies in flight).

Ghost variables of the spec, which no implementation could know (histories of elections
and logs), are left out; the validator fills them in.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Callable, Iterable, Mapping

from conformance.values import Fn, FSet, ModelValue, Tup, record
from impl.raft.core import Node, Role
from impl.raft.messages import (
    AppendRequest,
    AppendResponse,
    Entry,
    EntryKind,
    Message,
    TimeoutNow,
    VoteRequest,
    VoteResponse,
)

NIL = ModelValue("Nil")

# The spec's variables this function maps, in the spec's order.
VARIABLES = ("currentTerm", "state", "votedFor", "log", "commitIndex", "votesGranted",
             "nextIndex", "matchIndex", "messages")

ROLE = {Role.FOLLOWER: "Follower", Role.PRE_CANDIDATE: "PreCandidate",
        Role.CANDIDATE: "Candidate", Role.LEADER: "Leader"}


def server(node_id: str) -> ModelValue:
    return ModelValue(node_id)


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
            v = record(term=e.term, value=value)
            if e.kind is EntryKind.CONFIG:
                v = record(term=e.term, value=value, type="config")
            self._entry_cache[e] = v
        return v

    def entries(self, es: Iterable[Entry]) -> Tup:
        return Tup(self.entry(e) for e in es)

    def message(self, m: Message) -> Fn:
        t = type(m)
        src, dst = server(m.src), server(m.dst)
        if t is VoteRequest:
            return record(mtype="PreVoteRequest" if m.prevote else "RequestVoteRequest",
                          mterm=m.term, mlastLogTerm=m.last_log_term,
                          mlastLogIndex=m.last_log_index, msource=src, mdest=dst)
        if t is VoteResponse:
            return record(mtype="PreVoteResponse" if m.prevote else "RequestVoteResponse",
                          mterm=m.term, mvoteGranted=m.granted, msource=src, mdest=dst)
        if t is AppendRequest:
            return record(mtype="AppendEntriesRequest", mterm=m.term,
                          mprevLogIndex=m.prev_index, mprevLogTerm=m.prev_term,
                          mentries=self.entries(m.entries), mcommitIndex=m.commit,
                          msource=src, mdest=dst)
        if t is AppendResponse:
            return record(mtype="AppendEntriesResponse", mterm=m.term,
                          msuccess=m.success, mmatchIndex=m.match_index,
                          msource=src, mdest=dst)
        if t is TimeoutNow:
            return record(mtype="TimeoutNow", mterm=m.term, msource=src, mdest=dst)
        raise TypeError(f"not a Raft message: {m!r}")

    def bag(self, messages: Iterable[Message]) -> Fn | Tup:
        counts = Counter(self.message(m) for m in messages)
        return Fn(dict(counts)) if counts else Tup()

    # ------------------------------------------------------------------ the whole cluster

    def cluster(self, nodes: Mapping[str, Node], in_flight: Iterable[Message]) -> dict[str, Any]:
        """The spec's variables for these nodes and these messages in flight."""
        ids = self.servers

        def per_server(f: Callable[[Node], Any]) -> Fn:
            return Fn({server(n): f(nodes[n]) for n in ids})

        return {
            "currentTerm": per_server(lambda n: n.term),
            "state": per_server(lambda n: ROLE[n.role]),
            "votedFor": per_server(lambda n: NIL if n.voted_for is None
                                   else server(n.voted_for)),
            "log": per_server(lambda n: self.entries(n.log.entries)),
            "commitIndex": per_server(lambda n: n.commit),
            "votesGranted": per_server(lambda n: FSet(server(s) for s, g in n.votes.items()
                                                      if g)),
            "nextIndex": per_server(lambda n: Fn({server(j): n.next_index.get(j, 1)
                                                  for j in ids})),
            "matchIndex": per_server(lambda n: Fn({server(j): n.match_index.get(j, 0)
                                                   for j in ids})),
            "messages": self.bag(in_flight),
        }

    def params(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """An event's parameters as TLA+ values."""
        out: dict[str, Any] = {}
        for k, v in raw.items():
            if k in ("i", "j"):
                out[k] = server(v)
            elif k == "m":
                out[k] = self.message(v)
            elif k == "entry":
                out["v"] = self.entry(v)["value"]
            else:
                out[k] = v
        return out
