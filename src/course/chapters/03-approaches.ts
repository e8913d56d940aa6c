/**
 * Chapter 03, the mechanisms and what they cost: start-up and memory of an async task, a thread and
 * a process (Node's and CPython's), preemption (more threads than CPUs all progress) and cooperation
 * (an async function that never awaits starves its siblings). Its claims, their experiments at
 * full and short size, the numbers it saves for 04, its captions, question and exercise check.
 */
import { describeMachine } from "../../environment";
import { checkInteger } from "../../errors";
import { calibrate } from "../../experiment/calibrate";
import { compare, type CompareResult } from "../../experiment/compare";
import { run, type RunResult } from "../../experiment/run";
import type { MemoryPerUnit, StartupSamples } from "../../experiment/unit-costs";
import { measureMemory, measurePythonMemoryRounds, measurePythonStartup, measureStartup, type PythonStartupSamples } from "../../experiment/unit-costs";
import { formatBytes, formatDuration } from "../../measure/format";
import type { LoopLagResult } from "../../measure/loop-lag";
import { loopLag } from "../../measure/loop-lag";
import { interval, median } from "../../measure/stats";
import { cpuBetween, threadCpuMs } from "../../measure/thread-cpu";
import { findPython } from "../../python";
import { MAX_PARALLEL_COPIES } from "../../strategies/descriptors";
import { countTo, MAX_COUNT } from "../../tasks/cpu";
import { sleep } from "../../tasks/io";
import { times } from "../captions";
import type { Chapter, ChapterResults, Size } from "../chapter";
import { verdictOf, type Check, type Claim } from "../claims";
import { attempt, ExerciseResult, OtherRunners, otherRunnersText, threw, watchOtherRunners, wrongResult } from "../exercise-kit";
import { bytes, claim, coresText, handoffText, ms, NO_CPYTHON, strategy, x } from "../judging";
import { byRepeat, maxConcurrency } from "../overlap";
import { type Question } from "../questions";

/**
 * Is the typical value of `lower` below that of `higher`? "yes" when their 95 % intervals do not
 * overlap in that order, "no" when they do not overlap the other way round, else unclear.
 */
export function orderOf(lower: readonly number[], higher: readonly number[]): Check {
  // A start-up can read 0 on a coarse clock; the intervals are on a log scale.
  const positive = (samples: readonly number[]): number[] => samples.map((v) => Math.max(v, 1e-6));
  const a = interval(positive(lower));
  const b = interval(positive(higher));
  return a.high < b.low ? "yes" : b.high < a.low ? "no" : "unclear";
}

/** One runtime's three start-up medians in words. */
function startupText(startups: readonly StartupSamples[], names: readonly [string, string, string]): string {
  const med = (kind: string): string => handoffText(startups, kind);
  return `${names[0]} ${med("async")}, ${names[1]} ${med("threads")}, ${names[2]} ${med("processes")}`;
}

const CPYTHON_UNITS = ["asyncio task", "thread", "process"] as const;

const NODE_UNITS = ["async task", "worker thread", "child process"] as const;

/**
 * 03: threads are cheaper to start than processes; coroutines cheaper still. The article's claim
 * is about Python's threading, multiprocessing and asyncio, so it is decided on CPython's samples
 * (`python`, from measurePythonStartup) and not measured without them; Node's (`node`) are quoted
 * as the course's translation.
 */
export function startupCosts(node: readonly StartupSamples[], python: readonly StartupSamples[] | null = null): Claim {
  const parts = {
    id: "approaches.startup",
    section: "03-approaches",
    claim: "Creating threads is faster than creating processes (processes are heavyweight); coroutines cost almost nothing.",
  };
  const nodeText = `Node (the translation), median: ${startupText(node, NODE_UNITS)}`;
  if (!python) return claim({ ...parts, measured: `no CPython run; ${nodeText}`, verdict: "not measured", reason: NO_CPYTHON, rule: "needs CPython's start-up samples (measurePythonStartup)" });
  const samples = (kind: string): readonly number[] => python.find((s) => s.strategy === kind)?.samplesMs ?? [];
  const [as, ts, ps] = [samples("async"), samples("threads"), samples("processes")];
  if (as.length === 0 || ts.length === 0 || ps.length === 0) throw new RangeError("python must hold async, threads and processes samples from measurePythonStartup(); measure all three");
  const [a, t, p] = [median(as), median(ts), median(ps)];
  const steps = [orderOf(as, ts), orderOf(ts, ps)];
  const check: Check = steps.includes("no") ? "no" : steps.every((c) => c === "yes") ? "yes" : "unclear";
  return claim({
    ...parts,
    measured: `CPython, median start-up: ${startupText(python, CPYTHON_UNITS)} (${as.length}, ${ts.length} and ${ps.length} samples); ${nodeText}`,
    verdict: verdictOf(check),
    reason:
      check === "yes"
        ? `in CPython a process started ${x(p / t)} slower than a thread, a thread ${x(t / a)} slower than an asyncio task`
        : check === "no"
          ? "CPython's start-up times did not come in the order asyncio task < thread < process"
          : "the samples of two neighbours overlapped too much to order them",
    rule: "holds if the 95 % intervals of CPython's start-up times lie in the order asyncio task < thread < process, each below the next without overlap; differs if one lies wholly above the next; else unclear",
  });
}

