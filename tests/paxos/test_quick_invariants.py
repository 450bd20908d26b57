"""conformance/validate/quick.py's Python checks of Multi-Paxos's invariants over Chosen
and the acceptors' votes against the spec's own definitions: on states that keep and that
break Agreement, DecidedChosen and AcceptedIsLatestVote, a quick check says "holds" only
where the spec's evaluation does, and it follows the ghost votes and the accepted proposals
as they grow without missing what a new vote or proposal breaks."""

from __future__ import annotations

import pytest

from conformance import protocols
from conformance.validate import SpecEngine
from conformance.validate.quick import checks_for
from conformance.validate.validator import Validator
from conformance.values import FSet, ModelValue, Tup, make_fn, record

SETTINGS = {"servers": ["s1", "s2", "s3"], "values": ["v1", "v2"]}
S1, S2, S3 = (ModelValue(n) for n in ("s1", "s2", "s3"))
V1, V2 = ModelValue("v1"), ModelValue("v2")


@pytest.fixture(scope="module")
def engine() -> SpecEngine:
    mp = protocols.get("multipaxos")
    return SpecEngine(mp.spec, mp.constants(SETTINGS), mp.invariants)


def _vote(slot: int, bal: int, val) -> object:
    return record(slot=slot, bal=bal, val=val)


def _by_server(**by) -> object:
    return make_fn({ModelValue(k): v for k, v in by.items()})


def _state(engine: SpecEngine, votes: dict, decided: dict | None = None) -> tuple:
    s = dict(zip(engine.variables, engine.initial_states()[0], strict=True))
    s["votes"] = _by_server(**{k: FSet(v) for k, v in votes.items()})
    s["decided"] = _by_server(**{k: make_fn(v) for k, v in
                                 (decided or {"s1": {}, "s2": {}, "s3": {}}).items()})
    return tuple(s[v] for v in engine.variables)


def _cases(engine: SpecEngine) -> list[tuple]:
    a, b = _vote(1, 0, V1), _vote(1, 1, V2)
    return [
        _state(engine, {"s1": [], "s2": [], "s3": []}),
        # v1 chosen for slot 1 in ballot 0 (s1, s2), s1 knows it decided
        _state(engine, {"s1": [a], "s2": [a], "s3": []},
               {"s1": {1: V1}, "s2": {}, "s3": {}}),
        # and v2 chosen for slot 1 in ballot 1 (s2, s3): Agreement fails
        _state(engine, {"s1": [a], "s2": [a, b], "s3": [b]}),
        # s3 knows v2 decided for slot 1, which one vote is not a quorum of: DecidedChosen
        _state(engine, {"s1": [a], "s2": [a], "s3": [b]},
               {"s1": {1: V1}, "s2": {}, "s3": {1: V2}}),
        # decided for a slot nothing was chosen in: DecidedChosen fails
        _state(engine, {"s1": [a], "s2": [a], "s3": []},
               {"s1": {1: V1}, "s2": {2: V1}, "s3": {}}),
    ]


def _spec_says(fns: dict, name: str, s: tuple) -> bool:
    try:
        return fns[name]((s, None)) is True
    except Exception:  # noqa: BLE001 - the spec's evaluation fails: not a pass
        return False


def test_a_quick_check_passes_a_state_only_where_the_spec_does(engine):
    quick = checks_for("MultiPaxos", engine.index, engine.constants)
    assert set(quick) == {"Agreement", "DecidedChosen", "AcceptedIsLatestVote",
                          "OneValuePerBallot", "ExecutedInOrder"}
    for own in ("AcceptedIsLatestVote", "OneValuePerBallot", "ExecutedInOrder"):
        quick.pop(own)  # their own cases below
    fns = {name: fn for name, fn, _, _ in engine.invariant_checks() if name in quick}
    violations = 0
    for order in (1, -1):  # each case after the others, in both orders: the table follows
        for k, s in list(enumerate(_cases(engine)))[::order]:
            for name, check in quick.items():
                spec_says = _spec_says(fns, name, s)
                if check(s):
                    assert spec_says, f"case {k}: the quick check passes {name}, the spec not"
                violations += not spec_says
                if k < 2:  # where both hold, the quick checks decide it
                    assert check(s), f"case {k}: {name}"
    assert violations >= 6  # each case past the second breaks one, in both orders


