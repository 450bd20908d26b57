"""The chart of a trace as SVG: lanes across, events down, messages as arrows.

:class:`Layout` places everything (rows for events, for notes of the schedule and for the
divergence's words under its event; lanes spread over the width); :func:`svg` draws it.
Every element carries what the page's script needs to select it (``data-i``: an event's
index, ``data-m``: a copy's id) and a ``<title>`` saying what it is in words.
"""

from __future__ import annotations

from typing import Any

from conformance.values import Fn, Tup, is_record, to_tla
from conformance.visual.page import esc
from conformance.visual.sequence import Chart, Copy, Event, is_message, message_label

NOTE = 16  # the height of a note's row (a restart, a partition)
CALLOUT = 17  # the height of a line of the divergence's words, under its event
TOP = 8
LIST = 400  # the width of the event list on the left
MARGIN = 60  # from the list to the first lane


# --------------------------------------------------------------------------- layout


def _brief(ev: Event, chart: Chart) -> str:
    """The event list's words for an event: its parameters, a message by its label."""
    parts = []
    for k, v in ev.params.items():
        if is_message(v):
            parts.append(f"{k}: {message_label(v)}")
        elif type(v) in (Fn, Tup) or isinstance(v, frozenset):
            text = to_tla(v)
            parts.append(f"{k} = {text if len(text) <= 24 else text[:21] + '...'}")
        else:
            parts.append(f"{k} = {to_tla(v)}")
    return ", ".join(parts)


def _room(action: str) -> int:
    """How many characters of parameters fit in the event list after the action's name
    (about 6.8 pixels a letter of the name, 6.3 of the parameters' monospace)."""
    return max(8, int((LIST - 52 - 6.8 * min(len(action), 30)) / 6.3))


def short(text: str, n: int) -> str:
    return text if len(text) <= n else text[:n - 1] + "…"


def abbrev(kind: str) -> str:
    """A message type in a few letters for its arrow: AppendEntriesResponse -> AE resp."""
    words: list[str] = []
    cur = ""
    for ch in kind:
        if ch.isupper() and cur:
            words.append(cur)
            cur = ch
        else:
            cur += ch
    if cur:
        words.append(cur)
    if len(words) <= 1:
        return kind[:10]
    last = words[-1].lower()
    last = {"request": "req", "response": "resp", "reply": "reply"}.get(last, last[:6])
    return "".join(w[0] for w in words[:-1]) + " " + last


_PALETTE = ["#1565c0", "#2e7d32", "#6a1b9a", "#00838f", "#ad1457", "#4e342e", "#283593",
            "#558b2f", "#00695c", "#5d4037"]


