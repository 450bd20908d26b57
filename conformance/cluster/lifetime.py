"""Child processes that end with the process that started them.

A server under test, or the validator a cluster test runs, is stopped by its parent by
process id (SIGTERM, then SIGKILL). A parent that is itself killed with SIGKILL cannot do
that, and its children went on running: servers still listening on their ports, a validator
still working on a run nobody waits for. On Linux each child asks the kernel to send it
SIGKILL when its parent ends (``PR_SET_PDEATHSIG``), a crash the servers are built to
survive; elsewhere this does nothing.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Callable

_PR_SET_PDEATHSIG = 1


def ending_with_this_process() -> Callable[[], None] | None:
    """A ``preexec_fn`` for :mod:`subprocess` that makes the child end with this process
    (None where the platform has no such request)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def request() -> None:  # in the child, between fork and exec
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent ended before the request was in place
            os._exit(1)
    return request
