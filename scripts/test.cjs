#!/usr/bin/env node
// `npm test` after set-up: ESLint over the sources, then Node's test runner over the compiled test files (build/test/**/*.test.js),
// one file at a time (kernel tests start Jupyter servers and must not compete for the two cores).
// Arguments name files or folders to run instead of the whole suite.
"use strict";
const { spawnSync } = require("node:child_process");
const { readdirSync, statSync } = require("node:fs");
const path = require("node:path");
const { ROOT } = require("./setup.cjs");

/** What ESLint checks, and what dependency-cruiser holds to the layers, here and in `npm run lint`. */
const LINTED = ["src", "kernel-ext", "tools", "test", "bench", "scripts", "eslint.config.mjs"];
const LAYERED = ["src", "kernel-ext"];

function testFiles(target) {
  if (statSync(target).isFile()) return [target];
  return readdirSync(target, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(target, entry.name);
      return entry.isDirectory() ? testFiles(full) : entry.name.endsWith(".test.js") ? [full] : [];
    })
    .sort();
}

const targets = process.argv.slice(2);
const files = (targets.length > 0 ? targets : [path.join(ROOT, "build", "test")]).flatMap((t) => testFiles(path.resolve(t)));
if (files.length === 0) {
  process.stderr.write("no test files found (build/test/**/*.test.js); run `npm run build` first\n");
  process.exit(1);
}
// The whole suite starts with the conventions: ESLint (eslint.config.mjs) and the library's layers
// (.dependency-cruiser.cjs: no upward import, no cycle). Either failing fails `npm test`.
if (targets.length === 0) {
  const checks = [
    ["eslint", [path.join(ROOT, "node_modules", "eslint", "bin", "eslint.js"), ...LINTED]],
    ["dependency-cruiser", [path.join(ROOT, "node_modules", "dependency-cruiser", "bin", "dependency-cruise.mjs"), ...LAYERED, "--config", ".dependency-cruiser.cjs"]],
  ];
  for (const [name, args] of checks) {
    const check = spawnSync(process.execPath, args, { cwd: ROOT, stdio: "inherit" });
    if (check.status !== 0) {
      process.stderr.write(`${name} found problems (above); \`npm run lint\` repeats the check\n`);
      process.exit(check.status ?? 1);
    }
  }
}
const result = spawnSync(process.execPath, ["--test", "--test-concurrency=1", ...files], { cwd: ROOT, stdio: "inherit" });
process.exit(result.status ?? 1);
