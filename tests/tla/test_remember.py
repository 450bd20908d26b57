"""Checks remembered by the variables they read (conformance.tla.remember)."""

from conformance.tla.remember import Remembered


def _monotonic(E):
    """x' >= x, or else (rarely) a branch that reads every variable of both states, as
    Raft's MonotonicCommitIndex reads Restart(i) only when a commit index went down."""
    s, t = E[0], E[1]
    evaluated.append(1)
    if t[0] >= s[0]:
        return True
    return (s[1], s[2]) == (t[1], t[2])


evaluated: list = []


def test_a_rare_evaluation_that_reads_everything_keeps_the_memory_of_the_common_one():
    evaluated.clear()
    r = Remembered(_monotonic, trial=10**6)
    assert r(((1, "a", "p"), (2, "a", "p"))) is True
    assert r(((2, "a", "p"), (1, "b", "p"))) is False  # reads everything: not remembered
    assert r(((2, "a", "p"), (1, "a", "p"))) is True
    assert not r.off and r.now == (0,) and r.nxt == (0,)
    assert len(evaluated) == 3
    # x alone again: the first call's result, whatever the other variables hold
    assert r(((1, "c", "q"), (2, "d", "r"))) is True
    assert len(evaluated) == 3
    # the whole-state branch is evaluated each time, with its own answer
    assert r(((3, "a", "p"), (1, "a", "q"))) is False
    assert r(((3, "a", "p"), (1, "a", "p"))) is True
    assert len(evaluated) == 5


def test_a_check_whose_first_evaluation_reads_everything_is_not_remembered():
    evaluated.clear()
    r = Remembered(_monotonic, trial=10**6)
    assert r(((2, "a", "p"), (1, "a", "p"))) is True
    assert r.off
    assert r(((2, "a", "p"), (1, "a", "p"))) is True and len(evaluated) == 2
