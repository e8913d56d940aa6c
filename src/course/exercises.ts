/**
 * Exercises whose check runs the reader's answer and judges what it does, never its text. A
 * check returns a result to show, and throws only for what is not an answer at all.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { ChildProcess } from "node:child_process";
import * as os from "node:os";
import { isDeepStrictEqual } from "node:util";
import { describeMachine } from "../environment";
import { checkInteger, TaskError } from "../errors";
import { calibrate } from "../experiment/calibrate";
import { compare, type CompareResult } from "../experiment/compare";
import { run, type RunResult } from "../experiment/run";
import { findPython } from "../python";
import { MAX_PARALLEL_COPIES, strategyDescriptor, type StrategyKey } from "../strategies/descriptors";
import { expandStrategy } from "../experiment/options";
import { countTo, MAX_COUNT } from "../tasks/cpu";
import { taskSource } from "../tasks/task-source";
import { cpuBetween, threadCpuMs } from "../measure/thread-cpu";
import type { ApproachesData } from "./approaches-results";
import { atLeast, atMost, type Check } from "./claims";
import { PARALLEL_SHARE } from "./verdicts";
import { loopLag, type LoopLagResult } from "../measure/loop-lag";
import { formatBytes, formatDuration } from "../measure/format";
import type { Stat } from "../measure/stats";
import type { TaskFunction } from "../tasks/task-source";

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

/** Worker threads and child processes that the code run by `body` started. */
export interface OtherRunners {
  readonly workers: number;
  readonly children: number;
}

/**
 * Runs `body` and counts the worker threads (Node's process "worker" event) and child processes
 * (every asynchronous child_process call goes through ChildProcess.prototype.spawn) that it
 * started: only those created in `body`'s asynchronous context (AsyncLocalStorage) count, so a
 * thread pool replacing its own workers meanwhile is not blamed on the answer. The synchronous
 * child_process calls block the thread and need no counting. Restores spawn after.
 */
async function watchOtherRunners<T>(body: () => Promise<T>): Promise<{ value: T; others: OtherRunners }> {
  const context = new AsyncLocalStorage<true>();
  let workers = 0;
  let children = 0;
  const onWorker = (): void => {
    if (context.getStore()) workers++;
  };
  const proto = ChildProcess.prototype as unknown as { spawn: (...args: unknown[]) => unknown };
  const spawn = proto.spawn;
  proto.spawn = function (this: unknown, ...args: unknown[]): unknown {
    if (context.getStore()) children++;
    return spawn.apply(this, args);
  };
  process.on("worker", onWorker);
  try {
    const value = await context.run(true, body);
    return { value, others: { workers, children } };
  } finally {
    process.off("worker", onWorker);
    proto.spawn = spawn;
  }
}

/** What another thread or process did, in words, or null when the answer started none. */
function otherRunnersText(others: OtherRunners): string | null {
  const parts = [
    others.workers > 0 ? `${others.workers} worker thread${others.workers === 1 ? "" : "s"}` : "",
    others.children > 0 ? `${others.children} child process${others.children === 1 ? "" : "es"}` : "",
  ].filter(Boolean);
  return parts.length === 0 ? null : `it started ${parts.join(" and ")}`;
}

/** One run of 05's check: the arguments and what the task must return for them. */
export interface TaskCase {
  readonly args: readonly unknown[];
  readonly expected: unknown;
}

/**
 * 05: a task that used a name from the notebook, rewritten so that it runs on worker threads.
 * Runs `task(...args)` of each case on two worker threads; passes when every copy returned that
 * case's `expected`. The cases must tell an answer that computes from one that echoes: at least two,
 * with different expected values, none equal to one of its own arguments (a task that returns an
 * argument, or always the same value, would pass otherwise).
 */
