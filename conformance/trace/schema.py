"""A trace: a header saying what produced it, then one step per state.

The same type carries a model checker's counterexample (TLC's or the embedded engine's) and a
recording of the implementation under a schedule, so either can be printed, saved, replayed
and validated by the same code. See ``files.py`` for the file format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from conformance.errors import Position

FORMAT = "conform-trace"
VERSION = 1

INIT = "Init"  # the action name of the first step: the initial state


@dataclass
class TraceHeader:
    """What the trace is about and where it came from."""

    spec: str  # root module of the spec the states belong to
    model: str | None = None  # the .cfg file, if a model was checked
    protocol: str | None = None  # "raft", "paxos", ... for implementation traces
    variables: list[str] = field(default_factory=list)  # the spec's variables, in order
    constants: dict[str, Any] = field(default_factory=dict)  # name -> TLA+ value
    origin: dict[str, Any] = field(default_factory=dict)  # tool, version, seed, ...
    schedule: Any = None  # the decisions that produced an implementation trace (JSON data)
    loop: int | None = None  # lasso: after the last step the behavior returns to steps[loop]
    violated: str | None = None  # the property this trace is a counterexample to
    extra: dict[str, Any] = field(default_factory=dict)  # anything else, kept verbatim


@dataclass
class Step:
    """One state of a behavior and the action that led to it."""

    index: int  # 0 for the initial state
    action: str  # the spec action's name; INIT for the initial state
    state: dict[str, Any]  # variable -> TLA+ value; may omit variables it does not know
    params: dict[str, Any] | None = None  # the action's parameters, where known
    location: Position | None = None  # the action's definition in the spec, where known
    node: str | None = None  # the implementation node that took the step, if any
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. the schedule decision


@dataclass
class Trace:
    header: TraceHeader
    steps: list[Step] = field(default_factory=list)

    @property
    def is_lasso(self) -> bool:
        return self.header.loop is not None

    def states(self) -> list[dict[str, Any]]:
        return [s.state for s in self.steps]

    def actions(self) -> list[str]:
        return [s.action for s in self.steps]
