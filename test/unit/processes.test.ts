import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { ProcessWatch } from "../helpers/processes";
import { descendants, isAlive, signal } from "../../tools/proc";
import { AbortError, TaskError, type TaskFunction, TaskTimeoutError, countTo } from "conclab";
import { ChildProcessPool, createProcessesRunner, portable, taskSource, type RunnerContext, type TaskMessage } from "conclab/internal";

/** Long enough to still be counting when a test stops it (hours of work). */
const ENDLESS = 1e15;

function message(fn: TaskFunction, args: readonly unknown[] = [], copy = 0): TaskMessage {
  return { task: portable(taskSource(fn)), args, copy };
}

function context(fn: TaskFunction, args: readonly unknown[], copies: number, signal = new AbortController().signal): RunnerContext {
  return { task: taskSource(fn), args, copies, signal, timeoutMs: 30_000 };
}

function describeProcess(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/status`, "utf8").split("\n").filter((line) => /^(State|PPid|Threads):/.test(line)).join(" ").replace(/\s+/g, " ");
  } catch {
    return "gone";
  }
}

async function waitUntil(check: () => boolean, withinMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (!check() && Date.now() < deadline) await sleep(50);
  return check();
}

function tally(): number {
  const scope = globalThis as unknown as { conclabTally?: number };
  scope.conclabTally = (scope.conclabTally ?? 0) + 1;
  return scope.conclabTally;
}

describe("the processes runner", () => {
  it("runs each copy in its own child process and reports when and where", async () => {
    const runner = createProcessesRunner(context(countTo, [1_000_000], 2));
    try {
      assert.equal(runner.key, "processes");
      await runner.prepare(1);
      const run = await runner.runOnce();
      assert.deepEqual(run.tasks.map((task) => task.copy), [0, 1]);
      assert.deepEqual(run.tasks.map((task) => task.result), [1_000_000, 1_000_000]);
      assert.deepEqual(run.tasks.map((task) => task.laneKind), ["process", "process"]);
      const pids = new Set(run.tasks.map((task) => task.pid));
      assert.equal(pids.size, 2);
      assert.ok(!pids.has(process.pid));
      assert.ok(run.startMs < run.endMs);
      assert.equal(run.wallMs, run.endMs - run.startMs);
    } finally {
      await runner.dispose();
      await runner.dispose();
    }
  });

  it("warms the task up in every child before the timed runs", async () => {
    const runner = createProcessesRunner(context(tally, [], 3));
    try {
      await runner.prepare(2);
      const run = await runner.runOnce();
      // Each child counts its own calls: two warm-up rounds, then this timed one.
      assert.deepEqual(run.tasks.map((task) => task.result), [3, 3, 3]);
    } finally {
      await runner.dispose();
    }
  });

  it("leaves a pool it was given running after dispose", async () => {
    const pool = ChildProcessPool.start({ size: 2 });
    try {
      const runner = createProcessesRunner(context(countTo, [10], 2), { pool });
      await runner.prepare(0);
      assert.equal((await runner.runOnce()).tasks.length, 2);
      await runner.dispose();
      assert.equal((await pool.run(message(countTo, [5]))).result, 5);
    } finally {
      await pool.destroy();
    }
  });

  it("stops every child when its signal aborts a run", async () => {
    const watch = new ProcessWatch();
    const controller = new AbortController();
    const runner = createProcessesRunner(context(countTo, [ENDLESS], 2, controller.signal));
    try {
      await runner.prepare(0);
      const running = runner.runOnce();
      await sleep(300);
      assert.ok(watch.count >= 2, "the children were seen");
      controller.abort();
      await assert.rejects(running, AbortError);
      assert.deepEqual(await watch.leftovers(5_000), []);
      await assert.rejects(runner.runOnce(), AbortError);
    } finally {
      await runner.dispose();
    }
  });
});

describe("a process pool", () => {
  let pool: ChildProcessPool;
  before(async () => {
    pool = ChildProcessPool.start({ size: 2, callTimeoutMs: 1_500 });
    // Both children loaded before the tests: a call's timeout counts from when it is sent.
    await Promise.all([pool.run(message(countTo, [1])), pool.run(message(countTo, [1], 1))]);
  });
  after(() => pool.destroy());

  it("answers a task that returns a Promise", async () => {
    async function wait(ms: number): Promise<number> {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return ms;
    }
    const record = await pool.run(message(wait, [20]));
    assert.equal(record.result, 20);
    assert.equal(record.laneKind, "process");
  });

  it("brings back results a structured clone keeps and JSON would lose", async () => {
    function rich(): unknown {
      return [undefined, NaN, 2n ** 70n, new Map([["a", 1]])];
    }
    assert.deepEqual((await pool.run(message(rich))).result, [undefined, NaN, 2n ** 70n, new Map([["a", 1]])]);
  });

  it("turns an error thrown by the task into a TaskError, then runs the next task", async () => {
    function boom(): never {
      throw new RangeError("out of range on purpose");
    }
    await assert.rejects(pool.run(message(boom)), (error: unknown) => {
      assert.ok(error instanceof TaskError);
      assert.equal(error.message, "task boom failed on strategy processes: out of range on purpose");
      assert.equal(error.task, "boom");
      assert.equal(error.strategy, "processes");
      assert.ok(error.cause instanceof Error);
      assert.equal(error.cause.name, "RangeError");
      assert.match(String(error.cause.stack), /boom/);
      return true;
    });
    assert.equal((await pool.run(message(countTo, [1_000]))).result, 1_000);
  });

  it("reports a child that exits, starts one replacement, and runs the next task", async () => {
    function quit(): void {
      process.exit(3);
    }
    const spawnedBefore = pool.spawned;
    await assert.rejects(pool.run(message(quit)), {
      name: "TaskError",
      message: /^task quit failed on strategy processes: the child process running it exited \(code 3, signal none\)/,
    });
    assert.equal((await pool.run(message(countTo, [7]))).result, 7);
    assert.ok(pool.spawned <= spawnedBefore + 1, `spawned went from ${spawnedBefore} to ${pool.spawned}`);
    assert.ok(pool.pids.length <= 2);
  });

  it("stops a task that runs past callTimeoutMs, then runs the next task", async () => {
    function forever(): void {
      for (;;);
    }
    await assert.rejects(pool.run(message(forever)), (error: unknown) => {
      assert.ok(error instanceof TaskTimeoutError);
      assert.equal(error.timeoutMs, 1_500);
      assert.match(error.message, /^task forever failed on strategy processes: no result after 1500 ms/);
      return true;
    });
    assert.equal((await pool.run(message(countTo, [9]))).result, 9);
  });

  it("fails clearly, without hanging, on a result that cannot travel", async () => {
    function makeFunction(): unknown {
      return () => 1;
    }
    await assert.rejects(pool.run(message(makeFunction)), {
      name: "TaskError",
      message: /^task makeFunction failed on strategy processes: .*\bfunction\b/,
    });
    assert.equal((await pool.run(message(countTo, [3]))).result, 3);
  });

  it("explains a ReferenceError: outside names do not exist in the child", async () => {
    function usesMissing(): unknown {
      return new Function("return missingName")();
    }
    await assert.rejects(pool.run(message(usesMissing)), (error: unknown) => {
      assert.ok(error instanceof TaskError);
      assert.match(error.message, /missingName is not defined; a task runs in another process .* pass values as arguments$/);
      assert.equal((error.cause as Error).name, "ReferenceError");
      return true;
    });
  });

  it("forwards what a task prints to this process's stdout and stderr", async (t) => {
    function speak(text: string): number {
      process.stdout.write(`${text} on stdout\n`);
      console.error(`${text} on stderr`);
      return text.length;
    }
    const out: string[] = [];
    const err: string[] = [];
    // Keep the child's text, pass everything else on: the test reporter writes here meanwhile.
    const capture = (stream: NodeJS.WriteStream, into: string[]): void => {
      const write = stream.write.bind(stream) as (chunk: string | Uint8Array) => boolean;
      t.mock.method(stream, "write", (chunk: string | Uint8Array) => {
        if (!String(chunk).includes("hello from a child")) return write(chunk);
        into.push(String(chunk));
        return true;
      });
    };
    capture(process.stdout, out);
    capture(process.stderr, err);
    try {
      assert.equal((await pool.run(message(speak, ["hello from a child"]))).result, 18);
      await waitUntil(() => out.join("").endsWith("\n") && err.join("").endsWith("\n"));
    } finally {
      t.mock.restoreAll();
    }
    assert.ok(out.join("").includes("hello from a child on stdout\n"), JSON.stringify(out));
    assert.ok(err.join("").includes("hello from a child on stderr\n"), JSON.stringify(err));
  });
});

describe("a process pool's end", () => {
  it("rejects the running call with AbortError, kills the children, and runs nothing more", async () => {
    const pool = ChildProcessPool.start({ size: 2 });
    const watch = new ProcessWatch();
    try {
      const controller = new AbortController();
      const running = pool.run(message(countTo, [ENDLESS]), { signal: controller.signal });
      const sameSignal = pool.run(message(countTo, [ENDLESS], 1), { signal: controller.signal });
      const other = pool.run(message(countTo, [ENDLESS], 2));
      await sleep(200);
      controller.abort();
      await assert.rejects(running, AbortError);
      await assert.rejects(sameSignal, AbortError);
      await assert.rejects(other, /task countTo was stopped: its process pool was destroyed while it ran/);
      assert.deepEqual(await watch.leftovers(5_000), []);
      assert.deepEqual(pool.pids, []);
      await assert.rejects(pool.run(message(countTo, [1])), /^Error: this process pool is destroyed and runs no more tasks/);
    } finally {
      await pool.destroy();
    }
  });

  it("on close lets a running call finish, then ends every child", async () => {
    const pool = ChildProcessPool.start({ size: 2 });
    const watch = new ProcessWatch();
    async function slow(ms: number): Promise<number> {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return ms;
    }
    try {
      const running = pool.run(message(slow, [300]));
      await sleep(50);
      const closed = pool.close();
      await assert.rejects(pool.run(message(countTo, [1])), /this process pool is closing and runs no more tasks; create a new one with createProcessPool\(\)/);
      assert.equal((await running).result, 300);
      await closed;
      assert.deepEqual(pool.pids, []);
      assert.deepEqual(await watch.leftovers(5_000), []);
    } finally {
      await pool.destroy();
    }
  });

  it("rejects a size that is not a positive integer, naming the option", () => {
    assert.throws(() => ChildProcessPool.start({ size: 0 }), { name: "RangeError", message: /^size must be an integer from 1 to \d+, got 0 \(number\);/ });
    assert.throws(() => ChildProcessPool.start({ size: 2, callTimeoutMs: 1.5 }), { name: "RangeError", message: /^options\.callTimeoutMs must be/ });
  });

  it("leaves no child behind when its parent is killed, busy or idle", async () => {
    const script = path.join(os.tmpdir(), `conclab-orphans-${process.pid}.js`);
    const lib = (name: string): string => JSON.stringify(require.resolve(`conclab/dist/src/${name}`));
    writeFileSync(
      script,
      `"use strict";
const { ChildProcessPool } = require(${lib("pools/process-pool")});
const { portable, taskSource } = require(${lib("tasks/task-source")});
const { countTo } = require(${lib("tasks/cpu")});
const busy = ChildProcessPool.start({ size: 2 });
const idle = ChildProcessPool.start({ size: 1 });
const task = portable(taskSource(countTo));
for (let copy = 0; copy < 2; copy++) busy.run({ task, args: [${ENDLESS}], copy }).catch(() => {});
setTimeout(() => console.log(JSON.stringify({ busy: busy.pids, idle: idle.pids })), 500);
`,
    );
    const parent = spawn(process.execPath, [script], { stdio: ["ignore", "pipe", "inherit"] });
    let children: number[] = [];
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let text = "";
        parent.stdout.on("data", (chunk: Buffer) => {
          text += chunk.toString();
          if (text.includes("\n")) resolve(text.trim());
        });
        parent.once("exit", (code) => reject(new Error(`the parent script exited early (code ${code})`)));
      });
      const pids = JSON.parse(line) as { busy: number[]; idle: number[] };
      children = [...pids.busy, ...pids.idle];
      assert.equal(children.length, 3);
      assert.deepEqual([...children].sort(), [...descendants(parent.pid!)].sort());
      parent.kill("SIGKILL");
      const gone = await waitUntil(() => !children.some(isAlive), 5_000);
      assert.ok(gone, `still alive: ${children.filter(isAlive).map((pid) => `${pid} ${describeProcess(pid)}`).join(", ")} (busy ${pids.busy.join(", ")})`);
    } finally {
      parent.kill("SIGKILL");
      for (const pid of children) signal(pid, "SIGKILL");
      rmSync(script, { force: true });
    }
  });
});

describe("child processes under a kernel interrupt", () => {
  // Jupyter interrupts a kernel by sending SIGINT to its whole process group. A child that is
  // still starting up cannot ignore it yet, so every child conclab starts must live outside it.
  // The script interrupts its own group every 2 ms from its main thread, so every signal lands
  // while children boot, load their module or work, never inside a spawn call itself.
  it("pools, delay servers, start-up and memory samples finish while their parent's process group is interrupted again and again", async () => {
    const script = path.join(os.tmpdir(), `conclab-interrupts-${process.pid}.js`);
    const lib = (name: string): string => JSON.stringify(require.resolve(`conclab/dist/src/${name}`));
    writeFileSync(
      script,
      `"use strict";
const { readFileSync } = require("node:fs");
const { ChildProcessPool } = require(${lib("pools/process-pool")});
const { portable, taskSource } = require(${lib("tasks/task-source")});
const { countTo } = require(${lib("tasks/cpu")});
const { startDelayServer } = require(${lib("tasks/delay-server")});
const { measureStartup } = require(${lib("experiment/unit-costs/startup")});
const { measureMemory } = require(${lib("experiment/unit-costs/memory")});
// Signal only a group this script leads, never the test runner's.
const group = Number(readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ")[2]);
if (group !== process.pid) process.exit(3);
process.on("SIGINT", () => {}); // a kernel's own handler decides; here: go on
let interrupts = 0;
setInterval(() => { interrupts += 1; process.kill(-process.pid, "SIGINT"); }, 2);
(async () => {
  const task = portable(taskSource(countTo));
  const results = [];
  for (let round = 0; round < 3; round++) {
    const pool = ChildProcessPool.start({ size: 2 });
    process.kill(-process.pid, "SIGINT"); // at once: the children are still booting
    const records = await Promise.all([0, 1].map((copy) => pool.run({ task, args: [100000], copy })));
    results.push(...records.map((r) => r.result));
    await pool.destroy();
  }
  const starting = startDelayServer({ delayMs: 0, inChildProcess: true });
  process.kill(-process.pid, "SIGINT");
  const server = await starting;
  const status = (await fetch(server.url)).status;
  await server.close();
  const startup = await measureStartup("processes", 3);
  const memory = await measureMemory("processes", 2);
  console.log(JSON.stringify({ results, status, startups: startup.samplesMs.length, memory: memory.totalBytes > 0, interrupted: interrupts > 20 }));
  process.exit(0);
})().catch((error) => { console.error(error); process.exit(1); });
`,
    );
    // detached: the script leads its own process group, as a kernel does under jupyter_server.
    const parent = spawn(process.execPath, [script], { stdio: ["ignore", "pipe", "pipe"], detached: true });
    try {
      let out = "";
      let err = "";
      parent.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
      parent.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => parent.once("exit", (exitCode) => resolve(exitCode)));
      assert.equal(code, 0, `the script failed under interrupts; stdout: ${out}; stderr: ${err}`);
      assert.deepEqual(JSON.parse(out), { results: Array(6).fill(100000), status: 200, startups: 3, memory: true, interrupted: true });
    } finally {
      if (parent.pid) signal(-parent.pid, "SIGKILL");
      rmSync(script, { force: true });
    }
  });
});
