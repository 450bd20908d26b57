"""The claims ``conform prove`` makes, in report order, for given bounds.

First the facts about the implementation's predicates, which must be proved; then the same
proofs run on the broken variants of :mod:`conformance.smt.broken`, which must each end in a
counterexample. The second group keeps the first honest: a proof that cannot refute a wrong
predicate proves nothing about a right one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from conformance.smt import broken, election, paxos, quorums
from conformance.smt.proof import Claim, Verdict
from conformance.smt.system_file import NamedSystem

DEFAULT_SERVERS = 9
DEFAULT_LOG_LENGTH = 5
DEFAULT_BALLOTS = 6


@dataclass(frozen=True)
class Bounds:
    """How far the bounded proofs go. ``servers`` bounds every configuration and cluster
    size, ``log_length`` the symbolic logs, ``ballots`` the Paxos ballots (0 .. ballots-1)."""

    servers: int = DEFAULT_SERVERS
    log_length: int = DEFAULT_LOG_LENGTH
    ballots: int = DEFAULT_BALLOTS
    systems: tuple[tuple[str, NamedSystem], ...] = field(default=())
    """(file, system) pairs from user-written quorum-system files."""

    def to_json(self) -> dict:
        return {"servers": self.servers, "log_length": self.log_length,
                "ballots": self.ballots,
                "systems": [f"{file}:{s.name}" for file, s in self.systems]}


def claims(bounds: Bounds) -> list[Claim]:
    n, length, b = bounds.servers, bounds.log_length, bounds.ballots
    sizes = f"n = 1..{n}"
    out = [
        Claim("is_quorum = the spec's IsQuorum", sizes,
              lambda: quorums.equals_spec(n), group="quorums"),
        Claim("majority quorums intersect", sizes,
              lambda: quorums.majorities_intersect(n), group="quorums"),
        Claim("joint quorums meet C_old and C_new quorums",
              f"|C_old ∪ C_new| <= {n}",
              lambda: quorums.joint_consensus(n), group="quorums"),
        Claim("single-server change: C, C±1 quorums meet", f"|C|, |C±1| <= {n}",
              lambda: quorums.configuration_change(n, 1), group="quorums"),
        Claim("up-to-date check = the spec's UpToDate", "all integers",
              lambda: election.equals_spec(), group="election"),
        Claim("up-to-date check is a total preorder", "all integers",
              lambda: election.total_preorder(), group="election"),
        Claim("leader completeness",
              f"{sizes}, log length <= {length}",
              lambda: election.leader_completeness_upto(n, length), group="election"),
        Claim("Paxos phase-1, phase-2 quorums meet", f"majority, {sizes}",
              lambda: paxos.majority_phases_meet_upto(n), group="paxos"),
        Claim("Paxos: a chosen value stays chosen",
              f"majority, {sizes}, ballots 0..{b - 1}",
              lambda: paxos.majority_stable_upto(n, b), group="paxos"),
    ]
    for file, named in bounds.systems:
        system = named.system
        where = f"{file}: {named.describe()}"
        out.append(Claim("Paxos phase-1, phase-2 quorums meet", where,
                         partial(quorums.phases_meet, system), group="paxos"))
        out.append(Claim("Paxos: a chosen value stays chosen",
                         f"{where}; ballots 0..{b - 1}",
                         partial(paxos.chosen_value_stable, system, b),
                         group="paxos"))

    unsafe = Verdict.COUNTEREXAMPLE
    out += [
        Claim("two-server change: C, C±2 quorums meet", f"|C|, |C±2| <= {n}",
              lambda: quorums.configuration_change(n, 2), unsafe, "broken"),
        Claim("tie-accepting quorums (2·acks >= n) meet", sizes,
              lambda: quorums.majorities_intersect(n, broken.tie_quorum), unsafe, "broken"),
        Claim("joint quorum as one majority of C_old ∪ C_new",
              f"|C_old ∪ C_new| <= {n}",
              lambda: quorums.joint_consensus(n, joint=broken.union_majority_joint_quorum),
              unsafe, "broken"),
        Claim("leader completeness, up-to-date by length only",
              f"{sizes}, log length <= {length}",
              lambda: election.leader_completeness_upto(n, length,
                                                        broken.up_to_date_by_length),
              unsafe, "broken"),
        Claim("leader completeness, up-to-date by last term only",
              f"{sizes}, log length <= {length}",
              lambda: election.leader_completeness_upto(n, length, broken.up_to_date_by_term),
              unsafe, "broken"),
        Claim("Paxos proposer ignoring the promises",
              f"majority, {sizes}, ballots 0..{b - 1}",
              lambda: paxos.majority_stable_upto(n, b, broken.ignore_promises),
              unsafe, "broken"),
    ]
    return out

