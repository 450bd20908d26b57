"""One traced PySyncObj node, a replicated dict, driven by ``run.py`` (not part of conform).

Started as ``python node.py CONFIG_JSON``; reads one command a line on stdin and answers
with one JSON line on stdout:

* ``put KEY VALUE``: a write through this node (``{"put": KEY, "ok": true}`` once it is
  applied here, which PySyncObj does after the commit; the answer is recorded as the spec's
  ``ClientReply``);
* ``status``: role, term, leader, commit index, log length, connected peers, the dict;
* ``block NAME,...`` / ``heal``: the nemesis drops (or stops dropping) every message this
  node sends to those nodes: a network partition, when both sides do it;
* ``timeout``: the node's election timer fires now;
* ``quiet`` / ``normal``: its election timeout becomes very long (or PySyncObj's default).
"""

from __future__ import annotations

import json
import sys
import threading
from typing import Any

import tracing
from mapping import View
from pysyncobj import SyncObj, SyncObjConf, replicated
from pysyncobj.monotonic import monotonic
from pysyncobj.transport import TCPTransport

LONG = 600.0  # seconds: a "quiet" node's election timeout


class Store(SyncObj):
    def __init__(self, me: str, peers: list[str], conf: SyncObjConf) -> None:
        super().__init__(me, peers, conf)
        self.data: dict[str, str] = {}

    @replicated
    def put(self, key: str, value: str) -> str:
        self.data[key] = value
        return value


def main() -> None:
    cfg = json.loads(sys.argv[1])
    names: dict[str, str] = cfg["names"]  # "host:port" -> node name
    me = cfg["name"]
    addr = next(a for a, n in names.items() if n == me)
    blocked: set[str] = set()
    lock = threading.Lock()

    def say(data: dict) -> None:
        with lock:
            print(json.dumps(data), flush=True)

    send = TCPTransport.send  # the nemesis, inside the tracing: what it drops was sent

    def partitioned(transport: Any, node: Any, message: Any) -> bool:
        if names.get(str(getattr(node, "id", ""))) in blocked:
            return True
        return send(transport, node, message)

    TCPTransport.send = partitioned  # type: ignore[method-assign]
    view = View(me, names)
    tracing.install(cfg["trace"], view, durable_commit=cfg["journal"] is not None)
    conf = SyncObjConf(journalFile=cfg["journal"], dynamicMembershipChange=False,
                       connectionRetryTime=0.5, **cfg.get("conf", {}))
    default = (conf.raftMinTimeout, conf.raftMaxTimeout)
    node = Store(addr, [a for a in names if a != addr], conf)

    def timeouts(quiet: bool) -> None:  # (its first election is 0.4 s away at the least)
        conf.raftMinTimeout, conf.raftMaxTimeout = (LONG, LONG + 1) if quiet else default
        node._SyncObj__raftElectionDeadline = \
            monotonic() + node._SyncObj__generateRaftTimeout()

    if cfg.get("quiet"):
        timeouts(True)

    for line in sys.stdin:
        cmd, *args = line.split()
        if cmd == "put":
            key, value = args

            def done(result: Any, error: int, key: str = key) -> None:
                if error == 0 and tracing.TRACE is not None:  # applied at index + 1
                    tracing.TRACE.replied(node._SyncObj__raftLastApplied)
                say({"put": key, "ok": error == 0, "error": error})

            node.put(key, value, callback=done)
        elif cmd == "status":
            leader = node._getLeader()
            say({"status": me, "role": node._SyncObj__raftState, "term": node.raftCurrentTerm,
                 "leader": names.get(leader.id) if leader is not None else None,
                 "commit": node.raftCommitIndex, "log": node._getRaftLogSize(),
                 "connected": sorted(names[n.id] for n in node.otherNodes
                                     if node.isNodeConnected(n)),
                 "data": dict(sorted(node.data.items()))})
        elif cmd == "block":
            blocked.update(args[0].split(","))
            say({"block": sorted(blocked)})
        elif cmd == "heal":
            blocked.clear()
            say({"heal": me})
        elif cmd == "timeout":
            node._SyncObj__raftElectionDeadline = 0
            say({"timeout": me})
        elif cmd in ("quiet", "normal"):
            timeouts(cmd == "quiet")
            say({cmd: me})


if __name__ == "__main__":
    main()
