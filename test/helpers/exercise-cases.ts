/**
 * Answers to the exercises, right and wrong, each with the verdict its check must give. The
 * exercise tests run them in the test process (every CPU) and, through runCasesOnOneCpu, in a
 * child pinned to CPU 0 by taskset: run as a script, this file runs the named cases and prints one
 * `CASE {json}` line each.
 */
import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { calibrate, countTo, describeMachine } from "conclab";
import { type ExerciseResult, approaches, choosing, concepts, cpuBound, cpythonToday, gil, prosAndCons, sharedState, waiting, granularity, starvedLoop, libuvPool, backpressure, beyondOneMachine } from "conclab/course";

/** What a case's check must say: exactly this verdict, or (for CPU-busy readings, which a busy machine leaves undecided) anything but the other one. */
export type Expect = true | false | "not true" | "not false";

export interface ExerciseCase {
  readonly expect: Expect;
  readonly run: () => Promise<ExerciseResult>;
}

/** Whether `passed` is what `expect` asks for. */
export function meets(passed: boolean | null, expect: Expect): boolean {
  return expect === "not true" ? passed !== true : expect === "not false" ? passed !== false : passed === expect;
}

// 05: the notebook's task counts to the first multiple of its step at or above the limit.
const stepCases = [{ args: [301, 3], expected: 303 }, { args: [1000, 3], expected: 1002 }];

// 03: approaches.FAIR_YIELD.pieces pieces of countTo(size), as the notebook's crunchInPieces; 40 ms pieces keep a run above approaches.FAIR_YIELD.minRunMs even where a busy machine makes calibrate() guess small.
const yieldSize = (): Promise<number> => calibrate(countTo, { targetMs: 40 });
const inPieces = (between: () => Promise<unknown>) => async (size: number): Promise<number> => {
  let total = 0;
  for (let piece = 0; piece < approaches.FAIR_YIELD.pieces; piece++) {
    total += countTo(size);
    await between();
  }
  return total;
};
const checkYields = async (fn: (size: number) => unknown): Promise<ExerciseResult> => approaches.checkYieldsToSiblings(fn, await yieldSize());

// 06
const pauseMs = 50;

// 08: each receives (shared, times) on a worker thread, so each is self-contained.
const counters = {
  plain: (shared: SharedArrayBuffer, times: number): number => {
    const cells = new Int32Array(shared);
    for (let i = 0; i < times; i++) cells[0]!++;
    return times;
  },
  localThenPlain: (shared: SharedArrayBuffer, times: number): number => {
    const cells = new Int32Array(shared);
    let mine = 0;
    for (let i = 0; i < times; i++) mine++;
    cells[0]! += mine;
    return times;
  },
  loadThenStore: (shared: SharedArrayBuffer, times: number): number => {
    const cells = new Int32Array(shared);
    for (let i = 0; i < times; i++) Atomics.store(cells, 0, Atomics.load(cells, 0) + 1);
    return times;
  },
  atomicOnce: (shared: SharedArrayBuffer, times: number): number => {
    Atomics.add(new Int32Array(shared), 0, times);
    return times;
  },
  atomicEach: (shared: SharedArrayBuffer, times: number): number => {
    const cells = new Int32Array(shared);
    for (let i = 0; i < times; i++) Atomics.add(cells, 0, 1);
    return times;
  },
  lock: (shared: SharedArrayBuffer, times: number): number => {
    const cells = new Int32Array(shared);
    for (let i = 0; i < times; i++) {
      while (Atomics.compareExchange(cells, 1, 0, 1) !== 0) Atomics.wait(cells, 1, 1);
      cells[0]!++;
      Atomics.store(cells, 1, 0);
      Atomics.notify(cells, 1, 1);
    }
    return times;
  },
  spinLock: (shared: SharedArrayBuffer, times: number): number => {
    const cells = new Int32Array(shared);
    for (let i = 0; i < times; i++) {
      while (Atomics.compareExchange(cells, 1, 0, 1) !== 0);
      cells[0]!++;
      Atomics.store(cells, 1, 0);
    }
    return times;
  },
};

