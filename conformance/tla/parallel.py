"""The breadth-first search of :mod:`explore` on several processes, with the same figures.

States are partitioned by fingerprint: worker ``i`` owns the fingerprints that are ``i``
modulo the number of workers and decides, for each, which discovery is kept (with the state
it was reached from and the action). The search runs level by level, as TLC's breadth-first
search does: every worker expands its share of level L; each successor is claimed from its
owner, which keeps the first claim of a state it has not seen; then the next level starts.
Only fingerprints travel (a worker never claims one twice), never states: the worker that
found a kept state holds it and expands it, so the values of a state stay shared with its
parent's, which the engine's memories (remembered checks, symmetry images) key on.

Every figure equals the one-process search's, violations included, because the workers
reproduce its order. A state's *position* is its place in the one-process queue, and the
successors of level L come in the order (position of the parent, number of the successor
among the parent's), which is the order the one-process search meets them in. A state found
by several parents is kept with the first of them in that order (so the states, their
parents and the counterexamples are the same), and the next level's positions are the
ranks of the kept states in that order. Where something goes wrong (an invariant, an action
property, a deadlock, an evaluation error), the one that the one-process search would meet
first is the one with the least such key; the states generated and found before it are
counted by key, so the counts, the depth and the counterexample are the one-process
search's, which are TLC's.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing as mp
import os
import pickle
import queue
import signal
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from conformance.result import Progress
from conformance.tla.errors import EvalError
from conformance.tla.explore import (
    FREEZE,
    Explorer,
    SearchResult,
    Violation,
    _Stop,
    fingerprint_function,
    holds,
)
from conformance.tla.limits import counting
from conformance.tla.model import Model
from conformance.tla.stack import with_room

SPAN = 1 << 24  # successors of one state a key can tell apart (ordinal < SPAN)
HANDOFF = 1000  # the processes start at the first level of this many states
SLACK = 0.02  # a worker this much over its share of a level keeps its states (see balance)
SLACK_MIN = 32  # ... or this many


@dataclass
class _Found:
    """A violation met by a worker, with its place in the one-process order."""

    key: int
    kind: str
    name: str | None
    message: str
    parent: int | None  # fingerprint of the state expanded (None: the state itself, below)
    action: int
    state: tuple | None  # the successor it concerns, if any
    fp: int | None  # fingerprint of the state whose expansion failed (deadlock, action error)
    locs: list


class ParallelExplorer:
    """One breadth-first search of a model on ``workers`` processes."""

    def __init__(self, model: Model, workers: int, *, timeout: float | None = None,
                 progress: Callable[[Progress], None] | None = None,
                 handoff: int = HANDOFF) -> None:
        self.model = model
        self.n = workers
        self.timeout = timeout
        self.progress = progress
        self.handoff = handoff

    def run(self) -> SearchResult:
        """Search in this process until a level holds ``handoff`` states (small models never
        pay for processes), then on the workers from that level on."""
        first = Explorer(self.model, timeout=self.timeout, progress=self.progress,
                         handoff=self.handoff)
        res = first.run()
        if not first.handed_off:
            return res
        start = first.start
        shares: list[list] = [[] for _ in range(self.n)]
        for pos, (s, fp, _) in enumerate(first.queue):
            shares[fp % self.n].append((pos, fp, s))
        level = first.queue[0][2]
        ctx: Any = mp.get_context("fork")
        inboxes = [ctx.Queue() for _ in range(self.n)]
        pipes = []
        procs = []
        for i in range(self.n):
            here, there = ctx.Pipe()
            w = _Worker(self.model, i, self.n, first.seen, shares[i], inboxes, start,
                        self.timeout)
            p = ctx.Process(target=with_room, args=(w.serve, there), daemon=True)
            p.start()
            there.close()
            pipes.append(here)
            procs.append(p)
        done = False
        try:
            with counting([p.pid for p in procs if p.pid is not None]):
                self._levels(res, pipes, len(first.seen), len(first.queue), level, start)
            done = True
        finally:
            for c in pipes:
                try:
                    c.send(("stop",))
                except OSError:
                    pass
            for p in procs:
                # a search cut short (a limit, an error) leaves workers in the middle of a
                # level, where they read no message: they are ended at once
                p.join(timeout=5 if done else 0)
                if p.is_alive():
                    p.terminate()
                    p.join(timeout=5)
            for q in inboxes:
                q.close()
                q.join_thread()
        res.duration = time.monotonic() - start
        return res

    def _ask(self, pipes: list, message: tuple) -> list:
        for c in pipes:
            c.send(message)
        return [c.recv() for c in pipes]

    def _levels(self, res: SearchResult, pipes: list, distinct: int, frontier: int,
                level: int, start: float) -> None:
        next_report = start + 2.0
        while True:
            replies = self._ask(pipes, ("expand", level))
            errors = [r for r in replies if isinstance(r, BaseException)]
            if errors:
                raise errors[0]
            found = [r["found"] for r in replies if r["found"] is not None]
            if found:
                v = min(found, key=lambda f: f.key)
                self._stop_at(res, pipes, v, distinct, frontier, level)
                return
            res.generated += sum(r["generated"] for r in replies)
            new = sum(r["new"] for r in replies)
            distinct += new
            res.distinct = distinct
            if any(r["timed_out"] for r in replies):
                res.timed_out = True
                res.left = new
                return
            if new == 0:
                res.complete = True
                res.left = 0
                return
            level += 1
            res.depth = level
            keys = [array("q", r["keys"]) for r in replies]
            order = sorted(k for ks in keys for k in ks)
            rank = {k: i for i, k in enumerate(order)}
            moves = balance([len(ks) for ks in keys])
            for c, ks in zip(pipes, keys, strict=True):
                c.send(("ranks", array("q", [rank[k] for k in ks]).tobytes(), moves))
            frontier = new
            now = time.monotonic()
            if self.timeout is not None and now - start > self.timeout:
                res.timed_out = True
                res.left = new
                return
            if self.progress is not None and now >= next_report:
                next_report = now + 2.0
                self.progress(Progress(res.generated, distinct, new, res.depth))

    def _stop_at(self, res: SearchResult, pipes: list, v: _Found, distinct: int,
                 frontier: int, level: int) -> None:
        """The figures at the violation the one-process search meets first."""
        counts = self._ask(pipes, ("count", v.key))
        generated = sum(c[0] for c in counts) + (1 if v.state is not None else 0)
        new = sum(c[1] for c in counts)
        # the successor at fault was new (and counted as distinct before the check) exactly
        # when its owner kept it with this very key
        inserted = any(c[2] for c in counts)
        res.generated += generated
        res.distinct = distinct + new + (1 if inserted else 0)
        if new or inserted:
            res.depth = level + 1
        res.left = frontier - v.key // SPAN - 1 + new
        if v.state is not None:
            assert v.parent is not None
            trace = self._path(pipes, v.parent) + [(v.action, v.state)]
        else:
            assert v.fp is not None
            trace = self._path(pipes, v.fp)
        res.violation = Violation(v.kind, v.name, v.message, trace, v.locs)

    def _path(self, pipes: list, fp: int | None) -> list[tuple[int, tuple]]:
        out = []
        while fp is not None:
            c = pipes[fp % self.n]
            c.send(("lookup", fp))
            parent, action, state = c.recv()
            if type(state) is int:  # held by the worker that found it
                c = pipes[state]
                c.send(("state", fp))
                state = c.recv()
            out.append((action, state))
            fp = parent
        out.reverse()
        return out


class _Worker:
    """One process of the search: its share of the seen states and of the frontier."""

    def __init__(self, model: Model, me: int, n: int, seen: dict, frontier: list,
                 inboxes: list, start: float, timeout: float | None) -> None:
        self.model = model
        self.parent = os.getpid()  # made in the coordinator
        self.me = me
        self.n = n
        self.seen = seen
        self.frontier = frontier  # (position, fingerprint, state), by position
        self.inboxes = inboxes
        self.start = start
        self.timeout = timeout
        self.sent: set[int] = set()  # fingerprints sent to their owners, ever
        self.kept: list = []  # this level's new states: (key, fingerprint, state)
        self.store: dict[int, tuple] = {}  # states this worker found and holds for others
        self.parents: list[tuple[int, int]] = []  # this level: (position, successors)
        self.round = 0  # exchanges so far
        self.early: dict[int, list] = {}  # messages of rounds to come

    def serve(self, conn: Any) -> None:
        # What lives is frozen out of the cycle collector's sight (see explore.FREEZE) at
        # the end of each level and every FREEZE states expanded: the walks of the states
        # found were 16% of the workers' time on MultiPaxos_MC_small (17 full collections
        # each). Freezing what came from the coordinator first also keeps the walks from
        # copying its pages into this process (they write to each object). A worker ends
        # with the search, so nothing needs thawing.
        gc.freeze()
        _die_with(self.parent)
        self.key = fingerprint_function(self.model)
        # the states found before the hand-over: keep this worker's share
        self.seen = {fp: v for fp, v in self.seen.items() if fp % self.n == self.me}
        while True:
            try:
                msg = conn.recv()
            except EOFError:  # the coordinator is gone
                return
            op = msg[0]
            if op == "stop":
                return
            try:
                if op == "expand":
                    conn.send(self.expand(msg[1]))
                elif op == "ranks":
                    ranks = array("q")
                    ranks.frombytes(msg[1])
                    self.frontier = [(r, fp, s) for r, (_, fp, s) in
                                     zip(ranks, self.kept, strict=True)]
                    self.kept = []
                    if msg[2]:
                        self.rebalance(msg[2])
                    gc.freeze()  # the level is done: see serve
                elif op == "count":
                    conn.send(self.count(msg[1]))
                elif op == "lookup":
                    conn.send(self.seen[msg[1]])
                elif op == "state":
                    conn.send(self.store[msg[1]])
            except BaseException as e:  # noqa: BLE001 - the coordinator raises it
                conn.send(e)

    # ------------------------------------------------------------------ one level

    def expand(self, level: int) -> dict:
        model = self.model
        me, n = self.me, self.n
        seen, sent, key_of = self.seen, self.sent, self.key
        actions = model.actions
        constraints = [c.code.fn for c in model.constraints]
        action_constraints = [c.code.fn for c in model.action_constraints]
        action_props = [(c.name, c.code.fn) for c in model.action_properties]
        invariants = [(c.name, c.code.fn) for c in model.invariants]
        simple = not constraints and not action_constraints
        check_deadlock = model.check_deadlock
        runtime = model.runtime
        mine: dict[int, tuple] = {}  # fingerprint -> (key, parent, action, state): my own
        claims: list[list] = [[] for _ in range(n)]  # per owner: (fp, key, parent, action)
        held: dict[int, tuple] = {}  # the states claimed, as in ``mine``
        self.parents = parents = []
        found: list[_Found] = []
        generated = 0
        timed_out = False
        cur = [0, 0, 0, 0]  # key base, parent fingerprint, action, successors so far

        from conformance.tla.actions import Partial

        def on_succ(t: tuple) -> None:
            o = cur[3]
            cur[3] = o + 1
            k = cur[0] + o
            if not simple:
                try:
                    in_model = holds(constraints, (t, None)) and \
                        holds(action_constraints, (s, t))
                except EvalError as e:
                    found.append(self._error(k, e, cur, t, None))
                    raise _Stop()
                if not in_model:  # never kept: checked here, every time
                    bad = self._invariants(invariants, t, k, cur)
                    if bad is not None:
                        found.append(bad)
                        raise _Stop()
                    self._action_props(action_props, s, t, k, cur, found)
                    return
            fp = key_of(t)
            owner = fp % n
            if owner == me:
                if fp not in seen and fp not in mine:
                    mine[fp] = (k, cur[1], cur[2], t)
            elif fp not in sent:
                sent.add(fp)
                claims[owner].append((fp, k, cur[1], cur[2]))
                held[fp] = (k, cur[1], cur[2], t)
            if action_props:
                self._action_props(action_props, s, t, k, cur, found)

        def on_middle(count: int) -> None:
            cur[3] += count

        partial = Partial([None] * len(model.variables))
        partial.sink = on_succ
        partial.extra = on_middle
        s: tuple = ()
        try:
            for i, (pos, fp, s) in enumerate(self.frontier):
                cur[0], cur[1], cur[3] = pos * SPAN, fp, 0
                runtime.level = level
                E = (s, partial)
                try:
                    for ai, action in enumerate(actions):
                        cur[2] = ai
                        try:
                            action.fn(E)
                        except EvalError as e:
                            for j in range(len(partial)):
                                partial[j] = None
                            partial.n = 0
                            found.append(self._action_error(cur[0] + cur[3], e, fp, s, ai))
                            raise _Stop()
                finally:
                    parents.append((pos, cur[3]))
                    generated += cur[3]
                if check_deadlock and cur[3] == 0:
                    found.append(_Found(cur[0] + SPAN - 1, "deadlock", None,
                                        "Deadlock reached.", None, -1, None, fp, []))
                    raise _Stop()
                if i % 200 == 199:
                    if os.getppid() != self.parent:  # orphaned: see _die_with
                        os._exit(1)
                    if self.timeout is not None \
                            and time.monotonic() - self.start > self.timeout:
                        timed_out = True
                        break
                    if i % FREEZE == FREEZE - 1:
                        gc.freeze()  # see serve
        except _Stop:
            pass
        # Who keeps what: each worker claims the states it found for their owners (their
        # fingerprints, keys, parents and actions: states never travel), each owner keeps
        # the first discovery of each new one and tells the claimants which claims won. The
        # discoverer of a state keeps it, checks it against the invariants and expands it:
        # its values stay shared with its parent and siblings, so the remembered checks
        # and the symmetry permuters' memories hit as in the one-process search.
        incoming = self._exchange([array("q", [x for c in cl for x in c]).tobytes()
                                   for cl in claims])
        best: dict[int, tuple[int, int, int, int]] = {}  # fp -> (key, claimant, parent, ai)
        for j, data in enumerate(incoming):
            if j == me:
                continue
            flat = array("q")
            flat.frombytes(data)
            for fp, k, parent, ai in zip(flat[::4], flat[1::4], flat[2::4], flat[3::4],
                                         strict=True):
                if fp in seen:
                    continue
                have = mine.get(fp)
                if have is not None:
                    if k < have[0]:
                        del mine[fp]
                        best[fp] = (k, j, parent, ai)
                    continue
                b = best.get(fp)
                if b is None or k < b[0]:
                    best[fp] = (k, j, parent, ai)
        won: list[list[int]] = [[] for _ in range(n)]
        for fp, (_, j, parent, ai) in best.items():
            won[j].append(fp)
            seen[fp] = (parent, ai, j)  # held by worker j
        answers = self._exchange([array("q", w).tobytes() for w in won])
        winners = [(k, fp, parent, ai, t) for fp, (k, parent, ai, t) in mine.items()]
        for fp, (_, parent, ai, t) in mine.items():
            seen[fp] = (parent, ai, t)
        store = self.store
        for j, data in enumerate(answers):
            if j != me:
                fps = array("q")
                fps.frombytes(data)
                for fp in fps:
                    k, parent, ai, t = held[fp]
                    winners.append((k, fp, parent, ai, t))
                    store[fp] = t
        winners.sort(key=lambda w: w[0])
        limit = min((f.key for f in found), default=None)
        self.kept = []
        for k, fp, parent, ai, t in winners:
            if invariants and (limit is None or k < limit):
                bad = self._invariants(invariants, t, k, [k - k % SPAN, parent, ai, 0])
                if bad is not None:
                    found.append(bad)
                    limit = k
            self.kept.append((k, fp, t))
        self.kept_keys = [k for k, _, _ in self.kept]
        first = min(found, key=lambda f: f.key) if found else None
        return {"generated": generated, "new": len(self.kept), "found": first,
                "keys": array("q", self.kept_keys).tobytes(), "timed_out": timed_out}

    def rebalance(self, moves: list[tuple[int, int, int]]) -> None:
        """Send the last states of this worker's frontier to the workers ``moves`` names
        (source, destination, how many; every worker takes part in the exchange) and take
        in those sent here: the frontier stays in
        the order of positions, which is all the search needs of it. The states sent are
        consecutive ones, siblings mostly, so the values they share with each other stay
        shared (one pickle keeps them so); the worker that found a state keeps it for the
        counterexample."""
        me = self.me
        outgoing: list = [None] * self.n
        frontier = self.frontier
        for a, b, m in moves:
            if a == me:
                outgoing[b] = pickle.dumps(frontier[len(frontier) - m:],
                                           pickle.HIGHEST_PROTOCOL)
                del frontier[len(frontier) - m:]
        incoming = self._exchange(outgoing)
        got = [pickle.loads(data) for data in incoming if data is not None]
        if got:
            for part in got:
                frontier.extend(part)
            frontier.sort(key=lambda item: item[0])

    def _exchange(self, outgoing: list) -> list:
        """Send ``outgoing[j]`` to every other worker j and receive theirs (in the same
        round: a message of a later round is kept for it)."""
        me = self.me
        self.round += 1
        for j, payload in enumerate(outgoing):
            if j != me:
                self.inboxes[j].put((self.round, me, payload))
        got: list = [None] * self.n
        missing = self.n - 1
        early = self.early.pop(self.round, [])
        for _, j, payload in early:
            got[j] = payload
            missing -= 1
        while missing:
            try:
                r, j, payload = self.inboxes[me].get(timeout=1.0)
            except queue.Empty:
                if os.getppid() != self.parent:  # waiting for a worker that stopped with it
                    os._exit(1)
                continue
            if r != self.round:
                self.early.setdefault(r, []).append((r, j, payload))
                continue
            got[j] = payload
            missing -= 1
        return got

    def count(self, vkey: int) -> tuple[int, int, bool]:
        """Successors generated before key ``vkey`` in this level, states kept before it,
        and whether one was kept with that key."""
        vpos, vord = divmod(vkey, SPAN)
        generated = 0
        for pos, count in self.parents:
            if pos < vpos:
                generated += count
            elif pos == vpos:
                generated += min(count, vord)
        return (generated, sum(1 for k in self.kept_keys if k < vkey),
                vkey in self.kept_keys)

    # ------------------------------------------------------------------ checks

    def _invariants(self, invariants: list, t: tuple, k: int, cur: list) -> _Found | None:
        E = (t, None)
        for j, (name, inv) in enumerate(invariants):
            try:
                ok = inv(E)
            except EvalError as e:
                def rerun(tm: Model, j: int = j) -> None:
                    tm.invariants[j].code.fn(E)
                return self._error(k, e, cur, t, f"evaluating invariant {name}", rerun)
            if ok is not True:
                return _Found(k, "invariant", name, f"Invariant {name} is violated.",
                              cur[1], cur[2], t, None, [])
        return None

    def _action_props(self, props: list, s: tuple, t: tuple, k: int, cur: list,
                      found: list) -> None:
        E2 = (s, t)
        for name, prop in props:
            try:
                ok = prop(E2)
            except EvalError as e:
                found.append(self._error(k, e, cur, t,
                                         f"evaluating action property {name}"))
                raise _Stop() from None
            if ok is not True:
                found.append(_Found(k, "action property", name,
                                    f"Action property {name} is violated.", cur[1], cur[2],
                                    t, None, []))
                raise _Stop()

    def _error(self, k: int, e: EvalError, cur: list, t: tuple, context: str | None,
               rerun: Callable[[Model], Any] | None = None) -> _Found:
        message = e.message if not context else f"{e.message}\n(while {context})"
        locs = e.nested()
        if rerun is not None:
            locs = Explorer._retrace(self, rerun) or locs  # type: ignore[arg-type]
        return _Found(k, "error", None, message, cur[1], cur[2], t, None, locs)

    def _action_error(self, k: int, e: EvalError, fp: int, s: tuple, ai: int) -> _Found:
        def rerun(tm: Model) -> None:
            tm.successors(s, tm.actions[ai], lambda t: None)
        locs = Explorer._retrace(self, rerun) or e.nested()  # type: ignore[arg-type]
        return _Found(k, "error", None, e.message, None, -1, None, fp, locs)


def _die_with(parent: int) -> None:
    """End this worker when its coordinator ends, however it ends: one stopped by SIGKILL
    or SIGTERM cannot stop its workers, which would go on expanding a level for nobody
    and then wait for ever. On Linux the kernel sends the worker SIGKILL then
    (PR_SET_PDEATHSIG); elsewhere the worker sees that its parent changed, every 200 states
    it expands and every second it waits for the others."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux
        pass
    if os.getppid() != parent:  # it ended before that took effect
        os._exit(1)


