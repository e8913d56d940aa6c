#!/usr/bin/env node
// Brings a clone up to date for `npm start`, `npm test` and the other commands: node modules,
// the Python virtual environment with the pinned Jupyter stack, the TypeScript build and the tslab
// kernelspec. Each step runs only when what it depends on changed (a hash stamp), so a second run
// takes seconds. Failures print one line saying what is wrong and what to do; installer output
// goes to .setup.log. Plain Node with no dependencies: it runs before node_modules exists.
"use strict";
const { spawnSync } = require("node:child_process");
const { createHash } = require("node:crypto");
const { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const LOG = path.join(ROOT, ".setup.log");
const VENV = path.join(ROOT, ".venv");
const BIN = process.platform === "win32" ? "Scripts" : "bin";
const VENV_PYTHON = path.join(VENV, BIN, "python");
const VENV_JUPYTER = path.join(VENV, BIN, "jupyter");
// The oldest Python the locked Jupyter stack installs on (IPython 9 needs 3.11); environment.yml
// installs exactly this one (test/unit/binder-config.test.ts). Not the library's MIN_PYTHON (3.8),
// the oldest CPython its reference runs need.
const MIN_VENV_PYTHON = [3, 11];
const MIN_NODE = 20;
// From 20.19 CommonJS may require() an ES module: chapter 13's limiter (p-limit 7) is one.
const MIN_NODE_MINOR = 19;
const PATCHES = path.join(ROOT, "patches");
const LAB_OVERRIDES = path.join(ROOT, "lab", "overrides.json");
const TSLAB_PATCHED_FILE = path.join(ROOT, "node_modules", "tslab", "dist", "jupyter.js");
const TSLAB_PATCH_MARK = "patched by conclab: patches/tslab+1.0.22.patch";

class SetupError extends Error {}

function say(line) {
  process.stderr.write(`setup: ${line}\n`);
}

function log(text) {
  appendFileSync(LOG, text.endsWith("\n") ? text : `${text}\n`);
}

/** Runs a command with its output in the log; throws SetupError with `what` and `fix` when it fails. */
function run(command, args, { what, fix, cwd = ROOT, env = process.env }) {
  log(`\n$ ${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, { cwd, env, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  log(result.stdout ?? "");
  log(result.stderr ?? "");
  if (result.error || result.status !== 0) {
    const why = result.error ? result.error.message : `exit code ${result.status}`;
    throw new SetupError(`${what} failed (${why}). ${fix} Details: .setup.log`);
  }
  return result.stdout;
}

function hashOf(files) {
  const hash = createHash("sha256");
  for (const file of files) {
    hash.update(file);
    hash.update(existsSync(file) ? readFileSync(file) : "missing");
  }
  return hash.digest("hex");
}

function filesUnder(dir, keep) {
  if (!existsSync(dir)) return [];
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...filesUnder(full, keep));
    else if (keep(entry.name)) found.push(full);
  }
  return found.sort();
}

function stampMatches(stampFile, value) {
  return existsSync(stampFile) && readFileSync(stampFile, "utf8") === value;
}

function checkNode() {
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major < MIN_NODE || (major === MIN_NODE && minor < MIN_NODE_MINOR)) {
    throw new SetupError(`conclab needs Node.js ${MIN_NODE}.${MIN_NODE_MINOR} or newer, found ${process.version}. Install Node.js ${MIN_NODE}.${MIN_NODE_MINOR} or newer (24 is the current LTS) and rerun.`);
  }
}

function ensureNodeModules() {
  const stamp = path.join(ROOT, "node_modules", ".conclab-setup");
  const inputs = [path.join(ROOT, "package.json"), path.join(ROOT, "package-lock.json"), path.join(ROOT, "conclab", "package.json")];
  const want = hashOf([...inputs, ...filesUnder(PATCHES, (name) => name.endsWith(".patch"))]);
  if (stampMatches(stamp, want) && tslabPatched()) return say("node modules up to date");
  say("installing node modules (npm ci, then patch-package applies patches/)…");
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  run(npm, ["ci", "--no-audit", "--no-fund"], { what: "npm ci", fix: "Check your network access to the npm registry, then rerun." });
  if (!tslabPatched()) {
    throw new SetupError(
      `${path.relative(ROOT, TSLAB_PATCHED_FILE)} lacks the fix in patches/ after npm ci (its postinstall runs patch-package). Run \`npx patch-package\` to see why, then rerun.`,
    );
  }
  writeFileSync(stamp, want);
}

