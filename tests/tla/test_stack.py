"""conformance.tla.stack: the engine's calls run in a frame-stack chunk of their own."""

from __future__ import annotations

import sys

import pytest

from conformance.tla import stack
from conformance.tla.stack import ROOM, with_room


def test_calls_through_with_arguments_and_result():
    assert with_room(lambda a, b=0, *, c: (a, b, c), 1, c=3) == (1, 0, 3)
    assert with_room(sorted, [3, 1, 2], reverse=True) == [3, 2, 1]


def test_exceptions_pass_through():
    def fail(message):
        raise KeyError(message)

    with pytest.raises(KeyError, match="here"):
        with_room(fail, "here")


@pytest.mark.skipif(sys.implementation.name != "cpython", reason="CPython's frame stack")
def test_the_frame_does_not_fit_an_ordinary_chunk():
    # CPython's chunks are 16 KB: a frame larger than ROOM (>= 64 KB) gets a chunk of its own
    # with about ROOM free above it
    frame_bytes = stack._call.__code__.co_stacksize * 8
    assert frame_bytes > ROOM >= 4 * 16 * 1024


def test_deep_calls_inside_work():
    def depth(n):
        return 0 if n == 0 else 1 + depth(n - 1)

    assert with_room(depth, 500) == 500
