"""Tracing PySyncObj from the outside: its handlers wrapped, each Raft step recorded.

:func:`install` wraps methods of PySyncObj's classes (its files are not touched) before a
node is made; the node then records every spec action it takes through
:class:`conformance.record.Recorder`, its state and messages mapped by :mod:`mapping`:

* a message handler is one action (``HandleRequestVoteRequest``, ...); every
  ``append_entries`` sent is an ``AppendEntries(i, j)`` of its own, so a winning vote that
  then sends AppendEntries is recorded as the vote's step and one step per request;
* in the timer tick: an election (``Timeout``), the leader's commit (``AdvanceCommitIndex``),
  its step-down without a quorum (``CheckQuorumTick``), each client command appended
  (``ClientRequest``, as the journal takes it); and, at most once a second, a leader's
  check-quorum that passed;
* ``os.fsync``, ``os.fdatasync`` and the journal's ``flush`` mark what is on stable storage.

A step's messages leave the process only once the step is recorded: PySyncObj sends inside
its handlers, and a ``kill -9`` between a send and its record would leave the peer with a
message no recorded step sent.
"""

from __future__ import annotations

import os
import time
from typing import Any

import pysyncobj.journal as journal
from mapping import View, constants, value
from pysyncobj import SyncObj
from pysyncobj.transport import TCPTransport

from conformance.record import Recorder
from conformance.values import ModelValue

HANDLERS = {"request_vote": "HandleRequestVoteRequest", "response_vote":
            "HandleRequestVoteResponse", "append_entries": "HandleAppendEntriesRequest",
            "next_node_idx": "HandleAppendEntriesResponse"}
FOLLOWER, CANDIDATE, LEADER = 0, 1, 2
TRACE: Trace | None = None


class Trace:
    """One node's recorder, and the step it is in the middle of."""

    def __init__(self, path: str, view: View, durable_commit: bool, obj: SyncObj) -> None:
        self.view, self.obj, self.me = view, obj, ModelValue(view.me)
        self.rec = Recorder(path, node=view.me, spec="Raft", protocol="raft",
                            constants=constants(view.servers, durable_commit),
                            state=view.own(obj), collect={"Value": "v"}, durability=True)
        self.pending: tuple | None = None  # (action, params, sent, received)
        self.held: list[Any] = []  # its messages, which leave once it is recorded
        self.handling = False
        self.commands = False  # in the tick's handling of client commands
        self.active: set[str] = set()  # peers heard from since the last check-quorum
        self.checked = time.monotonic()

    def role(self) -> int:
        return self.obj._SyncObj__raftState

    def begin(self, action: str, received: tuple | None = None, **params: Any) -> None:
        self.flush()
        self.pending = (action, {"i": self.me, **params}, [], received)

    def flush(self, fix: Any = None) -> None:
        if self.pending is not None:
            action, params, sent, received = self.pending
            self.pending, state = None, self.view.own(self.obj)
            if fix is not None:
                fix(state)
            self.rec.step(action, params, state=state, sent=sent, received=received)
        held, self.held = self.held, []
        for send in held:  # a crash before the record would leave receives unexplained
            send()

    def step(self, action: str, **params: Any) -> None:
        self.flush()
        self.rec.step(action, {"i": self.me, **params}, state=self.view.own(self.obj))

    def replied(self, index: int) -> None:
        """A client was told its write, the entry at spec index ``index``, is done."""
        self.flush()
        self.rec.step("ClientReply", {"i": self.me, "k": index}, external=True)

    def send(self, node: Any, message: dict, send: Any) -> None:
        """``send()`` sends the message: once the step that sent it is recorded."""
        to = self.view.name(node)
        m = self.view.message(self.view.me, to, message, self.obj._SyncObj__raftCurrentTerm)
        if m is None:
            return send()
        if m["type"] != "AppendEntriesRequest":
            assert self.pending is not None, f"{message['type']} sent outside a step"
            self.pending[2].append((to, m))
            self.held.append(send)
            return
        j = ModelValue(to)  # the step before ended before this send moved nextIndex[j]
        self.flush(lambda s: s["nextIndex"].__setitem__(j, m["prevLogIndex"] + 1))
        self.rec.step("AppendEntries", {"i": self.me, "j": j},
                      state=self.view.own(self.obj), sent=[(to, m)])
        send()

    def tick(self) -> None:
        """A leader that heard from a quorum since its last check passes one (at most once
        a second; PySyncObj checks every tick whether a quorum answered within
        ``leaderFallbackTimeout``)."""
        quorum = 2 * len((self.active | {self.view.me}) & set(self.view.servers))
        if self.role() == LEADER and quorum > len(self.view.servers) and \
                time.monotonic() - self.checked >= 1:
            self.step("CheckQuorumTick")
            self.active, self.checked = set(), time.monotonic()


