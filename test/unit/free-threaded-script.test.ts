/**
 * scripts/free-threaded-python.cjs without building CPython: where it puts the build (the path the
 * tests look for), its options, its stamp, the tools it asks for, and the errors that name the fix
 * (no compiler, no network, a checksum that does not match). Where a build is there, that it is
 * free-threaded and imports what the course needs.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { PROJECT_ROOT } from "../../tools/paths";
import { FREE_THREADED_BUILD, freeThreadedPython, freeThreadedPythonPath } from "../helpers/free-threaded";

interface Paths {
  cache: string;
  prefix: string;
  python: string;
  stamp: string;
  log: string;
  download: string;
  work: string;
  lock: string;
}
interface Report {
  version: string;
  gil: boolean;
  disabled: number | null;
  missing: string[];
}
type FetchLike = (url: string) => Promise<Response>;
interface ScriptModule {
  VERSION: string;
  BUILD_NAME: string;
  SOURCE: { file: string; sha256: string; bytes: number; urls: string[] };
  REQUIRED_MODULES: string[];
  BuildError: new (message: string) => Error;
  configureArgs(prefix: string): string[];
  cachePaths(env: NodeJS.ProcessEnv): Paths;
  stampText(prefix: string): string;
  buildState(paths: Paths): "missing" | "half-built" | "outdated" | "ready";
  parseArgs(argv: string[]): { force: boolean; pathOnly: boolean; help: boolean };
  makeJobs(cpus: number): number;
  checkTools(env: NodeJS.ProcessEnv, platform?: string): void;
  acquireLock(lockFile: string, pid?: number): () => void;
  sourceMismatch(file: string, want?: string): Promise<string | null>;
  downloadFailedMessage(failures: { where: string; why: string }[]): string;
  download(url: string, target: string, fetchImpl: FetchLike): Promise<string | null>;
  obtainSource(paths: Paths, env: NodeJS.ProcessEnv, fetchImpl: FetchLike): Promise<string>;
  verify(python: string, env?: NodeJS.ProcessEnv, version?: string | null): Report;
  verifyProblems(report: Report, version?: string | null): string[];
}
const SCRIPT = path.join(PROJECT_ROOT, "scripts", "free-threaded-python.cjs");
const script = require(SCRIPT) as ScriptModule;

const scratch = mkdtempSync(path.join(tmpdir(), "conclab-free-threaded-"));
after(() => rmSync(scratch, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => {
  const dir = path.join(scratch, `d${dirs++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};

/** A folder of executables that each exit 0 (a fake compiler, make, tar, xz), for PATH. */
function toolsDir(names: readonly string[]): string {
  const dir = freshDir();
  for (const name of names) {
    writeFileSync(path.join(dir, name), "#!/bin/sh\nexit 0\n");
    chmodSync(path.join(dir, name), 0o755);
  }
  return dir;
}

const fetchFailed = (code: string): FetchLike => () => Promise.reject(Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error(code), { code }) }));
const serves = (body: string, status = 200): FetchLike => () => Promise.resolve(new Response(body, { status }));

