"""The key-value state machine replicated by Raft, with client sessions.

A client that times out cannot tell whether its command was applied, so it retries with the
same session id and sequence number; the state machine remembers, per session, the last
sequence number applied and its result, and answers a retry from there instead of applying
the command twice (Raft dissertation, section 6.3). A client has at most one command
outstanding, so one remembered result per session is enough. Sessions are expired
deterministically — the least recently used, measured in log indices, once there are more
than ``max_sessions`` — so every replica expires the same ones at the same point.

Commands are compact JSON: they are small, and a person can read them in a WAL dump.
Reads do not go through the log: they are served after a ReadIndex confirmation
(:class:`impl.raft.core.Read`), from :meth:`KV.get`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Command:
    client: str
    seq: int
    op: str  # "put" | "delete"
    key: str
    value: str | None = None

    def encode(self) -> bytes:
        body: dict[str, Any] = {"c": self.client, "s": self.seq, "o": self.op, "k": self.key}
        if self.value is not None:
            body["v"] = self.value
        return json.dumps(body, separators=(",", ":"), sort_keys=True).encode()

    @staticmethod
    def decode(data: bytes) -> Command:
        return Command.of(json.loads(data))

    @staticmethod
    def of(d: Any) -> Command:
        """The command a decoded JSON body spells (KeyError, TypeError: it spells none)."""
        return Command(d["c"], d["s"], d["o"], d["k"], d.get("v"))


@dataclass
class _Session:
    last_seq: int
    result: Any
    used_at: int


class SessionExpired(Exception):
    pass


class KV:
    def __init__(self, max_sessions: int = 10_000) -> None:
        self.data: dict[str, str] = {}
        self.sessions: dict[str, _Session] = {}
        self.max_sessions = max_sessions
        self.applied_index = 0

    def apply(self, index: int, raw: bytes) -> tuple[Command | None, Any]:
        """Apply the command committed at ``index``; return it and its result.

        A command that does not decode is skipped (the same on every replica) and
        yields ``(None, error)``.
        """
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        return self.apply_body(index, body)

    def apply_body(self, index: int, body: Any) -> tuple[Command | None, Any]:
        """:meth:`apply` for a command already decoded from JSON (a restarting replica
        decodes each of thousands once, not twice)."""
        self.applied_index = index
        try:
            cmd = Command.of(body)
        except (KeyError, TypeError, AttributeError):
            return None, {"error": "malformed command"}
        s = self.sessions.get(cmd.client)
        if s is not None and cmd.seq <= s.last_seq:
            s.used_at = index
            if cmd.seq == s.last_seq:
                return cmd, s.result  # a retry: the result of the first time
            return cmd, {"error": "stale sequence number"}
        result = self._execute(cmd)
        if s is None:
            s = self.sessions[cmd.client] = _Session(cmd.seq, result, index)
            self._expire()
        else:
            s.last_seq, s.result, s.used_at = cmd.seq, result, index
        return cmd, result

    def _execute(self, cmd: Command) -> Any:
        if cmd.op == "put":
            old = self.data.get(cmd.key)
            self.data[cmd.key] = cmd.value if cmd.value is not None else ""
            return {"ok": True, "old": old}
        if cmd.op == "delete":
            return {"ok": True, "old": self.data.pop(cmd.key, None)}
        return {"error": f"unknown operation {cmd.op!r}"}

    def _expire(self) -> None:
        while len(self.sessions) > self.max_sessions:
            oldest = min(self.sessions, key=lambda c: (self.sessions[c].used_at, c))
            del self.sessions[oldest]

    def get(self, key: str) -> str | None:
        return self.data.get(key)
