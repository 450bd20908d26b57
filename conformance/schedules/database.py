"""Where Hypothesis keeps the failures a campaign found, so they are tried first next time.

Hypothesis saves every failing example (the shrunk one, and the ones met on the way) in an
*example database* and replays them before generating anything new (its ``reuse`` phase).
Kept between CI runs, or shared by the machines of one campaign, it makes a failure found
once the first thing tried everywhere. The databases are Hypothesis's own:

* a directory (``DirectoryBasedExampleDatabase``), the default: ``.hypothesis/examples``,
  which a CI cache keeps between runs;
* Redis (``hypothesis.extra.redis.RedisExampleDatabase``), shared by every machine that
  reaches the server: ``redis://host:6379/0``, with the optional ``redis`` extra installed
  (``pip install 'conform[redis]'``);
* ``none``: nothing is saved or replayed.

Hypothesis files examples under a digest of the test function; a campaign's examples are
filed, in addition, under its protocol and planted bugs (:class:`Filed`), so a failure of
Raft with ``commit_old_term`` is replayed by every campaign of Raft with that bug, and by
no other.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from hypothesis.database import DirectoryBasedExampleDatabase, ExampleDatabase

from conformance.errors import UserError

DEFAULT = ".hypothesis/examples"  # Hypothesis's own default place, under the current folder
ENV = "CONFORM_EXAMPLE_DB"


class Filed(ExampleDatabase):
    """Another database, with every key prefixed by the campaign's name."""

    def __init__(self, inner: ExampleDatabase, prefix: str) -> None:
        super().__init__()
        self.inner = inner
        self.prefix = prefix.encode() + b":"

    def save(self, key: bytes, value: bytes) -> None:
        self.inner.save(self.prefix + key, value)

    def fetch(self, key: bytes) -> Iterable[bytes]:
        return self.inner.fetch(self.prefix + key)

    def delete(self, key: bytes, value: bytes) -> None:
        self.inner.delete(self.prefix + key, value)

    def move(self, src: bytes, dest: bytes, value: bytes) -> None:
        self.inner.move(self.prefix + src, self.prefix + dest, value)

    def __repr__(self) -> str:
        return f"Filed({self.inner!r}, {self.prefix!r})"


def describe(spec: str | None) -> str:
    """The database a spec names, for messages (the default when None)."""
    return spec or os.environ.get(ENV) or DEFAULT


def open_database(spec: str | None) -> ExampleDatabase | None:
    """The database named by ``spec`` (a directory, ``redis://...``, or ``none``); None means
    $CONFORM_EXAMPLE_DB, else the default directory."""
    spec = describe(spec)
    if spec.lower() in ("none", "off", ""):
        return None
    if spec.startswith(("redis://", "rediss://", "unix://")):
        try:
            import redis  # type: ignore[import-not-found,import-untyped,unused-ignore]
            from hypothesis.extra.redis import RedisExampleDatabase
        except ImportError:
            raise UserError(f"the example database {spec} needs the Redis client",
                            hint="pip install 'conform[redis]' (Hypothesis's redis extra)")
        return RedisExampleDatabase(redis.Redis.from_url(spec))
    path = Path(spec)
    if path.exists() and not path.is_dir():
        raise UserError(f"{path}: the example database must be a directory, not a file")
    return DirectoryBasedExampleDatabase(str(path))


def for_campaign(db: ExampleDatabase | None, protocol: str,
                 bugs: tuple[str, ...]) -> ExampleDatabase | None:
    """``db`` with the campaign's examples filed under its protocol and bugs."""
    if db is None:
        return None
    return Filed(db, protocol + "+" + ",".join(sorted(bugs)))
