/**
 * Exercises whose check runs the reader's answer and judges what it does, never its text. A
 * check returns a result to show, and throws only for what is not an answer at all.
 */
import { isDeepStrictEqual } from "node:util";
import { describeMachine } from "../environment";
import { TaskError } from "../errors";
import { calibrate } from "../experiment/calibrate";
import { compare, type CompareResult } from "../experiment/compare";
import { run, type RunResult } from "../experiment/run";
import { findPython } from "../python";
import type { StrategyKey } from "../strategies/descriptors";
import { countTo } from "../tasks/cpu";
import type { ApproachesData } from "./approaches-results";
import { atLeast, atMost, type Check } from "./claims";
import { PARALLEL_SHARE } from "./verdicts";
import { loopLag, type LoopLagResult } from "../measure/loop-lag";
import { formatBytes, formatDuration } from "../measure/format";
import type { Stat } from "../measure/stats";
import type { TaskFunction } from "../tasks/task-source";
import { maxConcurrency } from "./overlap";

export interface ExerciseResult {
  readonly exercise: string;
  /** True: the answer works; false: not yet; null: this run could not tell (the message says why). */
  readonly passed: boolean | null;
  /** What happened, and on a failure what to change. */
  readonly message: string;
}

/** Runs `body`; a task the strategy refuses or that throws is a "not yet", with its error. */
async function attempt(exercise: string, body: () => Promise<ExerciseResult>): Promise<ExerciseResult> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof RangeError || error instanceof TypeError || error instanceof TaskError) {
      return { exercise, passed: false, message: `Not yet: ${error.message}` };
    }
    throw error;
  }
}

/** The reader's own function threw: a "not yet", with its message. */
function threw(exercise: string, error: unknown): ExerciseResult {
  return { exercise, passed: false, message: `Not yet: the function threw ${error instanceof Error ? error.message : String(error)}.` };
}

function wrongResult(results: readonly unknown[], expected: unknown): string | null {
  const wrong = results.find((result) => !isDeepStrictEqual(result, expected));
  return wrong === undefined && results.length > 0 ? null : `it returned ${JSON.stringify(wrong)} where ${JSON.stringify(expected)} was expected`;
}

/**
 * CPUs busy at once for `copies` copies of countTo(`size`) under `strategy`, repeated (3, then
 * more) until `decide` says yes or no; null where the machine does not let CPU time be read.
 * `busy`: other programs used the CPUs meanwhile, so a "no" proves nothing.
 */
async function coresBusyUntilDecided(strategy: StrategyKey, size: number, copies: number, decide: (stat: Stat) => Check): Promise<{ stat: Stat; check: Check; busy: boolean } | null> {
  const read = (r: CompareResult): Stat | null => r.strategies[0]?.coresBusy ?? null;
  const r = await compare({
    task: countTo, args: [size], copies, strategies: [strategy], repeats: 3, warmup: 1,
    until: (sofar) => {
      const stat = read(sofar);
      return stat === null || decide(stat) !== "unclear";
    },
  });
  const stat = read(r);
  return stat === null ? null : { stat, check: decide(stat), busy: r.noise.busy };
}

/**
 * 05: a task that used a name from the notebook, rewritten so that it runs on worker threads.
 * Passes when `task(...args)` runs on two worker threads and each copy returns `expected`.
 */
export async function checkTaskOnThreads(task: TaskFunction, args: readonly unknown[], expected: unknown): Promise<ExerciseResult> {
  const exercise = "a task that runs on worker threads";
  return attempt(exercise, async () => {
    const { results } = await run({ strategy: "threads", task, args: [...args] as Parameters<typeof task>, copies: 2, warmup: 0 });
    const wrong = wrongResult(results, expected);
    if (results.length === 2 && wrong === null) {
      return { exercise, passed: true, message: `Done: both copies ran on worker threads and returned ${JSON.stringify(expected)}.` };
    }
    return { exercise, passed: false, message: `Not yet: it ran on worker threads but ${wrong}; check the arguments you pass in args.` };
  });
}

/** 01's check: copies started together, and the shortest single copy that can tell. */
export const OVERLAP_CHECK = { copies: 3, minCopyMs: 20 } as const;

/**
 * 01: a task whose copies are in progress at the same time on the one JavaScript thread
 * (concurrency without parallelism). Runs `task(...args)` once alone, then 3 copies together on
 * the event loop; passes when each returned `expected` and the 3 together took less than 2 copies
 * alone (one after another they take 3). Wall times, not spans: an async function that never
 * awaits returns a settled promise, and its end is only observed after the other copies have run.
 */
