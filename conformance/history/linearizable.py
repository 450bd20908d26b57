"""Is a history linearizable? Wing and Gong's search, with Lowe's memoization, per key.

A history is linearizable if every operation can be given a moment between its invocation
and its completion at which it takes effect, so that the operations, in the order of those
moments, are a run of the sequential specification (:class:`~.model.Register`) that gives
every output the clients saw. Linearizability is compositional (Herlihy and Wing's
P-compositionality): a key-value history is linearizable exactly when the history of each
key is, so each key is searched on its own, which is what makes long histories tractable.

The search is Wing and Gong's, as Lowe improved it and as Porcupine implements it: the
calls and returns of a key's operations, in time order, form a linked list; the search
walks it from the head, and at each call tries to take that operation effect now (the
specification must accept its output). If it can, the operation is lifted out of the list
and the walk starts again from the head; at the first return it meets, of an operation not
yet taken effect, it has to undo its last choice and try the next candidate. Lowe's
memoization remembers every (set of operations taken effect, state) reached, and never
explores one twice: the search is then bounded by the number of such configurations
rather than the number of orders.

One refinement keeps the search from branching on reads: an operation that never changes
the state (a read; a delete that reported the key absent), once it can take effect, is
taken effect at once, with no alternative to come back to. That loses nothing: if any order
works, so does the one where it comes now (it moves earlier: it changes nothing later
operations see, and nothing that must precede it in real time is still waiting). Without
it, thirty clients reading one value at once made the search try every subset of their
reads. (A delete of unknown outcome is not such an operation: where it takes effect
matters.)

The set of operations taken effect is a bit mask indexed in order of completion. Every
operation that completed before the earliest one not yet taken effect has taken effect, so
the mask is all ones up to some point and sparse after it; the memo stores it as that point
and the few bits beyond, which keeps a 10,000-operation key's memo small. Operations that
may take effect at any time (unknown deletes) get their own mask.

A search that runs out of time answers neither yes nor no (``ok is None``). Times are CPU
seconds of this process, so a limit means the same on a busy machine as on an idle one.
When a key is not linearizable, the verdict names the deepest point the search reached: the
operations it managed to order, and the one whose completion it could not get past.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from conformance.history.model import Call, Register
from conformance.history.ops import History, Op


@dataclass
class KeyVerdict:
    key: str
    ok: bool | None  # None: the search ran out of time
    operations: int  # how many the search considered (after dropping what did nothing)
    seconds: float  # CPU seconds
    configurations: int = 0  # distinct (taken effect, state) pairs explored
    order: list[Op] = field(default_factory=list)  # not ok: the longest order it found
    stuck: Op | None = None  # not ok: the operation that could not take effect in time


@dataclass
class Verdict:
    keys: list[KeyVerdict]

    @property
    def ok(self) -> bool | None:
        if any(k.ok is False for k in self.keys):
            return False
        if any(k.ok is None for k in self.keys):
            return None
        return True

    @property
    def failures(self) -> list[KeyVerdict]:
        return [k for k in self.keys if k.ok is False]


def check_history(history: History, time_limit: float | None = None,
                  model: Any = Register) -> Verdict:
    """Check every key of ``history``; ``time_limit`` CPU seconds for each key at most."""
    return Verdict([check_key(key, ops, time_limit, model)
                    for key, ops in sorted(history.by_key().items())])


def check_key(key: str, ops: Sequence[Op], time_limit: float | None = None,
              model: Any = Register, init: Any = None) -> KeyVerdict:
    calls = model.calls(ops)
    t0 = time.process_time()
    ok, configs, order, stuck = search(calls, model,
                                       model.init if init is None else init,
                                       None if time_limit is None else t0 + time_limit)
    return KeyVerdict(key, ok, len(calls), time.process_time() - t0, configs,
                      order if ok is False else [], stuck if ok is False else None)


def search(calls: Sequence[Call], model: Any, init: Any,
           deadline: float | None = None) -> tuple[bool | None, int, list[Op], Op | None]:
    """The search itself: (linearizable, configurations explored, the deepest order found,
    the operation it got stuck on)."""
    n = len(calls)
    if n == 0:
        return True, 0, [], None
    # Index the operations that complete in completion order (bits of `fin`), the others
    # apart (bits of `inf`).
    finite = sorted((c for c in calls if c.end != math.inf), key=lambda c: (c.end, c.start))
    infinite = [c for c in calls if c.end == math.inf]
    ordered = finite + infinite
    nfin = len(finite)
    ops = [c.op for c in ordered]
    step = model.step
    keeps = [model.keeps_state(op) for op in ops]
    # Entries 1..2n, in time order (a call before a return at the same time: touching
    # operations count as concurrent); entry 0 is the head of the list.
    events = []
    for i, c in enumerate(ordered):
        events.append((c.start, 0, i))
        events.append((c.end, 1, i))
    events.sort()
    size = 2 * n + 1
    nxt = list(range(1, size + 1))
    nxt[size - 1] = -1
    prv = list(range(-1, size - 1))
    is_call = [False] * size
    op_of = [0] * size
    match = [0] * size
    ret_entry = [0] * n
    for e, (_, kind, i) in enumerate(events, 1):
        op_of[e] = i
        if kind == 0:
            is_call[e] = True
        else:
            ret_entry[i] = e
    for e in range(1, size):
        if is_call[e]:
            match[e] = ret_entry[op_of[e]]

    fin_mask, inf_mask = 0, 0
    seen: set = set()
    stack: list[tuple[int, Any, bool]] = []  # (call entry, state before it, forced)
    path: Any = None  # the same choices as a linked list (op index, rest): cheap to keep
    best_depth, best_path, best_stuck = -1, None, -1
    state = init
    e = nxt[0]
    steps = 0
    while nxt[0] != -1:
        steps += 1
        if deadline is not None and not steps & 0x3FFF and time.process_time() > deadline:
            return None, len(seen), [], None
        if is_call[e]:
            i = op_of[e]
            ok, new = step(state, ops[i])
            if ok:
                if i < nfin:
                    nf, ni = fin_mask | (1 << i), inf_mask
                else:
                    nf, ni = fin_mask, inf_mask | (1 << (i - nfin))
                dense = (~nf & (nf + 1)).bit_length() - 1  # how many low bits are all ones
                memo = (dense, nf >> dense, ni, new)
                if memo not in seen:
                    seen.add(memo)
                    stack.append((e, state, keeps[i]))
                    path = (i, path)
                    state, fin_mask, inf_mask = new, nf, ni
                    # lift the call and its return out of the list
                    r = match[e]
                    a, b = prv[e], nxt[e]
                    nxt[a] = b
                    if b != -1:
                        prv[b] = a
                    a, b = prv[r], nxt[r]
                    nxt[a] = b
                    if b != -1:
                        prv[b] = a
                    e = nxt[0]
                    continue
            e = nxt[e]
        else:
            if len(stack) > best_depth:
                best_depth, best_path, best_stuck = len(stack), path, op_of[e]
            forced = True
            while forced:  # undo back to the last choice that had alternatives
                if not stack:
                    return False, len(seen), _order(best_path, ops), ops[best_stuck]
                e, state, forced = stack.pop()
                path = path[1]
                i = op_of[e]
                if i < nfin:
                    fin_mask ^= 1 << i
                else:
                    inf_mask ^= 1 << (i - nfin)
                # put the call and its return back where they were
                r = match[e]
                nxt[prv[r]] = r
                if nxt[r] != -1:
                    prv[nxt[r]] = r
                nxt[prv[e]] = e
                if nxt[e] != -1:
                    prv[nxt[e]] = e
            e = nxt[e]
    return True, len(seen), [], None


def _order(path: Any, ops: list[Op]) -> list[Op]:
    out = []
    while path is not None:
        out.append(ops[path[0]])
        path = path[1]
    out.reverse()
    return out
