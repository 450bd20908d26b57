"""Validating a merged run: some order of its events that causality allows must be a
behavior of the spec.

The nodes' traces (:mod:`conformance.record.merge`) fix each node's order and put every send
before its receives; events of different nodes that no message relates may have happened in
either order. The run conforms when *some* order that causality allows is a behavior of the
spec: each event the spec's action with its parameters, from the state before it to a state
that agrees with what the node recorded of itself and with the messages it sent and
received, and the spec's invariants and action properties hold all along.

The search is depth-first over (how far each node has got, spec state), trying the events
that may come next in the order of the recorders' clocks (on one machine, the order they
happened in), so that a run that conforms is usually checked in one pass; it backtracks only
where that order fails, and never visits a pair twice (orders that only swap independent
events reach the same spec state, and are checked once). A crash that may have lost the
steps after the node's last durable mark is tried both ways. The search is bounded
(``max_states``) and reports its progress.

When no order conforms, the report names the event that no order explains: among the events
the search could place but never validate, the earliest by the clocks, with its file and
line, the failing conjunct of the spec, and the differences between what its node recorded
and the nearest state the spec allows.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import is_
from typing import Any

from conformance.errors import UserError
from conformance.heap import Frozen
from conformance.record.merge import Item, ItemRef, Merged
from conformance.record.pattern import UNKNOWN, fill, has_holes, match
from conformance.tla.errors import EvalError
from conformance.trace.schema import Step
from conformance.validate.diff import diff_states, diff_values
from conformance.validate.engine import Conjunct, SpecEngine, State, concrete
from conformance.validate.report import (
    INITIAL,
    INVARIANT,
    LED_ELSEWHERE,
    NOT_ENABLED,
    PROPERTY,
    UNKNOWN_ACTION,
    Divergence,
)
from conformance.validate.validator import TraceError, Validator
from conformance.values import Fn, Tup, to_tla, typed_hash

Value = Any
Pos = tuple[int, ...]


@dataclass
class Progress:
    validated: int  # events on the deepest path so far
    events: int
    states: int  # (position, spec state) pairs explored
    seconds: float


@dataclass
class CausalResult:
    conforms: bool
    events: int
    validated: int  # the most events any order got through
    states: int
    seconds: float
    order: list[ItemRef] | None = None  # a conforming order
    divergence: Divergence | None = None
    item: Item | None = None  # the event no order explains
    truncated: bool = False  # the search stopped at max_states
    notes: list[str] = field(default_factory=list)


@dataclass
class _Failure:
    """The first time an item failed: enough to explain it later."""

    kind: str
    before: State
    depth: int
    action: int = 0  # which of the item's actions
    params: dict | None = None
    allowed: list[State] = field(default_factory=list)  # successors that did not match
    violated: list[str] = field(default_factory=list)
    after: State | None = None
    piece: Any = None


class CausalValidator:
    def __init__(self, engine: SpecEngine, merged: Merged, *, max_states: int = 200_000,
                 check_invariants: bool = True,
                 progress: Callable[[Progress], None] | None = None) -> None:
        self.engine = engine
        self.m = merged
        self.max_states = max_states
        self.progress = progress
        self.checks = Validator(engine, check_invariants=check_invariants)
        self.check_invariants = check_invariants
        net = merged.network.get("variable", "msgs")
        if net not in engine.index:
            raise UserError(f"the traces name {net!r} as the spec's network variable, but "
                            f"{engine.spec.name} has no such variable")
        self.net = engine.index[net]
        for key in ("drop", "duplicate"):
            name = merged.network.get(key)
            if name and not engine.has_action(name):
                raise UserError(f"the traces name {name} as the spec's action that "
                                f"{'loses' if key == 'drop' else 'duplicates'} a message, but "
                                f"{engine.spec.name} has no such action")
        self.nodes = sorted(merged.chains)
        self.chains = [merged.chains[n] for n in self.nodes]
        self.selves = [merged.selves[n] for n in self.nodes]
        self._vars: dict[str, int] = {}
        for n in self.nodes:
            for it in merged.chains[n]:
                for var in it.state:
                    self._var(var, it)
                for name, _ in it.actions:
                    if not engine.has_action(name):
                        raise UserError(f"{it.where}: {engine.spec.name} defines no action "
                                        f"{name}")
        self.failures: dict[ItemRef, _Failure] = {}
        self.succeeded: set[ItemRef] = set()
        self.concrete_msgs: dict[int, Value] = {}  # message id -> the spec's message
        # (node, variable) -> the node's own entry in the spec and the recorded value last
        # found to agree: a log that only grew since is compared from where it grew
        self._agreed: dict[tuple[int, int], tuple[Value, Value]] = {}

    def _var(self, name: str, it: Item) -> int:
        k = self._vars.get(name)
        if k is None:
            k = self.engine.index.get(name)
            if k is None:
                raise UserError(f"{it.where}: the node records a variable {name!r}, which "
                                f"{self.engine.spec.name} does not declare")
            self._vars[name] = k
        return k

    # ------------------------------------------------------------------ the search

    def run(self, initial: dict[str, dict[str, Value]]) -> CausalResult:
        """``initial``: each node's own variables at its first start."""
        with Frozen() as heap:  # the run's items and the states placed (conformance.heap)
            return self._search(initial, heap)

    def _search(self, initial: dict[str, dict[str, Value]], heap: Frozen) -> CausalResult:
        t0 = time.process_time()
        starts = self._initial_states(initial)
        total = sum(len(c) for c in self.chains)
        if isinstance(starts, Divergence):
            return CausalResult(False, total, 0, 0, time.process_time() - t0,
                                divergence=starts)
        start_pos: Pos = tuple(0 for _ in self.nodes)
        visited: set = set()
        stack: list[_Frame] = []
        for s in starts:
            if (start_pos, s) not in visited:
                visited.add((start_pos, s))
                stack.append(_Frame(self, start_pos, s, None))
        best = 0
        last_report = time.monotonic()
        truncated = False
        while stack:
            frame = stack[-1]
            child = frame.next_child(visited)
            if child is None:
                stack.pop()
                continue
            pos, state, ref = child
            visited.add((pos, state))
            heap.tick()
            depth = sum(pos)
            best = max(best, depth)
            if depth == total:
                order = [f.ref for f in stack[1:]] + [ref]
                return CausalResult(True, total, total, len(visited),
                                    time.process_time() - t0,
                                    order=[r for r in order if r is not None])
            if len(visited) >= self.max_states:
                truncated = True
                break
            stack.append(_Frame(self, pos, state, ref))
            if self.progress is not None and time.monotonic() - last_report > 1.0:
                last_report = time.monotonic()
                self.progress(Progress(best, total, len(visited), time.process_time() - t0))
        result = CausalResult(False, total, best, len(visited), time.process_time() - t0,
                              truncated=truncated)
        self._report(result)
        return result

    def _initial_states(self, initial: dict[str, dict[str, Value]]) -> list[State] | Divergence:
        inits = self.engine.initial_states()
        known: list[tuple[int, int, Value, str]] = []
        for k, node in enumerate(self.nodes):
            for var, value in initial.get(node, {}).items():
                idx = self.engine.index.get(var)
                if idx is None:
                    raise UserError(f"the first segment of {node} records a variable {var!r}, "
                                    f"which {self.engine.spec.name} does not declare")
                known.append((idx, k, value, var))
        ok = [s for s in inits if all(self._entry_matches(s[idx], self.selves[k], v)
                                      for idx, k, v, _ in known)]
        if ok:
            return ok
        div = Divergence(0, "Init", None, None, INITIAL)
        if inits:
            observed = {var: Fn({self.selves[k]: v}) for _, k, v, var in known}
            div.differences = diff_states(
                {n: _filled(o, inits[0][self.engine.index[n]]) for n, o in observed.items()},
                _restrict(self.engine.as_dict(inits[0]), observed))
        return div

    @staticmethod
    def _entry_matches(f: Value, self_v: Value, pattern: Value) -> bool:
        f = concrete(f)
        if type(f) is not Fn or self_v not in f.map:
            return False
        return match(f.map[self_v], pattern)

    # ------------------------------------------------------------------ moves

    def moves(self, pos: Pos) -> list[tuple[int, str]]:
        """What may come next: each node whose next event has its sends done (by the
        clocks' order), then the crashes that may have lost a node's last steps."""
        ready = []
        undo = []
        for k, chain in enumerate(self.chains):
            i = pos[k]
            if i >= len(chain):
                continue
            it = chain[i]
            if all(pos[self._node_index(d[0])] > d[1] for d in it.deps):
                ready.append(((it.t if it.t is not None else 1 << 62), k))
            if not it.durable:
                undo.append(k)
        ready.sort()
        return [(k, "step") for _, k in ready] + [(k, "undo") for k in undo]

    def _node_index(self, node: str) -> int:
        return self.nodes.index(node)

    def undo_target(self, k: int, i: int) -> int:
        """The restart that a crash at position ``i`` of node ``k`` jumps to."""
        chain = self.chains[k]
        j = i
        while not chain[j].restart:
            j += 1
        return j

    # ------------------------------------------------------------------ one event

    def advance(self, before: State, ref: ItemRef, it: Item, depth: int) -> list[State]:
        """The spec states ``it`` may lead to from ``before`` (none: it fails here, and the
        first failure of each item is kept for the report)."""
        try:
            return self._advance(before, ref, it, depth)
        except EvalError as e:
            raise TraceError(f"{it.where}: evaluating {it.action}: {e.message}")

    def _advance(self, before: State, ref: ItemRef, it: Item, depth: int) -> list[State]:
        k = self.nodes.index(it.node)
        self_v = self.selves[k]
        states: list[tuple[State, State]] = [(before, before)]
        for a, (action, params) in enumerate(it.actions):
            last = a == len(it.actions) - 1
            if a == 0 and it.recv is not None:
                params = self._spec_message(it, params)
            nxt: list[tuple[State, State, Step]] = []
            allowed: list[State] = []
            for _, st in states:
                for p in self._param_choices(st, params, it):
                    succ = self.engine.successors(st, action, p)
                    for s2 in succ:
                        if not last or self._agrees(before, s2, it, k, self_v):
                            nxt.append((st, s2, Step(depth + 1, action, {}, p, node=it.node)))
                        else:
                            allowed.append(s2)
            if not nxt:
                self._fail(ref, _Failure(LED_ELSEWHERE if allowed else NOT_ENABLED, states[0][1],
                                         depth, a, params, allowed))
                return []
            for st, s2, step in nxt:
                bad = self._broken(st, s2, step)
                if bad is not None:
                    bad.before = before
                    bad.depth = depth
                    bad.action = a
                    self._fail(ref, bad)
                    return []
            states = [(st, s2) for st, s2, _ in nxt]
        out: list[State] = []
        for _, s in states:
            done = self._network_steps(s, it, ref, depth)
            if done is not None and done not in out:
                out.append(done)
        return out

    def _param_choices(self, state: State, params: dict, it: Item) -> list[dict]:
        """The action's parameters; a message with unknown parts stands for each message
        in flight that agrees with it."""
        holes = [k for k, v in params.items() if has_holes(v)]
        if not holes:
            return [params]
        choices = [dict(params)]
        bag = self._bag(state)
        for name in holes:
            pattern = params[name]
            if type(pattern) is not Fn:
                raise UserError(f"{it.where}: the parameter {name} has unknown parts; only "
                                "a message in flight may")
            found = [m for m in bag if match(m, pattern)]
            choices = [dict(c, **{name: m}) for c in choices for m in found]
        return choices

    def _spec_message(self, it: Item, params: dict) -> dict:
        """The action's parameters with the received message as the object the spec's
        network holds (equal to the one the node recorded, or, for a message given by its id
        alone, to the sender's copy the merger filled in): the entries it carries then
        reach the receiver's log as the sender's very objects, which later comparisons of
        the two logs (LogMatching) find equal by identity, not entry by entry."""
        m = self.concrete_msgs.get(it.recv)  # type: ignore[arg-type]
        r = it.event.recv if it.event is not None else None
        if m is None or r is None:
            return params
        if r.msg is None:  # given by its id alone: the merger filled in the sender's copy
            if r.param is None or r.param not in params or params[r.param] is m:
                return params
            return dict(params, **{r.param: m})
        if m is r.msg:
            return params
        return {p: (m if v is r.msg else v) for p, v in params.items()}

    def _agrees(self, before: State, after: State, it: Item, node: int,
                self_v: Value) -> bool:
        """Whether the spec's state after the step agrees with what the node recorded of
        itself and with the messages it sent and received."""
        for var, pattern in it.state.items():
            k = self._vars[var]
            a = after[k]
            if var not in it.changed:
                b = before[k]
                if a is b:
                    continue
                a, b = concrete(a), concrete(b)
                if type(a) is Fn and type(b) is Fn and self_v in a.map and self_v in b.map:
                    x, y = a.map[self_v], b.map[self_v]
                    if x is y or x == y:
                        continue
            if not self._own_matches(node, k, a, self_v, pattern):
                return False
        return self._messages_agree(before, after, it)

    def _own_matches(self, node: int, var: int, f: Value, self_v: Value,
                     pattern: Value) -> bool:
        """:meth:`_entry_matches`, remembering the last pair found to agree: when both the
        spec's sequence and the recorded one only grew since (their first elements the very
        objects of that pair's), only what was added is compared, so that a log of
        thousands of entries costs its new entries, not its length, at every step."""
        f = concrete(f)
        if type(f) is not Fn or self_v not in f.map:
            return False
        x = f.map[self_v]
        if x is pattern:
            return True
        key = (node, var)
        last = self._agreed.get(key)
        n = 0
        if last is not None and type(x) is Tup and type(pattern) is Tup:
            x0, p0 = last
            if len(x0) <= len(x) and len(p0) <= len(pattern) and \
                    all(map(is_, x, x0)) and all(map(is_, pattern, p0)):
                n = len(x0)
        if n:
            ok = len(x) == len(pattern) and all(
                a is p or match(a, p) for a, p in zip(x[n:], pattern[n:]))
        else:
            ok = match(x, pattern)
        if ok and type(x) is Tup and type(pattern) is Tup:
            # only sequences are remembered: a function over 1..n is a sequence, so a
            # variable such as a replica's decided slots is a function while it has gaps and
            # a sequence once they fill, and the pair kept must be read as sequences
            self._agreed[key] = (x, pattern)
        return ok

    def _messages_agree(self, before: State, after: State, it: Item) -> bool:
        added, removed = _bag_delta(self._bag(before), self._bag(after))
        want_removed = 1 if it.recv is not None or it.unmatched is not None else 0
        if sum(removed.values()) != want_removed or sum(added.values()) != len(it.sends):
            return False
        if it.recv is not None:
            pattern = self.m.messages[it.recv].value
            (m, _), = removed.items()
            if not match(m, pattern):
                return False
        left = dict(added)
        for mid in it.sends:
            pattern = self.m.messages[mid].value
            if pattern in left and left[pattern] > 0 and not has_holes(pattern):
                left[pattern] -= 1
                self.concrete_msgs[mid] = _key_of(left, pattern)
                continue
            hit = next((m for m, c in left.items() if c > 0 and match(m, pattern)), None)
            if hit is None:
                return False
            left[hit] -= 1
            self.concrete_msgs[mid] = hit
        return True

    def _network_steps(self, s: State, it: Item, ref: ItemRef, depth: int) -> State | None:
        """The network's duplications and losses right after the send (None: they break
        an invariant, which is this item's failure)."""
        for kind, ids in (("duplicate", it.duplicates), ("drop", it.drops)):
            action = self.m.network.get(kind)
            if not action:
                continue
            for mid in ids:
                m = self.concrete_msgs.get(mid, self.m.messages[mid].value)
                succ = self.engine.successors(s, action, {"m": m})
                if len(succ) != 1:
                    raise UserError(f"{it.where}: the spec's {action}(m) is not one step for "
                                    f"the message this event sent ({to_tla(m)[:200]})")
                bad = self._broken(s, succ[0], Step(depth + 1, action, {}, {"m": m}))
                if bad is not None:
                    bad.before, bad.depth = s, depth
                    self._fail(ref, bad)
                    return None
                s = succ[0]
        return s

    def _broken(self, before: State, after: State, step: Step) -> _Failure | None:
        """The invariant ``after`` breaks, or the action property the step from ``before``
        to it (``step``: its action and parameters) breaks, as the validator of one trace
        finds them: the properties on the variables the step changed, and by their quick
        checks where there are (see quicksteps: a leader's log of thousands of entries is
        not compared entry by entry on every step)."""
        if not self.check_invariants:
            return None
        bad = self.checks.failed_invariants(after)
        if bad:
            return _Failure(INVARIANT, before, 0, violated=bad, after=after,
                            piece=self.checks.failed_piece)
        props = self.checks.failed_properties(step, before, after)
        if props:
            return _Failure(PROPERTY, before, 0, violated=props, after=after)
        return None

    def _bag(self, state: State) -> dict:
        bag = concrete(state[self.net])
        if type(bag) is Fn:
            return bag.map
        if type(bag) is Tup and not bag:
            return {}
        raise UserError(f"the spec's network variable is not a bag (a function from messages "
                        f"to counts): {to_tla(bag)[:200]}")

    def _fail(self, ref: ItemRef, f: _Failure) -> None:
        if ref not in self.failures:
            self.failures[ref] = f

    # ------------------------------------------------------------------ the report

    def _report(self, result: CausalResult) -> None:
        never = [ref for ref in self.failures if ref not in self.succeeded]
        if not never:
            if result.truncated:
                result.notes.append(f"the search stopped after {result.states:,} states "
                                    "without an answer (raise --max-states)")
            return
        ref = min(never, key=lambda r: (self.m.item(r).t or 0, self.failures[r].depth, r))
        it = self.m.item(ref)
        result.item = it
        result.divergence = self._divergence(it, self.failures[ref])
        if result.truncated:
            result.notes.append(f"the search stopped after {result.states:,} states: an "
                                "order it did not try might conform (raise --max-states)")

    def _divergence(self, it: Item, f: _Failure) -> Divergence:
        action, params = it.actions[f.action]
        k = self.nodes.index(it.node)
        self_v = self.selves[k]
        div = Divergence(f.depth + 1, action, params, it.node, f.kind, violated=f.violated)
        div.where = it.where
        if not self.engine.has_action(action):
            div.kind = UNKNOWN_ACTION
            return div
        if f.kind == INVARIANT:
            if f.piece is not None:
                at = self.engine.conjunct_at(f.piece, "false")
                div.conjunct, div.position = at.text, at.position
            return div
        if f.kind == PROPERTY:
            return div
        last = f.action == len(it.actions) - 1
        observed = {var: Fn({self_v: x}) for var, x in it.state.items()} if last else {}
        target: list[Value] | None = None
        if f.allowed:
            best = min(f.allowed, key=lambda s: len(self._differences(observed, s)))
            div.differences = self._differences(observed, best) + \
                self._message_differences(f.before, best, it)
            target = [None] * len(self.engine.variables)
            for var, x in it.state.items():
                idx = self._vars[var]
                entry = concrete(best[idx])
                filled = fill(x, entry.map.get(self_v, UNKNOWN)) if type(entry) is Fn else x
                if type(entry) is Fn and not has_holes(filled):
                    target[idx] = Fn({**entry.map, self_v: filled})
            expected = self._expected_bag(f.before, it)
            if expected is not None:
                target[self.net] = expected
        p: dict | None = params
        if any(has_holes(x) for x in params.values()):
            choices = self._param_choices(f.before, params, it)
            p = choices[0] if choices else None
        c: Conjunct | None = None
        if p is not None:
            try:
                c = self.engine.explain(f.before, action, p, target)
            except UserError:
                c = None
        if c is not None:
            div.conjunct, div.position, div.why = c.text, c.position, c.why
        if f.kind == NOT_ENABLED and (it.recv is not None or it.unmatched is not None):
            div.notes.extend(self._in_flight_notes(f.before, it))
        if it.restart and it.kept:
            div.notes.append(it.kept)
        if len(it.actions) > 1:
            div.notes.append(f"action {f.action + 1} of the {len(it.actions)} this event "
                             f"recorded ({', '.join(a for a, _ in it.actions)})")
        return div

    def _differences(self, observed: dict[str, Value], state: State) -> list:
        full = self.engine.as_dict(state)
        return diff_states({n: _filled(o, full[n]) for n, o in observed.items()},
                           _restrict(full, observed))

    def _message_differences(self, before: State, after: State, it: Item) -> list:
        expected = self._expected_bag(before, it)
        if expected is None:
            return []
        net = self.engine.variables[self.net]
        return diff_values(net, expected, concrete(after[self.net]))

    def _expected_bag(self, before: State, it: Item) -> Value | None:
        """The network after the event, as the node's trace says: the messages before it,
        with its sends added and its receive removed (None where unknown parts leave it
        open)."""
        bag = dict(self._bag(before))
        for mid in it.sends:
            v = self.m.messages[mid].value
            if has_holes(v):
                return None
            bag[v] = bag.get(v, 0) + 1
        if it.recv is not None:
            v = self.m.messages[it.recv].value
            if has_holes(v) or v not in bag:
                return None
            bag[v] -= 1
            if not bag[v]:
                del bag[v]
        return Fn(bag) if bag else Tup()

    def _in_flight_notes(self, before: State, it: Item) -> list[str]:
        """A receive the spec does not allow: the messages the same sender sent this node
        that were in flight then (or that no receive matched), nearest first, field by
        field against what the node received."""
        r = it.event.recv if it.event is not None else None
        if r is None or r.msg is None:
            return []
        flight = set(self._bag(before))
        sent = [x for x in self.m.messages if x.frm == r.frm and x.to == it.node]
        cands = [x for x in sent if x.value in flight or not x.receivers]
        notes = []
        if it.unmatched is not None:
            notes.append(f"no message that {r.frm} sent to {it.node} "
                         f"({self.m.files.get(r.frm)}) is this one")
        if not cands:
            notes.append(f"no message from {r.frm} to {it.node} was in flight then")
            return notes
        seen: set = set()
        ranked = []
        for x in cands:
            if x.value in seen:
                continue
            seen.add(x.value)
            ranked.append((len(diff_values("m", _filled(r.msg, x.value), x.value)), x))
        ranked.sort(key=lambda p: (p[0], p[1].id))
        notes.append(f"sent by {r.frm} to {it.node} and in flight then or never received "
                     f"({len(ranked)}), nearest first, as received vs as sent:")
        for _, x in ranked[:3]:
            ds = diff_values("m", _filled(r.msg, x.value), x.value)
            state = "in flight" if x.value in flight else "never received"
            notes.append(f"  {x.where} ({state}): " + "; ".join(
                f"{d.path}: received {_short(d.observed)}, sent {_short(d.expected)}"
                for d in ds[:6]) + (f"; and {len(ds) - 6} more" if len(ds) > 6 else ""))
        return notes


