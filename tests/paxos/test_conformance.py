"""Paxos and Multi-Paxos under the conformance pipeline: every step of the implementation is
checked against specs/Paxos.tla and specs/MultiPaxos.tla by the embedded engine.

Each planted bug gets a hand-written schedule that makes it show, and must diverge at the
step where the wrong rule runs; a short Hypothesis campaign finds, shrinks, saves and
replays one of them; the correct implementation conforms.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conformance import protocols
from conformance.cli import main
from conformance.schedules import profiles
from conformance.schedules.campaign import run_campaign
from conformance.schedules.execution import Execution, spec_engine
from conformance.validate.report import LED_ELSEWHERE, NOT_ENABLED
from impl.paxos import bugs as paxos_bugs
from impl.paxos.multi.messages import Accept as MAccept
from impl.paxos.multi.messages import Accepted as MAccepted
from impl.paxos.multi.messages import Prepare as MPrepare
from impl.paxos.single.messages import Accept, Prepare, Promise
from impl.sim.world import Decision

PAXOS = protocols.get("paxos")
MULTI = protocols.get("multipaxos")
SMALL = profiles.get("ci").with_overrides(examples=8, max_decisions=60)


def deliver(ex: Execution, pred: Callable[[Any], bool]) -> int:
    """Deliver, oldest first, every message matching ``pred`` (also those it causes)."""
    n = 0
    while ex.divergence is None:
        ids = [e.id for e in ex.sim.network.in_flight() if pred(e.payload)]
        if not ids:
            return n
        ex.apply(Decision("deliver", None, ids[0]))
        n += 1
    return n


def everything(_: Any) -> bool:
    return True


# --------------------------------------------------------------------------- the registry


@pytest.mark.parametrize("proto,names", [(PAXOS, paxos_bugs.SINGLE_DECREE),
                                         (MULTI, paxos_bugs.MULTI)], ids=["paxos", "multi"])
def test_the_registry_names_the_planted_bugs_and_every_variant_binds_the_spec(proto, names):
    assert set(proto.bugs) == set(names) and set(proto.bug_docs) == set(names)
    assert set(names) <= set(paxos_bugs.Bugs.names())
    for v in proto.variants:
        engine = spec_engine(proto, v.settings)
        assert {"promised", "accepted", "ballot", "msgs", "votes"} <= set(engine.variables)
        ex = Execution(proto, v.settings)
        assert ex.divergence is None and ex.sim.enabled()


def test_a_paxos_round_conforms_step_by_step():
    ex = Execution(PAXOS, PAXOS.variants[1].settings)  # p1, p2 / a1..a3 / l1
    ex.apply(Decision("propose", "p1", "v1"))
    deliver(ex, everything)
    assert ex.divergence is None, ex.divergence.render()
    assert ex.sim.learned == {"l1": b"v1"}
    actions = [s.action for s in ex.steps]
    assert actions[:2] == ["Init", "Prepare"] and actions.count("HandleAccepted") == 3


def test_a_multipaxos_takeover_conforms_step_by_step():
    ex = Execution(MULTI, MULTI.variants[0].settings)
    ex.apply(Decision("timeout", "s1"))
    deliver(ex, everything)
    ex.apply(Decision("submit", "s1", "v1"))
    deliver(ex, lambda m: isinstance(m, MAccept) and m.dst == "s2")
    ex.apply(Decision("crash", "s1", 0))
    ex.apply(Decision("timeout", "s3"))
    deliver(ex, lambda m: m.dst != "s1")
    for env in [e for e in ex.sim.network.in_flight() if e.dst == "s1"]:
        ex.apply(Decision("drop", None, env.id))  # what was sent to s1 while it was down
    ex.apply(Decision("restart", "s1"))  # the old leader comes back, knowing nothing decided
    for _ in range(3):
        ex.apply(Decision("tick", "s3"))
        deliver(ex, everything)
    assert ex.divergence is None, ex.divergence.render()
    for s in ("s1", "s2", "s3"):
        assert ex.sim.applied[s] == [(1, b"v1")], s
    assert {"Restart", "HandlePromise", "Heartbeat", "HandleHeartbeatReply", "SendDecide"} <= \
        {s.action for s in ex.steps}


# --------------------------------------------------------------------------- each bug


def _paxos_reuse(ex: Execution) -> None:
    ex.apply(Decision("propose", "n1", "v1"))
    ex.apply(Decision("propose", "n2", "v2"))


def _paxos_forget(ex: Execution) -> None:
    ex.apply(Decision("propose", "n1", "v1"))
    deliver(ex, lambda m: isinstance(m, Prepare) and m.dst == "n2")
    ex.apply(Decision("crash", "n2", 0))


def _paxos_accept_below(ex: Execution) -> None:
    ex.apply(Decision("propose", "n1", "v1"))  # ballot 0
    ex.apply(Decision("propose", "n2", "v2"))  # ballot 1
    deliver(ex, lambda m: isinstance(m, Prepare) and m.bal == 1 and m.dst == "n3")
    deliver(ex, lambda m: isinstance(m, (Prepare, Promise)) and m.bal == 0
            and m.dst in ("n1", "n2"))
    deliver(ex, lambda m: isinstance(m, Accept) and m.dst == "n3")


def _paxos_ignore_values(ex: Execution) -> None:
    ex.apply(Decision("propose", "n1", "v1"))
    deliver(ex, lambda m: isinstance(m, (Prepare, Promise)))
    deliver(ex, lambda m: isinstance(m, Accept) and m.dst == "n1")
    ex.apply(Decision("propose", "n2", "v2"))
    deliver(ex, lambda m: isinstance(m, (Prepare, Promise)) and m.bal == 1
            and "n3" not in (m.src, m.dst))


def _multi_leader(ex: Execution, node: str = "s1") -> None:
    ex.apply(Decision("timeout", node))
    deliver(ex, everything)


def _multi_reuse(ex: Execution) -> None:
    ex.apply(Decision("timeout", "s1"))
    ex.apply(Decision("timeout", "s2"))


def _multi_forget(ex: Execution) -> None:
    ex.apply(Decision("timeout", "s1"))
    deliver(ex, lambda m: isinstance(m, MPrepare) and m.dst == "s2")
    ex.apply(Decision("crash", "s2", 0))


def _multi_accept_below(ex: Execution) -> None:
    _multi_leader(ex)
    ex.apply(Decision("timeout", "s2"))
    deliver(ex, lambda m: isinstance(m, MPrepare) and m.dst == "s3")
    ex.apply(Decision("submit", "s1", "v1"))
    deliver(ex, lambda m: isinstance(m, MAccept) and m.dst == "s3")


def _multi_skip(ex: Execution) -> None:
    _multi_leader(ex)
    ex.apply(Decision("submit", "s1", "v1"))
    deliver(ex, lambda m: isinstance(m, (MAccept, MAccepted)) and "s3" not in (m.src, m.dst))
    ex.apply(Decision("timeout", "s2"))
    deliver(ex, everything)


def _multi_out_of_order(ex: Execution) -> None:
    _multi_leader(ex)
    ex.apply(Decision("submit", "s1", "v1"))
    ex.apply(Decision("submit", "s1", "v2"))
    deliver(ex, lambda m: isinstance(m, (MAccept, MAccepted)) and m.slot == 2)


SCENARIOS = [
    (PAXOS, "reuse_ballots", _paxos_reuse, "Prepare", NOT_ENABLED),
    (PAXOS, "forget_promise_on_restart", _paxos_forget, "Restart", LED_ELSEWHERE),
    (PAXOS, "accept_below_promise", _paxos_accept_below, "HandleAccept", LED_ELSEWHERE),
    (PAXOS, "ignore_promised_values", _paxos_ignore_values, "HandlePromise", LED_ELSEWHERE),
    (MULTI, "reuse_ballots", _multi_reuse, "Prepare", NOT_ENABLED),
    (MULTI, "forget_promise_on_restart", _multi_forget, "Restart", LED_ELSEWHERE),
    (MULTI, "accept_below_promise", _multi_accept_below, "HandleAccept", LED_ELSEWHERE),
    (MULTI, "skip_reproposal", _multi_skip, "HandlePromise", LED_ELSEWHERE),
    (MULTI, "execute_out_of_order", _multi_out_of_order, "HandleAccepted", LED_ELSEWHERE),
]


@pytest.mark.parametrize("proto,bug,scenario,action,kind", SCENARIOS,
                         ids=[f"{p.name}-{b}" for p, b, *_ in SCENARIOS])
def test_each_planted_bug_diverges_where_the_wrong_rule_runs(proto, bug, scenario, action,
                                                             kind):
    correct = Execution(proto, proto.variants[0].settings)
    scenario(correct)
    assert correct.divergence is None, correct.divergence.render()
    buggy = Execution(proto, proto.variants[0].settings, (bug,))
    scenario(buggy)
    div = buggy.divergence
    assert div is not None, f"{bug} went unnoticed"
    assert (div.action, div.kind) == (action, kind), div.render()


def test_a_leader_lease_ignores_a_prepare_as_a_lost_message_and_conforms():
    """With the lease on (as the real servers run), a server that campaigns while the
    leader works is ignored by the leader (a quorum answered it lately) and by the follower
    (it heard from the leader lately): to the spec, its prepares were lost. Once the leader
    has been silent for an election timeout, the same campaign wins."""
    ex = Execution(MULTI, {**MULTI.variants[0].settings, "lease": True})
    _multi_leader(ex)
    for _ in range(3):  # the leader's heartbeats are answered: its lease holds
        ex.apply(Decision("tick", "s1"))
        deliver(ex, everything)
    ex.apply(Decision("timeout", "s3"))
    deliver(ex, everything)
    assert ex.divergence is None, ex.divergence.render()
    assert ex.sim.leaders() == ["s1"] and ex.sim.nodes["s3"].role == "Candidate"
    assert [e.action for e in ex.steps if e.action == "DropMessage"] == ["DropMessage"] * 2
    ex.apply(Decision("crash", "s1", 0))
    for _ in range(3):  # election_ticks of silence: s2's lease on s1 runs out
        ex.apply(Decision("tick", "s2"))
    ex.apply(Decision("timeout", "s3"))
    deliver(ex, lambda m: m.dst != "s1")
    assert ex.divergence is None, ex.divergence.render()
    assert ex.sim.leaders() == ["s3"]


# --------------------------------------------------------------------------- campaigns


@pytest.mark.parametrize("proto", [PAXOS, MULTI], ids=["paxos", "multi"])
def test_a_short_campaign_on_the_correct_implementation_conforms(proto, tmp_path):
    r = run_campaign(proto, SMALL, save_dir=tmp_path)
    assert r.ok, r.divergence.render() if r.divergence else r.error
    assert r.progress.examples == SMALL.examples and r.progress.events > 100
    assert not list(tmp_path.iterdir())


@pytest.fixture(scope="module")
def reused(tmp_path_factory) -> tuple[Path, Any]:
    out = tmp_path_factory.mktemp("failing")
    profile = profiles.get("ci").with_overrides(examples=20, max_decisions=30)
    return out, run_campaign(MULTI, profile, ("reuse_ballots",), save_dir=out)


def test_a_campaign_finds_shrinks_and_saves_a_planted_bug(reused):
    out, r = reused
    assert r.divergence is not None and r.divergence.action == "Prepare"
    assert r.shrunk_events == 2  # two servers start the same ballot
    page, path = sorted(out.iterdir())  # the trace, and beside it its page
    assert page == path.with_suffix(".html")
    header = json.loads(path.read_text().splitlines()[0])
    assert header["protocol"] == "multipaxos" and header["spec"] == "MultiPaxos"
    assert header["cluster"]["bugs"] == ["reuse_ballots"]


def test_replay_shows_the_same_divergence(reused, capsys):
    _, r = reused
    assert main(["replay", str(r.trace_file)]) == 1
    assert "the same divergence as recorded" in capsys.readouterr().out
