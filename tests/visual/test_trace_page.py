"""A trace as a page: a message-sequence chart and the spec state, one self-contained file.

The pages are parsed (well formed; the chart is valid SVG), and what they show is checked
against the trace itself: a row and a point for every event, an arrow for every copy of
every message, the dropped, duplicated and crashed ones marked, the divergence (or the
violated invariant) marked on its event with its diff.
"""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.trace import Step, Trace, TraceHeader, read_trace, write_trace
from conformance.values import Fn, ModelValue, Tup, record
from conformance.visual.sequence import build
from conformance.visual.trace_page import html_path, render
from tests.conform.raft_runs import random_run
from tests.visual import pagecheck

CORPUS = Path(__file__).resolve().parents[2] / "traces" / "corpus"
OVER_ACK = CORPUS / "raft-ack_whole_log-cc1056a07a.ndjson"
FIGURE_8 = CORPUS / "raft-commit_old_term-9e0bda16d6.ndjson"
PAXOS = CORPUS / "paxos-ignore_promised_values-691ef80fde.ndjson"


def copies_sent(trace: Trace, var: str = "msgs") -> int:
    """Copies put in flight over the trace, counted from the states alone."""
    total, before = 0, {}
    for step in trace.steps:
        bag = step.state[var]
        now = dict(bag.map) if type(bag) is Fn else {}
        total += sum(max(0, n - before.get(m, 0)) for m, n in now.items())
        before = now
    return total


def check_page(trace: Trace) -> pagecheck.Page:
    page = pagecheck.read(render(trace, "t.ndjson"))
    assert sorted(page.rows()) == [s.index for s in trace.steps]
    assert len(page.messages()) == copies_sent(trace)
    assert len(page.data["states"]) == len(trace.steps)
    assert "http://" not in page.text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page.text and "<link" not in page.text
    return page


@pytest.mark.parametrize("path", [OVER_ACK, FIGURE_8, PAXOS], ids=lambda p: p.stem)
def test_a_failing_trace_is_drawn_with_its_divergence_marked(path):
    trace = read_trace(path)
    page = check_page(trace)
    div = trace.header.extra["divergence"]
    assert page.bad_rows() == [div["index"]]
    assert page.marked("ring"), "the divergent event is circled"
    first = div["differences"][0]["text"]
    assert any(first in line for line in page.callout())  # beside the event...
    assert first in html.unescape(page.text.split("<main>")[0])  # ...and at the top


def test_the_over_acknowledgment_reads_in_one_line_and_the_reordering_shows():
    trace = read_trace(OVER_ACK)
    page = check_page(trace)
    assert page.callout()[1:] == ["   msgs[AppendEntriesResponse s2->s1, term 1].matchIndex: "
                                  "implementation 2, spec 1"]
    chart = build(trace)
    # the first AppendEntries to s2 arrives after the second: the arrows cross
    to_s2 = [c for c in chart.copies if c.receiver == "s2" and c.received_at]
    assert [c.sent_at for c in sorted(to_s2, key=lambda c: c.received_at[0])] == [7, 4]


def test_every_message_is_an_arrow_from_its_sender_with_its_fate():
    ex = random_run(3, 250)
    trace = Trace(TraceHeader(spec="Raft", variables=list(ex.steps[0].state),
                              schedule=ex.schedule()), ex.steps)
    page = check_page(trace)
    chart = build(trace)
    fates = {c.fate for c in chart.copies}
    assert {"received", "dropped"} <= fates
    assert any(c.duplicated_at is not None for c in chart.copies)
    kinds = {e.kind for e in chart.events}
    assert {"receive", "drop", "duplicate", "crash"} <= kinds
    arrows = page.messages()
    for c in chart.copies:
        cls = arrows[c.id].get("class").split()
        assert c.fate.replace(" ", "") in cls
        assert ("dup" in cls) == (c.duplicated_at is not None)
        title = arrows[c.id].find(f"{pagecheck.SVG}title").text
        assert title.startswith(c.value.map["type"])
    drops = [e.index for e in chart.events if e.kind == "drop"]
    assert {c.dropped_at for c in chart.copies if c.dropped_at is not None} == set(drops)
    assert page.marked("crash") and page.marked("down"), "crashes and down time are drawn"
    assert any(n.kind == "restart" for n in chart.notes)


