"""Sequences and the community module SequencesExt."""

from __future__ import annotations

import itertools

from conformance.tla.builtins.native import (
    Native,
    as_seq,
    fail_arg,
    fn_graph,
    need_int,
    op,
    ppr,
    truth,
)
from conformance.tla.builtins.tlc import sort_seq
from conformance.tla.errors import EvalError
from conformance.tla.lazy import Interval, SeqSet, as_fset, ordered
from conformance.values import FSet, Tup

# --------------------------------------------------------------------------- Sequences




def seq_len(s):
    if type(s) is Tup:
        return len(s)
    if type(s) is str:
        return len(s)
    return len(as_seq(s, "Len"))


def concat(a, b):
    if type(a) is str:
        if type(b) is not str:
            raise EvalError("Evaluating an expression of the form t \\o s when s is not a "
                            f"string:\n{ppr(b)}")
        return a + b
    if type(a) is not Tup:
        a = _seq_or_fail(a, "s \\o t")
    if type(b) is not Tup:
        b = _seq_or_fail(b, "t \\o s")
    return Tup(a + b)


def _seq_or_fail(v, form):
    try:
        return as_seq(v, form)
    except EvalError:
        raise EvalError(f"Evaluating an expression of the form {form} when s is not a "
                        f"sequence:\n{ppr(v)}")


def append(s, e):
    if type(s) is not Tup:
        s = _seq_or_fail(s, "Append(s, v)")
    return Tup(s + (e,))


def head(s):
    if type(s) is not Tup:
        if type(s) is str:
            if not s:
                raise EvalError("Attempted to apply Head to the empty sequence.")
            return s[0]
        s = as_seq(s, "Head")
    if not s:
        raise EvalError("Attempted to apply Head to the empty sequence.")
    return s[0]


def tail(s):
    if type(s) is not Tup:
        if type(s) is str:
            if not s:
                raise EvalError("Attempted to apply Tail to the empty sequence.")
            return s[1:]
        s = as_seq(s, "Tail")
    if not s:
        raise EvalError("Attempted to apply Tail to the empty sequence.")
    return Tup(s[1:])


def subseq(s, m, n):
    need_int(m, "second", "SubSeq")
    need_int(n, "third", "SubSeq")
    if type(s) is str:
        if m > n:
            return ""
        if m < 1 or n > len(s):
            raise EvalError(f"The second argument of SubSeq must be in the domain of its first "
                            f"argument:\n{ppr(s)}\n, but instead it is\n{m}")
        return s[m - 1:n]
    s = as_seq(s, "SubSeq")
    if m > n:
        return Tup()
    if m < 1 or m > len(s):
        raise EvalError(f"The second argument of SubSeq must be in the domain of its first "
                        f"argument:\n{ppr(s)}\n, but instead it is\n{m}")
    if n > len(s):
        raise EvalError(f"The third argument of SubSeq must be in the domain of its first "
                        f"argument:\n{ppr(s)}\n, but instead it is\n{n}")
    return Tup(s[m - 1:n])


def select_seq(s, test):
    s = as_seq(s, "SelectSeq")
    out = []
    for x in s:
        r = test(x)
        if type(r) is not bool:
            raise EvalError("The second argument of SelectSeq should be a boolean-valued "
                            f"operator, but it returned:\n{ppr(r)}")
        if r:
            out.append(x)
    return Tup(out)



# --------------------------------------------------------------------------- SequencesExt


def set_to_seq(s):
    return Tup(ordered(as_fset(s)))


def set_to_sort_seq(s, lt):
    return sort_seq(set_to_seq(s), lt)


def to_set(s):
    if type(s) is Tup:
        return FSet(s)
    return FSet(fn_graph(s, "ToSet").values())


def reverse(s):
    return Tup(reversed(as_seq(s, "Reverse")))


def seq_remove(s, e):
    return Tup(x for x in as_seq(s, "Remove") if x != e)


def replace_all(s, old, new):
    return Tup(new if x == old else x for x in as_seq(s, "ReplaceAll"))


def insert_at(s, i, e):
    s = as_seq(s, "InsertAt")
    return Tup(s[:i - 1] + (e,) + s[i - 1:])


def remove_at(s, i):
    s = as_seq(s, "RemoveAt")
    return Tup(s[:i - 1] + s[i:])


def replace_at(s, i, e):
    s = as_seq(s, "ReplaceAt")
    return Tup(s[:i - 1] + (e,) + s[i:])