class _Frame:
    """A node of the depth-first search: a position, a spec state, and the moves from it
    still to try (computed lazily, in the order of the clocks)."""

    __slots__ = ("v", "pos", "state", "ref", "moves", "pending")

    def __init__(self, v: CausalValidator, pos: Pos, state: State, ref: ItemRef | None):
        self.v, self.pos, self.state, self.ref = v, pos, state, ref
        self.moves: list[tuple[int, str]] | None = None
        self.pending: list[tuple[Pos, State, ItemRef | None]] = []

    def next_child(self, visited: set) -> tuple[Pos, State, ItemRef | None] | None:
        v = self.v
        if self.moves is None:
            self.moves = v.moves(self.pos)
            self.moves.reverse()
        while True:
            while self.pending:
                child = self.pending.pop()
                if (child[0], child[1]) not in visited:
                    return child
            if not self.moves:
                return None
            k, kind = self.moves.pop()
            i = self.pos[k]
            if kind == "undo":  # the crash lost this node's steps from here to its restart
                j = v.undo_target(k, i)
                pos = self.pos[:k] + (j,) + self.pos[k + 1:]
                self.pending = [(pos, self.state, None)]
                continue
            it = v.chains[k][i]
            ref = (v.nodes[k], i)
            after = v.advance(self.state, ref, it, sum(self.pos))
            if after:
                v.succeeded.add(ref)
            pos = self.pos[:k] + (i + 1,) + self.pos[k + 1:]
            self.pending = [(pos, s, ref) for s in reversed(after)]


