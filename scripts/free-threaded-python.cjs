#!/usr/bin/env node
// `npm run free-threaded-python`: builds a free-threaded CPython (3.13.5 configured with
// --disable-gil, the interpreter called python3.13t) into the cache folder
// ($XDG_CACHE_HOME/conclab, default ~/.cache/conclab) and prints its path on stdout, so that
// `CONCLAB_PYTHON=$(npm run -s free-threaded-python) npm start` runs the course's CPython
// experiments on it. No free-threaded CPython installs prebuilt through the registries the course
// uses (PyPI, npm, Debian 12), so it is built from the pinned source, whose sha256 is checked.
// It builds only when the finished build's stamp is missing or names another build; a second run
// takes a second. Nothing is installed outside the cache folder and nothing runs as root. Build
// output goes to a log file beside the build; failures print one line naming the fix.
// Plain Node with no dependencies, like setup.cjs. Needs a C compiler, make, tar and xz.
"use strict";
const { spawnSync } = require("node:child_process");
const { createHash } = require("node:crypto");
const { closeSync, createReadStream, createWriteStream, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { Readable } = require("node:stream");
const { pipeline } = require("node:stream/promises");

const VERSION = "3.13.5";
/** The folder the build installs into, under the cache folder (test/helpers/free-threaded.ts names the same). */
const BUILD_NAME = `cpython-${VERSION}-freethreaded`;
const INTERPRETER = "python3.13t";

/**
 * The pinned source: CPython's release tarball, byte for byte the one Debian ships as its
 * source package's orig tarball (Debian keeps upstream's signature beside it). Tried in order; the
 * sha256 decides whether a download is the right file.
 */
const SOURCE = {
  file: "python3.13_3.13.5.orig.tar.xz",
  sha256: "93e583f243454e6e9e4588ca2c2662206ad961659863277afcdb96801647d640",
  bytes: 22856016,
  urls: [
    "https://deb.debian.org/debian/pool/main/p/python3.13/python3.13_3.13.5.orig.tar.xz",
    "https://www.python.org/ftp/python/3.13.5/Python-3.13.5.tar.xz",
    // Debian's archive of every file it ever shipped, by sha1 (dbf3aed4…): stays when the pool moves on.
    "https://snapshot.debian.org/file/dbf3aed444cbb2221eabfb52688aa371423aa0ba",
  ],
};

/**
 * What the interpreter is built with: no GIL; no pip (the course needs the standard library only,
 * and ensurepip would install pip into the build); no test modules (they are not needed and take
 * a third of the build and install).
 */
function configureArgs(prefix) {
  return [`--prefix=${prefix}`, "--disable-gil", "--without-ensurepip", "--disable-test-modules"];
}

/** The standard-library modules the course's Python scripts use: the build must import every one. */
const REQUIRED_MODULES = ["threading", "multiprocessing", "multiprocessing.synchronize", "concurrent.futures", "asyncio", "json", "sysconfig", "tracemalloc", "socket", "select", "http.client", "urllib.request", "hashlib", "signal", "resource", "gc"];

/** Where everything lives, from the environment (XDG_CACHE_HOME, as the tests read it). */
function cachePaths(env = process.env) {
  const cache = path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "conclab");
  const prefix = path.join(cache, BUILD_NAME);
  return {
    cache,
    prefix,
    python: path.join(prefix, "bin", INTERPRETER),
    stamp: path.join(prefix, ".conclab-build"),
    log: path.join(cache, `${BUILD_NAME}.log`),
    download: path.join(cache, "downloads", SOURCE.file),
    work: path.join(cache, `${BUILD_NAME}.work`),
    lock: path.join(cache, `${BUILD_NAME}.lock`),
  };
}

/** The stamp a finished build carries: the version, the source's hash and how it was configured. */
function stampText(prefix) {
  return `CPython ${VERSION} from sha256 ${SOURCE.sha256}, configured ${configureArgs(prefix).join(" ")}\n`;
}

