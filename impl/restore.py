"""Rebuilding a server whose durable state is damaged or lost, from its peers.

A server that lost its log cannot simply start empty: it may have voted in a term (Raft) or
promised a ballot (Paxos) and would do it again for someone else, and entries or proposals
it stored may have counted towards a quorum that now misses them. ``conform cluster
restore ID`` (this module) makes it rejoin as a *new learner* instead:

1. The server must be down, and every other member must answer: their terms (ballots) bound
   every term (ballot) the lost server can have voted (promised) in, since a candidate it
   voted for is one of them and has reached at least that term.
2. The damaged data directory is moved aside (``DATA.damaged-TIME``: nothing is deleted)
   and a new one written, with ``restored.json`` saying what was done:

   * Raft: a copy of the leader's log, paged over the client connection, and a hard state
     in the highest term any server has reached, with a vote already cast (for itself), so
     it cannot vote again in any term it may have voted in
     (:func:`impl.raft.wal.restored_log`). The leader's log holds every committed entry,
     and every entry the leader counted this server as storing (it never rewrites its own
     log), so whatever the lost log acknowledged is stored again, and the leader's record
     of how far this server matches stays true. If the leader changes while the log is
     copied, the copy starts over.
   * Multi-Paxos: an acceptor's votes cannot be copied from another acceptor. The new store
     has a promise and ballot as high as any peer has seen, and a rejoin slot, the highest
     slot any peer knows of: until every slot up to it is decided there, the server learns
     but neither promises, accepts nor campaigns — a learner — and then takes the decided
     commands as its accepted ones (:mod:`impl.paxos.storage`, :mod:`impl.paxos.multi.core`).

3. Started again, the server catches up from the leader.
"""

from __future__ import annotations

import asyncio
import base64
import datetime
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from impl.disk import DiskFile
from impl.net.auth import AuthError
from impl.raft.client import Client, ClientError

FILES = {"raft": "wal", "multipaxos": "paxos"}  # the durable file in a data directory
PAGE_BYTES = 1 << 20  # entry data per page of a copied log
ELECTION_WAIT = 10.0  # seconds a restore waits for an election in progress to end


class RestoreError(Exception):
    """The restore cannot go ahead safely (nothing was changed), or stopped half-way (the
    message says where)."""


@dataclass
class Restored:
    server: str
    protocol: str
    moved_to: Path | None
    floor: int  # the term (Raft) or ballot (Multi-Paxos) the server restarts in
    rejoin_until: int = 0  # Multi-Paxos: learner until slots 1..this are decided
    copied_from: str | None = None  # Raft: the leader whose log was copied
    entries: int = 0


def protocol_of(data: Path) -> str | None:
    for protocol, name in FILES.items():
        if (data / name).exists():
            return protocol
    return None


async def restore(client: Client, sid: str, data: Path) -> Restored:
    """Rebuild server ``sid``'s data directory ``data`` from the other servers; see the
    module's docstring. Raises :class:`RestoreError` when it cannot be done safely."""
    cluster = client.cluster
    if sid not in cluster.servers:
        raise RestoreError(f"{sid} is not in the cluster file")
    await _must_be_down(client, sid)
    answers, silent = await _statuses(client, sid)
    protocols = {a.get("protocol") for a in answers.values()}
    protocol = protocol_of(data) or (protocols.pop() if len(protocols) == 1 else None)
    if protocol not in FILES:
        raise RestoreError(f"cannot tell the protocol of {sid}: no {' or '.join(FILES.values())}"
                           f" in {data}, and no other server answered")
    if protocol == "raft":
        deadline = time.monotonic() + ELECTION_WAIT
        while (not silent and time.monotonic() < deadline
               and not any(a.get("role") == "Leader" for a in answers.values())):
            await asyncio.sleep(0.2)  # everyone answers, nobody leads: an election is on
            answers, silent = await _statuses(client, sid)
        return await _restore_raft(client, sid, data, answers, silent)
    return _restore_paxos(sid, data, answers, silent)


async def _statuses(client: Client, sid: str) -> tuple[dict[str, dict], dict[str, str]]:
    """Every other server's status, and why each that did not answer did not."""
    answers: dict[str, dict] = {}
    silent: dict[str, str] = {}
    for other in client.cluster.servers:
        if other != sid:
            try:
                answers[other] = await client.status(other)
            except (OSError, ConnectionError, TimeoutError, ClientError) as e:
                silent[other] = str(e) or type(e).__name__
    return answers, silent


