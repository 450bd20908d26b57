"""conformance/validate/quick.py's Python checks of Raft's invariants against the spec's own
definitions: on states that keep and that break each invariant, a quick check says "holds"
only where the spec's evaluation does (it may decline; it must never pass a violation)."""

from __future__ import annotations

import pytest

from conformance import protocols
from conformance.validate import SpecEngine
from conformance.validate.quick import checks_for
from conformance.validate.validator import Validator
from conformance.values import Fn, FSet, ModelValue, Tup, record

SETTINGS = {"servers": ["s1", "s2", "s3"], "initial": ["s1", "s2", "s3"],
            "values": ["v1", "v2"], "pre_vote": False, "check_quorum": True, "batch": 1}
S1, S2, S3 = (ModelValue(n) for n in ("s1", "s2", "s3"))
ALL = FSet([S1, S2, S3])


@pytest.fixture(scope="module")
def engine() -> SpecEngine:
    raft = protocols.get("raft")
    return SpecEngine(raft.spec, raft.constants(SETTINGS), raft.invariants)


def _entry(term: int, value: str) -> object:
    return record(term=term, kind="Value", value=value)


def _state(engine: SpecEngine, **changes) -> tuple:
    s = dict(zip(engine.variables, engine.initial_states()[0], strict=True))
    for name, value in changes.items():
        s[name] = value
    return tuple(s[v] for v in engine.variables)


def _fn(**by_server):
    from conformance.values import make_fn
    return make_fn({ModelValue(k): v for k, v in by_server.items()})


A, B = _entry(1, "v1"), _entry(2, "v2")


def _cases(engine: SpecEngine) -> list[tuple]:
    c1a = record(index=1, entry=A, term=1, config=ALL)
    c1b = record(index=1, entry=B, term=2, config=ALL)
    logs_a = _fn(s1=Tup([A]), s2=Tup([A]), s3=Tup())
    return [
        _state(engine),
        # committed on a quorum, held as committed by s1, s1 the leader of term 1
        _state(engine, committed=FSet([c1a]), log=logs_a,
               commitIndex=_fn(s1=1, s2=0, s3=0), currentTerm=_fn(s1=1, s2=1, s3=1),
               state=_fn(s1="Leader", s2="Follower", s3="Follower")),
        # on one server only: CommittedOnQuorum fails
        _state(engine, committed=FSet([c1a]), log=_fn(s1=Tup([A]), s2=Tup(), s3=Tup())),
        # two entries committed at index 1: StateMachineSafety fails
        _state(engine, committed=FSet([c1a, c1b]), log=logs_a),
        # s2 holds as committed what was not: StateMachineSafety fails
        _state(engine, committed=FSet([c1a]), log=_fn(s1=Tup([A]), s2=Tup([B]), s3=Tup([A])),
               commitIndex=_fn(s1=0, s2=1, s3=0)),
        # a leader of a later term without the committed entry: LeaderCompleteness fails
        _state(engine, committed=FSet([c1a]), log=_fn(s1=Tup([A]), s2=Tup([A]), s3=Tup([B])),
               currentTerm=_fn(s1=1, s2=1, s3=2),
               state=_fn(s1="Follower", s2="Follower", s3="Leader")),
        # two entries of one term at index 1: LogMatching fails (and a log that parts
        # from the others, of another term, where it holds: the check leaves it to the spec)
        _state(engine, log=_fn(s1=Tup([A]), s2=Tup([_entry(1, "v2")]), s3=Tup([B]))),
        _state(engine, log=_fn(s1=Tup([A, A]), s2=Tup([A]), s3=Tup([B]))),
                # the same entry with TRUE for a value Python equates with 1: not equal in TLA+
        _state(engine, committed=FSet([record(index=1, entry=record(term=1, kind="Value",
                                                                    value=True),
                                              term=1, config=ALL)]),
               log=_fn(s1=Tup([record(term=1, kind="Value", value=1)]),
                       s2=Tup([record(term=1, kind="Value", value=1)]), s3=Tup())),
    ]


