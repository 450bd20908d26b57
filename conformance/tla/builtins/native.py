"""What every native operator shares: :class:`Native`, the per-model :class:`Runtime`, and
TLC's messages for arguments of the wrong kind, the helpers the registries use."""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.tla.errors import EvalError
from conformance.tla.lazy import LazyFn, to_tla_any
from conformance.values import Fn, Tup

Value = Any

# Java system properties as TLCGet("-Dname") reads them: the engine always composes actions
# (TLC does when run with -Dtlc2.tool.impl.Tool.cdot=true, as the Examples that use \cdot
# require)
PROPERTIES = {"tlc2.tool.impl.Tool.cdot": "true"}


@dataclass(frozen=True)
class Native:
    """A natively implemented operator.

    ``op_args`` lists the positions of arguments that are operators (passed as callables);
    ``impure`` operators (Print, TLCGet, RandomElement...) are never folded inside an
    expression (a 0-arity constant definition using them is still evaluated once, as TLC
    does at startup); ``state_level`` ones read the search's state (TLCGet: TLC gives it a
    minimum level of 1), so definitions using them are never evaluated ahead;
    ``runtime`` operators get the model's :class:`Runtime` as their first argument;
    ``unsupported`` ones exist so that specs naming them resolve as under SANY, and are
    refused where a model uses them; arguments at the positions ``lazy`` lists are passed
    unevaluated, as functions of no arguments (TLCExt's AssertError evaluates its own).
    """

    arity: int
    fn: Callable
    op_args: tuple[int, ...] = ()
    impure: bool = False
    runtime: bool = False
    state_level: bool = False
    name: str = field(default="", compare=False)
    unsupported: str | None = None  # what TLC does here that the engine cannot (compile error)
    primed: Callable | None = None  # the operator under a prime (TLCGet("level")' is the next)
    lazy: tuple[int, ...] = ()


class Draws(random.Random):
    """The engine's random choices, which remember whether any was made: a result that
    depends on them may differ from TLC's, which draws with a generator of its own."""

    drawn = False

    def random(self) -> float:
        self.drawn = True
        return super().random()

    def getrandbits(self, k: int) -> int:
        self.drawn = True
        return super().getrandbits(k)


class Runtime:
    """Per-model state that some TLC operators read or write."""

    def __init__(self, out=None, seed: int | None = None) -> None:
        # Print goes to stderr: stdout carries the results (a table, --json), never mixed
        # with what a spec prints while it is checked
        self.out = out
        self.registers: dict = {}
        self.properties: dict = dict(PROPERTIES)
        # RandomElement and friends draw from this; a model compiled again (to trace an
        # error) starts from the same seed, so constants it drew come out the same
        self.seed = seed if seed is not None else random.randrange(2**63)
        self.rng = Draws(self.seed)
        self.level = 0  # TLCGet("level"): the depth of the state being explored
        self.stats: dict[str, Any] = {}
        self.printed: list[str] = []
        self.base_dir: Path | None = None  # the spec's folder (where Json also looks)
        self.files: dict = {}  # files read by Json, by name and version (see json)
        self.cached: dict = {}  # TLCCache's values: by expression (its node), by closure
        self.exit = False  # TLCSet("exit", TRUE): the search stops
        # the model reads or writes the search's shared state (TLCGet, TLCSet): its search
        # stays in one process, where the figures and registers are TLC's with one worker
        self.shared = False
        self.started = time.monotonic()
        # the search's figures for TLCGet("distinct") and the like (set by the explorer)
        self.counters: Callable[[], dict[str, int]] | None = None
        # the behavior up to the state being evaluated, for TLCExt!Trace (set by the explorer)
        self.behavior: Callable[[], list[tuple]] | None = None
        self.variables: list[str] = []  # the model's variables, in order (Trace's records)

    def figures(self) -> dict[str, int]:
        """TLCGet's view of the search: distinct, generated, queue, diameter, initial,
        duration (zeros before a search starts, as when TLC evaluates an ASSUME)."""
        out = {"distinct": 0, "generated": 0, "queue": 0, "diameter": 0, "initial": 0}
        if self.counters is not None:
            out.update(self.counters())
        out["duration"] = int(time.monotonic() - self.started)
        return out

    def print(self, text: str) -> None:
        self.printed.append(text)
        print(text, file=self.out or sys.stderr)


def ppr(v: Value) -> str:
    return to_tla_any(v)


def fail_arg(which: str, op: str, what: str, v: Value) -> EvalError:
    article = "an" if what[:1] in "aeiou" else "a"
    return EvalError(f"The {which} argument of {op} should be {article} {what}, but instead "
                     f"it is:\n{ppr(v)}")


def need_int(v: Value, which: str, op: str) -> int:
    if type(v) is not int:
        raise fail_arg(which, op, "integer", v)
    return v


def op(arity, fn, **kw) -> Native:
    return Native(arity, fn, **kw)


def const(v):
    return Native(0, lambda: v)


def truth(v, op: str) -> bool:
    if type(v) is not bool:
        raise EvalError(f"The second argument of {op} should be a boolean function, but "
                        f"instead it returned:\n{ppr(v)}")
    return v


def as_seq(v, op: str, what: str = "sequence"):
    if type(v) is Tup:
        return v
    if type(v) is Fn or isinstance(v, LazyFn):
        f = v.materialize() if isinstance(v, LazyFn) else v
        if type(f) is Tup:
            return f
    raise EvalError(f"The argument of {op} should be a {what}, but instead it is:\n{ppr(v)}")


def fn_graph(f, op: str) -> dict:
    if type(f) is Tup:
        return {i + 1: x for i, x in enumerate(f)}
    if type(f) is Fn:
        return f.map
    if isinstance(f, LazyFn):
        return fn_graph(f.materialize(), op)
    raise EvalError(f"The argument of {op} should be a function, but instead it is:\n"
                    f"{ppr(f)}")


def refused(arity: int, what: str) -> Native:
    """An operator of a standard module that the engine does not evaluate (see Native)."""
    def fail(*args):
        raise EvalError(f"not supported by the embedded engine: {what}")
    return Native(arity, fail, impure=True, unsupported=what)