export async function checkTaskOnThreads(task: TaskFunction, cases: readonly TaskCase[]): Promise<ExerciseResult> {
  const exercise = "a task that runs on worker threads";
  return attempt(exercise, async () => {
    if (!Array.isArray(cases) || cases.length < 2 || cases.some((c) => !c || !Array.isArray(c.args))) {
      throw new TypeError(`cases must be a list of at least two { args: [...], expected } cases, got ${JSON.stringify(cases)}; give two argument lists with different results`);
    }
    const echoed = cases.find((c) => c.args.some((arg: unknown) => isDeepStrictEqual(arg, c.expected)));
    if (echoed) {
      throw new RangeError(`cases must not expect one of their own arguments, got args ${JSON.stringify(echoed.args)} expecting ${JSON.stringify(echoed.expected)}; a task that returns its argument would pass, so choose arguments whose result differs from each of them`);
    }
    if (cases.every((c) => isDeepStrictEqual(c.expected, cases[0]!.expected))) {
      throw new RangeError(`cases must expect at least two different results, got ${JSON.stringify(cases[0]!.expected)} for every case; a task that returns a constant would pass`);
    }
    for (const { args, expected } of cases) {
      const { results } = await run({ strategy: "threads", task, args: [...args] as Parameters<typeof task>, copies: 2, warmup: 0 });
      const wrong = wrongResult(results, expected);
      if (results.length !== 2 || wrong !== null) {
        return { exercise, passed: false, message: `Not yet: it ran on worker threads, but with args ${JSON.stringify(args)} ${wrong}; compute the result from the arguments, and pass every value the task needs in args.` };
      }
    }
    const list = cases.map((c) => `${JSON.stringify(c.expected)} for ${JSON.stringify(c.args)}`).join(", ");
    return { exercise, passed: true, message: `Done: both copies ran on worker threads and returned ${list}.` };
  });
}

/** 01's check: copies started together, and the shortest single copy that can tell. */
export const OVERLAP_CHECK = { copies: 3, minCopyMs: 20 } as const;

/**
 * 01: a task whose copies are in progress at the same time on the one JavaScript thread
 * (concurrency without parallelism). Runs `task(...args)` once alone, then 3 copies together on
 * the event loop; passes when each returned `expected`, none started a worker thread or a child
 * process (the exercise is about one thread), and the 3 together took less than 2 copies alone
 * (one after another they take 3). Wall times, not spans: an async function that never awaits
 * returns a settled promise, and its end is only observed after the other copies have run.
 */
