"""How much the shared predicates cost the node cores on plain Python values; prints JSON.

    .venv/bin/python bench/predicates.py

They are written with impl.logic's connectives so that Z3 can run them too; this measures
what that costs when they run on ints and bools, per call, in microseconds.
"""

from __future__ import annotations

import json
import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from impl.paxos.rules import value_to_propose  # noqa: E402
from impl.quorum import QuorumSystem, is_joint_quorum, is_quorum  # noqa: E402
from impl.raft.rules import log_up_to_date  # noqa: E402


def per_call_us(stmt, number: int = 20_000) -> float:
    return round(min(timeit.repeat(stmt, number=number, repeat=5)) / number * 1e6, 3)


def main() -> None:
    five = ["s1", "s2", "s3", "s4", "s5"]
    votes = {"s1", "s3", "s4"}
    system = QuorumSystem.majority(five)
    promises = [(3, "x"), (-1, None), (7, "y")]
    print(json.dumps({
        "is_quorum, 5 members": per_call_us(lambda: is_quorum(five, votes.__contains__)),
        "is_joint_quorum, 5 + 5 members": per_call_us(
            lambda: is_joint_quorum(five, five, votes.__contains__)),
        "QuorumSystem.phase1, majority of 5": per_call_us(
            lambda: system.phase1(votes.__contains__)),
        "log_up_to_date": per_call_us(lambda: log_up_to_date(3, 10, 3, 9)),
        "value_to_propose, 3 promises": per_call_us(lambda: value_to_propose(promises, "z")),
    }, indent=2))


if __name__ == "__main__":
    main()
