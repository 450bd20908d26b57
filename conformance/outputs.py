"""Writing the files conform produces (traces, ITF exports, reports) without harming anything.

A file is written whole to a temporary file beside its target and renamed over it, so a
reader never sees half of it and a crash leaves the old file. The rename happens only onto a
regular file or onto nothing: a device, a folder, a socket or a symbolic link at the target
is refused (run as root, a blind rename turns ``/dev/null`` into a regular file). Every OS
error (a read-only folder, a file where a folder should be, a full disk) is one
:class:`OutputError` naming the path.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from conformance.errors import UserError


class OutputError(UserError):
    """An output path conform will not or cannot write."""


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISLNK, "a symbolic link"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def check_target(path: Path) -> None:
    """Refuse a target that is neither missing nor a regular file."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as e:
        raise OutputError(f"cannot write {path}: {e.strerror or e}")
    if not stat.S_ISREG(st.st_mode):
        raise OutputError(f"will not write {path}: it is {_kind(st.st_mode)}",
                          hint="name a new file or a regular file to replace")


def ensure_dir(path: str | os.PathLike) -> Path:
    """Create a folder (and its parents) for output, or say in one line why not."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(f"cannot use {path} as a folder: a file of that name is in the way")
    except OSError as e:
        raise OutputError(f"cannot create the folder {path}: {e.strerror or e}")
    if not path.is_dir():
        raise OutputError(f"cannot use {path} as a folder: it is not one")
    return path


def write_file(path: str | os.PathLike, fill: Callable[[IO[str]], object],
               *, private: bool = False) -> Path:
    """Write a text file atomically: ``fill`` writes the content to the stream it is given.
    The file is readable by others unless ``private`` (then only by its owner)."""
    path = Path(path)
    ensure_dir(path.parent)
    check_target(path)
    with _temporary(path) as (out, tmp):
        fill(out)
        out.flush()
        os.fsync(out.fileno())
        out.close()
        os.chmod(tmp, 0o600 if private else 0o666 & ~_umask())
        check_target(path)  # once more: the target may have changed while we wrote
        os.replace(tmp, path)
    return path


def write_text(path: str | os.PathLike, text: str, *, private: bool = False) -> Path:
    return write_file(path, lambda out: out.write(text), private=private)


@contextlib.contextmanager
def _temporary(path: Path) -> Iterator[tuple[IO[str], str]]:
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise OutputError(f"cannot write {path}: {e.strerror or e}")
    out = os.fdopen(fd, "w", encoding="utf-8")
    try:
        yield out, tmp
    except OSError as e:
        raise OutputError(f"cannot write {path}: {e.strerror or e}")
    finally:
        out.close()
        Path(tmp).unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
