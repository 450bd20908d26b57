"""Merging the nodes' traces of one run: who received what from whom, and what came first.

Each node's file says only what that node did. The merger matches every receive to its send
(by the id the system carried on the wire, else by the message itself: from the same node,
to this one, equal wherever both sides know it, the earliest not yet received that was sent
before the receive by the recorders' clocks), and so orders the events by causality: each
node's own order, and every send before its receives. What the spec's network then holds is
rebuilt from that: a message sent and never received was lost (or is still in flight; the
spec allows either, and the merger loses it right after its send, so the spec's bag stays
small), a message received twice was duplicated by the network.

A node's file holds one segment per process start; every segment after the first begins with
the spec's restart. If the node reports durability (``{"durable": n}`` marks), the crash
before a restart may have lost the steps after the last mark, unless another node received
a message they sent or a client was answered (``external``): the validator may then take
the restart as happening before them (:attr:`Item.undo_from`).

Inconsistent files are errors that name the file and line: a node whose file is missing, a
receive that no send explains (when ids are given), two files of different specs or
constants, Lamport clocks that go against causality, events that cannot be ordered at all.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.errors import Position, UserError
from conformance.record.pattern import UNKNOWN, Unknown, has_holes, same
from conformance.record.reader import Event, NodeFile, Received, read_node_file
from conformance.trace.encoding import decode
from conformance.trace.files import TraceFileError
from conformance.values import Fn, FSet, Tup, to_tla

Value = Any
ItemRef = tuple[str, int]  # (node, index in its chain)


@dataclass
class Item:
    """One step of the merged run: an event of a node, or its restart."""

    node: str
    index: int  # in the node's chain
    actions: list[tuple[str, dict[str, Value]]]
    state: dict[str, Value]  # the node's recorded variables after it
    changed: frozenset[str]  # ... of which these changed (all, for a restart)
    where: Position
    t: int | None
    segment: int
    event: Event | None = None  # None for a restart
    sends: list[int] = field(default_factory=list)  # message ids
    recv: int | None = None  # the message it received (None: not a receive, or unmatched)
    unmatched: Received | None = None  # a receive no send explains (content matching)
    deps: list[ItemRef] = field(default_factory=list)  # items that must come first
    duplicates: list[int] = field(default_factory=list)  # copies the network added
    drops: list[int] = field(default_factory=list)  # messages never received
    undo_from: int | None = None  # a restart: how far back the crash may have undone
    durable: bool = True  # a restart's undo range: False for items a crash could undo
    kept: str = ""  # a restart: why the crash cannot have undone the steps before it

    @property
    def restart(self) -> bool:
        return self.event is None

    @property
    def action(self) -> str:
        return self.actions[-1][0]

    def label(self) -> str:
        return f"{self.action} at {self.node} ({self.where})"


@dataclass
class Message:
    id: int
    sender: ItemRef
    frm: str
    to: str
    value: Value
    where: Position
    wire_id: str | None = None
    t: int | None = None  # when it was sent, by the sender's clock
    receivers: list[ItemRef] = field(default_factory=list)


@dataclass
class Merged:
    spec: str
    protocol: str | None
    constants: dict[str, Value]
    selves: dict[str, Value]  # node -> its value in the spec
    network: dict[str, str]
    chains: dict[str, list[Item]]
    messages: list[Message]
    files: dict[str, str]  # node -> its file
    invariants: list[str] | None
    properties: list[str] | None
    initial: dict[str, dict[str, Value]] = field(default_factory=dict)  # at each first start
    notes: list[str] = field(default_factory=list)

    @property
    def events(self) -> int:
        return sum(len(c) for c in self.chains.values())

    def item(self, ref: ItemRef) -> Item:
        return self.chains[ref[0]][ref[1]]


def merge_files(paths: Iterable[Path]) -> Merged:
    """Read the files of one run and merge them, with Python's cyclic collector paused.

    Reading builds a few containers per event that all live until the run is validated:
    nothing to collect, but the collector, started by every 700 new containers, walked the
    growing heap again and again (on a recorded 51,656-event Multi-Paxos run, 8.1 of 12.8
    CPU s of reading and merging). Whatever cycles reading makes are collected afterwards.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        return merge([read_node_file(p) for p in paths])
    finally:
        if was:
            gc.enable()


