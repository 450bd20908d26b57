"""An event's parameters mapped by kind: the abstractions name, for their protocol, which
parameters are servers and how a server, a message and a value map (to TLA+ values for the
simulator, to the trace's JSON for a node's recorder); the walk over the parameters is this
one."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

SERVERS = ("i", "j")  # the specs' names of the servers an action is about


def mapped(raw: Mapping[str, Any], node: Callable[[Any], Any],
           message: Callable[[Any], Any], value: Callable[[Any], Any],
           servers: tuple[str, ...] = SERVERS) -> dict[str, Any]:
    """``raw`` with its servers (``servers``), its message (``m``) and its value (``v``)
    mapped; the other parameters as they are, in ``raw``'s order."""
    out: dict[str, Any] = {}
    for k, v in raw.items():
        if k in servers:
            out[k] = node(v)
        elif k == "m":
            out[k] = message(v)
        elif k == "v":
            out[k] = value(v)
        else:
            out[k] = v
    return out
