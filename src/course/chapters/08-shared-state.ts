/**
 * Chapter 08, shared state: a counter two threads share (plain, atomic, locked), in Node and in
 * CPython, a race across awaits on one thread, and processes that share by messages. Its claims,
 * their experiments at full and short size, its caption, question and exercise check (whose
 * worker side is counter-watch.ts).
 */
import { describeMachine } from "../../environment";
import { pythonSharedCounter, type PythonCounterResult } from "../../experiment/python-experiments";
import { run } from "../../experiment/run";
import { formatDuration } from "../../measure/format";
import { findPython } from "../../python";
import { countTo } from "../../tasks/cpu";
import { taskSource } from "../../tasks/task-source";
import type { Chapter, ChapterResults, Size } from "../chapter";
import { verdictOf, type Check, type Claim, type Verdict } from "../claims";
import type { CounterThreadReport } from "../counter-watch";
import { attempt, count, ExerciseResult, wrongResult } from "../exercise-kit";
import { claim, coresText, ms, NO_CPYTHON } from "../judging";
import { type Question } from "../questions";

export type { CounterThreadReport };

/** 08: shared state on threads needs atomics or a lock; async races only at awaits; processes share by messages. */
export function sharedStateClaims(lost: { plain: number; atomic: number; locked: number; expected: number }, eventLoop: { withAwait: number; withoutAwait: number; expected: number }, messages: { sum: number; expected: number }, cores: number): Claim[] {
  const broken = lost.atomic !== 0 || lost.locked !== 0;
  // Atomics or a lock losing an update is a broken run; a plain ++ losing none where two cores ran it is evidence against the claim.
  const threadsCheck: Check = broken ? "unclear" : lost.plain > 0 ? "yes" : cores >= 2 ? "no" : "unclear";
  const asyncShown = eventLoop.withoutAwait === eventLoop.expected && eventLoop.withAwait < eventLoop.expected;
  return [
    claim({
      id: "decision.shared-threads",
      section: "08-shared-state",
      claim: "Threads share memory easily, but shared updates need locking.",
      measured: `2 worker threads × ${lost.expected / 2} increments of one SharedArrayBuffer: ${lost.plain.toLocaleString("en-US")} lost without atomics, ${lost.atomic} with Atomics.add, ${lost.locked} with a lock`,
      verdict: verdictOf(threadsCheck),
      reason:
        threadsCheck === "yes"
          ? "unsynchronised read-modify-write lost updates; atomics and the lock lost none. Node's worker threads share only such buffers: objects sent between them are copied, or moved with a transfer list"
          : broken
            ? "atomics or the lock lost updates: the measurement went wrong (a bug), which says nothing about the claim"
            : threadsCheck === "no"
              ? `no update was lost although the threads ran on ${coresText(cores)}: plain increments were safe in this run`
              : "no update was lost, but on one core the threads rarely switch in the middle of an update, so this run cannot tell",
      rule: "holds if plain increments lost updates while Atomics.add and the lock lost none; differs if plain increments lost none on 2 or more cores; unclear on one core with none lost, or if atomics or the lock lost any (a broken run)",
      observed: { plainLost: lost.plain, atomicLost: lost.atomic, lockedLost: lost.locked },
    }),
    claim({
      id: "decision.shared-async",
      section: "08-shared-state",
      claim: "With no preemption, async code leaves less room for races, provided nothing blocks the loop.",
      measured: `100 deposits: ${eventLoop.withoutAwait}/${eventLoop.expected} kept when read and write are not split by an await, ${eventLoop.withAwait}/${eventLoop.expected} when they are`,
      verdict: asyncShown ? "holds" : "unclear",
      reason: asyncShown
        ? "on one thread a task is never interrupted between two awaits, so races can only happen across an await"
        : "the deposits did not show what one thread guarantees (none lost without an await, some lost across one): the measurement went wrong",
      rule: "holds if every deposit was kept without an await between read and write, and some were lost with one",
      kind: "demonstration",
    }),
    claim({
      id: "decision.shared-processes",
      section: "08-shared-state",
      claim: "Processes share nothing unless asked: they talk through messages (IPC), which isolates them best.",
      measured: `2 processes counted their halves and sent the results back: ${messages.sum.toLocaleString("en-US")} of ${messages.expected.toLocaleString("en-US")}`,
      verdict: messages.sum === messages.expected ? "holds" : "unclear",
      reason: messages.sum === messages.expected ? "no memory was shared, so there was nothing to race on" : "the messages did not add up to the full count: the measurement went wrong (a lost message or a bug), which says nothing about sharing",
      rule: "holds if the sum of the messages is the full count",
      kind: "demonstration",
    }),
  ];
}

