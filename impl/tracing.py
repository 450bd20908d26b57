"""A node core's trace, recorded through :class:`conformance.record.Recorder`: the part the
Raft and Multi-Paxos servers share.

A core calls its tracer after every spec action it takes, ``tracer(node, action, params)``,
with the messages the current input produced so far in ``node._ready.messages``, and
:meth:`CoreTrace.input_done` when it has handled the input. :class:`CoreTrace` records each
input as one recorder step (a buffered server's, with the inputs after it in its batch that
receive nothing: see :meth:`CoreTrace.input_done`): its actions and their parameters, the
node's own variables that changed (the small ones whole, the large ones as what the step
did to them: the entries appended, the slots accepted), the messages the input sent, the
message it handled (the first action's parameter ``m``: by its wire id alone when its
sender traced it, see :meth:`CoreTrace._write`). A protocol's subclass names its spec
and maps through its abstraction (:mod:`impl.raft.recording`,
:mod:`impl.paxos.multi.recording`); the server adds when its storage is synced
(:meth:`CoreTrace.durable`), when a client is told its command is done
(:meth:`CoreTrace.replied`), and flushes before a batch's effects leave
(:meth:`CoreTrace.flush`). :func:`crash_now` is the other half of ``--crash-in-bug-window``.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import time
from pathlib import Path
from typing import Any

from conformance.record import RECEIVED, Recorder
from conformance.record.delta import Delta
from conformance.values import ModelValue

# The wire ids this process gives the messages its tracers record as sent: unique per
# sender across restarts too, as each process counts from the microsecond it started (a
# process sends far fewer messages than a microsecond each).
_WIRE_IDS = itertools.count(time.time_ns() // 1000)
_set = object.__setattr__  # the messages are frozen records; the id is not part of them


class CoreTrace:
    spec = ""  # the spec's module
    protocol = ""  # conformance.protocols' name for it

    def __init__(self, path: str | Path, node_id: str, absn: Any, constants: dict[str, Any],
                 origin: dict | None = None, buffered: bool = False) -> None:
        self.path = Path(path)
        self.id = node_id
        self.absn = absn
        self.constants = constants
        self.origin = origin or {}
        self.buffered = buffered  # the server flushes before a batch's effects leave
        self.rec: Recorder | None = None
        self._ready: Any = None  # the Ready of the input whose actions are kept
        self._node: Any = None
        self._actions: list[tuple[str, dict]] = []  # its actions so far, raw parameters
        self._sent = 0  # its messages sent up to its last action
        # a buffered server's ended inputs not yet written, as one step: [actions,
        # messages, state, changes] (see input_done); a message is kept as (message,
        # record, slices), its slices taken when the input ended
        self._kept: list | None = None
        self._replies: list[int] = []  # answers given since the last step recorded
        self._keys: dict[str, Any] = {}  # the change keys of the state last recorded

    def own(self, node: Any, params: dict) -> tuple[dict[str, Any], Delta | None]:
        """What changed in the node's own variables since the last call (all of them
        whole, after a :meth:`start`), in the step whose raw parameters are ``params``: the
        variables given whole, and the changes to the others. The protocol's abstraction
        keeps what it needs to tell in ``self._keys``."""
        raise NotImplementedError

    def sent_record(self, node: Any, x: Any) -> tuple[Any, dict | None]:
        """The message ``x`` that the node has just sent, as the spec's record, and the
        fields of it that are slices of the node's own sequences as they are now
        (``{field: (variable, first, last)}``, the record lacking those fields: see
        :meth:`Recorder.step`), or None. By default the whole record."""
        return self.absn.message(x), None

    def params(self, raw: dict) -> dict:
        """An action's raw parameters as the spec's (by default the abstraction's)."""
        return self.absn.params(raw)

    def start(self, node: Any) -> None:
        """Begin a segment with the state the node starts from (what it recovered)."""
        self._keys = {}
        self.rec = Recorder(self.path, node=self.id, spec=self.spec, protocol=self.protocol,
                            constants=self.constants, state=self.own(node, {})[0],
                            collect={"Value": "v"}, durability=True, origin=self.origin,
                            buffered=self.buffered)

    def __call__(self, node: Any, action: str, params: dict) -> None:
        if self.rec is None:  # the core steps before the server starts the trace: no action
            return
        if action == "DropMessage":  # a message the core ignored: never received, which
            return  # the merger turns into the network's loss of it, right after its send
        ready = node._ready
        if ready is not self._ready:  # a new input (its first action)
            if self._actions:  # the last input's, if nothing said that input ended
                self._record()
            self._ready, self._node = ready, node
        self._actions.append((action, params))
        self._sent = len(ready.messages)

    def input_done(self, node: Any) -> None:
        """The core handled an input (its ``Ready`` not yet handed over): the spec actions
        it took are recorded now, as one step (:meth:`Recorder.steps`): one atomic step of
        the node, whose intermediate states nobody could see. The node's own variables are
        mapped once, after the last action, and one line is written for the input: a
        leader's client request and the Accepts (or AppendEntries) it sends, a quorum's
        acceptance and the decisions it sends.

        A buffered server's step is kept (its changes taken now), and the inputs after it
        that receive nothing (a client's request, a tick) join it, until the server
        flushes, answers a client, or handles a message: nothing a batch did leaves before
        its flush, so nobody can see the states between them, and one line for a batch's
        requests spares a leader a line per write. A line has one receive, and its changes
        apply kind by kind (:func:`_joinable`)."""
        if self._actions:
            if self.buffered:
                self._keep()
            else:
                self._record()

    def _take(self) -> tuple[list, list, dict, Delta | None]:
        """The input in progress, ended: its actions, its messages (each with its record
        and slices, see :meth:`sent_record`), what it changed."""
        actions, self._actions = self._actions, []
        node, record = self._node, self.sent_record
        new = [(x, *record(node, x)) for x in self._ready.messages[:self._sent]]
        self._ready = None
        state, changes = self.own(node, actions[0][1])
        return actions, new, state, changes

    def _record(self) -> None:
        if self.rec is None:
            self._actions = []
            return
        self._write_kept()
        self._write(*self._take())

    def _keep(self) -> None:
        if self.rec is None:
            self._actions = []
            return
        actions, new, state, changes = self._take()
        g = self._kept
        if g is not None and "m" not in actions[0][1] and _joinable(g, state, changes):
            g[0].extend(actions)
            g[1].extend(new)  # a later input only appends to what they slice: still true
            g[2].update(state)
            g[3] = _joined(g[3], changes)
        else:
            self._write_kept()
            self._kept = [actions, new, state, changes]  # both made for this input

    def _write_kept(self) -> None:
        if self._kept is not None:
            g, self._kept = self._kept, None
            self._write(*g)

    def _write(self, actions: list, new: list, state: dict, changes: Delta | None) -> None:
        rec = self.rec
        if rec is None:
            return
        if self._replies:  # answered before this input began
            self._answers()
        params = actions[0][1]
        m = params.get("m")
        sent = []
        for x, msg, slices in new:  # each send gets an id, which the codec carries
            w = next(_WIRE_IDS)
            _set(x, "wid", w)
            sent.append((x.dst, msg, w, slices))
        # one action or several, one line: steps writes a lone action as step would
        acts = [(a, self.params(raw)) for a, raw in actions[1:]]
        if m is not None and m.wid:  # its sender recorded it: named by its id alone,
            first = dict(params)
            del first["m"]  # neither mapped nor written
            first = self.params(first)
            first["m"] = RECEIVED
            received: tuple | None = (m.src, None, m.wid)
        else:
            first = self.params(params)
            received = None if m is None else (m.src, first["m"])
        acts.insert(0, (actions[0][0], first))
        rec.steps(acts, state=state, changes=changes, sent=sent, received=received)

    def _answers(self) -> None:
        """The answers given since the last step, as one step of ``ClientReply`` actions:
        a batch's answers leave together, after it (one line, not one per client)."""
        me, ks, self._replies = ModelValue(self.id), self._replies, []
        if self.rec is not None:
            self.rec.steps([("ClientReply", {"i": me, "k": k}) for k in ks], external=True)

    def _settle(self) -> None:
        """Record what is kept: the answers, then the actions of the inputs not written."""
        if self._actions:
            self._record()
        if self._kept is not None:
            self._write_kept()
        if self._replies:
            self._answers()

    def durable(self) -> None:
        """The storage is synced: every step recorded so far survives a crash."""
        self._settle()
        if self.rec is not None:
            self.rec.durable()

    def replied(self, k: int) -> None:
        """A client was told that its command, at index (or slot) ``k``, is done (recorded
        with the batch's other answers, before anything else)."""
        if self._actions:
            self._record()
        self._write_kept()
        self._replies.append(k)

    def flush(self) -> None:
        """Write what was recorded (before anything it did leaves the process)."""
        self._settle()
        if self.rec is not None:
            self.rec.flush()

    def close(self) -> None:
        self._settle()
        if self.rec is not None:
            self.rec.close()


def _joinable(kept: list, state: dict, changes: Delta | None) -> bool:
    """Whether an input's changes can follow the kept step's in one line, each variable's
    in the order they were made: a line applies all its truncations, then all its puts,
    then all its appends, so the input only puts and appends, never puts into a variable
    the kept step appended to, and no variable is given whole in one and as changes in
    the other, nor given whole when the kept step sent slices of it (a whole value may
    have been cut)."""
    before = kept[3]
    done = before.variables() if before is not None else set()
    if done and not done.isdisjoint(state):
        return False
    if state and any(s and not {v for v, _, _ in s.values()}.isdisjoint(state)
                     for _, _, s in kept[1]):
        return False
    if changes is None:
        return True
    if changes.set or changes.truncate or not changes.variables().isdisjoint(kept[2]):
        return False
    if before is None or not before.append or not changes.put:
        return True
    return {p[0] for p, _ in changes.put}.isdisjoint(p[0] for p, _ in before.append)


def _joined(a: Delta | None, b: Delta | None) -> Delta | None:
    """``a``'s changes, then ``b``'s (puts and appends; a sequence's appends become one)."""
    if b is None:
        return a
    if a is None:
        return b
    a.put.extend(b.put)
    for path, xs in b.append:
        if a.append and a.append[-1][0] == path:
            a.append[-1] = (path, (*a.append[-1][1], *xs))
        else:
            a.append.append((path, xs))
    return a


async def crash_now(transport: Any) -> None:
    """Die as ``kill -9`` would, once what was just sent (and answered) has left."""
    for _ in range(100):
        await asyncio.sleep(0.02)
        if transport.flushed():
            break
    await asyncio.sleep(0.05)
    os.kill(os.getpid(), signal.SIGKILL)
