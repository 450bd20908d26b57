"""PySyncObj 0.3.17, seen as the variables and messages of ``specs/Raft.tla``.

The one module where PySyncObj's vocabulary meets the spec's (DESIGN rule 4). It reads a
node's state from PySyncObj's own attributes (name-mangled ``_SyncObj__...``: nothing of
PySyncObj is changed) and maps its messages, both ways, to the spec's records.

What it maps, and how:

* **Indexes.** PySyncObj's log starts with an entry of its own (a no-op at index 1, term 0)
  that every node has; the spec's log starts empty. Every index is one less in the spec:
  log entries, ``commitIndex``, ``nextIndex``, ``matchIndex`` (PySyncObj's 0 and 1 both mean
  "nothing"), ``prevLogIndex``, ``lastLogIndex``.
* **Entries.** A leader's no-op is ``[term, "NoOp", Nil]``; a client's command (a call of a
  ``@replicated`` method, pickled by PySyncObj) is ``[term, "Value", v]`` with ``v`` the
  call as a string (``"put(k1, v3)"``); membership and version entries are not used here.
* **Messages.** ``request_vote`` is a ``RequestVoteRequest``; ``response_vote`` (PySyncObj
  sends only grants) a granted ``RequestVoteResponse``; ``append_entries`` an
  ``AppendEntriesRequest`` (``ctx`` 0: no reads); ``next_node_idx`` an
  ``AppendEntriesResponse`` whose ``matchIndex`` is ``next_node_idx - 1`` (in the spec's
  numbering: the last index matched on success, the hint on a rejection). PySyncObj's
  responses carry no term: the sender knows its own, the receiver does not (``UNKNOWN``,
  which the validator fills in from the send). Client forwarding (``apply_command``) is not
  Raft and not mapped.
* **Silence.** Where the spec's handler replies and PySyncObj says nothing (a refused vote,
  an AppendEntries of a stale term), the reply is recorded as sent and never received: for
  the spec, a reply the network lost (:func:`unsent_reply`).
* **Choices** (specs/README.md, "Implementation choices"): a rejection steps back one entry
  (``next_node_idx = prevLogIdx``); sending advances ``nextIndex``, and a success that raises
  ``matchIndex`` sets it just after the match (what is in flight goes again); the leader
  commits on its tick; check-quorum (``leaderFallbackTimeout``) without stickiness; and the
  journal's meta file keeps a commit index across restarts (written lazily, once a second).
  Without a journal file nothing survives a restart, and ``DurableCommitIndex`` is ``FALSE``.
"""

from __future__ import annotations

from typing import Any

from conformance.record import UNKNOWN
from conformance.values import FSet, ModelValue

NIL = ModelValue("Nil")
ROLE = {0: "Follower", 1: "Candidate", 2: "Leader"}
NO_OP, REGULAR = 1, 0  # PySyncObj's _COMMAND_TYPE
BATCH = 1 << 20  # PySyncObj batches by bytes (64 KiB); the runs here never fill a batch


def constants(names: list[str], journal: bool) -> dict[str, Any]:
    """The spec's constants for a PySyncObj cluster of these nodes (``journal``: it runs
    with a journal file). ``Value`` is collected from the traces."""
    servers = FSet(ModelValue(n) for n in names)
    return {"Server": servers, "InitialConfig": servers, "Value": FSet(), "Nil": NIL,
            "PreVote": False, "CheckQuorum": True, "BatchSize": BATCH, "Bug": "None",
            "RejectHint": "Entry", "Pipeline": True, "RewindOnSuccess": True,
            "DurableCommitIndex": journal,
            "Stickiness": False, "CommitOnTick": True,
            "MaxTerm": 0, "MaxLogLen": 0, "MaxInFlight": 0, "MaxCopies": 0, "MaxReads": 0,
            "Faults": FSet()}


def _attr(obj: Any, name: str) -> Any:
    return getattr(obj, "_SyncObj__" + name)


