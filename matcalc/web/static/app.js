// matcalc's page: a client of the JSON API (POST /api/derivative, /api/check, /api/code).
// The whole state lives in the query string (e expression, k kinds, o order, w/w2 variables,
// c claim, b backend), so a link shares a result. Nothing here evaluates user text.
"use strict";

const $ = (id) => document.getElementById(id);
const KINDS = ["scalar", "vector", "matrix", "symmetric", "square", "scalar function", "vector function", "matrix function"];
const state = { expr: "", kinds: {}, order: "1", wrt1: "", wrt2: "", claim: "", backend: "numpy" };
let symbols = [];      // the last symbol table the server sent
let code = null;       // the last generated module: {code, filename}
let describeTimer = 0;
let generation = 0;    // answers to older requests are dropped
let stepsShown = false; // the steps of the derivative on show are on show too

// ---- the address ------------------------------------------------------------------------

function readAddress() {
  const q = new URLSearchParams(location.search);
  state.expr = q.get("e") || "";
  state.kinds = {};
  for (const spec of q.getAll("k")) {
    const at = spec.indexOf(":");
    if (at > 0 && KINDS.includes(spec.slice(at + 1))) state.kinds[spec.slice(0, at)] = spec.slice(at + 1);
  }
  state.order = ["1", "2", "mixed"].includes(q.get("o")) ? q.get("o") : "1";
  state.wrt1 = q.get("w") || "";
  state.wrt2 = q.get("w2") || "";
  state.claim = q.get("c") || "";
  state.backend = ["numpy", "jax", "torch"].includes(q.get("b")) ? q.get("b") : "numpy";
}

function writeAddress() {
  const q = new URLSearchParams();
  if (state.expr) q.set("e", state.expr);
  for (const [name, kind] of Object.entries(state.kinds)) q.append("k", `${name}:${kind}`);
  if (state.order !== "1") q.set("o", state.order);
  if (state.wrt1) q.set("w", state.wrt1);
  if (state.order === "mixed" && state.wrt2) q.set("w2", state.wrt2);
  if (state.claim) q.set("c", state.claim);
  if (state.backend !== "numpy") q.set("b", state.backend);
  const search = q.toString();
  history.replaceState(null, "", search ? `?${search}` : location.pathname);
}

// ---- talking to the server ----------------------------------------------------------------