describe("free-threaded-python: where the build goes", () => {
  it("installs where the tests look for it, under $XDG_CACHE_HOME/conclab or ~/.cache/conclab", () => {
    assert.equal(script.BUILD_NAME, FREE_THREADED_BUILD, "the script and test/helpers/free-threaded.ts name the same folder");
    for (const env of [{ XDG_CACHE_HOME: "/tmp/xdg" }, {}]) {
      assert.equal(script.cachePaths(env).python, freeThreadedPythonPath(env));
    }
    const paths = script.cachePaths({ XDG_CACHE_HOME: "/tmp/xdg" });
    assert.deepEqual(paths, {
      cache: "/tmp/xdg/conclab",
      prefix: "/tmp/xdg/conclab/cpython-3.13.5-freethreaded",
      python: "/tmp/xdg/conclab/cpython-3.13.5-freethreaded/bin/python3.13t",
      stamp: "/tmp/xdg/conclab/cpython-3.13.5-freethreaded/.conclab-build",
      log: "/tmp/xdg/conclab/cpython-3.13.5-freethreaded.log",
      download: "/tmp/xdg/conclab/downloads/python3.13_3.13.5.orig.tar.xz",
      work: "/tmp/xdg/conclab/cpython-3.13.5-freethreaded.work",
      lock: "/tmp/xdg/conclab/cpython-3.13.5-freethreaded.lock",
    });
  });

  it("configures CPython without the GIL and without pip, installed into the cache folder", () => {
    assert.deepEqual(script.configureArgs("/p"), ["--prefix=/p", "--disable-gil", "--without-ensurepip", "--disable-test-modules"]);
    assert.match(script.stampText("/p"), /^CPython 3\.13\.5 from sha256 93e583f2\w{56}, configured --prefix=\/p --disable-gil --without-ensurepip --disable-test-modules\n$/);
  });

  it("pins one source by its sha256 and tries Debian's archive first", () => {
    assert.match(script.SOURCE.sha256, /^[0-9a-f]{64}$/);
    assert.ok(script.SOURCE.urls.length >= 2 && script.SOURCE.urls.every((u) => u.startsWith("https://")));
    assert.match(script.SOURCE.urls[0]!, /^https:\/\/deb\.debian\.org\/debian\/pool\/main\/p\/python3\.13\/python3\.13_3\.13\.5\.orig\.tar\.xz$/);
  });

  it("needs the modules the course's Python scripts import", () => {
    for (const name of ["threading", "multiprocessing", "asyncio", "json", "sysconfig", "tracemalloc", "socket", "http.client"]) assert.ok(script.REQUIRED_MODULES.includes(name), name);
  });

  it("builds only when the stamp of a finished build for this version and configuration is missing", () => {
    const paths = script.cachePaths({ XDG_CACHE_HOME: freshDir() });
    assert.equal(script.buildState(paths), "missing");
    mkdirSync(path.dirname(paths.python), { recursive: true });
    assert.equal(script.buildState(paths), "half-built", "a folder without the stamp: an interrupted install");
    writeFileSync(paths.python, "");
    assert.equal(script.buildState(paths), "half-built", "an interpreter without the stamp");
    writeFileSync(paths.stamp, "CPython 3.13.4 from sha256 0, configured --prefix=/p --disable-gil\n");
    assert.equal(script.buildState(paths), "outdated");
    writeFileSync(paths.stamp, script.stampText(paths.prefix));
    assert.equal(script.buildState(paths), "ready");
    rmSync(paths.python);
    assert.equal(script.buildState(paths), "half-built", "a stamp without its interpreter");
  });

  it("lets one build at a time use the work folder, and takes over a lock whose process is gone", () => {
    const lock = path.join(freshDir(), "build.lock");
    const release = script.acquireLock(lock, 1_000_001);
    // The holder is this test's parent, which is alive.
    writeFileSync(lock, `${process.ppid}\n`);
    assert.throws(() => script.acquireLock(lock, 1_000_001), { message: new RegExp(`^another build of CPython 3\\.13\\.5 is running \\(process ${process.ppid}, lock .*\\); wait for it to finish and rerun$`) });
    writeFileSync(lock, "2147483646\n"); // no such process: an interrupted build
    const again = script.acquireLock(lock, 1_000_001);
    assert.equal(Number.parseInt(readFileSync(lock, "utf8"), 10), 1_000_001);
    again();
    assert.equal(existsSync(lock), false);
    release();
  });

  it("runs one compile job per usable CPU, and at least one", () => {
    assert.equal(script.makeJobs(2), 2);
    assert.equal(script.makeJobs(16), 16);
    assert.equal(script.makeJobs(0), 1);
    assert.equal(script.makeJobs(Number.NaN), 1);
  });
});

