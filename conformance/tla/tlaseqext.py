"""SequencesExt additions (temporary home until the builtins split lands)."""

from __future__ import annotations

from conformance.tla.builtins import Native, _fail_arg, _ppr, _seq, _truth
from conformance.tla.errors import EvalError


def _bounds(s, f, t, op: str):
    seq = _seq(s, op)
    if type(f) is not int:
        raise _fail_arg("second", op, "natural", f)
    if type(t) is not int:
        raise _fail_arg("third", op, "natural", t)
    if f > t:
        return seq, None
    for which, v in (("second", f), ("third", t)):
        if v < 1 or v > len(seq):
            raise EvalError(f"The {which} argument of {op} must be in the domain of its "
                            f"first argument:\n{_ppr(seq)}\n, but instead it is\n{_ppr(v)}")
    return seq, range(f, t + 1)


def select_in_subseq(s, f, t, test):
    """The first index i in f..t (of the whole sequence, as TLC's override counts) whose
    element passes the test, else 0."""
    seq, idx = _bounds(s, f, t, "SelectInSubSeq")
    for i in idx or ():
        if _truth(test(seq[i - 1]), "SelectInSubSeq"):
            return i
    return 0


def select_last_in_subseq(s, f, t, test):
    seq, idx = _bounds(s, f, t, "SelectLastInSubSeq")
    for i in reversed(idx or range(0)):
        if _truth(test(seq[i - 1]), "SelectLastInSubSeq"):
            return i
    return 0


MODULES: dict[str, dict[str, Native]] = {
    "SequencesExt": {
        "SelectInSubSeq": Native(4, select_in_subseq, op_args=(3,)),
        "SelectLastInSubSeq": Native(4, select_last_in_subseq, op_args=(3,)),
    },
}