/**
 * Whether tslab carries conclab's fix for its send race (patches/tslab+*.patch): every kernel
 * message through one queue per socket, so zeromq never sees two pending sends (EBUSY) and IOPub
 * drops nothing.
 */
function tslabPatched(file = TSLAB_PATCHED_FILE) {
  return existsSync(file) && readFileSync(file, "utf8").includes(TSLAB_PATCH_MARK);
}

/**
 * The first Python 3 new enough to build the Jupyter venv from: $CONCLAB_PYTHON, python3, python.
 * A free-threaded $CONCLAB_PYTHON (a 3.13t/3.14t, such as `npm run free-threaded-python` builds)
 * runs the course's CPython experiments but not Jupyter: it may have no pip (that build has none),
 * and the locked Jupyter stack is not built for it. Then the venv comes from python3 or python,
 * and `skipped` says why.
 */
function findVenvPython(env = process.env) {
  const candidates = env.CONCLAB_PYTHON ? [env.CONCLAB_PYTHON] : ["python3", "python"];
  const seen = [];
  let skipped;
  for (let i = 0; i < candidates.length; i++) {
    const command = candidates[i];
    const probe = spawnSync(command, ["-c", "import sys, sysconfig; print('%d.%d.%d' % sys.version_info[:3]); print(sysconfig.get_config_var('Py_GIL_DISABLED') or 0)"], { encoding: "utf8", env });
    if (probe.error || probe.status !== 0) continue;
    const [version = "", freeThreaded = "0"] = probe.stdout.trim().split(/\r?\n/).map((line) => line.trim());
    if (freeThreaded === "1" && command === env.CONCLAB_PYTHON) {
      skipped = `CONCLAB_PYTHON is a free-threaded CPython ${version}: the course's CPython experiments run on it, Jupyter's environment on another Python`;
      candidates.push("python3", "python");
      continue;
    }
    const [major, minor] = version.split(".").map(Number);
    if (major === MIN_VENV_PYTHON[0] && minor >= MIN_VENV_PYTHON[1]) return skipped ? { command, version, skipped } : { command, version };
    seen.push(`${command} is ${version}`);
  }
  const found = seen.length ? ` (${seen.join(", ")})` : "";
  const why = skipped ? ` ${skipped}, and none was found.` : "";
  throw new SetupError(
    `conclab needs Python ${MIN_VENV_PYTHON.join(".")} or newer and found none${found}.${why} Install Python 3 (Debian: apt-get install python3 python3-venv) or point CONCLAB_PYTHON at one, then rerun.`,
  );
}

/**
 * What state a virtual environment is in: "missing", "half-built" (no stamp of a finished set-up,
 * or its Python does not run: an interrupted or broken install), "outdated" (finished, but for
 * other requirements) or "ready".
 */
function venvState(venvDir, wantStamp) {
  if (!existsSync(venvDir)) return "missing";
  const stamp = path.join(venvDir, ".conclab-setup");
  const python = path.join(venvDir, BIN, "python");
  const runs = existsSync(python) && spawnSync(python, ["-c", "import sys"]).status === 0;
  if (!existsSync(stamp) || !runs) return "half-built";
  return readFileSync(stamp, "utf8") === wantStamp ? "ready" : "outdated";
}

function ensureVenv() {
  const stamp = path.join(VENV, ".conclab-setup");
  const requirements = path.join(ROOT, "requirements.txt");
  const python = findVenvPython();
  if (python.skipped) say(`${python.skipped}: ${python.command} ${python.version}`);
  const want = `${hashOf([requirements])} python ${python.version}`;
  const state = venvState(VENV, want);
  if (state === "ready") return say(`Python environment up to date (.venv, Python ${python.version})`);
  if (state === "half-built") {
    say("found a half-built .venv (an interrupted or broken install); removing it and building it again");
    rmSync(VENV, { recursive: true, force: true });
  }
  if (!existsSync(VENV)) {
    say(`creating .venv with ${python.command} ${python.version}…`);
    run(python.command, ["-m", "venv", VENV], {
      what: `${python.command} -m venv .venv`,
      fix: "Install the venv module (Debian: apt-get install python3-venv), then rerun.",
    });
  }
  say("installing the Jupyter stack into .venv (pip install -r requirements.txt)…");
  run(VENV_PYTHON, ["-m", "pip", "install", "--disable-pip-version-check", "-r", requirements], {
    what: "pip install -r requirements.txt",
    fix: "Check your network access to PyPI, then rerun.",
  });
  writeFileSync(stamp, want);
}