// 04: a memory row of 8 MB per worker thread and 1 KB per waiting async task: 8,000 tasks.
const memoryRow = approaches.approachesData(
  [{ strategy: "async", samplesMs: [0.001] }, { strategy: "threads", samplesMs: [30] }, { strategy: "processes", samplesMs: [80] }],
  [
    { strategy: "async", count: 1000, bytesPerUnit: 1000, totalBytes: 1e6, metric: "heap" },
    { strategy: "threads", count: 2, bytesPerUnit: 8_000_000, totalBytes: 16e6, metric: "rss" },
    { strategy: "processes", count: 2, bytesPerUnit: 15e6, totalBytes: 30e6, metric: "pss" },
  ],
);

// 14: Python sources of add(counter, lock, times), right and wrong.
const pyAdd = {
  noLock: "def add(counter, lock, times):\n    for _ in range(times):\n        counter[0] += 1\n    return times\n",
  lockAroundRead: "def add(counter, lock, times):\n    for _ in range(times):\n        with lock:\n            seen = counter[0]\n        counter[0] = seen + 1\n    return times\n",
  localThenAdd: "def add(counter, lock, times):\n    mine = 0\n    for _ in range(times):\n        mine += 1\n    counter[0] += mine\n    return times\n",
  neverReleased: "def add(counter, lock, times):\n    lock.acquire()\n    for _ in range(times):\n        counter[0] += 1\n    return times\n",
  withLock: "def add(counter, lock, times):\n    for _ in range(times):\n        with lock:\n            counter[0] += 1\n    return times\n",
  localThenLocked: "def add(counter, lock, times):\n    mine = 0\n    for _ in range(times):\n        mine += 1\n    with lock:\n        counter[0] += mine\n    return times\n",
};
// 12: works through the queue, handing the thread back every `every` items with `between`.
const drain = (every: number, between: () => Promise<unknown>) => async (items: number[], handle: (item: number) => void): Promise<number> => {
  let done = 0;
  for (const item of items) {
    handle(item);
    if (++done % every === 0) await between();
  }
  return done;
};
const immediate = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export const CASES = {
  // 02: CPU-busy readings, and one CPU is "cannot tell" by design, so only the wrong side is ruled out.
  "02 the event loop": { expect: "not true", run: () => gil.checkRunsInParallel("eventLoop") },
  "02 worker threads": { expect: "not false", run: () => gil.checkRunsInParallel("threads") },
  "02 an unknown strategy": { expect: false, run: () => gil.checkRunsInParallel("fibers" as "threads") },
  // 04
  "04 the ratio of the memory row": { expect: true, run: async () => prosAndCons.checkTasksPerThread(8000, memoryRow) },
  "04 the threads' memory alone": { expect: false, run: async () => prosAndCons.checkTasksPerThread(8_000_000, memoryRow) },
  "04 the default 0": { expect: false, run: async () => prosAndCons.checkTasksPerThread(0, memoryRow) },
  // 05
  "05 returns its argument": { expect: false, run: () => cpuBound.checkTaskOnThreads((limit: number) => limit, stepCases) },
  "05 returns a constant": { expect: false, run: () => cpuBound.checkTaskOnThreads(() => 303, stepCases) },
  "05 cases that expect an argument are refused": { expect: false, run: () => cpuBound.checkTaskOnThreads((limit: number) => limit, [{ args: [300], expected: 300 }, { args: [600], expected: 600 }]) },
  "05 counts with the step as an argument": {
    expect: true,
    run: () => cpuBound.checkTaskOnThreads((limit: number, by: number): number => {
      let i = 0;
      while (i < limit) i += by;
      return i;
    }, stepCases),
  },
  // 01
  "01 waits on a worker thread": {
    expect: false,
    run: () => concepts.checkOverlapOnOneThread(async (ms: number): Promise<number> => {
      const { Worker } = require("node:worker_threads") as typeof import("node:worker_threads");
      const worker = new Worker(`setTimeout(() => {}, ${ms})`, { eval: true });
      await new Promise((resolve) => worker.once("exit", resolve));
      return ms;
    }, [100], 100),
  },
  "01 waits in a child process": {
    expect: false,
    run: () => concepts.checkOverlapOnOneThread(async (ms: number): Promise<number> => {
      const { spawn: start } = require("node:child_process") as typeof import("node:child_process");
      const child = start(process.execPath, ["-e", `setTimeout(() => {}, ${ms})`], { stdio: "ignore" });
      await new Promise((resolve) => child.once("exit", resolve));
      return ms;
    }, [100], 100),
  },
  "01 holds the thread while it waits": {
    expect: false,
    run: () => concepts.checkOverlapOnOneThread(async (ms: number): Promise<number> => {
      const end = Date.now() + ms;
      while (Date.now() < end);
      return ms;
    }, [50], 50),
  },
  "01 awaits a timer": {
    expect: true,
    run: () => concepts.checkOverlapOnOneThread(async (ms: number): Promise<number> => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return ms;
    }, [50], 50),
  },
  // 03
  "03 sleeps and returns the total without counting": {
    expect: false,
    run: async () => {
      const size = await yieldSize();
      return approaches.checkYieldsToSiblings(async (n: number) => {
        await sleep(150);
        return approaches.FAIR_YIELD.pieces * n;
      }, size);
    },
  },
  "03 counts on a worker thread": {
    expect: false,
    run: () => checkYields(async (n: number): Promise<number> => {
      const { Worker } = await import("node:worker_threads");
      const worker = new Worker(`const { parentPort, workerData } = require("node:worker_threads"); let t = 0; for (let p = 0; p < ${approaches.FAIR_YIELD.pieces}; p++) { let i = 0; while (i < workerData) i++; t += i; } parentPort.postMessage(t);`, { eval: true, workerData: n });
      const total = await new Promise<number>((resolve) => worker.once("message", resolve));
      await worker.terminate();
      return total;
    }),
  },
  "03 holds the thread": {
    expect: false,
    run: () => checkYields(async (n: number) => {
      let total = 0;
      for (let piece = 0; piece < approaches.FAIR_YIELD.pieces; piece++) total += countTo(n);
      return total;
    }),
  },
  "03 yields only to promise callbacks": { expect: false, run: () => checkYields(inPieces(async () => null)) },
  "03 yields a macrotask between pieces": { expect: true, run: () => checkYields(inPieces(() => new Promise((resolve) => setImmediate(resolve)))) },
  // 06
  "06 waits its own timer once and returns the count": {
    expect: false,
    run: () => waiting.checkWaitsTogether(async (count: number) => {
      await sleep(100);
      return count;
    }, 5),
  },
  "06 waits one after another": {
    expect: false,
    run: () => waiting.checkWaitsTogether(async (count: number, wait: waiting.CountedWait) => {
      for (let i = 0; i < count; i++) await wait(pauseMs);
      return count;
    }, 5),
  },
  "06 returns before its waits end": {
    expect: false,
    run: () => waiting.checkWaitsTogether(async (count: number, wait: waiting.CountedWait) => {
      for (let i = 0; i < count; i++) void wait(pauseMs);
      return count;
    }, 5),
  },
  "06 waits together": {
    expect: true,
    run: () => waiting.checkWaitsTogether(async (count: number, wait: waiting.CountedWait) => {
      await Promise.all(Array.from({ length: count }, () => wait(pauseMs)));
      return count;
    }, 5),
  },
  // 07: CPU-busy readings; a machine busy with other work may leave them undecided.
  "07 one copy more than the usable CPUs": { expect: "not true", run: () => choosing.checkCopiesAtOnce(describeMachine().cores + 1) },
  // On one CPU that is 0, which the check refuses as an answer.
  "07 one copy fewer than the usable CPUs": { expect: "not true", run: () => choosing.checkCopiesAtOnce(describeMachine().cores - 1) },
  "07 the usable CPUs": { expect: "not false", run: () => choosing.checkCopiesAtOnce(describeMachine().cores) },
  // 08
  "08 plain ++": { expect: false, run: () => sharedState.checkCounterOnThreads(counters.plain) },
  "08 count locally, add once with a plain +=": { expect: false, run: () => sharedState.checkCounterOnThreads(counters.localThenPlain) },
  "08 Atomics.load then Atomics.store": { expect: false, run: () => sharedState.checkCounterOnThreads(counters.loadThenStore) },
  "08 Atomics.add once": { expect: true, run: () => sharedState.checkCounterOnThreads(counters.atomicOnce) },
  "08 Atomics.add each time": { expect: true, run: () => sharedState.checkCounterOnThreads(counters.atomicEach) },
  "08 a lock around a plain ++": { expect: true, run: () => sharedState.checkCounterOnThreads(counters.lock) },
  "08 a spin lock around a plain ++": { expect: true, run: () => sharedState.checkCounterOnThreads(counters.spinLock) },
  // 14: CPython beyond the article (Python sources of add(counter, lock, times); the check runs them in CPython)
  "14 no lock": { expect: false, run: () => cpythonToday.checkLockedAdd(pyAdd.noLock) },
  "14 the lock around the read only": { expect: false, run: () => cpythonToday.checkLockedAdd(pyAdd.lockAroundRead) },
  "14 count locally, add once without the lock": { expect: false, run: () => cpythonToday.checkLockedAdd(pyAdd.localThenAdd) },
  "14 a lock that is never released": { expect: false, run: () => cpythonToday.checkLockedAdd(pyAdd.neverReleased) },
  "14 the lock around the whole update": { expect: true, run: () => cpythonToday.checkLockedAdd(pyAdd.withLock) },
  "14 count locally, add once under the lock": { expect: true, run: () => cpythonToday.checkLockedAdd(pyAdd.localThenLocked) },
  // 10: counts ruled out before any run (too few tasks, tasks shorter than their round trip) are
  // "not yet" on any machine; a count that pays is timed, so a busy machine may leave it undecided,
  // and one CPU cannot tell.
  "10 one task": { expect: false, run: () => granularity.checkChunks(1) },
  "10 no tasks": { expect: false, run: () => granularity.checkChunks(0) },
  "10 a hundred thousand tasks of 2 µs": { expect: false, run: () => granularity.checkChunks(100_000) },
  "10 eight tasks of 25 ms": { expect: "not false", run: () => granularity.checkChunks(8) },
  // 12: starved loop
  "12 no hand-back": { expect: false, run: () => starvedLoop.checkKeepsHeartbeat(drain(Number.MAX_SAFE_INTEGER, immediate)) },
  "12 awaits a settled promise every 10 items": { expect: false, run: () => starvedLoop.checkKeepsHeartbeat(drain(10, () => Promise.resolve())) },
  "12 process.nextTick every 10 items": { expect: false, run: () => starvedLoop.checkKeepsHeartbeat(drain(10, () => new Promise<void>((resolve) => process.nextTick(resolve)))) },
  "12 queueMicrotask every 10 items": { expect: false, run: () => starvedLoop.checkKeepsHeartbeat(drain(10, () => new Promise<void>((resolve) => queueMicrotask(resolve)))) },
  "12 setImmediate every 100 items": { expect: false, run: () => starvedLoop.checkKeepsHeartbeat(drain(100, immediate)) },
  "12 sleeps first, then handles every item at once": {
    expect: false,
    run: () => starvedLoop.checkKeepsHeartbeat(async (items: number[], handle: (item: number) => void) => {
      await sleep(100);
      items.forEach(handle);
      return items.length;
    }),
  },
  "12 skips the last item": { expect: false, run: () => starvedLoop.checkKeepsHeartbeat(async (items: number[], handle: (item: number) => void) => drain(10, immediate)(items.slice(0, -1), handle).then((n) => n + 1)) },
  "12 setImmediate every 10 items": { expect: true, run: () => starvedLoop.checkKeepsHeartbeat(drain(10, immediate)) },
  "12 setImmediate after every item": { expect: true, run: () => starvedLoop.checkKeepsHeartbeat(drain(1, immediate)) },
  "12 setTimeout(0) every 10 items": { expect: true, run: () => starvedLoop.checkKeepsHeartbeat(drain(10, () => sleep(0))) },
  // 11: libuv's thread pool. Six hashes hold six pool threads; the read needs a seventh.
  "11 the default pool of 4": { expect: false, run: () => libuvPool.checkReadNotStuck(4) },
  "11 one thread per hash (6)": { expect: false, run: () => libuvPool.checkReadNotStuck(6) },
  // A right pool size is judged on timings: a busy machine may leave it undecided, never failed.
  "11 one thread more than the hashes (7)": { expect: "not false", run: () => libuvPool.checkReadNotStuck(7) },
  "11 sixteen threads": { expect: "not false", run: () => libuvPool.checkReadNotStuck(16) },
  "11 no threads (0)": { expect: false, run: () => libuvPool.checkReadNotStuck(0) },
  "11 a string of digits": { expect: false, run: () => libuvPool.checkReadNotStuck("8" as unknown as number) },
  // 13: backpressure
  "13 every job at once": { expect: false, run: () => backpressure.checkBounded(async (jobs) => Promise.all(jobs.map((job) => job()))) },
  "13 only the first k jobs": { expect: false, run: () => backpressure.checkBounded(async (jobs, k) => Promise.all(jobs.slice(0, k).map((job) => job()))) },
  "13 one job after another": {
    expect: false,
    run: () => backpressure.checkBounded(async (jobs) => {
      const results: number[] = [];
      for (const job of jobs) results.push(await job());
      return results;
    }),
  },
  "13 returns before the jobs end": {
    expect: false,
    run: () => backpressure.checkBounded(async (jobs, k) => {
      const limit = backpressure.pLimit(k);
      for (const job of jobs) void limit(job);
      return jobs.map((_, i) => i);
    }),
  },
  "13 through p-limit": {
    expect: true,
    run: () => backpressure.checkBounded(async (jobs, k) => {
      const limit = backpressure.pLimit(k);
      return Promise.all(jobs.map((job) => limit(job)));
    }),
  },
  "13 k workers taking jobs from a shared index": {
    expect: true,
    run: () => backpressure.checkBounded(async (jobs, k) => {
      const results: number[] = [];
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < jobs.length) {
          const i = next++;
          results[i] = await jobs[i]!();
        }
      };
      await Promise.all(Array.from({ length: k }, worker));
      return results;
    }),
  },
  // 15: beyond one machine (the notebook's starting answer first)
  "15 a fresh key per delivery": { expect: false, run: () => beyondOneMachine.checkIdempotent((job, charges) => void charges.set(`${job.customer}-${charges.size}`, job.amount)) },
  "15 keyed by customer": { expect: false, run: () => beyondOneMachine.checkIdempotent((job, charges) => void charges.set(job.customer, job.amount)) },
  "15 nothing charged": { expect: false, run: () => beyondOneMachine.checkIdempotent(() => undefined) },
  "15 added to the customer's total": { expect: false, run: () => beyondOneMachine.checkIdempotent((job, charges) => void charges.set(job.customer, (charges.get(job.customer) ?? 0) + job.amount)) },
  "15 throws": { expect: false, run: () => beyondOneMachine.checkIdempotent(() => { throw new Error("card declined"); }) },
  "15 keyed by payment id": { expect: true, run: () => beyondOneMachine.checkIdempotent((job, charges) => void charges.set(job.paymentId, job.amount)) },
  "15 checked before charging, async": {
    expect: true,
    run: () => beyondOneMachine.checkIdempotent(async (job, charges) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (!charges.has(job.paymentId)) charges.set(job.paymentId, job.amount);
    }),
  },
} satisfies Record<string, ExerciseCase>;

