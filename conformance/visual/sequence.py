"""A trace read as a message-sequence chart: a lane per node, events, messages and fates.

Nothing here knows a protocol. The nodes are the model values the trace's constants list
and its states are keyed by (``Server``; ``Proposer``, ``Acceptor``...), and any that act or
send. The messages are the variable that holds records with a sender and a receiver, as a
bag (``msgs``: record -> copies, as the specs keep them) or as a set. Each copy of a message
is followed from the event that put it in flight to the event that took it out:

* an action whose parameter is a message in flight *receives* it (the oldest copy);
* ``DropMessage(m)`` drops a copy, ``DuplicateMessage(m)`` adds one whose origin is the
  original's sender (marked duplicated);
* copies that appear otherwise were *sent* by the event's node; copies that vanish
  otherwise are lost at that event (a restart that empties a node's inbox).

An event's node is the trace's ``node``, else its first parameter that names a node, else
the receiver of the message it receives. A ``Restart`` (or ``Crash``) is a crash and
restart of its node; a simulator's schedule adds when a crashed node came back up and when
the network was partitioned or healed (decisions that no spec action records).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from conformance.trace.schema import Step, Trace
from conformance.values import Fn, ModelValue, Tup, is_record, to_tla

_SOURCE = ("source", "src", "from", "sender")
_DEST = ("dest", "dst", "to", "receiver")
_ORDINAL = ("term", "bal", "ballot", "slot", "round")
_MESSAGE_VARIABLES = ("msgs", "messages", "network", "net", "inflight")


@dataclass
class Copy:
    """One copy of a message in flight, from the event that sent it to its fate."""

    id: int
    value: Any  # the message record
    sender: str | None
    receiver: str | None
    # the index of the event that put it in flight (for a duplicate: the original's), 0 when
    # it was in the initial state, None when no recorded send explains a receive (real runs)
    sent_at: int | None
    duplicated_at: int | None = None  # a duplicate: the event that made this copy
    received_at: list[int] = field(default_factory=list)  # events that received it
    dropped_at: int | None = None
    lost_at: int | None = None  # vanished otherwise (a restart, the spec's own discard)

    @property
    def fate(self) -> str:
        if self.dropped_at is not None:
            return "dropped"
        if self.lost_at is not None:
            return "lost"
        return "received" if self.received_at else "in flight"


@dataclass
class Event:
    index: int  # the trace's step index (0: the initial state)
    action: str
    lane: str | None  # the node that acted, if any
    kind: str  # init, receive, drop, duplicate, crash, step
    params: dict[str, Any]
    received: list[int] = field(default_factory=list)  # copy ids
    sent: list[int] = field(default_factory=list)
    lost: list[int] = field(default_factory=list)
    decision: Any = None  # the schedule decision that produced it (a simulator trace)


@dataclass
class Note:
    """Something the schedule did that no spec action records: shown between events."""

    after: int  # the index of the event it follows
    kind: str  # restart (the node is up again), partition, heal
    text: str
    lanes: list[str] = field(default_factory=list)


@dataclass
class Chart:
    lanes: list[str]
    events: list[Event]
    copies: list[Copy]
    notes: list[Note]
    variable: str | None  # the variable that holds the messages
    down: dict[str, list[tuple[int, int | None]]]  # node -> (crashed at, back up after)


# --------------------------------------------------------------------------- messages


def _field(rec: Fn, names: tuple[str, ...]) -> Any:
    for n in names:
        if n in rec.map:
            return rec.map[n]
    return None


def is_message(v: Any) -> bool:
    return is_record(v) and (_field(v, _SOURCE) is not None or _field(v, _DEST) is not None)


def endpoint(v: Any) -> str | None:
    if v is None:
        return None
    return v.name if type(v) is ModelValue else to_tla(v)


def message_kind(rec: Fn) -> str:
    t = rec.map.get("type")
    return t if type(t) is str else ("" if t is None else to_tla(t))


def message_label(rec: Fn) -> str:
    """``AppendEntriesResponse s3->s1, term 1``: type, sender and receiver, term or ballot."""
    head = message_kind(rec)
    src, dst = endpoint(_field(rec, _SOURCE)), endpoint(_field(rec, _DEST))
    if src or dst:
        head = f"{head} {src or '?'}->{dst or '?'}".strip()
    rest = ", ".join(f"{f} {to_tla(rec.map[f])}" for f in _ORDINAL if f in rec.map)
    return f"{head}, {rest}" if rest else head


def _as_counts(v: Any) -> dict | None:
    """A bag (record -> count) or a set of records as counts; None if it is neither."""
    if type(v) is Tup and not v:
        return {}
    if type(v) is Fn and v.map and all(type(c) is int and type(k) is Fn
                                       for k, c in v.map.items()):
        return dict(v.map)
    if isinstance(v, frozenset):
        if all(type(x) is Fn for x in v):
            return {x: 1 for x in v}
    return None


def find_message_variable(trace: Trace) -> str | None:
    """The variable holding messages: a bag or set of records with a sender or receiver."""
    names = list(trace.header.variables) or [k for s in trace.steps[:1] for k in s.state]
    names = sorted(names, key=lambda n: n not in _MESSAGE_VARIABLES)  # stable
    for name in names:
        for step in trace.steps:
            counts = _as_counts(step.state.get(name)) if name in step.state else None
            if counts is None:
                if name in step.state and step.state[name] != Tup():
                    break  # holds something else
                continue
            if counts:
                if all(is_message(k) for k in counts):
                    return name
                break
    return None


# --------------------------------------------------------------------------- lanes


def _node_sets(trace: Trace) -> list[str]:
    """The model values of the constants that are sets of model values, in order."""
    out: list[str] = []
    for value in trace.header.constants.values():
        if isinstance(value, frozenset) and value and all(type(x) is ModelValue for x in value):
            for x in sorted(value, key=lambda m: m.name):
                if x.name not in out:
                    out.append(x.name)
    return out


def _state_keys(steps: Iterable[Step]) -> set[str]:
    keys: set[str] = set()
    for s in steps:
        for v in s.state.values():
            if type(v) is Fn:
                keys.update(k.name for k in v.map if type(k) is ModelValue)
    return keys


def _event_lane(step: Step, lanes: set[str], received: Any) -> str | None:
    if step.node is not None and step.node in lanes:
        return step.node
    for v in (step.params or {}).values():
        if type(v) is ModelValue and v.name in lanes:
            return v.name
    if received is not None:
        to = endpoint(_field(received, _DEST))
        if to in lanes:
            return to
    return step.node


# --------------------------------------------------------------------------- the chart


def _kind(action: str) -> str:
    low = action.lower()
    if "drop" in low or "lose" in low:
        return "drop"
    if "duplicat" in low:
        return "duplicate"
    if "restart" in low or "crash" in low:
        return "crash"
    return "step"


def build(trace: Trace) -> Chart:
    """The chart of a trace: lanes, events, message copies and the schedule's notes."""
    steps = trace.steps
    var = find_message_variable(trace)
    candidates = set(_node_sets(trace))
    seen: list[str] = []

    def see(name: str | None) -> None:
        if name is not None and name not in seen:
            seen.append(name)

    used = _state_keys(steps[:1]) & candidates
    events: list[Event] = []
    copies: list[Copy] = []
    flight: dict[Any, list[int]] = {}  # message -> copy ids in flight, oldest first
    previous: dict = {}
    for step in steps:
        counts = _as_counts(step.state.get(var)) if var is not None else None
        params = step.params or {}
        msg_params = [v for v in params.values() if is_message(v)]
        received = next((m for m in msg_params if flight.get(m)), None)
        kind = "init" if step.index == 0 else _kind(step.action)
        if kind == "step" and received is not None:
            kind = "receive"
        lane = None if kind in ("drop", "duplicate") else \
            _event_lane(step, candidates | set(seen) | used, received)
        ev = Event(step.index, step.action, lane, kind, params,
                   decision=step.extra.get("decision"))
        see(lane)
        if counts is None:  # the trace does not give the messages in this state
            events.append(ev)
            continue
        delta = {m: counts.get(m, 0) - previous.get(m, 0)
                 for m in set(counts) | set(previous)}
        if received is not None and kind in ("receive", "drop", "duplicate"):
            oldest = flight[received][0]
            if kind == "duplicate":
                c = copies[oldest]
                new = Copy(len(copies), received, c.sender, c.receiver, c.sent_at,
                           duplicated_at=step.index)
                copies.append(new)
                flight[received].append(new.id)
                delta[received] = delta.get(received, 0) - 1
                ev.sent.append(new.id)
            elif kind == "drop":
                copies[oldest].dropped_at = step.index
                flight[received].pop(0)
                delta[received] = delta.get(received, 0) + 1
                ev.lost.append(oldest)
            else:
                copies[oldest].received_at.append(step.index)
                ev.received.append(oldest)
                if delta.get(received, 0) < 0:  # consumed (a bag); a set keeps it
                    flight[received].pop(0)
                    delta[received] += 1
        if kind == "step" and step.index > 0:
            # no parameter names the message (TLC's "ReceivePrepare", an \E over msgs):
            # a copy that left the network was received, by its receiver
            gone = [m for m, d in delta.items() if d < 0 and flight.get(m)
                    and ev.lane in (None, endpoint(_field(m, _DEST)))]
            if gone:
                m = min(gone, key=lambda x: flight[x][0])
                cid = flight[m].pop(0)
                copies[cid].received_at.append(step.index)
                ev.received.append(cid)
                ev.kind = "receive"
                delta[m] += 1
                if ev.lane is None:
                    ev.lane = copies[cid].receiver
                    see(ev.lane)
        for m, d in sorted(delta.items(), key=lambda kv: to_tla(kv[0])):
            for _ in range(max(d, 0)):
                if kind == "duplicate" and flight.get(m):  # named by the action alone
                    c = copies[flight[m][0]]
                    c = Copy(len(copies), m, c.sender, c.receiver, c.sent_at,
                             duplicated_at=step.index)
                else:  # sent: by the message's own sender field, else the node that acted
                    sender = endpoint(_field(m, _SOURCE)) or ev.lane
                    c = Copy(len(copies), m, sender, endpoint(_field(m, _DEST)), step.index)
                copies.append(c)
                flight.setdefault(m, []).append(c.id)
                ev.sent.append(c.id)
                see(c.sender)
                see(c.receiver)
            for _ in range(max(-d, 0)):
                if flight.get(m):
                    cid = flight[m].pop(0)
                    if kind == "drop":
                        copies[cid].dropped_at = step.index
                    else:
                        copies[cid].lost_at = step.index
                    ev.lost.append(cid)
        previous = counts
        events.append(ev)
    order = [n for n in _node_sets(trace) if n in used or n in seen]
    lanes = order + [n for n in seen if n not in order]
    notes, down = _schedule_notes(trace, events)
    return Chart(lanes, events, copies, notes, var, down)


