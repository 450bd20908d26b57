"""The step API that conformance validation builds on."""

import pytest

from conformance.errors import UserError
from conformance.tla import load_model
from conformance.values import FSet, ModelValue, record

s1, s2, Nil = ModelValue("s1"), ModelValue("s2"), ModelValue("Nil")


@pytest.fixture
def vote(specdir):
    return load_model(specdir / "Vote.tla", constants={"Server": FSet({s1, s2}), "Nil": Nil})


def after_timeout(m):
    (s,) = m.initial_states()
    (t,) = m.successors(s, "Timeout", {"i": s1})
    return s, t


def test_initial_states_and_parameterized_successors(vote):
    s, t = after_timeout(vote)
    assert t["term"][s1] == 1 and t["votedFor"][s1] is s1
    assert t["msgs"] == FSet({record(type="req", **{"from": s1}, term=1)})
    assert vote.action_params("HandleRequestVote") == ["i", "j", "m"]


def test_a_step_of_the_spec_is_accepted(vote):
    _, t = after_timeout(vote)
    (m,) = t["msgs"]
    (u,) = vote.successors(t, "HandleRequestVote", {"i": s2, "j": s1, "m": m})
    r = vote.check_step(t, "HandleRequestVote", {"i": s2, "j": s1, "m": m}, u)
    assert r.ok and r.matches == [u]


def test_a_disabled_action_names_the_false_conjunct(vote):
    s, _ = after_timeout(vote)
    m = record(type="req", **{"from": s1}, term=1)
    r = vote.check_step(s, "HandleRequestVote", {"i": s2, "j": s1, "m": m}, s)
    assert not r.ok and not r.enabled
    assert r.failure.text == "m \\in msgs"
    assert (r.failure.position.line, r.failure.position.column) == (16, 8)
    assert "not enabled" in r.explain()


def test_a_step_leading_elsewhere_gets_a_per_variable_diff(vote):
    _, t = after_timeout(vote)
    (m,) = t["msgs"]
    (u,) = vote.successors(t, "HandleRequestVote", {"i": s2, "j": s1, "m": m})
    wrong = dict(u)
    wrong["term"] = t["term"]  # the implementation forgot to adopt the term
    r = vote.check_step(t, "HandleRequestVote", {"i": s2, "j": s1, "m": m}, wrong)
    assert not r.ok and r.enabled
    assert set(r.diff) == {"term"}
    assert r.diff["term"] == (u["term"], t["term"])
    assert r.nearest == u


def test_partial_next_states_leave_variables_free(vote):
    s, t = after_timeout(vote)
    r = vote.check_step(s, "Timeout", {"i": s1}, {"term": t["term"]})
    assert r.ok and r.matches == [t]
    r = vote.check_step(s, "Next", {}, {"votedFor": t["votedFor"]})
    assert r.ok and r.matches == [t]


def test_invariants_and_definitions_on_a_state(vote):
    s, t = after_timeout(vote)
    assert vote.check_invariants(t) == {"OneVote": True}
    bad = dict(t, votedFor=t["votedFor"].except_(s1, 42))
    assert vote.check_invariants(bad) == {"OneVote": False}
    assert vote.evaluate("OneVote", t) is True


def test_bad_calls_are_user_errors(vote):
    s, _ = after_timeout(vote)
    with pytest.raises(UserError, match="takes i"):
        vote.successors(s, "Timeout", {})
    with pytest.raises(UserError, match="no action named"):
        vote.successors(s, "Nope")
    with pytest.raises(UserError, match="lacks the variable"):
        vote.successors({"term": s["term"]}, "Timeout", {"i": s1})
    with pytest.raises(UserError, match="not a variable"):
        vote.check_step(s, "Timeout", {"i": s1}, {"nope": 1})


def test_python_values_are_accepted_as_tla_values(vote):
    s, t = after_timeout(vote)
    as_python = {"term": {s1: 1, s2: 0}, "votedFor": {s1: s1, s2: Nil},
                 "msgs": {record(type="req", **{"from": s1}, term=1)}}
    assert vote.check_step(s, "Timeout", {"i": s1}, as_python).ok


def test_a_false_disjunction_is_named_whole_not_by_its_first_disjunct(tla):
    path = tla.spec("VARIABLE x\nInit == x = 0\nFree(v) == v = 7 \\/ v > 3\n"
                    "Step == /\\ x < 5\n        /\\ Free(x)\n        /\\ x' = x + 1\n"
                    "Deeper == \\/ x = 9 /\\ x' = 1\n          \\/ x' = x + 1 /\\ x' > 2\n"
                    "Next == Step \\/ Deeper\n", cfg="INIT Init\nNEXT Next\n")
    m = load_model(path)
    (s,) = m.initial_states()
    r = m.check_step(s, "Step", {}, {"x": 1})
    assert not r.enabled and r.failure.text == "v = 7 \\/ v > 3"
    # a disjunct that got further than the others is still the better explanation
    r = m.check_step(s, "Deeper", {}, {"x": 1})
    assert not r.enabled and r.failure.text == "x' > 2"
