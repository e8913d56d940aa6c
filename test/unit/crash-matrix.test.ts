/**
 * The crash matrix: a task that throws, one that calls process.exit, one that exceeds its memory
 * limit and one that never returns, on `threads` and on `processes`, through `run` as a notebook
 * calls it. Each must end with an error naming the task and the strategy (a timeout only for the
 * task that never returns, at the configured timeoutMs), cost at most one replacement thread or
 * process (no crash loop), and leave the pool serving the next task. Then nothing may be left.
 *
 * Memory limits: a thread pool takes V8 resourceLimits; a child process takes V8's heap limit
 * from NODE_OPTIONS (--max-old-space-size), which the pool's children inherit from this process's
 * environment when the pool starts.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, it, type TestContext } from "node:test";
import { compare, countTo, createProcessPool, createThreadPool, findPython, run, TaskError, TaskTimeoutError, type Pools, type TaskFunction } from "conclab";
import { ChildProcessPool, REFERENCE_SCRIPT, WorkerThreadPool, portable, taskSource } from "conclab/internal";
import { descendants, signal } from "../../tools/proc";
import { ownThreadCount, threadsSettleTo } from "../helpers/threads";
import { commandLine, isPythonRunning, ProcessWatch, until } from "../helpers/processes";

const TIMEOUT_MS = 1_500;
const HEAP_LIMIT_MB = 48;

// The faults, written as a reader would write them in a cell: self-contained functions.
function throws(): never {
  throw new RangeError("thrown on purpose");
}
function exits(): void {
  process.exit(7);
}
function hog(): number {
  const keep: number[][] = [];
  for (;;) keep.push(new Array(100_000).fill(1));
}
function forever(): void {
  for (;;);
}

interface Fault {
  readonly task: () => unknown;
  /** What the message says after `task NAME failed on strategy STRATEGY: `. */
  readonly says: Record<"threads" | "processes", RegExp>;
  /** Whether the fault ends the thread or process that ran it (so one replacement is started). */
  readonly endsItsWorker: boolean;
  readonly timesOut: boolean;
}