def _key_of(d: dict, v: Value) -> Value:
    """The key of ``d`` that is ``v`` by TLA+'s equality (the spec's object), else ``v``."""
    for k in d:
        if k is v:
            return k
        if k == v and typed_hash(k) == typed_hash(v):
            return k
    return v


def _bag_delta(before: dict, after: dict) -> tuple[dict, dict]:
    added: dict = {}
    removed: dict = {}
    for m, c in after.items():
        d = c - before.get(m, 0)
        if d > 0:
            added[m] = d
        elif d < 0:
            removed[m] = -d
    for m, c in before.items():
        if m not in after:
            removed[m] = c
    return added, removed


def _filled(observed: Value, actual: Value) -> Value:
    """The node's recorded value with its unknown parts taken from the spec's."""
    return fill(observed, concrete(actual))


def _restrict(full: dict[str, Value], observed: dict[str, Value]) -> dict[str, Value]:
    """The spec's state cut down to the node's own entries, as the node recorded them."""
    out = {}
    for name, seen in observed.items():
        have = full.get(name)
        if type(have) is Fn and type(seen) is Fn:
            out[name] = Fn({k: have.map[k] for k in seen.map if k in have.map})
    return out


def _short(v: Value) -> str:
    from conformance.validate.diff import short

    return short(v, 80)