async function api(route, body) {
  let response;
  try {
    response = await fetch(`/api/${route}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  } catch (err) {
    return { error: { type: "NetworkError", message: "the matcalc server cannot be reached", field: null, position: null } };
  }
  try {
    return await response.json();
  } catch (err) {
    return { error: { type: "HttpError", message: `the server answered ${response.status}`, field: null, position: null } };
  }
}

function wrtList() {
  if (!state.wrt1) return [];
  if (state.order === "2") return [state.wrt1, state.wrt1];
  if (state.order === "mixed") return state.wrt2 ? [state.wrt1, state.wrt2] : [state.wrt1];
  return [state.wrt1];
}

function request(extra) {
  return { expression: state.expr, kinds: state.kinds, ...extra };
}

// ---- rendering ------------------------------------------------------------------------------

function tex(element, latex) {
  element.textContent = "";
  if (window.katex) {
    window.katex.render(latex, element, { displayMode: true, throwOnError: false, output: "htmlAndMathml" });
  } else {
    element.textContent = latex;
  }
}

function showError(which, error) {
  const box = $(`${which}-error`);
  const input = $(which === "expression" ? "expression" : "claim");
  const marker = $(`${which}-caret`);
  if (!error) {
    box.hidden = true;
    marker.hidden = true;
    input.removeAttribute("aria-invalid");
    return;
  }
  box.hidden = false;
  box.querySelector(".message").textContent = error.message;
  const echo = box.querySelector(".caret-echo");
  if (Number.isInteger(error.position) && error.field === which) {
    echo.textContent = `${input.value}\n${" ".repeat(error.position)}^`;
    echo.hidden = false;
    input.setAttribute("aria-invalid", "true");
    placeCaret(input, marker, error.position);
  } else {
    echo.hidden = true;
    marker.hidden = true;
    input.setAttribute("aria-invalid", "true");
  }
}

// The marker sits under the character at `position`: measured with the input's own font.
function placeCaret(input, marker, position) {
  const style = getComputedStyle(input);
  const canvas = placeCaret.canvas || (placeCaret.canvas = document.createElement("canvas"));
  const context = canvas.getContext("2d");
  context.font = `${style.fontSize} ${style.fontFamily}`;
  const before = context.measureText(input.value.slice(0, position)).width;
  const width = context.measureText(input.value.charAt(position) || " ").width;
  const left = parseFloat(style.paddingLeft) + parseFloat(style.borderLeftWidth) + before + width / 2 - input.scrollLeft;
  marker.style.left = `${Math.max(0, Math.min(left, input.clientWidth))}px`;
  marker.hidden = false;
}

function fillSymbols(answer) {
  symbols = answer.symbols;
  const body = $("symbols").querySelector("tbody");
  body.textContent = "";
  for (const s of symbols) {
    const row = body.insertRow();
    const name = row.insertCell();
    const label = document.createElement("code");
    label.textContent = s.name;
    name.append(label);
    const kindCell = row.insertCell();
    const select = document.createElement("select");
    select.id = `kind-${s.name}`;
    select.setAttribute("aria-label", `kind of ${s.name}`);
    for (const kind of KINDS) select.add(new Option(kind, kind, false, kind === s.kind));
    select.addEventListener("change", () => {
      state.kinds[s.name] = select.value;
      refresh(!$("result").hidden);
    });
    kindCell.append(select);
    if (s.guessed) {
      const note = document.createElement("span");
      note.className = "guessed";
      note.textContent = "guessed from its first letter";
      kindCell.append(note);
    }
    row.insertCell().textContent = s.dims.length ? s.dims.join(" × ") : "—";
  }
  $("symbols").hidden = symbols.length === 0;
  $("symbols-empty").hidden = symbols.length !== 0;
  fillWrt();
}

function fillWrt() {
  const variables = symbols.filter((s) => !s.function).map((s) => s.name);
  for (const [id, key] of [["wrt1", "wrt1"], ["wrt2", "wrt2"]]) {
    const select = $(id);
    select.textContent = "";
    for (const name of variables) select.add(new Option(name, name));
    if (!variables.includes(state[key])) state[key] = variables[0] || "";
    select.value = state[key];
  }
  $("order").value = state.order;
  $("wrt2-box").hidden = state.order !== "mixed";
}

function showDerivative(answer) {
  const d = answer.derivative;
  const wrt = answer.wrt;
  $("result").hidden = false;
  const by = wrt.map((w) => `\\partial ${w}`).join("\\,");
  const power = wrt.length > 1 ? `^{${wrt.length}}` : "";
  window.katex
    ? window.katex.render(`\\frac{\\partial${power} f}{${by}},\\quad f = ${answer.latex}`, $("result-of"), { throwOnError: false })
    : ($("result-of").textContent = answer.expression);
  $("result-shape").textContent = `shape: ${d.shape.text} (the shape of f, then that of ${wrt.join(", then ")})`;
  tex($("form-matrix"), d.latex.matrix);
  tex($("form-index"), d.latex.index);
  tex($("form-where"), d.latex.where);
  const last = wrt[wrt.length - 1];
  const of = wrt.length > 1 ? `∂f/${wrt.slice(0, -1).map((w) => `∂${w}`).join(" ")}` : "f";
  $("vec-caption").textContent = `Vec form: ∂vec(${of})/∂vec(${last})ᵀ`;
  if (d.latex.vec) tex($("form-vec"), d.latex.vec);
  else $("form-vec").textContent = d.unavailable.vec || "not available";
  $("result-text").textContent = d.text;
  renderSteps(d);
}

// The steps come with a derivative only when their panel is open (they are a second derivation).
function renderSteps(d) {
  const list = $("steps");
  list.textContent = "";
  for (const step of d.steps || []) {
    const item = document.createElement("li");
    const title = document.createElement("div");
    title.className = "step-title";
    title.textContent = step.title;
    const math = document.createElement("div");
    math.className = "math";
    tex(math, step.latex);
    item.append(title, math);
    list.append(item);
  }
  if (!d.steps) list.textContent = d.unavailable.steps || "";
  stepsShown = Boolean(d.steps || d.unavailable.steps);
}

async function loadSteps() {
  if (stepsShown || $("result").hidden || !$("steps-box").open) return;
  const mine = generation;
  $("steps").textContent = "computing…";
  const answer = await api("derivative", request({ wrt: wrtList(), steps: true }));
  if (mine !== generation) return;
  if (answer.error) $("steps").textContent = answer.error.message;
  else renderSteps(answer.derivative);
}

function matrixTex(value) {
  const fmt = (v) => (Math.abs(v) < 5e-5 ? "0" : v.toFixed(4));
  if (!Array.isArray(value)) return fmt(value);
  const rows = Array.isArray(value[0]) ? value : value.map((v) => [v]);
  return `\\begin{bmatrix}${rows.map((r) => r.map(fmt).join(" & ")).join(" \\\\ ")}\\end{bmatrix}`;
}

function showVerdict(answer) {
  const title = $("verdict-title");
  title.textContent = answer.ok ? "Claim accepted" : "Claim refuted";
  title.className = `verdict ${answer.ok ? "ok" : "refuted"}`;
  $("verdict-explanation").textContent = answer.explanation;
  const box = $("counterexample");
  box.textContent = "";
  if (answer.counterexample) {
    const heading = document.createElement("p");
    heading.textContent = "Counterexample (the claim is wrong at these values):";
    box.append(heading);
    for (const [name, value] of Object.entries(answer.counterexample)) {
      const math = document.createElement("div");
      math.className = "math value";
      tex(math, `${name} = ${matrixTex(value)}`);
      box.append(math);
    }
  }
  $("verdict").hidden = false;
}

// ---- actions --------------------------------------------------------------------------------

// Describe the expression (its symbols), then differentiate when `differentiate` is set.
async function refresh(differentiate) {
  const mine = ++generation;
  writeAddress();
  if (!state.expr.trim()) {
    showError("expression", null);
    symbols = [];
    $("symbols").hidden = true;
    $("symbols-empty").hidden = false;
    return;
  }
  $("busy").textContent = "computing…";
  const described = await api("derivative", request({ wrt: [] }));
  if (mine !== generation) return;
  $("busy").textContent = "";
  if (described.error) {
    showError("expression", described.error);
    return;
  }
  showError("expression", null);
  fillSymbols(described);
  writeAddress();
  if (differentiate) await derive(mine);
}

async function derive(mine) {
  const wrt = wrtList();
  if (!wrt.length) return;
  $("busy").textContent = "computing…";
  const answer = await api("derivative", request({ wrt, steps: $("steps-box").open }));
  if (mine !== generation) return;
  $("busy").textContent = "";
  if (answer.error) {
    showError("expression", answer.error);
    return;
  }
  showDerivative(answer);
  await generate(mine);
  if (state.claim) await checkClaim(mine);
}

async function generate(mine) {
  const wrt = [...new Set(wrtList())];
  const answer = await api("code", request({ wrt, backend: state.backend }));
  if (mine !== generation) return;
  $("code-box").hidden = false;
  if (answer.error) {
    code = null;
    $("code").textContent = `# ${answer.error.message}`;
    return;
  }
  code = answer;
  $("code").textContent = answer.code;
  $("code-filename").textContent = answer.filename;
}

async function checkClaim(mine) {
  if (!state.claim.trim()) return;
  const wrt = wrtList();
  if (!wrt.length) return;
  const answer = await api("check", request({ wrt, claim: state.claim }));
  if (mine !== generation) return;
  if (answer.error) {
    $("verdict").hidden = true;
    showError(answer.error.field === "expression" ? "expression" : "claim", answer.error);
    return;
  }
  showError("claim", null);
  showVerdict(answer);
}

async function copyCode() {
  if (!code) return;
  try {
    await navigator.clipboard.writeText(code.code);
  } catch (err) {
    const area = document.createElement("textarea");
    area.value = code.code;
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  $("copy-status").textContent = "copied";
  setTimeout(() => ($("copy-status").textContent = ""), 2000);
}

function downloadCode() {
  if (!code) return;
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([code.code], { type: "text/x-python" }));
  link.download = code.filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

// ---- wiring ---------------------------------------------------------------------------------

function start() {
  readAddress();
  $("expression").value = state.expr;
  $("claim").value = state.claim;
  $("order").value = state.order;
  $("backend").value = state.backend;
  $("wrt2-box").hidden = state.order !== "mixed";

  $("expression").addEventListener("input", () => {
    state.expr = $("expression").value;
    clearTimeout(describeTimer);
    describeTimer = setTimeout(() => refresh(false), 250);
  });
  $("input-form").addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(describeTimer);
    state.expr = $("expression").value;
    refresh(true);
  });
  $("order").addEventListener("change", () => {
    state.order = $("order").value;
    $("wrt2-box").hidden = state.order !== "mixed";
    writeAddress();
  });
  $("wrt1").addEventListener("change", () => { state.wrt1 = $("wrt1").value; writeAddress(); });
  $("wrt2").addEventListener("change", () => { state.wrt2 = $("wrt2").value; writeAddress(); });
  $("claim").addEventListener("input", () => { state.claim = $("claim").value; writeAddress(); });
  $("check-form").addEventListener("submit", (event) => {
    event.preventDefault();
    state.claim = $("claim").value;
    writeAddress();
    checkClaim(generation);
  });
  $("backend").addEventListener("change", () => {
    state.backend = $("backend").value;
    writeAddress();
    generate(generation);
  });
  $("steps-box").addEventListener("toggle", loadSteps);
  $("copy").addEventListener("click", copyCode);
  $("download").addEventListener("click", downloadCode);
  $("syntax-toggle").addEventListener("click", () => {
    const open = $("syntax").hidden;
    $("syntax").hidden = !open;
    $("syntax-toggle").setAttribute("aria-expanded", String(open));
    if (open) $("syntax").scrollIntoView({ block: "nearest" });
  });

  // A shared link: the symbols, then the derivative (and the claim's verdict) it names.
  if (state.expr) refresh(Boolean(state.wrt1));
}

document.addEventListener("DOMContentLoaded", start);
