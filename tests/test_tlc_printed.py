"""Reading TLC's printed values and states, and its -tool message framing."""

from __future__ import annotations

import pytest

from conformance.tla import cfg
from conformance.tlc.counterexample import parse_action
from conformance.tlc.printed import ValueSyntaxError, parse_state, parse_value
from conformance.tlc.report import PrintedState, parse_duration
from conformance.tlc.stream import MessageReader, read_messages
from conformance.values import FSet, ModelValue, Tup, make_fn, record, to_tla

A, B = ModelValue("a"), ModelValue("b")


@pytest.mark.parametrize("text, value", [
    ("0", 0), ("-17", -17), ("123456789012345678901234567890", 123456789012345678901234567890),
    ("TRUE", True), ("FALSE", False),
    ('""', ""), ('"q\\"u\\\\o\\nte\\tx"', 'q"u\\o\nte\tx'),
    ("a", A),
    ("{}", FSet()), ("{1, 2}", FSet({1, 2})), ("{{}, {1}}", FSet({FSet(), FSet({1})})),
    ("<<>>", Tup()), ('<<1, "a", <<>>>>', Tup((1, "a", Tup()))),
    ("[x |-> 1, y |-> <<a>>]", record(x=1, y=Tup((A,)))),
    ("(a :> 0 @@ b :> 1)", make_fn({A: 0, B: 1})),
    ("(0 :> 0 @@ 1 :> -1)", make_fn({0: 0, 1: -1})),
    ("(1 :> \"x\" @@ 2 :> \"y\")", Tup(("x", "y"))),  # a function on 1..n is a sequence
    ("({1} :> {1} @@ {2} :> {2})", make_fn({FSet({1}): FSet({1}), FSet({2}): FSet({2})})),
    ("1..3", FSet({1, 2, 3})), ("2..1", FSet()),
    ("{ [term |-> 0],\n  [term |-> 1] }", FSet({record(term=0), record(term=1)})),
    ("<< [a |-> 1],\n   [a |-> 2] >>", Tup((record(a=1), record(a=2)))),
])
def test_values(text, value):
    assert parse_value(text) == value


@pytest.mark.parametrize("value", [
    FSet({Tup((1, "x")), Tup()}), record(leader=A, votes=FSet({A, B})),
    make_fn({Tup((1, 2)): "pair"}), Tup((make_fn({A: FSet()}),)), 'tab\t"quote"\\',
])
def test_what_to_tla_prints_reads_back(value):
    assert parse_value(to_tla(value)) == value


@pytest.mark.parametrize("text, line, column", [
    ("{1, 2", 1, 6), ("[a |-> ]", 1, 8), ("<<1,\n 2 3>>", 2, 4), ("[]", 1, 2),
    ("(a :> 1 @@ )", 1, 12), ("1 2", 1, 3), ("#", 1, 1), ('"open', 1, 1),
])
def test_malformed_values_say_where(text, line, column):
    with pytest.raises(ValueSyntaxError) as e:
        parse_value(text)
    assert (e.value.line, e.value.column) == (line, column)


def test_states():
    assert parse_state("x = 0") == {"x": 0}
    assert parse_state("/\\ x = 1\n/\\ y = {a,\n  b}\n") == {"x": 1, "y": FSet({A, B})}
    assert list(parse_state("/\\ b = 1\n/\\ a = 2")) == ["b", "a"]  # printed order is kept
    assert parse_state("") == {}
    with pytest.raises(ValueSyntaxError):
        parse_state("x = 0 y = 1")


def test_action_headers():
    name, args, where = parse_action("<Next line 8, col 9 to line 8, col 29 of module Counter>")
    assert (name, args) == ("Next", None)
    assert (where.file, where.line, where.column, where.end_line, where.end_column,
            where.module) == ("Counter.tla", 8, 9, 8, 29, "Counter")
    name, args, _ = parse_action('<Send(a,[t |-> 1, v |-> "x,y"]) line 6, col 15 to line 6, '
                                 'col 54 of module M>')
    assert name == "Send" and args == [A, record(t=1, v="x,y")]
    assert parse_action("<Initial predicate>") is None


def test_message_framing():
    lines = ["@!@!@STARTMSG 2262:0 @!@!@", "TLC2 Version 2.19", "@!@!@ENDMSG 2262 @!@!@",
             "Parsing file M.tla", "@!@!@STARTMSG 2217:4 @!@!@", "1: <Initial predicate>",
             "x = 0", "", "@!@!@ENDMSG 2217 @!@!@"]
    msgs = list(read_messages(lines))
    assert [(m.code, m.severity, m.text) for m in msgs] == [
        (2262, 0, "TLC2 Version 2.19"), (None, None, "Parsing file M.tla"),
        (2217, 4, "1: <Initial predicate>\nx = 0")]


