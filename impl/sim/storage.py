"""Simulated disks that know what was written and what was synced.

DESIGN rule 7: durability is modelled, not assumed. A :class:`SimFile` is an append-only byte
file whose tail past the last :meth:`SimFile.sync` lives only in the "page cache"; a crash
keeps the synced prefix and, if the scheduler says so, a *part* of the unsynced tail — a torn
write — which is exactly what a write-ahead log's recovery has to survive. Nothing here is
random: how many unsynced bytes survive a crash is a parameter of the crash.

The same small interface (``append``, ``sync``, ``read``, ``replace``) is implemented by
:mod:`impl.raft.wal`'s real file, so storage code is written once and run on both.
"""

from __future__ import annotations


class SimFile:
    """One append-only file of a simulated node."""

    __slots__ = ("_data", "_synced", "syncs", "writes")

    def __init__(self, data: bytes = b"") -> None:
        self._data = bytearray(data)
        self._synced = len(data)
        self.syncs = 0  # how many sync calls were made (for tests and benchmarks)
        self.writes = 0

    def append(self, data: bytes) -> None:
        self._data += data
        self.writes += 1

    def sync(self) -> None:
        self._synced = len(self._data)
        self.syncs += 1

    def read(self) -> bytes:
        """What a reader sees now: written data, synced or not (the page cache)."""
        return bytes(self._data)

    def size(self) -> int:
        return len(self._data)

    def replace(self, data: bytes) -> None:
        """Atomically swap in new contents, durable at once (write-temp, fsync, rename)."""
        self._data = bytearray(data)
        self._synced = len(data)
        self.syncs += 1

    @property
    def unsynced(self) -> int:
        """Bytes written since the last sync: what a crash may lose."""
        return len(self._data) - self._synced

    def crash(self, keep_unsynced: int = 0) -> None:
        """Lose the unsynced tail, except its first ``keep_unsynced`` bytes (a torn write)."""
        keep = self._synced + max(0, min(keep_unsynced, self.unsynced))
        del self._data[keep:]
        self._synced = keep


class SimDisk:
    """A node's disk: named :class:`SimFile` s that survive the node's crashes."""

    def __init__(self) -> None:
        self.files: dict[str, SimFile] = {}

    def open(self, name: str) -> SimFile:
        f = self.files.get(name)
        if f is None:
            f = self.files[name] = SimFile()
        return f

    @property
    def unsynced(self) -> int:
        return sum(f.unsynced for f in self.files.values())

    def crash(self, keep_unsynced: int = 0) -> None:
        """Every file loses its unsynced tail; ``keep_unsynced`` bytes of each survive."""
        for f in self.files.values():
            f.crash(keep_unsynced)
