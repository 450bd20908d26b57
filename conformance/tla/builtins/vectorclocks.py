"""VectorClocks: ordering a log of events by the vector clocks they carry, as TLC does.

``CausalOrder(log, clock(_), node(_), domain(_))`` follows TLC's override: each node's
events are sorted by the node's own clock entry; an event's parents are, for every node in
its clock's domain, that node's event whose time the clock names when it is the newest the
event has heard of; then events are taken in rounds, each round visiting the nodes in turn
and taking a node's next event when all its parents are taken. Where several events are
ready in one round, TLC visits the nodes in the order of a Java hash map keyed by the values'
fingerprints, which depend on the fingerprint polynomial TLC draws at random for each run
(``-fp``): concurrent events come out interleaved differently from run to run, and so does
the number of states a trace spec generates (tlaplus/Examples' EWD998ChanTrace: 11164,
11169, 11190, 11180 and 11170 states generated in five TLC runs, 659 distinct and depth
655 in all). The engine visits the nodes in TLC's order of values: one of those
interleavings, the same every run (11147 generated, 659 distinct, depth 655).
``IsCausalOrder(log, clock(_))`` is the module's definition.
"""

from __future__ import annotations

from typing import Any

from conformance.tla.builtins.native import Native
from conformance.tla.errors import EvalError
from conformance.tla.lazy import LazyFn, ordered, to_tla_any
from conformance.values import Fn, Tup, ValueError_, apply, compare, domain, order_key

Value = Any


def _seq(v: Value, op: str) -> Tup:
    if isinstance(v, LazyFn):
        v = v.materialize()
    if type(v) is not Tup:
        raise EvalError(f"The first argument of {op} should be a sequence, but instead it "
                        f"is:\n{to_tla_any(v)}")
    return v


def _at(f: Value, x: Value) -> Value:
    if isinstance(f, LazyFn):
        return f.apply(x)
    try:
        return apply(f, x)
    except ValueError_ as e:
        raise EvalError(str(e)) from None


def _cmp(a: Value, b: Value) -> int:
    try:
        return compare(a, b)
    except ValueError_ as e:
        raise EvalError(str(e)) from None


class _Event:
    __slots__ = ("value", "clock", "time", "hosts", "parents", "children")

    def __init__(self, value: Value, clock: Value, time: Value, hosts) -> None:
        self.value, self.clock, self.time, self.hosts = value, clock, time, hosts
        self.parents: set[int] = set()
        self.children: list[_Event] = []


def causal_order(log, clock, node, dom):
    events = _seq(log, "CausalOrder")
    lanes: dict = {}
    for val in events:
        nid = node(val)
        vc = clock(val)
        lanes.setdefault(nid, []).append(
            _Event(val, vc, _at(vc, nid), ordered(dom(vc))))
    for lane in lanes.values():  # stable, as Java's List.sort
        lane.sort(key=_TimeKey)
    for host, lane in lanes.items():
        newest = {h: 0 for h in lanes}
        for ev in lane:
            newest[host] = ev.time
            for other in ev.hosts:
                t = _at(ev.clock, other)
                if other not in newest:
                    raise EvalError(f"CausalOrder: the clock {to_tla_any(ev.clock)} names "
                                    f"{to_tla_any(other)}, which has no event in the log.")
                if _cmp(newest[other], t) < 0:
                    newest[other] = t
                    if type(t) is not int or not 0 < t <= len(lanes[other]):
                        raise EvalError(f"CausalOrder: the clock {to_tla_any(ev.clock)} "
                                        f"names time {to_tla_any(t)} of "
                                        f"{to_tla_any(other)}, which has "
                                        f"{len(lanes[other])} events in the log.")
                    parent = lanes[other][t - 1]
                    ev.parents.add(id(parent))
                    parent.children.append(ev)
    order = sorted(lanes, key=order_key)
    heads = {h: 0 for h in order}
    out: list = []
    for _ in range(len(events)):
        for h in order:
            lane, k = lanes[h], heads[h]
            if k < len(lane) and not lane[k].parents:
                ev = lane[k]
                heads[h] = k + 1
                for child in ev.children:
                    child.parents.discard(id(ev))
                out.append(ev.value)
    if len(out) != len(events):
        raise EvalError("CausalOrder: the vector clocks of the log are not acyclic (no "
                        "causal order exists).")
    return Tup(out)


class _TimeKey:
    """Sorts events by their node's time with TLC's comparison (which can fail)."""

    __slots__ = ("t",)

    def __init__(self, ev: _Event) -> None:
        self.t = ev.time

    def __lt__(self, other: _TimeKey) -> bool:
        return _cmp(self.t, other.t) < 0


def _fill(c: Value, keys) -> dict:
    g = c.map if type(c) is Fn else {i + 1: x for i, x in enumerate(c)} if type(c) is Tup \
        else None
    if g is None:
        if isinstance(c, LazyFn):
            return _fill(c.materialize(), keys)
        raise EvalError(f"IsCausalOrder: the clock {to_tla_any(c)} is not a function")
    return {d: g.get(d, 0) for d in keys}


def _lt(a: Value, b: Value) -> bool:
    if type(a) is not int or type(b) is not int:
        raise EvalError(f"IsCausalOrder compares clock values that are not integers: "
                        f"{to_tla_any(a)} and {to_tla_any(b)}")
    return a < b


def is_causal_order(log, clock):
    entries = _seq(log, "IsCausalOrder")
    clocks = [clock(x) for x in entries]
    for i in range(len(entries)):
        for j in range(i):
            keys = set(domain(clocks[i])) | set(domain(clocks[j]))
            vi, vj = _fill(clocks[i], keys), _fill(clocks[j], keys)
            before = all(not _lt(vi[d], vj[d]) for d in keys) and \
                any(_lt(vj[d], vi[d]) for d in keys)
            concurrent = any(a != b and _lt(vj[a], vi[a]) and _lt(vi[b], vj[b])
                             for a in keys for b in keys)
            if not (before or concurrent):
                return False
    return True


MODULES: dict[str, dict[str, Native]] = {
    "VectorClocks": {
        "CausalOrder": Native(4, causal_order, op_args=(1, 2, 3)),
        "IsCausalOrder": Native(2, is_causal_order, op_args=(1,)),
    },
}
