"""The abstraction function: single-decree Paxos nodes, seen as the variables of
``specs/Paxos.tla``.

DESIGN rule 4: the only place where the implementation's vocabulary meets the spec's. It maps
each role's state — acceptors' promise and accepted proposal (durable), proposers' ballot
(durable), phase, value and promises, learners' reports and learned value — and the messages
in flight (a bag: a function from message records to their number of copies) to TLA+ values.
The spec's ghost variables (``votes``, ``started``, ``inputs``) are history no node keeps; the
validator computes them. Left out: each proposer's client value kept for retries, the highest
ballot it has seen, its retry timer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from conformance.values import Fn, Tup, make_fn, record
from impl.params import mapped
from impl.paxos.single.core import Node, Roles
from impl.paxos.single.messages import Accept, Accepted, Message, Prepare, Promise, Reject
from impl.paxos.values import NIL, ValueMap, node, sim_value

SPEC = "Paxos"
VARIABLES = ("promised", "accepted", "ballot", "phase", "value", "promises", "heard",
             "learned", "msgs")
INVARIANTS = ("TypeOK", "Agreement", "ChosenWasProposed", "LearnedChosen",
              "AcceptedIsLatestVote", "OneValuePerBallot", "VotesSafe")
PROPERTIES = ("MonotonicPromise", "MonotonicBallot", "ChosenStable")
GHOSTS = ("votes", "started", "inputs")
PARAMS = {  # each action's parameters, in the order of its definition in the spec
    "Prepare": ("p", "b", "v"), "HandlePrepare": ("a", "m"), "HandlePromise": ("p", "m"),
    "HandleReject": ("p", "m"), "HandleAccept": ("a", "m"), "HandleAccepted": ("l", "m"),
    "Restart": ("n",), "DropMessage": ("m",), "DuplicateMessage": ("m",),
}


class Abstraction:
    def __init__(self, roles: Roles, value_of: ValueMap = sim_value) -> None:
        self.roles = roles
        self.value_of = value_of

    def value(self, v: bytes | None) -> Any:
        return NIL if v is None else self.value_of(v)

    def proposal(self, bal: int, v: bytes | None) -> Fn:
        return record(bal=bal, val=self.value(v))

    def message(self, m: Message) -> Fn:
        src, dst = node(m.src), node(m.dst)
        if type(m) is Prepare:
            return record(type="Prepare", bal=m.bal, source=src, dest=dst)
        if type(m) is Promise:
            return record(type="Promise", bal=m.bal, accepted=self.proposal(m.acc_bal, m.acc_val),
                          source=src, dest=dst)
        if type(m) is Reject:
            return record(type="Reject", bal=m.bal, source=src, dest=dst)
        if type(m) is Accept:
            return record(type="Accept", bal=m.bal, val=self.value(m.val), source=src, dest=dst)
        if type(m) is Accepted:
            return record(type="Accepted", bal=m.bal, val=self.value(m.val), source=src,
                          dest=dst)
        raise TypeError(f"not a Paxos message: {m!r}")

    def bag(self, messages: Iterable[Message]) -> Fn | Tup:
        counts = Counter(self.message(m) for m in messages)
        return Fn(dict(counts)) if counts else Tup()

    def cluster(self, nodes: Mapping[str, Node], in_flight: Iterable[Message]) -> dict[str, Any]:
        r = self.roles

        def per(ids: Iterable[str], f) -> Fn | Tup:
            return make_fn({node(n): f(nodes[n]) for n in ids})  # <<>> for no nodes

        return {
            "promised": per(r.acceptors, lambda n: n.promised),
            "accepted": per(r.acceptors, lambda n: self.proposal(n.acc_bal, n.acc_val)),
            "ballot": per(r.proposers, lambda n: n.ballot),
            "phase": per(r.proposers, lambda n: n.phase.value),
            "value": per(r.proposers, lambda n: self.value(n.value)),
            "promises": per(r.proposers, lambda n: make_fn(
                {node(a): self.proposal(b, v) for a, (b, v) in n.promises.items()})),
            "heard": per(r.learners, lambda n: make_fn(
                {node(a): self.proposal(b, v) for a, (b, v) in n.heard.items()})),
            "learned": per(r.learners, lambda n: self.value(n.learned)),
            "msgs": self.bag(in_flight),
        }

    def params(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """An event's parameters as TLA+ values (its servers are p, a, l and n)."""
        return mapped(raw, node, self.message, self.value, ("p", "a", "l", "n"))