export async function checkOverlapOnOneThread(task: TaskFunction, args: readonly unknown[], expected: unknown): Promise<ExerciseResult> {
  const exercise = "copies that overlap on one thread";
  const { copies, minCopyMs } = OVERLAP_CHECK;
  return attempt(exercise, async () => {
    const runOf = (n: number): Promise<RunResult> => run({ strategy: "eventLoop", task, args: [...args] as Parameters<typeof task>, copies: n, warmup: 0 });
    const alone = await runOf(1);
    const together = await runOf(copies);
    const wrong = wrongResult([...alone.results, ...together.results], expected);
    if (wrong) return { exercise, passed: false, message: `Not yet: ${wrong}.` };
    if (alone.wallMs < minCopyMs) {
      return { exercise, passed: null, message: `Cannot tell: one copy took ${formatDuration(alone.wallMs)}, too short to see whether copies overlap; make each copy wait longer.` };
    }
    const times = `${copies} copies started together took ${formatDuration(together.wallMs)}, one alone ${formatDuration(alone.wallMs)}`;
    if (together.wallMs < 2 * alone.wallMs) return { exercise, passed: true, message: `Done: ${times}: they waited at the same time on the one thread.` };
    return {
      exercise,
      passed: false,
      message:
        `Not yet: ${times}: they ran one after another, each holding the thread while it waited. ` +
        "Wait in a way that gives the thread back to the event loop: await a promise that a timer settles, `await new Promise((resolve) => setTimeout(resolve, ms))`.",
    };
  });
}

/** 03's check: the shortest run that can tell, and how many times a sibling's timer must fire before the function ends. */
export const FAIR_YIELD = { minRunMs: 100, minTicks: 3 } as const;

/**
 * 03: a long async computation rewritten so that its sibling tasks keep their turns. Runs
 * `fn(size)` on the event loop beside a 10 ms timer (loopLag); passes when it returned `expected`,
 * ran at least FAIR_YIELD.minRunMs, and the timer fired at least FAIR_YIELD.minTicks times before
 * the function ended (one that holds the thread lets it fire only once it is done). A count of
 * turns, not a lateness: a machine busy with other work delays the timer either way.
 */
export async function checkYieldsToSiblings(fn: (size: number) => unknown, size: number, expected: unknown): Promise<ExerciseResult> {
  const exercise = "an async computation that lets its siblings run";
  return attempt(exercise, async () => {
    let lag: LoopLagResult<unknown>;
    try {
      lag = await loopLag(() => fn(size));
    } catch (error) {
      return threw(exercise, error);
    }
    const wrong = wrongResult([lag.result], expected);
    if (wrong) return { exercise, passed: false, message: `Not yet: ${wrong}; keep the whole computation.` };
    if (lag.durationMs < FAIR_YIELD.minRunMs) {
      return { exercise, passed: null, message: `Cannot tell: the function finished in ${formatDuration(lag.durationMs)}, too soon for its siblings to notice; pass a larger size.` };
    }
    // The last tick can be one that fired only in the turn after the function returned.
    const during = lag.ticks.filter((tick) => tick.atMs < lag.durationMs).length - 1;
    const turns = `the sibling's 10 ms timer fired ${Math.max(0, during)} time${during === 1 ? "" : "s"} while the function ran for ${formatDuration(lag.durationMs)}`;
    if (during >= FAIR_YIELD.minTicks) return { exercise, passed: true, message: `Done: ${turns}.` };
    return {
      exercise,
      passed: false,
      message:
        `Not yet: ${turns}, so it waited for most of the computation. Split the work into pieces and give the thread back between them: ` +
        "`await null` lets only other promise callbacks in; a timer waits until the thread is free of them too, so await a macrotask, e.g. `await new Promise((resolve) => setImmediate(resolve))`.",
    };
  });
}

/** 08's check: threads, increments per thread and runs (several threads and runs give a one-CPU machine's scheduler chances to interrupt an increment). */
export const COUNTER_CHECK = { threads: 4, times: 10_000_000, runs: 3 } as const;

/**
 * 08: a task `(shared, times) => times` that adds 1 to `new Int32Array(shared)[0]` `times` times,
 * safe from other threads doing the same. Runs it on COUNTER_CHECK.threads worker threads at once,
 * COUNTER_CHECK.runs times; passes when no run lost an increment and the copies overlapped in time.
 */
