"""The Raft abstraction's JSON side (what a node's trace writes) against its TLA+ side
(what the simulator validates): the same value, field for field, on every kind."""

from __future__ import annotations

import orjson
import pytest

from conformance.record import Encoded
from conformance.record.pattern import encode_value, json_default
from impl.raft.abstraction import Abstraction, sim_value, text_value
from impl.raft.messages import (
    AppendRequest,
    AppendResponse,
    Entry,
    EntryKind,
    VoteRequest,
    VoteResponse,
)

ENTRIES = (Entry(1, EntryKind.NOOP, b""), Entry(2, EntryKind.NORMAL, b"v1"))
MESSAGES = [
    VoteRequest(3, "s1", "s2", 2, 7),
    VoteRequest(3, "s1", "s3", 2, 7, prevote=True),
    VoteResponse(3, "s2", "s1", True),
    VoteResponse(3, "s3", "s1", False, prevote=True),
    AppendRequest(2, "s1", "s2", 4, 1, ENTRIES, 3, read_round=5),
    AppendRequest(2, "s1", "s3", 6, 2, (), 6),
    AppendResponse(2, "s2", "s1", True, 6, read_round=5),
    AppendResponse(2, "s3", "s1", False, 0),
]


def _bytes(v: object) -> bytes:
    return orjson.dumps(v, default=json_default)


@pytest.mark.parametrize("value_of", [text_value, sim_value])
@pytest.mark.parametrize("m", MESSAGES, ids=lambda m: type(m).__name__)
def test_a_message_json_is_its_record_encoded(m, value_of) -> None:
    a = Abstraction(["s1", "s2", "s3"], value_of)
    for entries in (True, False):
        j = a.message_json(m, entries)
        assert type(j) is Encoded
        assert _bytes(j) == _bytes(encode_value(a.message(m, entries)))


@pytest.mark.parametrize("value_of", [text_value, sim_value])
def test_parameters_and_entries_json(value_of) -> None:
    a = Abstraction(["s1", "s2", "s3"], value_of)
    config = Entry(3, EntryKind.CONFIG, b"s1,s2")
    for e in (*ENTRIES, config):
        assert _bytes(a.entry_json(e)) == _bytes(encode_value(a.entry(e)))
    raw = {"i": "s1", "j": "s3", "m": MESSAGES[4], "v": ENTRIES[1], "k": 4}
    assert _bytes(a.params_json(raw)) == _bytes({k: encode_value(v)
                                                   for k, v in a.params(raw).items()})