def install(path: str, view: View, durable_commit: bool) -> None:
    """Record this process's PySyncObj node to ``path`` (``durable_commit``: it runs with a
    journal file, which keeps its commit index)."""
    def wrap(cls: Any, name: str, around: Any) -> None:
        inner = getattr(cls, name)
        setattr(cls, name, lambda self, *a: around(inner, self, *a))

    def on_tick(inner: Any, obj: SyncObj, *a: Any) -> Any:
        global TRACE
        if TRACE is None:  # the first tick: the node starts from what it recovered
            TRACE = Trace(path, view, durable_commit, obj)
        TRACE.tick()
        inner(obj, *a)
        TRACE.flush()

    def on_message(inner: Any, obj: SyncObj, node: Any, message: Any) -> None:
        action = HANDLERS.get(str(message.get("type"))) if isinstance(message, dict) else None
        t = TRACE
        if t is None or action is None:
            return inner(obj, node, message)
        frm, was = view.name(node), t.role()
        m = view.message(frm, view.me, message)
        t.begin(action, received=(frm, m), m=m)
        t.handling = True
        try:
            inner(obj, node, message)
        finally:
            t.handling = False
        if t.pending is not None and not t.pending[2]:
            reply = view.unsent_reply(obj, frm, message)
            if reply is not None:  # the spec replies where PySyncObj is silent: lost
                t.pending[2].append((frm, reply))
        if action == "HandleAppendEntriesResponse" and was == LEADER:
            t.active.add(frm)
        if t.role() != was:
            t.active = set()
        t.flush()

    def on_state(inner: Any, obj: SyncObj, new: int) -> None:
        t = TRACE
        if t is not None and not t.handling:
            if new == CANDIDATE:
                t.begin("Timeout")
            elif new == FOLLOWER and t.role() == LEADER:
                t.begin("CheckQuorumTick")
        inner(obj, new)

    def on_commands(inner: Any, obj: SyncObj) -> None:
        if TRACE is not None:
            TRACE.commands = True
        try:
            inner(obj)
        finally:
            if TRACE is not None:
                TRACE.commands = False

    def on_append(inner: Any, store: Any, command: bytes, *a: Any) -> None:
        inner(store, command, *a)
        if TRACE is not None and TRACE.commands:  # the leader took a client's command
            TRACE.step("ClientRequest", v=value(command))

    def on_commit(inner: Any, store: Any, index: int) -> None:
        inner(store, index)
        t = TRACE
        if t is not None and not t.handling and t.role() == LEADER:
            t.step("AdvanceCommitIndex")

    def on_send(inner: Any, transport: Any, node: Any, message: Any) -> Any:
        if TRACE is None or not isinstance(message, dict):
            return inner(transport, node, message)
        TRACE.send(node, message, lambda: inner(transport, node, message))
        return True  # (PySyncObj does not look at it)

    def synced(inner: Any, *a: Any) -> Any:
        out = inner(*a)
        if TRACE is not None:
            TRACE.rec.durable()
        return out

    wrap(SyncObj, "_onTick", on_tick)
    wrap(SyncObj, "_SyncObj__onMessageReceived", on_message)
    wrap(SyncObj, "_SyncObj__setState", on_state)
    wrap(SyncObj, "_checkCommandsToApply", on_commands)
    wrap(TCPTransport, "send", on_send)
    for cls in (journal.MemoryJournal, journal.FileJournal):
        wrap(cls, "setRaftCommitIndex", on_commit)
        wrap(cls, "add", on_append)
    wrap(journal.ResizableFile, "flush", synced)
    for name in ("fsync", "fdatasync"):
        inner = getattr(os, name)
        setattr(os, name, lambda *a, inner=inner: synced(inner, *a))
