"""The search on several processes gives the one-process search's figures, which are TLC's:
on completion and at every kind of stop (the counts then, the depth, the states left and
the counterexample). The Wide figures were produced by TLC (tla2tools, -workers 1)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conformance.tla import check_model
from conformance.tla.explore import explore
from conformance.tla.model import load
from conformance.tla.parallel import explore_parallel


def figures(r):
    v = r.violation
    return (r.generated, r.distinct, r.left, r.depth, r.complete,
            v and (v.kind, v.name, v.message, v.trace, [str(loc) for loc in v.locs]))


@pytest.mark.parametrize("cfg, kind, tlc", [
    ("WideDeadlock", "deadlock", (664, 70, 9, 7)),
    ("WideInv", "invariant", (238, 40, 18, 4)),
    ("WideError", "error", (402, 50, 14, 5)),
    ("WideProp", "action property", (347, 50, 18, 5)),
    ("WideConstraint", "invariant", (347, 40, 9, 4)),  # found in a state the constraint drops
])
def test_every_stop_is_where_the_one_process_search_stops(specdir, cfg, kind, tlc):
    one = figures(explore(load(specdir / "Wide.tla", specdir / f"{cfg}.cfg")))
    assert one[:4] == tlc and one[5][0] == kind
    for workers, handoff in [(2, 1), (3, 4)]:  # the processes start at once, or at level 2
        par = explore_parallel(load(specdir / "Wide.tla", specdir / f"{cfg}.cfg"), workers,
                               handoff=handoff)
        assert figures(par) == one


@pytest.mark.parametrize("spec, cfg", [("Vote", "Vote"), ("Sym", "Sym"),
                                       ("Types", "TypesView"), ("Types", "TypesSym")])
def test_complete_searches_agree_with_symmetry_and_views(specdir, spec, cfg):
    one = figures(explore(load(specdir / f"{spec}.tla", specdir / f"{cfg}.cfg")))
    par = explore_parallel(load(specdir / f"{spec}.tla", specdir / f"{cfg}.cfg"), 2,
                           handoff=1)
    assert figures(par) == one and one[4]


def test_a_spec_bug_gives_the_same_counterexample_on_two_processes(tmp_path):
    specs = Path(__file__).resolve().parents[2] / "specs"
    one = explore(load(specs / "Raft.tla", specs / "RaftBugForgetVote.cfg"))
    par = explore_parallel(load(specs / "Raft.tla", specs / "RaftBugForgetVote.cfg"), 2,
                           handoff=20)
    assert figures(par) == figures(one)
    assert (one.distinct, one.violation.name) == (214, "ElectionSafety")  # the manifest's


def test_check_model_takes_workers(specdir):
    r = check_model(specdir / "Vote.tla", specdir / "Vote.cfg", workers=2)
    assert (r.states_generated, r.distinct_states, r.depth) == (283, 101, 9)


def test_a_model_reading_the_search_figures_stays_in_one_process(specdir):
    # Shared's constraint reads TLCGet("distinct"), which each worker process would count
    # for itself (9,999 states instead of 3,000). TLC, -workers 1: 5,000 generated, 3,000
    # distinct, depth 2
    for workers in (1, 2):
        r = check_model(specdir / "Shared.tla", specdir / "Shared.cfg", workers=workers)
        assert (r.states_generated, r.distinct_states, r.depth) == (5000, 3000, 2)


def test_balance_moves_the_surplus_of_a_level_to_the_workers_short_of_their_share():
    from conformance.tla.parallel import balance

    for sizes in ([21949, 25897], [0, 0, 900], [500, 100, 600, 0], [7, 7000, 3]):
        moves = balance(sizes)
        after = list(sizes)
        for a, b, m in moves:
            assert m > 0 and sizes[a] > sizes[b]
            after[a] -= m
            after[b] += m
        assert sum(after) == sum(sizes) and max(after) - min(after) <= 1
    assert balance([1000, 1010]) == [] and balance([40, 0]) == []  # within the slack


@pytest.mark.parametrize("spec, cfg", [("Wide", "WideDeadlock"), ("Wide", "WideInv"),
                                       ("Wide", "WideError"), ("Wide", "WideProp"),
                                       ("Wide", "WideConstraint"), ("Sym", "Sym"),
                                       ("Types", "TypesSym")])
def test_states_moved_between_workers_keep_the_figures(specdir, spec, cfg, monkeypatch):
    # no slack: every level that is not split evenly moves states, so the workers expand
    # states found by others (the counterexample still comes from the one that found them)
    from conformance.tla import parallel

    monkeypatch.setattr(parallel, "SLACK", 0)
    monkeypatch.setattr(parallel, "SLACK_MIN", 0)
    moved = []
    original = parallel.balance
    monkeypatch.setattr(parallel, "balance", lambda sizes: moved.extend(original(sizes)) or
                        original(sizes))
    one = figures(explore(load(specdir / f"{spec}.tla", specdir / f"{cfg}.cfg")))
    for workers in (2, 3):
        par = explore_parallel(load(specdir / f"{spec}.tla", specdir / f"{cfg}.cfg"),
                               workers, handoff=1)
        assert figures(par) == one
    assert moved


def test_a_worker_gets_the_states_moved_to_it_in_the_order_of_their_positions():
    # the first violation a worker meets must be its least (it stops there), so its
    # frontier stays ordered by position when states from others join it
    import queue
    import threading

    from conformance.tla.parallel import _Worker, balance

    fronts = [[(p, 1000 + p, ("s", p)) for p in range(100, 140, 2)],  # 20 states
              [(p, 1000 + p, ("s", p)) for p in range(101, 121, 2)],  # 10
              [(p, 1000 + p, ("s", p)) for p in range(75)]]  # 75, the last moved
    every = sorted(item for f in fronts for item in f)
    inboxes = [queue.Queue() for _ in fronts]
    workers = [_Worker(None, i, 3, {}, list(f), inboxes, 0.0, None)  # type: ignore[arg-type]
               for i, f in enumerate(fronts)]
    moves = balance([len(f) for f in fronts])
    threads = [threading.Thread(target=w.rebalance, args=(moves,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert [len(w.frontier) for w in workers] == [35, 35, 35]
    for w in workers:
        assert w.frontier == sorted(w.frontier)
    assert sorted(item for w in workers for item in w.frontier) == every


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(entry))
    return out


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads processes from /proc")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_no_worker_outlives_its_coordinator(specdir, sig):
    # the coordinator stopped by Ctrl-C (it stops its workers), or by SIGTERM or SIGKILL
    # (it cannot: they see it go and end)
    root = Path(__file__).resolve().parents[2]
    script = ("import sys; from conformance.tla import check_model; "
              "check_model(sys.argv[1], sys.argv[2], workers=2)")
    # Ctrl-C as a terminal sends it: a harness that runs the tests as a background job
    # (SIGINT ignored, which a child inherits) must not keep the coordinator from hearing it
    proc = subprocess.Popen([sys.executable, "-c", script, str(specdir / "Endless.tla"),
                             str(specdir / "Endless.cfg")], cwd=root,
                            stderr=subprocess.DEVNULL,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
            workers = _children(proc.pid)
        assert len(workers) == 2
        time.sleep(0.5)  # well into the levels on the workers
        proc.send_signal(sig)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 15
        while any(map(_running, workers)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(map(_running, workers))
    finally:
        for pid in [proc.pid, *workers]:
            if _running(pid):
                os.kill(pid, signal.SIGKILL)
        proc.wait(timeout=10)


def test_a_search_hides_its_states_from_the_cycle_collector_and_thaws_them_at_its_end(specdir):
    # frozen while it runs (explore.FREEZE), so full collections do not walk every state
    # found; thawed at its end, so the caller's cycles are collected as before
    import gc

    from conformance.tla.explore import Explorer

    frozen = []
    explorer = Explorer(load(specdir / "Endless.tla", specdir / "Endless.cfg"),
                        max_distinct=6000, progress_interval=0.0,
                        progress=lambda p: frozen.append(gc.get_freeze_count()))
    assert explorer.run().limited
    assert max(frozen) > 0 and gc.get_freeze_count() == 0


def test_the_memory_bound_counts_the_workers_memory():
    # the bound is on the whole search, as TLC's heap is shared by its workers: here this
    # process alone stays under it, and with its two workers it is over at the first look
    import multiprocessing as mp

    from conformance.tla.limits import MemoryLimit, enforced, resident

    specs = Path(__file__).resolve().parents[2] / "specs"
    model = load(specs / "Raft.tla", specs / "Raft.cfg")
    own = resident()
    if own is None:
        pytest.skip("no /proc to read resident memory from")
    started = time.monotonic()
    with pytest.raises(MemoryLimit), enforced(None, int(own * 1.5)):
        explore_parallel(model, 2, handoff=1)
    assert time.monotonic() - started < 4  # stopped at once, the workers not waited for
    assert not mp.active_children()