def merge(files: list[NodeFile]) -> Merged:
    """Merge the files of one run (one file per node)."""
    if not files:
        raise UserError("no node traces to merge")
    by_node: dict[str, NodeFile] = {}
    for f in files:
        if f.node in by_node:
            raise TraceFileError(f"two files hold the trace of node {f.node}: "
                                 f"{by_node[f.node].path} and {f.path}", Position(f.path, 1))
        by_node[f.node] = f
    first = files[0]
    h0 = first.header
    for f in files:
        for seg in f.segments:
            _same_run(first, h0, f, seg.header, seg.line)
    m = Merged(spec=h0["spec"], protocol=h0.get("protocol"),
               constants={k: decode(v) for k, v in h0["constants"].items()},
               selves={f.node: decode(f.header.get("self", {"#mv": f.node})) for f in files},
               network=dict(h0.get("network") or {"variable": "msgs"}),
               chains={}, messages=[], files={f.node: f.path for f in files},
               invariants=h0.get("invariants"), properties=h0.get("properties"),
               initial={f.node: f.segments[0].state for f in files})
    for f in files:
        m.notes.extend(f.notes)
        m.chains[f.node] = _chain(f)
    _collect(m, h0.get("collect") or {}, first.path)
    _sends(m)
    _receives(m, _fragile(m, by_node))
    _network(m)
    _undo_ranges(m, by_node)
    _check_clocks(m)
    return m


# --------------------------------------------------------------------------- files


def _same_run(first: NodeFile, h0: dict, f: NodeFile, h: dict, line: int) -> None:
    where = Position(f.path, line)
    if h["spec"] != h0["spec"]:
        raise TraceFileError(f"a trace of spec {h['spec']}, but {first.path} is of "
                             f"{h0['spec']}: the files are not of one run", where)
    if h["constants"] != h0["constants"]:
        diff = sorted(k for k in set(h["constants"]) | set(h0["constants"])
                      if h["constants"].get(k) != h0["constants"].get(k))
        raise TraceFileError(f"the constants differ from those of {first.path} "
                             f"({', '.join(diff)}): the files are not of one run", where)
    for key in ("network", "collect"):
        if h.get(key) != h0.get(key):
            raise TraceFileError(f"\"{key}\" differs from that of {first.path}", where)


def _chain(f: NodeFile) -> list[Item]:
    out: list[Item] = []
    for seg in f.segments:
        if seg.number > 1:
            r = seg.header.get("restart") or {}
            self_v = decode(f.header.get("self", {"#mv": f.node}))
            params = {k: decode(v) for k, v in r.get("params", {"i": {"#mv": f.node}}).items()} \
                if r else {"i": self_v}
            out.append(Item(f.node, len(out), [(r.get("action", "Restart"), params)],
                            seg.state, frozenset(seg.state), Position(f.path, seg.line), seg.t,
                            seg.number))
        for e in seg.events:
            out.append(Item(f.node, len(out), e.actions, e.state, e.changed, e.where, e.t,
                            seg.number, e))
    return out


def _collect(m: Merged, collect: dict, path: str) -> None:
    """Constants the traces fill in: every value of the named action parameter."""
    if not isinstance(collect, dict):
        raise TraceFileError("\"collect\" must map constants to parameter names",
                             Position(path, 1))
    for const, param in collect.items():
        found: set = set()
        have = m.constants.get(const)
        if isinstance(have, frozenset):
            found.update(have)
        for chain in m.chains.values():
            for it in chain:
                for _, params in it.actions:
                    v = params.get(param)
                    if v is not None and not has_holes(v):
                        found.add(v)
        m.constants[const] = FSet(found)


# --------------------------------------------------------------------------- messages