/**
 * What state the build in `paths` is in: "missing" (nothing there), "half-built" (a folder without
 * the stamp of a finished build, or without its interpreter: an interrupted install),
 * "outdated" (finished, for another version or configuration) or "ready".
 */
function buildState(paths) {
  if (!existsSync(paths.prefix)) return "missing";
  if (!existsSync(paths.stamp) || !existsSync(paths.python)) return "half-built";
  return readFileSync(paths.stamp, "utf8") === stampText(paths.prefix) ? "ready" : "outdated";
}

class BuildError extends Error {}

const USAGE = `usage: npm run free-threaded-python [-- --force | --path | --help]
  (no option)  build CPython ${VERSION} with --disable-gil into the cache folder unless it is there; print the interpreter's path
  --force      build it again even if it is there
  --path       print where the interpreter is (or would be) and build nothing; exit 1 if it is not built
  --help       this text
Then: CONCLAB_PYTHON=<the path> npm start`;

/** The command line's options; a BuildError names an unknown option and the ones there are. */
function parseArgs(argv) {
  const options = { force: false, pathOnly: false, help: false };
  for (const arg of argv) {
    if (arg === "--force") options.force = true;
    else if (arg === "--path") options.pathOnly = true;
    else if (arg === "--help" || arg === "-h") options.help = true;
    else throw new BuildError(`unknown option ${JSON.stringify(arg)}: the options are --force, --path and --help`);
  }
  if (options.force && options.pathOnly) throw new BuildError("--force builds and --path builds nothing: give one of them");
  return options;
}

/** How many compile jobs make runs: one per CPU this process may use. */
function makeJobs(cpus = typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length) {
  return Math.max(1, Math.floor(cpus) || 1);
}

/** Whether `command args` runs (exit 0) with this environment's PATH. */
function runs(command, args, env) {
  const probe = spawnSync(command, args, { env, stdio: "ignore" });
  return !probe.error && probe.status === 0;
}

/**
 * The tools the build needs, each with how to get it; a BuildError for the first that is missing.
 * The compiler is $CC where set (configure reads it too), else cc or gcc.
 */
function checkTools(env = process.env, platform = process.platform) {
  const alternative = "or point CONCLAB_PYTHON at a free-threaded Python 3.13t/3.14t you already have (python.org's installers offer one)";
  if (platform === "win32") {
    throw new BuildError(`this script builds CPython on Linux and macOS only; on Windows install the free-threaded build with python.org's installer and point CONCLAB_PYTHON at its python3.13t.exe`);
  }
  const compilers = env.CC ? [env.CC.split(/\s+/)[0]] : ["cc", "gcc", "clang"];
  if (!compilers.some((cc) => runs(cc, ["--version"], env))) {
    throw new BuildError(
      `no C compiler found (${env.CC ? `CC=${env.CC} does not run` : "tried cc, gcc and clang"}): building CPython needs one. Install it (Debian/Ubuntu: apt-get install build-essential; macOS: xcode-select --install) and rerun, ${alternative}`,
    );
  }
  const tools = [
    ["make", ["--version"], "Debian/Ubuntu: apt-get install make; macOS: xcode-select --install"],
    ["tar", ["--version"], "Debian/Ubuntu: apt-get install tar"],
    ["xz", ["--version"], "Debian/Ubuntu: apt-get install xz-utils; macOS: brew install xz"],
  ];
  for (const [tool, args, how] of tools) {
    if (!runs(tool, args, env)) throw new BuildError(`${tool} not found: building CPython needs it. Install it (${how}) and rerun, ${alternative}`);
  }
}

/** The sha256 of a file, hex. */
async function sha256File(file) {
  const hash = createHash("sha256");
  await pipeline(createReadStream(file), hash);
  return hash.digest("hex");
}

/** Why `file` is not the pinned source, or null when its sha256 is the pinned one. */
async function sourceMismatch(file, want = SOURCE.sha256) {
  const got = await sha256File(file);
  return got === want ? null : `its sha256 is ${got}, not the pinned ${want}`;
}

