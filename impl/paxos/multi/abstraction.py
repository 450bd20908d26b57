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
from typing import Any

from conformance.record import Encoded
from conformance.record.delta import Delta
from conformance.record.pattern import encode_value
from conformance.record.pattern import model_value_json as node_json
from conformance.values import Fn, FSet, Tup, make_fn, record
from impl.params import mapped
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
        self._cmds_json: dict[Command, Any] = {}
        self._proposals_json: dict[tuple[int, Command], Encoded] = {}
        self._acks_json: dict[frozenset, Encoded] = {}

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
            if len(self._proposals) > 512:  # the recent ones (a trace meets each a few
                # times, close together): objects kept long are walked by every full
                # collection of Python's collector
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

    # ------------------------------------------------------------------ to JSON
    # A server's trace maps each step's messages, parameters and slot changes straight to
    # the trace's JSON (conformance.record.Encoded), field for field what the TLA+ values
    # above encode to (tests/paxos/test_multi_tracing.py compares the two on every kind):
    # the recorder then neither builds those values nor walks them to encode them.

    def cmd_json(self, c: Command) -> Any:
        v = self._cmds_json.get(c)
        if v is None:
            if len(self._cmds_json) > 100_000:
                self._cmds_json.clear()
            v = self._cmds_json[c] = encode_value(self.cmd(c))
        return v

    def proposal_json(self, b: int, c: Command) -> Encoded:
        p = self._proposals_json.get((b, c))
        if p is None:
            if len(self._proposals_json) > 512:  # see proposal
                self._proposals_json.clear()
            p = self._proposals_json[(b, c)] = Encoded(bal=b, val=self.cmd_json(c))
        return p

    def acks_json(self, acks: Iterable[str]) -> Encoded:
        key = frozenset(acks)
        out = self._acks_json.get(key)
        if out is None:
            out = self._acks_json[key] = Encoded(encode_value(FSet(node(s) for s in key)))
        return out

    def message_json(self, m: Message) -> Encoded:
        """The message's record as the trace's JSON (fields in the encoding's order)."""
        src, dst = node_json(m.src), node_json(m.dst)
        if type(m) is Accept:
            return Encoded(bal=m.bal, dest=dst, slot=m.slot, source=src, type="Accept",
                           val=self.cmd_json(m.cmd))
        if type(m) is Accepted:
            return Encoded(bal=m.bal, dest=dst, slot=m.slot, source=src, type="Accepted")
        if type(m) is Decide:
            return Encoded(dest=dst, slot=m.slot, source=src, type="Decide",
                           val=self.cmd_json(m.cmd))
        if type(m) is Heartbeat:
            return Encoded(bal=m.bal, dest=dst, source=src, type="Heartbeat")
        if type(m) is HeartbeatReply:
            return Encoded(bal=m.bal, decided=m.decided, dest=dst, source=src,
                           type="HeartbeatReply")
        return Encoded(encode_value(self.message(m)))  # phase 1: rare

    def params_json(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """An event's parameters as the trace's JSON."""
        return mapped(raw, node_json, self.message_json, self.cmd_json)

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

    def local_changes(self, n: Node, last: dict[str, Any],
                      params: Mapping[str, Any] | None = None
                      ) -> tuple[dict[str, Any], Delta | None]:
        """What changed in the server's own variables since ``last`` (a dict this method
        keeps; empty: everything), in a step with raw ``params``: the small variables
        whole, when their cheap key moved, and the slot maps as the slots that changed
        (their values as the trace's JSON), found from what the step itself says it did
        (the accepts and decisions it hands its storage, the slot of the acceptance it
        counted) and checked against copies kept up to date slot by slot. Tracing a step
        costs what it changed, not the thousands of slots a server holds."""
        out = {}
        small = (n.promised, n.ballot, n.role, n.first_slot, *n.promises.values())
        was = last.get("small")
        if was != small:  # by identity, then (a promise replaced) by content
            for x, var in enumerate(SMALL):
                if was is None or was[x] != small[x]:
                    out[var] = self._value(var, n)
            if was is None or was[4:] != small[4:]:
                out["promises"] = self._value("promises", n)
            last["small"] = small
        if "accepted" not in last:
            last["accepted"] = dict(n.accepted)
            last["decided"] = dict(n.decided)
            last["proposals"] = (n.proposals, _acks(n.proposals))
            last["executed"] = len(n.executed)
            for var in ("accepted", "decided", "proposals", "executed"):
                out[var] = self._value(var, n)
            return out, None
        d = Delta()
        writes = n._ready.writes
        accepts = writes.accepts
        copy = last["accepted"]
        if accepts or len(copy) != len(n.accepted):
            self._slots(d, "accepted", n.accepted, copy, accepts, self._accepted_value)
        copy = last["decided"]
        if writes.decides or len(copy) != len(n.decided):
            self._slots(d, "decided", n.decided, copy, writes.decides, self.cmd_json)
        seen, acks = last["proposals"]
        if seen is not n.proposals:  # a new term of office
            last["proposals"] = (n.proposals, _acks(n.proposals))
            out["proposals"] = self._value("proposals", n)
        elif n.proposals:  # leading (its dict only grows while it leads)
            m = params.get("m") if params else None
            counted = type(m) is Accepted
            if accepts or counted or len(acks) != len(n.proposals):
                hint = [*accepts, m.slot] if counted else accepts  # type: ignore[union-attr]
                now = {k: len(n.proposals[k].acks) for k in hint if k in n.proposals}
                self._slots(d, "proposals", now, acks, now, self._proposal_value(n),
                            full=n.proposals)
        done = last["executed"]
        if len(n.executed) != done:
            if len(n.executed) > done:
                d.append.append((("executed",),
                                 tuple(map(self.cmd_json, n.executed[done:]))))
            else:
                out["executed"] = self._value("executed", n)
            last["executed"] = len(n.executed)
        return out, d if d else None

    def _accepted_value(self, bv: tuple[int, Command]) -> Encoded:
        return self.proposal_json(*bv)

    def _proposal_value(self, n: Node) -> Callable[[Any], Any]:
        def one(k: int) -> Encoded:
            p = n.proposals[k]
            return Encoded(acks=self.acks_json(p.acks), val=self.cmd_json(p.cmd))
        return one

    @staticmethod
    def _slots(d: Delta, var: str, now: Mapping[int, Any], copy: dict[int, Any],
               hint: Iterable[int], value: Callable[[Any], Any],
               full: Mapping[int, Any] | None = None) -> None:
        """Record in ``d`` the slots of ``var`` whose raw value in ``now`` differs from
        ``copy`` (the raw values last recorded, brought up to date here): the ``hint`` ed
        slots, and all of them if the hint does not account for every new slot (a
        server's map never loses a slot). ``value`` maps a slot's raw value, or, with
        ``full`` (the node's map itself, keyed like ``copy``), the slot."""
        changed = []
        for k in hint:
            x = now.get(k, _GONE)
            if x is not _GONE and copy.get(k, _GONE) != x:
                copy[k] = x
                changed.append(k)
        whole = full if full is not None else now
        if len(copy) != len(whole):  # not hinted: look
            raw = _acks(full) if full is not None else now
            for k, x in raw.items():
                if copy.get(k, _GONE) != x:
                    copy[k] = x
                    changed.append(k)
        if len(changed) > 1:
            changed = sorted(set(changed))
        put = d.put.append
        for k in changed:
            put(((var, k), value(k if full is not None else now[k])))

    def cluster(self, nodes: Mapping[str, Node], in_flight: Iterable[Message]) -> dict[str, Any]:
        views = {s: self.local(nodes[s]) for s in self.servers}
        out: dict[str, Any] = {v: Fn({node(s): views[s][v] for s in self.servers})
                               for v in VARIABLES if v != "msgs"}
        out["msgs"] = self.bag(in_flight)
        return out

    def params(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """An event's parameters as TLA+ values."""
        return mapped(raw, node, self.message, self.cmd)


_GONE = object()


def _acks(proposals: Mapping[int, Any]) -> dict[int, int]:
    """How many acceptances each proposal has (they only grow)."""
    return {k: len(p.acks) for k, p in proposals.items()}


# A server's small variables (the promises come after them in the key local_changes keeps:
# they are replaced, never changed in place, so the key holds the objects themselves). The
# slot maps (accepted, decided, proposals, executed) are followed slot by slot.
SMALL = ("promised", "ballot", "role", "firstSlot")
OWN = ("promised", "accepted", "ballot", "role", "firstSlot", "promises", "proposals",
       "decided", "executed")
