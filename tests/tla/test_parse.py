"""Parsing: the syntax tree, SANY's precedence rules, parse errors with positions."""

import pytest

from conformance.tla import syntax as S
from conformance.tla.errors import ParseError
from conformance.tla.parse import parse_text


def body(expr: str):
    (mod,) = parse_text(f"---- MODULE M ----\nX == {expr}\n====\n")
    return mod.units[0].body


@pytest.mark.parametrize("expr", [
    "a /\\ b \\/ c",
    "a = b = c",
    "a => b => c",
    "a < b < c",
    "a \\cup b \\cap c",
    "[]x = 1",
    "DOMAIN f \\X S",
    "a % b % c",
])
def test_sany_rejects_precedence_conflicts_the_grammar_accepts(expr):
    with pytest.raises(ParseError, match="precedence conflict"):
        body(expr)


def test_operators_of_distinct_precedence_nest_as_sany_reads_them():
    n = body("a + b * c = d")
    assert n.name == "=" and n.args[0].name == "+" and n.args[0].args[1].name == "*"
    n = body("a - b + c")  # - binds tighter than +
    assert n.name == "+" and n.args[0].name == "-"
    n = body("a + b - c")
    assert n.name == "+" and n.args[1].name == "-"
    n = body("~a = b")
    assert n.name == "\\lnot" and n.args[0].name == "="


def test_left_associative_repetition_is_accepted():
    n = body("a \\cup b \\cup c")
    assert n.name == "\\cup" and n.args[0].name == "\\cup"


def test_an_unparenthesized_cartesian_product_is_one_n_ary_product():
    n = body("A \\X B \\X C")
    assert isinstance(n, S.Times) and len(n.sets) == 3
    n = body("(A \\X B) \\X C")
    assert isinstance(n, S.Times) and len(n.sets) == 2 and isinstance(n.sets[0], S.Times)


def test_synonyms_are_normalized():
    assert body("a =< b").name == "\\leq"
    assert body("a <= b").name == "\\leq"
    assert body("a # b").name == "/="
    assert body("-a").name == "-."
    assert body("a \\union b").name == "\\cup"


def test_positions_are_one_based_with_inclusive_end():
    n = body("a + bb")
    assert (n.loc.line, n.loc.col, n.loc.eline, n.loc.ecol) == (2, 6, 2, 11)
    assert (n.args[1].loc.col, n.args[1].loc.ecol) == (10, 11)


def test_strings_numbers_and_records():
    assert body('"a\\"b\\\\c\\n"').value == 'a"b\\c\n'
    assert body("\\b101").value == 5 and body("\\o17").value == 15 and body("\\h1F").value == 31
    r = body("[a |-> 1, b |-> 2].a")
    assert isinstance(r, S.Dot) and r.field == "a"
    e = body("[f EXCEPT ![1].x = @ + 1, !.y = 2]")
    assert isinstance(e, S.Except) and e.updates[0][0] == (("[", e.updates[0][0][0][1]),
                                                          (".", "x"))


def test_subexpression_names_parse_to_selectors():
    n = body("Inv!2!1")
    assert isinstance(n, S.SubExpr) and n.path == (2, 1) and n.ref.name == "Inv"
    n = body("Thm!:")
    assert n.path == (":",)
    n = body("Inv!<<")
    assert n.path == ("<<",)


def test_duplicate_record_fields_are_rejected():
    with pytest.raises(ParseError, match="twice"):
        body("[a |-> 1, a |-> 2]")


def test_parse_error_reports_the_line_and_column(tmp_path):
    with pytest.raises(ParseError) as info:
        parse_text("---- MODULE P ----\nEXTENDS Naturals\nVARIABLE x\nNext == x' = x + \n"
                   "====\n", "P.tla")
    e = info.value
    assert "====" in e.message and "line 5, column 1" in e.message
    assert e.positions[0].line == 5 and e.positions[0].column == 1


def test_a_file_without_a_module_is_an_error():
    with pytest.raises(ParseError, match="no module"):
        parse_text("just text\n")


def test_identifiers_and_strings_are_collected_in_source_order():
    (mod,) = parse_text('---- MODULE Q ----\nA == [term |-> "x", type |-> "y"]\n====\n')
    assert mod.identifiers.index("term") < mod.identifiers.index("type")
    assert mod.strings == ("x", "y")
