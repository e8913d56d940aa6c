/**
 * Chapter 06, the article's waiting examples: waits that block their thread and waits that yield,
 * in Node and in CPython, and many waits at once on one thread (up to 10,000 in asyncio). Its
 * claims, their experiments at full and short size, its captions, question and exercise check.
 */
import { describeMachine } from "../../environment";
import { compare, type CompareResult } from "../../experiment/compare";
import { pythonConcurrentWaits, type PythonWaitsPoint } from "../../experiment/python-experiments";
import { run } from "../../experiment/run";
import { formatBytes } from "../../measure/format";
import { findPython } from "../../python";
import { blockingSleep, sleep } from "../../tasks/io";
import type { TaskFunction } from "../../tasks/task-source";
import type { Chapter, ChapterResults, Size } from "../chapter";
import { atLeast, atMost, decided, thresholdRule, verdictOf, type Claim } from "../claims";
import { ExerciseResult, threw, wrongResult } from "../exercise-kit";
import { claim, EVIDENCE, gilClaimWithoutGil, ms, NO_CPYTHON, notMeasuredInCPython, ranWithoutGil, strategy, x, xFormat } from "../judging";
import { ANY_HIGH, rangeChoice, type Question } from "../questions";

const IO_PYTHON_THREADS_CLAIM = "In CPython, a thread that waits releases the GIL, so threaded I/O overlaps.";

/** 06: blocking waits overlap on threads (and in CPython threads); they serialise on the event loop. */
export function ioExamples(blocking: CompareResult, pythonSleep: CompareResult | null): Claim[] {
  const copies = blocking.copies;
  const threads = strategy(blocking, "threads").speedup!;
  const loop = strategy(blocking, "eventLoop").speedup!;
  const overlap = atLeast(threads, 0.8 * copies);
  const serial = atMost(loop, 1.1);
  const claims: Claim[] = [
    claim({
      id: "examples.io-threads",
      section: "06-waiting-examples",
      claim: "Threads make waiting tasks overlap: two waits take about as long as one.",
      measured: `${copies} blocking waits: ${x(threads.median)} faster on worker threads than one after another`,
      verdict: verdictOf(overlap),
      reason: overlap === "yes" ? "a thread blocked in a wait leaves the others free" : overlap === "no" ? "the waits did not overlap as expected" : "this run did not decide whether the waits overlapped",
      rule: thresholdRule("speedup of worker threads over sequential", threads, "at least", 0.8 * copies, xFormat),
    }),
    claim({
      id: "examples.io-blocking-loop",
      section: "06-waiting-examples",
      claim: "A blocking call stalls an event loop (time.sleep inside asyncio).",
      measured: `the same blocking waits started together on the event loop: ${x(loop.median)} of sequential speed`,
      // A demonstration: a blocked thread cannot overlap its waits, so a "no" is a disturbed run.
      verdict: serial === "yes" ? "holds" : "unclear",
      reason: serial === "yes" ? "a blocked thread runs nothing else, however the tasks were started" : "blocking waits cannot overlap on one thread: the measurement was disturbed",
      rule: thresholdRule("speedup of the event loop over sequential", loop, "at most", 1.1, xFormat),
      kind: "demonstration",
    }),
  ];
  if (!pythonSleep) {
    claims.push(notMeasuredInCPython("examples.io-python-threads", "06-waiting-examples", IO_PYTHON_THREADS_CLAIM));
  } else {
    const py = strategy(pythonSleep, "python:threads").speedup!;
    const check = atLeast(py, 0.8 * pythonSleep.copies);
    const parts = {
      id: "examples.io-python-threads",
      section: "06-waiting-examples",
      claim: IO_PYTHON_THREADS_CLAIM,
      measured: `CPython: ${pythonSleep.copies} × time.sleep on threads ran ${x(py.median)} faster than in sequence`,
      rule: thresholdRule("speedup of CPython threads over sequential", py, "at least", 0.8 * pythonSleep.copies, xFormat),
      evidence: EVIDENCE.cpythonThreadsOverlapWaits,
    };
    // The claim is about the GIL being let go: without a GIL, the waits overlap whatever time.sleep does with it.
    const withoutGil = ranWithoutGil(pythonSleep);
    claims.push(
      withoutGil
        ? gilClaimWithoutGil(withoutGil, parts, `its sleeping threads ran ${x(py.median)} faster than in sequence, with no lock to let go of`)
        : claim({
            ...parts,
            verdict: verdictOf(check),
            reason: check === "yes" ? "time.sleep released the GIL while it waited" : check === "no" ? "the waits did not overlap as expected" : "this run did not decide whether the waits overlapped",
          }),
    );
  }
  return claims;
}