def cons(e, s):
    return Tup((e,) + as_seq(s, "Cons"))


def front(s):
    s = as_seq(s, "Front")
    if not s:
        raise EvalError("Attempted to apply Front to the empty sequence.")
    return Tup(s[:-1])


def last(s):
    s = as_seq(s, "Last")
    if not s:
        raise EvalError("Attempted to apply Last to the empty sequence.")
    return s[-1]


def is_prefix(s, t):
    s, t = as_seq(s, "IsPrefix"), as_seq(t, "IsPrefix")
    return len(s) <= len(t) and t[:len(s)] == s


def is_strict_prefix(s, t):
    return is_prefix(s, t) and len(as_seq(s, "IsStrictPrefix")) < len(as_seq(t, "IsStrictPrefix"))


def is_suffix(s, t):
    s, t = as_seq(s, "IsSuffix"), as_seq(t, "IsSuffix")
    return len(s) <= len(t) and (not s or t[len(t) - len(s):] == s)


def is_strict_suffix(s, t):
    return is_suffix(s, t) and len(as_seq(s, "IsStrictSuffix")) < len(as_seq(t, "IsStrictSuffix"))


def contains(s, e):
    return e in as_seq(s, "Contains")


def indices(s):
    return Interval(1, len(as_seq(s, "Indices")))


def fold_left(op, base, s):
    acc = base
    for x in as_seq(s, "FoldLeft"):
        acc = op(acc, x)
    return acc


def fold_right(op, s, base):
    acc = base
    for x in reversed(as_seq(s, "FoldRight")):
        acc = op(x, acc)
    return acc


def fold_seq(op, base, s):
    acc = base
    for x in reversed(as_seq(s, "FoldSeq")):
        acc = op(x, acc)
    return acc


def flatten_seq(ss):
    out: list = []
    for s in as_seq(ss, "FlattenSeq"):
        out.extend(as_seq(s, "FlattenSeq"))
    return Tup(out)


def zip_seqs(s, t):
    s, t = as_seq(s, "Zip"), as_seq(t, "Zip")
    return Tup(Tup(p) for p in zip(s, t, strict=False))


def bounded_seq(s, n):
    elems = ordered(as_fset(s))
    out = []
    for k in range(n + 1):
        for combo in itertools.product(elems, repeat=k):
            out.append(Tup(combo))
    return FSet(out)


def seq_of(s, n):
    return bounded_seq(s, n)


def tuple_of(s, n):
    elems = ordered(as_fset(s))
    return FSet(Tup(c) for c in itertools.product(elems, repeat=n))


def select_in_seq(s, test):
    for i, x in enumerate(as_seq(s, "SelectInSeq")):
        if truth(test(x), "SelectInSeq"):
            return i + 1
    return 0


def select_last_in_seq(s, test):
    seq = as_seq(s, "SelectLastInSeq")
    for i in range(len(seq) - 1, -1, -1):
        if truth(test(seq[i]), "SelectLastInSeq"):
            return i + 1
    return 0


def _bounds(s, f, t, op: str):
    seq = as_seq(s, op)
    if type(f) is not int:
        raise fail_arg("second", op, "natural", f)
    if type(t) is not int:
        raise fail_arg("third", op, "natural", t)
    if f > t:
        return seq, None
    for which, v in (("second", f), ("third", t)):
        if v < 1 or v > len(seq):
            raise EvalError(f"The {which} argument of {op} must be in the domain of its "
                            f"first argument:\n{ppr(seq)}\n, but instead it is\n{ppr(v)}")
    return seq, range(f, t + 1)


def select_in_subseq(s, f, t, test):
    """The first index i in f..t (of the whole sequence, as TLC's override counts) whose
    element passes the test, else 0."""
    seq, idx = _bounds(s, f, t, "SelectInSubSeq")
    for i in idx or ():
        if truth(test(seq[i - 1]), "SelectInSubSeq"):
            return i
    return 0


def select_last_in_subseq(s, f, t, test):
    seq, idx = _bounds(s, f, t, "SelectLastInSubSeq")
    for i in reversed(idx or range(0)):
        if truth(test(seq[i - 1]), "SelectLastInSubSeq"):
            return i
    return 0


def prefixes(s):
    s = as_seq(s, "Prefixes")
    return FSet(Tup(s[:i]) for i in range(len(s) + 1))