async def _must_be_down(client: Client, sid: str) -> None:
    try:
        await client.status(sid)
    except AuthError as e:
        raise RestoreError(f"something answers on {client.cluster.address(sid)} but refuses "
                           f"this cluster's secret ({e}): is it another cluster's?") from None
    except (OSError, ConnectionError, TimeoutError, ClientError):
        return
    raise RestoreError(f"{sid} is running (it answers on {client.cluster.address(sid)}): "
                       "stop it first; a running server is not restored")


def _require(who: set[str], silent: dict[str, str], why: str) -> None:
    missing = sorted(who & set(silent))
    if missing:
        said = "; ".join(f"{s}: {silent[s]}" for s in missing)
        raise RestoreError(f"every other server must answer, {why}; {said}")


async def _restore_raft(client: Client, sid: str, data: Path, answers: dict[str, dict],
                        silent: dict[str, str]) -> Restored:
    from impl.raft import wal

    leaders = [a for a in answers.values() if a.get("role") == "Leader"]
    if not leaders:
        raise RestoreError(f"no server is leading (none within {ELECTION_WAIT:g} s): the "
                           f"cluster must be serving to copy a log to {sid} from its leader")
    members = set(max(leaders, key=lambda a: a["term"])["members"])
    others = members - {sid}
    if not others:
        raise RestoreError(f"{sid} is the only member: there is no peer to restore it from")
    _require(others, silent, "so that the restored server starts above every term it may "
                             "have voted in")
    leader, leader_term, entries = await _copy_log(client, [a["server"] for a in leaders])
    # (the leader copied from may be newer than the answers: no term below its log's)
    term = max(leader_term, *(a["term"] for a in answers.values()))
    out = Restored(sid, "raft", None, term, copied_from=leader, entries=len(entries))
    out.moved_to = _replace_data(data, {"wal": wal.restored_log(term, sid, entries)}, out)
    return out


async def _copy_log(client: Client, leaders: list[str]) -> tuple[str, int, list]:
    """The whole log of the leader, page by page, all from one leader in one term: who, in
    which term, and the entries."""
    from impl.raft.messages import Entry, EntryKind

    for _ in range(5):
        for sid in leaders:
            entries: list[Entry] = []
            first = None
            while True:
                try:
                    page = await client.log_page(sid, len(entries) + 1)
                except (OSError, ConnectionError, TimeoutError):
                    break
                if page.get("role") != "Leader" or first not in (None, page["term"]):
                    break  # it stopped leading: start over with whoever leads now
                first = page["term"]
                entries += [Entry(t, EntryKind(k), base64.b64decode(d))
                            for t, k, d in page["entries"]]
                if len(entries) >= page["last_index"]:
                    return sid, first, entries
        leaders = [s for s in client.cluster.servers if s not in leaders] + leaders
    raise RestoreError("the leadership kept changing while the log was copied; try again")


def log_page(log, first: int) -> dict:
    """Entries ``first..`` of a Raft log, up to :data:`PAGE_BYTES` of data (at least one)."""
    out: list[list] = []
    size, k = 0, max(first, 1)
    while k <= log.last_index and (size < PAGE_BYTES or not out):
        e = log.entry(k)
        out.append([e.term, int(e.kind), base64.b64encode(e.data).decode()])
        size += len(e.data)
        k += 1
    return {"last_index": log.last_index, "entries": out}


def _restore_paxos(sid: str, data: Path, answers: dict[str, dict],
                   silent: dict[str, str]) -> Restored:
    from impl.paxos.storage import Durable, snapshot

    _require(set(silent), silent, "so that the restored acceptor promises above every ballot "
                                  "and waits for every slot it may have accepted in")
    if not answers:
        raise RestoreError(f"{sid} has no peers to restore it from")
    ballot = max(a["seen"] for a in answers.values())
    last = max(a["last_slot"] for a in answers.values())
    out = Restored(sid, "multipaxos", None, ballot, rejoin_until=last)
    state = Durable(promised=ballot, ballot=ballot, rejoin_until=last)
    out.moved_to = _replace_data(data, {"paxos": snapshot(state)}, out)
    return out


def _replace_data(data: Path, files: dict[str, bytes], out: Restored) -> Path | None:
    """Move the damaged directory aside and write the new one, each file synced."""
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    moved = None
    if data.exists():
        moved = data.with_name(f"{data.name}.damaged-{stamp}")
        os.replace(data, moved)
    data.mkdir(parents=True)
    for name, content in files.items():
        f = DiskFile(data / name)
        f.replace(content)
        f.close()
    note = {"restored": stamp, "protocol": out.protocol,
            "damaged_files": str(moved) if moved else None, "restarts_in": out.floor,
            "rejoin_until": out.rejoin_until, "log_copied_from": out.copied_from,
            "entries": out.entries}
    (data / "restored.json").write_text(json.dumps(note, indent=2) + "\n")
    return moved