/** One count of concurrent waits and how long they took in all. */
export interface WaitsPoint {
  readonly copies: number;
  readonly wallMs: number;
}

/**
 * 06: many awaits on one thread take about the time of one. The article's claim is about asyncio,
 * so it is decided on CPython's points (`python`, from pythonConcurrentWaits) and not measured
 * without them; Node's (`node`, from concurrentWaits) are quoted as the translation.
 */
export function asyncExamples(node: readonly WaitsPoint[], waitMs: number, python: readonly WaitsPoint[] | null = null): Claim {
  const mostOf = (points: readonly WaitsPoint[]): WaitsPoint => points.reduce((best, p) => (p.copies > best.copies ? p : best));
  const limit = 1.5 * waitMs + 50;
  const nodeMost = mostOf(node);
  const nodeText = `Node (the translation): ${nodeMost.copies.toLocaleString("en-US")} awaits on one thread took ${ms(nodeMost.wallMs)}`;
  const parts = {
    id: "examples.async-many",
    section: "06-waiting-examples",
    claim: "Async/await runs many waiting tasks concurrently on one thread, as fast as threads would.",
    rule: `holds if all of CPython's waits together took under 1.5 waits plus 50 ms (${ms(limit)}), differs if they took more`,
  };
  if (!python || python.length === 0) return claim({ ...parts, measured: `no CPython run; ${nodeText}`, verdict: "not measured", reason: NO_CPYTHON, rule: "needs CPython's asyncio waits (pythonConcurrentWaits)" });
  const most = mostOf(python);
  const holds = most.wallMs < limit;
  return claim({
    ...parts,
    measured: `CPython: ${most.copies.toLocaleString("en-US")} concurrent ${waitMs} ms asyncio waits on one thread took ${ms(most.wallMs)} in all; ${nodeText}`,
    verdict: holds ? "holds" : "differs",
    reason: holds ? "asyncio's event loop slept once for all of them" : "the waits took longer than one wait plus overhead",
    observed: { median: most.wallMs / waitMs, low: most.wallMs / waitMs, high: most.wallMs / waitMs, copies: most.copies },
  });
}

/** The sentence under the many-waits figure: the largest batch against one wait. */
export function waitsCaption(points: readonly { readonly copies: number; readonly wallMs: number }[], waitMs: number): string {
  if (points.length === 0) return "";
  const most = points.reduce((best, p) => (p.copies > best.copies ? p : best));
  const one = points.find((p) => p.copies === 1);
  const against = one ? `, ${x(most.wallMs / one.wallMs)} the time of a single one (${ms(one.wallMs)})` : "";
  return `${most.copies.toLocaleString("en-US")} concurrent ${waitMs} ms waits on one thread took ${ms(most.wallMs)} in all${against}; one after another they would take ${ms(most.copies * waitMs)}.`;
}

/**
 * The sentence for CPython's many asyncio waits (pythonConcurrentWaits): waitsCaption's numbers,
 * and what one task held while it waited; says so where no CPython ran (null).
 */