def _schedule_notes(trace: Trace, events: list[Event]
                    ) -> tuple[list[Note], dict[str, list[tuple[int, int | None]]]]:
    """What a simulator's schedule did between events: restarts, partitions, heals; and the
    spans in which a crashed node was down (its crash is the spec's restart step, its coming
    back up a decision of its own)."""
    schedule = trace.header.schedule
    down: dict[str, list[tuple[int, int | None]]] = {}
    if not isinstance(schedule, list):
        for ev in events:
            if ev.kind == "crash" and ev.lane:
                down.setdefault(ev.lane, []).append((ev.index, ev.index))
        return [], down
    of_decision: dict[int, list[Event]] = {}
    for ev in events:
        if isinstance(ev.decision, int):
            of_decision.setdefault(ev.decision, []).append(ev)
    notes: list[Note] = []
    after = 0
    crashed: dict[str, int] = {}
    for n, d in enumerate(schedule):
        if not isinstance(d, dict):
            continue
        if n in of_decision:
            after = of_decision[n][-1].index
            for ev in of_decision[n]:
                if ev.kind == "crash" and ev.lane:
                    crashed[ev.lane] = ev.index
            continue
        kind, node = d.get("kind"), d.get("node")
        if kind == "restart" and isinstance(node, str):
            notes.append(Note(after, "restart", f"{node} back up", [node]))
            if node in crashed:
                down.setdefault(node, []).append((crashed.pop(node), after))
        elif kind == "partition":
            groups = d.get("arg") or []
            text = " | ".join("{" + ", ".join(map(str, g)) + "}" for g in groups)
            notes.append(Note(after, "partition", f"partition {text}"))
        elif kind == "heal":
            notes.append(Note(after, "heal", "network healed"))
    for node, at in crashed.items():
        down.setdefault(node, []).append((at, None))
    return notes, down