function say(line) {
  process.stderr.write(`free-threaded-python: ${line}\n`);
}

/**
 * The one-line error when no source could be had: each place tried and what went wrong there,
 * and the fix (network access, or a file fetched by hand named in CONCLAB_CPYTHON_SOURCE).
 */
function downloadFailedMessage(failures) {
  const tried = failures.map(({ where, why }) => `${where}: ${why}`).join("; ");
  const mismatch = failures.some(({ why }) => why.includes("sha256"));
  return (
    `could not get CPython ${VERSION}'s source (${tried}). ` +
    (mismatch ? "A file whose checksum does not match was removed and is not built: it is not the pinned release. " : "Check your network access, then rerun; ") +
    `or download ${SOURCE.urls[1]} yourself (sha256 ${SOURCE.sha256}) and set CONCLAB_CPYTHON_SOURCE to its path`
  );
}

/** Downloads `url` to `target` (through a .part file), then checks its sha256; returns why it failed, or null. */
async function download(url, target, fetchImpl = globalThis.fetch) {
  const part = `${target}.part`;
  try {
    const response = await fetchImpl(url, { signal: globalThis.AbortSignal.timeout(300_000), redirect: "follow" });
    if (!response.ok || !response.body) return `HTTP ${response.status}`;
    await pipeline(Readable.fromWeb(response.body), createWriteStream(part));
  } catch (error) {
    rmSync(part, { force: true });
    const cause = error && error.cause ? `: ${error.cause.code || error.cause.message}` : "";
    return `${error && error.name === "TimeoutError" ? "timed out" : error.message}${cause}`;
  }
  const mismatch = await sourceMismatch(part);
  if (mismatch) {
    rmSync(part, { force: true });
    return mismatch;
  }
  renameSync(part, target);
  return null;
}

/**
 * The source tarball, checked: $CONCLAB_CPYTHON_SOURCE where set (a file fetched by hand), else
 * the cached download, else a fresh one from the first URL that serves the pinned file.
 */
async function obtainSource(paths, env = process.env, fetchImpl = globalThis.fetch) {
  if (env.CONCLAB_CPYTHON_SOURCE) {
    const file = path.resolve(env.CONCLAB_CPYTHON_SOURCE);
    if (!existsSync(file)) throw new BuildError(`CONCLAB_CPYTHON_SOURCE=${env.CONCLAB_CPYTHON_SOURCE} does not exist: point it at CPython ${VERSION}'s source tarball, or unset it to download one`);
    const mismatch = await sourceMismatch(file);
    if (mismatch) throw new BuildError(`CONCLAB_CPYTHON_SOURCE=${env.CONCLAB_CPYTHON_SOURCE} is not CPython ${VERSION}'s pinned source: ${mismatch}. Download ${SOURCE.urls[1]} and point CONCLAB_CPYTHON_SOURCE at it, or unset it`);
    return file;
  }
  if (existsSync(paths.download)) {
    if ((await sourceMismatch(paths.download)) === null) return paths.download;
    say(`the cached ${path.basename(paths.download)} is not the pinned file; removing it and downloading again`);
    rmSync(paths.download, { force: true });
  }
  mkdirSync(path.dirname(paths.download), { recursive: true });
  const failures = [];
  for (const url of SOURCE.urls) {
    say(`downloading ${url} (${(SOURCE.bytes / 1e6).toFixed(0)} MB)…`);
    const why = await download(url, paths.download, fetchImpl);
    if (why === null) return paths.download;
    failures.push({ where: url, why });
  }
  throw new BuildError(downloadFailedMessage(failures));
}

