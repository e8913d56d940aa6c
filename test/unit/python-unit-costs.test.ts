import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { describe, it } from "node:test";
import { ProcessWatch, until } from "../helpers/processes";
import { descendants } from "../../tools/proc";
import { AbortError, StrategyUnavailableError, compare, findPython, hashBytes, measurePythonMemory, measurePythonMemoryRounds, measurePythonStartup, measurePythonSwitches, pythonConcurrentWaits, pythonSharedCounter, run, type PythonInterpreter } from "conclab";
import { abortAllExperiments, pythonInterpreterOf } from "conclab/internal";

const python = findPython();
const noPython = python === null ? "no Python 3.8+ on this machine" : false;

/** The interpreter a result names is the one findPython found, and it said whether its GIL was on. */
function assertInterpreter(interpreter: PythonInterpreter | null | undefined): void {
  assert.ok(interpreter, "the result carries the interpreter's report");
  assert.equal(interpreter.version, python!.version);
  assert.equal(typeof interpreter.gil, "boolean");
  assert.equal(typeof interpreter.freeThreadedBuild, "boolean");
  if (!interpreter.freeThreadedBuild) assert.equal(interpreter.gil, true, "a build with the GIL cannot run without it");
  assert.ok(interpreter.switchIntervalS > 0);
  assert.ok(["fork", "spawn", "forkserver"].includes(interpreter.startMethod), interpreter.startMethod);
}

/** Runs `body`, and checks that every process it started (interpreters, their children) has ended. */
async function leavesNothing(body: () => Promise<void>): Promise<void> {
  const watch = new ProcessWatch(20);
  await body();
  assert.deepEqual(await watch.leftovers(5_000), [], "every process the measurement started has ended");
}

