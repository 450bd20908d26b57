"""The spec's actions and their branches, as the spec is parsed.

An *action*, for coverage, is a definition that the next-state relation applies to
arguments, the unit a trace event names (``HandleAppendEntriesRequest(i, m)``, ``Timeout(i)``,
``DropMessage(m)``): found by walking the relation through disjunctions, quantifiers, LETs and
definitions without parameters (``ReceiveNext``, ``ReceivePreVoteRequest``) down to the first
definition applied to arguments. Where the relation acts inline (a conjunction, say), the
action is the definition that holds it. The same walk names the action of each of TLC's
actions of a model (its label ``ReceivePreVoteRequest`` is the action
``HandlePreVoteRequest``), which is how a model's transitions meet a campaign's steps.

A *branch* is a disjunct of a disjunction or an arm of an IF or a CASE that an action runs
through in action position, in the action's own text or in a definition it expands
(:class:`conformance.tla.actions.BranchTrail` numbers them as the validator's compiled action
enters them). A branch is known by its action, its kind and its source position; one whose
guard is a constant, false under a model's constants, is *dead* there.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.tla import syntax as S
from conformance.tla.model import Model
from conformance.tla.modules import ConstSym, DefSym, names_reached


@dataclass(frozen=True, order=True)
class BranchKey:
    """A branch of an action, by source position: line and column of the disjunct or arm."""

    action: str
    line: int
    col: int
    kind: str  # "disjunct", "then", "else", "arm", "other"
    module: str = ""

    def where(self) -> str:
        return f"{self.line}:{self.col}"

    def to_json(self) -> dict:
        return {"action": self.action, "kind": self.kind, "line": self.line, "col": self.col,
                "module": self.module}


def branch_key(action: str, kind: str, loc: S.Loc) -> BranchKey:
    return BranchKey(action, loc.line, loc.col, kind, loc.module)


def next_actions(model: Model) -> list[str]:
    """The actions of the model's next-state relation, in the order it lists them."""
    if model.next is None:
        return []
    node, _scope, name = model.next
    out: list[str] = []
    _walk(model, node, name, out, set())
    return list(dict.fromkeys(out))


def label_actions(model: Model) -> list[list[str]]:
    """For each of TLC's actions of ``model`` (``model.actions``), the actions it is made of
    (one, except where a label holds several definitions, as ``FaultNext`` holds
    ``DropMessage`` and ``DuplicateMessage``)."""
    out = []
    for a in model.actions:
        found: list[str] = []
        _walk(model, a.node, a.name, found, set())
        out.append(list(dict.fromkeys(found)))
    return out


def _walk(model: Model, node, enclosing: str, out: list[str], seen: set[str]) -> None:
    if isinstance(node, S.Or):
        for item in node.items:
            _walk(model, item, enclosing, out, seen)
        return
    if isinstance(node, S.Quant) and node.kind == "E":
        _walk(model, node.body, enclosing, out, seen)
        return
    if isinstance(node, S.Let):
        _walk(model, node.body, enclosing, out, seen)
        return
    if isinstance(node, S.Name) and not node.prefix:
        sym = model.root.table.get(node.name)
        if isinstance(sym, DefSym) and sym.node is not None and not sym.recursive:
            if sym.node.params:
                out.append(sym.name)
                return
            if sym.name not in seen:
                seen.add(sym.name)
                _walk(model, sym.node.body, sym.name, out, seen)
                return
    out.append(enclosing)


def constants_read(model: Model, name: str) -> list[str]:
    """The constants the definition ``name`` reads, through the definitions it uses (by
    name: enough to tell a model's bounds, which only its constraint reads, from the
    constants its actions depend on)."""
    table = model.root.table
    sym = table.get(name)
    if not isinstance(sym, DefSym) or sym.node is None:
        return []
    reached = (table.get(n) for n in names_reached(table, sym.node.body, {name}))
    return sorted({c.name for c in reached if isinstance(c, ConstSym)})
