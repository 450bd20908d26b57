"""The shell of a self-contained HTML page: one file, nothing fetched, opens in any browser.

Every page conform writes (a trace's message-sequence chart, a cluster test's timeline) is
text and markup built here, its style and script inlined, its data inlined as JSON. Text
from a trace or a history (a message's fields, a model value's name) goes through
:func:`esc` or :func:`attr`; data goes through :func:`script_json`, which keeps a string
holding ``</script>`` from ending the script early.
"""

from __future__ import annotations

import html
import json
from importlib import resources
from typing import Any


def esc(text: object) -> str:
    """Text for an element's content."""
    return html.escape(str(text), quote=False)


def attr(text: object) -> str:
    """Text for an attribute's value (quotes escaped too)."""
    return html.escape(str(text), quote=True)


def script_json(data: Any) -> str:
    """``data`` as JSON that is safe inside ``<script>``: no ``</`` and no ``<!--`` in it."""
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return (text.replace("<", "\\u003c").replace("\u2028", "\\u2028")
            .replace("\u2029", "\\u2029"))


def asset(name: str) -> str:
    """A file shipped beside this module (a stylesheet, a script), as text."""
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


BASE_STYLE = """
:root{--fg:#1d1f23;--muted:#60656f;--line:#d8dbe0;--bad:#c62828;--bad-bg:#fde8e8;
      --ok:#2e7d32;--warn:#e08a00;--sel:#1565c0;--bg2:#f5f6f8;
      --mono:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace}
*{box-sizing:border-box}
body{font:13px system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;
     color:var(--fg)}
code,pre,.mono{font-family:var(--mono);font-size:12px}
h1{font-size:15px;margin:0}
"""


def page(title: str, body: str, *, style: str = "", script: str = "",
         data: Any = None) -> str:
    """A whole document. ``body`` is markup (escape what it quotes); ``data`` becomes the
    global ``DATA`` of ``script``."""
    parts = ["<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
             f"<title>{esc(title)}</title>\n<style>{BASE_STYLE}{style}</style></head>\n",
             f"<body>\n{body}\n"]
    if data is not None:
        parts.append(f"<script>const DATA = {script_json(data)};</script>\n")
    if script:
        parts.append(f"<script>\n\"use strict\";\n{script}\n</script>\n")
    parts.append("</body></html>\n")
    return "".join(parts)
