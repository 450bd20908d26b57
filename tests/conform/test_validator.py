"""The step validator, on a small spec of its own (nothing here is about Raft)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.errors import UserError
from conformance.trace import Step
from conformance.validate import SpecEngine, TraceError, Validator
from conformance.validate.report import (
    INITIAL,
    INVARIANT,
    LED_ELSEWHERE,
    NOT_ENABLED,
    PROPERTY,
    UNKNOWN_ACTION,
)
from conformance.values import Fn, FSet, ModelValue, make_fn

SPEC = Path(__file__).parent / "specs" / "Counter.tla"
A, B = ModelValue("a"), ModelValue("b")


@pytest.fixture(scope="module")
def engine() -> SpecEngine:
    return SpecEngine(SPEC, {"Server": FSet([A, B]), "Limit": 5}, invariants=["Small"],
                      properties=["Monotonic"])


def seen(a: int = 0, b: int = 0) -> Fn:
    return Fn({A: a, B: b})


def init(x: int = 0) -> Step:
    return Step(0, "Init", {"x": x, "seen": seen()})


def ev(k: int, action: str, params: dict | None, **state) -> Step:
    return Step(k, action, state, params=params)


def test_a_trace_that_follows_the_spec_conforms_and_its_ghost_is_searched(engine):
    steps = [init(),
             ev(1, "Inc", {"n": 1}, x=1, seen=seen()),
             ev(2, "Observe", {"s": A}, x=1, seen=seen(a=1)),
             ev(3, "Bump", None, x=3, seen=seen(a=1))]
    v = Validator(engine)
    assert v.validate(steps) is None
    assert v.events == 3
    # the ghost `steps` was never given, yet it is determined by the spec's actions
    (state,) = v.candidates
    assert engine.as_dict(state)["steps"] == 3


def test_missing_variables_keep_several_candidates_until_the_trace_decides(engine):
    v = Validator(engine)
    assert v.start(init()) is None
    assert v.step(ev(1, "Bump", None, seen=seen())) is None  # x not given: 1 or 2
    assert sorted(engine.as_dict(s)["x"] for s in v.candidates) == [1, 2]
    assert v.step(ev(2, "Inc", {"n": 1}, x=2, seen=seen())) is None
    (state,) = v.candidates  # only x = 1 could have been followed by Inc(1) to 2
    assert engine.as_dict(state)["x"] == 2
    # with both candidates gone, the report says the trace left variables out
    div = v.step(ev(3, "Inc", {"n": 1}, x=9, seen=seen()))
    assert div is not None and div.kind == LED_ELSEWHERE


def test_a_function_given_in_part_is_matched_on_the_keys_given(engine):
    v = Validator(engine, partial=["seen"])
    steps = [Step(0, "Init", {"x": 0, "seen": Fn({A: 0})}),
             ev(1, "Inc", {"n": 2}, x=2, seen=Fn({B: 0})),
             ev(2, "Observe", {"s": B}, seen=Fn({B: 2}))]
    assert v.validate(steps) is None
    wrong = Validator(engine, partial=["seen"])
    bad = steps[:2] + [ev(2, "Observe", {"s": B}, seen=Fn({B: 1}))]
    div = wrong.validate(bad)
    assert div is not None and div.kind == LED_ELSEWHERE and div.index == 2
    # only the key the trace gave is compared, not the ones it left out
    assert [d.path for d in div.differences] == ["seen[b]"]


def test_a_step_the_spec_does_not_allow_names_the_false_conjunct(engine):
    steps = [init(), ev(1, "Inc", {"n": 2}, x=2, seen=seen()),
             ev(2, "Inc", {"n": 2}, x=4, seen=seen()),
             ev(3, "Inc", {"n": 2}, x=6, seen=seen())]
    div = Validator(engine, check_invariants=False).validate(steps)
    assert div is not None
    assert (div.index, div.action, div.kind) == (3, "Inc", NOT_ENABLED)
    assert div.conjunct == "x + n <= Limit"
    assert div.position is not None and div.position.line == 12
    assert "not allow" in div.render()


def test_a_step_that_leads_elsewhere_shows_the_assignment_and_the_difference(engine):
    steps = [init(), ev(1, "Inc", {"n": 1}, x=2, seen=seen())]
    div = Validator(engine).validate(steps)
    assert div is not None and div.kind == LED_ELSEWHERE and div.index == 1
    assert div.conjunct == "x' = x + n"
    assert [(d.path, d.observed, d.expected) for d in div.differences] == [("x", 2, 1)]
    assert "x: implementation 2, spec 1" in div.render()


def test_the_nearest_allowed_state_shows_only_the_differing_entries(engine):
    steps = [init(), ev(1, "Observe", {"s": A}, x=0, seen=seen(b=7))]
    div = Validator(engine).validate(steps)
    assert div is not None and div.kind == LED_ELSEWHERE
    assert [d.path for d in div.differences] == ["seen[b]"]


def test_invariants_are_checked_in_every_state(engine):
    steps = [init(), ev(1, "Inc", {"n": 2}, x=2, seen=seen()),
             ev(2, "Inc", {"n": 2}, x=4, seen=seen())]
    div = Validator(engine).validate(steps)
    assert div is not None and div.kind == INVARIANT and div.violated == ["Small"]
    assert div.index == 2
    assert "x < 4" in div.conjunct and div.position is not None
    assert "false in the state reached" in div.render()


def test_action_properties_are_checked_on_every_step(tmp_path):
    spec = tmp_path / "Down.tla"
    spec.write_text("---- MODULE Down ----\nEXTENDS Naturals\nVARIABLE x\nInit == x = 3\n"
                    "Dec == x > 0 /\\ x' = x - 1\nNext == Dec\n"
                    "Up == [][x' >= x]_x\n====\n")
    engine = SpecEngine(spec, {}, properties=["Up"])
    div = Validator(engine).validate([Step(0, "Init", {"x": 3}), Step(1, "Dec", {"x": 2})])
    assert div is not None and div.kind == PROPERTY and div.violated == ["Up"]


def test_an_action_property_is_evaluated_again_only_where_its_variables_change(tmp_path):
    """A property that held on a step leaving its variables as they were holds on the next
    such step (the same values, before and after): only the steps that change them, and
    the one after, evaluate it; a violation after a run of skipped steps is still found."""
    spec = tmp_path / "Two.tla"
    spec.write_text("---- MODULE Two ----\nEXTENDS Naturals\nVARIABLES x, y\n"
                    "Init == x = 3 /\\ y = 0\nTick == y' = y + 1 /\\ UNCHANGED x\n"
                    "Drop == x' = x - 1 /\\ UNCHANGED y\nRise == x' = x + 1 /\\ UNCHANGED y\n"
                    "Next == Tick \\/ Drop \\/ Rise\nUp == [][x' >= x]_x\n====\n")
    engine = SpecEngine(spec, {}, properties=["Up"])
    v = Validator(engine)
    evaluated: list[int] = []
    (name, fn, reads, quick), = v._props
    assert quick is None  # (no Python check of this spec's property)
    v._props = [(name, lambda E: evaluated.append(E[1][1]) or fn(E), reads, quick)]

    def at(k: int, action: str, x: int, y: int) -> Step:
        return Step(k, action, {"x": x, "y": y})
    steps = [at(0, "Init", 3, 0), at(1, "Tick", 3, 1), at(2, "Tick", 3, 2),
             at(3, "Tick", 3, 3), at(4, "Rise", 4, 3), at(5, "Tick", 4, 4),
             at(6, "Tick", 4, 5), at(7, "Tick", 4, 6)]
    assert v.validate(steps) is None
    # (y after each step evaluated) the first step, the one that changed x and the one after
    assert evaluated == [1, 3, 4]
    div = v.validate([*steps[:4], at(4, "Drop", 2, 3)])
    assert div is not None and div.kind == PROPERTY and div.index == 4


def test_an_initial_state_found_to_keep_the_invariants_is_not_checked_again(tmp_path):
    """A trace starts in one of the engine's initial states: the first validator to meet
    it checks every invariant piece there, the next ones none (the same state object, the
    same verdict); the states after it are checked as always, and an initial state that
    breaks an invariant is never taken as sound."""
    spec = tmp_path / "Start.tla"
    spec.write_text("---- MODULE Start ----\nEXTENDS Naturals\nVARIABLE x\n"
                    "Init == x \\in {0, 7}\nNext == x' = x + 1\nSmall == x < 5\n====\n")
    engine = SpecEngine(spec, {}, invariants=["Small"])
    evaluated: list[int] = []

    def counted(v: Validator) -> Validator:
        v._checks = [(n, (lambda f: lambda E: evaluated.append(E[0][0]) or f(E))(fn), r, loc)
                     for n, fn, r, loc in v._checks]
        return v
    steps = [Step(0, "Init", {"x": 0}), Step(1, "Next", {"x": 1})]
    assert counted(Validator(engine)).validate(steps) is None
    assert evaluated == [0, 1]
    evaluated.clear()
    assert counted(Validator(engine)).validate(steps) is None
    assert evaluated == [1]  # the initial state's verdict was known
    for _ in range(2):  # an initial state that breaks Small: checked, and reported, each time
        div = counted(Validator(engine)).validate([Step(0, "Init", {"x": 7})])
        assert div is not None and div.kind == INVARIANT and div.violated == ["Small"]
    assert evaluated == [1, 7, 7]


def test_an_initial_state_the_spec_does_not_have(engine):
    div = Validator(engine).validate([init(x=1)])
    assert div is not None and div.kind == INITIAL and div.index == 0
    assert [d.path for d in div.differences] == ["x"]


def test_an_action_the_spec_does_not_have(engine):
    div = Validator(engine).validate([init(), ev(1, "Rewind", None, x=0, seen=seen())])
    assert div is not None and div.kind == UNKNOWN_ACTION


def test_bad_input_is_an_error_not_a_divergence(engine):
    with pytest.raises(TraceError, match="does not declare"):
        Validator(engine).validate([Step(0, "Init", {"x": 0, "y": 1})])
    v = Validator(engine)
    v.start(init())
    with pytest.raises(UserError, match="has no parameter m"):
        v.step(ev(1, "Inc", {"m": 1}, x=1, seen=seen()))
    with pytest.raises(UserError, match="lacks k"):
        v.step(ev(1, "Reset", {}, x=0, seen=seen()))


def test_tlcs_actions_may_be_named_without_their_parameters(engine):
    # TLC splits Bump into Inc(1) and Inc(2) and names both "Inc": its traces say "Inc"
    v = Validator(engine)
    v.start(init())
    assert v.step(ev(1, "Inc", None, x=2, seen=seen())) is None


def test_invariant_pieces_rechecked_only_for_changed_variables_agree_with_a_fresh_check():
    import random

    pieces = SpecEngine(Path(__file__).parent / "specs" / "Pieces.tla", {},
                        invariants=["Inv", "Fine"])
    assert len(pieces.invariant_checks()) == 5  # Inv's four conjuncts, and Fine
    rng = random.Random(7)
    v = Validator(pieces)
    state = (0, 0, 1)
    for _ in range(300):
        # change one variable or two, sometimes none; the values are small ints, shared
        # objects in Python, as a state's unchanged values are
        state = tuple(rng.randrange(4) if rng.random() < 0.4 else x for x in state)
        fresh = Validator(pieces)
        assert v.failed_invariants(state) == fresh.failed_invariants(state), state
        assert v.failed_piece == fresh.failed_piece, state


def test_unchanged_values_are_told_apart_by_type_as_tla_does():
    from conformance.validate.validator import _same, _taken
    from conformance.values import Tup
    assert _same(Fn({A: Tup([1, 2]), B: FSet([A])}), Fn({A: Tup([1, 2]), B: FSet([A])}))
    assert not _same(Fn({A: 0}), Fn({A: False}))
    assert not _same(Fn({A: Tup([1])}), Fn({A: Tup([True])}))
    assert not _same(FSet([0]), FSet([False]))
    # _taken: the state's own object when the trace's value is one TLA+ value with it; else
    # the trace's value, with the parts the two share taken as the state's objects
    have = Fn({A: Tup([1, 2]), B: FSet([A])})
    assert _taken(have, Fn({A: Tup([1, 2]), B: FSet([A])})) is have
    for other in (Fn({A: Tup([1, True]), B: FSet([A])}), Fn({A: Tup([1, 2]), B: FSet([1])}),
                  Fn({A: Tup([1, 2])}), Fn({A: Tup([1, 2]), B: FSet([A]), "c": 0})):
        got = _taken(have, other)
        assert got is not have and got == other and _same(got, other)
    part = _taken(have, Fn({A: Tup([1, 2]), B: FSet([B])}))
    assert part.map[A] is have.map[A] and part.map[B] == FSet([B])
    # a value whose parts in common are the state's objects already: itself, not a copy
    shared = Fn({A: have.map[A], B: FSet([B])})
    assert _taken(have, shared) is shared
    log = Tup([have, part])
    longer = Tup([have, part, shared])
    assert _taken(log, longer) is longer
    flags = Fn({A: 0})
    assert _taken(flags, Fn({A: False})).map[A] is False
    assert _taken(Tup([1, 2]), Tup([1, 2, 3])) == Tup([1, 2, 3])
    # a bag of records: keys Python equates, and TLA+ does not (_same leaves such
    # functions to _taken, which keeps the keys and entries that are one TLA+ value)
    have = Fn({Fn({"g": True}): 1, Fn({"g": False}): 2})
    assert not _same(have, Fn({Fn({"g": 1}): 1, Fn({"g": False}): 2}))
    assert _taken(have, Fn({Fn({"g": True}): 1, Fn({"g": False}): 2})) is have
    mixed = _taken(have, Fn({Fn({"g": 1}): 1, Fn({"g": False}): 2}))
    assert mixed is not have and mixed == have
    kinds = {type(k.map["g"]): (k, n) for k, n in mixed.map.items()}
    assert set(kinds) == {int, bool} and kinds[int][1] == 1
    assert any(k is kinds[bool][0] for k in have.map)  # the key both share: have's object
    assert _taken(have, Fn({Fn({"g": True}): True, Fn({"g": False}): 2})).map[
        Fn({"g": True})] is True
    # a bag whose keys are the state's own objects, in its order, that added a message,
    # lost one or counted one again: one TLA+ value with the trace's, the keys the state's
    k1, k2, k3 = (Fn({"m": n}) for n in (1, 2, 3))
    bag = Fn({k1: 1, k2: 1, k3: 1})
    assert _taken(bag, Fn({k1: 1, k2: 1, k3: 1})) is bag
    added = Fn({k1: 1, k2: 1, k3: 1, Fn({"m": 4}): 1})
    assert _taken(bag, added) is added  # (its keys are the state's already)
    for value in (Fn({k1: 1, k3: 1}), Fn({k2: 1, k3: 1}), Fn({k1: 1, k2: 1}),
                  Fn({k1: 1, Fn({"m": 2}): 2, k3: 1}), Fn({k3: 1, k1: 1, k2: 1}),
                  Fn({Fn({"m": 1}): 1, Fn({"m": 5}): 1})):
        got = _taken(bag, value)
        assert _same_bag(got, value), value
        assert all(k is next((h for h in bag.map if h == k), k) for k in got.map), value


class _Counted(Fn):
    """A record that counts how often Python hashes it (a record's hash is a Python call)."""

    __slots__ = ()
    hashed = 0

    def __hash__(self) -> int:
        _Counted.hashed += 1
        return super().__hash__()


def test_a_bag_that_shares_its_keys_is_walked_in_order_hashing_only_a_new_key():
    from conformance.validate.validator import _taken
    keys = [_Counted({"m": n}) for n in range(6)]
    bag = Fn({k: 1 for k in keys})
    new = _Counted({"m": 9})
    # one added in the middle, one removed, one replaced, one counted again
    for n, value in enumerate((
            Fn({**{k: 1 for k in keys[:3]}, new: 1, **{k: 1 for k in keys[3:]}}),
            Fn({**{k: 1 for k in keys[:2]}, **{k: 1 for k in keys[3:]}}),
            Fn({**{k: 1 for k in keys[:2]}, new: 1, **{k: 1 for k in keys[3:]}}),
            Fn({**{k: 1 for k in keys[:4]}, keys[4]: 2, keys[5]: 1}))):
        _Counted.hashed = 0
        got = _taken(bag, value)
        assert _Counted.hashed <= (n in (0, 2)), n  # (the new key's, once)
        assert got is value and _same_bag(got, value)
    # keys out of order, or other objects Python's equality finds in the bag: the bag's
    bag = Fn({Fn({"m": n}): 1 for n in range(6)})
    assert _taken(bag, Fn({Fn({"m": 5}): 1, **{k: 1 for k in list(bag.map)[:5]}})) is bag
    assert _taken(bag, Fn({Fn({"m": n}): 1 for n in range(6)})) is bag


def _same_bag(a, b) -> bool:
    """Two bags of records, one TLA+ value (keys matched by Python's equality, then kinds)."""
    from conformance.validate.validator import _same
    return a == b and all(_same(k, next(h for h in b.map if h == k)) and
                          _same(x, b.map[k]) for k, x in a.map.items())


# --------------------------------------------------------------------------- kinds

FLAGS = Path(__file__).parent / "specs" / "Flags.tla"


@pytest.fixture(scope="module")
def flags() -> SpecEngine:
    return SpecEngine(FLAGS, {"Server": FSet([A, B])}, invariants=["TypeOK"])


def flag_step(k: int, action: str, params: dict | None = None, up=(False, False),
              log=(), pick=False, **over) -> Step:
    state = {"up": Fn({A: up[0], B: up[1]}),
             "log": FSet(Fn({"who": w, "up": u}) for w, u in log), "pick": pick}
    state.update(over)
    return Step(k, action, state, params=params)


FLAGS_OK = [flag_step(0, "Init"),
            flag_step(1, "Raise", {"s": A}, up=(True, False), log=[(A, True)]),
            flag_step(2, "Choose", None, up=(True, False), log=[(A, True)], pick=True)]


def test_a_trace_of_the_flags_spec_conforms(flags):
    assert Validator(flags).validate(FLAGS_OK) is None


@pytest.mark.parametrize("invariants", [True, False])
@pytest.mark.parametrize("index, bad, kind, where, observed, expected", [
    # Python takes 1 for TRUE and 0 for FALSE; TLA+ (and TLC) do not
    (0, flag_step(0, "Init", up=(0, 0)), INITIAL, ["up[a]", "up[b]"], 0, False),
    (1, flag_step(1, "Raise", {"s": A}, up=(1, False), log=[(A, True)]), LED_ELSEWHERE,
     ["up[a]"], 1, True),
    # inside a record that is an element of a set: the whole set is shown
    (1, flag_step(1, "Raise", {"s": A}, up=(True, False), log=[(A, 1)]), LED_ELSEWHERE,
     ["log"], FSet([Fn({"who": A, "up": 1})]), FSet([Fn({"who": A, "up": True})])),
    # a variable the step leaves unchanged
    (2, flag_step(2, "Choose", None, up=(1, False), log=[(A, True)], pick=True),
     LED_ELSEWHERE, ["up[a]"], 1, True),
])
def test_an_integer_given_for_a_boolean_diverges_and_says_where(
        flags, invariants, index, bad, kind, where, observed, expected):
    steps = FLAGS_OK[:index] + [bad]
    div = Validator(flags, check_invariants=invariants).validate(steps)
    assert div is not None and (div.index, div.kind) == (index, kind)
    assert [d.path for d in div.differences] == where
    d = div.differences[0]
    assert (type(d.observed), type(d.expected)) == (type(observed), type(expected))
    assert d.observed == observed and d.expected == expected


def test_an_integer_for_a_boolean_names_the_assignment_that_refused_it(flags):
    steps = FLAGS_OK[:1] + [flag_step(1, "Raise", {"s": A}, up=(1, False), log=[(A, True)])]
    div = Validator(flags).validate(steps)
    assert div is not None and div.conjunct == "up' = [up EXCEPT ![s] = TRUE]"
    assert "up[a]: implementation 1, spec TRUE" in div.render()


def test_a_trace_object_met_again_is_taken_as_before_without_a_walk(flags, monkeypatch):
    """A trace that repeats its own object for a variable (a reader sharing what a step did
    not change) has it taken as the state's object without comparing it again; the same
    object after a step that changed the variable is compared, and diverges."""
    import conformance.validate.validator as validator
    up, log = Fn({A: True, B: False}), FSet([Fn({"who": A, "up": True})])
    walked: list = []
    taken = validator._taken
    monkeypatch.setattr(validator, "_taken", lambda a, b: walked.append(a) or taken(a, b))
    v = Validator(flags)
    steps = [flag_step(0, "Init"),
             Step(1, "Raise", {"up": up, "log": log, "pick": False}, params={"s": A}),
             Step(2, "Choose", {"up": up, "log": log, "pick": True}),
             Step(3, "Choose", {"up": up, "log": log, "pick": False})]
    assert v.start(steps[0]) is None and v.step(steps[1]) is None
    assert any(type(w) is Fn for w in walked) and any(type(w) is FSet for w in walked)
    del walked[:]
    assert v.step(steps[2]) is None and v.step(steps[3]) is None
    assert v.candidates[0][0] is up and v.candidates[0][1] is log
    # pick changed, from the object the state holds as the trace gave it: the trace
    # repeats its objects (up, log), so pick is the trace's, not walked either
    assert not walked and v.candidates[0][2] is False
    # up and log changed, sharing their parts with the objects the state holds: taken as
    # the trace gave them, not walked
    up2 = Fn({A: True, B: True})
    log2 = FSet([*log, Fn({"who": B, "up": True})])
    assert v.step(Step(4, "Raise", {"up": up2, "log": log2, "pick": False},
                       params={"s": B})) is None
    assert not walked and v.candidates[0][0] is up2 and v.candidates[0][1] is log2
    # a trace that gives each state afresh is walked: the state keeps its own objects
    fresh = Validator(flags)
    assert fresh.start(flag_step(0, "Init")) is None
    held = []
    for k, step in enumerate(steps[1:], 1):
        assert fresh.step(flag_step(k, step.action, step.params, up=(True, False),
                                    log=[(A, True)], pick=step.state["pick"])) is None
        held.append(fresh.candidates[0][:2])
    assert all(h[0] is held[0][0] and h[1] is held[0][1] for h in held) and walked
    # up again after Raise(b) changed it: told apart, and named
    div = Validator(flags).validate(steps[:2] + [
        Step(2, "Raise", {"up": Fn({A: True, B: True}), "log": log, "pick": False},
             params={"s": B}),
        Step(3, "Choose", {"up": up, "log": log, "pick": True})])
    assert div is not None and div.index == 2 and \
        [d.path for d in div.differences] == ["log"]
    div = Validator(flags).validate(steps[:2] + [
        Step(2, "Raise", {"up": Fn({A: True, B: True}), "log": FSet([
            Fn({"who": A, "up": True}), Fn({"who": B, "up": True})]), "pick": False},
             params={"s": B}),
        Step(3, "Choose", {"up": up, "log": log, "pick": True})])
    assert div is not None and (div.index, div.kind) == (3, LED_ELSEWHERE)
    assert sorted(d.path for d in div.differences) == ["log", "up[b]"]


def test_a_function_given_in_part_tells_an_integer_from_a_boolean(flags):
    steps = [flag_step(0, "Init"),
             Step(1, "Raise", {"up": Fn({A: 1}), "log": FSet([Fn({"who": A, "up": True})]),
                               "pick": False}, params={"s": A})]
    div = Validator(flags, partial=["up"]).validate(steps)
    assert div is not None and (div.index, div.kind) == (1, LED_ELSEWHERE)
    assert [(d.path, d.observed, type(d.expected)) for d in div.differences] == \
        [("up[a]", 1, bool)]
    assert Validator(flags, partial=["up"]).validate(
        steps[:1] + [Step(1, "Raise", {**steps[1].state, "up": Fn({A: True})},
                          params={"s": A})]) is None


# --------------------------------------------------------------------------- a bag keyed by records

FLAG_BAG = Path(__file__).parent / "specs" / "FlagBag.tla"


@pytest.fixture(scope="module")
def flag_bag() -> SpecEngine:
    return SpecEngine(FLAG_BAG, {"Server": FSet([A, B])}, invariants=["TypeOK"])


def bag_step(k: int, action: str, params: dict | None, msgs: dict, ticks: int = 0) -> Step:
    """``msgs`` maps (from, granted) to a count; each step builds its records afresh, as a
    trace read from a file does."""
    bag = make_fn({Fn({"from": s, "granted": g}): n for (s, g), n in msgs.items()})
    return Step(k, action, {"msgs": bag, "ticks": ticks}, params=params)


def _msg(s, g) -> Fn:
    return Fn({"from": s, "granted": g})


BAG_OK = [bag_step(0, "Init", None, {}),
          bag_step(1, "Send", {"s": A, "g": True}, {(A, True): 1}),
          bag_step(2, "Send", {"s": B, "g": False}, {(A, True): 1, (B, False): 1}),
          bag_step(3, "Tick", None, {(A, True): 1, (B, False): 1}, ticks=1),
          bag_step(4, "Send", {"s": A, "g": True}, {(A, True): 2, (B, False): 1}, ticks=1),
          bag_step(5, "Receive", {"m": _msg(B, False)}, {(A, True): 2}, ticks=1)]


@pytest.mark.parametrize("invariants", [True, False])
def test_a_trace_of_a_bag_keyed_by_records_conforms(flag_bag, invariants):
    assert Validator(flag_bag, check_invariants=invariants).validate(BAG_OK) is None


@pytest.mark.parametrize("invariants", [True, False])
@pytest.mark.parametrize("index, bad", [
    # a key the event changed: the new message
    (2, bag_step(2, "Send", {"s": B, "g": False}, {(A, True): 1, (B, 0): 1})),
    # a key the event left as it was (the same message, its flag now given as 1)
    (2, bag_step(2, "Send", {"s": B, "g": False}, {(A, 1): 1, (B, False): 1})),
    # a step that leaves the bag unchanged
    (3, bag_step(3, "Tick", None, {(A, 1): 1, (B, False): 1}, ticks=1)),
    # a count that changed, its key given as 1
    (4, bag_step(4, "Send", {"s": A, "g": True}, {(A, 1): 2, (B, False): 1}, ticks=1)),
])
def test_an_integer_for_a_boolean_in_a_key_of_the_bag_diverges(flag_bag, invariants, index,
                                                                bad):
    div = Validator(flag_bag, check_invariants=invariants).validate(BAG_OK[:index] + [bad])
    assert div is not None and (div.index, div.kind) == (index, LED_ELSEWHERE)
    assert [d.path for d in div.differences] == ["msgs"]


def test_the_states_of_a_bag_keep_the_key_objects_of_the_state_before(flag_bag):
    """Each key the trace repeats is taken as the state before's own object (so that checks
    remembered by identity hit), and a bag the event did not change is that state's bag."""
    v = Validator(flag_bag)
    assert v.start(BAG_OK[0]) is None
    for step in BAG_OK[1:5]:
        before = v.candidates[0][0]
        assert v.step(step) is None
        after = v.candidates[0][0]
        assert after == step.state["msgs"]
        if step.action == "Tick":
            assert after is before
        if type(before) is Fn:  # (the empty bag is <<>>)
            kept = {id(k) for k in before.map}
            assert all(id(k) in kept for k in after.map if k in before.map)
            assert len(after.map) > 1 and any(id(k) in kept for k in after.map)
