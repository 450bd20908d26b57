"""The linearizability checker gives the known answer on histories drawn by hand, on
histories generated from a real sequential run, and on the same runs broken on purpose."""

from __future__ import annotations

import random

import pytest

from conformance.history.linearizable import check_history
from conformance.history.ops import History, Op
from tests.history.known import KNOWN, delete, get, history, put


@pytest.mark.parametrize("name", list(KNOWN))
def test_known_answers(name):
    h, expected = KNOWN[name]
    verdict = check_history(h)
    assert verdict.ok is expected, [(k.key, k.ok, k.stuck) for k in verdict.keys]
    if not expected:
        bad = verdict.failures[0]
        assert bad.stuck is not None and bad.stuck in h.ops


def test_stuck_names_the_stale_read():
    h, _ = KNOWN["stale read"]
    bad = check_history(h).failures[0]
    assert bad.stuck.kind == "get" and bad.stuck.output == "1"
    assert [op.value for op in bad.order] == ["1", "2"]


def simulated(seed: int, n: int, keys: int = 1, clients: int = 5,
              unknown: float = 0.0) -> History:
    """A history of a real linearizable register: each operation takes effect at a random
    moment inside its interval; clients overlap freely."""
    rng = random.Random(seed)
    events = []  # (moment of effect, op fields)
    free = [0.0] * clients
    for k in range(n):
        c = rng.randrange(clients)
        start = free[c] + rng.random()
        length = rng.random() * 3
        effect = start + rng.random() * length
        free[c] = start + length
        r = rng.random()
        kind = "get" if r < 0.5 else "put" if r < 0.9 else "delete"
        events.append((effect, [f"c{c}", kind, f"k{rng.randrange(keys)}",
                                f"v{k}" if kind == "put" else None, start, start + length]))
    state: dict[str, str | None] = {}
    ops = []
    for _effect, (proc, kind, key, value, start, end) in sorted(events, key=lambda e: e[0]):
        old = state.get(key)
        if kind == "put":
            state[key] = value
        elif kind == "delete":
            state[key] = None
        lost = rng.random() < unknown and kind != "get"
        ops.append(Op(0, proc, kind, key, value, start, None if lost else end,
                      "unknown" if lost else "ok", None if lost else old))
    ops.sort(key=lambda op: op.invoke)
    for i, op in enumerate(ops):
        op.index = i
    return History(ops)


@pytest.mark.parametrize("seed", range(20))
def test_simulated_histories_are_linearizable(seed):
    h = simulated(seed, 300, keys=2, unknown=0.05 * (seed % 3))
    assert check_history(h).ok is True


@pytest.mark.parametrize("seed", range(20))
def test_one_corrupted_read_is_caught_or_explained(seed):
    """Change what one read returned to a value that was overwritten long before: the
    checker must say no (the brute-force oracle agrees on small histories)."""
    for attempt in range(seed * 100, seed * 100 + 100):
        h = simulated(attempt, 7, keys=1, clients=3)
        reads = [op for op in h.ops if op.kind == "get"]
        writes = [op for op in h.ops if op.kind == "put"]
        if reads and writes:
            break
    rng = random.Random(seed)
    victim = rng.choice(reads)
    victim.output = rng.choice([w.value for w in writes] + [None, "never-written"])
    assert check_history(h).ok is brute_force(h.ops)


def brute_force(ops: list[Op]) -> bool:
    """Every order of the operations that respects real time, tried one by one."""
    import itertools

    from conformance.history.model import Register

    calls = Register.calls(ops)
    for perm in itertools.permutations(calls):
        if any(b.end < a.start for x, a in enumerate(perm) for b in perm[x + 1:]):
            continue
        state, good = None, True
        for c in perm:
            good, state = Register.step(state, c.op)
            if not good:
                break
        if good:
            return True
    return False


def test_time_limit_gives_no_verdict():
    """Eighteen deletes of unknown outcome fit in any order: before it can say no, the
    search must visit every subset of them."""
    rows = [delete(f"c{i}", "x", 0, None) for i in range(18)]
    rows.append(get("r", "x", 101, 102, "never"))
    verdict = check_history(history(*rows), time_limit=0.05)
    assert verdict.ok is None


def test_ten_thousand_operations_on_one_key():
    h = simulated(7, 10_000, keys=1, clients=8, unknown=0.02)
    verdict = check_history(h)
    assert verdict.ok is True and verdict.keys[0].operations > 9000


@pytest.mark.parametrize("seed", range(10))
def test_agrees_with_brute_force_when_outcomes_are_unknown(seed):
    """Small histories with many writes of unknown outcome, some with one output changed:
    the search and the exhaustive oracle agree on every one."""
    rng = random.Random(seed)
    for attempt in range(40):
        h = simulated(seed * 1000 + attempt, rng.choice([4, 5, 6]), keys=1, clients=3,
                      unknown=0.4)
        known = [op for op in h.ops if op.status == "ok"]
        if known and rng.random() < 0.5:
            victim = rng.choice(known)
            victim.output = rng.choice([None, "v0", "v1", "v2", "v3"])
        assert check_history(h).ok is brute_force(h.ops), [op.to_json() for op in h.ops]


def test_concurrent_reads_do_not_make_the_search_branch():
    """Thirty clients reading one value while it is overwritten: each read takes effect as
    soon as it can, so the search visits a handful of configurations, not 2**30."""
    rows = [put("w", "x", "1", 0, 1), put("w", "x", "2", 2, 50, "1")]
    rows += [get(f"r{i}", "x", 1.5 + i / 100, 40 + i, "1") for i in range(30)]
    rows += [get("late", "x", 60, 61, "2")]
    verdict = check_history(history(*rows))
    assert verdict.ok is True and verdict.keys[0].configurations < 200