/** What the CPython counter experiment reports: lost updates per run, without and with a Lock, and who ran it. */
interface CounterRuns {
  readonly threads: number;
  readonly times: number;
  readonly plain: readonly { readonly lost: number }[];
  readonly locked: readonly { readonly lost: number }[];
  readonly interpreter: { readonly version: string; readonly gil: boolean; readonly switchIntervalS: number };
}

const SHARED_PYTHON_CLAIM = "In CPython too, threads that update shared data without a lock can lose updates: `counter += 1` is a read, an add and a write, and another thread can run in between.";

/**
 * 08: the article's shared-state claim for Python, decided on CPython's own counter
 * (pythonSharedCounter): holds if a run without a Lock lost updates while every run with one lost
 * none; differs if no run without a Lock lost any (on this interpreter the race did not show);
 * unclear if a locked run lost any (a broken run). Not measured without CPython.
 */
export function cpythonSharedCounter(result: CounterRuns | null): Claim {
  const parts = { id: "decision.shared-python", section: "08-shared-state", claim: SHARED_PYTHON_CLAIM };
  if (!result) return claim({ ...parts, measured: "no CPython run", verdict: "not measured", reason: NO_CPYTHON, rule: "needs CPython's shared counter (pythonSharedCounter)" });
  const lost = result.plain.map((r) => r.lost);
  const lockedLost = result.locked.reduce((sum, r) => sum + r.lost, 0);
  const { version, gil, switchIntervalS } = result.interpreter;
  const who = `CPython ${version} (GIL ${gil ? "on" : "off"}, switch interval ${ms(switchIntervalS * 1000)})`;
  const verdict: Verdict = lockedLost > 0 ? "unclear" : lost.some((n) => n > 0) ? "holds" : "differs";
  const expected = (result.threads * result.times).toLocaleString("en-US");
  return claim({
    ...parts,
    measured: `${who}: ${result.threads} threads × ${result.times.toLocaleString("en-US")} \`counter[0] += 1\`, ${lost.length} runs: ${lost.map((n) => n.toLocaleString("en-US")).join(", ")} of ${expected} lost without a Lock, ${lockedLost.toLocaleString("en-US")} with one`,
    verdict,
    reason:
      verdict === "holds"
        ? "another thread ran between a read and its write, and the write overwrote its update; the Lock made each update whole"
        : verdict === "differs"
          ? gil
            ? "no run lost an update: this interpreter lets the GIL change hands only at certain points (a loop's back edge, a call), never inside this statement, so the race the language allows did not show. Python's documentation still gives no such promise, and CPython up to 3.9, or a free-threaded build, loses updates here"
            : "no run lost an update although the GIL was off: the threads may not have overlapped"
          : "a run under the Lock lost updates: the measurement went wrong (a bug), which says nothing about the claim",
    rule: "holds if some run without a Lock lost updates and no run with one did; differs if no run without a Lock lost any; unclear if a run with the Lock lost any",
  });
}

/**
 * The sentence for CPython's shared counter (pythonSharedCounter): who ran it (version, GIL,
 * switch interval) and what each run lost without and with a Lock; says so where no CPython ran.
 */
export function cpythonCounterCaption(
  result: { readonly threads: number; readonly times: number; readonly plain: readonly { readonly lost: number }[]; readonly locked: readonly { readonly lost: number }[]; readonly interpreter: { readonly version: string; readonly gil: boolean; readonly switchIntervalS: number } } | null,
): string {
  if (!result) return "No CPython 3.8+ found: the claim about Python's threads is not measured here.";
  const { version, gil, switchIntervalS } = result.interpreter;
  const lost = (runs: readonly { readonly lost: number }[]): string => runs.map((r) => r.lost.toLocaleString("en-US")).join(", ");
  return (
    `CPython ${version} (GIL ${gil ? "on" : "off"}, switch interval ${ms(switchIntervalS * 1000)}), ${result.threads} threads × ${result.times.toLocaleString("en-US")} \`counter[0] += 1\` ` +
    `of ${(result.threads * result.times).toLocaleString("en-US")}: lost ${lost(result.plain)} without a Lock, ${lost(result.locked)} with one (one number per run).`
  );
}

