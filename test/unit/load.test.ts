/**
 * Load: 10,000 concurrent requests from one thread (the `async` strategy) to the loopback delay
 * server, with 0 lost and 0 errors, while a timer on the same thread keeps firing. And the server
 * in a child process, which carries that load: its life is tied to this process.
 *
 * File descriptors: every open socket is one. The requests need 10,000 here; a server in this
 * process would need 10,000 more. The test raises the soft limit where the OS allows (prlimit, up
 * to the hard limit) and, where it cannot, skips with the reason instead of failing.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { fileLimit, httpGet, raiseFileLimit, run, startDelayServer, type DelayServer, type FileLimitChange } from "conclab";
import { destroyAllPools } from "conclab/internal";
import { descendants, isAlive, signal } from "../../tools/proc";
import { ProcessWatch } from "../helpers/processes";

const REQUESTS = 10_000;
/** Descriptors this test process holds besides the sockets: modules, pipes, the runner's channel. */
const HEADROOM = 1_000;
const BODY_BYTES = 64;

/** Client sockets open in this process now. */
function openSockets(): number {
  return process.getActiveResourcesInfo().filter((name) => name === "TCPSocketWrap").length;
}

async function until(condition: () => boolean, withinMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (!condition() && Date.now() < deadline) await sleep(50);
  return condition();
}

interface LoadOutcome {
  readonly results: readonly unknown[];
  readonly lanes: ReadonlySet<string>;
  /** Client sockets open at each tick of a 10 ms timer during the run. */
  readonly ticks: readonly number[];
}

async function tenThousandRequests(server: DelayServer): Promise<LoadOutcome> {
  const ticks: number[] = [];
  const timer = setInterval(() => ticks.push(openSockets()), 10);
  try {
    const result = await run({ strategy: "async", task: httpGet, args: [server.url], copies: REQUESTS, warmup: 0, timeoutMs: 300_000 });
    return { results: result.results, lanes: new Set(result.spans.map((s) => `${s.pid}/${s.lane}`)), ticks };
  } finally {
    clearInterval(timer);
  }
}

function checkOutcome(outcome: LoadOutcome, counts: { answered: number; refused: number }): void {
  assert.equal(outcome.results.length, REQUESTS);
  const wrong = outcome.results.filter((bytes) => bytes !== BODY_BYTES).length;
  assert.equal(wrong, 0, "every response arrived whole");
  // The async strategy calls the task once before the run to check it is awaitable.
  assert.deepEqual(counts, { answered: REQUESTS + 1, refused: 0 }, "0 lost: the server answered every request once");
  assert.deepEqual([...outcome.lanes], [`${process.pid}/main`], "every request came from this process's one thread");
  assert.equal(Math.max(...outcome.ticks), REQUESTS, `all ${REQUESTS} requests were in flight at once`);
  const whileInFlight = outcome.ticks.filter((open) => open > 0).length;
  assert.ok(whileInFlight >= 2, `the timer kept firing while requests were in flight (${whileInFlight} ticks)`);
}

describe(`${REQUESTS.toLocaleString("en-US")} concurrent requests on one thread`, () => {
  let watch: ProcessWatch;
  before(() => (watch = new ProcessWatch()));
  after(async () => {
    assert.deepEqual(await watch.leftovers(5_000), [], "no server process left");
  });

  it("to a server in a child process: 0 lost, 0 errors, the event loop responsive meanwhile", async (t) => {
    const limit = raiseFileLimit(REQUESTS + HEADROOM);
    t.diagnostic(limit.note);
    if (!limit.enough) {
      t.skip(`this process may open only ${limit.soft} files (hard limit ${limit.hard}), fewer than the ${REQUESTS + HEADROOM} this load needs: ${limit.note}`);
      return;
    }
    const server = await startDelayServer({ delayMs: 300, bodyBytes: BODY_BYTES, inChildProcess: true });
    try {
      assert.notEqual(server.pid, process.pid);
      const outcome = await tenThousandRequests(server);
      checkOutcome(outcome, await server.counts());
      assert.equal(server.answered, REQUESTS + 1, "the pushed count caught up");
    } finally {
      await server.close();
    }
    assert.ok(await until(() => openSockets() === 0), `client sockets left open: ${openSockets()}`);
    assert.ok(!isAlive(server.pid), "the server's child process ended on close");
  });

  it("to a server in this process, where the open-file limit allows both ends", async (t) => {
    const wanted = 2 * REQUESTS + HEADROOM;
    const limit = raiseFileLimit(wanted);
    t.diagnostic(limit.note);
    if (!limit.enough) {
      t.skip(
        `both ends of ${REQUESTS} connections in one process need about ${wanted} open files; this OS allows ${limit.soft} (hard limit ${limit.hard}). ` +
          "startDelayServer({ inChildProcess: true }) halves that, as the test above does",
      );
      return;
    }
    const server = await startDelayServer({ delayMs: 300, bodyBytes: BODY_BYTES });
    try {
      checkOutcome(await tenThousandRequests(server), await server.counts());
    } finally {
      await server.close();
    }
  });
});

