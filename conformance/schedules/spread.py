"""A campaign spread over slices: run on several cores (``-j``) or machines (``--shard``).

A campaign of E examples from seed S is cut into slices of at most ``profile.slice_examples``
examples each; slice 0 runs from S itself and slice ``k`` from a seed derived from S and
``k`` (:func:`slice_seed`), each as one Hypothesis campaign
(:func:`~conformance.schedules.campaign.run_campaign`). The cut depends on E, S and the
profile alone, never on how many processes or machines run it, which gives the guarantees:

* **the same verdict and the same runs** with ``-j 1`` and ``-j N``: the same slices run,
  from the same seeds; they only run at the same time;
* **determinism per seed**: where a slice diverges, the campaign's verdict is the divergence
  of the *lowest-numbered* failing slice, which is awaited even when a later slice failed
  first; slices after it are stopped (their processes ended) or never started, as a
  sequential run never reaches them;
* **shards**: ``--shard i/N`` runs the slices whose number (counted over every campaign of
  the command, in order) is ``i - 1`` modulo ``N``; the N shards together run exactly the
  slices of the unsharded campaign, so their union has its verdict.

Worker processes are forked (where the platform can), one per job, before any progress is
shown; each runs slices it is handed and reports each example and each finished slice.
"""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import multiprocessing.connection as mp_connection
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.coverage.record import Coverage
from conformance.errors import UserError
from conformance.protocols import Protocol
from conformance.schedules.campaign import CampaignResult, Progress, run_campaign
from conformance.schedules.database import open_database
from conformance.schedules.profiles import Profile


@dataclass(frozen=True)
class Campaign:
    """One campaign of a command: a protocol with its planted bugs."""

    protocol: Protocol
    bugs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Slice:
    campaign: int  # index in the command's campaigns
    index: int  # its number within the campaign
    number: int  # its number over every campaign of the command (what shards split)
    examples: int
    seed: int


def parse_shard(text: str) -> tuple[int, int]:
    """``"i/N"`` (1 <= i <= N) as ``(i, N)``."""
    i_text, sep, n_text = text.partition("/")
    try:
        i, n = int(i_text), int(n_text)
    except ValueError:
        i = n = 0
    if not sep or n < 1 or not 1 <= i <= n:
        raise UserError(f"{text!r} is not a shard I/N with 1 <= I <= N, such as 2/4")
    return i, n