def test_a_quick_check_passes_a_state_only_where_the_spec_does(engine):
    quick = checks_for("Raft", engine.index)
    assert set(quick) == {"CommittedOnQuorum", "StateMachineSafety", "LeaderCompleteness",
                          "LogMatching"}
    fns = {name: fn for name, fn, _, _ in engine.invariant_checks() if name in quick}
    violations = 0
    for k, s in enumerate(_cases(engine)):
        for name, check in quick.items():
            try:
                spec_says = fns[name]((s, None)) is True
            except Exception:  # noqa: BLE001 - the spec's evaluation fails: not a pass
                spec_says = False
            if check(s):
                assert spec_says, f"case {k}: the quick check passes {name}, the spec does not"
            violations += not spec_says
            if k < 2:  # where every invariant holds, the quick checks decide it
                assert check(s), f"case {k}: {name}"
    assert violations >= 5  # the cases break each invariant at least once


def test_the_validator_names_a_violation_by_the_spec_with_quick_checks_on(engine):
    v = Validator(engine)
    assert v._quick  # bound for Raft
    bad = _cases(engine)[2]
    assert "CommittedOnQuorum" in v.failed_invariants(bad)
    assert v.failed_piece is not None
    assert checks_for("Paxos", engine.index) == {}


def test_a_state_that_adds_to_one_passed_is_checked_in_what_it_adds(engine):
    """The checks remember the last state they passed; a state whose logs extend those
    (the same entry objects) and whose committed set grows is checked in the new part,
    which must still catch a violation there."""
    quick = checks_for("Raft", engine.index)
    c1 = record(index=1, entry=A, term=1, config=ALL)
    la, lb = Tup([A]), Tup([A])
    base = dict(committed=FSet([c1]), log=_fn(s1=la, s2=lb, s3=Tup()),
                commitIndex=_fn(s1=1, s2=1, s3=0), currentTerm=_fn(s1=1, s2=1, s3=1),
                state=_fn(s1="Leader", s2="Follower", s3="Follower"))
    ok = _state(engine, **base)
    assert all(check(ok) for check in quick.values())
    c2 = record(index=2, entry=B, term=2, config=ALL)  # on s1 only, and s1 leads term 1
    grown = dict(base, committed=FSet([c1, c2]),
                 log=_fn(s1=Tup(la + (B,)), s2=lb, s3=Tup()),
                 commitIndex=_fn(s1=2, s2=1, s3=0),
                 currentTerm=_fn(s1=2, s2=1, s3=1))
    bad = _state(engine, **grown)
    fns = {name: fn for name, fn, _, _ in engine.invariant_checks()}
    assert fns["CommittedOnQuorum"]((bad, None)) is not True
    assert not quick["CommittedOnQuorum"](bad)
    # s2 claims index 2 committed with another entry: StateMachineSafety, in the new part
    assert quick["StateMachineSafety"](ok)
    clash = _state(engine, **dict(base, log=_fn(s1=la, s2=Tup(lb + (A,)), s3=Tup()),
                                  commitIndex=_fn(s1=1, s2=2, s3=0)))
    assert not quick["StateMachineSafety"](clash)
    # a leader that lost an entry committed before: LeaderCompleteness, though it passed
    assert quick["LeaderCompleteness"](ok)
    lost = _state(engine, **dict(base, committed=FSet([c1, record(index=2, entry=B, term=1,
                                                                   config=ALL)])))
    assert not quick["LeaderCompleteness"](lost)


