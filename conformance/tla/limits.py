"""The limits a run of the engine keeps: time, memory, and TLC's bounds on set sizes.

Time and memory are watched by a timer that interrupts whatever is being evaluated (an
initial predicate that enumerates a huge set, an ASSUME over millions of elements), not only
between states: every quarter of a second a SIGALRM handler compares the clock with the
deadline and the resident memory of the process (and of its workers, on several processes)
with the bound, and raises :class:`TimeLimit` or :class:`MemoryLimit`. Both derive from
BaseException, so the compiled closures, which turn any Python exception into TLC's
evaluation error, let them through to the caller. The timer works in the main thread (where
the CLI, the corpus children and the tests check models); elsewhere only the explorer's own
checks between states apply.

The set bounds are TLC's: a set is not built with more than ``max_set_size`` elements
(``-maxSetSize``, default 1,000,000: "Attempted to construct a set with too many elements"),
and the size of SUBSET S or [S -> T] that does not fit in 31 bits is an overflow error.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from conformance.tla.errors import EvalError

# TLC's defaults (tlc2.TLCGlobals.setBound, and Java's int for sizes)
DEFAULT_MAX_SET_SIZE = 1_000_000
INT_MAX = 2**31 - 1


class Bounds:
    """The set-size bound in force (one model is checked per process at a time)."""

    max_set_size = DEFAULT_MAX_SET_SIZE


def too_many() -> EvalError:
    return EvalError("Attempted to construct a set with too many elements "
                     f"(>{Bounds.max_set_size}).")


def check_built(n: int) -> None:
    """A set of ``n`` elements is about to be built (or was): refuse it past the bound."""
    if n > Bounds.max_set_size:
        raise too_many()


class ResourceLimit(BaseException):  # noqa: N818 - a limit, raised like KeyboardInterrupt
    """The run went past one of its limits; ``message`` says which and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TimeLimit(ResourceLimit):
    pass


class MemoryLimit(ResourceLimit):
    pass


def default_memory() -> int | None:
    """A quarter of the machine's memory, as Java gives TLC by default; None if unknown."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 4
    except (ValueError, OSError, AttributeError):
        return None


def resident(pid: int | str = "self") -> int | None:
    """A process's resident memory in bytes, this one's by default (None where it cannot
    be read cheaply, or the process is gone)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


# The worker processes of a search on several processes (parallel.py): their memory counts
# toward the run's bound with this process's, as TLC's workers share its one heap. Each
# process's resident memory is added, so a page a worker still shares with this process
# (it was forked from it) counts twice: the bound errs on the side of stopping.
_WORKERS: list[int] = []


@contextmanager
def counting(pids: list[int]) -> Iterator[None]:
    """While inside, the processes ``pids`` count toward the memory bound."""
    _WORKERS.extend(pids)
    try:
        yield
    finally:
        for pid in pids:
            _WORKERS.remove(pid)


def resident_total() -> int | None:
    """This process's resident memory and its counted workers' (see :func:`counting`)."""
    total = resident()
    if total is None:
        return None
    for pid in _WORKERS:
        total += resident(pid) or 0
    return total


def _gb(n: int) -> str:
    return f"{n / (1 << 30):.1f} GB"


@contextmanager
def enforced(timeout: float | None, memory: int | None) -> Iterator[None]:
    """Raise :class:`TimeLimit` after ``timeout`` seconds and :class:`MemoryLimit` once the
    resident memory passes ``memory`` bytes, from wherever the run is (see the module
    docstring); nothing happens outside the main thread or without SIGALRM."""
    if (timeout is None and memory is None) or not hasattr(signal, "setitimer") or \
            threading.current_thread() is not threading.main_thread():
        yield
        return
    deadline = None if timeout is None else time.monotonic() + timeout
    fired = [False]

    def tick(signum, frame) -> None:
        if fired[0]:
            return
        if deadline is not None and time.monotonic() >= deadline:
            fired[0] = True
            raise TimeLimit(f"the run did not finish within its time limit ({timeout:g} s)")
        if memory is not None:
            rss = resident_total()
            if rss is not None and rss > memory:
                fired[0] = True
                raise MemoryLimit(f"the engine used more than its memory bound of "
                                  f"{_gb(memory)} (resident {_gb(rss)}); raise it with "
                                  "--max-memory, or make the model smaller")

    previous = signal.signal(signal.SIGALRM, tick)
    signal.setitimer(signal.ITIMER_REAL, 0.25, 0.25)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0, 0)
        signal.signal(signal.SIGALRM, previous)
