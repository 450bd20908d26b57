"""The Multi-Paxos abstraction's JSON side (what a server's trace writes) against its TLA+
side (what the simulator validates): the same value, field for field, on every kind."""

from __future__ import annotations

from types import SimpleNamespace

import orjson
import pytest

from conformance.record import Encoded
from conformance.record.pattern import encode_value, json_default
from conformance.record.pattern import model_value_json as node_json
from conformance.values import FSet, record
from impl.paxos.multi.abstraction import Abstraction
from impl.paxos.multi.core import Proposal
from impl.paxos.multi.messages import (
    Accept,
    Accepted,
    Decide,
    Heartbeat,
    HeartbeatReply,
    Prepare,
    Promise,
    Reject,
)
from impl.paxos.values import node, sim_value, text_value

MESSAGES = [
    Prepare(3, 7, "s1", "s2"),
    Promise(3, ((7, 2, b"put a 1"), (9, 1, None)), "s2", "s1"),
    Promise(3, (), "s2", "s1"),
    Reject(4, "s3", "s1"),
    Accept(3, 8, b"put x y", "s1", "s3"),
    Accept(3, 9, None, "s1", "s2"),
    Accepted(3, 8, "s3", "s1"),
    Decide(8, b"put x y", "s1", "s2"),
    Decide(10, None, "s1", "s3"),
    Heartbeat(5, "s1", "s2"),
    HeartbeatReply(5, 12, "s2", "s1"),
]


def _bytes(v: object) -> bytes:
    return orjson.dumps(v, default=json_default)


@pytest.mark.parametrize("value_of", [text_value, sim_value])
@pytest.mark.parametrize("m", MESSAGES, ids=lambda m: type(m).__name__)
def test_a_message_json_is_its_record_encoded(m, value_of) -> None:
    a = Abstraction(["s1", "s2", "s3"], value_of)
    j = a.message_json(m)
    assert type(j) is Encoded
    assert _bytes(j) == _bytes(encode_value(a.message(m)))  # same fields, same order


@pytest.mark.parametrize("value_of", [text_value, sim_value])
def test_parameters_commands_proposals_and_acks_json(value_of) -> None:
    a = Abstraction(["s1", "s2", "s3"], value_of)
    m = Accepted(3, 8, "s3", "s1")
    raw = {"i": "s1", "j": "s2", "m": m, "v": b"put k v", "k": 8, "b": 3}
    assert _bytes(a.params_json(raw)) == _bytes({k: encode_value(v)
                                                   for k, v in a.params(raw).items()})
    for c in (b"put k v", None):
        assert _bytes(a.cmd_json(c)) == _bytes(encode_value(a.cmd(c)))
        assert _bytes(a.proposal_json(4, c)) == _bytes(encode_value(a.proposal(4, c)))
    for acks in ({"s2"}, {"s3", "s1"}, {"s1", "s2", "s3"}):
        leader = SimpleNamespace(proposals={5: Proposal(b"put k v", set(acks))})
        want = record(val=a.cmd(b"put k v"), acks=FSet(node(s) for s in acks))
        assert _bytes(a._proposal_value(leader)(5)) == _bytes(encode_value(want))
    assert node_json("s2") == {"#mv": "s2"} and node_json("s2") is node_json("s2")