/**
 * A thread "costs little" next to a process at most this share of one (a CPython thread, mostly
 * its touched stack, costs about 1 %), and clearly does not from the second share up (a Node
 * worker, with its own isolate, measures 35-45 % here). In between, one reading cannot tell.
 */
export const THREAD_SHARE_OF_PROCESS = { little: 0.1, notLittle: 0.2 } as const;

/** How many times less than a thread an async task must cost to count as the least: the meters differ (heap or tracemalloc against resident pages). */
export const ASYNC_LEAST_FACTOR = 2;

/** One unit's memory, as measureMemory and measurePythonMemory report it. */
export interface UnitMemory {
  readonly strategy: string;
  readonly bytesPerUnit: number;
  readonly metric: string;
}

/** One runtime's memory per unit in words, each with its meter. */
function memoryText(measures: readonly UnitMemory[], names: readonly [string, string, string]): string {
  const of = (kind: string): string => {
    const found = measures.find((m) => m.strategy === kind);
    return found ? `${bytes(found.bytesPerUnit)} (${found.metric})` : "not measured";
  };
  return `${names[0]} ${of("async")}, ${names[1]} ${of("threads")}, ${names[2]} ${of("processes")}`;
}

/**
 * 03: memory per unit: async tasks least, threads little (they share their process's memory),
 * processes much. About Python's units, so decided on CPython's (`python`, from
 * measurePythonMemory) and not measured without them; Node's (`node`) are quoted as the
 * translation, where a worker thread carries a whole isolate.
 */
export function memoryCosts(node: readonly UnitMemory[], python: readonly UnitMemory[] | null = null): Claim {
  const parts = {
    id: "approaches.memory",
    section: "03-approaches",
    claim: "Memory: threads share their process's memory and cost little, processes are separate and cost much, async tasks cost least.",
  };
  const nodeText = `Node (the translation): ${memoryText(node, NODE_UNITS)}; a Node worker thread shares no objects and carries its own V8 isolate and heap`;
  if (!python) return claim({ ...parts, measured: `no CPython run; ${nodeText}`, verdict: "not measured", reason: NO_CPYTHON, rule: "needs CPython's memory per unit (measurePythonMemory)" });
  const per = (kind: string): number => python.find((m) => m.strategy === kind)?.bytesPerUnit ?? Number.NaN;
  const [a, t, p] = [per("async"), per("threads"), per("processes")];
  const share = t / p;
  const asyncLeast = a * ASYNC_LEAST_FACTOR < t;
  const check: Check = !asyncLeast || share >= THREAD_SHARE_OF_PROCESS.notLittle ? "no" : share <= THREAD_SHARE_OF_PROCESS.little ? "yes" : "unclear";
  const percent = `${(100 * share).toFixed(1)}%`;
  return claim({
    ...parts,
    measured:
      `CPython, per unit: ${memoryText(python, CPYTHON_UNITS)}; ${nodeText}. ` +
      "Each unit is read with the meter that fits it, so compare the order and the magnitudes, not exact ratios",
    verdict: verdictOf(check),
    reason:
      check === "yes"
        ? `a CPython thread cost ${percent} of a process, an asyncio task about 1/${Math.round(t / a)} of a thread`
        : !asyncLeast
          ? `an asyncio task did not cost under 1/${ASYNC_LEAST_FACTOR} of a thread in this run`
          : check === "no"
            ? `a CPython thread cost ${percent} of a process: not the little of a thread that shares its process's memory`
            : `a CPython thread cost ${percent} of a process: between little and not little, so one reading cannot tell`,
    rule:
      `holds if an asyncio task cost under 1/${ASYNC_LEAST_FACTOR} of a thread and a thread at most ${THREAD_SHARE_OF_PROCESS.little * 100}% of a process; ` +
      `differs if the asyncio task did not, or the thread cost ${THREAD_SHARE_OF_PROCESS.notLittle * 100}% or more; else unclear`,
  });
}

