"""Room on CPython's frame stack for the engine's deep evaluations.

CPython 3.11 and 3.12 keep the frames of Python calls in chunks of 16 KB that it maps and
unmaps with ``mmap``/``munmap`` as calls cross from one chunk into the next and back (the
chunk is freed as soon as its first frame returns: CPython issue gh-142183, fixed by a cached
chunk only in later releases). The engine evaluates a spec by nested closures, so a hot loop
whose calls happen to reach over a chunk boundary pays two system calls and the page faults
of a fresh chunk on every call. On etcd-io/raft's trace specification that was more than half
of the run's CPU time, in the kernel (``strace -c``: 238,000 mmap/munmap pairs for 300
events), and how much depended on where a boundary happened to fall.

:func:`with_room` calls a function from a frame too large for an ordinary chunk, so CPython
gives that frame a chunk of its own, sized to a power of two with :data:`ROOM` bytes free
above the frame; the frame lives as long as the call, and so does its chunk. The calls made
within it use that room, and only evaluations nested deeper than it cross a boundary. The big
frame is a larger evaluation stack declared for :func:`_call` (it is never used), so nothing
else about the call changes. On other Pythons the same call is merely a call.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

ROOM = 64 * 1024  # bytes of frames above the big frame before a boundary is crossed
_SLOT = 8  # bytes per slot of a frame (a pointer)


def _call(fn: Callable[..., T], args: tuple, kwargs: dict) -> T:
    return fn(*args, **kwargs)


if sys.implementation.name == "cpython" and sys.version_info >= (3, 11):
    # a frame of ROOM bytes and a little more: CPython allocates it a chunk of twice ROOM
    # (the sizes double from 16 KB), which leaves about ROOM above it
    _call.__code__ = _call.__code__.replace(
        co_stacksize=_call.__code__.co_stacksize + ROOM // _SLOT + 64)


def with_room(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)``, its calls made in a frame-stack chunk of their own."""
    return _call(fn, args, kwargs)
