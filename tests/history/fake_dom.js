// A stand-in for the browser, enough to run the timeline's script: every element, the
// canvas and its 2D context record what is done to them. Reads the page's scripts from
// stdin, runs them, zooms to each violation, hovers, and prints what it drew as JSON.
"use strict";
const calls = [];
function element(id) {
  const el = {id, children: [], style: {}, value: "", textContent: "", innerHTML: "",
    listeners: {}, parentElement: {clientWidth: 1200},
    appendChild(c) { this.children.push(c); return c; },
    addEventListener(t, f) { this.listeners[t] = f; },
    getBoundingClientRect() { return {left: 0, top: 0}; },
    getContext() { return ctx; }};
  return el;
}
const ctx = new Proxy({}, {get(target, name) {
  if (name in target) return target[name];
  return (...args) => { calls.push([name, ...args.map(a => typeof a === "number" ? +a.toFixed(2) : a)]); };
}, set(target, name, v) { target[name] = v; return true; }});
const elements = {};
global.document = {getElementById: id => elements[id] || (elements[id] = element(id)),
                   createElement: tag => element(tag)};
const winListeners = {};
global.window = {devicePixelRatio: 1, addEventListener: (t, f) => { winListeners[t] = f; }};
let src = "";
process.stdin.on("data", d => { src += d; });
process.stdin.on("end", () => {
  eval(src + "\n;global.__DATA = DATA;");
  const out = {rects: calls.filter(c => c[0] === "fillRect").length, jumps: 0, hovers: []};
  const cv = elements["c"];
  cv.listeners.mousemove({clientX: 150, clientY: 46 + 8});
  out.hovers.push(elements["tip"].textContent);
  const jumps = elements["jumps"].children;
  out.jumps = jumps.length;
  jumps.forEach(b => b.onclick());
  out.strokes_after_jump = calls.filter(c => c[0] === "strokeRect").length;
  cv.listeners.wheel({deltaY: 1, clientX: 500, preventDefault() {}});
  cv.listeners.mousedown({clientX: 300});
  cv.listeners.mousemove({clientX: 350, clientY: 60});
  winListeners.mouseup();
  out.details = elements["details"].children.length;
  out.ok = true;
  console.log(JSON.stringify(out));
});