export async function checkCounterOnThreads(task: (shared: SharedArrayBuffer, times: number) => number): Promise<ExerciseResult> {
  const exercise = "a counter that threads share without losing updates";
  const { threads, times, runs } = COUNTER_CHECK;
  return attempt(exercise, async () => {
    let overlap = 0;
    for (let i = 0; i < runs; i++) {
      const shared = new SharedArrayBuffer(12);
      const r: RunResult = await run({ strategy: "threads", task, args: [shared, times], copies: threads, warmup: 0 });
      const wrong = wrongResult(r.results, times);
      if (wrong) return { exercise, passed: false, message: `Not yet: ${wrong} (return times, the number of additions made).` };
      const counted = new Int32Array(shared)[0]!;
      if (counted !== threads * times) {
        const lost = threads * times - counted;
        return {
          exercise,
          passed: false,
          message:
            `Not yet: run ${i + 1} counted ${counted.toLocaleString("en-US")} of ${(threads * times).toLocaleString("en-US")}, ${lost.toLocaleString("en-US")} lost. ` +
            "cells[0]++ reads, adds and writes back in three steps, and another thread can write in between; make the addition one indivisible step (Atomics.add) or take turns under a lock.",
        };
      }
      overlap = Math.max(overlap, maxConcurrency(r.spans));
    }
    if (overlap < 2) {
      return { exercise, passed: null, message: `Cannot tell: the ${threads} copies never ran at the same time in ${runs} runs, so they had no chance to collide. Run the cell again.` };
    }
    return { exercise, passed: true, message: `Done: ${runs} runs of ${threads} threads × ${times.toLocaleString("en-US")} additions, up to ${overlap} threads at once, and not one addition lost.` };
  });
}

/**
 * 02: the strategy that runs two copies of a CPU-bound count on two cores at once. Runs 2 copies
 * of countTo (about 100 ms each) under `strategy`, repeated until decided; passes when the 95 %
 * interval of CPUs busy at once lies at or above PARALLEL_SHARE × 2, fails when it lies below.
 * Cannot tell on one usable CPU, without CPython for a python strategy, or where CPU time cannot
 * be read.
 */
export async function checkRunsInParallel(strategy: StrategyKey): Promise<ExerciseResult> {
  const exercise = "two CPU-bound copies on two cores at once";
  return attempt(exercise, async () => {
    const cores = describeMachine().cores;
    if (cores < 2) return { exercise, passed: null, message: "Cannot tell here: this machine lets the course use one CPU, so no strategy can keep two busy. Run it where two or more CPUs are free." };
    const runtime = typeof strategy === "string" && strategy.startsWith("python") ? "python" : "node";
    if (runtime === "python" && !findPython()) return { exercise, passed: null, message: "Cannot tell here: no CPython 3.8 or newer was found to run the python strategies." };
    const threshold = PARALLEL_SHARE * 2;
    const size = await calibrate(countTo, { targetMs: 100, runtime });
    const measured = await coresBusyUntilDecided(strategy, size, 2, (stat) => atLeast(stat, threshold));
    if (measured === null) return { exercise, passed: null, message: "Cannot tell here: this system does not let the course read the CPU time the copies used." };
    const { stat, check, busy } = measured;
    const kept = `two copies under ${strategy} kept ${stat.median.toFixed(2)} CPUs busy at once (median of ${stat.samples.length} repeats)`;
    if (check === "yes") return { exercise, passed: true, message: `Done: ${kept}: each copy had a core.` };
    if (check === "no" && busy) {
      return { exercise, passed: null, message: `Cannot tell: ${kept}, but other programs were using the CPUs meanwhile, so the copies may not have had two free cores. Run the cell again when the machine is quieter.` };
    }
    if (check === "no") {
      return { exercise, passed: false, message: `Not yet: ${kept}, under the ${threshold.toFixed(2)} that two cores working at once would show. Which strategy gives each copy its own interpreter, or its own isolate?` };
    }
    return { exercise, passed: null, message: `Cannot tell: ${kept}, and the repeats disagreed too much to place it on either side of ${threshold.toFixed(2)}. Run the cell again.` };
  });
}

/**
 * 04: reading the table. How many waiting async tasks fit in the memory of one worker thread on
 * this machine? Passes when `answer` is within a factor of 2 of the ratio of the table's memory
 * row (the meters differ, so closer is not meaningful).
 */