def balance(sizes: list[int]) -> list[tuple[int, int, int]]:
    """The states to move between workers so that each expands about as many of the next
    level as the others: (source, destination, how many), a function of ``sizes`` alone.
    Every worker waits at the end of a level for the busiest one, and which worker keeps
    a state depends on where it was first found, which drifts (18% apart at the widest
    level of MultiPaxos_MC_small); a worker that is at most ``SLACK`` over the mean keeps
    its states, since moving them costs a pickle each way and the memories they share."""
    n = len(sizes)
    total = sum(sizes)
    mean = total // n
    target = [mean + (1 if i < total - mean * n else 0) for i in range(n)]
    if all(s - t <= max(SLACK_MIN, t * SLACK) for s, t in zip(sizes, target, strict=True)):
        return []
    over = [[i, s - t] for i, (s, t) in enumerate(zip(sizes, target, strict=True)) if s > t]
    under = [[i, t - s] for i, (s, t) in enumerate(zip(sizes, target, strict=True)) if s < t]
    moves = []
    while over and under:
        a, b = over[0], under[0]
        m = min(a[1], b[1])
        moves.append((a[0], b[0], m))
        a[1] -= m
        b[1] -= m
        if not a[1]:
            over.pop(0)
        if not b[1]:
            under.pop(0)
    return moves


def explore_parallel(model: Model, workers: int, **kw: Any) -> SearchResult:
    return ParallelExplorer(model, workers, **kw).run()
