import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, it } from "node:test";
import { ProcessWatch } from "../helpers/processes";
import { descendants, signal } from "../../tools/proc";
import { AbortError, StrategyUnavailableError, TaskError, TaskTimeoutError, countPrimes, countTo, findPython, readFileTask } from "conclab";
import { type PythonMode, type RunnerContext, type StrategyRunner, type TaskSource, createPythonRunner, taskSource } from "conclab/internal";

const python = findPython();
const noPython = python === null ? "no Python 3.8+ on this machine" : false;

function context(task: TaskSource, args: unknown[], copies: number, options: Partial<RunnerContext> = {}): RunnerContext {
  return { task, args, copies, signal: new AbortController().signal, timeoutMs: 60_000, ...options };
}

function parentPid(pid: number): number {
  const raw = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(raw.slice(raw.lastIndexOf(")") + 2).split(" ")[1]);
}

/** Runs `body` with a runner, disposes it, and checks that no process was left behind. */
async function withRunner(ctx: RunnerContext, mode: PythonMode, body: (runner: StrategyRunner) => Promise<void>): Promise<void> {
  const watch = new ProcessWatch(50);
  const runner = createPythonRunner(ctx, mode, { python: python ?? undefined });
  try {
    await body(runner);
  } finally {
    await runner.dispose();
    await runner.dispose(); // idempotent
  }
  assert.deepEqual(await watch.leftovers(5_000), [], "every process the runner started has ended");
  assert.ok(watch.count >= 1, "the runner did start an interpreter");
}

describe("python strategies on countTo", { skip: noPython }, () => {
  it("python:sequential runs the copies one after another on the interpreter's main thread", async () => {
    await withRunner(context(taskSource(countTo), [100_000], 2), "sequential", async (runner) => {
      assert.equal(runner.key, "python:sequential");
      await runner.prepare(1);
      const run = await runner.runOnce();
      assert.equal(run.tasks.length, 2);
      const [first, second] = run.tasks;
      assert.deepEqual(run.tasks.map((t) => [t.copy, t.laneKind, t.result]), [[0, "main", 100_000], [1, "main", 100_000]]);
      assert.equal(first!.pid, second!.pid);
      assert.equal(parentPid(first!.pid), process.pid, "the main thread is the interpreter Node started");
      assert.equal(first!.threadId, second!.threadId);
      assert.ok(second!.startMs >= first!.endMs, "the second copy starts after the first ends");
      assert.ok(run.startMs <= first!.startMs && second!.endMs <= run.endMs);
      assert.equal(run.wallMs, run.endMs - run.startMs);
    });
  });

  it("python:threads runs the copies in one process on distinct threads", async () => {
    await withRunner(context(taskSource(countTo), [100_000], 2), "threads", async (runner) => {
      assert.equal(runner.key, "python:threads");
      await runner.prepare(1);
      for (let repeat = 0; repeat < 2; repeat++) {
        const run = await runner.runOnce();
        assert.deepEqual(run.tasks.map((t) => [t.copy, t.laneKind, t.result]), [[0, "thread", 100_000], [1, "thread", 100_000]]);
        assert.equal(new Set(run.tasks.map((t) => t.pid)).size, 1);
        assert.equal(parentPid(run.tasks[0]!.pid), process.pid);
        assert.equal(new Set(run.tasks.map((t) => t.threadId)).size, 2);
        for (const t of run.tasks) assert.ok(typeof t.cpuMs === "number" && t.cpuMs >= 0, `copy ${t.copy} reports its thread's CPU time (time.thread_time), got ${t.cpuMs}`);
      }
    });
  });

  it("python:processes runs the copies in distinct pool processes below the interpreter", async () => {
    await withRunner(context(taskSource(countTo), [100_000], 2), "processes", async (runner) => {
      assert.equal(runner.key, "python:processes");
      await runner.prepare(1);
      const run = await runner.runOnce();
      assert.deepEqual(run.tasks.map((t) => [t.copy, t.laneKind, t.result]), [[0, "process", 100_000], [1, "process", 100_000]]);
      const pids = run.tasks.map((t) => t.pid);
      assert.equal(new Set(pids).size, 2);
      const interpreters = pids.map(parentPid);
      assert.equal(new Set(interpreters).size, 1, "both workers belong to one interpreter");
      assert.ok(!pids.includes(interpreters[0]!), "no copy ran in the interpreter itself");
      assert.equal(parentPid(interpreters[0]!), process.pid);
    });
  });
});

