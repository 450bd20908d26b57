"""Rewrites of a native operator applied to another operator's result, decided when
compiling: the two evaluated as one function, without the value made in between.

``B (+) SetToBag({e})`` is how a spec sends a message and ``B (-) SetToBag({m})`` how it
takes one from the network: evaluated as written, each makes the set, the bag of the set
and a copy of B's graph to apply the bag to; rewritten, it copies B's graph once and changes
one count (or, when B holds no m, is B). The function a rewrite calls gives the value and the
errors of the expression as written (builtins/bags.py)."""

from __future__ import annotations

from collections.abc import Callable

from conformance.tla.builtins.bags import (
    bag_minus,
    bag_minus_one,
    bag_minus_set,
    bag_plus,
    bag_plus_one,
    bag_plus_set,
    set_to_bag,
)
from conformance.tla.compile.code import Code
from conformance.values import FSet


def singleton(x) -> FSet:
    """``{x}``: what a set enumeration of one element applies (see sets.e_SetEnum)."""
    return FSet((x,))


def rewrite(f: Callable, codes: list[Code]) -> tuple[Callable, list[Code]] | None:
    """The function and argument codes to call in place of ``f`` applied to ``codes``, or
    None to call ``f``."""
    rule = _RULES.get(f)
    return None if rule is None else rule(codes)


def _applied(code: Code, f: Callable) -> list[Code] | None:
    """The argument codes when ``code`` is ``f`` applied to them."""
    a = code.applies
    return a[1] if a is not None and a[0] is f else None


def _with_bag_of_set(one: Callable, many: Callable):
    """The rule of a bag operator whose second argument is SetToBag(S): ``one`` where S is
    ``{e}`` (given e), else ``many`` (given S)."""
    def rule(codes: list[Code]) -> tuple[Callable, list[Code]] | None:
        inner = _applied(codes[1], set_to_bag)
        if inner is None:
            return None
        elems = _applied(inner[0], singleton)
        if elems is not None:
            return one, [codes[0], elems[0]]
        return many, [codes[0], inner[0]]
    return rule


_RULES: dict[Callable, Callable] = {
    bag_plus: _with_bag_of_set(bag_plus_one, bag_plus_set),
    bag_minus: _with_bag_of_set(bag_minus_one, bag_minus_set),
}
