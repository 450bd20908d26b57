"""A real run's node traces, merged (:mod:`conformance.record.merge`), as a chart.

The merger already knows what the states of a simulated trace only imply: which send each
receive matched, which messages were received twice (the network duplicated them) and which
never arrived, where each node restarted. The events are laid out in an order causality
allows (each node's own order; every send before its receives; the recorders' clocks break
ties), or in the order the validator found to conform. The state beside each event is the
cluster as the traces know it: each variable a function of the nodes, holding every node's
last recorded value (the network's variable is not recorded, so it is not shown).
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING, Any

from conformance.trace.schema import Step
from conformance.values import Fn
from conformance.visual.sequence import Chart, Copy, Event

if TYPE_CHECKING:
    from conformance.record.merge import Item, Merged

ItemRef = tuple[str, int]


def causal_order(m: Merged) -> list[ItemRef]:
    """Every event once, each node's in its order and every send before its receives; of
    the events that may go next, the earliest by the recorders' clocks, then by node."""
    nodes = sorted(m.chains)
    placed: set[ItemRef] = set()
    pos = {n: 0 for n in nodes}
    order: list[ItemRef] = []
    heap: list[tuple[int, str]] = []

    def offer(n: str) -> None:
        if pos[n] < len(m.chains[n]):
            it = m.chains[n][pos[n]]
            heapq.heappush(heap, (it.t if it.t is not None else 1 << 62, n))

    for n in nodes:
        offer(n)
    waiting: set[str] = set()
    while heap or waiting:
        if not heap:  # what every node waits for never comes: place the rest as they are
            for n in sorted(waiting):
                waiting.discard(n)
                it = m.chains[n][pos[n]]
                placed.add((n, it.index))
                order.append((n, it.index))
                pos[n] += 1
                offer(n)
            continue
        _, n = heapq.heappop(heap)
        it = m.chains[n][pos[n]]
        if any(d not in placed for d in it.deps):
            waiting.add(n)
            continue
        placed.add((n, it.index))
        order.append((n, it.index))
        pos[n] += 1
        offer(n)
        for w in sorted(waiting):  # a send may have freed a receive
            waiting.discard(w)
            offer(w)
    return order


def chart_of_run(m: Merged, order: list[ItemRef] | None = None
                 ) -> tuple[Chart, list[Step], dict[ItemRef, int]]:
    """The chart, the steps (the cluster as known after each event) and each event's row."""
    order = order or causal_order(m)
    row = {ref: n + 1 for n, ref in enumerate(order)}
    view: dict[str, dict[Any, Any]] = {}
    for node, state in m.initial.items():
        for var, v in state.items():
            view.setdefault(var, {})[m.selves[node]] = v
    steps = [Step(0, "Init", _snapshot(view))]
    events = [Event(0, "Init", None, "init", {})]
    for ref in order:
        it: Item = m.item(ref)
        for var, v in it.state.items():
            view.setdefault(var, {})[m.selves[it.node]] = v
        action, params = it.actions[-1]
        k = row[ref]
        steps.append(Step(k, action, _snapshot(view), params=params, node=it.node,
                          location=it.where))
        received = it.recv is not None or it.unmatched is not None
        events.append(Event(k, action, it.node,
                            "crash" if it.restart else "receive" if received else "step",
                            dict(params)))
    copies: list[Copy] = []
    for msg in m.messages:
        at = sorted(row[r] for r in msg.receivers)
        first = Copy(len(copies), msg.value, msg.frm, msg.to, row[msg.sender],
                     received_at=at[:1])
        copies.append(first)
        events[row[msg.sender]].sent.append(first.id)
        for r in at[1:]:  # the network duplicated it: when, the traces cannot say
            dup = Copy(len(copies), msg.value, msg.frm, msg.to, row[msg.sender],
                       duplicated_at=row[msg.sender], received_at=[r])
            copies.append(dup)
        for c in copies[first.id:]:
            for r in c.received_at:
                events[r].received.append(c.id)
    for ref in order:
        it = m.item(ref)
        if it.unmatched is not None:  # a receive that no recorded send explains
            c = Copy(len(copies), it.unmatched.msg, it.unmatched.frm, it.node, None,
                     received_at=[row[ref]])
            copies.append(c)
            events[row[ref]].received.append(c.id)
    lanes = sorted(m.chains)
    down: dict[str, list[tuple[int, int | None]]] = {
        n: [(row[(n, it.index)], row[(n, it.index)]) for it in m.chains[n] if it.restart]
        for n in lanes}
    chart = Chart(lanes, events, copies, [], m.network.get("variable"),
                  {n: d for n, d in down.items() if d})
    return chart, steps, row


def _snapshot(view: dict[str, dict[Any, Any]]) -> dict[str, Any]:
    return {var: Fn(dict(values)) for var, values in view.items()}
