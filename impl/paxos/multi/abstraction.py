"""The abstraction function: a Multi-Paxos cluster, seen as the variables of
``specs/MultiPaxos.tla``.

DESIGN rule 4: the only place where the implementation's vocabulary meets the spec's. It maps
every server's durable state (promise, ballot, accepted proposals per slot, the slots it
knows decided), its volatile state (role, the first slot of its phase 1, the promises it
campaigns with and, leading, re-proposes from, proposals and their acceptances while
leading, the commands it executed) and the messages in flight (a bag) to TLA+ values. Maps
keyed by slot become TLA+ functions — a sequence when the slots are exactly 1..n, as TLC has
it. The spec's ghost variables (``votes``, ``started``) are computed by the validator. Left
out: timers, the known leader, the highest ballot seen, the followers' progress a leader
keeps for catching them up, the takeover's window.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from conformance.values import Fn, FSet, Tup, make_fn, record
from impl.paxos.multi.core import Node
from impl.paxos.multi.messages import (
    Accept,
    Accepted,
    Command,
    Decide,
    Heartbeat,
    HeartbeatReply,
    Message,
    Prepare,
    Promise,
    Reject,
)
from impl.paxos.values import NOOP, ValueMap, node, sim_value

SPEC = "MultiPaxos"
VARIABLES = ("promised", "accepted", "ballot", "role", "firstSlot", "promises", "proposals",
             "decided", "executed", "msgs")
INVARIANTS = ("TypeOK", "Agreement", "DecidedChosen", "ExecutedConsistent", "ExecutedInOrder",
              "AcceptedIsLatestVote", "OneValuePerBallot", "LeaderOwnsBallot")
PROPERTIES = ("MonotonicPromise", "MonotonicBallot", "ExecutionAppendOnly")
GHOSTS = ("votes", "started")
PARAMS = {  # each action's parameters, in the order of its definition in the spec
    "Prepare": ("i", "b"), "HandlePromise": ("i", "m"), "HandleReject": ("i", "m"),
    "ClientRequest": ("i", "v"), "Repropose": ("i", "k"), "HandleAccepted": ("i", "m"),
    "SendAccept": ("i", "j", "k"),
    "SendDecide": ("i", "j", "k"), "Heartbeat": ("i", "j"), "HandleHeartbeatReply": ("i", "m"),
    "HandlePrepare": ("i", "m"), "HandleAccept": ("i", "m"), "HandleDecide": ("i", "m"),
    "HandleHeartbeat": ("i", "m"), "Restart": ("i",), "DropMessage": ("m",),
    "DuplicateMessage": ("m",),
}


class Abstraction:
    def __init__(self, servers: Iterable[str], value_of: ValueMap = sim_value) -> None:
        self.servers = sorted(servers)
        self.value_of = value_of

    def cmd(self, c: Command) -> Any:
        return NOOP if c is None else self.value_of(c)

    def proposals(self, accepted: Mapping[int, tuple[int, Command]]) -> Tup | Fn:
        return make_fn({k: record(bal=b, val=self.cmd(c)) for k, (b, c) in accepted.items()})

    def message(self, m: Message) -> Fn:
        src, dst = node(m.src), node(m.dst)
        if type(m) is Prepare:
            return record(type="Prepare", bal=m.bal, first=m.first, source=src, dest=dst)
        if type(m) is Promise:
            acc = {k: (b, c) for k, b, c in m.accepted}
            return record(type="Promise", bal=m.bal, accepted=self.proposals(acc), source=src,
                          dest=dst)
        if type(m) is Reject:
            return record(type="Reject", bal=m.bal, source=src, dest=dst)
        if type(m) is Accept:
            return record(type="Accept", bal=m.bal, slot=m.slot, val=self.cmd(m.cmd),
                          source=src, dest=dst)
        if type(m) is Accepted:
            return record(type="Accepted", bal=m.bal, slot=m.slot, source=src, dest=dst)
        if type(m) is Decide:
            return record(type="Decide", slot=m.slot, val=self.cmd(m.cmd), source=src,
                          dest=dst)
        if type(m) is Heartbeat:
            return record(type="Heartbeat", bal=m.bal, source=src, dest=dst)
        if type(m) is HeartbeatReply:
            return record(type="HeartbeatReply", bal=m.bal, decided=m.decided, source=src,
                          dest=dst)
        raise TypeError(f"not a Multi-Paxos message: {m!r}")

    def bag(self, messages: Iterable[Message]) -> Fn | Tup:
        counts = Counter(self.message(m) for m in messages)
        return Fn(dict(counts)) if counts else Tup()

    def local(self, n: Node) -> dict[str, Any]:
        """One server's own part of the spec state, keyed by variable."""
        return {
            "promised": n.promised,
            "accepted": self.proposals(n.accepted),
            "ballot": n.ballot,
            "role": n.role.value,
            "firstSlot": n.first_slot,
            "promises": make_fn({node(a): self.proposals(rep) for a, rep in n.promises.items()}),
            "proposals": make_fn({k: record(val=self.cmd(p.cmd),
                                            acks=FSet(node(s) for s in p.acks))
                                  for k, p in n.proposals.items()}),
            "decided": make_fn({k: self.cmd(c) for k, c in n.decided.items()}),
            "executed": Tup(self.cmd(c) for c in n.executed),
        }

    def cluster(self, nodes: Mapping[str, Node], in_flight: Iterable[Message]) -> dict[str, Any]:
        views = {s: self.local(nodes[s]) for s in self.servers}
        out: dict[str, Any] = {v: Fn({node(s): views[s][v] for s in self.servers})
                               for v in VARIABLES if v != "msgs"}
        out["msgs"] = self.bag(in_flight)
        return out

    def params(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """An event's parameters as TLA+ values."""
        out: dict[str, Any] = {}
        for k, v in raw.items():
            if k in ("i", "j"):
                out[k] = node(v)
            elif k == "m":
                out[k] = self.message(v)
            elif k == "v":
                out[k] = self.cmd(v)
            else:
                out[k] = v
        return out