def test_a_message_cut_off_by_a_kill_is_kept():
    reader = MessageReader()
    assert reader.feed("@!@!@STARTMSG 2200:0 @!@!@\n") == []
    assert reader.feed("Progress(3) at ...\n") == []
    (msg,) = reader.close()
    assert (msg.code, msg.text) == (2200, "Progress(3) at ...")
    # a new message before the end of the last one closes it
    reader.feed("@!@!@STARTMSG 1:1 @!@!@")
    reader.feed("half")
    (first,) = reader.feed("@!@!@STARTMSG 2:1 @!@!@")
    assert (first.code, first.text) == (1, "half")


def test_durations():
    assert parse_duration("363ms") == pytest.approx(0.363)
    assert parse_duration("02s") == 2
    assert parse_duration("01min 05s") == 65
    assert parse_duration("01h 02min") == 3720
    assert parse_duration("never") is None


def test_cfg_constants_and_names():
    text = ("\\* a model\nCONSTANTS\n  N = 3 (* not X = 4 *)\n  Nodes = {n1, n2}\n"
            "  Op <- Impl\n  Sub <- [M]Def\n  Name = \"a \\\"b\\\"\"\nINIT Init\nNEXT Next\n"
            "CONSTANT None = None\n")
    assert cfg.constant_values(text) == {
        "N": 3, "Nodes": FSet({ModelValue("n1"), ModelValue("n2")}), "Name": 'a "b"',
        "None": ModelValue("None")}
    assert cfg.find_name(text, "Next") == (9, 6)
    assert cfg.find_name(text, "X") is None  # only in a comment
    assert cfg.find_name(text, "Nod") is None


def test_printed_state_kinds_are_recorded():
    from conformance.tlc.report import Report

    report = Report()
    for msg in read_messages([
            "@!@!@STARTMSG 2217:4 @!@!@", "1: <Initial predicate>", "x = 0",
            "@!@!@ENDMSG 2217 @!@!@",
            "@!@!@STARTMSG 2122:4 @!@!@",
            "1: Back to state: <Next line 5, col 9 to line 5, col 24 of module Toggle>",
            "@!@!@ENDMSG 2122 @!@!@"]):
        report.add(msg)
    assert report.states == [
        PrintedState(1, "<Initial predicate>", "x = 0"),
        PrintedState(1, "<Next line 5, col 9 to line 5, col 24 of module Toggle>", "", "back")]


def test_a_lasso_back_to_an_earlier_state():
    """Recorded from TLC: x cycles 0 -> 1 -> 2 -> 0, violating <>[](x = 0)."""
    from conformance.tlc.counterexample import from_printed
    from conformance.tlc.report import Report

    lines = []
    for n, x in ((1, 0), (2, 1), (3, 2)):
        info = "<Initial predicate>" if n == 1 else \
            "<Next line 5, col 9 to line 5, col 24 of module Toggle>"
        lines += ["@!@!@STARTMSG 2217:4 @!@!@", f"{n}: {info}", f"x = {x}", "",
                  "@!@!@ENDMSG 2217 @!@!@"]
    lines += ["@!@!@STARTMSG 2122:4 @!@!@",
              "1: Back to state: <Next line 5, col 9 to line 5, col 24 of module Toggle>", "",
              "@!@!@ENDMSG 2122 @!@!@"]
    report = Report()
    for msg in read_messages(lines):
        report.add(msg)
    trace = from_printed(report.states, spec="Toggle")
    assert trace.states() == [{"x": 0}, {"x": 1}, {"x": 2}]
    assert trace.header.loop == 0
    assert trace.header.extra["loop_action"] == "Next"


def _general_error(exception: str, nested: int, body: str) -> str:
    return (
        "@!@!@STARTMSG 2185:0 @!@!@\nStarting... (2026-01-01 00:00:00)\n@!@!@ENDMSG 2185 @!@!@\n"
        "@!@!@STARTMSG 1000:1 @!@!@\nTLC threw an unexpected exception.\n"
        "This was probably caused by an error in the spec or model.\n"
        "See the User Output or TLC Console for clues to what happened.\n"
        f"The exception was a {exception}\n: @!@!@STARTMSG {nested}:0 @!@!@\n{body}\n"
        f"@!@!@ENDMSG {nested} @!@!@\n@!@!@ENDMSG 1000 @!@!@\n")


@pytest.mark.parametrize("exception, nested, body, outcome", [
    ("tlc2.tool.ConfigFileException", 5006,
     "TLC found an error in the configuration file at line 1\nIt was expecting }, but did not "
     "find it.", "config error"),
    # The same configuration code inside an evaluation failure is no config error.
    ("java.lang.RuntimeException", 2280,
     "In evaluation, the identifier x is either undefined or not an operator.\n"
     "line 16, col 23 to line 16, col 23 of module M", "evaluation error"),
])
def test_general_error_wrapping_a_message_is_read_by_its_exception(
        tmp_path, exception, nested, body, outcome):
    import io

    from conformance.tlc.report import Report
    from conformance.tlc.runner import build_result
    report = Report()
    for msg in read_messages(io.StringIO(_general_error(exception, nested, body))):
        report.add(msg)
    result = build_result(report, spec=tmp_path / "M.tla", config=None, exit_status=255)
    assert result.outcome.value == outcome
    assert "@!@!@" not in result.message
