/**
 * Security: the servers conclab starts listen on 127.0.0.1 only and answer only with their token;
 * the HTML that ends up in handouts loads nothing from another host; the library writes nothing
 * outside the project folder and the OS temp folder; the Python reference script is started with
 * arguments, never with code assembled from strings.
 *
 * The write check runs representative library calls in a child Node with HOME pointed at an empty
 * folder, TMPDIR at a fresh one and the working directory in a third, under `strace -f` where
 * strace exists. It proves, for those calls in this environment, that no process of the tree
 * (Node, its worker threads, its children, CPython and its pool) created, opened for writing,
 * renamed or removed a file outside the project and the temp folder, and bound no socket but a
 * loopback one. It does not prove it for other calls, for notebooks' own cells, for set-up (which
 * fills .venv and pip's cache) or for Jupyter itself; without strace only HOME is checked.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { compare, countTo, durationsFigure, findPython, memoryPerUnitFigure, startDelayServer, wallTimeFigure, type CompareResult } from "conclab";
import { REFERENCE_SCRIPT } from "conclab/internal";
// Straight from their modules: conclab/kernel would install the kernel's signal hooks in this process.
import { PROJECT_ROOT } from "../../tools/paths";
import { descendants, signal } from "../../tools/proc";
import { spawnWatched } from "../helpers/processes";
import { listeningAddresses } from "../helpers/sockets";
import { figureBundle, progressBundle, resetPlotlyInlining, tableBundle } from "conclab/kernel/internal";

describe("servers listen on 127.0.0.1 only, and only with their token", () => {
  for (const inChildProcess of [false, true]) {
    it(`the delay server${inChildProcess ? " in a child process" : ""}`, async () => {
      const server = await startDelayServer({ delayMs: 0, inChildProcess });
      try {
        assert.deepEqual(listeningAddresses(server.pid), [`127.0.0.1:${server.port}`], "one listening socket, on loopback");
        const token = new URL(server.url).searchParams.get("token")!;
        const near = `${token.slice(0, -1)}${token.endsWith("0") ? "1" : "0"}`;
        for (const url of [`http://127.0.0.1:${server.port}/`, `http://127.0.0.1:${server.port}/?token=${near}`, `http://127.0.0.1:${server.port}/?Token=${token}`]) {
          assert.equal((await fetch(url)).status, 403, url);
        }
        assert.equal((await fetch(server.url)).status, 200);
        assert.deepEqual(await server.counts(), { answered: 1, refused: 3 });
      } finally {
        await server.close();
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------
// What goes into handouts.

/**
 * Every http(s) URL in the inlined plotly.js build, and why none of them makes a page load
 * anything from another host. A new plotly.js that adds one fails this test until someone looks.
 */
const PLOTLY_URLS: Readonly<Record<string, string>> = {
  "http://www.w3.org/1999/xhtml": "an XML namespace name (an identifier, never fetched)",
  "http://www.w3.org/2000/svg": "an XML namespace name",
  "http://www.w3.org/1999/xlink": "an XML namespace name",
  "http://www.w3.org/XML/1998/namespace": "an XML namespace name",
  "http://www.w3.org/2000/xmlns/": "an XML namespace name",
  "https://cloud.plotly.com/newchart": "default of config.plotlyServerURL, used only by the Chart Studio buttons, which are off by default",
  "https://cdn.plot.ly/un/": "default of config.topojsonURL, fetched only for geo traces, which the basic build leaves out",
  "https://github.com/d3/d3-format/tree/v1.4.5#d3-format": "a link in attribute descriptions",
  "https://github.com/d3/d3-time-format/tree/v2.2.3#locale_format": "a link in attribute descriptions",
  "https://plotly.com/": "the href of the mode bar's logo, which conclab hides (displaylogo: false); a link, not a load",
  "https://plotly.com/javascript/animations/": "a link in an error message",
  "http://getify.mit-license.org": "a licence comment",
  "http://syntheti.cc": "a licence comment",
  "https://github.com/voidqk/polybooljs": "a licence comment",
};

