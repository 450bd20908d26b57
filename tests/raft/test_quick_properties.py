"""conformance/validate/quicksteps.py's Python checks of Raft's action properties against
the spec's own definitions: on steps that keep and that break each property, a check says
"holds" only where the spec's evaluation does; where the property's action holds, it
decides; and the validator still names a violation by the spec."""

from __future__ import annotations

import pytest

from conformance import protocols
from conformance.trace import Step
from conformance.validate import SpecEngine
from conformance.validate.quicksteps import step_checks_for
from conformance.validate.validator import Validator
from conformance.values import FSet, ModelValue, Tup, make_fn, record

SETTINGS = {"servers": ["s1", "s2", "s3"], "initial": ["s1", "s2", "s3"],
            "values": ["v1", "v2"], "pre_vote": False, "check_quorum": True, "batch": 1}
RAFT = protocols.get("raft")
A, B = (record(term=t, kind="Value", value=v) for t, v in ((1, "v1"), (2, "v2")))
STEP = Step(1, "Timeout", {}, params={"i": ModelValue("s2")})  # (any step but a Restart)
SERVERS = FSet(ModelValue(n) for n in SETTINGS["servers"])


@pytest.fixture(scope="module")
def engine() -> SpecEngine:
    return SpecEngine(RAFT.spec, RAFT.constants(SETTINGS), RAFT.invariants, RAFT.properties)


def _fn(**by_server):
    return make_fn({ModelValue(k): v for k, v in by_server.items()})


def _state(engine: SpecEngine, **changes) -> tuple:
    s = dict(zip(engine.variables, engine.initial_states()[0], strict=True))
    s.update(changes)
    return tuple(s[v] for v in engine.variables)


def _steps(engine: SpecEngine) -> dict[str, tuple[list, list]]:
    """For each property with a check: steps (pairs of states) that keep it, then steps
    that break it."""
    st = _state
    leads = dict(state=_fn(s1="Leader", s2="Follower", s3="Follower"))
    la = Tup([A])
    c1, c2 = (record(index=n, entry=A, term=1, config=SERVERS) for n in (1, 2))
    return {
        "CommittedStable": (
            [(st(engine), st(engine, committed=FSet([c1]))),
             (st(engine, committed=FSet([c1])), st(engine, committed=FSet([c1, c2])))],
            [(st(engine, committed=FSet([c1, c2])), st(engine, committed=FSet([c2]))),
             (st(engine, committed=FSet([c1])), st(engine))]),
        "MonotonicTerm": (
            [(st(engine), st(engine)),
             (st(engine), st(engine, currentTerm=_fn(s1=1, s2=0, s3=2)))],
            [(st(engine, currentTerm=_fn(s1=1, s2=0, s3=0)), st(engine))]),
        "MonotonicCommitIndex": (
            [(st(engine), st(engine, commitIndex=_fn(s1=1, s2=0, s3=0)))],
            # fell without a restart (s1 was a leader, and stays one)
            [(st(engine, commitIndex=_fn(s1=1, s2=0, s3=0), **leads),
              st(engine, **leads))]),
        "LeaderAppendOnly": (
            [(st(engine, log=_fn(s1=la, s2=Tup(), s3=Tup()), **leads),
              st(engine, log=_fn(s1=Tup(la + (B,)), s2=Tup(), s3=Tup()), **leads)),
             # a follower's log may be cut
             (st(engine, log=_fn(s1=Tup(), s2=la, s3=Tup()), **leads),
              st(engine, log=_fn(s1=Tup(), s2=Tup(), s3=Tup()), **leads))],
            [(st(engine, log=_fn(s1=la, s2=Tup(), s3=Tup()), **leads),
              st(engine, log=_fn(s1=Tup([B]), s2=Tup(), s3=Tup()), **leads)),
             (st(engine, log=_fn(s1=la, s2=Tup(), s3=Tup()), **leads),
              st(engine, log=_fn(s1=Tup(), s2=Tup(), s3=Tup()), **leads))]),
    }


def test_a_quick_check_passes_a_step_only_where_the_spec_does(engine):
    quick = step_checks_for("Raft", engine.index, engine.constants)
    assert set(quick) == {"MonotonicTerm", "MonotonicCommitIndex", "LeaderAppendOnly",
                          "CommittedStable"}
    spec = {p.name: p.code.fn for p in engine.model.action_properties}
    for name, (holds, breaks) in _steps(engine).items():
        for k, (s, t) in enumerate(holds + breaks):
            try:
                spec_says = spec[name]((s, t)) is True
            except Exception:  # noqa: BLE001 - the spec's evaluation fails: not a pass
                spec_says = False
            assert spec_says is (k < len(holds)), (name, k)
            assert quick[name][0](s, t, STEP) is spec_says, (name, k)
    # what the checks do not expect (a term that is not a number), they leave to the spec
    odd = _state(engine, currentTerm=_fn(s1=True, s2=0, s3=0))
    assert not quick["MonotonicTerm"][0](_state(engine), odd, STEP)
    assert step_checks_for("Paxos", engine.index, engine.constants) == {}
    assert step_checks_for("Raft", engine.index) == {}  # no Server: no checks
    # the variables that decide a pass
    names = {name: {engine.variables[k] for k in reads} for name, (_, reads) in quick.items()}
    assert names == {"MonotonicTerm": {"currentTerm"}, "MonotonicCommitIndex": {"commitIndex"},
                     "LeaderAppendOnly": {"state", "log"}, "CommittedStable": {"committed"}}


def test_the_validator_names_a_violated_property_by_the_spec_with_quick_checks_on(engine):
    """A trace whose term falls: the check declines, the spec's evaluation finds it."""
    v = Validator(engine)
    assert all(p[3] is not None for p in v._props if p[0] != "CommittedStable")
    before = _state(engine, currentTerm=_fn(s1=1, s2=0, s3=0))
    assert v.failed_properties(Step(1, "X", {}), before, _state(engine)) == ["MonotonicTerm"]


def test_a_commit_index_that_fell_passes_only_on_the_step_of_its_servers_restart(engine):
    """MonotonicCommitIndex's check takes Restart(i) as holding on a step the validator
    found a step of Restart(i), for that server alone; otherwise it leaves it to the
    spec, which evaluates Restart(i)."""
    check = step_checks_for("Raft", engine.index, engine.constants)["MonotonicCommitIndex"][0]
    before = _state(engine, commitIndex=_fn(s1=1, s2=0, s3=0))
    after = _state(engine)
    s1, s2 = ModelValue("s1"), ModelValue("s2")
    assert check(before, after, Step(1, "Restart", {}, params={"i": s1}))
    assert not check(before, after, Step(1, "Restart", {}, params={"i": s2}))
    assert not check(before, after, Step(1, "Timeout", {}, params={"i": s1}))
    assert not check(before, after, Step(1, "Restart", {}))  # (named by TLC's label)
    # the spec agrees: a restart of s1 holds on this step, and its commit index may fall
    spec = next(p.code.fn for p in engine.model.action_properties
                if p.name == "MonotonicCommitIndex")
    restarted = engine.steps_to(before, "Restart", {"i": s1}, [None] * len(before))
    assert restarted and all(spec((before, t)) is True and
                             check(before, t, Step(1, "Restart", {}, params={"i": s1}))
                             for t in restarted)