/** The end of the log, to show with an error. */
function logTail(log, lines = 15) {
  if (!existsSync(log)) return "";
  return readFileSync(log, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
}

/** Runs one build step with its output appended to the log; a BuildError names the step, the log and its last lines. */
function step(what, command, args, { cwd, log, env }) {
  const started = Date.now();
  say(`${what}…`);
  writeFileSync(log, `\n$ ${command} ${args.join(" ")}\n`, { flag: "a" });
  const fd = openSync(log, "a");
  let result;
  try {
    result = spawnSync(command, args, { cwd, env, stdio: ["ignore", fd, fd] });
  } finally {
    closeSync(fd);
  }
  if (result.error || result.status !== 0) {
    const why = result.error ? result.error.message : result.signal ? `killed by ${result.signal}` : `exit code ${result.status}`;
    process.stderr.write(`${logTail(log)}\n`);
    throw new BuildError(`${what} failed (${why}); the last lines of its output are above, all of it in ${log}. Fix what it names and rerun`);
  }
  say(`${what}: done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

/** A script the built interpreter runs to describe itself: version, GIL at run time, the build flag, and the required modules that fail to import. */
const VERIFY = `
import importlib, json, sys, sysconfig
missing = []
for name in ${JSON.stringify(REQUIRED_MODULES)}:
    try:
        importlib.import_module(name)
    except Exception as error:
        missing.append("%s (%s)" % (name, error))
print(json.dumps({"version": "%d.%d.%d" % sys.version_info[:3], "gil": getattr(sys, "_is_gil_enabled", lambda: True)(), "disabled": sysconfig.get_config_var("Py_GIL_DISABLED"), "missing": missing}))
`;

/**
 * What the interpreter at `python` says of itself (run without PYTHON_GIL, which would turn the
 * GIL back on); a BuildError when it does not run, is not CPython `version` (null: any), has its
 * GIL, or lacks a module the course needs.
 */
function verify(python, env = process.env, version = VERSION) {
  const clean = { ...env };
  delete clean.PYTHON_GIL;
  delete clean.PYTHONPATH;
  delete clean.PYTHONHOME;
  const probe = spawnSync(python, ["-c", VERIFY], { env: clean, encoding: "utf8", timeout: 60_000 });
  if (probe.error || probe.status !== 0) throw new BuildError(`${python} does not run (${probe.error ? probe.error.message : (probe.stderr || "").trim() || `exit code ${probe.status}`}); rerun with --force to build it again`);
  const report = JSON.parse(probe.stdout.trim().split("\n").pop());
  const problems = verifyProblems(report, version);
  if (problems.length > 0) throw new BuildError(`${python} is not a usable free-threaded CPython: ${problems.join("; ")}. Rerun with --force to build it again (the log says what configure left out)`);
  return report;
}

/** What is wrong with a VERIFY report: another version, the GIL on, the build flag off, a module that does not import. Empty when nothing. */
function verifyProblems(report, version = VERSION) {
  const problems = [];
  if (version !== null && report.version !== version) problems.push(`it is CPython ${report.version}, not ${version}`);
  if (report.disabled !== 1) problems.push(`sysconfig's Py_GIL_DISABLED is ${JSON.stringify(report.disabled)}, not 1: not a free-threaded build`);
  if (report.gil !== false) problems.push("sys._is_gil_enabled() is True: the GIL is on");
  if (report.missing.length > 0) problems.push(`modules the course needs do not import: ${report.missing.join(", ")}`);
  return problems;
}

/** Whether a process with this id is running (signal 0 checks without sending anything). */
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === "EPERM";
  }
}

/**
 * Takes the build's lock (a file holding this process's id), so that two builds never share the
 * work folder; a lock whose process is gone is taken over. A BuildError names the process that
 * holds it. Returns the function that releases it.
 */
function acquireLock(lockFile, pid = process.pid) {
  mkdirSync(path.dirname(lockFile), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockFile, `${pid}\n`, { flag: "wx" });
      return () => rmSync(lockFile, { force: true });
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
      const holder = Number.parseInt(readFileSync(lockFile, "utf8"), 10);
      if (Number.isInteger(holder) && holder !== pid && alive(holder)) {
        throw new BuildError(`another build of CPython ${VERSION} is running (process ${holder}, lock ${lockFile}); wait for it to finish and rerun`);
      }
      rmSync(lockFile, { force: true }); // its process is gone: an interrupted build
    }
  }
  throw new BuildError(`could not take the build's lock ${lockFile}; remove it if no build is running, and rerun`);
}