def slice_seed(seed: int, index: int) -> int:
    """Slice 0 runs from the campaign's seed; the others from seeds derived from it."""
    if index == 0:
        return seed
    digest = hashlib.sha256(f"conform slice {seed} {index}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def plan(campaigns: Sequence[Campaign], profile: Profile, seed: int,
         shard: tuple[int, int] = (1, 1)) -> list[Slice]:
    """The slices of every campaign that this shard runs, in order."""
    per = max(1, profile.slice_examples)
    total = profile.examples
    count = max(1, -(-total // per))
    sizes = [total // count + (1 if k < total % count else 0) for k in range(count)]
    out = []
    number = 0
    for ci in range(len(campaigns)):
        for k, size in enumerate(sizes):
            if number % shard[1] == shard[0] - 1:
                out.append(Slice(ci, k, number, size, slice_seed(seed, k)))
            number += 1
    return out


@dataclass
class _Tally:
    """What is known of one campaign while its slices run."""

    slices: list[Slice]
    started: float = field(default_factory=time.monotonic)
    live: dict[int, tuple[Progress, float]] = field(default_factory=dict)  # and CPU seconds
    done: dict[int, CampaignResult] = field(default_factory=dict)
    begun: dict[int, float] = field(default_factory=dict)  # slice index -> start time
    failed: int | None = None  # the lowest failing slice so far
    ended: float = 0.0  # when its last slice ended

    def progress(self) -> Progress:
        """The campaign's progress, the slices' summed (the first failure as found so
        far: final once the slices before it are done)."""
        p = Progress()
        cpu = 0.0
        # times count from the campaign's first slice, not from when the plan was made
        # (campaigns share the processes: a later one's slices begin long after that)
        first = min(self.begun.values(), default=self.started)
        for k, (s, s_cpu) in sorted({**self.live, **{k: (r.progress, r.cpu_seconds)
                                                      for k, r in self.done.items()}}.items()):
            if self.failed is not None and k > self.failed:
                break
            cpu += s_cpu
            if s.found_at_example is not None and p.found_at_example is None:
                p.found_at_example = p.examples + s.found_at_example
                if s.found_after is not None:
                    p.found_after = self.begun.get(k, first) - first + s.found_after
                p.found_after_cpu = s.found_after_cpu
            p.examples += s.examples
            p.events += s.events
            p.decisions += s.decisions
            p.shrink_runs += s.shrink_runs
            for label, v in s.best.items():
                p.best[label] = max(v, p.best.get(label, v))
        p.started, p.cpu_started = first, time.process_time() - cpu
        return p

    def wanted(self, sl: Slice) -> bool:
        return self.failed is None or sl.index < self.failed

    def finished(self) -> bool:
        needed = [s.index for s in self.slices if self.wanted(s)]
        return all(k in self.done for k in needed)

    def result(self, campaign: Campaign, profile: Profile, seed: int) -> CampaignResult:
        p = self.progress()
        # from its first slice's start to its last one's end (campaigns share the processes)
        first = min(self.begun.values(), default=self.started)
        out = CampaignResult(campaign.protocol.name, profile.name, seed, campaign.bugs, p,
                             max(self.ended - first, 0.0), cpu_seconds=p.cpu_seconds)
        # the coverage of the slices a sequential run would have run, added up
        for k, r in sorted(self.done.items()):
            if self.failed is not None and k > self.failed:
                break
            if r.coverage is not None:
                if out.coverage is None:
                    out.coverage = Coverage()
                out.coverage.merge(r.coverage)
        if self.failed is not None:
            bad = self.done[self.failed]
            out.divergence, out.trace_file, out.error = bad.divergence, bad.trace_file, \
                bad.error
            out.shrunk_events, out.shrunk_decisions = bad.shrunk_events, \
                bad.shrunk_decisions
            out.variant = bad.variant
        return out


def run_spread(campaigns: Sequence[Campaign], profile: Profile, seed: int, *,
               jobs: int = 1, shard: tuple[int, int] = (1, 1), save_dir: Path | None = None,
               database: str | None = "none",
               on_progress: Callable[[int, Progress], None] | None = None
               ) -> list[CampaignResult | None]:
    """Run the campaigns' slices (this shard's) on ``jobs`` processes; one result per
    campaign, None for a campaign this shard has no slice of."""
    if jobs < 1:
        raise UserError("-j must be at least 1")
    slices = plan(campaigns, profile, seed, shard)
    open_database(database)  # bad input is reported here, before anything runs
    tallies = [_Tally([s for s in slices if s.campaign == ci]) for ci in range(len(campaigns))]
    runner = _Inline if jobs == 1 or len(slices) == 1 else _Pool
    runner(campaigns, profile, save_dir, database, tallies, on_progress).run(slices, jobs)
    return [t.result(c, profile, seed) if t.slices else None
            for c, t in zip(campaigns, tallies, strict=True)]


class _Runner:
    def __init__(self, campaigns: Sequence[Campaign], profile: Profile, save_dir: Path | None,
                 database: str | None, tallies: list[_Tally],
                 on_progress: Callable[[int, Progress], None] | None) -> None:
        self.campaigns = campaigns
        self.profile = profile
        self.save_dir = save_dir
        self.database = database
        self.tallies = tallies
        self.on_progress = on_progress

    def run_slice(self, sl: Slice, on_example: Callable[[Progress], None]) -> CampaignResult:
        c = self.campaigns[sl.campaign]
        return run_campaign(c.protocol, self.profile.with_overrides(examples=sl.examples),
                            c.bugs, seed=sl.seed, save_dir=self.save_dir,
                            on_example=on_example, database=open_database(self.database))

    def begin(self, sl: Slice) -> None:
        self.tallies[sl.campaign].begun[sl.index] = time.monotonic()

    def report(self, sl: Slice, p: Progress, cpu: float) -> None:
        t = self.tallies[sl.campaign]
        t.live[sl.index] = (p, cpu)
        if self.on_progress is not None:
            self.on_progress(sl.campaign, t.progress())

    def finish(self, sl: Slice, r: CampaignResult) -> None:
        t = self.tallies[sl.campaign]
        t.live.pop(sl.index, None)
        t.done[sl.index] = r
        t.ended = time.monotonic()
        if not r.ok and (t.failed is None or sl.index < t.failed):
            t.failed = sl.index
        if self.on_progress is not None:
            self.on_progress(sl.campaign, t.progress())

    def wanted(self, sl: Slice) -> bool:
        return self.tallies[sl.campaign].wanted(sl)


class _Inline(_Runner):
    """Every slice in this process, one after the other."""

    def run(self, slices: list[Slice], jobs: int) -> None:
        for sl in slices:
            if not self.wanted(sl):
                continue
            self.begin(sl)
            def on_example(p: Progress, sl: Slice = sl) -> None:
                self.report(sl, p, p.cpu_seconds)
            self.finish(sl, self.run_slice(sl, on_example))


def _snapshot(p: Progress) -> tuple[Progress, float]:
    """A copy to send to the parent, with the CPU seconds of the slice so far (clocks are
    the worker's own: its times are sent as durations)."""
    return (Progress(p.examples, p.events, p.decisions, started=0.0, cpu_started=0.0,
                     found_at_example=p.found_at_example, found_after=p.found_after,
                     found_after_cpu=p.found_after_cpu, shrink_runs=p.shrink_runs,
                     best=dict(p.best)), p.cpu_seconds)


@dataclass
class _Worker:
    process: Any
    tasks: Any  # the parent's end of the pipe that hands out slices
    results: Any  # the parent's end of the pipe the worker reports on
    busy: Slice | None = None


class _Pool(_Runner):
    """Slices on worker processes, handed out in order; a slice after a campaign's lowest
    failing one is never started, and its process is ended if it had been. Each worker has
    its own pipes, so ending one mid-message loses nothing of the others'."""

    def run(self, slices: list[Slice], jobs: int) -> None:
        self.ctx: Any = mp.get_context("fork" if "fork" in mp.get_all_start_methods()
                                       else "spawn")
        self.workers: list[_Worker] = []
        pending = list(slices)
        try:
            for _ in range(min(jobs, len(slices))):
                self._start_worker()
            while True:
                pending = [s for s in pending if self.wanted(s)]
                for w in list(self.workers):
                    if w.busy is not None and not self.wanted(w.busy):
                        self._end_worker(w)  # a sequential run would never get there
                        if pending:
                            self._start_worker()
                for w in self.workers:
                    if w.busy is None and pending:
                        w.busy = pending.pop(0)
                        self.begin(w.busy)
                        w.tasks.send(w.busy)
                if not pending and all(w.busy is None for w in self.workers):
                    return
                self._receive()
        finally:
            for w in list(self.workers):
                self._end_worker(w)

    def _start_worker(self) -> None:
        tasks_child, tasks = self.ctx.Pipe(duplex=False)
        results, results_child = self.ctx.Pipe(duplex=False)
        proc = self.ctx.Process(target=_work, args=(self, tasks_child, results_child),
                                daemon=True)
        proc.start()
        tasks_child.close()
        results_child.close()
        self.workers.append(_Worker(proc, tasks, results))

    def _end_worker(self, w: _Worker) -> None:
        self.workers.remove(w)
        if w.busy is None and w.process.is_alive():
            try:
                w.tasks.send(None)
            except OSError:
                pass
            w.process.join(timeout=5)
        if w.process.is_alive():
            w.process.terminate()
            w.process.join(timeout=5)
        w.tasks.close()
        w.results.close()

    def _receive(self) -> None:
        by_conn = {w.results: w for w in self.workers if w.busy is not None}
        for conn in mp_connection.wait(list(by_conn), timeout=1.0):
            w = by_conn[conn]
            try:
                kind, payload = w.results.recv()
            except (EOFError, OSError):  # the worker died without a word
                sl = w.busy
                assert sl is not None
                w.busy = None
                self._end_worker(w)
                self._start_worker()
                self._crashed(sl, f"the worker process ended (exit code "
                                  f"{w.process.exitcode})")
                continue
            sl = w.busy
            assert sl is not None
            if kind == "progress":
                self.report(sl, *payload)
            elif kind == "done":
                w.busy = None
                self.finish(sl, payload)
            else:
                w.busy = None
                self._crashed(sl, payload)

    def _crashed(self, sl: Slice, message: str) -> None:
        c = self.campaigns[sl.campaign]
        r = CampaignResult(c.protocol.name, self.profile.name, sl.seed, c.bugs, Progress(),
                           0.0, error=message)
        self.finish(sl, r)


def _work(pool: _Pool, tasks: Any, results: Any) -> None:
    """A worker process: run the slices it is handed until it is handed None."""
    while True:
        try:
            sl = tasks.recv()
        except EOFError:
            return
        if sl is None:
            return
        try:
            r = pool.run_slice(sl, lambda p: results.send(("progress", _snapshot(p))))
        except BaseException as e:  # noqa: BLE001 - reported to the parent as the slice's error
            results.send(("crash", f"{type(e).__name__}: {e}\n{traceback.format_exc()}"))
            continue
        results.send(("done", r))
