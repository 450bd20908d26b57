"""Terminal output: what a trace, a report or a spec says is printed as it is (no rich
markup can eat ``[...]``), tables fit (folded on a terminal, plain columns in a log, never
cut), and a spec's Print output never mixes with --json on stdout."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

from rich.console import Console

from conformance.cli import main
from conformance.cli.output import plain_table, print_error, print_table, results_table
from conformance.errors import Position, UserError
from conformance.result import CheckResult, Outcome

CORPUS = Path(__file__).resolve().parent.parent / "traces" / "corpus"


def test_trace_show_prints_record_valued_parameters_as_they_are(capsys):
    assert main(["trace", "show", str(CORPUS / "raft-ack_whole_log-cc1056a07a.ndjson")]) == 0
    lines = capsys.readouterr().out.splitlines()
    vote = next(x for x in lines if x.startswith("2: HandleRequestVoteRequest("))
    assert re.search(r'm = \[[^]]*type \|-> "RequestVoteRequest"[^]]*\]\) @s3$', vote)
    append = next(x for x in lines if x.startswith("10: HandleAppendEntriesRequest("))
    assert re.search(r'entries \|-> <<\[[^]]*kind \|-> "NoOp"[^]]*\]>>', append)


def test_an_error_message_with_brackets_is_printed_whole(capsys):
    print_error(UserError('bad value [bold]x[/] at [type |-> "Vote"]', Position("f.tla", 3, 4),
                          hint="see [docs]"))
    err = capsys.readouterr().err
    assert 'f.tla:3:4: bad value [bold]x[/] at [type |-> "Vote"]' in err
    assert "see [docs]" in err


def _results() -> list[CheckResult]:
    long = "MultiPaxosBugAcceptBelowPromiseWithAVeryLongName.cfg"
    return [CheckResult(spec="MultiPaxos", model=long, engine="embedded",
                        outcome=Outcome.INVARIANT_VIOLATED, violated="Agreement",
                        states_generated=1234567, distinct_states=7654321, depth=17,
                        duration=3.25)]


def test_a_table_in_a_log_is_plain_columns_never_cut():
    out = Console(file=io.StringIO(), width=80)  # not a terminal: a CI log
    print_table(results_table(_results(), expected=[("safety failure", True)]), out)
    text = out.file.getvalue()
    assert "…" not in text and "MultiPaxosBugAcceptBelowPromiseWithAVeryLongName.cfg" in text
    header, rule, row = text.splitlines()[:3]
    assert header.split() == ["spec", "model", "engine", "outcome", "violated", "states",
                              "distinct", "depth", "trace", "time", "expected"]
    assert set(rule.replace(" ", "")) == {"-"}
    assert "invariant violated" in row and "7,654,321" in row and "safety failure ✓" in row
    assert len(row) > 80  # as wide as it needs to be


def test_a_table_on_a_narrow_terminal_becomes_a_block_per_row():
    out = Console(file=io.StringIO(), width=60, force_terminal=True, color_system=None)
    print_table(results_table(_results()), out)
    text = out.file.getvalue()
    assert "…" not in text
    lines = text.splitlines()
    assert "spec: MultiPaxos" in lines
    assert "  model     MultiPaxosBugAcceptBelowPromiseWithAVeryLongName.cfg" in lines
    assert "  outcome   invariant violated" in lines


def test_a_table_on_a_wide_terminal_is_a_table():
    out = Console(file=io.StringIO(), width=200, force_terminal=True, color_system=None)
    print_table(results_table(_results()), out)
    text = out.file.getvalue()
    assert "┃ spec" in text and "MultiPaxosBugAcceptBelowPromiseWithAVeryLongName.cfg" in text


def test_plain_table_aligns_numbers_right():
    from rich.table import Table

    t = Table(title="t")
    t.add_column("name")
    t.add_column("n", justify="right")
    t.add_row("a", "1")
    t.add_row("bbbb", "1,000")
    assert plain_table(t).splitlines() == ["t", "name      n", "----  -----", "a         1",
                                           "bbbb  1,000"]


def test_a_specs_print_goes_to_stderr_and_json_stays_json(tmp_path, capsys):
    (tmp_path / "Talk.tla").write_text(
        "---- MODULE Talk ----\nEXTENDS Naturals, TLC\nVARIABLE x\n"
        'Init == x = 0 /\\ PrintT("[bold]hello[/] from Init")\n'
        "Next == x' = (x + 1) % 3\n====\n")
    (tmp_path / "Talk.cfg").write_text("INIT Init\nNEXT Next\n")
    assert main(["modelcheck", str(tmp_path / "Talk.tla"), "--engine", "embedded",
                 "--json", "--trace-dir", str(tmp_path / "cex")]) == 0
    captured = capsys.readouterr()
    [row] = json.loads(captured.out)
    assert row["distinct_states"] == 3
    assert '"[bold]hello[/] from Init"' in captured.err
