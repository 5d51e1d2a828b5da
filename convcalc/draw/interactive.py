"""One convolution to play with: a self-contained HTML page (inline CSS and JavaScript, no network).

Inputs for N, F, S, P, D, transposed and output padding (and the channels,
for the parameter count); the page shows the output size formula with the
numbers put in, why a stride doesn't fit and what would, the parameters and
MACs, and the grid with the window sliding over it. Clicking an output cell
lists the inputs and weights that it sums.

The page's arithmetic is a port of :mod:`convcalc.shapes` (and of the
counts in ``convcalc/layers/conv.py``) to JavaScript, exposed as
``window.convcalcPage.compute(settings)`` and ``.sums(settings, row, col)``;
``tests/test_interactive.py`` drives it in headless Chromium and holds every
number and formula to the Python engine's.
"""

from __future__ import annotations

__all__ = ["interactive_page"]

_STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 1.5rem auto; max-width: 80rem;
       padding: 0 1rem; color: #1d2330; }
h1 { font-size: 1.4rem; margin: 0 0 .3rem; }
.controls { display: flex; flex-wrap: wrap; gap: .6rem 1.2rem; align-items: end; background: #f4f6fa;
            padding: .7rem 1rem; border-radius: 6px; }
.controls label { display: flex; flex-direction: column; font-size: .8rem; color: #5b6475; }
.controls input[type=number] { width: 4.2rem; font-size: 1rem; padding: .15rem .3rem; }
.controls .check { flex-direction: row; align-items: center; gap: .3rem; font-size: .95rem; color: #1d2330; }
.formula { font: 1.05rem ui-monospace, Menlo, Consolas, monospace; margin: .8rem 0 .3rem; }
.formula .result { font-weight: bold; }
.error { color: #b00020; font-weight: 600; }
.uneven { background: #fff7e6; border-left: 4px solid #f0a030; padding: .4rem .8rem; margin: .5rem 0; }
.uneven ul { margin: .2rem 0; }
.counts { font: .95rem ui-monospace, Menlo, Consolas, monospace; color: #333; }
.stage { display: flex; gap: 1.5rem; align-items: flex-start; flex-wrap: wrap; margin-top: .8rem; }
#grid { border: 1px solid #e3e6ec; border-radius: 6px; }
.sums { font: .9rem ui-monospace, Menlo, Consolas, monospace; max-width: 32rem; }
.sums h2 { font: 600 1rem system-ui, sans-serif; margin: 0 0 .3rem; }
.sums li { margin: .1rem 0; }
.zero-term { color: #999; }
.cell-input { fill: #9ecae1; stroke: #3a6f96; }
.cell-padding { fill: #d9d9d9; stroke: #8c8c8c; stroke-dasharray: 3 2; }
.cell-zero { fill: #ffffff; stroke: #3a6f96; stroke-dasharray: 4 3; }
.cell-unread { fill: #9ecae1; stroke: #3a6f96; opacity: .45; }
.cell-output { fill: #e5f5e0; stroke: #31a354; cursor: pointer; }
.cell-output:hover { fill: #c7e9c0; }
.cell-done { fill: #74c476; }
.cell-current { fill: #f28e2b; stroke: #a3500b; stroke-width: 2; }
.tap { fill: #f28e2b; fill-opacity: .65; stroke: #a3500b; stroke-width: 2; pointer-events: none; }
.grid-label { font: 13px system-ui, sans-serif; fill: #333; }
button { font-size: .95rem; padding: .2rem .8rem; }
"""

_BODY = """
<h1>One convolution, worked</h1>
<p>Change the settings: the output size, the reason a stride doesn't fit, the parameters and the picture follow.
Click an output cell to see the inputs and weights it sums.</p>
<form class="controls" id="controls" onsubmit="return false">
  <label>input N <input type="number" id="n" min="1" max="64" value="7"></label>
  <label>kernel F <input type="number" id="k" min="1" max="15" value="3"></label>
  <label>stride S <input type="number" id="s" min="1" max="16" value="3"></label>
  <label>padding P <input type="number" id="p" min="0" max="15" value="0"></label>
  <label>dilation D <input type="number" id="d" min="1" max="8" value="1"></label>
  <label class="check"><input type="checkbox" id="transposed"> transposed</label>
  <label>output padding A <input type="number" id="a" min="0" max="15" value="0"></label>
  <label class="check"><input type="checkbox" id="oned"> 1-D</label>
  <label>channels in <input type="number" id="cin" min="1" max="4096" value="3"></label>
  <label>filters <input type="number" id="cout" min="1" max="4096" value="1"></label>
  <label>speed <input type="range" id="speed" min="0.25" max="4" step="0.25" value="1"></label>
  <button type="button" id="play">pause</button>
</form>
<div class="formula" id="formula"></div>
<div id="uneven"></div>
<div class="counts" id="counts"></div>
<div class="stage">
  <svg id="grid" xmlns="http://www.w3.org/2000/svg" width="600" height="300"></svg>
  <div class="sums" id="sums"><h2>Click an output cell</h2></div>
</div>
"""

_SCRIPT = r"""
"use strict";
(function () {
const MAX_CELLS = 64;
const mod = (a, b) => ((a % b) + b) % b;
const fdiv = (a, b) => Math.floor(a / b);
const commas = (v) => String(v).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
const effective = (k, d) => d * (k - 1) + 1;

// shapes.format_number of (span + s)/s, rounded as Python's "%.2f" (half to even on the exact value)
function quotientText(span, s) {
  if (mod(span, s) === 0) return String(fdiv(span, s) + 1);
  const num = 100 * (span + s);
  let q = fdiv(num, s);
  const r = num - q * s;
  if (2 * r > s || (2 * r === s && q % 2 === 1)) q += 1;
  const whole = fdiv(q, 100), cents = q - whole * 100;
  let text = whole + "." + String(cents).padStart(2, "0");
  return text.replace(/0+$/, "").replace(/\.$/, "");
}

// shapes.slide_formula
function slideFormula(n, k, s, lo, hi, d) {
  const f = effective(k, d);
  const padding = lo === hi ? (lo ? ` + 2·${lo}` : "") : ` + ${lo} + ${hi}`;
  return `(${n}${padding} − ${f})/${s} + 1 = ${quotientText(n + lo + hi - f, s)}`;
}

// shapes.floored_formula
function flooredFormula(n, k, s, lo, hi, d) {
  const span = n + lo + hi - effective(k, d);
  const text = slideFormula(n, k, s, lo, hi, d);
  return mod(span, s) === 0 ? text : `${text} → ${fdiv(span, s) + 1}`;
}

// shapes.transposed_output and shapes.transposed_formula
function transposedOutput(n, k, s, lo, hi, d, a) {
  return (n - 1) * s - lo - hi + d * (k - 1) + a + 1;
}
function transposedFormula(n, k, s, lo, hi, d, a) {
  const padding = lo === hi ? (lo ? ` − 2·${lo}` : "") : ` − ${lo} − ${hi}`;
  const kernel = d > 1 ? `${d}·(${k} − 1)` : `(${k} − 1)`;
  const extra = a ? ` + ${a}` : "";
  return `(${n} − 1)·${s}${padding} + ${kernel}${extra} + 1 = ${transposedOutput(n, k, s, lo, hi, d, a)}`;
}

// shapes.uneven_stride with its _fitting_paddings, _fitting_strides, _fitting_inputs
function unevenStride(n, k, s, lo, hi, d) {
  const f = effective(k, d);
  const span = n + lo + hi - f;
  const remainder = mod(span, s);
  if (span < 0 || remainder === 0) return null;
  const total = n + lo + hi;
  const unreadInput = Math.max(0, Math.min(total, lo + n) - Math.max(total - remainder, lo));
  const padTotal = lo + hi;
  const first = mod(f - n, s);
  const base = first + fdiv(padTotal - first, s) * s;
  let candidates = [];
  for (let j = -4; j <= 4; j++) candidates.push(base + j * s);
  candidates = candidates.filter((t) => t >= Math.max(f - n, 0));
  const symmetric = candidates.filter((t) => t % 2 === 0);
  const chosen = symmetric.length ? symmetric : candidates;
  const below = chosen.filter((t) => t < padTotal).slice(-1);
  const above = chosen.filter((t) => t > padTotal).slice(0, 1);
  const paddings = below.concat(above).map((t) => [fdiv(t, 2), t - fdiv(t, 2)]);
  const strides = [];
  for (let t = s - 1; t > Math.max(s - 1 - 64, 0); t--) if (span % t === 0) { strides.push(t); break; }
  for (let t = s + 1; t <= Math.min(span, 2 * s); t++) if (span % t === 0) { strides.push(t); break; }
  const smaller = n - remainder;
  const inputs = smaller >= 1 ? [smaller, smaller + s] : [smaller + s];
  return {
    formula: slideFormula(n, k, s, lo, hi, d), output: fdiv(span, s) + 1, remainder,
    unreadInput, unreadPadding: remainder - unreadInput,
    fittingPaddings: paddings, fittingStrides: strides, fittingInputs: inputs,
  };
}

// layers/worked.count_line
function countLine(label, factors, biasUnits, plus) {
  let text, value;
  const product = factors.reduce((x, y) => x * y, 1);
  if (biasUnits === null && factors.length === 1 && !plus) return `${label}: ${commas(factors[0])}`;
  if (biasUnits === null) { text = factors.join("·"); value = product; }
  else { text = `(${factors.join("·")} + 1)·${biasUnits}`; value = (product + 1) * biasUnits; }
  if (plus) { text = `${text} + ${plus}`; value += plus; }
  return `${label}: ${text} = ${commas(value)}`;
}

function read() {
  const v = (id) => Number(document.getElementById(id).value);
  return {
    n: v("n"), k: v("k"), s: v("s"), p: v("p"), d: v("d"), a: v("a"),
    transposed: document.getElementById("transposed").checked,
    dims: document.getElementById("oned").checked ? 1 : 2, cin: v("cin"), cout: v("cout"),
  };
}

function problem(c) {
  const limits = [["n", "input", 1, 64], ["k", "kernel", 1, 15], ["s", "stride", 1, 16], ["p", "padding", 0, 15],
                  ["d", "dilation", 1, 8], ["a", "output padding", 0, 15], ["cin", "channels", 1, 4096],
                  ["cout", "filters", 1, 4096]];
  for (const [key, name, low, high] of limits) {
    if (!Number.isInteger(c[key]) || c[key] < low || c[key] > high) return `${name} must be a whole number from ${low} to ${high}`;
  }
  if (!c.transposed && c.a) return "output padding is for transposed convolutions only";
  if (c.transposed && c.a >= Math.max(c.s, c.d)) return `output padding ${c.a} must be smaller than the stride or the dilation (${Math.max(c.s, c.d)})`;
  const f = effective(c.k, c.d);
  if (!c.transposed && f > c.n + 2 * c.p) return `kernel ${c.k}${c.d > 1 ? ` (dilated to ${f})` : ""} is larger than the padded input ${c.n + 2 * c.p}`;
  if (c.transposed && transposedOutput(c.n, c.k, c.s, c.p, c.p, c.d, c.a) < 1) return `output size ${transposedOutput(c.n, c.k, c.s, c.p, c.p, c.d, c.a)} is < 1`;
  const reach = c.d * (c.k - 1);
  const cells = c.transposed ? (c.n - 1) * c.s + 1 + Math.max(reach - c.p, 0) + Math.max(reach - c.p + c.a, 0) : c.n + 2 * c.p;
  if (cells > MAX_CELLS) return `too large to draw: ${cells} cells across (at most ${MAX_CELLS})`;
  return null;
}

// Everything the page shows, as data: the test compares it with the Python engine.
function compute(c) {
  const error = problem(c);
  if (error) return { ok: false, error };
  const { n, k, s, p, d, a } = c;
  const out = c.transposed ? transposedOutput(n, k, s, p, p, d, a) : fdiv(n + 2 * p - effective(k, d), s) + 1;
  const formula = c.transposed ? transposedFormula(n, k, s, p, p, d, a) : flooredFormula(n, k, s, p, p, d);
  const uneven = c.transposed ? null : unevenStride(n, k, s, p, p, d);
  const kernel = Array(c.dims).fill(k), outs = Array(c.dims).fill(out), ins = Array(c.dims).fill(n);
  let paramsLine, macsLine, params, macs;
  if (c.transposed) {
    paramsLine = countLine("params", [...kernel, c.cout, c.cin], null, c.cout);
    macsLine = countLine("MACs", [...ins, ...kernel, c.cout, c.cin], null, 0);
    params = c.cin * c.cout * k ** c.dims + c.cout;
    macs = c.cin * n ** c.dims * c.cout * k ** c.dims;
  } else {
    paramsLine = countLine("params", [...kernel, c.cin], c.cout, 0);
    macsLine = countLine("MACs", [...outs, c.cout, ...kernel, c.cin], null, 0);
    params = (k ** c.dims * c.cin + 1) * c.cout;
    macs = out ** c.dims * c.cout * k ** c.dims * c.cin;
  }
  const equivalent = c.transposed ? [d * (k - 1) - p, d * (k - 1) - p + a] : [p, p];
  return { ok: true, out, formula, uneven, params, macs, paramsLine, macsLine, positions: out ** c.dims,
           equivalentPadding: equivalent, zeros: c.transposed ? s - 1 : 0 };
}

// Along one axis, the (input index, weight index) pairs output o sums; padding and inserted zeros add nothing.
function axisTerms(c, o) {
  const terms = [];
  for (let t = 0; t < c.k; t++) {
    if (c.transposed) {
      // out[i·s − p + t·d] += x[i]·w[t]
      const q = o + c.p - t * c.d;
      if (q >= 0 && q % c.s === 0 && q / c.s < c.n) terms.push([q / c.s, t]);
    } else {
      const i = o * c.s - c.p + t * c.d;
      if (i >= 0 && i < c.n) terms.push([i, t]);
    }
  }
  return terms;
}

function sums(c, row, col) {
  const rows = c.dims === 1 ? [[0, 0]] : axisTerms(c, row);
  const cols = axisTerms(c, col);
  const terms = [];
  for (const [ri, rt] of rows) for (const [ci, ct] of cols) {
    terms.push(c.dims === 1 ? { input: [ci], weight: [ct] } : { input: [ri, ci], weight: [rt, ct] });
  }
  return terms;
}

// ---------------------------------------------------------------- the drawing
const SVGNS = "http://www.w3.org/2000/svg";
let state = { config: null, result: null, step: 0, timer: null, playing: true, chosen: null };

function geometry(c) {
  // Cells drawn along one axis: kinds and, for each output o, the drawn index of its first tap.
  const kinds = [];
  let origin, step;
  if (c.transposed) {
    const f = c.d * (c.k - 1), before = f - c.p, after = f - c.p + c.a;
    const stretched = (c.n - 1) * c.s + 1;
    for (let i = 0; i < Math.max(before, 0); i++) kinds.push("padding");
    for (let i = 0; i < stretched; i++) kinds.push(i % c.s === 0 ? "input" : "zero");
    for (let i = 0; i < Math.max(after, 0); i++) kinds.push("padding");
    origin = Math.max(-before, 0); step = 1;
  } else {
    for (let i = 0; i < c.p; i++) kinds.push("padding");
    for (let i = 0; i < c.n; i++) kinds.push("input");
    for (let i = 0; i < c.p; i++) kinds.push("padding");
    origin = 0; step = c.s;
  }
  return { kinds, origin, step };
}

function el(name, attrs, text) {
  const node = document.createElementNS(SVGNS, name);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function draw() {
  const svg = document.getElementById("grid");
  svg.replaceChildren();
  const c = state.config, r = state.result;
  if (!r.ok) { svg.setAttribute("width", 10); svg.setAttribute("height", 10); return; }
  const g = geometry(c);
  const cells = g.kinds.length, out = r.out;
  const size = Math.max(8, Math.min(28, Math.floor(560 / Math.max(cells, 1))));
  const rowsDrawn = c.dims === 1 ? 1 : cells, outRows = c.dims === 1 ? 1 : out;
  const covered = new Set();
  for (let o = 0; o < out; o++) for (let t = 0; t < c.k; t++) covered.add(g.origin + o * g.step + t * c.d);
  const top = 30, left = 10;
  const outLeft = c.dims === 1 ? left : left + cells * size + 60;
  const outTop = c.dims === 1 ? top + size * 3 : top;
  svg.appendChild(el("text", { x: left, y: top - 10, class: "grid-label" },
    `input ${c.dims === 1 ? c.n : c.n + "×" + c.n}${c.transposed ? ", stretched and padded" : c.p ? ", padded" : ""}`));
  svg.appendChild(el("text", { x: outLeft, y: outTop - 10 + (c.dims === 1 ? 4 : 0), class: "grid-label" },
    `output ${c.dims === 1 ? out : out + "×" + out}`));
  for (let y = 0; y < rowsDrawn; y++) for (let x = 0; x < cells; x++) {
    const ky = c.dims === 1 ? "input" : g.kinds[y], kx = g.kinds[x];
    let kind = ky === "padding" || kx === "padding" ? "padding" : ky === "zero" || kx === "zero" ? "zero" : "input";
    if (kind === "input" && !c.transposed && (!covered.has(x) || (c.dims === 2 && !covered.has(y)))) kind = "unread";
    svg.appendChild(el("rect", { x: left + x * size, y: top + y * size, width: size, height: size, class: `cell-${kind}` }));
  }
  const outX = (col) => c.dims === 1 ? left + (g.origin + col * g.step + (effective(c.k, c.d)) / 2) * size - size / 2 : outLeft + col * size;
  for (let y = 0; y < outRows; y++) for (let x = 0; x < out; x++) {
    const index = y * out + x;
    const cls = index === state.step ? "cell-current" : index < state.step ? "cell-output cell-done" : "cell-output";
    const cell = el("rect", { x: outX(x), y: outTop + y * size, width: size, height: size, class: cls,
                              "data-row": y, "data-col": x });
    cell.addEventListener("click", () => choose(y, x));
    svg.appendChild(cell);
  }
  const [wy, wx] = c.dims === 1 ? [0, state.step] : [Math.floor(state.step / out), state.step % out];
  for (let ty = 0; ty < (c.dims === 1 ? 1 : c.k); ty++) for (let tx = 0; tx < c.k; tx++) {
    const gy = c.dims === 1 ? 0 : g.origin + wy * g.step + ty * c.d, gx = g.origin + wx * g.step + tx * c.d;
    svg.appendChild(el("rect", { x: left + gx * size + 3, y: top + gy * size + 3, width: size - 6, height: size - 6, class: "tap" }));
  }
  svg.setAttribute("width", Math.max(outLeft + out * size, left + cells * size) + 20);
  svg.setAttribute("height", Math.max(outTop + outRows * size, top + rowsDrawn * size) + 20);
}

function choose(row, col) {
  const c = state.config, out = state.result.out;
  state.step = c.dims === 1 ? col : row * out + col;
  state.chosen = [row, col];
  pause();
  draw();
  const terms = sums(c, row, col);
  const where = c.dims === 1 ? `y[${col}]` : `y[${row}, ${col}]`;
  const name = (prefix, idx) => `${prefix}[${idx.join(", ")}]`;
  const box = document.getElementById("sums");
  box.replaceChildren();
  const head = document.createElement("h2");
  head.textContent = `${where} sums ${terms.length} term${terms.length === 1 ? "" : "s"}` +
    (c.cin > 1 ? ` per input channel (× ${c.cin})` : "");
  box.appendChild(head);
  const list = document.createElement("ul");
  list.id = "terms";
  for (const t of terms) {
    const item = document.createElement("li");
    item.textContent = `${name("x", t.input)} · ${name("w", t.weight)}`;
    list.appendChild(item);
  }
  box.appendChild(list);
  const note = document.createElement("p");
  note.className = "zero-term";
  const all = c.dims === 1 ? c.k : c.k * c.k;
  note.textContent = all > terms.length ? `the other ${all - terms.length} weights meet padding or inserted zeros` : "every weight meets an input";
  box.appendChild(note);
}

function show() {
  const c = state.config = read();
  const r = state.result = compute(c);
  const formula = document.getElementById("formula");
  const uneven = document.getElementById("uneven");
  const counts = document.getElementById("counts");
  uneven.replaceChildren();
  if (!r.ok) {
    formula.innerHTML = "";
    const e = document.createElement("span");
    e.className = "error";
    e.textContent = r.error;
    formula.appendChild(e);
    counts.textContent = "";
    draw();
    return;
  }
  const general = c.transposed ? "output = (N − 1)·S − 2P + D(F − 1) + A + 1" : "output = (N + 2P − F)/S + 1" + (c.d > 1 ? ", F = D(K − 1) + 1" : "");
  formula.textContent = `${general} = ${r.formula}`;
  formula.dataset.out = r.out;
  if (c.transposed) {
    const p = document.createElement("p");
    p.textContent = `as a direct convolution: S − 1 = ${r.zeros} zero${r.zeros === 1 ? "" : "s"} inserted between inputs, ` +
      `padding D(F − 1) − P = ${r.equivalentPadding[0]} before and ${r.equivalentPadding[1]} after, stride 1`;
    uneven.appendChild(p);
  } else if (r.uneven) {
    const u = r.uneven;
    const box = document.createElement("div");
    box.className = "uneven";
    const lines = [
      `${u.formula} is not an integer: the stride doesn't fit, the output is floored to ${u.output}.`,
      u.unreadInput ? `${u.unreadInput} input row${u.unreadInput > 1 ? "s" : ""}/column${u.unreadInput > 1 ? "s" : ""} (the last) never read` +
        (u.unreadPadding ? `, nor ${u.unreadPadding} padding position${u.unreadPadding > 1 ? "s" : ""}.` : ".")
        : `No input lost: ${u.unreadPadding} padding position${u.unreadPadding > 1 ? "s" : ""} never read.`,
    ];
    for (const line of lines) { const p = document.createElement("div"); p.textContent = line; box.appendChild(p); }
    const list = document.createElement("ul");
    for (const [lo, hi] of u.fittingPaddings) {
      const li = document.createElement("li");
      li.textContent = `padding ${lo === hi ? lo : `[${lo}, ${hi}]`}: ${slideFormula(c.n, c.k, c.s, lo, hi, c.d)}`;
      list.appendChild(li);
    }
    for (const t of u.fittingStrides) {
      const li = document.createElement("li");
      li.textContent = `stride ${t}: ${slideFormula(c.n, c.k, t, c.p, c.p, c.d)}`;
      list.appendChild(li);
    }
    for (const m of u.fittingInputs) {
      const li = document.createElement("li");
      li.textContent = `input ${m}: ${slideFormula(m, c.k, c.s, c.p, c.p, c.d)}`;
      list.appendChild(li);
    }
    const head = document.createElement("div");
    head.textContent = "exact fits:";
    box.appendChild(head);
    box.appendChild(list);
    uneven.appendChild(box);
  } else {
    const p = document.createElement("p");
    p.textContent = "the stride fits exactly: every window lies inside the padded input, none is left over";
    uneven.appendChild(p);
  }
  counts.replaceChildren();
  for (const line of [r.paramsLine, r.macsLine]) {
    const div = document.createElement("div");
    div.textContent = line;
    counts.appendChild(div);
  }
  if (state.step >= r.positions) state.step = 0;
  draw();
  if (state.chosen) {
    const [row, col] = state.chosen;
    state.chosen = null;
    if ((c.dims === 1 ? row === 0 : row < r.out) && col < r.out) choose(row, col);
  }
}

function tick() {
  if (!state.result || !state.result.ok) return;
  state.step = (state.step + 1) % state.result.positions;
  draw();
}

function play() {
  clearInterval(state.timer);
  const speed = Number(document.getElementById("speed").value) || 1;
  state.timer = setInterval(tick, 800 / speed);
  state.playing = true;
  document.getElementById("play").textContent = "pause";
}

function pause() {
  clearInterval(state.timer);
  state.playing = false;
  document.getElementById("play").textContent = "play";
}

document.getElementById("controls").addEventListener("input", (event) => {
  if (event.target.id === "speed") { if (state.playing) play(); return; }
  show();
});
document.getElementById("play").addEventListener("click", () => (state.playing ? pause() : play()));
window.convcalcPage = { compute, sums, show, pause, play, read };
show();
play();
})();
"""


def interactive_page() -> str:
    """The page's HTML: one file, no network, nothing to install."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>convcalc: one convolution, worked</title>\n"
        f"<style>{_STYLE}</style>\n</head>\n<body>\n{_BODY}\n<script>{_SCRIPT}</script>\n</body>\n</html>\n"
    )