def test_a_counterexample_without_parameters_still_has_its_receives():
    """TLC names an action by its disjunct (ReceivePrepare) and gives no parameters: the
    message that left the network is the one received, by its receiver."""
    trace = read_trace(PAXOS)
    for s in trace.steps:
        if s.action.startswith("Handle"):
            s.action, s.params, s.node = "Receive" + s.action[6:], None, None
        else:
            s.node = None
    # and the network's own steps are named by the disjunct alone (Drop, Duplicate)
    before = trace.steps[9].state  # a3's promise to p2 is in flight
    bag = before["msgs"].map
    [promise] = [m for m in bag if m.map["type"] == "Promise" and str(m.map["source"]) == "a3"]
    trace.steps[10:10] = [Step(0, "Duplicate", {**before, "msgs": Fn({**bag, promise: 2})}),
                          Step(0, "Drop", before)]
    for n, s in enumerate(trace.steps):
        s.index = n
    del trace.header.extra["divergence"]
    trace.header.violated = "Agreement"
    page = check_page(trace)
    chart = build(trace)
    receives = [e for e in chart.events if e.action.startswith("Receive")]
    assert receives and all(e.kind == "receive" and e.lane for e in receives)
    assert all(chart.copies[e.received[0]].receiver == e.lane for e in receives)
    dup, drop = chart.events[10], chart.events[11]
    assert (dup.kind, drop.kind, dup.lost, drop.sent) == ("duplicate", "drop", [], [])
    [made] = dup.sent
    assert chart.copies[made].duplicated_at == 10 and chart.copies[made].sent_at == 9
    [dropped] = drop.lost
    assert chart.copies[dropped].fate == "dropped" and chart.copies[dropped].value == promise
    last = trace.steps[-1].index
    assert page.bad_rows() == [last]
    assert "invariant violated: Agreement" in page.callout()[0]


def test_what_a_trace_says_cannot_break_the_page():
    """Strings from a trace end up in markup, attributes and the inlined script."""
    s1, s2 = ModelValue("s1"), ModelValue("s2")
    evil = '</script><b onload="x">&amp;'
    m = record(type=evil, source=s1, dest=s2, body="]]></svg>")
    header = TraceHeader(spec="Evil", variables=["msgs", "note"])
    steps = [Step(0, "Init", {"msgs": Tup(), "note": evil}),
             Step(1, "Send</title>", {"msgs": Fn({m: 1}), "note": evil}, params={"i": s1}),
             Step(2, "Receive", {"msgs": Tup(), "note": "x"}, params={"m": m}, node="s2")]
    page = check_page(Trace(header, steps))
    assert page.text.count("</script>") == len(page.scripts) == 2
    assert '"</script><b onload=\\"x\\">&amp;"' in page.data["values"]  # data round-trips


def test_conform_trace_html_writes_the_page_beside_or_where_told(tmp_path, capsys):
    src = tmp_path / "run.ndjson"
    write_trace(read_trace(FIGURE_8), src)
    assert main(["trace", "html", str(src)]) == 0
    assert html_path(src).is_file()
    out = tmp_path / "elsewhere" / "page.html"
    assert main(["trace", "html", str(src), "-o", str(out)]) == 0
    pagecheck.read(out.read_text(encoding="utf-8"))
    assert main(["trace", "html", str(tmp_path / "missing.ndjson")]) == 2
    assert "no such trace file" in capsys.readouterr().err


def test_a_saved_failure_has_its_page_beside_it(tmp_path):
    from conformance.schedules import failures

    ex = random_run(1, 80, bugs=("commit_old_term",))
    path = failures.save(ex, tmp_path)
    page = pagecheck.read(html_path(path).read_text(encoding="utf-8"))
    assert len(page.rows()) == len(ex.steps)


def test_a_model_checking_counterexample_has_its_page_beside_it(tmp_path, capsys):
    specs = Path(__file__).resolve().parents[2] / "specs"
    code = main(["modelcheck", str(specs / "Raft.tla"), "--config",
                 str(specs / "RaftBugForgetVote.cfg"), "--engine", "embedded",
                 "--trace-dir", str(tmp_path), "--json"])
    assert code == 1
    import json

    [row] = json.loads(capsys.readouterr().out)
    trace = read_trace(row["trace_file"])
    page = check_page(trace)
    assert "ElectionSafety" in page.callout()[0]


def test_a_real_runs_node_traces_are_merged_into_one_page(tmp_path, capsys):
    """Each receive is an arrow from the send the merger matched it to; a message received
    twice is drawn twice (once duplicated); the event no order explains is marked."""
    from conformance.record.merge import merge
    from conformance.record.reader import read_node_file
    from tests.record.cores import Cores

    Cores(tmp_path, seed=3, bugs=("vote_without_log_check",)).random_run(600)
    assert main(["validate", str(tmp_path)]) == 1
    assert f"its picture: {tmp_path / 'run.html'}" in capsys.readouterr().out
    page = pagecheck.read((tmp_path / "run.html").read_text(encoding="utf-8"))
    m = merge([read_node_file(p) for p in sorted(tmp_path.glob("s*.ndjson"))])
    assert len(page.rows()) == m.events + 1
    receives = sum(max(1, len(x.receivers)) for x in m.messages)
    assert len(page.messages()) == receives
    assert any(len(x.receivers) > 1 for x in m.messages) and page.marked("dup")
    assert any(it.restart for c in m.chains.values() for it in c) and page.marked("crash")
    [bad] = page.bad_rows()
    assert page.data["events"][bad]["a"] in ("HandlePreVoteRequest", "HandleRequestVoteRequest")
    assert ".granted: implementation TRUE, spec FALSE" in "\n".join(page.callout())
    assert main(["trace", "html", str(tmp_path), "-o", str(tmp_path / "plain.html")]) == 0
    assert not pagecheck.read((tmp_path / "plain.html").read_text()).bad_rows()