def _sends(m: Merged) -> None:
    for node, chain in m.chains.items():
        for it in chain:
            if it.event is None:
                continue
            for s in it.event.sent:
                msg = Message(len(m.messages), (node, it.index), node, s.to, s.msg, it.where,
                              s.id, it.t)
                m.messages.append(msg)
                it.sends.append(msg.id)


def _key(v: Value) -> Value:
    """What content matching compares: a record without the fields it does not know."""
    if type(v) is Fn and any(type(x) is Unknown for x in v.map.values()):
        return Fn({k: x for k, x in v.map.items() if type(x) is not Unknown})
    return v


def compatible(a: Value, b: Value) -> bool:
    """Equal wherever both know the value."""
    ta, tb = type(a), type(b)
    if ta is Unknown or tb is Unknown:
        return True
    if ta is Fn and tb is Fn:
        return a.map.keys() == b.map.keys() and all(compatible(x, b.map[k])
                                                     for k, x in a.map.items())
    if ta is Tup and tb is Tup:
        return len(a) == len(b) and all(compatible(x, y) for x, y in zip(a, b))
    return same(a, b)


def _receives(m: Merged, fragile: set[int]) -> None:
    """Match every receive to a send by replaying the run in an order causality allows
    (the recorders' clocks choose among the nodes that may go on), so that a receive is
    matched, when its node comes to it, to a send already made: the matching can never
    contradict causality. By id when the system carried one on the wire; else by content:
    the earliest message made and not yet received that is equal to it (wherever both
    sides know it), or, if an equal one is still to be made, that one (the receive waits
    for it); else the network duplicated the latest equal message made. Of equal messages,
    one sent by a step that a later crash may have undone (``fragile``) is matched last."""
    _Replay(m, fragile).run()


_WAIT = object()


