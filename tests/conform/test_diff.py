"""Readable differences between two spec states: only the sub-values that differ."""

from __future__ import annotations

from conformance.validate.diff import MISSING, describe, diff_states, diff_values
from conformance.values import Fn, FSet, ModelValue, Tup, record

S1, S2 = ModelValue("s1"), ModelValue("s2")


def entry(term: int) -> Fn:
    return record(term=term, kind="Value", value=ModelValue("v1"))


def test_equal_values_have_no_differences():
    log = Fn({S1: Tup([entry(1)]), S2: Tup()})
    assert diff_values("log", log, log) == []


def test_a_deep_difference_is_reported_at_its_path_only():
    a = Fn({S1: Tup([entry(1), entry(2)]), S2: Tup([entry(1)])})
    b = Fn({S1: Tup([entry(1), entry(3)]), S2: Tup([entry(1)])})
    (d,) = diff_values("log", a, b)
    assert (d.path, d.observed, d.expected) == ("log[s1][2].term", 2, 3)
    assert describe(d) == "log[s1][2].term: implementation 2, spec 3"


def test_sequences_of_different_lengths_show_the_extra_entries():
    (d,) = diff_values("log", Tup([entry(1)]), Tup([entry(1), entry(2)]))
    assert d.path == "log[2]" and d.observed is MISSING and d.expected == entry(2)
    assert "(absent)" in describe(d)


def test_sets_show_what_is_extra_and_what_is_lacking():
    (d,) = diff_values("votes", FSet([S1]), FSet([S2]))
    assert describe(d) == "votes: the implementation has {s1} extra and lacks {s2}"


def test_a_message_differing_in_one_field_is_paired_with_its_twin():
    sent = record(type="RequestVoteResponse", term=2, source=S1, dest=S2, granted=True)
    spec = record(type="RequestVoteResponse", term=2, source=S1, dest=S2, granted=False)
    other = record(type="AppendEntriesRequest", term=2, source=S2, dest=S1, entries=Tup())
    diffs = diff_values("msgs", Fn({sent: 1, other: 1}), Fn({spec: 1, other: 1}))
    assert len(diffs) == 1
    assert diffs[0].path.endswith("(key).granted")
    assert (diffs[0].observed, diffs[0].expected) == (True, False)


def test_unrelated_messages_are_reported_as_present_on_one_side():
    a = record(type="X", term=1, source=S1, dest=S2)
    b = record(type="Y", term=5, source=S2, dest=S1)
    diffs = diff_values("msgs", Fn({a: 1}), Fn({b: 1}))
    assert sorted((d.observed is MISSING, d.expected is MISSING) for d in diffs) == \
        [(False, True), (True, False)]


def test_states_compare_only_the_variables_the_observation_gives():
    diffs = diff_states({"x": 1}, {"x": 2, "ghost": 7})
    assert [d.path for d in diffs] == ["x"]
