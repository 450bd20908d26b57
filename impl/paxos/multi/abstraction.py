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
from collections.abc import Callable, Iterable, Mapping
from operator import attrgetter
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
        self._cmds: dict[Command, Any] = {}
        self._proposals: dict[tuple[int, Command], Fn] = {}
        # (node, variable) -> the raw dict last mapped and its mapped values, by key
        self._maps: dict[tuple[str, str], tuple[dict, dict]] = {}
        self._executed: dict[str, tuple[list, Tup]] = {}

    def cmd(self, c: Command) -> Any:
        if c is None:
            return NOOP
        v = self._cmds.get(c)
        if v is None:
            if len(self._cmds) > 100_000:
                self._cmds.clear()
            v = self._cmds[c] = self.value_of(c)
        return v

    def proposal(self, b: int, c: Command) -> Fn:
        """[bal |-> b, val |-> c], one object per proposal (traces meet each many times)."""
        p = self._proposals.get((b, c))
        if p is None:
            if len(self._proposals) > 100_000:
                self._proposals.clear()
            p = self._proposals[(b, c)] = record(bal=b, val=self.cmd(c))
        return p

    def proposals(self, accepted: Mapping[int, tuple[int, Command]]) -> Tup | Fn:
        return make_fn({k: self.proposal(b, c) for k, (b, c) in accepted.items()})

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
        return {var: self._value(var, n) for var in OWN}

    def _value(self, var: str, n: Node) -> Any:
        if var == "promised":
            return n.promised
        if var == "accepted":  # the slots this input accepted are the ones that changed
            return self._by_key(n.id, var, n.accepted, lambda k, bv: self.proposal(*bv),
                                n._ready.writes.accepts)
        if var == "ballot":
            return n.ballot
        if var == "role":
            return n.role.value
        if var == "firstSlot":
            return n.first_slot
        if var == "promises":
            return make_fn({node(a): self.proposals(rep) for a, rep in n.promises.items()})
        if var == "proposals":
            raw = {k: (p.cmd, frozenset(p.acks)) for k, p in n.proposals.items()}
            return self._by_key(n.id, var, raw, lambda k, ca: record(
                val=self.cmd(ca[0]), acks=FSet(node(s) for s in ca[1])))
        if var == "decided":
            return self._by_key(n.id, var, n.decided, lambda k, c: self.cmd(c),
                                self._grown(n.id, var))
        last = self._executed.get(n.id)  # only ever appended to: extended, not rebuilt
        if last is None or last[0] is not n.executed or len(last[1]) > len(n.executed):
            out = Tup(map(self.cmd, n.executed))
        else:
            out = Tup(last[1] + tuple(map(self.cmd, n.executed[len(last[1]):])))
        self._executed[n.id] = (n.executed, out)
        return out

    def _by_key(self, i: str, var: str, raw: dict, one: Callable[[Any, Any], Any],
                hint: Iterable = ()) -> Any:
        """The function ``k -> one(k, raw[k])``, remapping only the keys whose raw value
        changed since the last call for this node's variable: the ``hint`` ed keys, if
        that accounts for the change (checked in C), else those found by comparing the two
        dicts' items. The result is built in C."""
        last_raw, mapped = self._maps.get((i, var), ({}, {}))
        if raw != last_raw:
            new_raw, mapped = dict(last_raw), dict(mapped)
            for k in hint:
                if k in raw:
                    new_raw[k] = raw[k]
                    mapped[k] = one(k, raw[k])
            if new_raw != raw:
                for k, _ in raw.items() ^ new_raw.items():
                    if k in raw:
                        mapped[k] = one(k, raw[k])
                    else:
                        mapped.pop(k, None)
            self._maps[(i, var)] = (dict(raw), mapped)
        n = len(mapped)
        if n and min(mapped) == 1 and max(mapped) == n:
            return Tup(map(mapped.__getitem__, range(1, n + 1)))
        return Fn(dict(mapped)) if n else Tup()

    def _grown(self, i: str, var: str) -> range:
        """The keys past the last mapped ones (a hint for variables that only grow)."""
        mapped = self._maps.get((i, var), ({}, {}))[1]
        return range(len(mapped) + 1, len(mapped) + 64)

    def local_changes(self, n: Node, last: dict[str, Any]) -> dict[str, Any]:
        """The server's own variables that changed since ``last`` (a dict this method keeps),
        found by comparing cheap keys (most in C: a copy of a dict compared with the dict),
        so that tracing a step does not cost the whole state (thousands of slots)."""
        out = {}
        for var, key in OWN.items():
            k = key(n)
            if var not in last or last[var] != k:
                last[var] = k
                out[var] = self._value(var, n)
        return out

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


_ACKS = attrgetter("acks")

# Each of a server's own variables and a key that changes whenever it does: the key holds
# copies of the node's containers (compared, then, in C), never the containers themselves.
OWN: dict[str, Callable[[Node], Any]] = {
    "promised": lambda n: n.promised,
    "accepted": lambda n: dict(n.accepted),
    "ballot": lambda n: n.ballot,
    "role": lambda n: n.role,
    "firstSlot": lambda n: n.first_slot,
    "promises": lambda n: {a: dict(rep) for a, rep in n.promises.items()},
    "proposals": lambda n: (len(n.proposals), n.ballot, n.role,
                            sum(map(len, map(_ACKS, n.proposals.values())))),
    "decided": lambda n: (id(n.decided), len(n.decided)),  # slots are decided once
    "executed": lambda n: (id(n.executed), len(n.executed)),  # only ever appended to
}
