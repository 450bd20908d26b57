"""A trace as one self-contained HTML page: a message-sequence chart and the spec state.

Time runs down, one row per event; each node has a lane; a message is an arrow from the
event that sent it to the event that received it, a dropped one ends in a cross, a
duplicated copy is dashed and marked where it was made, one still in flight at the end runs
to the bottom. A crash is a bolt on its node's lane, and the lane is dashed while the node is
down. The divergent event (or the state that breaks the invariant, for a counterexample) is
red, with its failing conjunct and its field-level diff written beside it and at the top of
the page. Clicking an event shows the state after it, what the event changed highlighted;
clicking an arrow shows the message.

The chart is SVG (:mod:`.chart_svg`), so the page is a picture even without its script; the
script (``trace.js``) adds the selection and the state panel, from the trace inlined as
JSON with every distinct value stored once. A real run's node traces are drawn the same way,
once merged (:func:`render_run`, :mod:`.merged`).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conformance.trace.schema import Step, Trace
from conformance.values import Fn, Tup, is_record, to_tla, typed_key
from conformance.visual.chart_svg import Layout, lane_header, legend, short, svg
from conformance.visual.page import asset, esc, page
from conformance.visual.sequence import Chart, build, is_message, message_label

if TYPE_CHECKING:
    from conformance.record.merge import Merged
    from conformance.validate.causal import CausalResult


def html_path(trace_path: str | os.PathLike) -> Path:
    """Where the page of a trace file goes: beside it, ``.html`` for ``.ndjson``."""
    return Path(trace_path).with_suffix(".html")


def run_page_path(paths: list[Path]) -> Path:
    """Where the page of a real run goes: ``run.html`` in its folder (the folder given, or
    the first node file's)."""
    first = paths[0]
    return (first if first.is_dir() else first.parent) / "run.html"


def write_html(trace: Trace, path: str | os.PathLike, name: str | None = None) -> Path:
    """Write the page of a trace."""
    path = Path(path)
    return _write(path, render(trace, name or path.with_suffix(".ndjson").name))


def _write(path: Path, text: str) -> Path:
    """Atomically: the file appears whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_beside(trace: Trace, trace_path: str | os.PathLike) -> Path | None:
    """The page of a trace just saved, beside it. The trace file is what matters: if the
    page cannot be drawn, a warning says why and the trace stays as it is."""
    target = html_path(trace_path)
    try:
        return write_html(trace, target, name=Path(trace_path).name)
    except Exception as e:  # noqa: BLE001 - never lose a failure over its picture
        print(f"warning: could not draw {target}: {type(e).__name__}: {e}", file=sys.stderr)
        return None


# --------------------------------------------------------------------------- the verdict


def verdict(trace: Trace) -> dict[str, Any] | None:
    """What went wrong, from the header: a conformance divergence, an implementation error,
    or the property a counterexample breaks. None for a trace that is just a behaviour."""
    h = trace.header
    div = h.extra.get("divergence")
    last = trace.steps[-1].index if trace.steps else 0
    if isinstance(div, dict) and isinstance(div.get("index"), int):
        return divergence_verdict(div)
    if h.extra.get("error"):
        return {"event": last, "kind": "implementation error",
                "headline": f"the implementation raised {h.extra['error']}", "conjunct": "",
                "where": "", "why": "", "violated": [], "diffs": []}
    if h.violated:
        kind = "invariant violated" if h.loop is None else "property violated"
        what = "the last state breaks it" if h.loop is None else \
            f"the behaviour loops back to state {h.loop} forever"
        return {"event": last, "kind": kind, "headline": f"counterexample to {h.violated}: "
                f"{what}", "conjunct": "", "where": "", "why": "", "violated": [h.violated],
                "diffs": []}
    return None


def divergence_verdict(div: dict[str, Any], event: int | None = None) -> dict[str, Any]:
    """The verdict of a divergence as :meth:`Divergence.to_json` writes it (``event``: the
    row it is drawn on, when not its own index)."""
    diffs = []
    for d in div.get("differences") or []:
        if isinstance(d, dict):
            diffs.append(d.get("text") or f"{d.get('path')}: implementation "
                         f"{d.get('implementation') or '(absent)'}, spec "
                         f"{d.get('spec') or '(absent)'}")
    pos = div.get("position") or {}
    where = ""
    if isinstance(pos, dict) and pos.get("file"):
        where = f"{pos['file']}:{pos.get('line', '?')}:{pos.get('column', '?')}"
    index = div["index"] if event is None else event
    headline = str(div.get("summary", ""))
    if event is not None and headline.startswith(f"event {div['index']}:"):
        headline = f"event {event}:" + headline[len(f"event {div['index']}:"):]
    return {"event": index, "kind": str(div.get("kind", "diverged")), "headline": headline,
            "conjunct": div.get("conjunct", ""), "where": where,
            "why": div.get("why", "") if not diffs else "",
            "violated": div.get("violated") or [], "diffs": diffs}


# --------------------------------------------------------------------------- values


class _Values:
    """Every distinct value of the trace once, children by number: a state is a list of
    numbers, and two states share whatever they have in common (the script compares
    numbers to find what an event changed)."""

    def __init__(self) -> None:
        self.table: list[Any] = []
        self.ids: dict[Any, int] = {}

    def add(self, v: Any) -> int:
        try:
            key = typed_key(v)
            found = self.ids.get(key)
        except TypeError:
            key, found = None, None
        if found is not None:
            return found
        t = type(v)
        node: Any
        if t is Tup:
            node = {"q": [self.add(x) for x in v]}
        elif t is Fn:
            pairs = sorted(v.map.items(), key=lambda kv: _order(kv[0]))
            if is_record(v):
                node = {"r": [[k, self.add(x)] for k, x in pairs]}
            else:
                node = {"f": [[self.add(k), self.add(x)] for k, x in pairs]}
        elif isinstance(v, frozenset):
            node = {"s": [self.add(x) for x in sorted(v, key=_order)]}
        else:
            node = to_tla(v)
        n = len(self.table)
        self.table.append(node)
        if key is not None:
            self.ids[key] = n
        return n


def _order(v: Any) -> Any:
    from conformance.values import sort_key

    try:
        return sort_key(v)
    except Exception:  # noqa: BLE001 - values TLC cannot compare: by their text
        return (9, to_tla(v))


# --------------------------------------------------------------------------- the page


def _verdict_html(v: dict[str, Any] | None, events: int) -> str:
    if v is None:
        return (f'<div class="verdict plain">{events} events; no divergence or violated '
                'property recorded.</div>')
    head = v["headline"] or v["kind"]
    prefix = f"event {v['event']}"
    if head.startswith(prefix):
        head = head[len(prefix):].lstrip(": ")
    lines = [f'<div class="verdict"><div class="head"><a href="#" data-goto="{v["event"]}">'
             f'{prefix}</a>: {esc(head)}</div>']
    if v["violated"]:
        lines.append(f'<div>violated: <b>{esc(", ".join(v["violated"]))}</b></div>')
    if v["conjunct"]:
        where = f' ({esc(v["where"])})' if v["where"] else ""
        lines.append(f'<div class="sub">first failing conjunct{where}:</div>'
                     f'<pre class="conjunct">{esc(v["conjunct"])}</pre>')
    if v["why"] and v["why"] != "false":
        lines.append(f'<div class="why mono">{esc(short(v["why"], 400))}</div>')
    if v["diffs"]:
        lines.append('<div class="sub">implementation vs the nearest state the spec allows:'
                     '</div><ul class="diffs">' + "".join(
                         f'<li class="mono">{esc(d)}</li>' for d in v["diffs"]) + "</ul>")
    lines.append("</div>")
    return "".join(lines)


def _callout(v: dict[str, Any] | None, most: int = 3) -> list[str]:
    """The divergence's words under its event: the kind, then the diff (a few lines)."""
    if v is None:
        return []
    head = f"✗ {v['kind']}"
    if v["violated"]:
        head += ": " + ", ".join(v["violated"])
    if not v["diffs"]:
        return [head + (f" — {v['conjunct'].splitlines()[0].strip()}" if v["conjunct"]
                        else "")]
    lines = [head] + [f"   {d}" for d in v["diffs"][:most]]
    if len(v["diffs"]) > most:
        lines.append(f"   ... and {len(v['diffs']) - most} more (above)")
    return lines


def _title(trace: Trace, name: str | None) -> tuple[str, str]:
    h = trace.header
    what = h.spec + (f" / {h.model}" if h.model else "")
    cluster = h.extra.get("cluster")
    bugs = cluster.get("bugs") if isinstance(cluster, dict) else None
    meta = []
    if h.protocol:
        meta.append(f"protocol {h.protocol}")
    if bugs:
        meta.append("planted bug " + ", ".join(map(str, bugs)))
    origin = h.origin or {}
    for k in ("tool", "seed", "profile", "created"):
        if k in origin:
            meta.append(f"{k} {origin[k]}")
    title = f"{name} — {what}" if name else what
    return title, " · ".join(meta)


def render(trace: Trace, name: str | None = None) -> str:
    """The page of a trace (``name``: the file it came from, for the title)."""
    title, meta = _title(trace, name)
    variables = list(trace.header.variables) or sorted(
        {k for s in trace.steps for k in s.state})
    return _page(build(trace), trace.steps, variables, verdict(trace), title, meta,
                 trace.header.loop)


def render_run(merged: Merged, result: CausalResult | None = None,
               name: str | None = None) -> str:
    """The page of a real run: its node traces merged, and the validator's verdict on it
    (its conforming order, or the event no order explains), when there is one."""
    from conformance.visual.merged import chart_of_run

    order = result.order if result is not None else None
    chart, steps, row = chart_of_run(merged, order)
    v = None
    if result is not None and result.divergence is not None and result.item is not None:
        it = result.item
        v = divergence_verdict(result.divergence.to_json(), row.get((it.node, it.index)))
    variables = sorted({k for s in steps for k in s.state})
    files = ", ".join(sorted(merged.files.values()))
    meta = [f"{len(merged.chains)} nodes merged by causality: {files}"]
    if merged.protocol:
        meta.insert(0, f"protocol {merged.protocol}")
    return _page(chart, steps, variables, v, f"{name or 'run'} — {merged.spec}",
                 " · ".join(meta), None)


def write_run(merged: Merged, result: CausalResult | None, path: str | os.PathLike,
              name: str | None = None) -> Path:
    return _write(Path(path), render_run(merged, result, name))


def _page(chart: Chart, steps: list[Step], variables: list[str], v: dict[str, Any] | None,
          title: str, meta: str, loop: int | None) -> str:
    bad = v["event"] if v is not None else None
    lay = Layout(chart, bad, _callout(v))
    values = _Values()
    states = [[values.add(s.state[x]) if x in s.state else -1 for x in variables]
              for s in steps]
    data = {
        "variables": variables,
        "values": values.table,
        "states": states,
        "events": [{"i": e.index, "a": e.action, "n": e.lane, "k": e.kind,
                    "p": [[k, values.add(x)] for k, x in e.params.items()],
                    "r": e.received, "s": e.sent, "l": e.lost} for e in chart.events],
        "copies": [{"id": c.id, "v": values.add(c.value), "label": message_label(c.value)
                    if is_message(c.value) else to_tla(c.value), "from": c.sender,
                    "to": c.receiver, "sent": c.sent_at, "recv": c.received_at,
                    "drop": c.dropped_at, "lost": c.lost_at, "dup": c.duplicated_at,
                    "fate": c.fate} for c in chart.copies],
        "verdict": v,
        "messages": chart.variable,
    }
    body = (f'<header><h1>{esc(title)}</h1><div class="meta">{esc(meta)}</div>'
            f'{_verdict_html(v, len(chart.events) - 1)}{legend(lay)}</header>'
            f'<main><div id="scroll"><div id="lanehead">{lane_header(chart, lay)}</div>'
            f'{svg(chart, lay, bad, loop)}</div>'
            f'<aside id="detail"><p class="hint">Click an event (a row, a dot) to see the '
            f'state after it, what it changed highlighted; click an arrow to see the message.'
            f' Keys: ↑ ↓ move between events.</p></aside></main>')
    return page(title, body, style=asset("trace.css"), script=asset("trace.js"), data=data)