def test_a_vote_that_completes_a_second_quorum_is_caught_as_the_votes_grow(engine):
    """The table counts only each acceptor's new votes: the vote that makes a second
    command chosen for a slot, added to sets that only grew, must still fail Agreement."""
    quick = checks_for("MultiPaxos", engine.index, engine.constants)
    a, b = _vote(1, 0, V1), _vote(1, 1, V2)
    va = FSet([a])
    ok = _state(engine, {"s1": [a], "s2": [a], "s3": [b]})
    assert quick["Agreement"](ok)
    s = dict(zip(engine.variables, ok, strict=True))
    s["votes"] = _by_server(s1=va, s2=FSet([a, b]), s3=FSet([b]))
    grown = tuple(s[v] for v in engine.variables)
    assert not quick["Agreement"](grown)


def test_the_validator_names_a_violation_by_the_spec_with_quick_checks_on(engine):
    v = Validator(engine)
    assert set(v._quick) == {"Agreement", "DecidedChosen", "AcceptedIsLatestVote",
                             "OneValuePerBallot", "ExecutedInOrder"}
    bad = _cases(engine)[2]
    assert "Agreement" in v.failed_invariants(bad)
    assert v.failed_piece is not None


def _acceptors(engine: SpecEngine, votes: dict, accepted: dict, promised: dict) -> tuple:
    s = dict(zip(engine.variables, engine.initial_states()[0], strict=True))
    s["votes"] = _by_server(**{k: FSet(v) for k, v in votes.items()})
    s["accepted"] = _by_server(**{k: make_fn(v) for k, v in accepted.items()})
    s["promised"] = _by_server(**promised)
    return tuple(s[v] for v in engine.variables)


def _proposal(bal: int, val) -> object:
    return record(bal=bal, val=val)


def _latest_cases(engine: SpecEngine) -> list[tuple]:
    none = {"s2": [], "s3": []}
    empty = {"s2": {}, "s3": {}}
    low = {"s2": -1, "s3": -1}
    p0, p2 = _proposal(0, V1), _proposal(2, V2)
    return [
        _acceptors(engine, {"s1": [], **none}, {"s1": {}, **empty}, {"s1": -1, **low}),
        # s1 accepted v1 for slot 1 in ballot 0, its vote, under its promise
        _acceptors(engine, {"s1": [_vote(1, 0, V1)], **none}, {"s1": {1: p0}, **empty},
                   {"s1": 0, **low}),
        # slots 1 and 3 (a function with a gap), both voted
        _acceptors(engine, {"s1": [_vote(1, 0, V1), _vote(3, 2, V2)], **none},
                   {"s1": {1: p0, 3: p2}, **empty}, {"s1": 2, **low}),
        # accepted above its promise
        _acceptors(engine, {"s1": [_vote(1, 2, V2)], **none}, {"s1": {1: p2}, **empty},
                   {"s1": 1, **low}),
        # accepted a proposal it never voted (the vote is of another command)
        _acceptors(engine, {"s1": [_vote(1, 0, V2)], **none}, {"s1": {1: p0}, **empty},
                   {"s1": 0, **low}),
        # a later vote for slot 1 than what it holds accepted there
        _acceptors(engine, {"s1": [_vote(1, 0, V1), _vote(1, 2, V2)], **none},
                   {"s1": {1: p0}, **empty}, {"s1": 2, **low}),
        # a vote of another shape than [slot, bal, val]
        _acceptors(engine, {"s1": [record(slot=1, bal=0, val=V1, x=1)], **none},
                   {"s1": {1: p0}, **empty}, {"s1": 0, **low}),
    ]