function ensureBuild() {
  const stamp = path.join(ROOT, "build", ".conclab-setup");
  const sources = ["src", "kernel-ext", "tools", "test", "bench"].flatMap((dir) =>
    filesUnder(path.join(ROOT, dir), (name) => name.endsWith(".ts") || name.endsWith(".json") || name.endsWith(".py")),
  );
  const configs = ["tsconfig.base.json", "tsconfig.json", "tsconfig.tools.json", "package-lock.json"].map((f) => path.join(ROOT, f));
  const want = hashOf([...configs, ...sources]);
  const outputs = [path.join(ROOT, "conclab", "dist", "src", "index.js"), path.join(ROOT, "build", "tools", "paths.js")];
  if (stampMatches(stamp, want) && outputs.every((f) => existsSync(f))) return say("TypeScript build up to date");
  say("building the TypeScript (tsc)…");
  // A clean build: a deleted source must not leave its compiled test or module behind.
  for (const out of [path.join(ROOT, "build"), path.join(ROOT, "conclab", "dist")]) rmSync(out, { recursive: true, force: true });
  const tsc = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");
  for (const config of ["tsconfig.json", "tsconfig.tools.json"]) {
    const result = spawnSync(process.execPath, [tsc, "-p", config], { cwd: ROOT, encoding: "utf8" });
    if (result.status !== 0) {
      process.stderr.write(result.stdout + result.stderr);
      throw new SetupError(`the TypeScript build (${config}) has errors, listed above. Fix them and rerun.`);
    }
  }
  mkdirSync(path.dirname(stamp), { recursive: true });
  writeFileSync(stamp, want);
}

function ensureKernelspec() {
  const tslab = path.join(ROOT, "node_modules", ".bin", process.platform === "win32" ? "tslab.cmd" : "tslab");
  const spec = path.join(VENV, "share", "jupyter", "kernels", "tslab", "kernel.json");
  if (existsSync(spec)) {
    try {
      if (JSON.parse(readFileSync(spec, "utf8")).argv?.[0] === tslab) return say("tslab kernelspec up to date");
    } catch {
      // unreadable: install again
    }
  }
  say("installing the tslab kernelspec into .venv…");
  run(tslab, ["install", `--python=${VENV_PYTHON}`, `--binary=${tslab}`, "--sys-prefix"], {
    what: "tslab install",
    fix: "Run `npm run setup` again; if it still fails, remove .venv and node_modules and rerun.",
  });
}

/**
 * JupyterLab's settings overrides (lab/overrides.json: no first-run "Jupyter news" question, no
 * update checks) into the environment's application folder, where Lab reads them; postBuild does
 * the same for Binder.
 */
function ensureLabOverrides() {
  const target = path.join(VENV, "share", "jupyter", "lab", "settings", "overrides.json");
  const wanted = readFileSync(LAB_OVERRIDES, "utf8");
  if (existsSync(target) && readFileSync(target, "utf8") === wanted) return say("JupyterLab settings overrides up to date");
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, wanted);
  say("installed JupyterLab settings overrides (lab/overrides.json)");
}

function setup() {
  writeFileSync(LOG, `conclab setup, ${new Date().toISOString()}\n`);
  checkNode();
  ensureNodeModules();
  ensureVenv();
  ensureBuild();
  ensureKernelspec();
  ensureLabOverrides();
}

/** Runs setup(); on a SetupError prints its one line and exits 1. */
function setupOrExit() {
  try {
    setup();
  } catch (error) {
    if (!(error instanceof SetupError)) throw error;
    say(error.message);
    process.exit(1);
  }
}

module.exports = { ROOT, BIN, tslabPatched, VENV, VENV_PYTHON, VENV_JUPYTER, MIN_VENV_PYTHON, MIN_NODE, MIN_NODE_MINOR, SetupError, run, findVenvPython, venvState, setup, setupOrExit, say };

if (require.main === module) setupOrExit();
