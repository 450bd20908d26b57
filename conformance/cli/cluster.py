"""``conform cluster``: run a local Raft or Multi-Paxos key-value cluster, or one server of it.

``conform cluster up --nodes 3`` (``--protocol multipaxos`` for Multi-Paxos) writes a cluster
file, starts one server process per node on loopback, prints their addresses, and stops them
all on Ctrl-C. ``conform kv`` then talks to it from the same directory.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import logging
import os
import signal
import subprocess
import sys
import time

from conformance.cli.arguments import nonnegative_int, port, positive_int, seconds
from conformance.errors import UserError

DEFAULT_DIR = "conform-cluster"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("cluster", help="run a local Raft or Multi-Paxos key-value cluster")
    csub = p.add_subparsers(dest="cluster_command", metavar="ACTION", required=True)

    up = csub.add_parser("up", help="start a cluster on loopback; Ctrl-C stops it")
    up.add_argument("--nodes", type=positive_int, default=3,
                    help="servers in the initial configuration")
    up.add_argument("--spare", type=nonnegative_int, default=0,
                    help="extra servers started outside the configuration, to be added later")
    up.add_argument("--base-port", type=port, default=7401)
    up.add_argument("--dir", default=DEFAULT_DIR,
                    help=f"where the cluster file, logs and traces go (default: {DEFAULT_DIR})")
    _server_options(up)
    up.set_defaults(func=_up)

    node = csub.add_parser("node", help="run one server of a cluster file")
    node.add_argument("--id", required=True)
    node.add_argument("--cluster", required=True, help="the cluster file")
    node.add_argument("--data", required=True, help="the server's data directory")
    node.add_argument("--trace", help="write this server's trace to this file")
    node.add_argument("--test-faults", action="store_true",
                      help="obey the cluster test's partition requests (tests only)")
    node.add_argument("--bug", action="append", default=[], metavar="NAME",
                      help="plant a server bug (tests of the cluster test and of "
                           "conform validate): read_without_leadership_check, "
                           "ack_before_commit, send_before_sync")
    node.add_argument("--crash-in-bug-window", action="store_true",
                      help="kill the process (SIGKILL) the first time a planted bug's window "
                           "opens (for tests of the bug)")
    node.add_argument("--lose-unsynced", action="store_true",
                      help="start as after a power loss: cut the data files back to what "
                           "was synced")
    _server_options(node)
    node.set_defaults(func=_node)

    for name, helptext in (("add", "add a server to the configuration"),
                           ("remove", "remove a server from the configuration")):
        c = csub.add_parser(name, help=helptext)
        c.add_argument("server")
        _cluster_arg(c)
        c.set_defaults(func=_change, change=name)

    st = csub.add_parser("status", help="show every server's role, term and log")
    _cluster_arg(st)
    st.set_defaults(func=_status)

    rs = csub.add_parser("restore", help="rebuild a stopped server whose log is damaged, from "
                                         "its peers (README: When a server's log is damaged)")
    rs.add_argument("server")
    _cluster_arg(rs)
    rs.add_argument("--data", help="the server's data directory (default: the folder named "
                                   "after it beside the cluster file, as `cluster up` lays out)")
    rs.add_argument("--timeout", type=seconds, default=20.0,
                    help="seconds to wait for the other servers (default 20)")
    rs.set_defaults(func=_restore)

    from conformance.cli import cluster_test

    cluster_test.register(csub)


PROTOCOLS = ("raft", "multipaxos")


def _server_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--protocol", choices=PROTOCOLS, default="raft",
                   help="the replication protocol (default: raft)")
    p.add_argument("--no-sync", action="store_true", help="do not fsync the WAL (unsafe)")
    p.add_argument("--tick", type=seconds, default=0.01, help="seconds per tick (default 0.01)")
    p.add_argument("--election-ticks", type=positive_int, default=15)
    p.add_argument("--no-pre-vote", action="store_true")
    p.add_argument("--no-check-quorum", action="store_true")
    p.add_argument("--lease-reads", action="store_true")


def _cluster_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cluster", default=os.environ.get("CONFORM_CLUSTER",
                                                        f"{DEFAULT_DIR}/cluster.json"),
                   help="the cluster file (default: $CONFORM_CLUSTER or "
                        f"{DEFAULT_DIR}/cluster.json)")


def _options(args: argparse.Namespace):
    from impl.raft.core import Options

    return Options(election_ticks=args.election_ticks, heartbeat_ticks=3,
                   pre_vote=not args.no_pre_vote, check_quorum=not args.no_check_quorum,
                   lease_reads=args.lease_reads)


def _up(args: argparse.Namespace) -> int:
    from conformance.outputs import ensure_dir
    from impl.raft.cluster_config import ClusterConfig

    if args.protocol != "raft" and args.spare:
        raise UserError("--spare needs membership changes, which only raft has")
    root = ensure_dir(args.dir)
    cluster = ClusterConfig.local(args.nodes, args.base_port, spare=args.spare)
    cfile = root / "cluster.json"
    cluster.dump(cfile)
    flags = [f"--protocol={args.protocol}", f"--tick={args.tick}",
             f"--election-ticks={args.election_ticks}"]
    flags += [f for f, on in (("--no-sync", args.no_sync), ("--no-pre-vote", args.no_pre_vote),
                              ("--no-check-quorum", args.no_check_quorum),
                              ("--lease-reads", args.lease_reads)) if on]
    # Ctrl-C and SIGTERM stop the cluster; SIGINT explicitly too, since a process started in
    # the background by a shell (or under nohup) inherits SIGINT ignored, and Python then
    # raises no KeyboardInterrupt: the servers stopped and this loop took them for crashes
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    commands = {sid: [sys.executable, "-m", "conformance", "cluster", "node", "--id", sid,
                      "--cluster", str(cfile), "--data", str(root / sid),
                      "--trace", str(root / f"{sid}.trace.ndjson"), *flags]
                for sid in cluster.servers}
    procs = {sid: _spawn(commands[sid], root / f"{sid}.log") for sid in cluster.servers}
    for sid in cluster.servers:
        role = "member" if sid in cluster.initial else "spare (conform cluster add)"
        print(f"{sid}  {cluster.address(sid)}  {role}")
    print(f"cluster file: {cfile}   try: conform kv put hello world")
    print("Ctrl-C stops the cluster", flush=True)
    stopped: dict[str, float] = {}  # server -> when it was seen stopped
    try:
        while True:
            for sid, p in procs.items():
                if sid not in stopped and p.poll() is not None:
                    stopped[sid] = time.time()
                    _report_stop(sid, p.returncode, root / f"{sid}.log")
                elif sid in stopped and _restored_since(root / sid, stopped[sid]):
                    del stopped[sid]
                    procs[sid] = _spawn(commands[sid], root / f"{sid}.log")
                    print(f"{sid} restored from its peers: started again", flush=True)
            if len(stopped) == len(procs):
                raise UserError("every server has stopped", hint=f"see the logs in {root}")
            time.sleep(0.2)
    except KeyboardInterrupt:
        print("stopping", file=sys.stderr)
        return 0
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs.values():
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()


def _spawn(cmd: list[str], log_path) -> subprocess.Popen:
    from conformance.cluster.lifetime import ending_with_this_process

    with open(log_path, "ab") as log:
        return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                preexec_fn=ending_with_this_process())


def _report_stop(sid: str, status: int, log_path) -> None:
    """A server stopped: say why (the last line of its log) and go on with the others."""
    try:
        lines = [line for line in log_path.read_text(errors="replace").splitlines()
                 if line.strip()]
    except OSError:
        lines = []
    why = f": {lines[-1].strip()}" if lines else ""
    print(f"{sid} stopped (exit status {status}){why}\n  the others go on; see {log_path}",
          file=sys.stderr, flush=True)


def _restored_since(data, when: float) -> bool:
    try:
        return (data / "restored.json").stat().st_mtime >= when - 1
    except OSError:
        return False


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def _node(args: argparse.Namespace) -> int:
    from impl.bugs import DriverBugs
    from impl.raft.cluster_config import ClusterConfig
    from impl.records import Corruption

    cluster = ClusterConfig.load(args.cluster)
    if args.id not in cluster.servers:
        raise UserError(f"{args.id} is not in {args.cluster}")
    if not cluster.secret:
        raise UserError(f'{args.cluster} has no "secret": the servers could not authenticate '
                        "each other", hint="let `conform cluster up` write the cluster file, "
                        'or add "secret": 64 hex digits (python -c "import secrets; '
                        'print(secrets.token_hex(32))") and chmod 600 it')
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format=f"%(asctime)s {args.id} %(levelname)s %(message)s")
    try:
        bugs = DriverBugs.only(*args.bug)
    except ValueError as e:
        raise UserError(str(e))
    if args.lose_unsynced:
        from impl.disk import lose_all_unsynced

        for name, lost in lose_all_unsynced(args.data).items():
            logging.info("power loss: %s lost its last %d unsynced bytes", name, lost)
    common = dict(sync=not args.no_sync, tick=args.tick, trace_path=args.trace,
                  test_faults=args.test_faults, bugs=bugs,
                  crash_in_bug_window=args.crash_in_bug_window)
    if args.protocol == "multipaxos":
        from impl.paxos.multi.core import Options as PaxosOptions
        from impl.paxos.multi.server import serve as serve_paxos

        def server(stop: asyncio.Event):
            return serve_paxos(args.id, cluster, args.data, stop,
                               options=PaxosOptions(election_ticks=args.election_ticks,
                                                    heartbeat_ticks=3), **common)
    else:
        from impl.raft.server import serve

        def server(stop: asyncio.Event):
            return serve(args.id, cluster, args.data, stop, options=_options(args), **common)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await server(stop)

    try:
        asyncio.run(main())
    except Corruption as e:
        raise UserError(f"{e}: not a torn tail (the last write before a crash) but damage that "
                        "may hold writes the cluster acknowledged, so this server will not "
                        "start from it", hint=f"restore it from its peers: conform cluster "
                        f"restore {args.id} --cluster {args.cluster} --data {args.data} (the "
                        "damaged files are kept; see README, \"When a server's log is "
                        "damaged\")") from None
    except OSError as e:
        if e.errno in (errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.EACCES):
            raise UserError(f"{args.id} cannot listen on {cluster.address(args.id)}: "
                            f"{e.strerror}", hint="is another server using that port?")
        raise UserError(f"{args.id} cannot start: {e}")
    return 0


def _restore(args: argparse.Namespace) -> int:
    from pathlib import Path

    from conformance.cli.kv import run_client
    from impl.restore import RestoreError, restore

    data = Path(args.data) if args.data else Path(args.cluster).parent / args.server

    async def go(c):
        try:
            return await restore(c, args.server, data)
        except RestoreError as e:
            raise UserError(f"cannot restore {args.server}: {e}") from None

    done = run_client(args.cluster, go, args.timeout)
    if done.moved_to:
        print(f"kept the damaged files in {done.moved_to}")
    what = "term" if done.protocol == "raft" else "ballot"
    print(f"{args.server}: new state in {data}, starting in {what} {done.floor}"
          + (f", with the {done.entries} entries of {done.copied_from}'s log"
             if done.copied_from else "")
          + (f", a learner until slot {done.rejoin_until} is decided" if done.rejoin_until
             else ""))
    print(f"start {args.server} again (`conform cluster up` restarts it by itself); it "
          "catches up from its peers")
    return 0


def _change(args: argparse.Namespace) -> int:
    from conformance.cli.kv import run_client

    async def go(c):
        return await (c.add_server(args.server) if args.change == "add"
                      else c.remove_server(args.server))

    run_client(args.cluster, go)
    print(f"{args.change}ed {args.server}" if args.change == "add" else f"removed {args.server}")
    return 0


def _status(args: argparse.Namespace) -> int:
    from conformance.cli.kv import run_client
    from conformance.cli.output import console

    async def go(c):
        out = []
        for sid in c.cluster.servers:
            try:
                out.append(await c.status(sid))
            except Exception as e:
                out.append({"server": sid, "role": f"unreachable ({type(e).__name__})"})
        return out

    for s in run_client(args.cluster, go):
        console.print(f"{s['server']:>6}  {s['role']:<12} term {s.get('term', '-'):<4} "
                      f"commit {s.get('commit', '-'):<6} members {s.get('members', '-')}")
    return 0
