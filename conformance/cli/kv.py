"""``conform kv``: put, get and delete keys in a running Raft or Multi-Paxos cluster.

The client finds the leader by itself, and retries a write with the same session and
sequence number until it is acknowledged, so a retried write is applied once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from conformance.cli.arguments import seconds
from conformance.errors import UserError


def register(sub: argparse._SubParsersAction) -> None:
    from conformance.cli.cluster import _cluster_arg

    p = sub.add_parser("kv", help="use a running Raft or Multi-Paxos key-value cluster")
    ksub = p.add_subparsers(dest="kv_command", metavar="ACTION", required=True)
    put = ksub.add_parser("put", help="set a key")
    put.add_argument("key")
    put.add_argument("value")
    get = ksub.add_parser("get", help="read a key (linearizable)")
    get.add_argument("key")
    delete = ksub.add_parser("delete", help="delete a key")
    delete.add_argument("key")
    for q in (put, get, delete):
        _cluster_arg(q)
        q.add_argument("--timeout", type=seconds, default=10.0)
        q.set_defaults(func=_run)


def run_client(cluster_file: str, go: Callable[[Any], Awaitable[Any]],
               timeout: float = 10.0) -> Any:
    from impl.raft.client import Client, ClientError
    from impl.raft.cluster_config import ClusterConfig

    cluster = ClusterConfig.load(cluster_file)

    async def main() -> Any:
        async with Client(cluster, timeout=timeout) as c:
            return await go(c)

    try:
        return asyncio.run(main())
    except ClientError as e:
        raise UserError(str(e), hint="is the cluster up? (conform cluster up)")


def _run(args: argparse.Namespace) -> int:
    async def go(c):
        if args.kv_command == "put":
            return await c.put(args.key, args.value)
        if args.kv_command == "delete":
            return await c.delete(args.key)
        return await c.get(args.key)

    result = run_client(args.cluster, go, args.timeout)
    if args.kv_command == "get":
        if result is None:
            print(f"{args.key}: not found")
            return 1
        print(result)
    else:
        old = result.get("old")
        print("ok" + (f" (was {json.dumps(old)})" if old is not None else ""))
    return 0
