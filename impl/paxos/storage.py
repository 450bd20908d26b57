"""The durable state of a Paxos node: promise, ballot and accepted proposals.

An acceptor must not forget what it promised or accepted, nor a proposer the ballot it
started (it would reuse it), so each is written *and synced* before the step that changed it
answers anyone (``specs/Paxos.tla`` and ``specs/MultiPaxos.tla``: these are the durable
variables; DESIGN rule 7). Single-decree Paxos stores its one accepted proposal as slot 1.
A Multi-Paxos replica also keeps the decisions it learns, synced with the rest of the step
before it executes them, so that a restart does not have to learn the whole log again.

The file is a sequence of checksummed records (:mod:`impl.records`) after a header that
names the format: a promise, a ballot, one slot's accepted proposal, or one slot's
decision — which, when the decided value is the one this acceptor accepted for the slot (it
was in the quorum that chose it), only says so instead of storing the value twice. Recovery
folds up the whole records, cuts off a torn tail, and refuses a damaged file
(:class:`impl.records.Corruption`). Accepting is also a promise, so the promise recovered is
the highest of the promises and of the accepted ballots. When dead records pile up the file
is rewritten as one record per live fact, atomically (``replace``).

An acceptor restored from its peers after its store was lost (``conform cluster restore``)
cannot know what it promised or accepted. Its new store holds a promise and a ballot at
least as high as any its peers have seen, so it cannot promise or accept below anything it
may have promised, and a *rejoin* slot: until every slot up to it is decided here, the node
neither answers prepares and accepts nor campaigns — a learner — since a proposal it
accepted before may have been chosen with its vote, and a promise that forgot it could let a
new leader choose another value.

The file is anything with ``append``/``sync``/``read``/``replace``: a simulated
:class:`impl.sim.storage.SimFile` or a real :class:`impl.disk.DiskFile`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from impl.paxos.bugs import NO_BUGS, Bugs
from impl.paxos.rules import NO_BALLOT
from impl.records import File, file_header, read_records, record, start

Command = bytes | None  # None is Multi-Paxos's no-op

FORMAT = "conform paxos acceptor 4"  # 3: decisions are kept; 4: without a second copy
_PROMISE, _BALLOT, _ACCEPT, _REJOIN, _DECIDE, _DECIDE_ACCEPTED = 1, 2, 3, 4, 5, 6
_INT = struct.Struct("<q")
_SLOT = struct.Struct("<Q")
_ACCEPT_HEAD = struct.Struct("<QqBI")  # slot, ballot, has-value flag, value length
_DECIDE_HEAD = struct.Struct("<QBI")  # slot, has-value flag, value length
COMPACT_AFTER = 4096  # records beyond the live ones before the file is rewritten


@dataclass
class Durable:
    """What a node restarts from."""

    promised: int = NO_BALLOT
    ballot: int = NO_BALLOT
    accepted: dict[int, tuple[int, Command]] = field(default_factory=dict)  # slot -> (bal, v)
    decided: dict[int, Command] = field(default_factory=dict)  # slot -> the command chosen
    records: int = 0
    dropped_bytes: int = 0  # the torn tail recovery cut off
    rejoin_until: int = 0  # restored from peers: a learner until slots 1..this are decided


@dataclass
class Writes:
    """What one step of a node changed in its durable state."""

    promised: int | None = None
    ballot: int | None = None
    accepts: dict[int, tuple[int, Command]] = field(default_factory=dict)
    decides: dict[int, Command] = field(default_factory=dict)
    rejoined: bool = False  # a restored acceptor has caught up: clear its rejoin slot

    def __bool__(self) -> bool:
        return self.promised is not None or self.ballot is not None or bool(self.accepts) \
            or bool(self.decides) or self.rejoined

    def merge(self, other: Writes) -> None:
        self.rejoined |= other.rejoined
        if other.promised is not None:
            self.promised = other.promised
        if other.ballot is not None:
            self.ballot = other.ballot
        self.accepts.update(other.accepts)
        self.decides.update(other.decides)


# --------------------------------------------------------------------------- records


def _accept_record(slot: int, bal: int, value: Command) -> bytes:
    data = b"" if value is None else value
    return record(_ACCEPT, _ACCEPT_HEAD.pack(slot, bal, value is not None, len(data)) + data)


def _decide_record(slot: int, value: Command,
                   accepted: dict[int, tuple[int, Command]]) -> bytes:
    """A decision; when it is the value this acceptor holds for the slot (the usual case:
    it took part in choosing it), the record only says so, which halves what a long log
    costs to store and to read back on restart."""
    held = accepted.get(slot)
    if held is not None and held[1] == value:
        return record(_DECIDE_ACCEPTED, _SLOT.pack(slot))
    data = b"" if value is None else value
    return record(_DECIDE, _DECIDE_HEAD.pack(slot, value is not None, len(data)) + data)


def _value(payload: bytes, start: int, has: int, n: int) -> Command:
    if start + n != len(payload) or (not has and n):
        raise ValueError("malformed record")
    return bytes(payload[start:]) if has else None


def _apply(out: Durable, payload: bytes) -> None:
    kind = payload[0]
    if kind in (_PROMISE, _BALLOT, _REJOIN):
        if len(payload) != 1 + _INT.size:
            raise ValueError("malformed record")
        (n,) = _INT.unpack_from(payload, 1)
        if kind == _PROMISE:
            out.promised = max(out.promised, n)
        elif kind == _BALLOT:
            out.ballot = max(out.ballot, n)
        else:
            out.rejoin_until = n  # 0: caught up
    elif kind == _ACCEPT:
        slot, bal, has, n = _ACCEPT_HEAD.unpack_from(payload, 1)
        out.accepted[slot] = (bal, _value(payload, 1 + _ACCEPT_HEAD.size, has, n))
    elif kind == _DECIDE:
        slot, has, n = _DECIDE_HEAD.unpack_from(payload, 1)
        out.decided[slot] = _value(payload, 1 + _DECIDE_HEAD.size, has, n)
    elif kind == _DECIDE_ACCEPTED:
        if len(payload) != 1 + _SLOT.size:
            raise ValueError("malformed record")
        (slot,) = _SLOT.unpack_from(payload, 1)
        held = out.accepted.get(slot)
        if held is None:
            raise ValueError(f"slot {slot} is decided as accepted, but nothing was accepted")
        out.decided[slot] = held[1]
    else:
        raise ValueError(f"unknown record kind {kind}")


def recover(file: File) -> Durable:
    """Read the state back up to the last whole record; cut off a torn tail for good; raise
    :class:`impl.records.Corruption` if the file is damaged otherwise."""
    out = Durable()
    out.records, out.dropped_bytes = read_records(file, FORMAT,
                                                  lambda payload: _apply(out, payload))
    for bal, _ in out.accepted.values():
        out.promised = max(out.promised, bal)  # accepting is also a promise
    return out


def snapshot(state: Durable) -> bytes:
    """The whole state as the fewest records, the file's header first."""
    parts = [file_header(FORMAT)]
    if state.rejoin_until:
        parts.append(record(_REJOIN, _INT.pack(state.rejoin_until)))
    if state.promised != NO_BALLOT:
        parts.append(record(_PROMISE, _INT.pack(state.promised)))
    if state.ballot != NO_BALLOT:
        parts.append(record(_BALLOT, _INT.pack(state.ballot)))
    for slot in sorted(state.accepted):
        parts.append(_accept_record(slot, *state.accepted[slot]))
    for slot in sorted(state.decided):
        parts.append(_decide_record(slot, state.decided[slot], state.accepted))
    return b"".join(parts)


