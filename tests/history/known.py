"""Histories whose answer is known, written the way a person draws them: one tuple per
operation, (client, kind, key, value, invoked, completed, output), completed None for an
operation of unknown outcome, output "FAIL" for one the cluster refused."""

from __future__ import annotations

from conformance.history.ops import History, Op

FAIL = "FAIL"


def history(*rows: tuple) -> History:
    ops = []
    for n, (proc, kind, key, value, start, end, output) in enumerate(
            sorted(rows, key=lambda r: r[4])):
        status = "unknown" if end is None else "fail" if output == FAIL else "ok"
        ops.append(Op(n, proc, kind, key, value, float(start),
                      None if end is None else float(end), status,
                      None if status != "ok" else output))
    return History(ops)


def put(proc, key, value, start, end, old=None):
    return (proc, "put", key, value, start, end, old)


def get(proc, key, start, end, seen):
    return (proc, "get", key, None, start, end, seen)


def delete(proc, key, start, end, old=None):
    return (proc, "delete", key, None, start, end, old)


# name -> (history, linearizable?)
KNOWN: dict[str, tuple[History, bool]] = {
    "sequential": (history(put("a", "x", "1", 0, 1), get("b", "x", 2, 3, "1"),
                           put("a", "x", "2", 4, 5, "1"), delete("b", "x", 6, 7, "2"),
                           get("a", "x", 8, 9, None)), True),
    "concurrent writes, either order": (history(
        put("a", "x", "1", 0, 10), put("b", "x", "2", 1, 9, "1"),
        get("c", "x", 11, 12, "2")), True),
    "read during a write sees old then new": (history(
        put("a", "x", "1", 0, 1), put("b", "x", "2", 2, 10, "1"),
        get("c", "x", 3, 4, "1"), get("c", "x", 5, 6, "2"), get("c", "x", 11, 12, "2")), True),
    "stale read": (history(
        put("a", "x", "1", 0, 1), put("a", "x", "2", 2, 3, "1"),
        get("b", "x", 4, 5, "1")), False),
    "lost write": (history(
        put("a", "x", "1", 0, 1), get("b", "x", 2, 3, None)), False),
    "read before the write": (history(
        get("b", "x", 0, 1, "1"), put("a", "x", "1", 2, 3)), False),
    "write seen twice": (history(
        put("a", "x", "1", 0, 1), get("b", "x", 2, 3, "1"), put("a", "x", "2", 4, 5, "1"),
        get("b", "x", 6, 7, "2"), get("b", "x", 8, 9, "1")), False),
    "reads flip-flop between concurrent writes": (history(
        put("a", "x", "1", 0, 20), put("b", "x", "2", 0, 20),
        get("c", "x", 1, 2, "1"), get("c", "x", 3, 4, "2"), get("c", "x", 5, 6, "1")), False),
    "unknown write observed later": (history(
        put("a", "x", "1", 0, None), get("b", "x", 5, 6, "1"), get("b", "x", 7, 8, "1")), True),
    "unknown write never observed": (history(
        put("a", "x", "1", 0, None), get("b", "x", 5, 6, None)), True),
    "unknown write observed, then gone": (history(
        put("a", "x", "1", 0, None), get("b", "x", 5, 6, "1"), get("b", "x", 7, 8, None)),
        False),
    "unknown delete explains an absent key": (history(
        put("a", "x", "1", 0, 1), delete("a", "x", 2, None), get("b", "x", 9, 10, None)),
        True),
    "failed write observed": (history(
        put("a", "x", "1", 0, 1, None), put("b", "x", "2", 2, 3, FAIL),
        get("c", "x", 4, 5, "2")), False),
    "write reports the wrong old value": (history(
        put("a", "x", "1", 0, 1), put("b", "x", "2", 2, 3, "7")), False),
    "keys are independent": (history(
        put("a", "x", "1", 0, 1), put("b", "y", "2", 0, 1), get("c", "x", 2, 3, "1"),
        get("c", "y", 4, 5, "2")), True),
    "stale read on one key of two": (history(
        put("a", "x", "1", 0, 1), put("b", "y", "2", 0, 1), get("c", "y", 2, 3, "2"),
        put("a", "x", "3", 2, 3, "1"), get("c", "x", 4, 5, "1")), False),
}