describe("free-threaded-python: its options", () => {
  it("reads --force, --path and --help, and names the options when given another", () => {
    assert.deepEqual(script.parseArgs([]), { force: false, pathOnly: false, help: false });
    assert.deepEqual(script.parseArgs(["--force"]), { force: true, pathOnly: false, help: false });
    assert.deepEqual(script.parseArgs(["--path"]), { force: false, pathOnly: true, help: false });
    assert.throws(() => script.parseArgs(["--rebuild"]), { name: "Error", message: 'unknown option "--rebuild": the options are --force, --path and --help' });
    assert.throws(() => script.parseArgs(["--force", "--path"]), /give one of them/);
  });

  it("from the command line: --path prints nothing and says how to build where no build is there; a bad option is one line and exit 1", () => {
    const env = { ...process.env, XDG_CACHE_HOME: freshDir() };
    const where = spawnSync(process.execPath, [SCRIPT, "--path"], { env, encoding: "utf8" });
    assert.equal(where.status, 1);
    assert.equal(where.stdout, "");
    assert.match(where.stderr, /^free-threaded-python: no finished build at .*\/conclab\/cpython-3\.13\.5-freethreaded\/bin\/python3\.13t \(missing\); run `npm run free-threaded-python` to build it\n$/);
    const bad = spawnSync(process.execPath, [SCRIPT, "--rebuild"], { env, encoding: "utf8" });
    assert.equal(bad.status, 1);
    assert.equal(bad.stderr.trim().split("\n").length, 1);
    const help = spawnSync(process.execPath, [SCRIPT, "--help"], { env, encoding: "utf8" });
    assert.equal(help.status, 0);
    assert.match(help.stdout, /CONCLAB_PYTHON=<the path> npm start/);
  });
});