def test_accepted_is_latest_vote_passes_a_state_only_where_the_spec_does(engine):
    fns = {name: fn for name, fn, _, _ in engine.invariant_checks()
           if name == "AcceptedIsLatestVote"}
    violations = 0
    for order in (1, -1):
        quick = checks_for("MultiPaxos", engine.index, engine.constants)
        check = quick["AcceptedIsLatestVote"]
        for k, s in list(enumerate(_latest_cases(engine)))[::order]:
            spec_says = _spec_says(fns, "AcceptedIsLatestVote", s)
            assert spec_says == (k < 3), k  # the cases are what they say
            if check(s):
                assert spec_says, f"case {k}: the quick check passes, the spec not"
            violations += not spec_says
            if k < 3:
                assert check(s), f"case {k}"
    assert violations == 8


def test_accepted_is_latest_vote_follows_an_acceptor_as_it_grows(engine):
    """Only what an acceptor added is checked: a new vote above an old slot's accepted
    proposal, or a new accepted entry never voted, must still fail."""
    quick = checks_for("MultiPaxos", engine.index, engine.constants)["AcceptedIsLatestVote"]
    none, empty, low = {"s2": [], "s3": []}, {"s2": {}, "s3": {}}, {"s2": -1, "s3": -1}
    p0 = _proposal(0, V1)
    v0 = _vote(1, 0, V1)
    ok = _acceptors(engine, {"s1": [v0], **none}, {"s1": {1: p0}, **empty}, {"s1": 3, **low})
    assert quick(ok)
    s = dict(zip(engine.variables, ok, strict=True))
    acc, votes = s["accepted"].map[S1], s["votes"].map[S1]

    def grown(new_acc, new_votes, prom=3) -> tuple:
        g = dict(s)
        g["accepted"] = _by_server(s1=new_acc, s2=make_fn({}), s3=make_fn({}))
        g["votes"] = _by_server(s1=new_votes, s2=FSet(), s3=FSet())
        g["promised"] = _by_server(s1=prom, s2=-1, s3=-1)
        return tuple(g[v] for v in engine.variables)

    longer = make_fn({1: acc[0], 2: _proposal(1, V2)})
    assert quick(grown(longer, FSet([*votes, _vote(2, 1, V2)])))
    assert not quick(grown(longer, FSet([*votes, _vote(2, 1, V2), _vote(1, 3, V2)])))
    assert quick(grown(longer, FSet([*votes, _vote(2, 1, V2)])))
    assert not quick(grown(make_fn({1: acc[0], 2: _proposal(2, V2)}),
                           FSet([*votes, _vote(2, 1, V2)])))
    assert not quick(grown(longer, FSet([*votes, _vote(2, 1, V2)]), prom=0))


def test_a_multipaxos_spec_without_accepted_and_promised_gets_the_other_checks():
    # a spec of that name whose state has votes and decided but not accepted and promised:
    # AcceptedIsLatestVote's check is not offered, the others are (it used to raise KeyError)
    # (nor ExecutedInOrder's, without executed)
    servers = FSet([ModelValue("s1"), ModelValue("s2"), ModelValue("s3")])
    quick = checks_for("MultiPaxos", {"votes": 0, "decided": 1}, {"Server": servers})
    assert set(quick) == {"Agreement", "DecidedChosen", "OneValuePerBallot"}


def _with(engine: SpecEngine, s: tuple, **changes) -> tuple:
    d = dict(zip(engine.variables, s, strict=True))
    d.update(changes)
    return tuple(d[v] for v in engine.variables)


def _agrees(engine: SpecEngine, name: str, holds: list, breaks: list) -> None:
    """The spec holds on ``holds`` and not on ``breaks``, and a fresh quick check says so."""
    fns = {n: fn for n, fn, _, _ in engine.invariant_checks()}
    for k, s in enumerate(holds + breaks):
        says = _spec_says(fns, name, s)
        assert says is (k < len(holds)), k
        assert checks_for("MultiPaxos", engine.index, engine.constants)[name](s) is says, k