def test_read_linearizable_passes_a_state_only_where_the_spec_does(engine):
    """ReadLinearizable's check (bound when the constants give Nil) on reads that hold and
    reads that break each conjunct, then on states that add to one it passed: what it
    passes, the spec's evaluation passes; where all holds, it decides."""
    quick = checks_for("Raft", engine.index, engine.constants)
    check = quick["ReadLinearizable"]
    spec = next(fn for name, fn, _, _ in engine.invariant_checks()
                if name == "ReadLinearizable")
    nil = engine.constants["Nil"]
    noop = record(term=1, kind="NoOp", value=nil)
    c1 = record(index=1, entry=A, term=1, config=ALL)
    c2 = record(index=2, entry=noop, term=1, config=ALL)

    def read(start, index, value):
        return record(start=start, index=index, value=value)

    def state(committed, *reads):
        return _state(engine, committed=FSet(committed), servedReads=FSet(reads))

    holds = [state([c1, c2], read(0, 1, "v1"), read(1, 2, "v1"), read(0, 0, nil)),
             state([c1], read(0, 1, "v1"))]
    breaks = [state([c1, c2], read(0, 2, nil)),  # the register holds v1 after a no-op
              state([c1], read(0, 2, "v1")),  # index 2 not committed
              state([c1, c2], read(2, 1, "v1")),  # read older than its start
              state([c1], read(0, 0, "v1"))]  # nothing read: Nil
    for k, s in enumerate(holds + breaks):
        try:
            spec_says = spec((s, None)) is True
        except Exception:  # noqa: BLE001 - the spec's evaluation fails: not a pass
            spec_says = False
        assert spec_says is (k < len(holds)), k
        fresh = checks_for("Raft", engine.index, engine.constants)["ReadLinearizable"]
        assert fresh(s) is spec_says, k
    # two entries committed at one index: the spec's CHOOSE picks one, the check declines
    two = state([c1, record(index=1, entry=B, term=2, config=ALL)], read(0, 1, "v1"))
    assert not checks_for("Raft", engine.index, engine.constants)["ReadLinearizable"](two)
    # after a pass, a state that commits another entry at an index a read covers, or adds
    # a read that breaks: not passed
    assert check(holds[0])
    assert not check(state([c1, c2, record(index=1, entry=B, term=2, config=ALL)],
                           read(0, 1, "v1")))
    assert check(holds[0])
    assert not check(state([c1, c2], read(0, 1, "v1"), read(1, 2, "v2")))
    assert check(state([c1, c2, record(index=3, entry=B, term=2, config=ALL)],
                       read(0, 1, "v1"), read(0, 3, "v2")))


def test_log_matching_after_a_pass_compares_what_the_logs_add(engine):
    """LogMatching's check remembers the logs it passed: logs that hold the very entries
    they held are compared in their new entries, where a clash must still be caught."""
    quick = checks_for("Raft", engine.index)["LogMatching"]
    spec = next(fn for name, fn, _, _ in engine.invariant_checks() if name == "LogMatching")
    la, lb = Tup([A]), Tup([A])
    assert quick(_state(engine, log=_fn(s1=la, s2=lb, s3=Tup())))
    same_term = _entry(2, "v1")  # B's term, another value
    grown = _state(engine, log=_fn(s1=Tup(la + (B,)), s2=Tup(lb + (same_term,)), s3=Tup()))
    assert spec((grown, None)) is not True
    assert not quick(grown)
    assert quick(_state(engine, log=_fn(s1=la, s2=lb, s3=Tup())))
    longer = _state(engine, log=_fn(s1=Tup(la + (B,)), s2=Tup(lb + (B,)), s3=Tup([A])))
    assert spec((longer, None)) is True and quick(longer)


def _config(term: int, members: list) -> object:
    return record(term=term, kind="Config", value=FSet(members))