const URL_PATTERN = /https?:\/\/[^\s"'`)\\<>]*/g;
/** Markup or CSS that makes a browser fetch something. */
const FETCHING = /<(script|img|iframe|link|embed|object|source|video|audio)\b[^>]*\b(src|href|data)\s*=|@import|url\(\s*['"]?https?:/i;

function splitLibrary(html: string): { library: string; own: string } {
  const start = html.indexOf('<script type="text/javascript">(function(){var define,module,exports;');
  if (start < 0) return { library: "", own: html };
  const end = html.indexOf("})();</script>", start) + "})();</script>".length;
  return { library: html.slice(start, end), own: html.slice(0, start) + html.slice(end) };
}

describe("handout HTML loads nothing from another host", () => {
  let result: CompareResult;
  before(async () => {
    result = await compare({ task: countTo, args: [1_000], copies: 2, strategies: ["sequential", "threads"], repeats: 1, warmup: 0 });
    resetPlotlyInlining();
  });
  after(() => resetPlotlyInlining());

  it("a figure's HTML: conclab's own markup has no URL at all, and the inlined plotly.js none that loads", () => {
    const figures = [
      wallTimeFigure(result),
      durationsFigure([3, 1, 2], "durations"),
      memoryPerUnitFigure([{ strategy: "threads", count: 2, bytesPerUnit: 1e6, totalBytes: 2e6, metric: "rss" }]),
    ];
    const htmls = figures.map((figure) => String(figureBundle(figure)["text/html"]));
    const first = splitLibrary(htmls[0]!);
    assert.ok(first.library.length > 100_000, "the first figure inlines plotly.js");
    for (const [i, html] of htmls.entries()) {
      const { own } = i === 0 ? first : splitLibrary(html);
      assert.deepEqual(own.match(URL_PATTERN) ?? [], [], `figure ${i}: conclab's markup names no URL`);
      assert.doesNotMatch(own, FETCHING, `figure ${i}: conclab's markup fetches nothing`);
    }
    const libraryUrls = [...new Set(first.library.match(URL_PATTERN) ?? [])].sort();
    assert.deepEqual(libraryUrls, Object.keys(PLOTLY_URLS).sort(), "every URL in plotly.js is known and harmless");
    assert.doesNotMatch(first.library, /<(script|img|iframe|link)\b[^>]*\b(src|href)\s*=\s*["']?https?:/i, "no element with a remote source inside the library");
    assert.match(htmls[1]!, /"displaylogo":false/, "the logo link is hidden");
  });

  it("tables and progress bars: no URL in any MIME type", () => {
    const bundles = [
      tableBundle([{ strategy: "threads", ms: 12.5 }, { strategy: "processes", ms: 30 }], { caption: "wall time" }),
      progressBundle({ label: "compare", fraction: 0.5, detail: "threads, repeat 1 of 5", elapsedMs: 2_000 }),
      progressBundle({ label: "compare", fraction: 1, detail: "done", elapsedMs: 4_000, summary: "compare: done" }),
    ];
    for (const bundle of bundles) {
      for (const [mime, data] of Object.entries(bundle)) {
        assert.deepEqual(String(data).match(URL_PATTERN) ?? [], [], mime);
        assert.doesNotMatch(String(data), FETCHING, mime);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// What the library writes, binds and executes.

const python = findPython();
const hasStrace = spawnSync("strace", ["-V"], { encoding: "utf8" }).status === 0;

/** The library calls a notebook makes, as a plain script for a child Node. */
function callsScript(): string {
  const lib = JSON.stringify(require.resolve("conclab"));
  const kernel = JSON.stringify(require.resolve("conclab/kernel"));
  const internal = JSON.stringify(require.resolve("conclab/internal"));
  const withPython = python !== null;
  return `"use strict";
const path = require("node:path");
const os = require("node:os");
const lib = require(${lib});
const kernel = require(${kernel});
(async () => {
  await lib.compare({ task: lib.countTo, args: [100000], copies: 2, strategies: ["sequential", "eventLoop", "threads", "processes"${withPython ? ', "python"' : ""}], repeats: 1, warmup: 1 });
  await lib.compare({ task: lib.sleep, args: [5], copies: 2, strategies: ["async"], repeats: 1, warmup: 0 });
  for (const unit of ["async", "threads", "processes"]) await lib.measureMemory(unit, 2);
  await lib.measureStartup("threads", 2);
  await lib.measureStartup("processes", 2);
  const file = await lib.makeTestFile(4096);
  await lib.run({ strategy: "threads", task: lib.readFileTask, args: [file.path], copies: 2 });
  ${withPython ? 'await lib.run({ strategy: "python:processes", task: lib.readFileTask, args: [file.path], copies: 2 });' : ""}
  await file.remove();
  for (const inChildProcess of [false, true]) {
    const server = await lib.startDelayServer({ delayMs: 5, inChildProcess });
    await lib.run({ strategy: "async", task: lib.httpGet, args: [server.url], copies: 3, warmup: 0 });
    ${withPython ? 'await lib.run({ strategy: "python:threads", task: lib.httpGet, args: [server.url], copies: 2, warmup: 0 });' : ""}
    await server.close();
  }
  require(${internal}).writeResults("security-check", [{ id: "security.check", section: "security-check", claim: "c", measured: "m", verdict: "holds", reason: "r" }]);
  await lib.saveChromeTrace([], path.join(os.tmpdir(), "trace.json"));
  lib.raiseFileLimit(4096);
  kernel.show(lib.durationsFigure([1, 2, 3], "durations"));
  kernel.table([{ a: 1 }]);
  console.log("calls done");
})().catch((error) => { console.error(error); process.exit(1); });
`;
}

interface Traced {
  /** Absolute paths created, opened for writing, renamed, linked or removed, by syscall. */
  readonly written: { readonly path: string; readonly call: string }[];
  /** Addresses sockets were bound to (`AF_INET 127.0.0.1`, `AF_UNIX /path`…). */
  readonly bound: string[];
  /** argv of every successful execve. */
  readonly executed: string[][];
}

const WRITE_FLAGS = /O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND/;
const PATH_CALLS = /^(mkdir|mkdirat|rename|renameat|renameat2|unlink|unlinkat|rmdir|link|linkat|symlink|symlinkat|truncate|creat)$/;

/** strace's quoting of a string argument, undone (it escapes quotes, backslashes and control bytes). */
function unquote(text: string): string {
  return text.replace(/\\(x[0-9a-f]{2}|[0-7]{1,3}|.)/g, (_, esc: string) =>
    esc[0] === "x" ? String.fromCharCode(parseInt(esc.slice(1), 16)) : /^[0-7]+$/.test(esc) ? String.fromCharCode(parseInt(esc, 8)) : esc === "n" ? "\n" : esc === "t" ? "\t" : esc,
  );
}

/** Reads the per-thread files of `strace -ff -y -o prefix`. */
function parseTrace(dir: string, cwd: string): Traced {
  const traced: Traced = { written: [], bound: [], executed: [] };
  for (const file of readdirSync(dir).filter((f) => f.startsWith("trace."))) {
    for (const line of readFileSync(path.join(dir, file), "utf8").split("\n")) {
      const call = /^(\w+)\((.*)\)\s+=\s+(-?\d+)/.exec(line);
      if (!call || Number(call[3]) < 0) continue; // failed calls changed nothing
      const [, name, args] = call as unknown as [string, string, string];
      if (name === "execve") {
        const argv = /^"(?:[^"\\]|\\.)*", \[((?:"(?:[^"\\]|\\.)*"(?:, )?)*)\]/.exec(args);
        if (argv) traced.executed.push([...argv[1]!.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => unquote(m[1]!)));
        continue;
      }
      if (name === "bind") {
        const inet = /sa_family=(AF_INET6?)[^}]*?inet(?:_addr\("([^"]+)"\)|_pton\(AF_INET6, "([^"]+)")/.exec(args);
        const unix = /sa_family=AF_UNIX, sun_path=(@?)"((?:[^"\\]|\\.)*)"/.exec(args);
        if (inet) traced.bound.push(`${inet[1]} ${inet[2] ?? inet[3]}`);
        else if (unix) traced.bound.push(`AF_UNIX ${unix[1]}${unquote(unix[2]!)}`);
        else if (!/AF_NETLINK|AF_UNIX/.test(args)) traced.bound.push(`other ${args}`);
        continue;
      }
      const isOpen = name === "open" || name === "openat";
      if (isOpen && !WRITE_FLAGS.test(args)) continue;
      if (!isOpen && !PATH_CALLS.test(name)) continue;
      // Each path argument, resolved against the directory fd strace decorated before it (-y).
      let base = cwd;
      for (const part of args.matchAll(/(?:(?:AT_FDCWD|\d+)<([^>]*)>)|"((?:[^"\\]|\\.)*)"/g)) {
        if (part[1] !== undefined) base = part[1];
        else if (part[2] !== undefined) traced.written.push({ path: path.resolve(base, unquote(part[2])), call: name });
      }
    }
  }
  return traced;
}

describe("what the library writes, binds and executes", () => {
  const scratch = mkdtempSync(path.join(tmpdir(), "conclab-security-"));
  const home = path.join(scratch, "home");
  const temp = path.join(scratch, "tmp");
  const cwd = path.join(scratch, "cwd");
  const traceDir = path.join(scratch, "trace");
  let traced: Traced | undefined;
  let outcome: { code: number | null; output: string };

  before(async () => {
    for (const dir of [home, temp, cwd, traceDir]) mkdirSync(dir, { recursive: true });
    const script = path.join(scratch, "calls.js");
    writeFileSync(script, callsScript());
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, TMPDIR: temp, CONCLAB_RESULTS_DIR: path.join(temp, "results") };
    // Run as a reader would: whether CPython writes bytecode caches is part of what is checked.
    delete env.PYTHONDONTWRITEBYTECODE;
    delete env.NODE_OPTIONS;
    const command = hasStrace
      ? ["strace", "-ff", "-qq", "-y", "-s", "4096", "-e", "trace=open,openat,creat,mkdir,mkdirat,rename,renameat,renameat2,unlink,unlinkat,rmdir,link,linkat,symlink,symlinkat,truncate,bind,execve", "-o", path.join(traceDir, "trace"), process.execPath, script]
      : [process.execPath, script];
    const child = spawnWatched(command[0]!, command.slice(1), { cwd, env });
    outcome = { code: await child.exited, output: child.output() };
    if (hasStrace) traced = parseTrace(traceDir, cwd);
  });

  after(() => {
    for (const pid of descendants(process.pid)) signal(pid, "SIGKILL");
    rmSync(scratch, { recursive: true, force: true });
  });

  it("the calls ran", () => {
    assert.equal(outcome.code, 0, outcome.output.slice(-3_000));
    assert.match(outcome.output, /calls done/);
  });

  it("HOME stayed empty", () => {
    assert.deepEqual(readdirSync(home), []);
  });

  it("nothing was written outside the project folder and the temp folder", (t) => {
    if (!traced) {
      t.skip("strace is not installed: only HOME was checked");
      return;
    }
    const roots = [realpathSync(PROJECT_ROOT), realpathSync(temp)].map((root) => root + path.sep);
    // CPython's multiprocessing makes its semaphores and shared-memory arenas as files in
    // /dev/shm (the OS's shared-memory folder) and removes them at once; they are checked below.
    const shm = /^\/dev\/shm\/(sem\.[\w.-]+|pym-\d+-\w+)$/;
    const devices = /^\/dev\/(null|tty|pts\/\d+|stdout|stderr)$/;
    const outside = traced.written.filter(({ path: p }) => !roots.some((root) => `${p}/`.startsWith(root)) && !devices.test(p) && !shm.test(p));
    assert.deepEqual(outside, [], "writes outside the project and the temp folder");
    assert.ok(traced.written.some(({ path: p }) => p === path.join(temp, "results", "security-check.json")), "the trace did see the library's own writes");
    const leftInShm = [...new Set(traced.written.filter(({ path: p }) => shm.test(p)).map(({ path: p }) => p))].filter((p) => existsSync(p));
    assert.deepEqual(leftInShm, [], "nothing left in /dev/shm");
  });

  it("every socket bound was a loopback or local one", (t) => {
    if (!traced) {
      t.skip("strace is not installed");
      return;
    }
    const remote = traced.bound.filter((b) => !/^AF_INET 127\.0\.0\.1$|^AF_INET6 ::1$|^AF_UNIX /.test(b));
    assert.deepEqual(remote, []);
    assert.ok(traced.bound.filter((b) => b === "AF_INET 127.0.0.1").length >= 2, "both delay servers were seen binding");
  });

  it("CPython was started with the reference script's path as its only argument, or with conclab's own probe", { skip: python === null ? "no Python 3.8+" : false }, (t) => {
    if (!traced) {
      t.skip("strace is not installed: see the /proc check below");
      return;
    }
    // The probe findPython runs is a string literal of conclab's compiled source, the same every time.
    const librarySource = readFileSync(require.resolve("conclab/dist/src/python"), "utf8");
    const withCode = traced.executed.filter((argv) => argv.includes("-c"));
    for (const argv of withCode) {
      const code = argv[argv.indexOf("-c") + 1] ?? "";
      assert.ok(librarySource.includes(JSON.stringify(code)), `code passed with -c that is not a literal of conclab's source: ${JSON.stringify(argv)}`);
    }
    const withScript = traced.executed.filter((argv) => argv.includes(REFERENCE_SCRIPT));
    assert.ok(withScript.length >= 1, "the reference script was started");
    for (const argv of withScript) assert.equal(argv[argv.length - 1], REFERENCE_SCRIPT, `nothing follows the script's path: ${JSON.stringify(argv)}`);
    const interpreters = withScript.filter((argv) => /python[\d.]*$/.test(path.basename(argv[0]!)) || /python[\d.]*$/.test(argv[argv.length - 2] ?? ""));
    assert.ok(interpreters.length >= 1, "an interpreter ran it");
    t.diagnostic(`${withScript.length} executions with the reference script, ${withCode.length} with conclab's probe`);
  });
});

describe("the Python reference script's command line", { skip: python === null ? "no Python 3.8+" : false }, () => {
  it("is the interpreter and the script's path, nothing else, while it runs", async () => {
    const controller = new AbortController();
    const running = compare({ task: countTo, args: [1e11], copies: 1, strategies: ["python:sequential"], repeats: 1, warmup: 0, timeoutMs: 600_000, signal: controller.signal });
    running.catch(() => undefined);
    try {
      // A launcher (pyenv's shims, a venv's wrapper) may come first and hand the same arguments on.
      let cmdline: string[] | undefined;
      const seen: string[][] = [];
      const deadline = Date.now() + 20_000;
      while (!cmdline && Date.now() < deadline) {
        for (const pid of descendants(process.pid)) {
          try {
            const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
            if (!argv.includes(REFERENCE_SCRIPT)) continue;
            seen.push(argv);
            if (/^python[\d.]*$/.test(path.basename(argv[0]!))) cmdline = argv;
          } catch {
            // gone
          }
        }
        if (!cmdline) await sleep(20);
      }
      for (const argv of seen) assert.equal(argv[argv.length - 1], REFERENCE_SCRIPT, `nothing follows the script's path: ${JSON.stringify(argv)}`);
      assert.ok(cmdline, "the interpreter was found");
      assert.equal(cmdline.length, 2, JSON.stringify(cmdline));
      assert.equal(cmdline[1], REFERENCE_SCRIPT);
      assert.match(path.basename(cmdline[0]!), /^python/);
    } finally {
      controller.abort();
      await running.catch(() => undefined);
    }
    assert.deepEqual(descendants(process.pid), []);
  });

  it("reads requests as data: the script has no eval, exec, compile, pickle or shell of its own", () => {
    const source = readFileSync(REFERENCE_SCRIPT, "utf8").replace(/^\s*#.*$/gm, "").replace(/"""[\s\S]*?"""/g, "");
    for (const construct of [/\beval\(/, /\bexec\(/, /\bcompile\(/, /__import__\(/, /\bimportlib\b/, /\bpickle\b/, /\bmarshal\b/, /\bsubprocess\b/, /\bos\.system\(/, /\bos\.popen\(/, /\bgetattr\(\s*(?!sys\b)/]) {
      assert.doesNotMatch(source, construct);
    }
    assert.match(source, /TASKS = \{/, "tasks are looked up by name in a fixed table");
  });
});
