"""The key-value state machine: a retried command applies once; sessions expire alike."""

from __future__ import annotations

from impl.raft.kv import KV, Command


def put(kv: KV, index: int, client: str, seq: int, key: str, value: str):
    return kv.apply(index, Command(client, seq, "put", key, value).encode())[1]


def test_put_get_delete():
    kv = KV()
    assert put(kv, 1, "c", 1, "k", "v") == {"ok": True, "old": None}
    assert kv.get("k") == "v"
    assert kv.apply(2, Command("c", 2, "delete", "k").encode())[1] == {"ok": True, "old": "v"}
    assert kv.get("k") is None


def test_a_retried_command_is_applied_once_and_answered_the_same():
    kv = KV()
    first = put(kv, 1, "c", 1, "n", "1")
    put(kv, 2, "d", 1, "n", "2")
    again = put(kv, 3, "c", 1, "n", "1")  # the client's retry, committed again
    assert again == first and kv.get("n") == "2"


def test_an_older_sequence_number_is_refused():
    kv = KV()
    put(kv, 1, "c", 5, "k", "a")
    assert "error" in put(kv, 2, "c", 4, "k", "b")
    assert kv.get("k") == "a"


def test_sessions_expire_deterministically_least_recently_used():
    a, b = KV(max_sessions=2), KV(max_sessions=2)
    for kv in (a, b):
        put(kv, 1, "x", 1, "k", "1")
        put(kv, 2, "y", 1, "k", "2")
        put(kv, 3, "x", 2, "k", "3")
        put(kv, 4, "z", 1, "k", "4")  # evicts y, the least recently used
    assert set(a.sessions) == set(b.sessions) == {"x", "z"}


def test_malformed_commands_are_skipped_alike_everywhere():
    kv = KV()
    assert kv.apply(1, b"\xff not json")[1] == {"error": "malformed command"}
    assert kv.data == {} and kv.applied_index == 1