describe("CPython unit costs", { skip: noPython }, () => {
  it("start-up: one list per unit, in the order asked, a positive sample per round", async () => {
    let samples: Awaited<ReturnType<typeof measurePythonStartup>> = [];
    await leavesNothing(async () => {
      samples = await measurePythonStartup(["processes", "async", "threads"], { rounds: 3 });
    });
    assert.deepEqual(samples.map((s) => s.strategy), ["processes", "async", "threads"]);
    for (const s of samples) {
      assert.equal(s.samplesMs.length, 3);
      for (const ms of s.samplesMs) assert.ok(Number.isFinite(ms) && ms > 0, `${s.strategy}: ${ms}`);
      assertInterpreter(s.interpreter);
    }
  });

  it("start-up uses the start method asked for, and says so", async () => {
    const [spawned] = await measurePythonStartup(["processes"], { rounds: 1, startMethod: "spawn" });
    assert.equal(spawned!.interpreter.startMethod, "spawn");
  });

  it("memory: each unit with its meter; more asyncio tasks trace more memory", async () => {
    const few = await measurePythonMemory("async", 100);
    const many = await measurePythonMemory("async", 5000);
    for (const m of [few, many]) {
      assert.equal(m.metric, "tracemalloc");
      assert.equal(m.bytesPerUnit, m.totalBytes / m.count);
      assertInterpreter(m.interpreter);
    }
    assert.ok(many.totalBytes > few.totalBytes, `${many.totalBytes} > ${few.totalBytes}`);
    const threads = await measurePythonMemory("threads", 8);
    assert.deepEqual([threads.strategy, threads.count, threads.metric], ["threads", 8, "rss"]);
    await leavesNothing(async () => {
      const processes = await measurePythonMemory("processes", 2);
      assert.equal(processes.metric, existsSync("/proc/self/smaps_rollup") ? "pss" : "rss-children");
      assert.ok(processes.totalBytes > 0);
    });
  });

  it("memory in rounds: one list per unit, in the order asked, a reading per round with that unit's meter", async () => {
    const rounds = await measurePythonMemoryRounds(["threads", "async"], { rounds: 2, counts: { threads: 4, async: 200 } });
    assert.deepEqual(rounds.map((m) => [m.strategy, m.count, m.metric, m.bytesPerUnitSamples.length]), [["threads", 4, "rss", 2], ["async", 200, "tracemalloc", 2]]);
    for (const m of rounds) assertInterpreter(m.interpreter);
    assert.ok(rounds[1]!.bytesPerUnitSamples.every((b) => b > 0), "every asyncio task holds some memory");
    await assert.rejects(measurePythonMemoryRounds(["async"], { counts: { async: 0 } }), /options\.counts\.async must be an integer from 1 to 1000000/);
  });

  it("switches: a sample per round for each unit, with the handoffs asked for", async () => {
    const handoffs = { async: 200, "async-future": 200, threads: 100, processes: 100 } as const;
    const samples = await measurePythonSwitches(["async", "async-future", "threads", "processes"], { rounds: 2, handoffs });
    assert.deepEqual(samples.map((s) => [s.strategy, s.handoffs, s.samplesMs.length]), [["async", 200, 2], ["async-future", 200, 2], ["threads", 100, 2], ["processes", 100, 2]]);
    for (const s of samples) {
      for (const ms of s.samplesMs) assert.ok(Number.isFinite(ms) && ms > 0);
      assertInterpreter(s.interpreter);
    }
  });

  it("the shared counter: with a Lock nothing is lost; every run adds up; the interpreter's GIL and switch interval are reported", async () => {
    const result = await pythonSharedCounter({ threads: 3, times: 20_000, runs: 2, switchIntervalS: 0.001 });
    assert.equal(result.statement, "counter[0] += 1");
    assert.equal(result.plain.length, 2);
    assert.equal(result.locked.length, 2);
    for (const r of [...result.plain, ...result.locked]) {
      assert.equal(r.expected, 60_000);
      assert.equal(r.counted + r.lost, r.expected);
      assert.ok(r.lost >= 0 && r.counted > 0);
    }
    assert.deepEqual(result.locked.map((r) => r.lost), [0, 0]);
    assertInterpreter(result.interpreter);
    assert.equal(result.interpreter.switchIntervalS, 0.001, "the switch interval asked for was set in the interpreter that counted");
  });

  // CPython before 3.10 could switch threads between the read and the write of `+=`; where one is
  // on PATH, the unlocked counter must lose updates there (and the locked one still none).
  const older = ["python3.9", "python3.8"].map((command) => findPython({ ...process.env, CONCLAB_PYTHON: command })).find((p) => p !== null) ?? null;
  it("the shared counter loses updates without a Lock on CPython before 3.10", { skip: older === null ? "no python3.8 or python3.9 on PATH" : false }, async () => {
    const result = await pythonSharedCounter({ python: older!, threads: 4, times: 200_000, runs: 3, switchIntervalS: 0.0001 });
    assert.equal(result.interpreter.version, older!.version);
    assert.ok(result.plain.reduce((sum, r) => sum + r.lost, 0) > 0, "some updates were lost without the lock");
    assert.deepEqual(result.locked.map((r) => r.lost), [0, 0, 0]);
  });

  it("many asyncio waits: one point per count, each at least one wait long, with traced memory per task", async () => {
    const points = await pythonConcurrentWaits(20, [1, 50]);
    assert.deepEqual(points.map((p) => p.copies), [1, 50]);
    for (const p of points) {
      assert.ok(p.wallMs >= 19, `gathering sleeps of 20 ms took ${p.wallMs} ms`);
      assert.ok(p.addedBytes > 0);
      assert.equal(p.bytesPerTask, p.addedBytes / p.copies);
      assert.equal(p.metric, "tracemalloc");
      assertInterpreter(p.interpreter);
    }
  });

  it("an abort kills the interpreter and the process it started, and rejects with AbortError", async () => {
    const controller = new AbortController();
    await leavesNothing(async () => {
      const running = measurePythonSwitches(["processes"], { rounds: 100, handoffs: { processes: 10_000_000 }, signal: controller.signal });
      // Expected before it happens: a rejection nobody awaits yet would be reported as unhandled.
      const stopped = assert.rejects(running, AbortError);
      assert.ok(await until(() => descendants(process.pid).length >= 2, 20_000), "the interpreter started its partner process");
      controller.abort();
      await stopped;
    });
  });

  it("an interrupt (abortAllExperiments) stops a CPython measurement too", async () => {
    await leavesNothing(async () => {
      const running = pythonSharedCounter({ times: 100_000_000, runs: 100 });
      const stopped = assert.rejects(running, AbortError);
      assert.ok(await until(() => descendants(process.pid).length >= 1, 20_000), "the interpreter started");
      assert.equal(await abortAllExperiments(), 1);
      await stopped;
    });
  });

  it("refuses bad arguments before starting anything, naming the parameter", async () => {
    await assert.rejects(measurePythonMemory("fibers" as never, 1), (e: Error) => e instanceof RangeError && /^strategy must be/.test(e.message));
    await assert.rejects(measurePythonMemory("threads", 1000), /^RangeError: count must be an integer from 1 to 256/);
    await assert.rejects(measurePythonStartup(["async"], { startMethod: "thread" as never }), /options\.startMethod must be/);
    await assert.rejects(measurePythonSwitches(["threads"], { handoffs: { threads: 3 } }), /options\.handoffs\.threads must be an even integer/);
    await assert.rejects(pythonSharedCounter({ threads: 1 }), /options\.threads must be an integer from 2 to 64/);
    await assert.rejects(pythonConcurrentWaits(10, []), /counts must be a non-empty array/);
    await assert.rejects(pythonSharedCounter({ switchIntervalS: 0 }), /options\.switchIntervalS must be/);
  });
});