class View:
    """One node's view: its own name and the names of its peers' addresses."""

    def __init__(self, me: str, names: dict[str, str]) -> None:
        self.me = me
        self.names = names  # "host:port" -> "s1"
        self.servers = sorted(names.values())
        self._entries: dict[tuple, dict] = {}  # PySyncObj entry -> spec entry

    def name(self, node: Any) -> str:
        return self.names[node.id if hasattr(node, "id") else node]

    # ------------------------------------------------------------------ state

    def entry(self, e: tuple) -> dict:
        """A PySyncObj log entry ``(command, index, term)`` as a spec entry."""
        hit = self._entries.get(e)
        if hit is not None:
            return hit
        command, _, term = e
        kind = command[0]
        if kind == NO_OP:
            out = {"term": term, "kind": "NoOp", "value": NIL}
        elif kind == REGULAR:
            out = {"term": term, "kind": "Value", "value": value(command)}
        else:
            raise ValueError(f"PySyncObj entry of type {kind}: membership and version "
                             "changes are not mapped (dynamicMembershipChange is off)")
        self._entries[e] = out
        return out

    def log(self, obj: Any) -> list[dict]:
        log = _attr(obj, "raftLog")
        if log[0][1] != 1:
            raise ValueError("PySyncObj compacted its log: snapshots are not mapped")
        return [self.entry(log[k]) for k in range(1, len(log))]

    def own(self, obj: Any) -> dict[str, Any]:
        """The node's own variables (its entry of each per-server function of the spec)."""
        role = ROLE[_attr(obj, "raftState")]
        voted = _attr(obj, "votedForNodeId")
        nxt = {ModelValue(s): 1 for s in self.servers}
        match = {ModelValue(s): 0 for s in self.servers}
        if role == "Leader":
            for node, n in _attr(obj, "raftNextIndex").items():
                nxt[ModelValue(self.name(node))] = n - 1
            for node, n in _attr(obj, "raftMatchIndex").items():
                match[ModelValue(self.name(node))] = max(0, n - 1)
        return {"currentTerm": _attr(obj, "raftCurrentTerm"),
                "votedFor": NIL if voted is None else ModelValue(self.name(voted)),
                "log": self.log(obj), "state": role,
                "commitIndex": max(0, _attr(obj, "raftCommitIndex") - 1),
                "nextIndex": nxt, "matchIndex": match}

    # ------------------------------------------------------------------ messages

    def message(self, source: str, dest: str, m: dict, term: Any = UNKNOWN) -> dict | None:
        """A PySyncObj message from ``source`` to ``dest`` as the spec's (``term``: the
        sender's term, for a response, which carries none); None if it is not Raft."""
        t = m.get("type")
        head = {"source": ModelValue(source), "dest": ModelValue(dest)}
        if t == "request_vote":
            return {"type": "RequestVoteRequest", "term": m["term"], **head,
                    "lastLogTerm": m["last_log_term"], "lastLogIndex": m["last_log_index"] - 1}
        if t == "response_vote":
            return {"type": "RequestVoteResponse", "term": m["term"], **head, "granted": True}
        if t == "append_entries":
            if "prevLogIdx" not in m or "transmission" in m:
                raise ValueError("PySyncObj sent a snapshot or a split entry: not mapped")
            return {"type": "AppendEntriesRequest", "term": m["term"], **head,
                    "prevLogIndex": m["prevLogIdx"] - 1, "prevLogTerm": m["prevLogTerm"],
                    "entries": [self.entry(tuple(e)) for e in m.get("entries", [])],
                    "commitIndex": max(0, m["commit_index"] - 1), "ctx": 0}
        if t == "next_node_idx":
            return {"type": "AppendEntriesResponse", "term": term, **head,
                    "success": m["success"], "matchIndex": m["next_node_idx"] - 2, "ctx": 0}
        return None

    def unsent_reply(self, obj: Any, source: str, m: dict) -> dict | None:
        """The spec's reply to ``m`` (from ``source``) where PySyncObj sent none."""
        term = _attr(obj, "raftCurrentTerm")
        head = {"term": term, "source": ModelValue(self.me), "dest": ModelValue(source)}
        if m["type"] == "request_vote":
            return {"type": "RequestVoteResponse", **head, "granted": False}
        if m["type"] == "append_entries" and m["term"] < term:
            return {"type": "AppendEntriesResponse", **head, "success": False,
                    "matchIndex": 0, "ctx": 0}
        return None


def value(command: bytes) -> str:
    """A client's command as the spec's value: the replicated call, as text."""
    from pysyncobj import pickle

    call = pickle.loads(command[1:])
    args = call[1] if isinstance(call, tuple) and len(call) > 1 else ()
    return "put(" + ", ".join(str(a) for a in args) + ")"