/** 03: cooperative switching: a task that never awaits starves its siblings on the event loop. */
export function cooperativeSwitching(starved: LoopLagResult<unknown>, fair: LoopLagResult<unknown>): Claim {
  const holds = starved.maxLateMs > 4 * Math.max(fair.maxLateMs, 1);
  return claim({
    id: "approaches.cooperative",
    section: "03-approaches",
    claim: "Async switching is cooperative: the code decides when to yield, so a task that never awaits holds up every other task.",
    measured: `siblings' 10 ms timer: up to ${ms(starved.maxLateMs)} late beside a CPU loop in an async function, up to ${ms(fair.maxLateMs)} beside the same loop on a worker thread`,
    verdict: holds ? "holds" : "unclear",
    reason: holds
      ? "nothing preempted the async function: its siblings waited until it finished. On a worker thread the work left the main thread free (preemption itself is the next claim)"
      : "the starvation did not show in this run: the measurement went wrong, since nothing can preempt a running JavaScript function",
    rule: "holds if the timer beside the loop on the event loop was over 4 times as late as beside the loop on a worker thread (at least 1 ms)",
    kind: "demonstration",
  });
}

/** 03: the OS preempts threads (all copies progress at once even beyond the core count); the event loop does not. */
export function preemptiveThreads(result: CompareResult): Claim {
  const threadsMost = Math.min(...byRepeat(strategy(result, "threads").spans).map(maxConcurrency));
  const loopMost = Math.max(...byRepeat(strategy(result, "eventLoop").spans).map(maxConcurrency));
  const cores = result.environment.cores;
  const holds = threadsMost === result.copies && loopMost === 1;
  // With a core per copy, overlapping threads show parallelism, not the OS taking turns.
  const shown = result.copies > cores;
  return claim({
    id: "approaches.preemptive",
    section: "03-approaches",
    claim: "Threads are switched preemptively: the OS decides, so every thread makes progress even when there are more threads than cores.",
    measured: `${result.copies} CPU copies on ${coresText(cores)}: on threads ${threadsMost} ran at once; on the event loop at most ${loopMost} ran at once`,
    verdict: shown ? (holds ? "holds" : "differs") : "not measured",
    reason: !shown
      ? `each copy had a core of its own, so overlap shows parallelism, not preemption; it takes more copies than cores (${coresText(cores)})`
      : holds
        ? "the OS time-sliced the cores between all the threads; the event loop ran each copy to its end before the next"
        : "the overlap pattern differs from the claim in this run",
    rule: "judged only with more copies than CPUs; holds if all copies on threads were running at once in every repeat, and never more than 1 on the event loop",
    observed: { median: threadsMost, low: threadsMost, high: threadsMost, copies: result.copies, cores },
  });
}

/** The sentence under the start-up figure: medians and how many times slower each unit started than the one before. */
export function startupCaption(startups: readonly StartupSamples[]): string {
  const ordered = [...startups].map((s) => ({ name: s.strategy, ms: median(s.samplesMs) })).sort((a, b) => a.ms - b.ms);
  const parts = ordered.map((u, i) => `${u.name} ${ms(u.ms)}${i > 0 && ordered[i - 1]!.ms > 0 ? ` (${times(u.ms / ordered[i - 1]!.ms)} the ${ordered[i - 1]!.name})` : ""}`);
  return `Median start-up here, fastest first: ${parts.join(", ")}.`;
}

