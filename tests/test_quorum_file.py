"""Quorum-system files: what a user writes becomes the QuorumSystem the nodes run, and every
mistake is one message at the right file, line and column."""

from pathlib import Path

import pytest

from conformance.errors import UserError
from conformance.smt.system_file import load_systems, parse_systems
from impl.quorum import AnyOf, Threshold

ROOT = Path(__file__).resolve().parent.parent


def test_the_example_file_loads():
    systems = {s.name: s for s in load_systems(ROOT / "specs" / "quorums.toml")}
    assert set(systems) == {"flexible-6", "weighted-5", "grid-3x3"}
    flex = systems["flexible-6"].system
    assert flex.phase1_rule.at_least == 4 and flex.phase2_rule.at_least == 3
    weighted = systems["weighted-5"].system
    assert weighted.phase1_rule == weighted.phase2_rule == Threshold(
        (("a1", 3), ("a2", 1), ("a3", 1), ("a4", 1), ("a5", 1)), 4)
    assert isinstance(systems["grid-3x3"].system.phase1_rule, AnyOf)
    header = (ROOT / "specs" / "quorums.toml").read_text().splitlines().index("[system.grid-3x3]")
    assert systems["grid-3x3"].position.line == header + 1


def test_rules_behave_as_written():
    (named,) = parse_systems('[system.w]\nacceptors = { a = 2, b = 1, c = 0 }\n'
                             'phase1 = "majority"\nphase2 = [["b"], ["a"]]\n', "f.toml")
    s = named.system
    assert s.phase1({"a", "c"}.__contains__) and not s.phase1({"b", "c"}.__contains__)
    assert s.phase2({"b"}.__contains__) and not s.phase2({"c"}.__contains__)
    assert named.describe() == "w: phase 1 weight >= 2 of 3; phase 2 {b} | {a}"


@pytest.mark.parametrize("text, line, column, words", [
    ('[system.x]\nacceptors = ["a", "b"\n', 2, 22, "not valid TOML"),
    ('[system.x]\nacceptors = ["a"]\nquorum = 1\n[system.x]\n', 4, 10, "not valid TOML"),
    ('', 1, 1, "no quorum systems"),
    ('name = "x"\n', 1, 1, "unknown top-level key 'name'"),
    ('[system.x]\nacceptors = ["a"]\nquorom = 1\n', 3, 1, "unknown key 'quorom'"),
    ('[system.x]\nquorum = 1\n', 1, 1, "has no acceptors"),
    ('[system.x]\nacceptors = []\nquorum = 1\n', 2, 1, "has no acceptors"),
    ('[system.x]\nacceptors = ["a", "b", "a"]\nquorum = 1\n', 2, 24, "listed twice"),
    ('[system.x]\nacceptors = { a = 1, b = -2 }\nquorum = 1\n', 2, 22, "non-negative"),
    ('[system.x]\nacceptors = { a = 0 }\nquorum = 1\n', 2, 1, "no acceptor has a vote"),
    ('[system.x]\nacceptors = ["a", "b"]\nquorum = 3\n', 3, 1, "between 1 and 2"),
    ('[system.x]\nacceptors = ["a", "b"]\nquorum = "most"\n', 3, 1, "is not a rule"),
    ('[system.x]\nacceptors = ["a", "b"]\nphase1 = 1\n', 1, 1, "no phase2 rule"),
    ('[system.x]\nacceptors = ["a", "b"]\n', 1, 1, "no quorum rule"),
    ('[system.x]\nacceptors = ["a", "b"]\nquorum = 1\nphase1 = 2\n', 4, 1, "not both"),
    ('[system.x]\nacceptors = ["a", "b"]\nphase1 = 1\nphase2 = [\n  ["a"],\n  ["b", "z"],\n]\n',
     6, 9, "names 'z', which is not an acceptor"),
    ('[system.x]\nacceptors = ["a"]\nquorum = [[]]\n', 3, 1, "non-empty list"),
    ('[system]\nx = 3\n', 2, 1, "must be a table"),
    ('[system]\n  y = { acceptors = ["a"], quorum = 2 }\n', 2, 3, "between 1 and 1"),
])
def test_mistakes_name_file_line_and_column(text, line, column, words):
    with pytest.raises(UserError) as e:
        parse_systems(text, "q.toml")
    assert words in e.value.message
    pos = e.value.position
    assert (pos.file, pos.line, pos.column) == ("q.toml", line, column)


def test_a_missing_file_is_a_user_error(tmp_path):
    with pytest.raises(UserError) as e:
        load_systems(tmp_path / "nope.toml")
    assert "cannot read" in e.value.message
    assert e.value.position.file.endswith("nope.toml")