export async function checkOverlapOnOneThread(task: TaskFunction, args: readonly unknown[], expected: unknown): Promise<ExerciseResult> {
  const exercise = "copies that overlap on one thread";
  const { copies, minCopyMs } = OVERLAP_CHECK;
  return attempt(exercise, async () => {
    const runOf = (n: number): Promise<RunResult> => run({ strategy: "eventLoop", task, args: [...args] as Parameters<typeof task>, copies: n, warmup: 0 });
    const { value: [alone, together], others } = await watchOtherRunners(async () => [await runOf(1), await runOf(copies)] as const);
    const wrong = wrongResult([...alone.results, ...together.results], expected);
    if (wrong) return { exercise, passed: false, message: `Not yet: ${wrong}.` };
    const elsewhere = otherRunnersText(others);
    if (elsewhere) {
      return {
        exercise,
        passed: false,
        message: `Not yet: ${elsewhere}, so the waits ran beside the JavaScript thread, not on it. The exercise is about one thread: wait on the event loop itself, \`await new Promise((resolve) => setTimeout(resolve, ms))\`.`,
      };
    }
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

/**
 * 03's check: the computation (`pieces` calls of countTo(size)), the shortest run that can tell,
 * the least CPU a reference run of it must cost to tell, how many times a sibling's timer must fire
 * before the function ends, and the share of the reference's CPU time the main thread must spend
 * while the function runs.
 */
export const FAIR_YIELD = { pieces: 10, minRunMs: 100, minReferenceCpuMs: 30, minTicks: 3, minCpuShare: 0.5 } as const;

/** What 03's check measured: the reader's run, and a plain run of the same computation on the same thread. */
export interface YieldEvidence {
  readonly result: unknown;
  readonly expected: unknown;
  /** Wall time of the reader's function, ms. */
  readonly durationMs: number;
  /** Times the sibling's 10 ms timer fired before the function ended. */
  readonly ticksDuring: number;
  /** CPU time of the main thread while the reader's function ran, ms (null where it cannot be read). */
  readonly cpuMs: number | null;
  /** CPU time of the plain computation of the same size on the main thread, ms (null where it cannot be read). */
  readonly referenceCpuMs: number | null;
  readonly others: OtherRunners;
}

/**
 * 03's verdict from its measurements: the right total; no worker thread or child process; the
 * main thread spent at least FAIR_YIELD.minCpuShare of the plain computation's CPU time (it did
 * the work itself, not a timer standing in for it); and the sibling's timer fired at least
 * FAIR_YIELD.minTicks times before the function ended (the work came in pieces). CPU time of one
 * thread, not a wall time: other programs on the machine do not change it.
 */
export function judgeYieldsToSiblings(evidence: YieldEvidence): ExerciseResult {
  const exercise = "an async computation that lets its siblings run";
  const { result, expected, durationMs, ticksDuring, cpuMs, referenceCpuMs, others } = evidence;
  const wrong = wrongResult([result], expected);
  if (wrong) return { exercise, passed: false, message: `Not yet: ${wrong}; keep the whole computation.` };
  const elsewhere = otherRunnersText(others);
  if (elsewhere) {
    return { exercise, passed: false, message: `Not yet: ${elsewhere}. The exercise is to share the main thread: compute on it, in pieces, and give the thread back between them.` };
  }
  if (cpuMs === null || referenceCpuMs === null) {
    return { exercise, passed: null, message: "Cannot tell here: this system does not let the course read the CPU time of the main thread, so the check cannot see whether the function computed." };
  }
  if (referenceCpuMs < FAIR_YIELD.minReferenceCpuMs) {
    return { exercise, passed: null, message: `Cannot tell: the computation at this size costs ${formatDuration(referenceCpuMs)} of CPU, too little to measure; pass a larger size.` };
  }
  const cpu = `the main thread spent ${formatDuration(cpuMs)} of CPU while the function ran, and the same computation done plainly costs ${formatDuration(referenceCpuMs)}`;
  if (cpuMs < FAIR_YIELD.minCpuShare * referenceCpuMs) {
    return { exercise, passed: false, message: `Not yet: ${cpu}, so the function did not compute the total itself. Keep the counting in the function, on this thread; only split it into pieces.` };
  }
  if (durationMs < FAIR_YIELD.minRunMs) {
    return { exercise, passed: null, message: `Cannot tell: the function finished in ${formatDuration(durationMs)}, too soon for its siblings to notice; pass a larger size.` };
  }
  const turns = `the sibling's 10 ms timer fired ${ticksDuring} time${ticksDuring === 1 ? "" : "s"} while the function ran for ${formatDuration(durationMs)}`;
  if (ticksDuring >= FAIR_YIELD.minTicks) return { exercise, passed: true, message: `Done: ${cpu}; ${turns}.` };
  return {
    exercise,
    passed: false,
    message:
      `Not yet: ${turns}, so it waited for most of the computation. Split the work into pieces and give the thread back between them: ` +
      "`await null` lets only other promise callbacks in; a timer waits until the thread is free of them too, so await a macrotask, e.g. `await new Promise((resolve) => setImmediate(resolve))`.",
  };
}

/**
 * 03: a long async computation rewritten so that its sibling tasks keep their turns. The
 * computation is FAIR_YIELD.pieces calls of countTo(`size`), total pieces × size. Times its plain
 * run on the main thread (CPU time), then runs `fn(size)` beside a 10 ms timer (loopLag), reading
 * the main thread's CPU time and watching for worker threads and child processes; judged by
 * judgeYieldsToSiblings.
 */
export async function checkYieldsToSiblings(fn: (size: number) => unknown, size: number): Promise<ExerciseResult> {
  const exercise = "an async computation that lets its siblings run";
  return attempt(exercise, async () => {
    checkInteger("size", size, 1, MAX_COUNT, "pass the size of one piece of counting, as the notebook does (Math.round(n / 5))");
    const expected = FAIR_YIELD.pieces * size;
    const before = threadCpuMs();
    for (let piece = 0; piece < FAIR_YIELD.pieces; piece++) countTo(size);
    const referenceCpuMs = cpuBetween(before, threadCpuMs()) ?? null;
    let lag: LoopLagResult<unknown>;
    let cpuMs: number | null;
    let others: OtherRunners;
    try {
      const start = threadCpuMs();
      ({ value: lag, others } = await watchOtherRunners(() => loopLag(() => fn(size))));
      cpuMs = cpuBetween(start, threadCpuMs()) ?? null;
    } catch (error) {
      return threw(exercise, error);
    }
    // The last tick can be one that fired only in the turn after the function returned.
    const ticksDuring = Math.max(0, lag.ticks.filter((tick) => tick.atMs < lag.durationMs).length - 1);
    return judgeYieldsToSiblings({ result: lag.result, expected, durationMs: lag.durationMs, ticksDuring, cpuMs, referenceCpuMs, others });
  });
}

/**
 * 08's check: threads; additions per thread in the watched run (every access to the counter goes
 * through a Proxy there, so fewer) and in the plain run; how many of each thread's reads of the
 * counter are held open, and for at most how long; how long threads wait for each other to start.
 */
export const COUNTER_CHECK = { threads: 4, watchedTimes: 20_000, times: 1_000_000, pausedReads: 2, pauseMs: 2_000, startMs: 10_000 } as const;

/** What one thread of the watched run saw its task do with the counter (cell 0 of the shared buffer). */
export interface CounterThreadReport {
  /** What the task returned. */
  readonly returned: unknown;
  /** Plain reads and writes of the counter through an Int32Array over the shared buffer. */
  readonly reads: number;
  readonly writes: number;
  /** Atomics calls on the counter. */
  readonly atomics: number;
  /** Whether every thread had started before this one ran the task. */
  readonly startedTogether: boolean;
}

/**
 * Runs on each worker thread of 08's watched run: builds the reader's task from `source` with its
 * own `Int32Array` and `Atomics`. A view of `shared` is a Proxy whose reads of cell 0 (plain, or
 * Atomics.load) are held open for the thread's first `pausedReads` reads: the thread pauses after
 * the read until another thread has read the counter too, or no other thread can (each has
 * finished, sleeps in Atomics.wait, or keeps calling Atomics on other cells: spinning on a lock),
 * or `pauseMs` pass (a safety net, not the rule). Threads start together (a barrier), so two
 * threads read before either writes, then write back the same stale value: every read-modify-write
 * that is not one atomic step, or not under a lock, loses an update, on one CPU as on many. Atomics
 * calls reach the real view. Self-contained: it travels to the worker as text.
 */
function watchedCounterTask(
  shared: SharedArrayBuffer, times: number, control: SharedArrayBuffer, threads: number, source: string, name: string, pausedReads: number, pauseMs: number, startMs: number,
): CounterThreadReport {
  // Control cells, then one state and one count of Atomics calls on other cells per thread.
  const ARRIVED = 0, READS = 1, EVENTS = 2, PAUSED = 3, STATE = 4, SPINS = 4 + threads;
  const RUNNING = 0, WAITING = 1, DONE = 2, SPINNING_CALLS = 64;
  const RealInt32Array = Int32Array;
  const RealAtomics = Atomics;
  const ctl = new RealInt32Array(control);
  const watched = new WeakMap<object, Int32Array>();
  let me = -1;
  let reads = 0, writes = 0, atomics = 0, paused = 0;
  const event = (): void => {
    RealAtomics.add(ctl, EVENTS, 1);
    if (RealAtomics.load(ctl, PAUSED) > 0) RealAtomics.notify(ctl, EVENTS);
  };
  const nobodyElseCanRead = (spinsAtPause: number[]): boolean => {
    for (let j = 0; j < threads; j++) {
      if (j === me) continue;
      const state = RealAtomics.load(ctl, STATE + j);
      if (state !== WAITING && state !== DONE && RealAtomics.load(ctl, SPINS + j) - spinsAtPause[j]! < SPINNING_CALLS) return false;
    }
    return true;
  };
  const afterRead = (): void => {
    reads++;
    const seen = RealAtomics.add(ctl, READS, 1) + 1;
    event();
    if (paused >= pausedReads || me < 0) return;
    paused++;
    const spinsAtPause = Array.from({ length: threads }, (_, j) => RealAtomics.load(ctl, SPINS + j));
    const deadline = Date.now() + pauseMs;
    RealAtomics.add(ctl, PAUSED, 1);
    try {
      for (;;) {
        const version = RealAtomics.load(ctl, EVENTS);
        if (RealAtomics.load(ctl, READS) > seen || nobodyElseCanRead(spinsAtPause)) return;
        const left = deadline - Date.now();
        if (left <= 0) return;
        RealAtomics.wait(ctl, EVENTS, version, left);
      }
    } finally {
      RealAtomics.sub(ctl, PAUSED, 1);
    }
  };
  const setState = (state: number): void => {
    if (me < 0) return;
    RealAtomics.store(ctl, STATE + me, state);
    event();
  };
  const viewHandler: ProxyHandler<Int32Array> = {
    get(target, key) {
      if (key === "0") {
        const value = target[0];
        afterRead();
        return value;
      }
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
    set(target, key, value) {
      if (key === "0") writes++;
      return Reflect.set(target, key, value, target);
    },
  };
  const WatchedInt32Array = new Proxy(RealInt32Array, {
    construct(target, args, newTarget) {
      const view = Reflect.construct(target, args, newTarget === WatchedInt32Array ? target : newTarget) as Int32Array;
      if (args[0] !== shared || view.byteOffset !== 0) return view;
      const proxy = new Proxy(view, viewHandler);
      watched.set(proxy, view);
      return proxy;
    },
  });
  const WatchedAtomics = new Proxy(RealAtomics, {
    get(target, key) {
      const op: unknown = Reflect.get(target, key, target);
      if (typeof op !== "function") return op;
      return (array: Int32Array, index: number, ...rest: unknown[]): unknown => {
        const view = watched.get(array);
        const call = (): unknown => (op as (...args: unknown[]) => unknown).apply(target, [view ?? array, index, ...rest]);
        if (key === "wait") {
          setState(WAITING);
          try {
            return call();
          } finally {
            setState(RUNNING);
          }
        }
        if (view === undefined || Number(index) !== 0) {
          if (me >= 0) {
            RealAtomics.add(ctl, SPINS + me, 1);
            event();
          }
          return call();
        }
        if (key === "load") {
          const value = call();
          afterRead();
          return value;
        }
        if (key === "store") writes++;
        else atomics++;
        return call();
      };
    },
  });
  const expression = /^(async\s+)?(function\b|\(|[A-Za-z_$][\w$]*\s*=>)/.test(source.trim()) ? `(${source})` : `({${source}})[${JSON.stringify(name)}]`;
  const task = new Function("Int32Array", "Atomics", "require", `"use strict"; return ${expression};`)(WatchedInt32Array, WatchedAtomics, require) as (s: SharedArrayBuffer, t: number) => unknown;
  me = RealAtomics.add(ctl, ARRIVED, 1);
  RealAtomics.notify(ctl, ARRIVED);
  const startBy = Date.now() + startMs;
  for (let arrived = RealAtomics.load(ctl, ARRIVED); arrived < threads && Date.now() < startBy; arrived = RealAtomics.load(ctl, ARRIVED)) {
    RealAtomics.wait(ctl, ARRIVED, arrived, Math.max(1, startBy - Date.now()));
  }
  const startedTogether = RealAtomics.load(ctl, ARRIVED) >= threads && me < threads;
  if (me >= threads) me = -1;
  let returned: unknown;
  try {
    returned = task(shared, times);
  } finally {
    setState(DONE);
  }
  return { returned, reads, writes, atomics, startedTogether };
}

/** What 08's check measured: the watched run (deterministic), and a plain run of the task as written. */
export interface CounterEvidence {
  readonly threads: number;
  /** Additions per thread in the watched run. */
  readonly watchedTimes: number;
  /** What reached the counter in the watched run. */
  readonly watchedCounted: number;
  readonly reports: readonly CounterThreadReport[];
  /** The plain run: additions per thread, what each returned and what reached the counter (null when it was not run). */
  readonly plain: { readonly times: number; readonly results: readonly unknown[]; readonly counted: number } | null;
}

const count = (n: number): string => n.toLocaleString("en-US");

/**
 * 08's verdict: fails when a thread did not return the number of additions, when the task never
 * touched cell 0 through `new Int32Array(shared)` or Atomics (the watched run could not see it),
 * or when either run lost an addition; cannot tell when the threads did not all start before the
 * watched run (a read could not be held open for another thread); passes otherwise.
 */
export function judgeCounterOnThreads(evidence: CounterEvidence): ExerciseResult {
  const exercise = "a counter that threads share without losing updates";
  const { threads, watchedTimes, watchedCounted, reports, plain } = evidence;
  const wrong = wrongResult(reports.map((r) => r.returned), watchedTimes) ?? (plain ? wrongResult(plain.results, plain.times) : null);
  if (wrong) return { exercise, passed: false, message: `Not yet: ${wrong} (return times, the number of additions made).` };
  const reads = reports.reduce((sum, r) => sum + r.reads, 0);
  const writes = reports.reduce((sum, r) => sum + r.writes, 0);
  const atomics = reports.reduce((sum, r) => sum + r.atomics, 0);
  const seen = `${count(reads)} reads, ${count(writes)} writes and ${count(atomics)} atomic updates of the counter`;
  if (reads + writes + atomics === 0) {
    return { exercise, passed: false, message: "Not yet: the task never read or updated cell 0 through `new Int32Array(shared)`, the counter the check watches; add to `new Int32Array(shared)[0]`." };
  }
  const expected = threads * watchedTimes;
  if (watchedCounted !== expected) {
    return {
      exercise,
      passed: false,
      message:
        `Not yet: ${threads} threads × ${count(watchedTimes)} additions counted ${count(watchedCounted)}, ${count(expected - watchedCounted)} lost. ` +
        `The check held some reads of the counter open a moment (${seen}), and another thread wrote in between: ` +
        "reading the counter, adding and writing back are separate steps; make the addition one indivisible step (Atomics.add) or take turns under a lock.",
    };
  }
  if (plain && plain.counted !== threads * plain.times) {
    return {
      exercise,
      passed: false,
      message: `Not yet: ${threads} threads × ${count(plain.times)} additions run as written counted ${count(plain.counted)}, ${count(threads * plain.times - plain.counted)} lost; make the addition one indivisible step (Atomics.add) or take turns under a lock.`,
    };
  }
  if (reports.some((r) => !r.startedTogether)) {
    return { exercise, passed: null, message: `Cannot tell: not all ${threads} threads had started within ${formatDuration(COUNTER_CHECK.startMs)}, so the check could not make them meet at the counter. Run the cell again.` };
  }
  const plainText = plain ? `, and ${threads} threads × ${count(plain.times)} run as written lost none` : "";
  return { exercise, passed: true, message: `Done: ${threads} threads × ${count(watchedTimes)} additions with reads of the counter held open (${seen}) lost none${plainText}.` };
}

/**
 * 08: a task `(shared, times) => times` that adds 1 to `new Int32Array(shared)[0]` `times` times,
 * safe from other threads doing the same. Runs it on COUNTER_CHECK.threads worker threads twice:
 * watched (watchedCounterTask: reads of the counter held open, so an unsafe update loses additions
 * whatever the scheduler does), then as written with COUNTER_CHECK.times additions each. Judged by
 * judgeCounterOnThreads.
 */
export async function checkCounterOnThreads(task: (shared: SharedArrayBuffer, times: number) => number): Promise<ExerciseResult> {
  const exercise = "a counter that threads share without losing updates";
  const { threads, watchedTimes, times, pausedReads, pauseMs, startMs } = COUNTER_CHECK;
  return attempt(exercise, async () => {
    const { source, name } = taskSource(task);
    const shared = new SharedArrayBuffer(12);
    const control = new SharedArrayBuffer((4 + 2 * threads) * Int32Array.BYTES_PER_ELEMENT);
    const watched = await run({
      strategy: "threads", task: watchedCounterTask, copies: threads, warmup: 0,
      args: [shared, watchedTimes, control, threads, source, name, pausedReads, pauseMs, startMs],
    });
    const reports = watched.results as CounterThreadReport[];
    const watchedCounted = new Int32Array(shared)[0]!;
    const early = judgeCounterOnThreads({ threads, watchedTimes, watchedCounted, reports, plain: null });
    if (early.passed !== true) return early;
    const plainShared = new SharedArrayBuffer(12);
    const plainRun = await run({ strategy: "threads", task, args: [plainShared, times], copies: threads, warmup: 0 });
    return judgeCounterOnThreads({ threads, watchedTimes, watchedCounted, reports, plain: { times, results: plainRun.results, counted: new Int32Array(plainShared)[0]! } });
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
    // A name that is no strategy is refused on any machine, before one CPU makes it "cannot tell".
    if (strategyDescriptor(String(strategy)) === undefined) expandStrategy(strategy, "strategy");
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

/** 06's check: the counts it accepts, and the longest single wait the reader may ask for. */
export const WAITS_CHECK = { minCount: 3, maxCount: 10_000, maxWaitMs: 10_000 } as const;

/** A wait the check hands to 06's function: resolves after `ms` milliseconds, and is counted. */
export type CountedWait = (ms: number) => Promise<void>;

/** What 06's check saw of the reader's function and the waits it made with the `wait` it was given. */
export interface WaitsEvidence {
  readonly count: number;
  readonly result: unknown;
  /** Waits started. */
  readonly made: number;
  /** The most waits pending at the same time. */
  readonly peak: number;
  /** Waits still pending when the function's promise settled. */
  readonly pendingAtEnd: number;
}

/**
 * 06's verdict: passes when the function returned `count`, made `count` waits with the `wait` it
 * was given, had all of them pending at the same time, and returned only after every one had
 * ended. Counts, not durations: a busy machine changes none of them.
 */
export function judgeWaitsTogether(evidence: WaitsEvidence): ExerciseResult {
  const exercise = "many waits in about the time of one";
  const { count, result, made, peak, pendingAtEnd } = evidence;
  const wrong = wrongResult([result], count);
  if (wrong) return { exercise, passed: false, message: `Not yet: fn(${count}, wait) ${wrong.replace(/^it /, "")}; return the number of waits done.` };
  if (made !== count) {
    return { exercise, passed: false, message: `Not yet: it made ${made} wait${made === 1 ? "" : "s"} with the wait(ms) it was given, where ${count} were expected; do every wait with wait(ms), the function the check passes in, so that the check can see them.` };
  }
  if (pendingAtEnd > 0) {
    return { exercise, passed: false, message: `Not yet: it returned while ${pendingAtEnd} of its ${count} waits had not ended; await them all before returning, e.g. with Promise.all.` };
  }
  if (peak < count) {
    return {
      exercise,
      passed: false,
      message: `Not yet: at most ${peak} of the ${count} waits ${peak === 1 ? "was" : "were"} pending at the same time, so the others waited their turn. Start them all, then await them together: Promise.all over an array of the waits' promises.`,
    };
  }
  return { exercise, passed: true, message: `Done: all ${count} waits were pending at the same time on the one thread, and the function returned after the last had ended.` };
}

/**
 * 06: a function that does `count` waits, rewritten so that they overlap. Calls `fn(count, wait)`,
 * where `wait(ms)` is a timer the check counts: each wait's start and end are recorded. Judged by
 * judgeWaitsTogether.
 */
export async function checkWaitsTogether(fn: (count: number, wait: CountedWait) => Promise<unknown>, count: number): Promise<ExerciseResult> {
  const exercise = "many waits in about the time of one";
  const { minCount, maxCount, maxWaitMs } = WAITS_CHECK;
  if (!Number.isInteger(count) || count < minCount || count > maxCount) {
    return { exercise, passed: false, message: `Not yet: count must be a whole number from ${minCount} to ${maxCount.toLocaleString("en-US")}, got ${String(count)}.` };
  }
  let made = 0;
  let pending = 0;
  let peak = 0;
  const wait: CountedWait = (ms) => {
    if (typeof ms !== "number" || !(ms >= 0 && ms <= maxWaitMs)) {
      return Promise.reject(new RangeError(`wait(ms): ms must be a number of milliseconds from 0 to ${maxWaitMs.toLocaleString("en-US")}, got ${String(ms)}; pass how long to wait, e.g. wait(100)`));
    }
    made++;
    peak = Math.max(peak, ++pending);
    return new Promise((resolve) => setTimeout(() => {
      pending--;
      resolve();
    }, ms));
  };
  let result: unknown;
  try {
    result = await fn(count, wait);
  } catch (error) {
    return threw(exercise, error);
  }
  return judgeWaitsTogether({ count, result, made, peak, pendingAtEnd: pending });
}

/** What 07's check measured: CPUs busy for one copy alone, for `answer` copies and for one more. */
export interface CopiesEvidence {
  readonly answer: number;
  /** One copy alone: what "a core of its own" reads on this machine (a little under 1). */
  readonly one: Stat;
  /** Other programs used the CPUs during the one copy: its reading is no unit. */
  readonly oneBusy: boolean;
  readonly all: Stat;
  /** Other programs used the CPUs during the `answer` copies. */
  readonly allBusy: boolean;
  readonly more: Stat;
  readonly moreBusy: boolean;
}

/** 07's check: the least CPUs busy one copy alone must read to serve as the unit of a core. */
export const COPIES_CHECK = { minOneCopy: 0.8 } as const;

/**
 * The thresholds of 07's verdict: `answer` copies each had a core when their CPUs busy lie at or
 * above (answer − ½) × one copy's reading; the extra copy added no core when answer + 1 copies lie
 * at or below (answer + ½) × that reading. Half a core either side of the count is what one core
 * more or less changes, measured in this machine's own unit (one copy alone).
 */
export function copiesThresholds(answer: number, one: Stat): { all: number; more: number } {
  const unit = Math.min(1, one.median);
  return { all: (answer - 0.5) * unit, more: (answer + 0.5) * unit };
}

/**
 * 07's verdict, decided on the 95 % intervals (atLeast, atMost). Cannot tell when one copy alone
 * was read on a busy machine or kept under COPIES_CHECK.minOneCopy busy (no unit). Passes when `answer` copies each
 * had a core and one more added none, with the machine quiet; fails when `answer` copies did not
 * all work at once on a quiet machine, or when one more copy found a free core (other programs can
 * only take CPUs away, so that reading stands even on a busy machine); otherwise cannot tell.
 */
export function judgeCopiesAtOnce(evidence: CopiesEvidence): ExerciseResult {
  const exercise = "how many copies work at once";
  const { answer, one, oneBusy, all, allBusy, more, moreBusy } = evidence;
  if (oneBusy || one.median < COPIES_CHECK.minOneCopy) {
    return {
      exercise,
      passed: null,
      message: `Cannot tell: one copy alone kept ${one.median.toFixed(2)} CPUs busy${oneBusy ? " while other programs were using the CPUs" : ""}, so it cannot serve as the measure of one core. Run the cell again when the machine is quieter.`,
    };
  }
  const at = copiesThresholds(answer, one);
  const allCheck = atLeast(all, at.all);
  const moreCheck = atMost(more, at.more);
  const read =
    `${answer} cop${answer === 1 ? "y" : "ies"} kept ${all.median.toFixed(2)} CPUs busy, ${answer + 1} kept ${more.median.toFixed(2)} ` +
    `(one copy alone ${one.median.toFixed(2)}; medians of ${all.samples.length} and ${more.samples.length} repeats)`;
  if (moreCheck === "no") return { exercise, passed: false, message: `Not yet: ${read}: one more copy still found a free core (above ${at.more.toFixed(2)}). Try more.` };
  if (allCheck === "no" && !allBusy) return { exercise, passed: false, message: `Not yet: ${read}: ${answer} copies did not all work at once here (below ${at.all.toFixed(2)}). Try fewer.` };
  if (allCheck === "yes" && moreCheck === "yes" && !moreBusy) {
    return { exercise, passed: true, message: `Done: ${read}: ${answer === 1 ? "the copy" : `each of the ${answer} copies`} had a core, and one copy more found no free one.` };
  }
  const why = allBusy || moreBusy ? "other programs were using the CPUs meanwhile" : "the repeats disagreed too much to place them";
  return { exercise, passed: null, message: `Cannot tell: ${read}, and ${why}. Run the cell again when the machine is quieter.` };
}

/**
 * 07: how many copies of a CPU-bound task this machine runs at once before one more stops adding
 * a core. Runs one copy of countTo on a child process, then `answer` copies, then `answer + 1`,
 * reading the CPUs busy (repeated until decided); judged by judgeCopiesAtOnce. Answers above this
 * machine's logical CPUs fail at once; answers the processes strategy cannot check (more than
 * MAX_PARALLEL_COPIES − 1, as it runs one more) are "cannot tell".
 */
export async function checkCopiesAtOnce(answer: number): Promise<ExerciseResult> {
  const exercise = "how many copies work at once";
  const logical = Math.max(1, os.cpus().length);
  if (!Number.isInteger(answer) || answer < 1) return { exercise, passed: false, message: `Not yet: answer with a whole number of copies, 1 or more, got ${String(answer)}.` };
  if (answer > logical) return { exercise, passed: false, message: `Not yet: this machine has ${logical} logical CPU${logical === 1 ? "" : "s"}, so ${answer} copies cannot each have one. Try fewer.` };
  if (answer > MAX_PARALLEL_COPIES - 1) {
    return { exercise, passed: null, message: `Cannot tell here: the check runs ${answer + 1} copies, and the processes strategy runs at most ${MAX_PARALLEL_COPIES}.` };
  }
  return attempt(exercise, async () => {
    const size = await calibrate(countTo, { targetMs: 100 });
    const oneRun = await coresBusyUntilDecided("processes", size, 1, () => "yes");
    if (!oneRun) return { exercise, passed: null, message: "Cannot tell here: this system does not let the course read the CPU time the copies used." };
    const at = copiesThresholds(answer, oneRun.stat);
    const all = await coresBusyUntilDecided("processes", size, answer, (stat) => atLeast(stat, at.all));
    const more = await coresBusyUntilDecided("processes", size, answer + 1, (stat) => atMost(stat, at.more));
    if (!all || !more) return { exercise, passed: null, message: "Cannot tell here: this system does not let the course read the CPU time the copies used." };
    return judgeCopiesAtOnce({ answer, one: oneRun.stat, oneBusy: oneRun.busy, all: all.stat, allBusy: all.busy, more: more.stat, moreBusy: more.busy });
  });
}
