"""TLC's configuration language."""

import pytest

from conformance.tla.cfg import constant_values, parse_config_text, strip_comments
from conformance.tla.errors import ConfigError
from conformance.values import FSet, ModelValue


def test_every_section():
    cfg = parse_config_text(r"""
\* a comment
CONSTANTS N = 3
          Procs = {p1, p2}   (* a block
                                comment *)
          S = "text"  B = TRUE  Neg = -2
          Op <- Def
          Inner <- [Mod] Other
          K = [Mod] k1
SPECIFICATION Spec
INVARIANTS Inv1 Inv2
INVARIANT Inv3
PROPERTY P1 PROPERTIES P2
CONSTRAINT C1 ACTION_CONSTRAINTS A1
SYMMETRY Sym VIEW View ALIAS Alias
POSTCONDITION Post
CHECK_DEADLOCK FALSE
""")
    values = {a.name: a for a in cfg.constants}
    assert values["N"].value == 3
    assert values["Procs"].value == FSet({ModelValue("p1"), ModelValue("p2")})
    assert values["S"].value == "text" and values["B"].value is True
    assert values["Neg"].value == -2
    assert values["Op"].target == "Def" and values["Op"].module is None
    assert (values["Inner"].target, values["Inner"].module) == ("Other", "Mod")
    assert (values["K"].value, values["K"].module) == (ModelValue("k1"), "Mod")
    assert cfg.specification == "Spec"
    assert cfg.invariants == ["Inv1", "Inv2", "Inv3"]
    assert cfg.properties == ["P1", "P2"]
    assert cfg.constraints == ["C1"] and cfg.action_constraints == ["A1"]
    assert (cfg.symmetry, cfg.view, cfg.alias) == ("Sym", "View", "Alias")
    assert cfg.postconditions == ["Post"]
    assert cfg.check_deadlock is False
    assert cfg.model_values == ["p1", "p2", "k1"]


def test_names_may_start_with_digits():
    cfg = parse_config_text("CONSTANT 2N = 2 1p = 3\nINVARIANT 1Inv 2a_b\n")
    assert [(a.name, a.value) for a in cfg.constants] == [("2N", 2), ("1p", 3)]
    assert cfg.invariants == ["1Inv", "2a_b"]


@pytest.mark.parametrize("text, message", [
    ("INIT\n", "expected a name after INIT"),
    ("INIT A\nINIT B\n", "appears twice"),
    ("CONSTANT N == 3\n", "expected = or <-"),
    ("CHECK_DEADLOCK maybe\n", "TRUE or FALSE"),
    ("FOO Bar\n", "expected a keyword"),
    ("CONSTANT S = {1, 2\n", "expected , or }"),
    ("(* never closed\n", "unterminated comment"),
])
def test_malformed_files_are_reported_with_their_line(text, message):
    with pytest.raises(ConfigError, match=message):
        parse_config_text(text, "M.cfg")


def test_error_positions_name_the_file_and_line():
    with pytest.raises(ConfigError) as info:
        parse_config_text("INIT Init\nNEXT Next\nINVARIANT\n  Inv !\n", "M.cfg")
    assert info.value.positions[0].line == 4


def test_an_unclosed_comment_is_reported_where_it_opens():
    with pytest.raises(ConfigError) as info:
        parse_config_text('INIT Init\nNEXT Next \\* "(*"\n  (* open (* nested *)\n', "M.cfg")
    assert (info.value.positions[0].line, info.value.positions[0].column) == (3, 3)


def test_comments_are_blanked_in_place_and_strings_keep_their_marks():
    text = 'A (* x\n(* y *) *) B \\* c\nC = "(* \\" *)"\n'
    out = strip_comments(text)
    assert out.splitlines() == ["A     ", "           B     ", 'C = "(* \\" *)"']
    assert len(out) == len(text)
    cfg = parse_config_text("CONSTANT S = \"a (* b\" \\* c\nINIT I\n")
    assert cfg.constants[0].value == "a (* b" and cfg.init == "I"


def test_constant_values_are_the_spec_constants_assigned_values():
    text = "CONSTANTS N = 3 Op <- Def K = [Mod] k1 Procs = {p1}\nINIT Init\n"
    assert constant_values(text) == {"N": 3, "Procs": FSet({ModelValue("p1")})}
    with pytest.raises(ConfigError):
        constant_values("CONSTANT N = \n")