# --------------------------------------------------------------------------- writing


class Store:
    """Writes what a node's step changed, and syncs it before the node's messages go out."""

    def __init__(self, file: File, recovered: Durable, sync: bool = True,
                 bugs: Bugs = NO_BUGS) -> None:
        start(file, FORMAT)
        self.file = file
        self.sync_enabled = sync
        self.bugs = bugs
        self.state = Durable(recovered.promised, recovered.ballot, dict(recovered.accepted),
                             dict(recovered.decided), rejoin_until=recovered.rejoin_until)
        self.records = recovered.records

    def save(self, w: Writes) -> None:
        if not w:
            return
        parts = []
        if w.promised is not None and w.promised > self.state.promised:
            self.state.promised = w.promised
            if not self.bugs.forget_promise_on_restart:  # the bug: the promise stays in memory
                parts.append(record(_PROMISE, _INT.pack(w.promised)))
        if w.ballot is not None and w.ballot > self.state.ballot:
            self.state.ballot = w.ballot
            parts.append(record(_BALLOT, _INT.pack(w.ballot)))
        for slot in sorted(w.accepts):
            self.state.accepted[slot] = w.accepts[slot]
            parts.append(_accept_record(slot, *w.accepts[slot]))
        for slot in sorted(w.decides):
            if slot not in self.state.decided:
                self.state.decided[slot] = w.decides[slot]
                parts.append(_decide_record(slot, w.decides[slot], self.state.accepted))
        if w.rejoined and self.state.rejoin_until:
            self.state.rejoin_until = 0
            parts.append(record(_REJOIN, _INT.pack(0)))
        if not parts:
            return
        self.records += len(parts)
        live = len(self.state.accepted) + len(self.state.decided)
        if self.records > COMPACT_AFTER + 2 * live:
            self._compact()
            return
        self.file.append(b"".join(parts))
        if self.sync_enabled:
            self.file.sync()

    def _compact(self) -> None:
        state = self.state
        if self.bugs.forget_promise_on_restart:
            state = Durable(NO_BALLOT, state.ballot, state.accepted, state.decided,
                            rejoin_until=state.rejoin_until)
        data = snapshot(state)
        self.file.replace(data)
        self.records = len(state.accepted) + len(state.decided) + 2
