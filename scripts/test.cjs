#!/usr/bin/env node
// `npm test` after set-up: Node's test runner over the compiled tests in build/test, one file at a
// time (kernel tests start Jupyter servers and must not compete for the two cores).
"use strict";
const { spawnSync } = require("node:child_process");
const path = require("node:path");
const { ROOT } = require("./setup.cjs");

const only = process.argv.slice(2);
const targets = only.length > 0 ? only : [path.join(ROOT, "build", "test")];
const result = spawnSync(process.execPath, ["--test", "--test-concurrency=1", ...targets], { cwd: ROOT, stdio: "inherit" });
process.exit(result.status ?? 1);