/** The sentence under the memory figure: bytes per unit, each with its meter, and the ratios between them. */
export function memoryCaption(memory: readonly { readonly strategy: string; readonly bytesPerUnit: number; readonly metric: string }[]): string {
  const ordered = [...memory].sort((a, b) => a.bytesPerUnit - b.bytesPerUnit);
  const parts = ordered.map((u, i) => `${u.strategy} ${formatBytes(u.bytesPerUnit)} (${u.metric})${i > 0 && ordered[i - 1]!.bytesPerUnit > 0 ? `, ${times(u.bytesPerUnit / ordered[i - 1]!.bytesPerUnit)} the ${ordered[i - 1]!.strategy}` : ""}`);
  return `Memory per unit here, least first: ${parts.join("; ")}.`;
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

/** One number per unit of concurrency. */
export interface PerUnit<T> {
  readonly async: T;
  readonly threads: T;
  readonly processes: T;
}

/** What 03 saves: median start-up, memory per unit and the meter each memory figure comes from. */
export interface ApproachesData {
  readonly startupMedianMs: PerUnit<number>;
  readonly memoryBytesPerUnit: PerUnit<number>;
  readonly memoryMetric: PerUnit<string>;
  /** The same for CPython's asyncio tasks, threads and processes; null (or absent in older results) where no CPython ran. */
  readonly cpython?: { readonly startupMedianMs: PerUnit<number>; readonly memoryBytesPerUnit: PerUnit<number>; readonly memoryMetric: PerUnit<string> } | null;
}

/** CPython's start-up samples and memory per unit (medians of its rounds), as 03 measures them. */
export interface CPythonUnitCosts {
  readonly startups: readonly PythonStartupSamples[];
  readonly memory: readonly UnitMemory[];
}

/** How big 03's experiments run: in the notebook (full), and when the summary needs its verdicts (short). */
const SIZES = {
  full: { startups: { async: 200, threads: 15, processes: 10 }, memory: { async: 10_000, threads: 4, processes: 4 }, cpythonRounds: 20, taskMs: 150, preemptionRepeats: 2, crunchTimes: 2 },
  short: { startups: { async: 50, threads: 5, processes: 4 }, memory: { async: 5_000, threads: 2, processes: 2 }, cpythonRounds: 10, taskMs: 60, preemptionRepeats: 1, crunchTimes: 3 },
} as const;

/**
 * 03's CPython column: start-up of an asyncio task, a thread and a process (20 interleaved
 * rounds, 10 short), and memory per unit (3 rounds, each in a fresh interpreter; the median reading). Null
 * where no CPython 3.8+ is found. About 3 s here.
 */
export async function cpythonUnitCosts(size: Size = "full"): Promise<CPythonUnitCosts | null> {
  if (!findPython()) return null;
  const startups = await measurePythonStartup(undefined, { rounds: SIZES[size].cpythonRounds });
  const memory = (await measurePythonMemoryRounds()).map((m) => ({ strategy: m.strategy, bytesPerUnit: median(m.bytesPerUnitSamples), metric: m.metric }));
  return { startups, memory };
}

function perUnit<S extends { readonly strategy: string }, T>(items: readonly S[], pick: (item: S) => T, what: string): PerUnit<T> {
  const of = (unit: keyof PerUnit<T>): T => {
    const item = items.find((i) => i.strategy === unit);
    if (!item) throw new RangeError(`${what} has no ${unit} measurement; measure async, threads and processes`);
    return pick(item);
  };
  return { async: of("async"), threads: of("threads"), processes: of("processes") };
}

function unitNumbers(startups: readonly StartupSamples[], memory: readonly UnitMemory[]): Omit<ApproachesData, "cpython"> {
  return {
    startupMedianMs: perUnit(startups, (s) => median(s.samplesMs), "startups"),
    memoryBytesPerUnit: perUnit(memory, (m) => m.bytesPerUnit, "memory"),
    memoryMetric: perUnit(memory, (m) => m.metric, "memory"),
  };
}

/** The numbers 03 saves, from its start-up samples and memory measurements of the three units, Node's and CPython's. */
export function approachesData(startups: readonly StartupSamples[], memory: readonly MemoryPerUnit[], cpython: CPythonUnitCosts | null = null): ApproachesData {
  return { ...unitNumbers(startups, memory), cpython: cpython ? unitNumbers(cpython.startups, cpython.memory) : null };
}

/** Reads 03's saved numbers back. */
export function readApproachesData(data: Readonly<Record<string, unknown>>): ApproachesData {
  for (const key of ["startupMedianMs", "memoryBytesPerUnit", "memoryMetric"] as const) {
    if (typeof data[key] !== "object" || data[key] === null) throw new TypeError(`03's saved results lack ${key}; run 03-approaches again`);
  }
  return data as unknown as ApproachesData;
}

/**
 * Copies for the preemption experiment (03): twice the CPUs, so threads must take turns, at least 4,
 * and never more than compare() runs at once (on 33 or more CPUs preemption cannot be shown).
 */
export function preemptionCopies(cores: number): number {
  return Math.min(MAX_PARALLEL_COPIES, Math.max(4, 2 * cores));
}

/** Start-up latency of Node's three units: 200 async tasks, 15 worker threads, 10 child processes (50, 5, 4 short). */
export async function startupRun(size: Size = "full"): Promise<StartupSamples[]> {
  const { async, threads, processes } = SIZES[size].startups;
  return [await measureStartup("async", async), await measureStartup("threads", threads), await measureStartup("processes", processes)];
}

/** Memory per idle unit of Node's three: 10,000 async tasks, 4 worker threads, 4 child processes (5,000, 2, 2 short). */
export async function memoryRun(size: Size = "full"): Promise<MemoryPerUnit[]> {
  const { async, threads, processes } = SIZES[size].memory;
  return [await measureMemory("async", async), await measureMemory("threads", threads), await measureMemory("processes", processes)];
}

/** The count that takes about 150 ms here (60 ms short). */
export function taskSize(size: Size = "full"): Promise<number> {
  return calibrate(countTo, { targetMs: SIZES[size].taskMs });
}

/**
 * The preemption experiment: more copies of `countTo(n)` than CPUs (preemptionCopies), started
 * together on the event loop and on worker threads: threads must take turns, and the OS decides when.
 */
export function preemptionRun(n: number, size: Size = "full"): Promise<CompareResult> {
  return compare({ task: countTo, args: [n], copies: preemptionCopies(describeMachine().cores), strategies: ["eventLoop", "threads"], repeats: SIZES[size].preemptionRepeats, warmup: 1 });
}

/**
 * How late a sibling's timers run beside `crunch(k × n)` (an async function that computes without
 * awaiting) on the event loop, and beside the same count on a worker thread; k is 2 (3 short).
 */
export async function cooperativeRun(crunch: (size: number) => Promise<number>, n: number, size: Size = "full"): Promise<{ starved: LoopLagResult<number>; fair: LoopLagResult<RunResult> }> {
  const work = n * SIZES[size].crunchTimes;
  const starved = await loopLag(() => crunch(work));
  const fair = await loopLag(() => run({ strategy: "threads", task: countTo, args: [work], warmup: 0 }));
  return { starved, fair };
}

/** 03's experiments at their short size, judged. */
export async function shortRun(): Promise<ChapterResults> {
  // Memory first: threads started and ended before would leave freed pages resident, and the next
  // workers' RSS growth would undercount them.
  const memory = await memoryRun("short");
  const startups = await startupRun("short");
  const cpython = await cpythonUnitCosts("short");
  const n = await taskSize("short");
  const switching = await preemptionRun(n, "short");
  const crunch = async (work: number): Promise<number> => {
    await sleep(10);
    return countTo(work);
  };
  const { starved, fair } = await cooperativeRun(crunch, n, "short");
  return {
    claims: [startupCosts(startups, cpython?.startups ?? null), memoryCosts(memory, cpython?.memory ?? null), preemptiveThreads(switching), cooperativeSwitching(starved, fair)],
    data: { ...approachesData(startups, memory, cpython), cores: describeMachine().cores },
  };
}

/** Asked before the experiment that decides approaches.preemptive. */
const ASKED_PREEMPTIVE: Question = {
  id: "approaches.preemptive",
  text: "More copies of a CPU-bound count than there are CPUs start together, each on a worker thread of its own. While they run, how many of them are in progress at the same time?",
  choices: {
    a: "all of them: the operating system slices the CPUs' time between the threads",
    b: "as many as there are CPUs: the others wait until a thread finishes",
    c: "one: the threads run one after another",
  },
  predicts: { a: "every copy in progress at once", b: "as many copies in progress as there are CPUs", c: "one copy in progress at a time" },
  choose: (o) => (o.median === o.copies ? "a" : o.median === o.cores ? "b" : o.median === 1 ? "c" : null),
};

export const chapter: Chapter = {
  id: "03-approaches",
  title: "03 · Threads, processes and async: the mechanisms and what they cost",
  question: "What do a thread, a process and an async task cost, and who decides when they switch?",
  about: "what a thread, a process and an async task cost (start-up, memory), preemptive vs cooperative switching",
  claims: ["approaches.startup", "approaches.memory", "approaches.preemptive", "approaches.cooperative"],
  questions: [ASKED_PREEMPTIVE],
  shortRun,
};
