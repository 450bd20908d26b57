"""The byte-flip sweep for checksummed logs (:mod:`impl.records`): damage one byte at a time
and sort what recovery makes of it. No outcome may be silent loss: recovery either refuses
(:class:`impl.records.Corruption`, nothing changed), cuts a torn tail — the damaged byte
inside it, the state that of the whole records before it, the cut reported — or recovers
exactly the undamaged state."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from impl.records import Corruption
from impl.sim.storage import SimFile

# each byte XORed with each single bit, and with all eight
MASKS = (0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xFF)


def record_ends(data: bytes) -> list[int]:
    """Where each record of a well-formed file ends (the header record's end first)."""
    out, pos = [], 0
    while pos < len(data):
        pos += 12 + int.from_bytes(data[pos:pos + 4], "little")
        out.append(pos)
    assert pos == len(data), "not a well-formed file"
    return out


def sweep(data: bytes, recover: Callable[[SimFile], Any],
          state: Callable[[Any], Any]) -> Counter:
    """Flip every byte of ``data`` with every mask; return the count of each outcome:
    ``refused``, ``tail cut`` and ``unaffected``. Fails on anything else."""
    ends = record_ends(data)
    prefix_states = {end: state(recover(SimFile(data[:end]))) for end in ends}
    whole = state(recover(SimFile(data)))
    outcomes: Counter = Counter()
    for at in range(len(data)):
        for mask in MASKS:
            damaged = bytearray(data)
            damaged[at] ^= mask
            f = SimFile(bytes(damaged))
            try:
                rec = recover(f)
            except Corruption as e:
                assert f.read() == bytes(damaged), "a refusal changed the file"
                assert e.offset <= at, f"byte {at}: refused at {e.offset}, past the damage"
                outcomes["refused"] += 1
                continue
            kept = len(f.read())
            if kept == len(data):
                assert state(rec) == whole, f"byte {at} ^ {mask:#x}: silently different"
                outcomes["unaffected"] += 1
            else:
                assert kept in prefix_states and kept <= at, \
                    f"byte {at} ^ {mask:#x}: cut at {kept}, not a torn tail holding the damage"
                assert state(rec) == prefix_states[kept], f"byte {at}: cut to another state"
                assert f.read() == data[:kept] and len(data) - kept == _dropped(rec)
                outcomes["tail cut"] += 1
    return outcomes


def _dropped(rec: Any) -> int:
    return rec.dropped_bytes