describe("python strategies compute what the JavaScript tasks compute", { skip: noPython }, () => {
  it("countPrimes(1000) is 168 in JavaScript and in every Python mode", async () => {
    assert.equal(countPrimes(1000), 168);
    for (const mode of ["sequential", "threads", "processes"] as const) {
      await withRunner(context(taskSource(countPrimes), [1000], 2), mode, async (runner) => {
        await runner.prepare(0);
        const run = await runner.runOnce();
        assert.deepEqual(run.tasks.map((t) => t.result), [168, 168], mode);
      });
    }
  });

  it("countTo(100000) is 100000 in both", async () => {
    assert.equal(countTo(100_000), 100_000);
    await withRunner(context(taskSource(countTo), [100_000], 1), "processes", async (runner) => {
      await runner.prepare(0);
      assert.equal((await runner.runOnce()).tasks[0]!.result, 100_000);
    });
  });
});

describe("when the python strategy cannot run", () => {
  it("refuses a user-defined task, naming it", () => {
    const task = taskSource(function doubleIt(n: number) {
      return n * 2;
    });
    assert.throws(() => createPythonRunner(context(task, [1], 1), "threads"), (error: unknown) => {
      assert.ok(error instanceof StrategyUnavailableError);
      assert.match(error.message, /^strategy python:threads runs only conclab's built-in tasks that have a Python twin/);
      assert.match(error.message, /\(countTo, countPrimes, hashBytes, sleep, blockingSleep, httpGet, readFileTask\); doubleIt has none/, "it names every task that has a twin");
      return true;
    });
  });

  it("refuses when no Python is found, saying how to fix it", () => {
    const saved = process.env.CONCLAB_PYTHON;
    process.env.CONCLAB_PYTHON = "/nonexistent/conclab/python3";
    try {
      assert.equal(findPython(), null);
      assert.throws(() => createPythonRunner(context(taskSource(countTo), [10], 1), "sequential"), (error: unknown) => {
        assert.ok(error instanceof StrategyUnavailableError);
        assert.match(error.message, /none was found/);
        assert.match(error.message, /\/nonexistent\/conclab\/python3/);
        assert.match(error.message, /set CONCLAB_PYTHON/);
        return true;
      });
    } finally {
      if (saved === undefined) delete process.env.CONCLAB_PYTHON;
      else process.env.CONCLAB_PYTHON = saved;
    }
  });
});

describe("python strategy failures", { skip: noPython }, () => {
  it("an abort during a long run kills the interpreter and its pool", async () => {
    const controller = new AbortController();
    await withRunner(context(taskSource(countTo), [1e11], 2, { signal: controller.signal }), "processes", async (runner) => {
      await runner.prepare(0);
      const running = runner.runOnce();
      await sleep(300);
      controller.abort();
      await assert.rejects(running, AbortError);
      await assert.rejects(runner.runOnce(), AbortError);
    });
  });

  it("a run past timeoutMs fails with TaskTimeoutError and stops the interpreter", async () => {
    await withRunner(context(taskSource(countTo), [1e11], 2, { timeoutMs: 500 }), "threads", async (runner) => {
      await runner.prepare(0);
      await assert.rejects(runner.runOnce(), (error: unknown) => {
        assert.ok(error instanceof TaskTimeoutError);
        assert.equal(error.timeoutMs, 500);
        assert.equal(error.strategy, "python:threads");
        return true;
      });
    });
  });

  it("a task's exception becomes a TaskError with Python's exception", async () => {
    await withRunner(context(taskSource(readFileTask), ["/nonexistent/conclab/file"], 1), "sequential", async (runner) => {
      await assert.rejects(runner.prepare(1), (error: unknown) => {
        assert.ok(error instanceof TaskError);
        assert.match(error.message, /^task readFileTask failed on strategy python:sequential: FileNotFoundError: /);
        return true;
      });
    });
  });

  it("the reference script refuses a task name that is not in its table", async () => {
    const forged: TaskSource = { ...taskSource(countTo), python: "os_system" };
    await withRunner(context(forged, ["true"], 1), "sequential", async (runner) => {
      await assert.rejects(runner.prepare(0), { name: "TaskError", message: /ValueError: unknown task 'os_system'/ });
    });
  });

  it("an interpreter that dies mid-run fails the run with its exit", async () => {
    await withRunner(context(taskSource(countTo), [1e11], 1), "sequential", async (runner) => {
      await runner.prepare(0);
      const running = runner.runOnce();
      await sleep(300);
      const [interpreter] = descendants(process.pid);
      assert.ok(interpreter !== undefined);
      signal(interpreter, "SIGKILL");
      await assert.rejects(running, { name: "TaskError", message: /the Python interpreter \(.+\) was killed by SIGKILL unexpectedly/ });
    });
  });

  it("runOnce before prepare is refused without starting anything", async () => {
    const runner = createPythonRunner(context(taskSource(countTo), [10], 1), "threads", { python: python ?? undefined });
    await assert.rejects(runner.runOnce(), /runOnce\(\) was called before prepare\(\)/);
    await runner.dispose();
    assert.deepEqual(descendants(process.pid), []);
  });
});