describe("free-threaded-python: errors name the fix", () => {
  it("no C compiler: says how to install one, or to point CONCLAB_PYTHON at a free-threaded Python", () => {
    const env = { PATH: toolsDir(["make", "tar", "xz"]) };
    assert.throws(() => script.checkTools(env, "linux"), {
      message: /^no C compiler found \(tried cc, gcc and clang\): building CPython needs one\. Install it \(Debian\/Ubuntu: apt-get install build-essential; macOS: xcode-select --install\) and rerun, or point CONCLAB_PYTHON at a free-threaded Python 3\.13t\/3\.14t/,
    });
    assert.throws(() => script.checkTools({ ...env, CC: "/nonexistent/cc -O2" }, "linux"), { message: /^no C compiler found \(CC=\/nonexistent\/cc -O2 does not run\)/ });
  });

  it("no make, tar or xz: names the one missing", () => {
    assert.throws(() => script.checkTools({ PATH: toolsDir(["cc", "tar", "xz"]) }, "linux"), { message: /^make not found: building CPython needs it\. Install it \(Debian\/Ubuntu: apt-get install make/ });
    assert.throws(() => script.checkTools({ PATH: toolsDir(["cc", "make", "tar"]) }, "linux"), { message: /^xz not found: .*apt-get install xz-utils/ });
    assert.doesNotThrow(() => script.checkTools({ PATH: toolsDir(["cc", "make", "tar", "xz"]) }, "linux"));
  });

  it("Windows: not built here, points at python.org's free-threaded installer", () => {
    assert.throws(() => script.checkTools({}, "win32"), /Linux and macOS only; on Windows install the free-threaded build with python\.org's installer and point CONCLAB_PYTHON at its python3\.13t\.exe/);
  });

  it("a file whose checksum does not match is named with both hashes", async () => {
    const file = path.join(freshDir(), "source.tar.xz");
    writeFileSync(file, "not CPython");
    assert.match((await script.sourceMismatch(file))!, /^its sha256 is [0-9a-f]{64}, not the pinned 93e583f2[0-9a-f]{56}$/);
    assert.equal(await script.sourceMismatch(file, createHash("sha256").update("not CPython").digest("hex")), null);
  });

  it("a download that is not the pinned file is removed, and one that fails says why", async () => {
    const dir = freshDir();
    const target = path.join(dir, "source.tar.xz");
    assert.match((await script.download("https://example.invalid/a", target, serves("a different file")))!, /^its sha256 is [0-9a-f]{64}, not the pinned /);
    assert.deepEqual(readdirSync(dir), [], "neither the file nor its .part is kept");
    assert.equal(await script.download("https://example.invalid/b", target, serves("gone", 404)), "HTTP 404");
    assert.equal(await script.download("https://example.invalid/c", target, fetchFailed("ENOTFOUND")), "fetch failed: ENOTFOUND");
    assert.deepEqual(readdirSync(dir), []);
  });

  it("no network: tries every place, names each failure, and says how to supply the file by hand", async () => {
    const paths = script.cachePaths({ XDG_CACHE_HOME: freshDir() });
    await assert.rejects(script.obtainSource(paths, {}, fetchFailed("EAI_AGAIN")), (error: Error) => {
      assert.ok(error instanceof script.BuildError);
      for (const url of script.SOURCE.urls) assert.ok(error.message.includes(`${url}: fetch failed: EAI_AGAIN`), url);
      assert.match(error.message, /Check your network access, then rerun; or download https:\/\/www\.python\.org\/ftp\/python\/3\.13\.5\/Python-3\.13\.5\.tar\.xz yourself \(sha256 93e583f2\w+\) and set CONCLAB_CPYTHON_SOURCE to its path$/);
      return true;
    });
    assert.equal(existsSync(paths.download), false);
  });

  it("a checksum mismatch is said to be one, and the file is not built", async () => {
    const paths = script.cachePaths({ XDG_CACHE_HOME: freshDir() });
    await assert.rejects(script.obtainSource(paths, {}, serves("tampered")), /its sha256 is [0-9a-f]{64}, not the pinned .*A file whose checksum does not match was removed and is not built: it is not the pinned release\./);
    assert.equal(existsSync(paths.download), false);
  });

  it("CONCLAB_CPYTHON_SOURCE: a missing file and a wrong file are refused, naming the variable", async () => {
    const paths = script.cachePaths({ XDG_CACHE_HOME: freshDir() });
    const never: FetchLike = () => assert.fail("no download when a file is given");
    await assert.rejects(script.obtainSource(paths, { CONCLAB_CPYTHON_SOURCE: "/nonexistent/python.tar.xz" }, never), /^Error: CONCLAB_CPYTHON_SOURCE=\/nonexistent\/python\.tar\.xz does not exist: point it at CPython 3\.13\.5's source tarball, or unset it to download one$/);
    const wrong = path.join(freshDir(), "Python-3.13.5.tar.xz");
    writeFileSync(wrong, "not it");
    await assert.rejects(script.obtainSource(paths, { CONCLAB_CPYTHON_SOURCE: wrong }, never), /is not CPython 3\.13\.5's pinned source: its sha256 is \w+, not the pinned 93e583f2\w+\. Download https:\/\/www\.python\.org\/.* and point CONCLAB_CPYTHON_SOURCE at it, or unset it$/);
  });

  it("an interpreter that kept its GIL, is not a free-threaded build, or lacks a module is refused, each said", () => {
    const good = { version: "3.13.5", gil: false, disabled: 1, missing: [] };
    assert.deepEqual(script.verifyProblems(good), []);
    assert.deepEqual(script.verifyProblems({ ...good, gil: true }), ["sys._is_gil_enabled() is True: the GIL is on"]);
    assert.deepEqual(script.verifyProblems({ ...good, disabled: 0 }), ["sysconfig's Py_GIL_DISABLED is 0, not 1: not a free-threaded build"]);
    assert.deepEqual(script.verifyProblems({ ...good, missing: ["_socket (No module named '_socket')"] }), ["modules the course needs do not import: _socket (No module named '_socket')"]);
    assert.deepEqual(script.verifyProblems({ ...good, version: "3.13.4" }), ["it is CPython 3.13.4, not 3.13.5"]);
  });
});

describe("free-threaded-python: the build on this machine", () => {
  const found = freeThreadedPython();
  it("is free-threaded (GIL off at run time, Py_GIL_DISABLED = 1) and imports every module the course needs", { skip: found.skip }, () => {
    // Any 3.13t/3.14t where CONCLAB_FREE_THREADED_PYTHON names one: the version is not checked.
    const report = script.verify(found.python!, { ...process.env, PYTHON_GIL: "1" }, null);
    assert.equal(report.gil, false, "verify runs it without PYTHON_GIL");
    assert.equal(report.disabled, 1);
    assert.deepEqual(report.missing, []);
  });
});