def test_election_safety_and_leader_in_config_pass_only_where_the_spec_does(engine):
    """The two checks bound with the constants (Server, InitialConfig), on states that keep
    and break each: a leader per term, two leaders of one term; a leader in the initial
    configuration, in the one its last configuration entry names, and out of it."""
    quick = checks_for("Raft", engine.index, engine.constants)
    fns = {name: fn for name, fn, _, _ in engine.invariant_checks()
           if name in ("ElectionSafety", "LeaderInConfig")}
    leaders = dict(state=_fn(s1="Leader", s2="Leader", s3="Follower"))
    without_s1 = _config(1, [S2, S3])
    cases = {
        "ElectionSafety": (
            [_state(engine), _state(engine, currentTerm=_fn(s1=1, s2=2, s3=2), **leaders)],
            [_state(engine, currentTerm=_fn(s1=2, s2=2, s3=1), **leaders)]),
        "LeaderInConfig": (
            [_state(engine, **leaders),
             _state(engine, log=_fn(s1=Tup([A, _config(1, [S1, S2])]), s2=Tup(), s3=Tup()),
                    **leaders),
             # a later entry that is no configuration entry: the last one still counts
             _state(engine, log=_fn(s1=Tup([without_s1, _config(1, [S1]), A]), s2=Tup(),
                                    s3=Tup()), **leaders)],
            [_state(engine, log=_fn(s1=Tup([A, without_s1]), s2=Tup(), s3=Tup()),
                    **leaders),
             _state(engine, log=_fn(s1=Tup([_config(1, [S1]), without_s1, A]), s2=Tup(),
                                    s3=Tup()), **leaders)]),
    }
    for name, (holds, breaks) in cases.items():
        check = quick[name]
        for k, s in enumerate(holds + breaks):
            assert (fns[name]((s, None)) is True) is (k < len(holds)), (name, k)
            assert check(s) is (k < len(holds)), (name, k)
    # a log that adds to the one last read is read in what it adds
    check = quick["LeaderInConfig"]
    base = Tup([A, _config(1, [S1, S2])])
    assert check(_state(engine, log=_fn(s1=base, s2=Tup(), s3=Tup()), **leaders))
    grown = _state(engine, log=_fn(s1=Tup(base + (without_s1,)), s2=Tup(), s3=Tup()),
                   **leaders)
    assert fns["LeaderInConfig"]((grown, None)) is not True and not check(grown)
    # a role that is not a string: the spec decides
    odd = _state(engine, state=_fn(s1=1, s2="Follower", s3="Follower"))
    assert not quick["ElectionSafety"](odd) and not quick["LeaderInConfig"](odd)


def test_the_bag_count_conjunct_passes_only_where_the_spec_does(engine):
    """TypeOK's `\\A m \\in DOMAIN msgs : msgs[m] \\in Nat \\ {0}` checked by its text: the
    validator binds the check to that piece alone, and it says "holds" only where the
    spec's conjunct does (a count of 0, a negative one, TRUE for 1: not counts)."""
    from conformance.validate.quick import piece_checks_for
    texts = engine.piece_texts()
    (text,) = piece_checks_for("Raft", engine.index)
    n = texts.index(text)
    spec = engine.invariant_checks()[n][1]
    check = piece_checks_for("Raft", engine.index)[text]
    assert Validator(engine)._piece_quick[n] is not None
    m1 = record(type="RequestVoteResponse", term=1, source=S1, dest=S2, granted=True)
    m2 = record(type="RequestVoteResponse", term=1, source=S2, dest=S1, granted=True)
    holds = [Tup(), Fn({m1: 1}), Fn({m1: 2, m2: 1})]
    breaks = [Fn({m1: 0}), Fn({m1: 1, m2: -1}), Fn({m1: True}), Fn({m1: "1"})]
    for k, bag in enumerate(holds + breaks):
        s = _state(engine, msgs=bag)
        try:
            spec_says = spec((s, None)) is True
        except Exception:  # noqa: BLE001 - the spec's evaluation fails: not a pass
            spec_says = False
        assert spec_says is (k < len(holds)), k
        assert check(s) is spec_says, k
    assert piece_checks_for("Paxos", engine.index) == {}
