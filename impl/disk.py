"""A real append-only file with the interface of :class:`impl.sim.storage.SimFile`.

``sync`` is ``fsync``; ``replace`` writes a temporary file, fsyncs it, renames it over the
old one and fsyncs the directory, so the swap is atomic on a crash. Shared by every
protocol's write-ahead log.
"""

from __future__ import annotations

import os
from pathlib import Path


class DiskFile:
    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        self.syncs = 0

    def append(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            n = os.write(self._fd, view)
            view = view[n:]

    def sync(self) -> None:
        os.fsync(self._fd)
        self.syncs += 1

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

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
