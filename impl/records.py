"""Checksummed records in an append-only file, and a recovery that tells a torn tail from
corruption.

A file starts with a header record that names its format (``conform raft wal 2``), so a file
of another kind, of an older format, or of random bytes is refused rather than read as an
empty one. A record is::

    [length u32][crc32 of the payload u32][crc32 of the 8 bytes before u32][payload]

and its payload is a kind byte and a body. The header's own checksum is what makes recovery
able to tell the two ways a log goes wrong:

* **A torn tail**: the last append was cut short by a crash, so the file ends inside a
  record — fewer bytes than a header, a whole header whose record runs past the end of the
  file, or zeros where the rest of the record should be (blocks a file system allocated but
  never wrote). Nothing in it was ever synced, so nothing in it was acknowledged: recovery
  cuts it off (so later appends do not land behind it) and says how many bytes it cut.
* **Corruption**: a header or payload whose checksum fails with anything but zeros after it,
  a record that checks but does not read, a header that is not this format's. The bytes may
  hold acknowledged writes, so recovery changes nothing and raises :class:`Corruption`,
  naming the file and the offset; the node must not start (see ``conform cluster restore``).

Each protocol's storage (:mod:`impl.raft.wal`, :mod:`impl.paxos.storage`) says what its
kinds and bodies mean.
"""

from __future__ import annotations

import logging
import struct
import zlib
from collections.abc import Callable
from typing import Protocol

_HEADER = struct.Struct("<III")  # payload length, crc32 of the payload, crc32 of those 8 bytes
_LEN_CRC = struct.Struct("<II")
MAX_RECORD = 1 << 30
SECTOR = 512  # the unit a disk writes whole: a torn write leaves whole sectors unwritten
FILE_KIND = 0  # the header record; protocols number their kinds from 1
log = logging.getLogger("conform.storage")


class File(Protocol):
    """What storage needs of a file: :class:`impl.sim.storage.SimFile` in the simulator,
    :class:`impl.disk.DiskFile` on a real disk."""

    def append(self, data: bytes) -> None: ...
    def sync(self) -> None: ...
    def read(self) -> bytes: ...
    def replace(self, data: bytes) -> None: ...
    def size(self) -> int: ...


class Corruption(Exception):
    """A file whose damage is not a torn tail: starting from it could lose acknowledged
    writes, so the node must not start."""

    def __init__(self, name: str, offset: int, reason: str) -> None:
        super().__init__(f"{name}, byte {offset}: {reason}")
        self.name, self.offset, self.reason = name, offset, reason


def record(kind: int, body: bytes) -> bytes:
    payload = bytes([kind]) + body
    head = _LEN_CRC.pack(len(payload), zlib.crc32(payload))
    return head + struct.pack("<I", zlib.crc32(head)) + payload


def file_header(fmt: str) -> bytes:
    """The first record of every file of format ``fmt``."""
    return record(FILE_KIND, fmt.encode())


def start(file: File, fmt: str) -> None:
    """Before the first append to a file: give an empty file its header."""
    if file.size() == 0:
        file.append(file_header(fmt))


def name_of(file: File) -> str:
    return str(getattr(file, "path", "the log"))


def read_records(file: File, fmt: str, apply: Callable[[bytes], None]) -> tuple[int, int]:
    """Feed ``apply`` each record's payload (the kind byte, then the body) in order.

    ``apply`` refuses a record by raising ValueError or struct.error. Returns how many
    records were read and how many bytes of torn tail were cut off the end; raises
    :class:`Corruption` (and changes nothing) if the file is damaged otherwise.
    """
    data = file.read()
    end = len(data)
    head = file_header(fmt)
    if not data.startswith(head):
        if head.startswith(data.rstrip(b"\0")):  # created, its header never synced
            return 0, _cut(file, data, 0)
        raise Corruption(name_of(file), 0, _not_this_format(data, fmt))
    pos, records = len(head), 0
    while pos < end:
        if end - pos < _HEADER.size:
            break  # torn: a header cut short
        length, crc, head_crc = _HEADER.unpack_from(data, pos)
        if zlib.crc32(data[pos:pos + _LEN_CRC.size]) != head_crc:
            if data.count(0, pos) == end - pos:
                break  # torn: zeros where the last record should be
            raise Corruption(name_of(file), pos, "a record header fails its checksum"
                             + _followed(data, pos))
        if not 1 <= length <= MAX_RECORD:
            raise Corruption(name_of(file), pos, f"a record claims {length} bytes")
        body_at = pos + _HEADER.size
        if body_at + length > end:
            break  # torn: the last record is cut short
        payload = data[body_at:body_at + length]
        if zlib.crc32(payload) != crc:
            if body_at + length == end and _unwritten_tail(data, body_at):
                break  # torn: the last record's final sectors were never written
            raise Corruption(name_of(file), pos, "a record fails its checksum"
                             + _followed(data, body_at + length))
        try:
            apply(payload)
        except (ValueError, struct.error) as e:
            raise Corruption(name_of(file), pos, f"a record does not read ({e})") from None
        records += 1
        pos = body_at + length
    return records, _cut(file, data, pos)


def _cut(file: File, data: bytes, pos: int) -> int:
    dropped = len(data) - pos
    if dropped:
        file.replace(data[:pos])
        # a real file's torn tail is worth a line in the server's log; the simulator tears
        # writes on purpose, thousands of times a run
        level = logging.WARNING if hasattr(file, "path") else logging.DEBUG
        log.log(level, "%s: cut a torn tail of %d bytes at byte %d (the last write before a "
                "crash, never synced)", name_of(file), dropped, pos)
    return dropped


def _unwritten_tail(data: bytes, body_at: int) -> bool:
    """Whether the payload from ``body_at`` to the end of the file ends in zeros from the
    start of a sector (or from its own start): the mark of sectors never written."""
    z = len(data.rstrip(b"\0"))
    if z == len(data):
        return False
    if z <= body_at:
        return True
    return -(-z // SECTOR) * SECTOR < len(data)


def _followed(data: bytes, at: int) -> str:
    more = len(data) - at
    return f", with {more} more bytes after it" if more > 0 else ", in the last record"


def _not_this_format(data: bytes, fmt: str) -> str:
    if len(data) >= _HEADER.size:
        length, crc, head_crc = _HEADER.unpack_from(data)
        payload = data[_HEADER.size:_HEADER.size + length]
        if head_crc == zlib.crc32(data[:_LEN_CRC.size]) and zlib.crc32(payload) == crc \
                and payload[:1] == bytes([FILE_KIND]):
            return f"a {payload[1:].decode(errors='replace')!r} file, not a {fmt!r} one"
    return f"not a {fmt!r} file (its first record is not that header: another kind of file, " \
        "or damaged)"
