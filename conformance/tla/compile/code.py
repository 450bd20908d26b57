"""Compiled code and what is known about it: :class:`Code`, expression levels, the
error-position machinery (:class:`Tracing`, :func:`guarded`, :func:`wrap_error`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance.tla import syntax as S
from conformance.tla.errors import EvalError
from conformance.tla.lazy import canonical, to_tla_any
from conformance.tla.limits import MemoryLimit

Value = Any

CONST, STATE, ACTION, TEMPORAL = 0, 1, 2, 3
NOVALUE = object()
E0 = (None, None)
NO_DEPS: frozenset = frozenset()


def frame_of(E: tuple, depth: int) -> tuple:
    """The first ``depth`` slots of ``E``, for a rule (a set filter, a function over an
    infinite set) that keeps its environment and later binds its own variables at ``depth``.
    ``fold`` evaluates closed code in the two-slot ``E0`` whatever its depth; the slots it
    lacks are padded, since closed code reads none of them."""
    if len(E) >= depth:
        return E[:depth]
    return E + (None,) * (depth - len(E))


class Code:
    """A compiled expression: ``fn(E) -> value`` and what is known about it."""

    __slots__ = ("fn", "level", "deps", "pure", "binds", "value", "loc", "applies")

    def __init__(self, fn: Callable, level: int = CONST, deps: frozenset = NO_DEPS,
                 pure: bool = True, binds: bool = False, value: Any = NOVALUE,
                 loc: S.Loc | None = None) -> None:
        self.fn = fn
        self.level = level
        self.deps = deps
        self.pure = pure
        self.binds = binds
        self.value = value
        self.loc = loc
        # (f, codes) when fn(E) is f applied to the codes' values, for a rewrite of the
        # operator applied to it (see rewrites.py); None when not told
        self.applies: tuple[Callable, list[Code]] | None = None

    @property
    def known(self) -> bool:
        return self.value is not NOVALUE

    def __repr__(self) -> str:
        v = f" = {to_tla_any(self.value)}" if self.known else ""
        return f"<Code level={self.level} deps={sorted(self.deps)}{v}>"


def const(v: Value, loc: S.Loc | None = None) -> Code:
    return Code(lambda E: v, CONST, NO_DEPS, True, False, v, loc)


def merge(codes) -> tuple[int, frozenset, bool, bool]:
    level, deps, pure, binds = CONST, NO_DEPS, True, False
    for c in codes:
        if c.level > level:
            level = c.level
        if c.deps:
            deps = deps | c.deps
        pure = pure and c.pure
        binds = binds or c.binds
    return level, deps, pure, binds


def wrap_error(e: BaseException, loc: S.Loc) -> EvalError:
    """A Python-level failure inside an operator, as an EvalError at ``loc``."""
    if isinstance(e, EvalError):
        e.push(loc)
        return e
    if isinstance(e, MemoryError):  # not the spec's fault: the run ends as out of memory
        raise MemoryLimit("the engine ran out of memory (the process's limit was reached)")
    if isinstance(e, RecursionError):
        err = EvalError("This was a Java StackOverflowError. It was probably the result of an "
                        "incorrect recursive function definition that caused TLC to enter an "
                        "infinite loop.")
    else:
        err = EvalError(f"TLC encountered an error evaluating this expression: "
                        f"{type(e).__name__}: {e}")
    err.push(loc)
    return err


class Tracing:
    """Whether closures being compiled record source positions of errors.

    The model checker runs closures compiled without the wrappers that record where an
    error happened; when one happens, it compiles the same code again with them and reruns
    the failing step, as TLC reruns with its CallStackTool. Compilation is single-threaded,
    so a module-level switch suffices.
    """

    on = False

    def __init__(self, on: bool) -> None:
        self.value = on

    def __enter__(self):
        self.saved = Tracing.on
        Tracing.on = self.value
        return self

    def __exit__(self, *exc):
        Tracing.on = self.saved


def guarded(fn: Callable, loc: S.Loc) -> Callable:
    """``fn`` that adds ``loc`` to the errors passing through it (when tracing)."""
    if not Tracing.on:
        return fn

    def g(E):
        try:
            return fn(E)
        except Exception as e:  # noqa: BLE001 - converted to the engine's error
            raise wrap_error(e, loc) from None
    return g


def canonical_state(values) -> tuple:
    return tuple(canonical(v) for v in values)
