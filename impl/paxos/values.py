"""How the Paxos implementations' values look in the specs.

Simulated clients propose the spec's values by name (``b"v1"`` is the model value ``v1``);
real clients' commands appear as strings. Multi-Paxos's no-op (``None``) is the model value
``NoOp`` and "no value" is ``Nil``, as the specs' constants say.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance.values import ModelValue

NIL = ModelValue("Nil")
NOOP = ModelValue("NoOp")

ValueMap = Callable[[bytes], Any]


def sim_value(data: bytes) -> Any:
    return ModelValue(data.decode())


def text_value(data: bytes) -> Any:
    return data.decode(errors="replace")


def node(node_id: str) -> ModelValue:
    v = _MODEL_VALUES.get(node_id)  # traces map every server id many times per step
    if v is None:
        v = _MODEL_VALUES[node_id] = ModelValue(node_id)
    return v


_MODEL_VALUES: dict[str, ModelValue] = {}
