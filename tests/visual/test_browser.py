"""The pages in a real browser (headless Chromium), where one is installed: the script runs
to its end without an error and fills the panel with the divergent event's state. Skipped
cleanly where no browser is found."""

from __future__ import annotations

import re

import pytest

from conformance.trace import read_trace
from conformance.visual.browser import find_browser, load
from conformance.visual.trace_page import write_html
from tests.visual.test_trace_page import OVER_ACK, PAXOS

pytestmark = pytest.mark.skipif(find_browser() is None,
                                reason="no Chromium (set CONFORM_BROWSER to use another)")


@pytest.mark.parametrize("path", [OVER_ACK, PAXOS], ids=lambda p: p.stem)
def test_the_page_runs_in_a_browser_and_opens_on_the_divergence(path, tmp_path):
    trace = read_trace(path)
    page = write_html(trace, tmp_path / "page.html")
    dom = load(page)
    assert re.search(r'<body[^>]* data-ready="\d+"', dom), "the script did not finish"
    div = trace.header.extra["divergence"]
    panel = dom[dom.index('id="detail"'):]
    assert f"event {div['index']}: {div['action']}" in panel
    assert "state after event" in panel and 'class="chg"' in panel  # what changed, marked
    assert re.search(r'class="row bad sel"', dom), "the divergent row is selected"


def test_an_address_opens_the_page_on_a_message(tmp_path):
    """#message=N shows that copy of a message: what it holds, where it went."""
    trace = read_trace(OVER_ACK)
    page = write_html(trace, tmp_path / "page.html")
    dom = load(f"{page}#message=3")
    panel = dom[dom.index('id="detail"'):]
    assert "message AppendEntriesRequest s1-&gt;s2, term 1" in panel
    assert "received at" in panel and 'class="msg received sel"' in dom
