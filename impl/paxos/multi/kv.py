"""The key-value state machine on the Multi-Paxos log: Raft's, plus reads through the log.

Writes are :class:`impl.raft.kv.Command` s with client sessions, so a retried write is
applied once. A Multi-Paxos leader has no ReadIndex round, so a read is a command too: it
takes a slot, and it returns the value as of that slot, which makes it linearizable. A read
carries a nonce (no session: reading twice is harmless) so that two reads of one key are
different commands and each waiting client recognises its own slot.
"""

from __future__ import annotations

import json
from typing import Any

from impl.raft.kv import KV as SessionKV
from impl.raft.kv import Command


def read_command(key: str, nonce: str) -> bytes:
    return json.dumps({"o": "get", "k": key, "n": nonce}, separators=(",", ":"),
                      sort_keys=True).encode()


class KV(SessionKV):
    def apply(self, index: int, raw: bytes) -> tuple[Command | None, Any]:
        """Apply the command executed at slot ``index``; return it and its result."""
        try:
            d = json.loads(raw)
        except ValueError:
            d = None
        if isinstance(d, dict) and d.get("o") == "get" and isinstance(d.get("k"), str):
            self.applied_index = index
            return None, {"ok": True, "value": self.data.get(d["k"])}
        return self.apply_body(index, d)

    def skip(self, index: int) -> None:
        """A no-op was executed at ``index``."""
        self.applied_index = index