describe("raising the open-file limit", () => {
  const wanted = REQUESTS + HEADROOM;

  /** Runs `prelude` then raiseFileLimit(wanted) in a fresh Node started under `prlimit limits`. */
  function raiseIn(limits: string, prelude = ""): FileLimitChange | string {
    const lib = JSON.stringify(require.resolve("conclab"));
    const script = `${prelude}; console.log(JSON.stringify(require(${lib}).raiseFileLimit(${wanted})))`;
    const child = spawnSync("prlimit", [limits, process.execPath, "-e", script], { encoding: "utf8" });
    if (child.error || child.status !== 0) return `prlimit could not start a limited process: ${child.error?.message ?? child.stderr.trim()}`;
    return JSON.parse(child.stdout) as FileLimitChange;
  }

  it("raises a lowered soft limit up to what is wanted, and says so", (t) => {
    const limit = fileLimit();
    if (limit === null || limit.hard < wanted) {
      t.skip(`this OS does not report, or does not allow, ${wanted} open files (limits: ${JSON.stringify(limit)})`);
      return;
    }
    // Node lifts its soft limit to the hard one as it starts: lower it from inside, then raise it.
    const lower = `require("node:child_process").spawnSync("prlimit", ["--pid", String(process.pid), "--nofile=1024:${wanted}"])`;
    const change = raiseIn(`--nofile=${wanted}:${wanted}`, lower);
    if (typeof change === "string") {
      t.skip(change);
      return;
    }
    assert.deepEqual(change, { soft: wanted, hard: wanted, wanted, enough: true, note: `open-file limit: raised it from 1024 to ${wanted}` });
  });

  it("past the hard limit, raises that where privileges allow, and otherwise says that only an administrator can", (t) => {
    const change = raiseIn("--nofile=2048:2048");
    if (typeof change === "string") {
      t.skip(change);
      return;
    }
    t.diagnostic(change.note);
    if (change.enough) {
      // Root with CAP_SYS_RESOURCE: the hard limit went up too.
      assert.equal(change.soft, wanted);
      assert.equal(change.note, `open-file limit: raised it from 2048 to ${wanted} (and the hard limit from 2048)`);
    } else {
      assert.equal(change.soft, 2048);
      assert.match(change.note, new RegExp(`^open-file limit 2048 is below the ${wanted} wanted: it stayed at 2048; the hard limit \\(2048\\) could not be raised \\(prlimit refused: .+\\): only an administrator can raise it`));
      assert.match(change.note, /Fewer connections will fit$/);
    }
  });
});

describe("the delay server in a child process", () => {
  it("serves the same protocol: 127.0.0.1, a token, counts asked of the child", async () => {
    const server = await startDelayServer({ delayMs: 0, bodyBytes: 10, inChildProcess: true });
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{32}$/);
      assert.deepEqual(descendants(process.pid), [server.pid]);
      assert.equal((await fetch(server.url)).status, 200);
      assert.equal((await fetch(`http://127.0.0.1:${server.port}/`)).status, 403);
      assert.equal((await fetch(`http://127.0.0.1:${server.port}/?token=${"0".repeat(32)}`)).status, 403);
      assert.deepEqual(await server.counts(), { answered: 1, refused: 2 });
    } finally {
      await server.close();
      await server.close();
    }
    assert.ok(!isAlive(server.pid));
    assert.deepEqual(descendants(process.pid), []);
  });

  it("ignores a kernel interrupt (SIGINT to the process group), and a kernel shutdown ends it", async () => {
    const server = await startDelayServer({ delayMs: 0, inChildProcess: true });
    try {
      signal(server.pid, "SIGINT");
      await sleep(200);
      assert.ok(isAlive(server.pid), "the interrupt is the kernel's to handle");
      assert.equal((await fetch(server.url)).status, 200);
      await destroyAllPools(); // what conclab/kernel does on SIGTERM and SIGHUP
      assert.ok(await until(() => !isAlive(server.pid)), "gone with the kernel's pools");
    } finally {
      await server.close();
    }
  });

  it("ends by itself when the process that started it is killed", async () => {
    const parent = spawn(
      process.execPath,
      [
        "-e",
        `const { startDelayServer } = require(${JSON.stringify(require.resolve("conclab"))});
         startDelayServer({ inChildProcess: true }).then((s) => console.log(s.pid));`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let child = -1;
    try {
      child = await new Promise<number>((resolve, reject) => {
        parent.stdout.once("data", (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
        parent.once("exit", (code) => reject(new Error(`the parent exited early (code ${code})`)));
      });
      assert.ok(isAlive(child));
      parent.kill("SIGKILL");
      assert.ok(await until(() => !isAlive(child)), "the orphaned server ended");
    } finally {
      parent.kill("SIGKILL");
      if (child > 0) signal(child, "SIGKILL");
    }
  });
});
