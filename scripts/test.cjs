#!/usr/bin/env node
// `npm test` after set-up: Node's test runner over the compiled test files (build/test/**/*.test.js),
// one file at a time (kernel tests start Jupyter servers and must not compete for the two cores).
// Arguments name files or folders to run instead of the whole suite.
"use strict";
const { spawnSync } = require("node:child_process");
const { readdirSync, statSync } = require("node:fs");
const path = require("node:path");
const { ROOT } = require("./setup.cjs");

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
const result = spawnSync(process.execPath, ["--test", "--test-concurrency=1", ...files], { cwd: ROOT, stdio: "inherit" });
process.exit(result.status ?? 1);