/**
 * 08's check: threads; additions per thread in the watched run (every access to the counter goes
 * through a Proxy there, so fewer) and in the plain run; how many of each thread's reads of the
 * counter are held open, and for at most how long; how long threads wait for each other to start.
 */
export const COUNTER_CHECK = { threads: 4, watchedTimes: 20_000, times: 1_000_000, pausedReads: 2, pauseMs: 2_000, startMs: 10_000 } as const;

/** What one thread of the watched run saw its task do with the counter (cell 0 of the shared buffer). */
/**
 * Runs on each worker thread of 08's watched run: the watching is counter-watch.ts's `watchedCount`,
 * which this task (it travels to the worker as text) requires by the path it is given.
 */
function watchedCounterTask(
  watcher: string, shared: SharedArrayBuffer, times: number, control: SharedArrayBuffer, threads: number, source: string, name: string, pausedReads: number, pauseMs: number, startMs: number,
): CounterThreadReport {
  const { watchedCount } = require(watcher) as typeof import("../counter-watch");
  return watchedCount(shared, times, control, threads, source, name, pausedReads, pauseMs, startMs);
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
      args: [require.resolve("../counter-watch"), shared, watchedTimes, control, threads, source, name, pausedReads, pauseMs, startMs],
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

// The three counter tasks share a start line in cells[2]: each thread checks in and spins until
// both are there, so that the two loops overlap instead of one ending before the other has begun.

/** Adds 1 to cells[0] `times` times with a plain `++`: a read, an add and a write that can interleave. */
export function addPlain(shared: SharedArrayBuffer, times: number): number {
  const cells = new Int32Array(shared);
  Atomics.add(cells, 2, 1);
  while (Atomics.load(cells, 2) < 2);
  for (let i = 0; i < times; i++) cells[0]++;
  return times;
}

/** Adds 1 to cells[0] `times` times with `Atomics.add`: one indivisible step. */
export function addAtomic(shared: SharedArrayBuffer, times: number): number {
  const cells = new Int32Array(shared);
  Atomics.add(cells, 2, 1);
  while (Atomics.load(cells, 2) < 2);
  for (let i = 0; i < times; i++) Atomics.add(cells, 0, 1);
  return times;
}

/** Adds 1 to cells[0] `times` times under a lock in cells[1] (0 free, 1 taken): the threads take turns. */
export function addLocked(shared: SharedArrayBuffer, times: number): number {
  const cells = new Int32Array(shared);
  Atomics.add(cells, 2, 1);
  while (Atomics.load(cells, 2) < 2);
  for (let i = 0; i < times; i++) {
    while (Atomics.compareExchange(cells, 1, 0, 1) !== 0) Atomics.wait(cells, 1, 1);
    cells[0]++;
    Atomics.store(cells, 1, 0);
    Atomics.notify(cells, 1, 1);
  }
  return times;
}

/** One way of counting in the shared-counter experiment, and what it counted. */
export interface CounterRow {
  readonly method: "plain ++" | "Atomics.add" | "lock";
  readonly expected: number;
  readonly counted: number;
  readonly lost: number;
  readonly wallMs: number;
}

/**
 * Two worker threads each add 1 to one shared integer `times` times, three ways (plain `++`,
 * `Atomics.add`, a lock); returns a row per way, and the losses in the shape `sharedStateClaims` reads.
 */
export async function sharedCounter(times: number): Promise<{ rows: CounterRow[]; lost: { plain: number; atomic: number; locked: number; expected: number } }> {
  const ways = [["plain ++", addPlain], ["Atomics.add", addAtomic], ["lock", addLocked]] as const;
  const rows: CounterRow[] = [];
  for (const [method, task] of ways) {
    const shared = new SharedArrayBuffer(12);
    const r = await run({ strategy: "threads", task, args: [shared, times], copies: 2, warmup: 0 });
    const counted = new Int32Array(shared)[0]!;
    rows.push({ method, expected: 2 * times, counted, lost: 2 * times - counted, wallMs: r.wallMs });
  }
  const lostBy = (method: CounterRow["method"]): number => rows.find((row) => row.method === method)!.lost;
  return { rows, lost: { plain: lostBy("plain ++"), atomic: lostBy("Atomics.add"), locked: lostBy("lock"), expected: 2 * times } };
}

/**
 * 100 deposits into one account on the event loop, each reading the balance and writing it back
 * plus one: once with an await between the read and the write, once without.
 */
export async function depositRace(): Promise<{ withAwait: number; withoutAwait: number; expected: number }> {
  const depositAll = async (splitByAwait: boolean): Promise<number> => {
    const account = { balance: 0 };
    await Promise.all(
      Array.from({ length: 100 }, async () => {
        const seen = account.balance;
        if (splitByAwait) await new Promise((resolve) => setTimeout(resolve, 1));
        account.balance = seen + 1;
      }),
    );
    return account.balance;
  };
  return { withAwait: await depositAll(true), withoutAwait: await depositAll(false), expected: 100 };
}

/** Two child processes each count to `times` (their half) and send the counts back as messages; the parent adds them. */
export async function countByMessages(times: number): Promise<{ halves: number[]; sum: number; expected: number }> {
  const r = await run({ strategy: "processes", task: countTo, args: [times], copies: 2, warmup: 0 });
  const halves = r.results as number[];
  return { halves, sum: halves.reduce((a, b) => a + b, 0), expected: 2 * times };
}

/** The shared-counter rows with the column names a table shows. */
export function counterRows(rows: readonly CounterRow[]): Record<string, string | number>[] {
  return rows.map((r) => ({ method: r.method, expected: r.expected, counted: r.counted, lost: r.lost, "wall time (ms)": r.wallMs }));
}

/** How big 08's experiments run: in the notebook (full), and when the summary needs its verdicts (short). */
const SIZES = {
  full: { times: 5_000_000, python: { times: 500_000, runs: 5 } },
  short: { times: 1_000_000, python: { times: 200_000, runs: 3 } },
} as const;

/** Two threads adding to one shared integer 5,000,000 times each (1,000,000 short), three ways; see sharedCounter. */
export function counterRun(size: Size = "full"): ReturnType<typeof sharedCounter> {
  return sharedCounter(SIZES[size].times);
}

/** The same race in CPython: two threads × 500,000 `+= 1` (200,000 short), 5 runs (3 short) each way. Null without CPython 3.8+. */
export async function pythonCounterRun(size: Size = "full"): Promise<PythonCounterResult | null> {
  return findPython() ? pythonSharedCounter(SIZES[size].python) : null;
}

/** Two child processes that each count half of 5,000,000 (1,000,000 short) and send back their halves; see countByMessages. */
export function messagesRun(size: Size = "full"): ReturnType<typeof countByMessages> {
  return countByMessages(SIZES[size].times);
}

/** 08's experiments at their short size, judged. */
export async function shortRun(): Promise<ChapterResults> {
  const cores = describeMachine().cores;
  const counter = await counterRun("short");
  const messages = await messagesRun("short");
  const pyCounter = await pythonCounterRun("short");
  return { claims: [...sharedStateClaims(counter.lost, await depositRace(), messages, cores), cpythonSharedCounter(pyCounter)], data: { cores } };
}

/** Asked before the experiment that decides decision.shared-threads. */
const ASKED_SHARED_THREADS: Question = {
  id: "decision.shared-threads",
  text: "Two worker threads each add 1 to the same shared counter five million times with a plain `++`, and the same again with `Atomics.add`. What will the counter read?",
  choices: {
    a: "under ten million with `++`, exactly ten million with `Atomics.add`: a `++` can be cut in the middle by the other thread",
    b: "exactly ten million both ways: each `++` is a single step",
    c: "under ten million both ways: threads cannot share a counter at all",
  },
  predicts: { a: "updates lost with ++, none with Atomics.add", b: "no update lost either way", c: "updates lost both ways" },
  choose: ({ plainLost, atomicLost }) =>
    plainLost === undefined || atomicLost === undefined ? null : atomicLost === 0 ? (plainLost > 0 ? "a" : "b") : plainLost > 0 ? "c" : null,
};

export const chapter: Chapter = {
  id: "08-shared-state",
  title: "08 · Shared state: races, atomics and messages",
  question: "When tasks share state, what goes wrong, and what keeps it right on threads, async code and processes?",
  about: "its third question: a shared counter on threads (plain, atomic, locked), races across awaits, processes that share by messages",
  claims: ["decision.shared-threads", "decision.shared-async", "decision.shared-processes", "decision.shared-python"],
  questions: [ASKED_SHARED_THREADS],
  shortRun,
};