export function checkTasksPerThread(answer: number, approaches: ApproachesData): ExerciseResult {
  const exercise = "async tasks in one worker thread's memory";
  const { async: perTask, threads: perThread } = approaches.memoryBytesPerUnit;
  const actual = perThread / perTask;
  const measured = `the table's memory row gives ${Math.round(actual).toLocaleString("en-US")} (${formatBytes(perThread)} per worker thread, ${formatBytes(perTask)} per waiting async task)`;
  if (typeof answer !== "number" || !(answer > 0)) return { exercise, passed: false, message: "Not yet: put your answer, a positive number, in place of the 0 and run the cell again." };
  if (answer >= actual / 2 && answer <= actual * 2) return { exercise, passed: true, message: `Done: ${measured}. Your ${answer.toLocaleString("en-US")} is within a factor of 2.` };
  return { exercise, passed: false, message: `Not yet: ${answer.toLocaleString("en-US")} is ${answer < actual ? "too few" : "too many"} by more than a factor of 2; divide what one worker thread costs by what one async task costs.` };
}

/** 06's check: the shortest single wait that can tell. */
export const WAITS_CHECK = { minOneMs: 20 } as const;

/**
 * 06: a function that does `count` waits, rewritten so that they overlap. Times `fn(1)`, then
 * `fn(count)`, on the event loop; passes when `fn(count)` returned `count` and took less than
 * twice `fn(1)` (one after another, `count` waits take `count` times as long).
 */
export async function checkWaitsTogether(fn: (count: number) => Promise<unknown>, count: number): Promise<ExerciseResult> {
  const exercise = "many waits in about the time of one";
  if (!Number.isInteger(count) || count < 3 || count > 10_000) return { exercise, passed: false, message: `Not yet: count must be a whole number from 3 to 10,000, got ${String(count)}.` };
  const timed = async (n: number): Promise<{ ms: number; result: unknown }> => {
    const started = performance.now();
    const result = await fn(n);
    return { ms: performance.now() - started, result };
  };
  try {
    const one = await timed(1);
    const many = await timed(count);
    const wrong = wrongResult([many.result], count);
    if (wrong) return { exercise, passed: false, message: `Not yet: fn(${count}) ${wrong.replace(/^it /, "")}; return the number of waits done.` };
    if (one.ms < WAITS_CHECK.minOneMs) return { exercise, passed: null, message: `Cannot tell: one wait took ${formatDuration(one.ms)}, too short to compare; wait longer in each.` };
    const times = `${count} waits took ${formatDuration(many.ms)}, one ${formatDuration(one.ms)}`;
    if (many.ms < 2 * one.ms) return { exercise, passed: true, message: `Done: ${times}: the waits overlapped on the one thread.` };
    return {
      exercise,
      passed: false,
      message: `Not yet: ${times}: each wait began after the one before had ended. Start them all, then await them together: Promise.all over an array of the waits' promises.`,
    };
  } catch (error) {
    return threw(exercise, error);
  }
}

/**
 * 07: how many copies of a CPU-bound task this machine runs at once before one more stops adding
 * a core. Runs `answer` copies of countTo on child processes, then `answer + 1`, reading the CPUs
 * busy (repeated until decided); passes when all `answer` worked at once (at least PARALLEL_SHARE
 * × answer CPUs busy) and the extra copy added no core (at most answer + 0.5 busy).
 */
export async function checkCopiesAtOnce(answer: number): Promise<ExerciseResult> {
  const exercise = "how many copies work at once";
  if (!Number.isInteger(answer) || answer < 1 || answer > 31) return { exercise, passed: false, message: `Not yet: answer with a whole number from 1 to 31, got ${String(answer)}.` };
  return attempt(exercise, async () => {
    const size = await calibrate(countTo, { targetMs: 100 });
    const all = await coresBusyUntilDecided("processes", size, answer, (stat) => atLeast(stat, PARALLEL_SHARE * answer));
    const more = await coresBusyUntilDecided("processes", size, answer + 1, (stat) => atMost(stat, answer + 0.5));
    if (!all || !more) return { exercise, passed: null, message: "Cannot tell here: this system does not let the course read the CPU time the copies used." };
    const read = `${answer} cop${answer === 1 ? "y" : "ies"} kept ${all.stat.median.toFixed(2)} CPUs busy, ${answer + 1} kept ${more.stat.median.toFixed(2)}`;
    if (all.check === "yes" && more.check === "yes") return { exercise, passed: true, message: `Done: ${read}: one copy more than ${answer} found no free core.` };
    if (all.check === "no" && !all.busy) return { exercise, passed: false, message: `Not yet: ${read}: ${answer} copies did not all work at once here. Try fewer.` };
    if (more.check === "no" && !more.busy) return { exercise, passed: false, message: `Not yet: ${read}: one more copy still found a free core. Try more.` };
    return { exercise, passed: null, message: `Cannot tell: ${read}, and the repeats disagreed or other programs were using the CPUs. Run the cell again.` };
  });
}
