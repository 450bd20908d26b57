"""Reading a page conform wrote, the way a browser would have to: well formed, and what
it shows (events, messages, the divergence) found by parsing, not by searching the text."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
SVG = "{http://www.w3.org/2000/svg}"


class _Balance(HTMLParser):
    """Every element closed, in order (void elements and self-closed SVG aside)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, tuple[int, int]]] = []
        self.errors: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append((tag, self.getpos()))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1][0] != tag:
            self.errors.append(f"</{tag}> at {self.getpos()} closes "
                               f"{self.stack[-1] if self.stack else 'nothing'}")
            return
        self.stack.pop()
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)


@dataclass
class Page:
    text: str
    data: dict
    chart: ET.Element
    scripts: list[str] = field(default_factory=list)

    def rows(self) -> dict[int, ET.Element]:
        return {int(g.get("data-i")): g for g in self.chart.iter(f"{SVG}g")
                if "row" in (g.get("class") or "").split()}

    def bad_rows(self) -> list[int]:
        return [i for i, g in self.rows().items() if "bad" in g.get("class").split()]

    def messages(self) -> dict[int, ET.Element]:
        return {int(g.get("data-m")): g for g in self.chart.iter(f"{SVG}g")
                if "msg" in (g.get("class") or "").split()}

    def marked(self, cls: str) -> list[ET.Element]:
        return [e for e in self.chart.iter() if cls in (e.get("class") or "").split()]

    def callout(self) -> list[str]:
        return [t.text or "" for g in self.marked("callout") for t in g.iter(f"{SVG}text")]


def read(text: str) -> Page:
    """Parse a page; AssertionError if it is not well formed or lacks its parts."""
    assert text.startswith("<!doctype html>")
    b = _Balance()
    b.feed(text)
    b.close()
    assert not b.errors, b.errors[:3]
    assert [t for t, _ in b.stack] == [], f"left open: {b.stack}"
    m = re.search(r'<svg id="chart".*?</svg>', text, re.S)
    assert m, "no chart"
    chart = ET.fromstring(m.group(0))  # SVG is XML: stricter than the HTML parser
    d = re.search(r"<script>const DATA = (.*?);</script>", text, re.S)
    assert d, "no data"
    return Page(text, json.loads(d.group(1)), chart, b.scripts)
