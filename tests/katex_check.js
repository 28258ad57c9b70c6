// Render LaTeX strings with KaTeX and report those that fail.
//
//   node tests/katex_check.js < strings.json
//       reads a JSON array of strings; writes one JSON object
//       {"katex": version, "rendered": n, "failures": [{"index", "latex", "error"}, ...]}
//   node tests/katex_check.js --lines
//       reads one JSON string per line; answers each with one line: "" if it
//       renders, else the error message (JSON-encoded) -- for a test that
//       keeps one renderer running while Hypothesis generates expressions.
//
// Each string is rendered in display mode with throwOnError and strict
// "error", so an unknown command, an unbalanced brace, a double superscript
// or non-LaTeX input is a failure.  maxExpand is unlimited: KaTeX's default
// (1000 macro expansions; each \operatorname costs a few) is a guard against
// runaway input, not a validity rule, and long expanded results exceed it.  KaTeX comes from .ci/katex
// (npm ci --prefix .ci/katex); MATCALC_KATEX overrides its path.
"use strict";

const path = require("path");
const readline = require("readline");

const katexPath = process.env.MATCALC_KATEX || path.join(__dirname, "..", ".ci", "katex", "node_modules", "katex");
const katex = require(katexPath);

function check(s) {
  try {
    katex.renderToString(s, { throwOnError: true, displayMode: true, strict: "error", maxExpand: Infinity });
    return "";
  } catch (e) {
    return String((e && e.message) || e);
  }
}

if (process.argv.includes("--lines")) {
  const rl = readline.createInterface({ input: process.stdin, terminal: false });
  rl.on("line", (line) => {
    process.stdout.write(JSON.stringify(check(JSON.parse(line))) + "\n");
  });
} else {
  let input = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk) => { input += chunk; });
  process.stdin.on("end", () => {
    const strings = JSON.parse(input);
    const failures = [];
    strings.forEach((s, index) => {
      const error = check(s);
      if (error) failures.push({ index, latex: s, error });
    });
    process.stdout.write(JSON.stringify({ katex: katex.version, rendered: strings.length, failures }));
  });
}