export type CaseName = keyof typeof CASES;

/** The names of the cases of one chapter ("05", "01", …). */
export function casesOf(chapter: string): CaseName[] {
  return (Object.keys(CASES) as CaseName[]).filter((name) => name.startsWith(`${chapter} `));
}

/** What a pinned child said: the CPUs it could use, and each case's result. */
export interface PinnedRun {
  readonly cores: number;
  readonly results: Partial<Record<CaseName, ExerciseResult>>;
  readonly output: string;
}

/** Runs `names` in a child process pinned to CPU 0 (taskset -c 0). */
export async function runCasesOnOneCpu(names: readonly CaseName[]): Promise<PinnedRun> {
  const child = spawn("taskset", ["-c", "0", process.execPath, __filename, ...names], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0) throw new Error(`the pinned child exited with ${String(code)}:\n${output}`);
  const results: Partial<Record<CaseName, ExerciseResult>> = {};
  let cores = 0;
  for (const line of output.split("\n")) {
    if (line.startsWith("CORES ")) cores = Number(line.slice(6));
    if (line.startsWith("CASE ")) {
      const { name, result } = JSON.parse(line.slice(5)) as { name: CaseName; result: ExerciseResult };
      results[name] = result;
    }
  }
  return { cores, results, output };
}

if (require.main === module) {
  void (async () => {
    process.stdout.write(`CORES ${describeMachine().cores}\n`);
    for (const name of process.argv.slice(2) as CaseName[]) {
      const result = await CASES[name].run();
      process.stdout.write(`CASE ${JSON.stringify({ name, result })}\n`);
    }
    process.exit(0);
  })();
}
