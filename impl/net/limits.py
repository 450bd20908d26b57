"""How much a server holds for the connections it serves: bounded per connection and in
total, with back-pressure (a connection that is over a bound is not read from, so TCP slows
its sender down) or refusal (a connection past the limit is closed at once).

The bounds, and what they cost at most (README, "Resources"):

* ``connections``: inbound connections at once; one more is closed as it arrives. Each
  costs at most ``READER_LIMIT`` * 2 plus one socket read (256 KB) of buffered input, and
  ``reply_bytes`` of output waiting.
* ``frame_bytes`` (peers) and ``client_frame_bytes`` (clients): the largest frame each may
  send; the handshake's frames are smaller still (:data:`impl.net.auth.HANDSHAKE_FRAME`).
* ``buffer_bytes``: the bodies of large frames being received, all connections together. A
  frame of more than ``READER_LIMIT`` bytes must reserve its size first; while it does not
  fit, its connection waits unread. Once started it must arrive at ``min_rate`` bytes a
  second (``min_seconds`` at least), or the connection is closed: a sender that trickles
  cannot hold the reservation for ever.
* ``client_pending`` and ``pending``: client requests being served, per connection and in
  total (a connection waiting for its next request holds a place for it); past either, the
  connection's next request is not read until one is answered.
* ``reply_bytes``: replies waiting to go out to one client; past it, its requests wait.

So a server's memory is bounded by its own state, plus ``buffer_bytes``, plus about
``connections`` * (2 * ``READER_LIMIT`` + 256 KB + ``reply_bytes``) — with the defaults
64 MB + 256 * 0.6 MB in the worst case, and in practice far less (each connection holds
what its peer actually sent). Outbound, each peer link queues at most
:data:`impl.net.transport.PEER_QUEUE` frames and ``peer_queue_bytes`` bytes, dropping the
oldest (the protocols retransmit).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
from dataclasses import dataclass

READER_LIMIT = 32 << 10  # an asyncio StreamReader stops reading past twice this


@dataclass(frozen=True)
class Limits:
    connections: int = 256
    frame_bytes: int = 16 << 20
    client_frame_bytes: int = 1 << 20
    buffer_bytes: int = 64 << 20
    min_rate: float = 1 << 20  # bytes per second
    min_seconds: float = 5.0
    client_pending: int = 64
    pending: int = 4096
    reply_bytes: int = 256 << 10
    peer_queue_bytes: int = 64 << 20

    def deadline(self, size: int) -> float:
        """Seconds a frame of ``size`` bytes may take to arrive."""
        return max(self.min_seconds, size / self.min_rate)


class ByteBudget:
    """Bytes reserved by frames being received; first come, first served."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.free = total
        self._waiting: collections.deque[tuple[int, asyncio.Future]] = collections.deque()

    async def reserve(self, n: int) -> None:
        if n > self.total:
            raise ValueError(f"{n} bytes is more than the whole budget of {self.total}")
        if not self._waiting and n <= self.free:
            self.free -= n
            return
        fut = asyncio.get_running_loop().create_future()
        entry = (n, fut)
        self._waiting.append(entry)
        try:
            await fut
        except BaseException:
            if fut.done() and not fut.cancelled():
                self.release(n)  # granted as we were cancelled: hand it on
            else:
                with contextlib.suppress(ValueError):
                    self._waiting.remove(entry)
                self._grant()
            raise

    def release(self, n: int) -> None:
        self.free += n
        self._grant()

    def _grant(self) -> None:
        while self._waiting and self._waiting[0][0] <= self.free:
            n, fut = self._waiting.popleft()
            if not fut.done():
                self.free -= n
                fut.set_result(None)


class Slots:
    """Things in service, at most ``limit``: :meth:`take` waits for a free one. (A
    semaphore that says how many are taken.)"""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self._freed = asyncio.Event()

    async def take(self) -> None:
        while self.used >= self.limit:
            self._freed.clear()
            await self._freed.wait()
        self.used += 1

    def take_now(self) -> bool:
        """Take one if one is free (no coroutine: the common case on every request)."""
        if self.used < self.limit:
            self.used += 1
            return True
        return False

    def give(self) -> None:
        self.used -= 1
        self._freed.set()