/** Builds and installs into a staging folder, then moves the finished build into place (an interrupted build never sits at the final path). */
async function build(paths, env = process.env) {
  checkTools(env);
  const release = acquireLock(paths.lock);
  try {
    await buildLocked(paths, env);
  } finally {
    release();
  }
}

async function buildLocked(paths, env) {
  mkdirSync(paths.cache, { recursive: true });
  writeFileSync(paths.log, `conclab: building free-threaded CPython ${VERSION}, ${new Date().toISOString()}\n`);
  const source = await obtainSource(paths, env);
  rmSync(paths.work, { recursive: true, force: true });
  mkdirSync(paths.work, { recursive: true });
  const options = { cwd: paths.work, log: paths.log, env };
  const started = Date.now();
  step("unpacking the source", "tar", ["-xJf", source, "-C", paths.work], options);
  const tree = path.join(paths.work, `Python-${VERSION}`);
  if (!existsSync(path.join(tree, "configure"))) throw new BuildError(`the tarball did not unpack to Python-${VERSION}/configure under ${paths.work}; remove ${paths.download} and rerun`);
  const jobs = makeJobs();
  const inTree = { ...options, cwd: tree };
  step(`configuring (./configure ${configureArgs(paths.prefix).slice(1).join(" ")})`, "./configure", configureArgs(paths.prefix), inTree);
  step(`compiling (make -j${jobs}, a few minutes)`, "make", [`-j${jobs}`], inTree);
  const stage = path.join(paths.work, "stage");
  step("installing into a staging folder (make install)", "make", ["install", `DESTDIR=${stage}`], inTree);
  // DESTDIR keeps the full prefix under the staging folder; the build was configured for the final path.
  const staged = path.join(stage, path.relative(path.parse(paths.prefix).root, paths.prefix));
  verify(path.join(staged, "bin", INTERPRETER), env);
  const old = path.join(paths.work, "old");
  if (existsSync(paths.prefix)) renameSync(paths.prefix, old);
  renameSync(staged, paths.prefix);
  writeFileSync(paths.stamp, stampText(paths.prefix));
  rmSync(paths.work, { recursive: true, force: true });
  say(`built in ${((Date.now() - started) / 1000 / 60).toFixed(1)} min; log: ${paths.log}`);
}

async function main(argv = process.argv.slice(2), env = process.env) {
  const options = parseArgs(argv);
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const paths = cachePaths(env);
  const state = buildState(paths);
  if (options.pathOnly) {
    if (state !== "ready") throw new BuildError(`no finished build at ${paths.python} (${state}); run \`npm run free-threaded-python\` to build it`);
    process.stdout.write(`${paths.python}\n`);
    return;
  }
  if (state === "ready" && !options.force) {
    const report = verify(paths.python, env);
    say(`CPython ${report.version}, free-threaded (GIL disabled), up to date`);
  } else {
    if (state === "half-built") say(`found an unfinished build at ${paths.prefix}; building it again`);
    if (state === "outdated") say(`the build at ${paths.prefix} is for another version or configuration; building it again`);
    await build(paths, env);
    const report = verify(paths.python, env);
    say(`CPython ${report.version}: sys._is_gil_enabled() is False, Py_GIL_DISABLED is 1`);
  }
  process.stdout.write(`${paths.python}\n`);
}

module.exports = { VERSION, BUILD_NAME, INTERPRETER, SOURCE, REQUIRED_MODULES, BuildError, configureArgs, cachePaths, stampText, buildState, parseArgs, makeJobs, checkTools, acquireLock, sourceMismatch, downloadFailedMessage, download, obtainSource, verify, verifyProblems, main };

if (require.main === module) {
  main().catch((error) => {
    if (!(error instanceof BuildError)) throw error;
    say(error.message);
    process.exit(1);
  });
}