class Layout:
    """Where everything goes: rows down (an event's, a note's, the divergence's words under
    its event), lanes across; short traces get roomier rows, few nodes wider lanes."""

    def __init__(self, chart: Chart, bad: int | None, callout: list[str]) -> None:
        self.chart = chart
        self.row = 30 if len(chart.events) <= 60 else 22
        lane = max(90, min(150, 600 // max(len(chart.lanes), 1)))
        self.lane_x = {n: float(LIST + MARGIN + i * lane) for i, n in enumerate(chart.lanes)}
        self.right = LIST + MARGIN + max(len(chart.lanes) - 1, 0) * lane + 60
        longest = max((len(t) for t in callout), default=0)
        self.width = max(self.right, 40 + 7 * longest)
        self.labels: dict[tuple[int, int], list[tuple[float, float]]] = {}
        self.row_y: dict[int, float] = {}  # event index -> the y of its centre
        # ("event"|"note"|"callout", item, top)
        self.rows: list[tuple[str, Any, float]] = []
        notes_after: dict[int, list] = {}
        for note in chart.notes:
            notes_after.setdefault(note.after, []).append(note)
        y = float(TOP)
        for ev in chart.events:
            self.rows.append(("event", ev, y))
            self.row_y[ev.index] = y + self.row / 2
            y += self.row
            if ev.index == bad and callout:
                self.rows.append(("callout", callout, y))
                y += CALLOUT * len(callout) + 6
            for note in notes_after.get(ev.index, []):
                self.rows.append(("note", note, y))
                y += NOTE
        self.bottom = y + self.row
        self.height = self.bottom + 8
        kinds = sorted({_kind_of(c) for c in chart.copies})
        self.colour = {k: _PALETTE[i % len(_PALETTE)] for i, k in enumerate(kinds)}

    def free(self, x: float, y: float) -> bool:
        """Whether a message's label at (x, y) stays clear of those placed before it (the
        label is then placed there)."""
        cell = (int(x // 44), int(y // 10))  # a neighbour within 44 x 10 is a cell away
        near = [(cell[0] + dx, cell[1] + dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)]
        if any(abs(x - px) < 44 and abs(y - py) < 10
               for c in near for px, py in self.labels.get(c, ())):
            return False
        self.labels.setdefault(cell, []).append((x, y))
        return True

    def x(self, lane: str | None) -> float | None:
        return None if lane is None else self.lane_x.get(lane)


def _kind_of(c: Copy) -> str:
    t = c.value.map.get("type") if is_record(c.value) else None
    return t if type(t) is str else ""


# --------------------------------------------------------------------------- the chart


def svg(chart: Chart, lay: Layout, bad: int | None, loop: int | None) -> str:
    out: list[str] = [
        f'<svg id="chart" xmlns="http://www.w3.org/2000/svg" width="{lay.width}" '
        f'height="{lay.height:.0f}" viewBox="0 0 {lay.width} {lay.height:.0f}">',
        "<defs>"
        '<marker id="ah" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" '
        'fill="context-stroke"/></marker>'
        '<marker id="ao" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" '
        'fill="#fff" stroke="context-stroke"/></marker></defs>']
    # rows: the event list, the band that selects an event
    for kind, item, top in lay.rows:
        if kind == "note":
            out.append(f'<text class="note" x="{LIST + 8}" y="{top + NOTE - 4:.0f}">'
                       f'{esc(item.text)}</text>')
            continue
        if kind == "callout":
            out.append(f'<g class="callout"><rect x="0" y="{top:.0f}" width="{lay.width}" '
                       f'height="{CALLOUT * len(item) + 6}"/>')
            for n, line in enumerate(item):
                out.append(f'<text x="38" y="{top + CALLOUT * (n + 1) - 2:.0f}">'
                           f'{esc(line)}</text>')
            out.append("</g>")
            continue
        ev: Event = item
        cls = "row bad" if ev.index == bad else "row"
        base = top + lay.row / 2 + 4
        brief = _brief(ev, chart)
        out.append(f'<g class="{cls}" data-i="{ev.index}">'
                   f'<rect x="0" y="{top:.0f}" width="{lay.width}" height="{lay.row}"/>'
                   f'<text class="num" x="30" y="{base:.0f}">{ev.index}</text>'
                   f'<text class="act" x="38" y="{base:.0f}">{esc(short(ev.action, 30))}'
                   f'<tspan class="params"> {esc(short(brief, _room(ev.action)))}'
                   f'</tspan></text><title>{esc(ev.action)}({esc(brief)})</title></g>')
    # lanes
    for name, x in lay.lane_x.items():
        out.append(f'<line class="lane" x1="{x}" y1="{TOP}" x2="{x}" y2="{lay.bottom:.0f}"/>')
        for start, end in chart.down.get(name, []):
            y1 = lay.row_y.get(start, TOP)
            y2 = lay.row_y.get(end, lay.bottom) if end is not None else lay.bottom
            if end is not None and end != start:
                y2 += lay.row / 2
            if y2 > y1:
                out.append(f'<line class="down" x1="{x}" y1="{y1:.0f}" x2="{x}" '
                           f'y2="{y2:.0f}"><title>{esc(name)} is down</title></line>')
    # messages
    for c in chart.copies:
        out.append(_arrow(c, chart, lay))
    # events
    for kind, item, top in lay.rows:
        if kind == "note":
            note = item
            for lane in note.lanes:
                lx = lay.x(lane)
                if lx is not None:
                    out.append(f'<path class="up" d="M{lx - 6},{top + NOTE - 2:.0f}l6,-10l6,10z">'
                               f'<title>{esc(note.text)}</title></path>')
            continue
        if kind != "event":
            continue
        ev = item
        y = lay.row_y[ev.index]
        ex = lay.x(ev.lane)
        if ex is None:
            continue
        x = ex
        cls = f"ev {ev.kind}" + (" bad" if ev.index == bad else "")
        if ev.kind == "crash":
            out.append(f'<g class="{cls}" data-i="{ev.index}"><path d="M{x + 3},{y - 9:.0f}'
                       f'l-8,10h6l-4,9l10,-12h-6l4,-7z"/><title>{esc(ev.action)}: {esc(ev.lane)}'
                       f' crashes and restarts</title></g>')
        else:
            out.append(f'<circle class="{cls}" data-i="{ev.index}" cx="{x}" cy="{y:.0f}" '
                       f'r="5"/>')
        if ev.index == bad:
            out.append(f'<circle class="ring" cx="{x}" cy="{y:.0f}" r="10"/>')
    if loop is not None and loop in lay.row_y and chart.events:
        y1, y2 = lay.row_y[chart.events[-1].index], lay.row_y[loop]
        out.append(f'<path class="loop" d="M{LIST - 6},{y1:.0f}C{LIST + 30},{y1:.0f} '
                   f'{LIST + 30},{y2:.0f} {LIST - 6},{y2:.0f}" marker-end="url(#ah)">'
                   f'<title>the behaviour returns to state {loop}</title></path>')
    out.append("</svg>")
    return "".join(out)


def _arrow(c: Copy, chart: Chart, lay: Layout) -> str:
    xs, xr = lay.x(c.sender), lay.x(c.receiver)
    colour = lay.colour.get(_kind_of(c), "#555")
    label = esc(abbrev(_kind_of(c)) if _kind_of(c) else "")
    name = message_label(c.value) if is_message(c.value) else to_tla(c.value)
    cls = f"msg {c.fate.replace(' ', '')}" + (" dup" if c.duplicated_at is not None else "")
    if c.sent_at is None:  # received, but no recorded send explains it: a stub from nowhere
        yr = lay.row_y.get(c.received_at[0]) if c.received_at else None
        if xr is None or yr is None:
            return ""
        title = esc(f"{name}: received, but no recorded send explains it\n{to_tla(c.value)}")
        return (f'<g class="msg unexplained" data-m="{c.id}" style="--c:#c62828">'
                f'<title>{title}</title><line x1="{xr - 60}" y1="{yr - 18:.0f}" x2="{xr}" '
                f'y2="{yr:.0f}" marker-end="url(#ah)"/><text x="{xr - 64}" '
                f'y="{yr - 20:.0f}">?</text></g>')
    ys = lay.row_y.get(c.sent_at)
    if xs is None or ys is None:
        return ""
    title = esc(f"{name}: {c.fate}\n{to_tla(c.value)}")
    parts = [f'<g class="{cls}" data-m="{c.id}" style="--c:{colour}"><title>{title}</title>']
    target_x = xr if xr is not None else xs + 40

    def seg(y2: float, x2: float, end: str = "url(#ah)") -> str:
        if x2 == xs:  # to itself: a loop out to the right
            return (f'<path d="M{xs},{ys:.0f}C{xs + 46},{ys:.0f} {xs + 46},{y2:.0f} '
                    f'{xs + 6},{y2:.0f}" marker-end="{end}"/>')
        return (f'<line x1="{xs}" y1="{ys:.0f}" x2="{x2}" y2="{y2:.0f}" '
                f'marker-end="{end}"/>')

    ends: list[tuple[float, float]] = []
    if c.received_at:
        for r in c.received_at:
            y2 = lay.row_y.get(r, lay.bottom)
            parts.append(seg(y2, target_x))
            ends.append((target_x, y2))
    elif c.dropped_at is not None or c.lost_at is not None:
        at = c.dropped_at if c.dropped_at is not None else c.lost_at
        y2 = lay.row_y.get(at, lay.bottom)  # type: ignore[arg-type]
        x2 = xs + (target_x - xs) * 0.55 if target_x != xs else xs + 30
        parts.append(f'<line x1="{xs}" y1="{ys:.0f}" x2="{x2:.0f}" y2="{y2:.0f}"/>')
        parts.append(f'<path class="x" d="M{x2 - 5:.0f},{y2 - 5:.0f}l10,10m0,-10l-10,10"/>')
        ends.append((x2, y2))
    else:  # still in flight when the trace ends
        parts.append(seg(lay.bottom, target_x, "url(#ao)"))
        ends.append((target_x, lay.bottom))
    if c.duplicated_at is not None and c.duplicated_at in lay.row_y and ends:
        yd = lay.row_y[c.duplicated_at]
        x2, y2 = ends[0]
        f = (yd - ys) / (y2 - ys) if y2 != ys else 0.0
        xd = xs + (x2 - xs) * max(0.0, min(1.0, f))
        parts.append(f'<path class="dupmark" d="M{xd:.0f},{yd - 6:.0f}l6,6l-6,6l-6,-6z"/>')
    if label and ends:
        x2, y2 = ends[0]
        # near the receiving end, where arrows spread out; not over another label
        f = min(1.0, 26 / max(abs(y2 - ys), 1.0)) if x2 == xs else \
            (0.7 if c.received_at else 0.45)
        lx, ly = xs + (x2 - xs) * f + (10 if x2 == xs else 0), ys + (y2 - ys) * f
        if lay.free(lx, ly):
            parts.append(f'<text x="{lx:.0f}" y="{ly - 3:.0f}">{label}</text>')
    parts.append("</g>")
    return "".join(parts)


def lane_header(chart: Chart, lay: Layout) -> str:
    cells = [f'<svg id="lanes" xmlns="http://www.w3.org/2000/svg" width="{lay.width}" '
             f'height="26"><text class="colhead" x="4" y="17">event</text>']
    for name, x in lay.lane_x.items():
        cells.append(f'<text class="lanename" x="{x}" y="17">{esc(name)}</text>')
    cells.append("</svg>")
    return "".join(cells)


def legend(lay: Layout) -> str:
    kinds = "".join(f'<span class="key" style="--c:{c}">{esc(k)} '
                    f'<b>{esc(abbrev(k))}</b></span>' for k, c in lay.colour.items() if k)
    return (f'<div class="legend">{kinds}<span class="sep"></span>'
            '<span class="key">→ received</span><span class="key drop">✕ dropped</span>'
            '<span class="key dupk">◆ duplicated (dashed)</span>'
            '<span class="key fly">▷ in flight at the end</span>'
            '<span class="key crash">ϟ crash and restart (lane dashed while down)</span>'
            '</div>')
