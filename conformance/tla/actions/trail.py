"""Which branches of an action each successor came through: the coverage of a step.

An action compiled while a trail is set (:attr:`ActionCompiler.trail`) notes on the trail each
branch it enters (a disjunct of a disjunction, an arm of an IF or a CASE, in action position);
:mod:`conformance.coverage` counts them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from conformance.tla import syntax as S
from conformance.tla.compile import CONST, Code, Scope
from conformance.tla.errors import SpecError

if TYPE_CHECKING:
    from conformance.tla.actions.compiler import ActionCompiler


class BranchTrail:
    """The branches of one compiled action, and the path of each successor through them.

    The compiled action pushes a branch's number on :attr:`stack` when it enters one of its
    branches and pops it when the branch returns; each successor it emits appends the stack
    as it stands to :attr:`paths`, so that ``paths[n]`` is the path of the n-th successor.
    Branches are numbered by source position (and kind) within the action: a definition the
    action expands at two call sites has its branches counted once. A branch whose guard is a
    constant, false under the model's constants (``Bug = "..."``, ``IF PreVote THEN``), is
    registered as dead."""

    __slots__ = ("stack", "paths", "branches", "dead", "_ids")

    def __init__(self) -> None:
        self.stack: list[int] = []
        self.paths: list[tuple[int, ...]] = []
        self.branches: list[tuple[str, S.Loc]] = []  # number -> (kind, where)
        self.dead: set[int] = set()
        self._ids: dict[tuple[str, S.Loc], int] = {}

    def register(self, kind: str, loc: S.Loc, dead: bool) -> int:
        key = (kind, loc)
        n = self._ids.get(key)
        if n is None:
            n = self._ids[key] = len(self.branches)
            self.branches.append(key)
            if dead:
                self.dead.add(n)
        elif not dead:
            self.dead.discard(n)  # live at one call site: live
        return n

    def reset(self) -> None:
        self.stack.clear()
        self.paths.clear()


def noting(trail: BranchTrail, emit: Callable) -> Callable:
    """The continuation ``emit`` that also records the path of each successor."""
    stack, paths = trail.stack, trail.paths

    def emit_noted(E):
        emit(E)
        paths.append(tuple(stack))
    return emit_noted


def entered(ac: ActionCompiler, body: Callable, kind: str, node, dead: bool) -> Callable:
    """``body`` noting on the trail that the branch ``node`` was entered; the stack is
    cleared before each evaluation, so an error that leaves it unbalanced does no harm."""
    trail = ac.trail
    assert trail is not None
    n = trail.register(kind, node.loc, dead)
    stack = trail.stack

    def through(E):
        stack.append(n)
        body(E)
        stack.pop()
    return through


def constant(code: Code, scope: Scope):
    """The value of a constant expression that reads no bound variable, else None."""
    if code.known:
        return code.value
    if code.level != CONST or code.deps:
        return None
    try:
        return code.fn((None,) * max(scope.depth, 2))
    except Exception:  # noqa: BLE001 - not statically known, then
        return None


def statically_false(ac: ActionCompiler, node, scope: Scope) -> bool:
    """Whether a disjunct is a conjunction one of whose conjuncts is a constant FALSE under
    the model's constants (``Bug = "ReadWithoutQuorum"``)."""
    items = node.items if isinstance(node, S.And) else (node,)
    for item in items:
        try:
            code = ac.comp.expr(item, scope)
        except SpecError:
            continue
        if constant(code, scope) is False:
            return True
    return False