describe("CPython measurements without CPython", () => {
  it("each says that CPython is missing and how to fix it, instead of measuring Node", async () => {
    const saved = process.env.CONCLAB_PYTHON;
    process.env.CONCLAB_PYTHON = "/nonexistent";
    try {
      const calls: [string, () => Promise<unknown>][] = [
        ["measurePythonStartup", () => measurePythonStartup()],
        ["measurePythonMemory", () => measurePythonMemory("async", 10)],
        ["measurePythonSwitches", () => measurePythonSwitches()],
        ["pythonSharedCounter", () => pythonSharedCounter()],
        ["pythonConcurrentWaits", () => pythonConcurrentWaits()],
      ];
      for (const [name, call] of calls) {
        await assert.rejects(call(), (e: Error) => e instanceof StrategyUnavailableError && /needs CPython 3\.8 or newer.*\$CONCLAB_PYTHON \(\/nonexistent\).*set CONCLAB_PYTHON/.test(e.message), name);
      }
    } finally {
      if (saved === undefined) delete process.env.CONCLAB_PYTHON;
      else process.env.CONCLAB_PYTHON = saved;
    }
  });
});

describe("hashBytes: SHA-256 in C, the same in Node and CPython", () => {
  it("one round is the SHA-256 of 1 MiB of zeros; more rounds chain the digest", () => {
    const zeros = Buffer.alloc(1024 * 1024);
    const one = createHash("sha256").update(zeros).digest();
    assert.equal(hashBytes(1), one.toString("hex"));
    assert.equal(hashBytes(2), createHash("sha256").update(one).update(zeros).digest("hex"));
    assert.equal(hashBytes(1, 2), createHash("sha256").update(Buffer.alloc(2 * 1024 * 1024)).digest("hex"));
  });

  it("compare() on Node and CPython gets the same digest, and each python strategy carries its interpreter's GIL state", { skip: noPython }, async () => {
    const r = await compare({ task: hashBytes, args: [3], copies: 2, strategies: ["threads", "python:sequential", "python:threads", "python:processes"], repeats: 1, warmup: 0 });
    const digest = hashBytes(3);
    for (const s of r.strategies) assert.deepEqual(s.results, [digest, digest], s.strategy);
    for (const s of r.strategies.filter((x) => x.strategy.startsWith("python:"))) assertInterpreter(s.interpreter);
    assert.equal(r.strategies.find((s) => s.strategy === "threads")!.interpreter, undefined, "a Node strategy has no interpreter");
    assertInterpreter(pythonInterpreterOf(r));
    const single = await run({ strategy: "python:threads", task: hashBytes, args: [1, 2], copies: 2, warmup: 0 });
    assert.deepEqual(single.results, [hashBytes(1, 2), hashBytes(1, 2)]);
    assertInterpreter(pythonInterpreterOf(single));
    const nodeOnly = await compare({ task: hashBytes, args: [1], copies: 1, strategies: ["sequential"], repeats: 1, warmup: 0 });
    assert.equal(pythonInterpreterOf(nodeOnly), null);
  });

  it("refuses sizes out of range, naming the argument", async () => {
    await assert.rejects(run({ strategy: "sequential", task: hashBytes, args: [0] }), /args\[0\] \(rounds, how many times hashBytes hashes the buffer\) must be an integer from 1/);
    await assert.rejects(run({ strategy: "sequential", task: hashBytes, args: [1, 1000] }), /args\[1\] \(mb, the MiB hashBytes hashes each round\) must be an integer from 1 to 256/);
  });
});
