"""A history drawn as one self-contained HTML file: no network, opens in any browser.

One lane per client, each operation a bar from its invocation to its completion (an
operation of unknown outcome runs to the end), coloured by kind and outcome; the nemesis's
faults on a lane of their own and as bands across the clients; for every key that is not
linearizable, its smallest non-linearizable window (:mod:`.window`) as a highlighted band
whose operations are outlined, with a button that zooms to it and a table that lists them.
The wheel zooms, dragging pans, hovering shows an operation. The page is this module's
markup, style and script in the shell every conform page shares
(:mod:`conformance.visual.page`), with the history inlined as JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from conformance.history.ops import History
from conformance.history.window import Window
from conformance.visual.page import esc, page

KIND = {"put": 0, "get": 1, "delete": 2}
STATUS = {"ok": 0, "fail": 1, "unknown": 2}


def render(history: History, verdicts: Sequence[tuple[str, bool | None, str]],
           windows: Sequence[Window] = (), title: str = "cluster test") -> str:
    """The page. ``verdicts``: (check, ok, one line of detail) for the header."""
    lanes = history.processes()
    lane_of = {p: n for n, p in enumerate(lanes)}
    end = max(history.duration, 0.001)
    in_window = {op.index: w_i for w_i, w in enumerate(windows) for op in w.ops}
    data = {
        "lanes": lanes,
        "end": end,
        "ops": [[lane_of[op.process], KIND[op.kind], op.key, round(op.invoke, 6),
                 -1 if op.complete is None else round(op.complete, 6), STATUS[op.status],
                 op.describe() + (f"  [{op.error}]" if op.error else ""),
                 in_window.get(op.index, -1)] for op in history.ops],
        "faults": [[f.kind, f.nodes, round(f.start, 6),
                    round(f.end if f.end is not None else f.start, 6), f.leader, f.note]
                   for f in history.faults],
        "windows": [{"key": w.key, "start": w.start, "end": w.end,
                     "ops": [[op.process, op.describe(), round(op.invoke, 6),
                              None if op.complete is None else round(op.complete, 6)]
                             for op in w.ops]} for w in windows],
    }
    head = "".join(
        f'<span class="verdict {"ok" if ok else "unk" if ok is None else "bad"}">'
        f'{esc(name)}: {"yes" if ok else "unknown" if ok is None else "NO"}'
        f'{" — " + esc(detail) if detail else ""}</span>'
        for name, ok, detail in verdicts)
    settings = " · ".join(f"{esc(k)} {esc(v)}"
                          for k, v in history.info.items() if not isinstance(v, dict | list))
    body = (f"<header><h1>{esc(title)}</h1>{head}<div class=\"settings\">{settings}</div>"
            f"</header>{_CONTROLS}")
    return page(title, body, style=_STYLE, script=_SCRIPT, data=data)


def write(path: str | Path, history: History, verdicts: Sequence[tuple[str, bool | None, str]],
          windows: Sequence[Window] = (), title: str = "cluster test") -> None:
    Path(path).write_text(render(history, verdicts, windows, title), encoding="utf-8")


_STYLE = """
body{font:13px system-ui,sans-serif;margin:0;color:#222}
header{padding:8px 12px;background:#f4f4f6;border-bottom:1px solid #ddd}
h1{font-size:15px;margin:0 0 6px 0}
.verdict{display:inline-block;margin:2px 10px 2px 0;padding:2px 6px;border-radius:3px}
.ok{background:#d9f2d9}.bad{background:#f6c6c6;font-weight:bold}.unk{background:#e8e8e8}
.settings{color:#555;margin-top:4px}
#controls{padding:6px 12px}
#controls button{margin-right:6px}
canvas{display:block;width:100%;cursor:grab}
#tip{position:fixed;pointer-events:none;background:#fff;border:1px solid #888;
     padding:4px 6px;font:12px monospace;display:none;white-space:pre;z-index:2}
table{border-collapse:collapse;margin:6px 12px 14px 12px}
td,th{border:1px solid #ccc;padding:2px 6px;font:12px monospace;text-align:left}
h2{font-size:14px;margin:12px 12px 0 12px}
.legend span{display:inline-block;width:12px;height:10px;margin:0 4px 0 10px}
"""

_CONTROLS = """<div id="controls">key <select id="key"><option value="">all keys</option></select>
<button id="fit">whole run</button><span id="jumps"></span>
<span class="legend"><span style="background:#3b7dd8"></span>put<span style="background:#3aa657">
</span>get<span style="background:#8e5ccf"></span>delete<span style="background:#bdbdbd">
</span>unknown<span style="background:#f2b8b8"></span>failed</span>
&nbsp; wheel: zoom · drag: pan · hover: details</div>
<canvas id="c"></canvas><div id="tip"></div><div id="details"></div>
"""

_SCRIPT = """const cv = document.getElementById("c"), ctx = cv.getContext("2d");
const tip = document.getElementById("tip");
const LANE = 16, TOP = 46, LEFT = 84, RIGHT = 12;
const COLORS = [["#3b7dd8", "#3aa657", "#8e5ccf"], "#f2b8b8", "#bdbdbd"];
const FAULT = {"kill": "#d84040", "pause": "#e59a2a", "partition": "#8a55c8",
               "restart-all": "#7a1010", "heal": "#2a8a2a"};
let t0 = 0, t1 = DATA.end * 1.02, keyFilter = "", W = 800, H = 200;
const dpr = window.devicePixelRatio || 1;
const byLane = DATA.lanes.map(() => []);
DATA.ops.forEach((o, i) => byLane[o[0]].push(i));
const keys = [...new Set(DATA.ops.map(o => o[2]))].sort();
const sel = document.getElementById("key");
keys.forEach(k => { const o = document.createElement("option"); o.value = k; o.text = k;
                    sel.appendChild(o); });
sel.onchange = () => { keyFilter = sel.value; draw(); };
document.getElementById("fit").onclick = () => { t0 = 0; t1 = DATA.end * 1.02; draw(); };
const jumps = document.getElementById("jumps");
DATA.windows.forEach((w, n) => {
  const b = document.createElement("button");
  b.textContent = "violation on " + w.key;
  b.onclick = () => { const pad = Math.max((w.end - w.start) * 0.3, 0.05);
    t0 = w.start - pad; t1 = w.end + pad; keyFilter = w.key; sel.value = w.key; draw(); };
  jumps.appendChild(b);
});
function fmt(t) { return t.toFixed(t1 - t0 < 1 ? 4 : t1 - t0 < 20 ? 3 : 2) + "s"; }
function X(t) { return LEFT + (t - t0) / (t1 - t0) * (W - LEFT - RIGHT); }
function T(x) { return t0 + (x - LEFT) / (W - LEFT - RIGHT) * (t1 - t0); }
function niceStep(span) {
  const raw = span / 10, p = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}
function resize() {
  W = cv.parentElement.clientWidth; H = TOP + DATA.lanes.length * LANE + 24;
  cv.width = W * dpr; cv.height = H * dpr; cv.style.height = H + "px";
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0); draw();
}
function draw() {
  ctx.clearRect(0, 0, W, H);
  ctx.font = "11px sans-serif"; ctx.textBaseline = "middle";
  const bottom = TOP + DATA.lanes.length * LANE;
  const step = niceStep(t1 - t0);
  ctx.fillStyle = "#666"; ctx.strokeStyle = "#eee";
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
    const x = X(t); ctx.beginPath(); ctx.moveTo(x, 14); ctx.lineTo(x, bottom); ctx.stroke();
    ctx.fillText(fmt(t), x + 2, 8);
  }
  DATA.faults.forEach(f => {
    const a = X(f[2]), b = Math.max(X(f[3]), a + 2), c = FAULT[f[0]] || "#555";
    ctx.globalAlpha = 0.10; ctx.fillStyle = c; ctx.fillRect(a, TOP, b - a, bottom - TOP);
    ctx.globalAlpha = 1; ctx.fillRect(a, 20, b - a, 14);
    ctx.fillStyle = "#fff";
    if (b - a > 40) ctx.fillText(f[0] + " " + f[1].join(","), a + 3, 27);
  });
  DATA.windows.forEach(w => {
    if (keyFilter && keyFilter !== w.key) return;
    const a = X(w.start), b = Math.max(X(w.end), a + 2);
    ctx.fillStyle = "rgba(255,220,0,0.25)"; ctx.fillRect(a, TOP, b - a, bottom - TOP);
    ctx.strokeStyle = "#d4a000"; ctx.strokeRect(a, TOP, b - a, bottom - TOP);
  });
  ctx.fillStyle = "#333";
  DATA.lanes.forEach((name, n) => ctx.fillText(name, 4, TOP + n * LANE + LANE / 2));
  ctx.fillText("nemesis", 4, 27);
  ctx.save(); ctx.beginPath(); ctx.rect(LEFT, 0, W - LEFT, H); ctx.clip();
  DATA.ops.forEach(o => {
    if (keyFilter && o[2] !== keyFilter) return;
    const end = o[4] < 0 ? DATA.end : o[4];
    if (end < t0 || o[3] > t1) return;
    const a = X(o[3]), b = Math.max(X(end), a + 1), y = TOP + o[0] * LANE + 2;
    ctx.fillStyle = o[5] === 0 ? COLORS[0][o[1]] : COLORS[o[5]];
    ctx.fillRect(a, y, b - a, LANE - 4);
    if (o[7] >= 0) { ctx.strokeStyle = "#e00000"; ctx.lineWidth = 2;
                     ctx.strokeRect(a, y, b - a, LANE - 4); ctx.lineWidth = 1; }
    if (b - a > 60) { ctx.fillStyle = "#fff";
                      ctx.fillText(o[6].slice(0, Math.floor((b - a) / 6)), a + 2, y + 6); }
  });
  ctx.restore();
}
function opAt(mx, my) {
  const lane = Math.floor((my - TOP) / LANE);
  if (lane < 0 || lane >= DATA.lanes.length) return null;
  const t = T(mx), slack = (t1 - t0) / (W - LEFT) * 2;
  for (const i of byLane[lane]) {
    const o = DATA.ops[i], end = o[4] < 0 ? DATA.end : o[4];
    if (keyFilter && o[2] !== keyFilter) continue;
    if (o[3] - slack <= t && t <= end + slack) return o;
  }
  return null;
}
let drag = null;
cv.addEventListener("mousedown", e => { drag = {x: e.clientX, t0, t1}; });
window.addEventListener("mouseup", () => { drag = null; });
cv.addEventListener("mousemove", e => {
  const r = cv.getBoundingClientRect(), mx = e.clientX - r.left, my = e.clientY - r.top;
  if (drag) { const dt = (e.clientX - drag.x) / (W - LEFT - RIGHT) * (drag.t1 - drag.t0);
              t0 = drag.t0 - dt; t1 = drag.t1 - dt; draw(); return; }
  let text = null;
  const o = opAt(mx, my);
  if (o) text = DATA.lanes[o[0]] + "  " + o[6] + "\\ninvoked " + fmt(o[3]) +
    (o[4] < 0 ? "  never answered" : "  completed " + fmt(o[4]) + "  (" +
     ((o[4] - o[3]) * 1000).toFixed(1) + " ms)");
  else if (my >= 20 && my <= 34) {
    const t = T(mx);
    const f = DATA.faults.find(f => f[2] <= t && t <= Math.max(f[3], f[2] + (t1 - t0) / 200));
    if (f) text = f[0] + " " + f[1].join(",") + (f[4] ? " (the leader)" : "") + "\\n" +
      fmt(f[2]) + " .. " + fmt(f[3]) + (f[5] ? "\\n" + f[5] : "");
  }
  if (text) { tip.textContent = text; tip.style.display = "block";
              tip.style.left = (e.clientX + 12) + "px"; tip.style.top = (e.clientY + 12) + "px"; }
  else tip.style.display = "none";
});
cv.addEventListener("mouseleave", () => { tip.style.display = "none"; });
cv.addEventListener("wheel", e => {
  e.preventDefault();
  const r = cv.getBoundingClientRect(), t = T(e.clientX - r.left);
  const k = e.deltaY > 0 ? 1.25 : 0.8;
  t0 = t - (t - t0) * k; t1 = t + (t1 - t) * k; draw();
}, {passive: false});
const details = document.getElementById("details");
DATA.windows.forEach(w => {
  const h = document.createElement("h2");
  h.textContent = "Key " + w.key + ": the smallest window that cannot be linearized (" +
    fmt(w.start) + " .. " + fmt(w.end) + ")";
  details.appendChild(h);
  const tb = document.createElement("table");
  tb.innerHTML = "<tr><th>client</th><th>operation</th><th>invoked</th><th>completed</th></tr>";
  w.ops.forEach(o => { const tr = document.createElement("tr");
    [o[0], o[1], o[2].toFixed(4), o[3] === null ? "never" : o[3].toFixed(4)].forEach(v => {
      const td = document.createElement("td"); td.textContent = v; tr.appendChild(td); });
    tb.appendChild(tr); });
  details.appendChild(tb);
});
window.addEventListener("resize", resize);
resize();
"""