def suffixes(s):
    s = as_seq(s, "Suffixes")
    return FSet(Tup(s[i:]) for i in range(len(s) + 1))


def subseqs_all(s):
    s = as_seq(s, "AllSubSeqs")
    out = set()
    for mask in itertools.product((False, True), repeat=len(s)):
        out.add(Tup(x for x, keep in zip(s, mask, strict=True) if keep))
    return FSet(out)


def longest_common_prefix(ss):
    seqs = [as_seq(s, "LongestCommonPrefix") for s in as_fset(ss)]
    if not seqs:
        return Tup()
    n = min(len(s) for s in seqs)
    i = 0
    while i < n and all(s[i] == seqs[0][i] for s in seqs):
        i += 1
    return Tup(seqs[0][:i])


def snoc(s, e):
    return Tup(as_seq(s, "Snoc") + (e,))


def remove_first(s, e):
    s = as_seq(s, "RemoveFirst")
    for i, x in enumerate(s):
        if x == e:
            return Tup(s[:i] + s[i + 1:])
    return s


def remove_first_match(s, test):
    s = as_seq(s, "RemoveFirstMatch")
    for i, x in enumerate(s):
        if truth(test(x), "RemoveFirstMatch"):
            return Tup(s[:i] + s[i + 1:])
    return s


def set_to_seqs(s):
    elems = ordered(as_fset(s))
    return FSet(Tup(p) for p in itertools.permutations(elems))


def seq_mod(a, b):
    return b if a % b == 0 else a % b


MODULES: dict[str, dict[str, Native]] = {
    "Sequences": {
        "Seq": op(1, SeqSet), "Len": op(1, seq_len), "\\o": op(2, concat),
        "Append": op(2, append), "Head": op(1, head), "Tail": op(1, tail),
        "SubSeq": op(3, subseq), "SelectSeq": op(2, select_seq, op_args=(1,)),
    },
    "SequencesExt": {
        "SetToSeq": op(1, set_to_seq), "SetToSortSeq": op(2, set_to_sort_seq, op_args=(1,)),
        "ToSet": op(1, to_set), "Reverse": op(1, reverse), "Remove": op(2, seq_remove),
        "ReplaceAll": op(3, replace_all), "InsertAt": op(3, insert_at),
        "RemoveAt": op(2, remove_at), "ReplaceAt": op(3, replace_at), "Cons": op(2, cons),
        "Front": op(1, front), "Last": op(1, last), "IsPrefix": op(2, is_prefix),
        "IsStrictPrefix": op(2, is_strict_prefix), "IsSuffix": op(2, is_suffix),
        "IsStrictSuffix": op(2, is_strict_suffix), "Contains": op(2, contains),
        "Indices": op(1, indices), "FoldLeft": op(3, fold_left, op_args=(0,)),
        "FoldRight": op(3, fold_right, op_args=(0,)), "FoldSeq": op(3, fold_seq, op_args=(0,)),
        "FlattenSeq": op(1, flatten_seq), "Zip": op(2, zip_seqs),
        "BoundedSeq": op(2, bounded_seq), "SeqOf": op(2, seq_of), "TupleOf": op(2, tuple_of),
        "SelectInSeq": op(2, select_in_seq, op_args=(1,)),
        "SelectLastInSeq": op(2, select_last_in_seq, op_args=(1,)),
        "SelectInSubSeq": op(4, select_in_subseq, op_args=(3,)),
        "SelectLastInSubSeq": op(4, select_last_in_subseq, op_args=(3,)),
        "Prefixes": op(1, prefixes), "Suffixes": op(1, suffixes),
        "AllSubSeqs": op(1, subseqs_all), "LongestCommonPrefix": op(1, longest_common_prefix),
        "Snoc": op(2, snoc), "RemoveFirst": op(2, remove_first),
        "RemoveFirstMatch": op(2, remove_first_match, op_args=(1,)),
        "SetToSeqs": op(1, set_to_seqs), "SetToAllKPermutations": op(1, set_to_seqs),
        "SeqMod": op(2, seq_mod),
        "FoldLeftDomain": op(3, lambda op, base, s: fold_left(
            op, base, Tup(range(1, len(as_seq(s, "FoldLeftDomain")) + 1))), op_args=(0,)),
        "FoldRightDomain": op(3, lambda op, s, base: fold_right(
            op, Tup(range(1, len(as_seq(s, "FoldRightDomain")) + 1)), base), op_args=(0,)),
    },
}