class _Replay:
    def __init__(self, m: Merged, fragile: set[int]) -> None:
        self.m = m
        self.fragile = fragile
        self.by_wire = {(x.frm, x.wire_id): x for x in m.messages if x.wire_id is not None}
        self.made_ids: set[int] = set()
        self.pending: dict[tuple, int] = defaultdict(int)  # equal sends not yet made
        self.unmade: dict[tuple[str, str], dict[int, Message]] = defaultdict(dict)
        # the pairs of nodes some of whose messages leave a part unknown: only there (or
        # for a receive that does) can a message be compatible without being equal
        self.holes: set[tuple[str, str]] = set()
        self.recv_holes: dict[int, bool] = {}  # id(Received) -> whether it has holes
        for x in m.messages:
            self.pending[self.key(x.frm, x.to, x.value)] += 1
            self.unmade[(x.frm, x.to)][x.id] = x
            if has_holes(x.value):
                self.holes.add((x.frm, x.to))
        self.avail: dict[tuple, list[Message]] = defaultdict(list)  # made, not received
        self.made: dict[tuple, list[Message]] = defaultdict(list)  # made, by content
        self.made_pair: dict[tuple[str, str], list[Message]] = defaultdict(list)

    @staticmethod
    def key(frm: str, to: str, value: Value) -> tuple:
        return (frm, to, _key(value))

    def run(self) -> None:
        m = self.m
        nodes = sorted(m.chains)
        pos = {n: 0 for n in nodes}
        while True:
            ready: list[tuple[int, str, Item, Message | None]] = []
            blocked: list[tuple[Item, Message | None]] = []
            for n in nodes:
                chain = m.chains[n]
                if pos[n] >= len(chain):
                    continue
                it = chain[pos[n]]
                t = it.t if it.t is not None else 1 << 62
                r = it.event.recv if it.event is not None else None
                if r is None:
                    ready.append((t, n, it, None))
                    continue
                found, dup = self.find(r, n, it)
                if found is _WAIT:
                    blocked.append((it, dup))
                else:
                    ready.append((t, n, it, found))  # type: ignore[arg-type]
            if not ready:
                if not blocked:
                    return
                # every node waits for a send not made yet: the earliest receive that may
                # be a duplicate of an equal message made before is one
                dups = [(it, d) for it, d in blocked if d is not None]
                if not dups:
                    it = min((b[0] for b in blocked), key=lambda x: (x.t or 0, x.node))
                    raise TraceFileError(
                        "the events cannot be ordered: this receive needs a send that its "
                        "sender made only after events that come after this receive (the "
                        "files contradict each other; if messages were matched to the "
                        "wrong sends, carry message ids on the wire)", it.where)
                it, d = min(dups, key=lambda x: (x[0].t or 0, x[0].node))
                ready = [(0, it.node, it, d)]
            _, n, it, msg = min(ready, key=lambda x: (x[0], x[1]))
            pos[n] += 1
            self.apply(n, it, msg)

    def apply(self, n: str, it: Item, msg: Message | None) -> None:
        if it.event is not None and it.event.recv is not None:
            if msg is None:
                it.unmatched = it.event.recv
            else:
                msg.receivers.append((n, it.index))
                it.recv = msg.id
                r = it.event.recv
                if r.param is not None:  # the receiver named the message by its id alone
                    it.actions[0][1][r.param] = msg.value
                it.deps.append(msg.sender)
                k = self.key(msg.frm, msg.to, msg.value)
                if msg in self.avail[k]:
                    self.avail[k].remove(msg)
        for mid in it.sends:
            x = self.m.messages[mid]
            k = self.key(x.frm, x.to, x.value)
            self.avail[k].append(x)
            self.made[k].append(x)
            self.made_pair[(x.frm, x.to)].append(x)
            self.made_ids.add(x.id)
            self.pending[k] -= 1
            del self.unmade[(x.frm, x.to)][x.id]

    def find(self, r: Received, node: str, it: Item) -> tuple[Any, Message | None]:
        """(the send matched, or ``_WAIT``, or None: none anywhere; a duplicate to fall
        back on when waiting)."""
        if r.frm not in self.m.chains:
            raise TraceFileError(
                f"{node} received a message from {r.frm}, but there is no trace of {r.frm} "
                f"(the traces given are of {', '.join(sorted(self.m.chains))}): is its "
                "file missing?", it.where)
        if r.id is not None:
            msg = self.by_wire.get((r.frm, r.id))
            if msg is None:
                raise TraceFileError(f"a receive of message {r.id!r} from {r.frm}, which "
                                     f"{self.m.files[r.frm]} never sent", it.where)
            if msg.to != node:
                raise TraceFileError(f"message {r.id!r} was sent to {msg.to} ({msg.where}), "
                                     f"not to {node}", it.where)
            if r.msg is not None and not compatible(r.msg, msg.value):
                raise TraceFileError(f"message {r.id!r} as received differs from the "
                                     f"message sent at {msg.where}: "
                                     f"{_field_diff(r.msg, msg.value)}", it.where)
            return (msg if msg.id in self.made_ids else _WAIT), None
        k = self.key(r.frm, node, r.msg)
        if self.avail.get(k):
            return next((x for x in self.avail[k] if x.id not in self.fragile),
                        self.avail[k][0]), None
        holey = (r.frm, node) in self.holes or self._recv_holes(r)
        equal = self.made.get(k, [])
        if not equal and holey:  # unknown parts on one side: compare field by field
            equal = [x for x in self.made_pair.get((r.frm, node), [])
                     if compatible(r.msg, x.value)]
            fresh = [x for x in equal if not x.receivers]
            if fresh:
                return fresh[0], None
        dup = equal[-1] if equal else None
        if self.pending.get(k, 0) > 0 or holey and any(
                compatible(r.msg, x.value) for x in self.unmade[(r.frm, node)].values()):
            return _WAIT, dup
        return dup, None

    def _recv_holes(self, r: Received) -> bool:
        h = self.recv_holes.get(id(r))
        if h is None:
            h = self.recv_holes[id(r)] = has_holes(r.msg)
        return h


