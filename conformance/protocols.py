"""The protocols the conformance checker knows, in one place.

A :class:`Protocol` is everything the protocol-neutral pipeline (schedules, validator, runner,
replay) needs to know about one protocol: its spec and the spec's constants for a cluster,
the invariants and action properties to check, how to build a simulated cluster (with or
without planted bugs), the kinds of scheduling decision its simulator offers and how much
weight each gets, and a few numbers that say how far a run got (for Hypothesis's
``target()``). Nothing outside this module names a protocol.

A campaign draws each run's cluster from the protocol's :class:`Variant` s, so a single
campaign covers, say, elections with and without pre-vote and a membership change. A
variant's ``settings`` are plain JSON: a failing trace records them, and replay rebuilds the
same cluster from them.

Raft, Paxos and Multi-Paxos each have a factory below (``_raft``, ``_paxos``, ``_multipaxos``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.errors import UserError
from conformance.trace import Step
from conformance.values import FSet, ModelValue, to_tla

ROOT = Path(__file__).resolve().parents[1]
SPECS = ROOT / "specs"

Value = Any


@dataclass(frozen=True)
class Variant:
    """One cluster configuration that runs are drawn from."""

    name: str
    settings: dict[str, Any]


@dataclass
class Protocol:
    name: str
    spec: Path  # the TLA+ module
    variants: list[Variant]  # the first is the simplest: shrinking moves toward it
    simulator: Callable[[dict, tuple[str, ...]], Any]  # (settings, bugs) -> Simulation
    constants: Callable[[dict], dict[str, Value]]  # settings -> the spec's constants
    # the spec's constants (of a model, a counterexample) -> the cluster that runs them
    settings_for: Callable[[dict[str, Value]], dict]
    invariants: tuple[str, ...]
    properties: tuple[str, ...]  # action properties [][A]_v checked on every step
    # decision kind -> weight; the order is simplicity, simplest first (index 0 of a
    # Hypothesis draw, where shrinking goes)
    decision_weights: dict[str, int]
    bugs: tuple[str, ...]  # the names of the planted bugs
    bug_docs: dict[str, str] = field(default_factory=dict)
    # how much more likely one decision is than its kind's weight says, given the cluster
    # now: the faults that matter (crash the leader, lose a message carrying entries, ...)
    emphasis: Callable[[Any], Callable[[Any], int]] | None = None
    # numbers that grow as a run gets more interesting, for hypothesis.target()
    metrics: Callable[[list[Step]], dict[str, float]] | None = None

    def variant(self, name: str) -> Variant:
        for v in self.variants:
            if v.name == name:
                return v
        raise UserError(f"{self.name} has no cluster variant {name!r}; it has "
                        + ", ".join(v.name for v in self.variants))

    def check_bug(self, bug: str | None) -> tuple[str, ...]:
        if not bug:
            return ()
        names = tuple(b for b in bug.split(",") if b)
        unknown = [b for b in names if b not in self.bugs]
        if unknown:
            raise UserError(f"{self.name} has no planted bug {unknown[0]!r}",
                            hint="known bugs: " + ", ".join(self.bugs))
        return names


# --------------------------------------------------------------------------- Raft


def _raft() -> Protocol:
    from impl.raft import abstraction
    from impl.raft.bugs import Bugs
    from impl.raft.core import Options
    from impl.raft.simulation import RaftSimulation, SimConfig

    def simulator(settings: dict, bugs: tuple[str, ...]) -> RaftSimulation:
        opts = Options(pre_vote=settings["pre_vote"], check_quorum=settings["check_quorum"],
                       election_ticks=settings.get("election_ticks", 3),
                       heartbeat_ticks=settings.get("heartbeat_ticks", 1),
                       max_batch=settings["batch"], bugs=Bugs.only(*bugs))
        return RaftSimulation(SimConfig(servers=tuple(settings["servers"]),
                                        initial=tuple(settings["initial"]),
                                        values=tuple(settings["values"]), options=opts,
                                        seed=settings.get("seed", 0)))

    def constants(settings: dict) -> dict[str, Value]:
        def mvs(names: list[str]) -> FSet:
            return FSet(ModelValue(n) for n in names)
        return {
            "Server": mvs(settings["servers"]),
            "InitialConfig": mvs(settings["initial"]),
            "Value": mvs(settings["values"]),
            "Nil": abstraction.NIL,
            "PreVote": settings["pre_vote"],
            "CheckQuorum": settings["check_quorum"],
            "BatchSize": settings["batch"],
            "Bug": "None",
            **abstraction.CHOICES,
            # model-checking bounds: no action reads them
            "MaxTerm": 0, "MaxLogLen": 0, "MaxInFlight": 0, "MaxCopies": 0, "MaxReads": 0,
            "Faults": FSet(),
        }

    def settings_for(consts: dict[str, Value]) -> dict:
        for key, ours in abstraction.CHOICES.items():
            if key in consts and consts[key] != ours:
                raise UserError(f"the constants choose {key} = {to_tla(consts[key])}, and "
                                f"impl/raft implements {key} = {to_tla(ours)}",
                                hint="Replay a counterexample of a model that makes "
                                     "impl/raft's choices (specs/README.md lists them).")

        def names(key: str) -> list[str]:
            value = consts.get(key)
            if not isinstance(value, frozenset):
                raise UserError(f"the constants give no set {key} to build a cluster from")
            return sorted(str(v) for v in value)
        return {"servers": names("Server"), "initial": names("InitialConfig"),
                "values": names("Value"), "pre_vote": bool(consts.get("PreVote", False)),
                "check_quorum": bool(consts.get("CheckQuorum", False)),
                "batch": int(consts.get("BatchSize", 1))}

    three = ["s1", "s2", "s3"]
    variants = [
        Variant("3 servers, pre-vote and check-quorum, batch 1",
                {"servers": three, "initial": three, "values": ["v1", "v2"],
                 "pre_vote": True, "check_quorum": True, "batch": 1}),
        Variant("3 servers, plain elections, batch 2",
                {"servers": three, "initial": three, "values": ["v1", "v2"],
                 "pre_vote": False, "check_quorum": False, "batch": 2}),
        Variant("3 servers + 1 to add, pre-vote, batch 1",
                {"servers": three + ["s4"], "initial": three, "values": ["v1", "v2"],
                 "pre_vote": True, "check_quorum": False, "batch": 1}),
        # the constants of the CI models (specs/Raft*.cfg), so that the runs are measured
        # against the models' reachable states (conformance.coverage.models)
        Variant("3 servers, plain elections, one value (specs/Raft.cfg)",
                {"servers": three, "initial": three, "values": ["v1"],
                 "pre_vote": False, "check_quorum": False, "batch": 1}),
        Variant("3 servers, pre-vote, no values (specs/RaftPreVote.cfg)",
                {"servers": three, "initial": three, "values": [],
                 "pre_vote": True, "check_quorum": False, "batch": 1}),
        Variant("3 servers, check-quorum, no values (specs/RaftCheckQuorum.cfg)",
                {"servers": three, "initial": three, "values": [],
                 "pre_vote": False, "check_quorum": True, "batch": 1}),
        Variant("3 servers, plain elections, no values (specs/RaftFaults.cfg)",
                {"servers": three, "initial": three, "values": [],
                 "pre_vote": False, "check_quorum": False, "batch": 1}),
        Variant("2 servers + 1 to add, no values (specs/RaftMembership.cfg)",
                {"servers": three, "initial": ["s1", "s2"], "values": [],
                 "pre_vote": False, "check_quorum": False, "batch": 1}),
    ]

    def emphasis(sim: RaftSimulation) -> Callable[[Any], int]:
        """Crash or isolate a leader, lose or repeat a message that carries entries or a
        vote: the moves behind most Raft bugs."""
        leaders = set(sim.leaders())
        flight = {e.id: e.payload for e in sim.network.in_flight()}

        def weigh(d: Any) -> int:
            if d.kind == "crash":
                return 4 if d.node in leaders else 1
            if d.kind == "partition":
                return 3 if any(len(g) == 1 and g[0] in leaders for g in d.arg) else 1
            if d.kind in ("drop", "duplicate", "deliver"):
                m = flight.get(d.arg)
                if getattr(m, "entries", ()) or getattr(m, "granted", False):
                    return 2
            return 1
        return weigh

    def metrics(steps: list[Step]) -> dict[str, float]:
        leaders: set[tuple[Any, int]] = set()
        for s in steps:
            state, terms = s.state.get("state"), s.state.get("currentTerm")
            if state is None or terms is None:
                continue
            for n, role in state.items():
                if role == "Leader":
                    leaders.add((n, terms[n]))
        last = steps[-1].state if steps else {}
        terms = last.get("currentTerm")
        logs = last.get("log")
        return {
            "highest term": float(max(terms.map.values())) if terms else 0.0,
            "leader changes": float(len(leaders)),
            "longest log": float(max(len(x) for x in logs.map.values())) if logs else 0.0,
        }

    docs = {
        "commit_old_term": "a leader commits an entry of an earlier term by counting replicas",
        "vote_without_log_check": "a voter grants its vote without the up-to-date check",
        "forget_vote_on_restart": "a restarted node forgets whom it voted for",
        "reply_before_sync": "a node replies before its write-ahead log is synced",
        "follower_commit_past_log": "a follower commits past what it verified",
        "truncate_without_conflict": "a follower truncates on a non-conflicting AppendEntries",
        "quorum_off_by_one": "quorums are one server too small",
        "accept_stale_append": "a node accepts AppendEntries from a stale term",
        "ack_whole_log": "a follower acknowledges its whole log, not what the request matched",
        "count_stale_acks": "a re-elected leader counts AppendEntries responses of an "
                            "earlier term",
        "count_stale_votes": "a candidate standing again counts votes of its earlier election",
        "keep_conflicting_entry": "a follower keeps an entry at an index the leader sends "
                                  "without comparing terms",
        "keep_config_on_truncate": "a follower keeps the configuration of a conflicting "
                                   "entry it truncated",
    }
    return Protocol(
        name="raft",
        spec=SPECS / "Raft.tla",
        variants=variants,
        simulator=simulator,
        constants=constants,
        settings_for=settings_for,
        invariants=("TypeOK", "ElectionSafety", "LogMatching", "LeaderCompleteness",
                    "StateMachineSafety", "CommittedOnQuorum", "ReadLinearizable",
                    "LeaderInConfig"),
        properties=("MonotonicTerm", "MonotonicCommitIndex", "LeaderAppendOnly",
                    "CommittedStable"),
        decision_weights={"deliver": 48, "tick": 8, "timeout": 4, "submit": 6, "read": 2,
                          "drop": 4, "duplicate": 3, "restart": 6, "crash": 2, "heal": 3,
                          "partition": 1, "add": 1, "remove": 1},
        bugs=tuple(Bugs.names()),
        bug_docs=docs,
        emphasis=emphasis,
        metrics=metrics,
    )


# --------------------------------------------------------------------------- Paxos


def _mvs(names: list[str]) -> FSet:
    return FSet(ModelValue(n) for n in names)


def _names(consts: dict[str, Value], key: str) -> list[str]:
    value = consts.get(key)
    if not isinstance(value, frozenset):
        raise UserError(f"the constants give no set {key} to build a cluster from")
    return sorted(str(v) for v in value)


def _paxos() -> Protocol:
    from impl.paxos import bugs as paxos_bugs
    from impl.paxos.single import abstraction
    from impl.paxos.single.core import Roles
    from impl.paxos.single.messages import Accept, Promise
    from impl.paxos.single.simulation import SimConfig, SingleSimulation

    def simulator(settings: dict, bugs: tuple[str, ...]) -> SingleSimulation:
        roles = Roles(tuple(settings["proposers"]), tuple(settings["acceptors"]),
                      tuple(settings["learners"]))
        return SingleSimulation(SimConfig(roles=roles, values=tuple(settings["values"]),
                                          retry_ticks=settings.get("retry_ticks", 3),
                                          bugs=paxos_bugs.Bugs.only(*bugs)))

    def constants(settings: dict) -> dict[str, Value]:
        return {
            "Proposer": _mvs(settings["proposers"]),
            "Acceptor": _mvs(settings["acceptors"]),
            "Learner": _mvs(settings["learners"]),
            "Value": _mvs(settings["values"]),
            "Nil": ModelValue("Nil"),
            "Bug": "None",
            # model-checking bounds: no action reads them
            "MaxBallot": 0, "MaxInFlight": 0, "MaxCopies": 0, "Faults": FSet(),
        }

    def settings_for(consts: dict[str, Value]) -> dict:
        return {"proposers": _names(consts, "Proposer"), "acceptors": _names(consts, "Acceptor"),
                "learners": _names(consts, "Learner"), "values": _names(consts, "Value")}

    three = ["n1", "n2", "n3"]
    variants = [
        Variant("3 nodes, each proposer, acceptor and learner",
                {"proposers": three, "acceptors": three, "learners": three,
                 "values": ["v1", "v2"]}),
        Variant("2 proposers, 3 acceptors, 1 learner, all apart",
                {"proposers": ["p1", "p2"], "acceptors": ["a1", "a2", "a3"],
                 "learners": ["l1"], "values": ["v1", "v2"]}),
        Variant("3 proposers over 5 acceptors that also learn",
                {"proposers": ["p1", "p2", "p3"], "acceptors": ["a1", "a2", "a3", "a4", "a5"],
                 "learners": ["a1", "a2", "a3", "a4", "a5"], "values": ["v1", "v2", "v3"]}),
    ]

    def emphasis(sim: SingleSimulation) -> Callable[[Any], int]:
        """Proposer duels (a second proposer starting a ballot while one runs) and acceptor
        crashes, and losing or repeating the messages that carry values."""
        acceptors = set(sim.config.roles.acceptors)
        running = {p for p, n in sim.nodes.items() if n.is_proposer and n.phase.value != "Idle"}
        flight = {e.id: e.payload for e in sim.network.in_flight()}

        def weigh(d: Any) -> int:
            if d.kind == "crash":
                return 3 if d.node in acceptors else 1
            if d.kind in ("timeout", "propose"):
                return 3 if running - {d.node} else 1
            if d.kind in ("drop", "duplicate", "deliver"):
                return 2 if isinstance(flight.get(d.arg), (Accept, Promise)) else 1
            return 1
        return weigh

    def metrics(steps: list[Step]) -> dict[str, float]:
        last = steps[-1].state if steps else {}
        ballots = last.get("ballot")
        learned = last.get("learned")
        return {
            "highest ballot": float(max(ballots.map.values())) if ballots else 0.0,
            "learners that learned": float(sum(v != ModelValue("Nil")
                                               for v in learned.map.values()))
            if learned else 0.0,
            "steps": float(len(steps)),
        }

    return Protocol(
        name="paxos",
        spec=SPECS / "Paxos.tla",
        variants=variants,
        simulator=simulator,
        constants=constants,
        settings_for=settings_for,
        invariants=abstraction.INVARIANTS,
        properties=abstraction.PROPERTIES,
        decision_weights={"deliver": 48, "tick": 6, "timeout": 5, "propose": 6, "drop": 4,
                          "duplicate": 3, "restart": 6, "crash": 2, "heal": 3, "partition": 1},
        bugs=paxos_bugs.SINGLE_DECREE,
        bug_docs={b: paxos_bugs.DOCS[b] for b in paxos_bugs.SINGLE_DECREE},
        emphasis=emphasis,
        metrics=metrics,
    )


def _multipaxos() -> Protocol:
    from impl.paxos import bugs as paxos_bugs
    from impl.paxos.multi import abstraction
    from impl.paxos.multi.messages import Accept, Decide, Promise
    from impl.paxos.multi.simulation import MultiSimulation, SimConfig

    def simulator(settings: dict, bugs: tuple[str, ...]) -> MultiSimulation:
        return MultiSimulation(SimConfig(
            servers=tuple(settings["servers"]), values=tuple(settings["values"]),
            election_ticks=settings.get("election_ticks", 3),
            heartbeat_ticks=settings.get("heartbeat_ticks", 1),
            resend_batch=settings.get("resend_batch", 2),
            lease=settings.get("lease", False),
            bugs=paxos_bugs.Bugs.only(*bugs), seed=settings.get("seed", 0)))

    def constants(settings: dict) -> dict[str, Value]:
        return {
            "Server": _mvs(settings["servers"]),
            "Value": _mvs(settings["values"]),
            "NoOp": ModelValue("NoOp"),
            "Nil": ModelValue("Nil"),
            "Bug": "None",
            # model-checking bounds: no action reads them
            "MaxBallot": 0, "MaxSlot": 0, "MaxInFlight": 0, "MaxCopies": 0,
            "Faults": FSet(), "Resend": False,
        }

    def settings_for(consts: dict[str, Value]) -> dict:
        return {"servers": _names(consts, "Server"), "values": _names(consts, "Value")}

    variants = [
        Variant("3 servers", {"servers": ["s1", "s2", "s3"], "values": ["v1", "v2"]}),
        Variant("5 servers", {"servers": ["s1", "s2", "s3", "s4", "s5"],
                              "values": ["v1", "v2"]}),
        # the constants of the CI models (specs/MultiPaxos.cfg, MultiPaxosResend.cfg)
        Variant("3 servers, one value (specs/MultiPaxos.cfg)",
                {"servers": ["s1", "s2", "s3"], "values": ["v1"]}),
        # a leader that alone is a quorum decides as it proposes (the spec's IsQuorum({i}))
        Variant("1 server", {"servers": ["s1"], "values": ["v1", "v2"]}),
    ]

    def emphasis(sim: MultiSimulation) -> Callable[[Any], int]:
        """Crash or isolate the leader, a second server campaigning while one leads, and
        losing or repeating a proposal, a promise or a decision."""
        leaders = set(sim.leaders())
        flight = {e.id: e.payload for e in sim.network.in_flight()}

        def weigh(d: Any) -> int:
            if d.kind == "crash":
                return 4 if d.node in leaders else 1
            if d.kind == "partition":
                return 3 if any(len(g) == 1 and g[0] in leaders for g in d.arg) else 1
            if d.kind == "timeout":
                return 2 if leaders - {d.node} else 1
            if d.kind in ("drop", "duplicate", "deliver"):
                return 2 if isinstance(flight.get(d.arg), (Accept, Promise, Decide)) else 1
            return 1
        return weigh

    def metrics(steps: list[Step]) -> dict[str, float]:
        leaders: set[tuple[Any, int]] = set()
        for s in steps:
            roles, ballots = s.state.get("role"), s.state.get("ballot")
            if roles is None or ballots is None:
                continue
            for n, role in roles.items():
                if role == "Leader":
                    leaders.add((n, ballots[n]))
        last = steps[-1].state if steps else {}
        executed = last.get("executed")
        return {
            "leader changes": float(len(leaders)),
            "longest execution": float(max(len(x) for x in executed.map.values()))
            if executed else 0.0,
        }

    return Protocol(
        name="multipaxos",
        spec=SPECS / "MultiPaxos.tla",
        variants=variants,
        simulator=simulator,
        constants=constants,
        settings_for=settings_for,
        invariants=abstraction.INVARIANTS,
        properties=abstraction.PROPERTIES,
        decision_weights={"deliver": 48, "tick": 8, "timeout": 4, "submit": 6, "drop": 4,
                          "duplicate": 3, "restart": 6, "crash": 2, "heal": 3, "partition": 1},
        bugs=paxos_bugs.MULTI,
        bug_docs={b: paxos_bugs.DOCS[b] for b in paxos_bugs.MULTI},
        emphasis=emphasis,
        metrics=metrics,
    )


# --------------------------------------------------------------------------- the registry

_FACTORIES: dict[str, Callable[[], Protocol]] = {
    "raft": _raft, "paxos": _paxos, "multipaxos": _multipaxos}
_LOADED: dict[str, Protocol] = {}


def names() -> list[str]:
    return list(_FACTORIES)


def get(name: str) -> Protocol:
    p = _LOADED.get(name)
    if p is None:
        factory = _FACTORIES.get(name)
        if factory is None:
            raise UserError(f"no protocol {name!r}", hint="known: " + ", ".join(_FACTORIES))
        p = _LOADED[name] = factory()
    return p
