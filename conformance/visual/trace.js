// The trace page's script: select an event or a message, show it beside the chart.
// DATA (inlined by trace_page.py): values (every distinct value once; a node is a string,
// or {r: [[field, id]]}, {f: [[keyId, id]]}, {q: [id]}, {s: [id]}), states (per event, a
// value id per variable, -1 where the trace leaves it out), events, copies, verdict.
const V = DATA.values;
const chart = document.getElementById("chart");
const detail = document.getElementById("detail");
const scroller = document.getElementById("scroll");
const rows = new Map(), dots = new Map(), arrows = new Map();
chart.querySelectorAll("g.row").forEach(g => rows.set(+g.dataset.i, g));
chart.querySelectorAll(".ev[data-i]").forEach(e => dots.set(+e.dataset.i, e));
chart.querySelectorAll("g.msg").forEach(g => arrows.set(+g.dataset.m, g));
const position = new Map(DATA.events.map((e, n) => [e.i, n]));
let selected = null;

function esc(s) {
  return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

// ---------------------------------------------------------------- values as TLA+ text

const one = new Map();  // id -> the value on one line
function text(id) {
  let t = one.get(id);
  if (t !== undefined) return t;
  const n = V[id];
  if (typeof n === "string") t = n;
  else if (n.r) t = "[" + n.r.map(([k, v]) => k + " |-> " + text(v)).join(", ") + "]";
  else if (n.f) t = "(" + n.f.map(([k, v]) => text(k) + " :> " + text(v)).join(" @@ ") + ")";
  else if (n.q) t = "<<" + n.q.map(text).join(", ") + ">>";
  else t = "{" + n.s.map(text).join(", ") + "}";
  one.set(id, t);
  return t;
}

const SHAPE = {r: ["[", "]", ", ", " |-> "], f: ["(", ")", " @@ ", " :> "],
               q: ["<<", ">>", ", ", ""], s: ["{", "}", ", ", ""]};
function kindOf(n) { return typeof n === "string" ? "a" : n.r ? "r" : n.f ? "f" : n.q ? "q" : "s"; }

// Entries of a container as [key (matching), key text, value id].
function entries(n, k) {
  if (k === "r") return n.r.map(([f, v]) => [f, f, v]);
  if (k === "f") return n.f.map(([kk, v]) => [kk, text(kk), v]);
  if (k === "q") return n.q.map((v, i) => [i, "", v]);
  return n.s.map(v => [v, "", v]);
}

// The value as HTML; with prev (the same place in the state before), what changed is
// marked: a changed leaf (with what it was), a new entry, a removed one (struck out).
function show(id, prev, indent) {
  if (prev === undefined || prev === id) return plain(id, indent);
  if (prev === null) return '<span class="add">' + plain(id, indent) + "</span>";
  const n = V[id], p = V[prev], k = kindOf(n);
  if (k === "a" || k !== kindOf(p)) {
    const was = text(prev);
    return '<span class="chg">' + plain(id, indent) + "</span>" +
      (was.length <= 80 ? ' <span class="old">(was ' + esc(was) + ")</span>" : "");
  }
  const before = new Map(entries(p, k).map(e => [e[0], e]));
  const now = entries(n, k);
  const parts = now.map(([key, label, v]) => {
    const old = before.get(key);
    before.delete(key);
    const value = k === "s" ? (old ? plain(v, indent + 1) : '<span class="add">' +
                                plain(v, indent + 1) + "</span>")
                            : show(v, old ? old[2] : null, indent + 1);
    return entry(k, label, value, !old && k !== "s");
  });
  for (const [, label, v] of before.values())
    parts.push('<span class="del">' + entry(k, label, esc(text(v)), false) + "</span>");
  return wrap(k, parts, text(id).length, indent);
}

function plain(id, indent) {
  const n = V[id], k = kindOf(n);
  const t = text(id);
  if (k === "a" || t.length + 2 * indent <= 96) return esc(t);
  return wrap(k, entries(n, k).map(([, label, v]) => entry(k, label, plain(v, indent + 1),
                                                          false)), t.length, indent);
}

function entry(k, label, value, added) {
  const key = k === "r" ? esc(label) + " |-> " : k === "f" ? esc(label) + " :> " : "";
  return added ? '<span class="add">' + key + value + "</span>" : key + value;
}

function wrap(k, parts, length, indent) {
  const [open, close, sep] = SHAPE[k];
  if (length + 2 * indent <= 96) return esc(open) + parts.join(esc(sep)) + esc(close);
  const pad = "\n" + "  ".repeat(indent + 1);
  return esc(open) + pad + parts.join(esc(sep.trimEnd()) + pad) + "\n" +
    "  ".repeat(indent) + esc(close);
}

// ---------------------------------------------------------------- the panel

function link(i) { return '<a data-goto="' + i + '">event ' + i + "</a>"; }

function copyLine(c, side) {
  let fate;
  if (c.drop !== null) fate = "dropped at " + link(c.drop);
  else if (c.lost !== null) fate = "gone at " + link(c.lost);
  else if (c.recv.length) fate = "received at " + c.recv.map(link).join(", ");
  else fate = "still in flight";
  const origin = c.dup !== null ? "a duplicate made at " + link(c.dup) + ", " : "";
  const from = side === "sent" ? "" : c.sent === null ? "no recorded send explains it, "
                                                      : "sent at " + link(c.sent) + ", ";
  return '<li><a data-msg="' + c.id + '">' + esc(c.label) + "</a> — " + origin + from +
    fate + "</li>";
}

function verdictBox() {
  const v = DATA.verdict;
  const head = document.querySelector("header .verdict");
  return head ? '<div class="verdict">' + head.innerHTML + "</div>" : esc(v.headline);
}

function showEvent(i) {
  const n = position.get(i);
  if (n === undefined) return;
  const ev = DATA.events[n];
  select(rows.get(i), dots.get(i));
  remember("event=" + i);
  const out = ['<h2>event ' + i + ": " + esc(ev.a) + (ev.n ? " at " + esc(ev.n) : "") +
               "</h2>", '<div class="kind">' + esc(ev.k) + "</div>"];
  if (DATA.verdict && DATA.verdict.event === i) out.push(verdictBox());
  if (ev.p.length) {
    out.push("<h3>parameters</h3>");
    for (const [k, v] of ev.p)
      out.push('<div class="var"><span class="name">' + esc(k) + "</span> = " +
               plain(v, 1) + "</div>");
  }
  const copies = [...ev.r.map(c => [c, "received"]), ...ev.s.map(c => [c, "sent"]),
                  ...ev.l.map(c => [c, "lost"])];
  if (copies.length) {
    out.push("<h3>messages</h3><ul class=\"msgs\">");
    for (const [c, side] of copies)
      out.push(copyLine(DATA.copies[c], side).replace("<li>", "<li>" + side + ": "));
    out.push("</ul>");
  }
  const state = DATA.states[n], before = n > 0 ? DATA.states[n - 1] : null;
  const changed = [], same = [];
  DATA.variables.forEach((name, k) => {
    const id = state[k];
    if (id < 0) return;
    const old = before === null || before[k] < 0 ? undefined : before[k];
    const html = '<span class="name">' + esc(name) + "</span> = " + show(id, old, 1);
    (old !== undefined && old !== id ? changed : same).push(
      '<div class="var' + (old !== undefined && old !== id ? "" : " same") + '">' + html +
      "</div>");
  });
  out.push("<h3>state after event " + i + (before ? ": what it changed" : "") + "</h3>");
  out.push(changed.length ? changed.join("") : (before ? "<p>nothing changed</p>" : ""));
  if (before) {
    out.push("<details" + (changed.length ? "" : " open") + "><summary>" + same.length +
             " unchanged variables</summary>" + same.join("") + "</details>");
  } else out.push(same.join(""));
  detail.innerHTML = out.join("");
}

function showCopy(id) {
  const c = DATA.copies[id];
  select(null, null, arrows.get(id));
  remember("message=" + id);
  detail.innerHTML = "<h2>message " + esc(c.label) + "</h2>" +
    '<div class="kind">' + esc(c.fate) + (c.dup !== null ? ", a duplicate" : "") + "</div>" +
    '<div class="var">' + plain(c.v, 0) + "</div>" +
    '<ul class="msgs">' + copyLine(c, "message").replace("<li>", "<li>from " +
      esc(c.from || "?") + " to " + esc(c.to || "?") + ": ") + "</ul>";
}

function select(row, dot, arrow) {
  if (selected) selected.forEach(e => e && e.classList.remove("sel"));
  selected = [row, dot, arrow];
  selected.forEach(e => e && e.classList.add("sel"));
  if (row) selectedEvent = +row.dataset.i;
}
let selectedEvent = null;

function reveal(i) {
  const row = rows.get(i);
  if (!row) return;
  const y = +row.querySelector("rect").getAttribute("y");
  const h = scroller.clientHeight;
  if (y < scroller.scrollTop + 30 || y > scroller.scrollTop + h - 40)
    scroller.scrollTop = Math.max(0, y - h / 3);
}

// ---------------------------------------------------------------- wiring

chart.addEventListener("click", e => {
  const m = e.target.closest("[data-m]");
  if (m) { showCopy(+m.dataset.m); return; }
  const ev = e.target.closest("[data-i]");
  if (ev) showEvent(+ev.dataset.i);
});
document.addEventListener("click", e => {
  const a = e.target.closest("a[data-goto], a[data-msg]");
  if (!a) return;
  e.preventDefault();
  if (a.dataset.goto !== undefined) { showEvent(+a.dataset.goto); reveal(+a.dataset.goto); }
  else showCopy(+a.dataset.msg);
});
document.addEventListener("keydown", e => {
  if (e.key !== "ArrowDown" && e.key !== "ArrowUp" && e.key !== "j" && e.key !== "k") return;
  const n = position.get(selectedEvent === null ? 0 : selectedEvent);
  const next = DATA.events[Math.max(0, Math.min(DATA.events.length - 1,
    n + (e.key === "ArrowDown" || e.key === "j" ? 1 : -1)))];
  e.preventDefault();
  showEvent(next.i);
  reveal(next.i);
});

// The address says what is shown (#event=12, #message=3), so a link opens on it.
function fromAddress() {
  const m = /^#(event|message)=(\d+)$/.exec(location.hash);
  if (m && m[1] === "message" && DATA.copies[+m[2]]) { showCopy(+m[2]); return; }
  const i = m && m[1] === "event" && position.has(+m[2]) ? +m[2]
          : DATA.verdict ? DATA.verdict.event : 0;
  showEvent(i);
  reveal(i);
}
function remember(what) {
  try { history.replaceState(null, "", "#" + what); } catch (e) { /* file: in some browsers */ }
}
window.addEventListener("hashchange", fromAddress);
fromAddress();
// for tests and the benchmark: when the script ended and when the page was first painted
// (milliseconds since the navigation started)
document.body.dataset.ready = Math.round(performance.now());
requestAnimationFrame(() => requestAnimationFrame(() => {
  document.body.dataset.painted = Math.round(performance.now());
}));
