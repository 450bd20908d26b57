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
    assert [describe(d) for d in diffs] == [
        "msgs[RequestVoteResponse s1->s2, term 2].granted: implementation TRUE, spec FALSE"]


S3 = ModelValue("s3")


def ack(match: int, term: int = 1, source=S3, dest=S1) -> Fn:
    return record(type="AppendEntriesResponse", term=term, source=source, dest=dest,
                  success=True, matchIndex=match, ctx=0)


def test_an_over_acknowledgment_names_the_field_of_the_message_in_the_bag():
    """The issue's example: two acknowledgments that look alike up to the one field."""
    (d,) = diff_values("msgs", Fn({ack(2): 1, ack(1, source=S2): 1}),
                       Fn({ack(1): 1, ack(1, source=S2): 1}))
    assert describe(d) == ("msgs[AppendEntriesResponse s3->s1, term 1].matchIndex: "
                           "implementation 2, spec 1")


def test_a_wrong_copy_of_a_message_already_in_flight_is_paired_with_the_one_it_replaced():
    """The follower had acknowledged 2 before; a stale request is acknowledged with 2 again
    where the spec acknowledges 1: the bag differs in counts, and one field says why."""
    (d,) = diff_values("msgs", Fn({ack(2): 2}), Fn({ack(2): 1, ack(1): 1}))
    assert describe(d) == ("msgs[AppendEntriesResponse s3->s1, term 1].matchIndex: "
                           "implementation 2, spec 1")


def test_an_empty_bag_is_compared_as_a_bag():
    (d,) = diff_values("msgs", Tup(), Fn({ack(1): 1}))
    assert describe(d).startswith("msgs: the implementation lacks [AppendEntriesResponse")


def test_a_field_that_is_part_of_the_name_is_left_out_of_the_name():
    (d,) = diff_values("msgs", Fn({ack(1, term=1): 1}), Fn({ack(1, term=2): 1}))
    assert describe(d) == "msgs[AppendEntriesResponse s3->s1].term: implementation 1, spec 2"


def test_messages_sharing_a_name_are_told_apart_by_the_field_that_differs_between_them():
    a, b = ack(1), ack(3)
    (d,) = diff_values("msgs", Fn({a: 1, b: 1}), Fn({a: 1, b: 2}))
    assert d.path == "msgs[AppendEntriesResponse s3->s1, term 1, matchIndex 3]"
    assert describe(d).endswith(": implementation 1 copy, spec 2 copies")


def test_a_message_on_one_side_only_is_written_out_whole():
    (d,) = diff_values("msgs", Fn({ack(1): 1}), Fn({ack(1): 1, ack(2, source=S2): 2}))
    assert describe(d) == ("msgs: the implementation lacks 2 copies of [AppendEntriesResponse "
                           "s2->s1, term 1, success TRUE, matchIndex 2, ctx 0]")


def test_the_same_difference_in_every_copy_of_a_broadcast_is_said_once():
    def accept(dest, val):
        return record(type="Accept", bal=1, val=val, source=S1, dest=dest)
    ours = {"msgs": Fn({accept(S2, "a"): 1, accept(S3, "a"): 1})}
    spec = {"msgs": Fn({accept(S2, "b"): 1, accept(S3, "b"): 1})}
    (d,) = diff_states(ours, spec)
    assert describe(d) == 'msgs[Accept s1->{s2, s3}, bal 1].val: implementation "a", spec "b"'


def test_a_record_in_a_set_is_paired_like_one_in_a_bag():
    sent = record(type="Vote", term=1, source=S1, dest=S2, granted=True, why="ok")
    spec = record(type="Vote", term=1, source=S1, dest=S2, granted=False, why="ok")
    (d,) = diff_values("msgs", FSet([sent]), FSet([spec]))
    assert describe(d) == "msgs[Vote s1->s2, term 1].granted: implementation TRUE, spec FALSE"


def test_a_field_of_an_entry_inside_a_message_is_named():
    def append(value):
        return record(type="AppendEntriesRequest", term=1, source=S1, dest=S2,
                      entries=Tup([entry(1), record(term=1, kind="Value", value=value)]))
    (d,) = diff_values("msgs", Fn({append("x"): 1}), Fn({append("y"): 1}))
    assert describe(d) == ('msgs[AppendEntriesRequest s1->s2, term 1].entries[2].value: '
                           'implementation "x", spec "y"')


def test_unrelated_messages_are_reported_as_present_on_one_side():
    a = record(type="X", term=1, source=S1, dest=S2)
    b = record(type="Y", term=5, source=S2, dest=S1)
    diffs = diff_values("msgs", Fn({a: 1}), Fn({b: 1}))
    assert sorted(describe(d) for d in diffs) == [
        "msgs: the implementation has [X s1->s2, term 1] extra",
        "msgs: the implementation lacks [Y s2->s1, term 5]"]


def test_states_compare_only_the_variables_the_observation_gives():
    diffs = diff_states({"x": 1}, {"x": 2, "ghost": 7})
    assert [d.path for d in diffs] == ["x"]