def _network(m: Merged) -> None:
    """Duplicates and losses, as network steps right after the send."""
    lossy = bool(m.network.get("drop"))
    unheard: dict[str, int] = defaultdict(int)
    for msg in m.messages:
        sender = m.item(msg.sender)
        if len(msg.receivers) > 1:
            sender.duplicates.extend([msg.id] * (len(msg.receivers) - 1))
        elif not msg.receivers and lossy:
            sender.drops.append(msg.id)
        if msg.to not in m.chains:
            unheard[msg.to] += 1
    for node, n in sorted(unheard.items()):
        m.notes.append(f"{node} has no trace: the {n} message{'s' if n != 1 else ''} sent "
                       "to it count as lost")


# --------------------------------------------------------------------------- restarts


def _fragile(m: Merged, files: dict[str, NodeFile]) -> set[int]:
    """The messages sent by steps after the last durable mark of a segment that a restart
    ends: a crash may have lost those steps (unless what they sent was received)."""
    out: set[int] = set()
    for node, f in files.items():
        chain = m.chains[node]
        index = 0
        for k, seg in enumerate(f.segments):
            if seg.number > 1:
                index += 1
            start, end = index, index + len(seg.events)
            index = end
            if k + 1 < len(f.segments) and seg.marks:
                for j in range(start + seg.durable, end):
                    out.update(chain[j].sends)
    return out


def _undo_ranges(m: Merged, files: dict[str, NodeFile]) -> None:
    for node, f in files.items():
        chain = m.chains[node]
        index = 0
        for k, seg in enumerate(f.segments):
            if seg.number > 1:
                index += 1  # the restart item
            start, end = index, index + len(seg.events)
            index = end
            if k + 1 >= len(f.segments) or not seg.marks:
                continue
            low = start + seg.durable
            for j in range(end - 1, low - 1, -1):
                it = chain[j]
                seen = [r for sid in it.sends for r in m.messages[sid].receivers]
                if it.event is not None and (it.event.external or seen):
                    low = j + 1
                    marked = chain[start + seg.durable - 1].where.line if seg.durable else 0
                    since = f"after line {marked}" if marked else "since it started"
                    how = "it answered a client" if it.event.external else \
                        f"{seen[0][0]} received what it sent ({m.item(seen[0]).where})"
                    chain[end].kept = (f"{node} crashed with its steps {since} not yet "
                                       "durable, but the crash cannot have undone those up "
                                       f"to line {it.where.line}: {how}")
                    break
            restart = chain[end]
            if low < end:
                restart.undo_from = low
                for j in range(low, end):
                    chain[j].durable = False


def _check_clocks(m: Merged) -> None:
    """Lamport clocks, where the events carry them, must agree with causality."""
    for chain in m.chains.values():
        last: Item | None = None
        for it in chain:
            c = it.event.clock if it.event is not None else None
            if c is None:
                continue
            if last is not None and last.segment == it.segment and \
                    c <= last.event.clock:  # type: ignore[union-attr,operator]
                raise TraceFileError(f"the clock goes back: {c} after "
                                     f"{last.event.clock} at {last.where}",  # type: ignore
                                     it.where)
            last = it
    for msg in m.messages:
        send = m.item(msg.sender)
        cs = send.event.clock if send.event is not None else None
        for ref in msg.receivers:
            recv = m.item(ref)
            cr = recv.event.clock if recv.event is not None else None
            if cs is not None and cr is not None and cr <= cs:
                raise TraceFileError(f"clocks contradict causality: this receive has clock "
                                     f"{cr}, not above the clock {cs} of its send at "
                                     f"{send.where}", recv.where)


def _field_diff(a: Value, b: Value) -> str:
    if type(a) is Fn and type(b) is Fn:
        parts = []
        for k in sorted(set(a.map) | set(b.map), key=str):
            x, y = a.map.get(k, UNKNOWN), b.map.get(k, UNKNOWN)
            if not compatible(x, y):
                parts.append(f"{k}: received {to_tla(x)}, sent {to_tla(y)}")
        if parts:
            return "; ".join(parts)
    return f"received {to_tla(a)}, sent {to_tla(b)}"
