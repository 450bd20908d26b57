"""Three Raft node cores in one process, each recording its own trace as a real server would:
random deliveries (some lost, some duplicated), ticks, client writes and crashes that lose
what was not synced. The traces are what the merger and the causal validator are tested on,
without sockets or processes."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

from impl.raft.boot import start_node
from impl.raft.bugs import Bugs
from impl.raft.core import DrawTimeout, Options, Propose, Receive, Tick
from impl.raft.recording import NodeTrace
from impl.sim.storage import SimDisk

IDS = ["s1", "s2", "s3"]


def deliver(rng: random.Random, flight: list):
    """A message taken from the network in random order, or None when it is lost (one in
    twenty); one in twenty of the others stays in flight too, to be delivered again."""
    m = flight.pop(rng.randrange(len(flight)))
    if rng.random() < 0.05:
        return None
    if rng.random() < 0.05:
        flight.append(m)
    return m


class Cores:
    def __init__(self, out: Path, seed: int = 1, bugs: tuple[str, ...] = (),
                 tracer: Callable[[Path, str, Options], NodeTrace] | None = None) -> None:
        self.out = out
        out.mkdir(parents=True, exist_ok=True)
        self.opts = Options(election_ticks=5, heartbeat_ticks=2, bugs=Bugs.only(*bugs))
        self.rng = random.Random(seed)
        self.make_trace = tracer or (lambda p, i, o: NodeTrace(p, i, IDS, IDS, o))
        self.disks = {i: SimDisk() for i in IDS}
        self.nodes: dict = {}
        self.wals: dict = {}
        self.traces: dict[str, NodeTrace] = {}
        self.flight: list = []
        for i in IDS:
            self.boot(i)

    def boot(self, i: str) -> None:
        tr = self.make_trace(self.out / f"{i}.ndjson", i, self.opts)
        n, w, _ = start_node(i, IDS, self.disks[i].open("wal"), self.opts, tr)
        tr.start(n)
        self.nodes[i], self.wals[i], self.traces[i] = n, w, tr

    def run(self, i: str, inp, crash_before_save: bool = False) -> None:
        r = self.nodes[i].step(inp)
        if crash_before_save:  # the steps are recorded, their effects never left the node
            self.crash(i)
            return
        if r.must_persist:
            f = self.wals[i].file
            before = f.syncs
            self.wals[i].save(r.hard_state, r.log_writes)
            if f.syncs > before:
                self.traces[i].durable()
        else:
            self.traces[i].durable()
        self.flight.extend(r.messages)
        if r.need_draw:
            self.nodes[i].step(DrawTimeout(self.rng.randrange(5)))

    def crash(self, i: str) -> None:
        self.traces[i].close()
        self.disks[i].crash(0)
        self.boot(i)

    def random_run(self, steps: int, crashes: bool = True, torn: float = 0.0) -> None:
        """``torn``: how often a node crashes right after a step, before it saved or sent
        anything (its trace has the step; its disk and its peers do not)."""
        rng = self.rng
        for step in range(steps):
            x = rng.random()
            if self.flight and x < 0.6:
                if (m := deliver(rng, self.flight)) is None:
                    continue
                self.run(m.dst, Receive(m), crash_before_save=rng.random() < torn)
            elif x < 0.85:
                self.run(rng.choice(IDS), Tick())
            elif x < 0.97 or not crashes:
                leaders = [i for i in IDS if self.nodes[i].is_leader()]
                if leaders:
                    self.run(leaders[0], Propose(step, f"v{step}".encode()))
            else:
                self.crash(rng.choice(IDS))
        self.close()

    def close(self) -> None:
        for t in self.traces.values():
            t.close()


def as_version_1(folder: Path) -> None:
    """Rewrite a run's files as a system without wire ids writes them (trace format 1): no
    message ids, and every receive carries the whole message (taken from its send), so the
    merger matches receives to sends by content."""
    import json

    from conformance.record.pattern import encode_value
    from conformance.record.reader import read_node_file

    files = sorted(folder.glob("*.ndjson"))
    sends = {}  # (sender, id) -> the message, whole (version 3 may write parts as slices)
    for p in files:
        f = read_node_file(p)
        for seg in f.segments:
            for e in seg.events:
                for x in e.sent:
                    sends[(f.node, x.id)] = encode_value(x.msg)
    for p in files:
        node = None
        out = []
        for line in p.read_text().splitlines():
            data = json.loads(line)
            node = data.get("node", node)
            if "format" in data:
                data["version"] = 1
            for s in data.get("sent", []):
                s["msg"] = sends[(node, s.pop("id"))]
                s.pop("slices", None)
            r = data.get("recv")
            if r is not None and "id" in r:
                rid = r.pop("id")
                first = data["actions"][0] if "actions" in data else data
                if r.get("param") and r["param"] not in first.get("params", {}):
                    first.setdefault("params", {})[r["param"]] = sends[(r["from"], rid)]
            out.append(json.dumps(data))
        p.write_text("\n".join(out) + "\n")
