"""A real append-only file with the interface of :class:`impl.sim.storage.SimFile`.

``sync`` is ``fsync``; ``replace`` writes a temporary file, fsyncs it, renames it over the
old one and fsyncs the directory, so the swap is atomic on a crash. Shared by every
protocol's write-ahead log.

A process killed with ``kill -9`` loses nothing it wrote (the OS still has it); a machine
that loses power loses what was not synced. To test the second kind of crash without pulling
a plug, each file notes beside it (``wal.synced``) how long it was at its last sync, and
:func:`lose_unsynced` cuts it back to that length before a server restarts: the restart a
power loss would give (``conform cluster node --lose-unsynced``).
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

SYNCED = ".synced"  # the suffix of the note of a file's length at its last sync


class DiskFile:
    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        self._note = os.open(_note(self.path), os.O_RDWR | os.O_CREAT, 0o644)
        self.syncs = 0
        self._noted()  # what is there at the start survived: it counts as synced

    def append(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            n = os.write(self._fd, view)
            view = view[n:]

    def sync(self) -> None:
        os.fsync(self._fd)
        self.syncs += 1
        self._noted()

    def _noted(self) -> None:
        """Note the length synced (not synced itself: a power loss test reads it after a
        ``kill -9``, which keeps it)."""
        os.pwrite(self._note, struct.pack("<Q", os.fstat(self._fd).st_size), 0)

    def read(self) -> bytes:
        return self.path.read_bytes()

    def size(self) -> int:
        return os.fstat(self._fd).st_size

    def replace(self, data: bytes) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.path)
        dfd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
        os.close(self._fd)
        self._fd = os.open(self.path, os.O_RDWR | os.O_APPEND)
        self.syncs += 1
        self._noted()

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            os.close(self._note)
            self._fd = -1


def _note(path: Path) -> Path:
    return path.with_name(path.name + SYNCED)


def lose_unsynced(path: str | os.PathLike) -> int:
    """Cut the file back to its length at its last sync, as a power loss would (the OS's
    page cache gone); return how many bytes were lost. A file without a note is left."""
    path = Path(path)
    note = _note(path)
    if not path.exists() or not note.exists():
        return 0
    raw = note.read_bytes()
    if len(raw) != 8:
        return 0
    (synced,) = struct.unpack("<Q", raw)
    size = path.stat().st_size
    if synced >= size:
        return 0
    os.truncate(path, synced)
    return size - synced


def lose_all_unsynced(folder: str | os.PathLike) -> dict[str, int]:
    """:func:`lose_unsynced` for every noted file in a server's data folder: the bytes each
    lost, by file name."""
    out = {}
    for note in sorted(Path(folder).glob("*" + SYNCED)):
        path = note.with_name(note.name[:-len(SYNCED)])
        lost = lose_unsynced(path)
        if lost:
            out[path.name] = lost
    return out