export function cpythonWaitsCaption(points: readonly { readonly copies: number; readonly wallMs: number; readonly bytesPerTask: number }[] | null, waitMs: number): string {
  if (!points || points.length === 0) return "No CPython 3.8+ found: the claim about asyncio is not measured here.";
  const most = points.reduce((best, p) => (p.copies > best.copies ? p : best));
  return `CPython: ${waitsCaption(points, waitMs)} Each asyncio task held about ${formatBytes(most.bytesPerTask)} while it waited (tracemalloc).`;
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

/**
 * For each count in `counts`, starts that many copies of `task(waitMs)` together on the event loop
 * and returns the wall time until all had finished: a batch of waits against one wait.
 */
export async function concurrentWaits<F extends TaskFunction>(task: F, waitMs: number, counts: readonly number[]): Promise<{ copies: number; wallMs: number }[]> {
  const points: { copies: number; wallMs: number }[] = [];
  for (const copies of counts) {
    const r = await run({ strategy: "async", task, args: [waitMs] as Parameters<F>, copies, warmup: 0 });
    points.push({ copies, wallMs: r.wallMs });
  }
  return points;
}

/** How many waits the many-waits experiment starts together, in Node and in CPython: in the notebook (full), and short. */
const COUNTS = {
  full: { node: [1, 10, 100, 1_000], python: [1, 10, 100, 1_000, 10_000] },
  short: { node: [1, 100], python: [1, 100] },
} as const;

/** Two copies of a wait that blocks its thread (`task(waitMs)`), one after another, together on the event loop and on worker threads, until the claims decide. */
export function blockingRun<F extends (ms: number) => unknown>(task: F, waitMs: number): Promise<CompareResult> {
  return compare({ task, args: [waitMs] as Parameters<F>, copies: 2, strategies: ["sequential", "eventLoop", "threads"], repeats: 3, warmup: 0, until: (r) => decided(ioExamples(r, null)) });
}

/** Two copies of a wait that yields (`task(waitMs)`), one after another and awaited together. */
export function yieldingRun<F extends (ms: number) => Promise<unknown>>(task: F, waitMs: number): Promise<CompareResult> {
  return compare({ task, args: [waitMs] as Parameters<F>, copies: 2, strategies: ["sequential", "async"], repeats: 3, warmup: 0 });
}

/** CPython's blocking wait: two time.sleep(waitMs) one after another and on threads, until its claim decides beside `blocking`. Null without CPython 3.8+. */
export async function pythonSleepRun(blocking: CompareResult, waitMs: number): Promise<CompareResult | null> {
  if (!findPython()) return null;
  return compare({ task: sleep, args: [waitMs], copies: 2, strategies: ["python:sequential", "python:threads"], repeats: 3, warmup: 0, until: (r) => decided(ioExamples(blocking, r)) });
}

/** 1, 10, 100 and 1,000 yielding waits started together (1 and 100 short), each `task(waitMs)`. */
export function manyWaitsRun<F extends (ms: number) => Promise<unknown>>(task: F, waitMs: number, size: Size = "full"): Promise<{ copies: number; wallMs: number }[]> {
  return concurrentWaits(task, waitMs, COUNTS[size].node);
}

/** The same in CPython's asyncio, up to 10,000 waits (1 and 100 short). Null without CPython 3.8+. */
export async function pythonManyWaitsRun(waitMs: number, size: Size = "full"): Promise<PythonWaitsPoint[] | null> {
  return findPython() ? pythonConcurrentWaits(waitMs, COUNTS[size].python) : null;
}

/** 06's experiments at their short size (100 ms waits), judged. */
export async function shortRun(): Promise<ChapterResults> {
  const blocking = await blockingRun(blockingSleep, 100);
  const pySleep = await pythonSleepRun(blocking, 100);
  const points = await manyWaitsRun(sleep, 100, "short");
  const pyPoints = await pythonManyWaitsRun(100, "short");
  return { claims: [...ioExamples(blocking, pySleep), asyncExamples(points, 100, pyPoints)], data: { cores: describeMachine().cores } };
}

/** Asked before the experiment that decides examples.async-many. */
const ASKED_ASYNC_MANY: Question = {
  id: "examples.async-many",
  text: "In CPython, many asyncio tasks each await a 300 ms sleep, all started together on the one thread of the event loop (chapter 06 runs up to ten thousand). How long do they take in all?",
  choices: {
    a: "about 300 ms: one thread waits on all the timers at once",
    b: "clearly longer than one wait: a thread can only wait on a few things at a time",
    c: "about as many times 300 ms as there are tasks: the thread waits for one timer after another",
  },
  predicts: { a: "at most 1.5 times one wait", b: "between 1.5 times one wait and half the waits one after another", c: "at least half the time of the waits one after another" },
  choose: (o) => rangeChoice(o, { a: [0, 1.5], b: [1.5, 0.5 * (o.copies ?? 1000)], c: [0.5 * (o.copies ?? 1000), ANY_HIGH] }),
};

export const chapter: Chapter = {
  id: "06-waiting-examples",
  title: "06 · The waiting examples, run here",
  question: "When tasks spend their time waiting, what lets the waits overlap, and what does it cost?",
  about: "the article's I/O-bound and async examples: blocking and yielding waits, in Node and CPython, and a thousand awaits on one thread",
  claims: ["examples.io-threads", "examples.io-blocking-loop", "examples.io-python-threads", "examples.async-many"],
  questions: [ASKED_ASYNC_MANY],
  shortRun,
};
