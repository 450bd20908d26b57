"""Checksummed records in an append-only file, and the recovery that cuts off a torn tail.

A record is ``[length u32][crc32 u32][kind u8][body]``: the length counts the kind byte and
the body, the checksum covers them. A node only ever appends records, so a crash in the
middle of a write can damage nothing but the last one. Recovery hands each whole record to
the protocol's reader in order and stops at the first that is cut short, fails its
checksum, or does not read; what follows it is the torn tail, and it is cut off the file
for good, so later appends do not land behind garbage. Each protocol's storage
(:mod:`impl.raft.wal`, :mod:`impl.paxos.storage`) says what its kinds and bodies mean.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from typing import Protocol

_HEADER = struct.Struct("<II")  # body length (kind byte included), crc32 of the body
MAX_RECORD = 1 << 30


class File(Protocol):
    """What storage needs of a file: :class:`impl.sim.storage.SimFile` in the simulator,
    :class:`impl.disk.DiskFile` on a real disk."""

    def append(self, data: bytes) -> None: ...
    def sync(self) -> None: ...
    def read(self) -> bytes: ...
    def replace(self, data: bytes) -> None: ...


def record(kind: int, body: bytes) -> bytes:
    payload = bytes([kind]) + body
    return _HEADER.pack(len(payload), zlib.crc32(payload)) + payload


def read_records(file: File, apply: Callable[[bytes], None]) -> tuple[int, int]:
    """Feed ``apply`` each whole record's payload (the kind byte, then the body) in order.

    ``apply`` refuses a record by raising ValueError or struct.error: a record that is
    checksummed but not ours to read ends the log like a torn one. Returns how many
    records were read and how many bytes were cut off the end.
    """
    data = file.read()
    records, pos, end = 0, 0, len(data)
    while pos + _HEADER.size <= end:
        length, crc = _HEADER.unpack_from(data, pos)
        body_at = pos + _HEADER.size
        if length == 0 or length > MAX_RECORD or body_at + length > end:
            break
        payload = data[body_at:body_at + length]
        if zlib.crc32(payload) != crc:
            break
        try:
            apply(payload)
        except (ValueError, struct.error):
            break
        records += 1
        pos = body_at + length
    if pos < end:
        file.replace(data[:pos])
    return records, end - pos
