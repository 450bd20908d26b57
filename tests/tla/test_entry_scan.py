"""``{k \\in 1..Len(lg) : lg[k].kind = "Config"}`` over a sequence that grows (Raft's
ConfigOf on a log): the filter's elements are read past the entries it read in the last
sequence when the new one holds those very entries (compile/sets._Scanned). Values, and the
errors of an entry that is no record with that field, are those of testing every index."""

import pytest

from conformance.tla.compile import sets
from conformance.tla.errors import EvalError
from conformance.tla.model import load
from conformance.tla.steps import StepModel
from conformance.values import Fn, FSet, Tup, record

SPEC = """
VARIABLE lg
Configs == {k \\in 1..Len(lg) : lg[k].kind = "Config"}
Last == LET at == Configs IN IF at = {} THEN 0 ELSE CHOOSE k \\in at : \\A j \\in at : j <= k
Upto2 == {k \\in 1..2 : lg[k].kind = "Config"}
HasFirst == 1 \\in Configs
"""


@pytest.fixture
def steps(tmp_path):
    path = tmp_path / "Scan.tla"
    path.write_text(f"---- MODULE Scan ----\nEXTENDS Naturals, Sequences\n{SPEC}\n====\n")
    return StepModel(load(path, None, need_behavior=False))


READS: list[int] = []  # the terms of the entries the scan read, in order


class _Fields(dict):
    def get(self, key, default=None):
        READS.append(self["term"])
        return super().get(key, default)


@pytest.fixture
def read_from(monkeypatch):
    """For each scan: how many entries it read (-1: it gave up, the predicate decides)."""
    out: list[int] = []
    hits = sets._Scanned.hits

    def spy(self, *args):
        READS.clear()
        got = hits(self, *args)
        out.append(len(READS) if got is not None else -1)
        return got
    monkeypatch.setattr(sets._Scanned, "hits", spy)
    return out


def entry(kind, term=1):
    return Fn(_Fields(term=term, kind=kind))


def test_a_growing_log_is_read_in_what_it_added(steps, read_from):
    log = [entry("NoOp"), entry("Config"), entry("Value")]
    assert steps.evaluate("Configs", {"lg": Tup(log)}) == FSet({2})
    grown = log + [entry("Value"), entry("Config", 2)]
    assert steps.evaluate("Configs", {"lg": Tup(grown)}) == FSet({2, 5})
    assert steps.evaluate("Last", {"lg": Tup(grown)}) == 5
    assert read_from[:2] == [3, 2]  # the grown log: its two new entries
    # another log (not the same entries): read from its start
    other = [entry("Config"), entry("Value")]
    assert steps.evaluate("Configs", {"lg": Tup(other)}) == FSet({1})
    assert steps.evaluate("Upto2", {"lg": Tup(other)}) == FSet({1})
    assert steps.evaluate("Configs", {"lg": Tup()}) == FSet()
    assert steps.evaluate("Last", {"lg": Tup()}) == 0


def test_membership_stays_lazy(steps, read_from):
    # 1 \in Configs tests entry 1 alone: entry 2, no record, is never read (TLC: no error)
    assert steps.evaluate("HasFirst", {"lg": Tup([entry("Config"), 7])}) is True
    assert read_from == []


@pytest.mark.parametrize("log, value", [
    ([entry("Config"), record(term=1, kind=True)], None),  # a kind of another kind
    ([entry("Config"), record(term=1, other="Config")], "nonexistent field"),
    ([entry("Config"), 7], "non-record value:\n7"),
])
def test_entries_that_are_not_records_of_that_field_are_tested_as_written(steps, log, value):
    if value is None:
        with pytest.raises(EvalError):  # TLC: comparing a boolean with a string
            steps.evaluate("Last", {"lg": Tup(log)})
        return
    with pytest.raises(EvalError, match=value):
        steps.evaluate("Last", {"lg": Tup(log)})


def test_another_log_sharing_entries_is_read_past_them(steps, read_from):
    shared = [entry("NoOp"), entry("Config"), entry("Value")]
    mine = shared + [entry("Value"), entry("Config", 2)]
    theirs = shared + [entry("Config", 3)]  # another server's log: the same first three
    assert steps.evaluate("Last", {"lg": Tup(mine)}) == 5
    assert steps.evaluate("Last", {"lg": Tup(theirs)}) == 4
    assert steps.evaluate("Last", {"lg": Tup(mine)}) == 5
    assert read_from == [5, 1, 2]  # each read past the three entries they share