const FAULTS: readonly Fault[] = [
  { task: throws, says: { threads: /^thrown on purpose$/, processes: /^thrown on purpose$/ }, endsItsWorker: false, timesOut: false },
  {
    task: exits,
    says: {
      threads: /^the worker thread running it exited \(code 7\); process\.exit\(\) in a task ends its worker/,
      processes: /^the child process running it exited \(code 7, signal none\); process\.exit\(\) in a task/,
    },
    endsItsWorker: true,
    timesOut: false,
  },
  {
    task: hog,
    says: {
      threads: /^its worker ran out of memory \(resourceLimits\) and was stopped$/,
      processes: /^its child process ran out of memory \(V8's heap limit/,
    },
    endsItsWorker: true,
    timesOut: false,
  },
  {
    task: forever,
    says: { threads: /^no result after 1500 ms; its worker was stopped/, processes: /^no result after 1500 ms; its worker was stopped/ },
    endsItsWorker: true,
    timesOut: true,
  },
];



/** This process's thread count at rest, after Node's own helper threads (libuv's pool) have started. */
async function threadBaselineAtRest(): Promise<number> {
  const warm = (createThreadPool(1) as WorkerThreadPool);
  await run({ strategy: "threads", task: countTo, args: [1], warmup: 0, pools: { threads: warm } });
  await warm.destroy();
  await readFile("/proc/self/status");
  return threadsSettleTo(0, 500);
}

/** Swallows what a dying child prints (V8's out-of-memory report and native stack) while `body` runs. */
async function quietly<T>(t: TestContext, body: () => Promise<T>): Promise<T> {
  t.mock.method(process.stderr, "write", () => true);
  try {
    return await body();
  } finally {
    t.mock.restoreAll();
  }
}

function checkError(error: unknown, fault: Fault, strategy: "threads" | "processes"): true {
  const name = fault.task.name;
  assert.ok(error instanceof TaskError, `a TaskError, got ${String(error)}`);
  assert.equal(error.task, name);
  assert.equal(error.strategy, strategy);
  const prefix = `task ${name} failed on strategy ${strategy}: `;
  assert.ok(error.message.startsWith(prefix), error.message);
  assert.match(error.message.slice(prefix.length), fault.says[strategy]);
  assert.equal(error instanceof TaskTimeoutError, fault.timesOut, "only the task that never returns times out");
  if (error instanceof TaskTimeoutError) assert.equal(error.timeoutMs, TIMEOUT_MS, "stopped at the configured timeout");
  return true;
}

describe("the crash matrix, on pools a notebook keeps across cells", () => {
  let threadPool: WorkerThreadPool;
  let processPool: ChildProcessPool;
  let watch: ProcessWatch;
  let threadBaseline: number;
  let savedNodeOptions: string | undefined;

  before(async () => {
    threadBaseline = await threadBaselineAtRest();
    watch = new ProcessWatch(50);
    threadPool = (createThreadPool(1, { resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 } }) as WorkerThreadPool);
    savedNodeOptions = process.env.NODE_OPTIONS;
    process.env.NODE_OPTIONS = `--max-old-space-size=${HEAP_LIMIT_MB}`;
    processPool = (createProcessPool(1) as ChildProcessPool);
    // Both ready before the faults, so that every later spawn is a replacement.
    await run({ strategy: "threads", task: countTo, args: [10], warmup: 0, pools: { threads: threadPool } });
    await run({ strategy: "processes", task: countTo, args: [10], warmup: 0, pools: { processes: processPool } });
  });

  after(async () => {
    if (savedNodeOptions === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = savedNodeOptions;
    await threadPool?.destroy();
    await processPool?.destroy();
    assert.deepEqual(await watch.leftovers(5_000), [], "no child process left");
    const threads = await threadsSettleTo(threadBaseline, 5_000);
    assert.ok(threads <= threadBaseline, `threads back to ${threadBaseline}, now ${threads}`);
  });

  /** Workers created so far: threadIds are handed out in order, one per Worker this process starts. */
  const threadSpawns = (): number => Math.max(0, ...threadPool.threadIds);

  for (const strategy of ["threads", "processes"] as const) {
    for (const fault of FAULTS) {
      it(`${strategy}: a task that ${fault.task.name === "hog" ? "exceeds its memory limit" : fault.task.name === "forever" ? "never returns" : fault.task.name === "exits" ? "calls process.exit" : "throws"} fails clearly, costs ${fault.endsItsWorker ? "one replacement" : "no replacement"}, and the pool serves the next task`, async (t) => {
        const pools: Pools = strategy === "threads" ? { threads: threadPool } : { processes: processPool };
        const spawns = (): number => (strategy === "threads" ? threadSpawns() : processPool.spawned);
        const before = spawns();
        const failing = run({ strategy, task: fault.task, args: [], warmup: 0, timeoutMs: TIMEOUT_MS, pools });
        await quietly(t, () => assert.rejects(failing, (error: unknown) => checkError(error, fault, strategy)));
        const next = await run({ strategy, task: countTo, args: [1_000], warmup: 0, pools });
        assert.deepEqual(next.results, [1_000], "the pool serves the next task");
        assert.equal(spawns() - before, fault.endsItsWorker ? 1 : 0, "no crash loop: one replacement at most");
        if (strategy === "processes") assert.equal(processPool.pids.length, 1, "the pool keeps its size");
        else assert.equal(threadPool.threadIds.length, 1, "the pool keeps its size");
      });
    }
  }
});

describe("calls queued behind a fault", () => {
  // worker-farm hands queued work to a child in the same turn in which it gives up on it; such a
  // call was never answered. Two calls on one child: the first fails, the second must still run.
  for (const fault of FAULTS.filter((f) => f.task === exits || f.task === forever)) {
    it(`processes: a call queued behind ${fault.task.name === "exits" ? "a crash" : "a timeout"} runs on a replacement child`, async (t) => {
      const watch = new ProcessWatch(50);
      const pool = (createProcessPool(1, { callTimeoutMs: TIMEOUT_MS }) as ChildProcessPool);
      try {
        const message = (task: TaskFunction, args: unknown[]) => ({ task: portable(taskSource(task)), args, copy: 0 });
        const failing = pool.run(message(fault.task, []));
        const queued = pool.run(message(countTo, [42]));
        await quietly(t, () => assert.rejects(failing, (error: unknown) => checkError(error, fault, "processes")));
        assert.equal((await queued).result, 42);
        assert.equal(pool.spawned, 2, "one replacement");
      } finally {
        await pool.destroy();
        assert.deepEqual(await watch.leftovers(5_000), []);
      }
    });
  }
});

describe("the crash matrix, on pools each run starts and stops itself", () => {
  for (const strategy of ["threads", "processes"] as const) {
    for (const fault of FAULTS.filter((f) => f.task !== hog)) {
      it(`${strategy}: ${fault.task.name} leaves no thread or process behind`, async (t) => {
        const baseline = await threadBaselineAtRest();
        const watch = new ProcessWatch(50);
        try {
          const failing = run({ strategy, task: fault.task, args: [], copies: 2, warmup: 0, timeoutMs: TIMEOUT_MS });
          await quietly(t, () => assert.rejects(failing, (error: unknown) => checkError(error, fault, strategy)));
        } finally {
          assert.deepEqual(await watch.leftovers(5_000), [], "no child process left");
        }
        if (strategy === "processes") assert.ok(watch.count <= 2, `no crash loop: ${watch.count} children seen for 2 copies`);
        const threads = await threadsSettleTo(baseline, 5_000);
        assert.ok(threads <= baseline, `threads back to ${baseline}, now ${threads}`);
      });
    }
  }

  it("compare stops at the first failing strategy, names it, and leaves nothing", async (t) => {
    const baseline = await threadBaselineAtRest();
    const watch = new ProcessWatch(50);
    try {
      const failing = compare({ task: exits, args: [], copies: 2, strategies: ["processes", "threads"], repeats: 2, warmup: 1, timeoutMs: TIMEOUT_MS });
      await quietly(t, () => assert.rejects(failing, (error: unknown) => checkError(error, FAULTS[1]!, "processes")));
    } finally {
      assert.deepEqual(await watch.leftovers(5_000), []);
    }
    assert.deepEqual(descendants(process.pid), []);
    assert.ok((await threadsSettleTo(baseline, 5_000)) <= baseline);
  });
});

describe("aborts, again and again", () => {
  // piscina starts replacements for workers stopped by an abort when it hears of their exit, even
  // after the pool was destroyed; those threads then lived on. A race: repeat it.
  it("threads: ten aborted runs leave no worker thread behind", async () => {
    const baseline = await threadBaselineAtRest();
    for (let round = 0; round < 10; round++) {
      const controller = new AbortController();
      const running = run({ strategy: "threads", task: forever, args: [], copies: 2, warmup: 0, signal: controller.signal });
      await until(() => ownThreadCount() >= baseline + 2, 10_000);
      await sleep(round * 20);
      controller.abort();
      await assert.rejects(running, { name: "AbortError" });
    }
    const threads = await threadsSettleTo(baseline, 5_000);
    assert.equal(threads, baseline, `threads back to ${baseline}, now ${threads}`);
  });
});

describe("children notice a dead parent", () => {
  // processes.test.ts covers the process pool's children, load.test.ts the delay server's child.
  // Here CPython as the python strategy starts it: its stdout and stderr are pipes to the parent,
  // so after the parent's death its first write to stderr fails, which must not stop its cleanup.
  it("python:processes: the interpreter and its pool end when the Node process running them is killed", { skip: findPython() === null ? "no Python 3.8+" : false }, async () => {
    const watch = new ProcessWatch(50);
    const lib = JSON.stringify(require.resolve("conclab"));
    const parent = spawn(
      process.execPath,
      [
        "-e",
        `const { compare, countTo } = require(${lib});
         compare({ task: countTo, args: [1e11], copies: 2, strategies: ["python:processes"], repeats: 1, warmup: 0, timeoutMs: 600000 }).catch(() => {});
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ["ignore", "ignore", "inherit"] },
    );
    const below = (): number[] => descendants(parent.pid!);
    const interpreterAndPool = (): boolean => {
      const interpreter = below().find((pid) => isPythonRunning(pid, REFERENCE_SCRIPT));
      return interpreter !== undefined && descendants(interpreter).length >= 2;
    };
    let leftovers: number[];
    try {
      const started = await until(interpreterAndPool, 30_000);
      assert.ok(started, `the interpreter and two pool workers started; below the parent: ${below().map((pid) => `${pid} ${commandLine(pid)}`).join("; ")}`);
      watch.poll();
      parent.kill("SIGKILL");
    } finally {
      parent.kill("SIGKILL");
      leftovers = await watch.leftovers(5_000);
      for (const pid of leftovers) signal(pid, "SIGKILL");
    }
    assert.deepEqual(leftovers, [], "interpreter and pool gone");
  });
});