def test_one_value_per_ballot_passes_a_state_only_where_the_spec_does(engine):
    """Two votes of one slot and ballot with different commands break it, whether they come
    in one state or as the votes grow; the same vote on several acceptors does not."""
    a, a2, b = _vote(1, 0, V1), _vote(1, 0, V1), _vote(1, 0, V2)
    holds = [_state(engine, {"s1": [a], "s2": [a2], "s3": [_vote(1, 1, V2)]}),
             _state(engine, {"s1": [a, _vote(2, 0, V2)], "s2": [], "s3": []})]
    breaks = [_state(engine, {"s1": [a], "s2": [b], "s3": []}),
              _state(engine, {"s1": [a, b], "s2": [], "s3": []})]
    _agrees(engine, "OneValuePerBallot", holds, breaks)
    grow = checks_for("MultiPaxos", engine.index, engine.constants)["OneValuePerBallot"]
    va = FSet([a])
    assert grow(_state(engine, {"s1": [], "s2": [], "s3": []}))
    s = _state(engine, {"s1": [a], "s2": [], "s3": []})
    assert grow(_with(engine, s, votes=_by_server(s1=va, s2=FSet(), s3=FSet())))
    assert not grow(_with(engine, s, votes=_by_server(s1=va, s2=FSet(), s3=FSet([b]))))


def test_executed_in_order_passes_a_state_only_where_the_spec_does(engine):
    """A replica's n-th executed command is its decided command of slot n: checked afresh,
    and after a pass in what a replica executed since (the same objects before)."""
    fns = {name: fn for name, fn, _, _ in engine.invariant_checks()}
    base = _state(engine, {"s1": [], "s2": [], "s3": []},
                  {"s1": {1: V1, 2: V2}, "s2": {1: V1, 3: V1}, "s3": {}})

    def run(**by):
        return _with(engine, base, executed=_by_server(**{k: Tup(v) for k, v in by.items()}))

    holds = [run(s1=[V1, V2], s2=[V1], s3=[]), run(s1=[V1], s2=[], s3=[])]
    breaks = [run(s1=[V2], s2=[], s3=[]),  # executed what slot 1 did not decide
              run(s1=[], s2=[V1, V1], s3=[])]  # executed slot 2, which s2 never decided
    _agrees(engine, "ExecutedInOrder", holds, breaks)
    check = checks_for("MultiPaxos", engine.index, engine.constants)["ExecutedInOrder"]
    one = Tup([V1])
    first = _with(engine, base, executed=_by_server(s1=one, s2=Tup(), s3=Tup()))
    assert check(first)
    later = _with(engine, base, executed=_by_server(s1=Tup(one + (V1,)), s2=Tup(), s3=Tup()))
    assert _spec_says(fns, "ExecutedInOrder", later) is False and not check(later)


def test_decided_chosen_after_a_pass_looks_up_the_new_decisions(engine):
    """DecidedChosen's check remembers the decisions it found chosen: a replica's new
    decision, or another command at a slot it had decided, is looked up again."""
    check = checks_for("MultiPaxos", engine.index, engine.constants)["DecidedChosen"]
    a, c = _vote(1, 0, V1), _vote(3, 0, V2)
    votes = {"s1": [a, c], "s2": [a, c], "s3": []}
    assert check(_state(engine, votes, {"s1": {1: V1}, "s2": {3: V2}, "s3": {}}))
    assert check(_state(engine, votes, {"s1": {1: V1, 3: V2}, "s2": {3: V2}, "s3": {}}))
    assert not check(_state(engine, votes, {"s1": {1: V1, 2: V1}, "s2": {3: V2}, "s3": {}}))
    assert check(_state(engine, votes, {"s1": {1: V1}, "s2": {3: V2}, "s3": {}}))
    assert not check(_state(engine, votes, {"s1": {1: V2}, "s2": {3: V2}, "s3": {}}))
    assert not check(_state(engine, votes, {"s1": {1: V1}, "s2": {3: V1}, "s3": {}}))
