/**
 * Every claim's verdict function, fed evidence for each outcome it can give, gives that outcome:
 * a test claim must be able to hold and to differ, a demonstration to be shown and to be unclear.
 * A run that went wrong (a broken measurement, threads that fell short with nothing to show the
 * cores were free) must give "unclear", never evidence for either side. The list of claims comes
 * from the verdicts' source, so a new claim without its outcomes here fails this test.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { summarize, type CompareResult, type LoopLagResult, type MemoryPerUnit, type Span, type StartupSamples, type StrategyKey, type SwitchSamples } from "conclab";
import { CHAPTERS, type Claim, type Verdict, approaches, choosing, concepts, cpuBound, cpythonToday, gil, judging, prosAndCons, sharedState, waiting, granularity, starvedLoop, libuvPool, backpressure, beyondOneMachine, compareCaption } from "conclab/course";
import { batches, killed, longJob, restarted, trips as queueTrips } from "../helpers/queue-evidence";
import type { PythonInterpreter } from "conclab";
import { handMadeResult, steady, testMachine } from "../helpers/results";

type Row = { wall: number[]; speedup: number[]; spans?: Span[]; coresBusy?: number[] };
const result = handMadeResult;
const base: Row = { wall: steady(300), speedup: steady(1), coresBusy: steady(1) };
/** A strategy whose copies kept `busy` CPUs busy and ran `speedup` times as fast as one after another. */
const ran = (speedup: number | number[], busy?: number | number[]): Row => {
  const up = typeof speedup === "number" ? steady(speedup) : speedup;
  return { wall: up.map((s) => 300 / s), speedup: up, ...(busy === undefined ? {} : { coresBusy: typeof busy === "number" ? steady(busy) : busy }) };
};
const noisy = [1.1, 1.9, 1.5];

/** Copies as spans: `overlapping` puts each on a lane of its own at the same time, else one after another on `main`. */
function spans(strategy: StrategyKey, copies: number, overlapping: boolean, repeats = 3): Span[] {
  return Array.from({ length: repeats * copies }, (_, i): Span => {
    const [repeat, copy] = [Math.floor(i / copies), i % copies];
    return {
      strategy, repeat, copy, pid: 1, threadId: overlapping ? copy + 1 : 0,
      lane: overlapping ? `thread ${copy + 1}` : "main", laneKind: overlapping ? "thread" : "main",
      startMs: overlapping ? 0 : copy * 100, endMs: overlapping ? 200 : copy * 100 + 100,
    };
  });
}

const lag = (maxLateMs: number): LoopLagResult<unknown> => ({ result: undefined, durationMs: 450, intervalMs: 10, ticks: [], maxLateMs, histogram: { p50Ms: 0, p99Ms: 0, maxMs: 0, samples: 0 }, utilization: 0 });
const pick = (claims: readonly Claim[], id: string): Claim => {
  const found = claims.find((c) => c.id === id);
  assert.ok(found, `${id} among ${claims.map((c) => c.id).join(", ")}`);
  return found;
};

// Node runs: threads and processes as `ran` rows beside sequential.
const node = (threads: Row, processes: Row | null, cores = 2, busy = false): CompareResult =>
  result(cores, 2, { sequential: base, threads, ...(processes ? { processes } : {}) }, busy);
// CPython runs: threads and processes beside python:sequential.
const cpython = (threads: Row, processes: Row, cores = 2, busy = false): CompareResult =>
  result(cores, 2, { "python:sequential": base, "python:threads": threads, "python:processes": processes }, busy);
const gilBound = ran(0.97, 1.01);
const parallel = ran(1.9, 1.95);
const flat = ran(1.02, 1.0);

const pinned = (busy: number): CompareResult => result(1, 2, { sequential: base, threads: { ...ran(1, busy), spans: spans("threads", 2, true) } });
const allCpus = (threads: Row): CompareResult => result(2, 2, { sequential: base, eventLoop: { ...ran(1, 1), spans: spans("eventLoop", 2, false) }, threads: { ...threads, spans: spans("threads", 2, true) } });

const startups = (a: number[], t: number[], p: number[]): StartupSamples[] => [
  { strategy: "async", samplesMs: a },
  { strategy: "threads", samplesMs: t },
  { strategy: "processes", samplesMs: p },
];
const nodeStartups = startups([0.001, 0.001, 0.001], [40, 45, 42], [60, 65, 62]);
const nodeMemory: MemoryPerUnit[] = [
  { strategy: "async", count: 1000, bytesPerUnit: 400, totalBytes: 400_000, metric: "heap" },
  { strategy: "threads", count: 2, bytesPerUnit: 8e6, totalBytes: 1.6e7, metric: "rss" },
  { strategy: "processes", count: 2, bytesPerUnit: 1.1e7, totalBytes: 2.2e7, metric: "pss" },
];
/** CPython's memory per unit with a thread costing `t` bytes (a process 3.5 MB). */
const memory = (t: number, task = 1200): approaches.UnitMemory[] => [
  { strategy: "async", bytesPerUnit: task, metric: "tracemalloc" },
  { strategy: "threads", bytesPerUnit: t, metric: "rss" },
  { strategy: "processes", bytesPerUnit: 3.5e6, metric: "pss" },
];
const nodeSwitches: SwitchSamples[] = [
  { strategy: "async", handoffs: 1000, samplesMs: [0.0001, 0.00012, 0.00011, 0.0001, 0.0001] },
  { strategy: "threads", handoffs: 1000, samplesMs: [0.004, 0.005, 0.0045, 0.004, 0.006] },
];
/** CPython's handoffs: an asyncio task through a future at about 2.5 µs, threads as given. */
const switches = (threads: number[]) => [
  { strategy: "async-future", samplesMs: [0.0025, 0.0026, 0.0024, 0.0025, 0.0025] },
  { strategy: "threads", samplesMs: threads },
];
const nodePoints = [{ copies: 1, wallMs: 101 }, { copies: 10_000, wallMs: 560 }];
const preemption = (threadsOverlap: boolean, cores: number): CompareResult =>
  result(cores, 4, { eventLoop: { ...ran(1), spans: spans("eventLoop", 4, false) }, threads: { ...ran(2), spans: spans("threads", 4, threadsOverlap) } });
const curve = (threads: number, processes: number, workers = 2, busy = false): choosing.ScalingPoint[] => [
  { strategy: "threads", workers, speedup: summarize(steady(threads)), coresBusy: summarize(steady(threads)), busy },
  { strategy: "processes", workers, speedup: summarize(steady(processes)), coresBusy: summarize(steady(processes)), busy },
];
const waits = (python: number[] | null): CompareResult =>
  result(2, 8, {
    sequential: { wall: steady(800), speedup: steady(1) },
    async: ran(7.3),
    threads: ran(6.1),
    ...(python ? { "python:sequential": { wall: steady(800), speedup: steady(1) }, "python:threads": ran(python) } : {}),
  });
const blocking = (threads: number[], loop: number[]): CompareResult => result(2, 2, { sequential: base, eventLoop: ran(loop), threads: ran(threads) });
const sleeps = (threads: number[]): CompareResult => result(2, 2, { "python:sequential": base, "python:threads": ran(threads) });
const race = { withAwait: 1, withoutAwait: 100, expected: 100 };
const counted = { sum: 10, expected: 10 };
const shared = (id: string, lost: { plain: number; atomic: number; locked: number }, cores = 2, deposits = race, messages = counted): Claim =>
  pick(sharedState.sharedStateClaims({ ...lost, expected: 100 }, deposits, messages, cores), id);

// 13: batches of 10,000 requests of 50 ms (memory held in MB), streams, deadlines, one failing task of five.
const batch = (limit: number | null, wallMs: number, mostOpen: number, heldMb: number, failed = 0): backpressure.BatchReport =>
  ({ requests: 10_000, limit, wallMs, mostOpen, failed, heldBytes: heldMb * 2 ** 20 });
const limited = (...batches: backpressure.BatchReport[]): backpressure.LimitRun => ({ requests: 10_000, delayMs: 50, batches });
const limits = (k100: backpressure.BatchReport, none: backpressure.BatchReport): backpressure.LimitRun => limited(k100, batch(1_000, 2_100, 1_000, 110), none);
const allAtOnce = batch(null, 2_000, 10_000, 180);
const flows = (piped: number, ignored: number): backpressure.FlowRun[] => [
  { way: "pipeline", totalBytes: 32 * 2 ** 20, chunkBytes: 65_536, highWaterMark: 262_144, mostBufferedBytes: piped, wallMs: 650 },
  { way: "write() ignored", totalBytes: 32 * 2 ** 20, chunkBytes: 65_536, highWaterMark: 262_144, mostBufferedBytes: ignored, wallMs: 700 },
];
const stopped = (strategy: string, latenessMs: number, outcome: backpressure.CancelPoint["outcome"] = "aborted", left = 0, cpuAfterMs = 2): backpressure.CancelPoint =>
  ({ strategy, deadlineMs: 500, settledMs: 500 + latenessMs, latenessMs, outcome, workMs: outcome === "finished" ? 500 + latenessMs : null, childrenLeft: left, cpuAfterMs, windowMs: 200 });
const mainLoop = (workMs: number): backpressure.CancelPoint => ({ ...stopped("sequential", workMs - 200, "finished"), deadlineMs: 200, settledMs: workMs, workMs });
const deadlines = (threads: backpressure.CancelPoint, loop: backpressure.CancelPoint | null = mainLoop(800)): backpressure.CancelPoint[] =>
  [stopped("async", 4), threads, stopped("processes", 20), stopped("python:sequential", 3), ...(loop ? [loop] : [])];
const failing = (all: Partial<backpressure.FailureRun>, settled: Partial<backpressure.FailureRun> = {}): backpressure.FailureRun[] => [
  { way: "Promise.all", settledMs: 51, rejected: true, finishedAtSettle: 0, finishedAfter: 4, siblings: 4, failMs: 50, workMs: 300, ...all },
  { way: "Promise.allSettled", settledMs: 300, rejected: false, finishedAtSettle: 4, finishedAfter: 4, siblings: 4, failMs: 50, workMs: 300, ...settled },
];
const asyncio = (group: Partial<NonNullable<backpressure.PythonCancelRun["taskGroup"]>> | null, timeout: Partial<NonNullable<backpressure.PythonCancelRun["timeout"]>> | null = {}): backpressure.PythonCancelRun => ({
  version: group === null ? "3.10.12" : "3.11.7",
  gather: { raisedAtMs: 51, finishedAtFailure: 0, finishedAfter: 4, cancelled: 0, siblings: 4 },
  taskGroup: group === null ? null : { raisedAtMs: 50, finishedAfter: 0, cancelled: 4, siblings: 4, ...group },
  timeout: group === null || timeout === null ? null : { deadlineMs: 100, stoppedAtMs: 101, finishedAfter: 0, cancelled: 1, ...timeout },
});

const nodeAsync = { requests: 10_000, failed: 0, wallMs: 2_000, addedBytes: 100e6 };
const nodePool = { threads: 32, requests: 10_000, failed: 0, wallMs: 9_000, addedBytes: 300e6 };
const conn = (bytesPerConnection: number, failed = 0, mostAtOnce = 5_000): choosing.ConnectionsRun => ({ count: 5_000, failed, wallMs: 1_800, mostAtOnce, bytesPerConnection });
const connections = (asyncio: choosing.ConnectionsRun, threads: choosing.ConnectionsRun) => ({ asyncio, threads });
const pyCounter = (plain: number[], locked: number[], version: string) => ({
  threads: 4, times: 500_000,
  plain: plain.map((lost) => ({ lost })), locked: locked.map((lost) => ({ lost })),
  interpreter: { version, gil: true, switchIntervalS: 0.005 },
});

// 14: CPython's own reports (a standard build, a free-threaded one with its GIL off), and its runs.
const standardBuild: PythonInterpreter = { version: "3.11.7", gil: true, freeThreadedBuild: false, switchIntervalS: 0.005, startMethod: "fork", executable: "/usr/bin/python3" };
const freeThreaded: PythonInterpreter = { version: "3.13.5", gil: false, freeThreadedBuild: true, switchIntervalS: 0.005, startMethod: "fork", executable: "/opt/python3.13t" };
const inPython = <T>(result: T, interpreter: PythonInterpreter = standardBuild): cpythonToday.Measured<T> => ({ result, interpreter, withGil: null });
/** A waiting thread's lateness per round (ms) beside a CPU-bound thread, at 5 and 20 ms switch intervals. */
const convoy = (at5: number[], at20: number[], who = standardBuild) =>
  inPython({ sleepMs: 2, wakes: 20, rounds: at5.length, points: [{ intervalMs: 5, aloneMs: [0.08, 0.09, 0.08], besideMs: at5 }, { intervalMs: 20, aloneMs: [0.08, 0.09, 0.08], besideMs: at20 }] }, who);
/** Two copies on threads and in processes keeping `threads` and `processes` CPUs busy per round. */
const cpuWays = (threads: number[], processes: number[], who = freeThreaded) => {
  const way = (busy: number[]) => ({ wallMs: busy.map(() => 100), cpuMs: busy.map((b) => b * 100) });
  return inPython({ loops: 1_000_000, copies: 2, ways: { sequential: way(threads.map(() => 1)), threads: way(threads), processes: way(processes) } }, who);
};
const lostUpdates = (plain: number[], locked: number[], who = freeThreaded) => inPython({ threads: 4, times: 200_000, plain: plain.map((lost) => ({ lost })), locked: locked.map((lost) => ({ lost })) }, who);
const starts = (fork: number[], spawn: number[]) => inPython({ defaultMethod: "fork", available: ["fork", "spawn"], methods: [{ method: "fork", samplesMs: fork }, { method: "spawn", samplesMs: spawn }] });
// 10: a granularity sweep (the smallest and the largest tasks on two workers), jobs with a serial
// part, message round trips by size, and the cores found.
const g = (v: number | number[]) => summarize(typeof v === "number" ? steady(v) : v);
const sweep = (tiny: number | number[], large: number | number[], tinyUs = 5, dispatchUs = 50): granularity.GranularityResult => ({
  totalMs: 100, countsPerMs: 1e6, onePieceMs: g(100), dispatchUs: g(dispatchUs), repeats: 3, contention: 0.02,
  points: [
    { taskUs: tinyUs, tasks: Math.round(100_000 / tinyUs), workers: 2, speedup: g(tiny), wallMs: g(300) },
    { taskUs: 50_000, tasks: 2, workers: 2, speedup: g(large), wallMs: g(55) },
  ],
});
/** Jobs with s = 0.25 and 0.5 on one and two workers; `two25` and `two50` are the speedups on two (Amdahl: 1.6x and 1.33x). */
const serialJobs = (two25: number | number[], two50: number | number[], maxWorkers = 2): granularity.AmdahlResult => ({
  totalMs: 150, repeats: 3, maxWorkers, contention: 0.02,
  points: [
    { serial: 0.25, workers: 1, speedup: g(1), slowdown: 1 },
    { serial: 0.5, workers: 1, speedup: g(1), slowdown: 1 },
    ...(maxWorkers >= 2 ? [{ serial: 0.25, workers: 2, speedup: g(two25), slowdown: 1.05 }, { serial: 0.5, workers: 2, speedup: g(two50), slowdown: 1.3 }] : []),
  ],
});
const SIZES_10 = [1024, 256 * 1024, 4 * 2 ** 20, 64 * 2 ** 20];
/** Round trips of each way: `grows` proportional to the size (ms per MiB), else a constant 0.02 ms. */
const trips = (way: granularity.MessagePoint["way"], perMiB: number | null, wobble = [1, 1.02, 0.98]): granularity.MessagePoint[] =>
  SIZES_10.map((bytes) => ({ way, bytes, roundTripMs: summarize(wobble.map((w) => (perMiB === null ? 0.02 : 0.02 + (perMiB * bytes) / 2 ** 20) * w)) }));
/** Round trips whose slope differs from repeat to repeat: `factors[i][r]` × 0.02 ms at SIZES_10[i + 1]. */
const jagged = (way: granularity.MessagePoint["way"], factors: number[][]): granularity.MessagePoint[] =>
  [[1, 1, 1], ...factors].map((f, i) => ({ way, bytes: SIZES_10[i]!, roundTripMs: summarize(f.map((v) => 0.02 * v)) }));
const messageRun = (clone: number | null, transfer: number | null): granularity.MessagePoint[] => [...trips("clone", clone), ...trips("transfer", transfer), ...trips("shared", null)];
const coresFound = (busy: number | number[], others = false, quota: number | null = null): granularity.CoresFound => ({
  topology: { logical: 2, physical: 2, packages: 1 }, availableParallelism: 2,
  machine: { ...testMachine(2), cpuLimit: { cpus: quota === null ? 2 : 1, limitedBy: quota === null ? "cores" : "quota", cores: 2, affinityCores: 2, quotaCpus: quota } },
  busy: { stat: g(busy), check: "unclear", busy: others },
});
// 12: runs of 60 × 5 ms of work beside a 10 ms timer, as [workMs, ticks during the work, worst lateness] per run.
type PiecesRow = readonly [number, number, number];
const starving: PiecesRow[] = [[300, 0, 291], [302, 0, 293], [301, 0, 292]];
const splitting: PiecesRow[] = [[304, 28, 5.2], [306, 29, 4.8], [305, 28, 5.5]];
/** Every style's runs: the plain loop, awaits and nextTick starving, the splits fair, unless `over` says otherwise. */
const starvation = (over: Partial<Record<starvedLoop.YieldStyle, readonly PiecesRow[]>> = {}): starvedLoop.StarvationResult => {
  const rows: Record<starvedLoop.YieldStyle, readonly PiecesRow[]> = { none: starving, microtask: starving, nextTick: starving, setImmediate: splitting, setTimeout: splitting, ...over };
  const runs = Object.fromEntries(
    Object.entries(rows).map(([style, list]) => [style, list.map(([workMs, ticksDuring, late]) => ({ style: style as starvedLoop.YieldStyle, workMs, ticksDuring, lag: lag(late) }))]),
  ) as Record<starvedLoop.YieldStyle, starvedLoop.PiecesRun[]>;
  return { pieces: 60, pieceMs: 5, intervalMs: 10, runs };
};
/** CPython's asyncio runs: ticks during the work beside the never-suspending awaits and with sleep(0), run by run. */
const asyncioRuns = (never: number[], sleep0: number[]): starvedLoop.AsyncioStarveResult => ({
  pieces: 60, pieceMs: 5, intervalMs: 10,
  runs: never.flatMap((ticks, i) => [
    { mode: "never-suspends" as const, workMs: 300, ticksDuring: ticks, maxLateMs: ticks ? 12 : 290 },
    { mode: "sleep0" as const, workMs: 305, ticksDuring: sleep0[i]!, maxLateMs: sleep0[i] ? 12 : 290 },
  ]),
  interpreter: { version: "3.11.7", executable: "python3", gil: true, freeThreadedBuild: false, switchIntervalS: 0.005, startMethod: "fork" },
});
// 11: batches of 8 hashes (when each call finished, ms) on pools of 4 and 8; probe rounds with the pool idle and busy.
const twoRounds = [250, 252, 255, 258, 500, 502, 505, 510];
const oneRound = [490, 495, 498, 500, 501, 503, 505, 510];
const hashRun = (poolSize: number, batches: number[][]): libuvPool.HashBatches => ({ poolSize, seenPoolSize: String(poolSize), calls: 8, iterations: 1000, batches });
const fourTimes = (batch: number[]): number[][] => [0, 1, 2, 3].map((i) => batch.map((t) => t + i));
/** Probe ends (ms from the round's start) when the probes start at 20 ms and the first hash ends at 300 ms: 300+ waited, under 30 did not. */
const poolBusy = { stat: 300.5, readFile: 301, statSync: 20.3, lookup: 300.6, resolve4: 25 };
const probeRounds = (busy: Partial<Record<libuvPool.ProbeKind, number>>[], hashEnds = [300, 301, 302, 303]): libuvPool.PoolProbes => ({
  poolSize: 4, seenPoolSize: "4", busyHashes: 4, iterations: 1000, kinds: ["stat", "readFile", "statSync", "lookup", "resolve4"],
  rounds: busy.flatMap((ends) => [
    { busy: false, probeStartMs: 20, hashEndsMs: [], probeEndsMs: { stat: 20.5, readFile: 21, statSync: 20.3, lookup: 20.6, resolve4: 21 }, errors: {} },
    { busy: true, probeStartMs: 20, hashEndsMs: hashEnds, probeEndsMs: ends, errors: {} },
  ]),
});
const executor = (firstRounds: number[], expectedWorkers = 6): libuvPool.ExecutorRounds => ({
  calls: 12, ms: 100, expectedWorkers, interpreter: { version: "3.11.7", gil: true, switchIntervalS: 0.005 } as libuvPool.ExecutorRounds["interpreter"],
  ends: firstRounds.map((first) => Array.from({ length: 12 }, (_, i) => (i < first ? 101 + i : 201 + i))),
});
const threeRounds = (ends: Partial<Record<libuvPool.ProbeKind, number>>): libuvPool.PoolProbes => probeRounds([ends, ends, ends]);
const mixedRounds = (other: Partial<Record<libuvPool.ProbeKind, number>>): libuvPool.PoolProbes => probeRounds([poolBusy, other, poolBusy]);

/** Per claim: evidence for each outcome, as a function that returns the claim. */
const OUTCOMES: Readonly<Record<string, Partial<Record<Verdict, () => Claim>>>> = {
  "concepts.concurrency": {
    holds: () => concepts.concurrencyOnOneLane(allCpus(parallel), result(2, 3, { sequential: base, async: { ...ran(3), spans: spans("async", 3, true).map((s) => ({ ...s, threadId: 0, lane: "main", laneKind: "main" })) } })),
    unclear: () => concepts.concurrencyOnOneLane(result(2, 2, { eventLoop: { ...ran(1), spans: spans("eventLoop", 2, true) } }), result(2, 3, { async: { ...ran(3), spans: spans("async", 3, true) } })),
  },
  "concepts.parallelism": {
    holds: () => concepts.parallelismNeedsCores(allCpus(parallel), pinned(1.0)),
    differs: () => concepts.parallelismNeedsCores(allCpus(parallel), pinned(1.9)),
    unclear: () => concepts.parallelismNeedsCores(allCpus(parallel), null),
    "not measured": () => concepts.parallelismNeedsCores(result(1, 2, { sequential: base, threads: { ...flat, spans: spans("threads", 2, true) } }), null),
  },
  "concepts.responsiveness": {
    holds: () => concepts.responsiveness(lag(2), lag(440), lag(3)),
    unclear: () => concepts.responsiveness(lag(300), lag(440), lag(3)),
  },
  "gil.threads": {
    holds: () => gil.gilThreads(cpython(gilBound, parallel)),
    differs: () => gil.gilThreads(cpython(parallel, parallel)),
    unclear: () => gil.gilThreads(cpython(gilBound, flat)),
    "not measured": () => gil.gilThreads(cpython(gilBound, flat, 1)),
  },
  "gil.processes": {
    holds: () => gil.gilProcesses(cpython(gilBound, parallel)),
    differs: () => gil.gilProcesses(cpython(gilBound, flat)),
    unclear: () => gil.gilProcesses(cpython(gilBound, flat, 2, true)),
    "not measured": () => pick(gil.gilNotMeasured("no CPython"), "gil.processes"),
  },
  "gil.c-code": {
    holds: () => gil.gilReleasedByC(cpython(parallel, parallel)),
    differs: () => gil.gilReleasedByC(cpython(gilBound, parallel)),
    unclear: () => gil.gilReleasedByC(cpython(gilBound, flat)),
    "not measured": () => gil.gilReleasedByC(null),
  },
  "gil.node-threads": {
    differs: () => gil.nodeThreadsParallel(node(parallel, parallel)),
    holds: () => gil.nodeThreadsParallel(node(flat, parallel)),
    unclear: () => gil.nodeThreadsParallel(node(flat, flat)),
    "not measured": () => gil.nodeThreadsParallel(node(flat, flat, 1)),
  },
  "approaches.startup": {
    holds: () => approaches.startupCosts(nodeStartups, startups([0.01, 0.012, 0.011], [0.09, 0.1, 0.095], [1.3, 1.4, 1.35])),
    differs: () => approaches.startupCosts(nodeStartups, startups([0.01, 0.012, 0.011], [80, 82, 81], [50, 55, 52])),
    unclear: () => approaches.startupCosts(nodeStartups, startups([0.01, 0.012, 0.011], [5, 60, 20], [30, 60, 45])),
    "not measured": () => approaches.startupCosts(nodeStartups, null),
  },
  "approaches.memory": {
    holds: () => approaches.memoryCosts(nodeMemory, memory(17_000)),
    differs: () => approaches.memoryCosts(nodeMemory, memory(2e6)),
    unclear: () => approaches.memoryCosts(nodeMemory, memory(5e5)),
    "not measured": () => approaches.memoryCosts(nodeMemory, null),
  },
  "approaches.cooperative": {
    holds: () => approaches.cooperativeSwitching(lag(400), lag(5)),
    unclear: () => approaches.cooperativeSwitching(lag(5), lag(5)),
  },
  "approaches.preemptive": {
    holds: () => approaches.preemptiveThreads(preemption(true, 2)),
    differs: () => approaches.preemptiveThreads(preemption(false, 2)),
    "not measured": () => approaches.preemptiveThreads(preemption(true, 4)),
  },
  "proscons.async-one-thread": {
    holds: () => judging.asyncBoundToOneThread(summarize([1.0, 1.01, 0.99])),
    unclear: () => judging.asyncBoundToOneThread(summarize([1.6, 1.6, 1.6])),
  },
  "proscons.switch-cost": {
    holds: () => prosAndCons.switchCosts(nodeSwitches, switches([0.04, 0.05, 0.045, 0.04, 0.06])),
    differs: () => prosAndCons.switchCosts(nodeSwitches, switches([0.003, 0.0035, 0.0032, 0.0036, 0.003])),
    unclear: () => prosAndCons.switchCosts(nodeSwitches, switches([0.003, 0.03, 0.005, 0.025, 0.008])),
    "not measured": () => prosAndCons.switchCosts(nodeSwitches, null),
  },
  "proscons.threads-best-for": {
    differs: () => prosAndCons.threadsBestFor(summarize([1.9, 1.92, 1.95]), 2),
    holds: () => prosAndCons.threadsBestFor(summarize([1.0, 1.02, 1.01]), 2, null, { speedup: summarize([1.9, 1.92, 1.95]), busy: null }),
    unclear: () => prosAndCons.threadsBestFor(summarize([1.0, 1.02, 1.01]), 2),
    "not measured": () => prosAndCons.threadsBestFor(summarize([1.0, 1.02, 1.01]), 1),
  },
  "examples.cpu-python-threads": {
    holds: () => pick(cpuBound.cpuExamples(node(parallel, parallel), cpython(gilBound, parallel)), "examples.cpu-python-threads"),
    differs: () => pick(cpuBound.cpuExamples(node(parallel, parallel), cpython(ran(1.9, 1.95), parallel)), "examples.cpu-python-threads"),
    unclear: () => pick(cpuBound.cpuExamples(node(parallel, parallel), cpython(gilBound, flat)), "examples.cpu-python-threads"),
    "not measured": () => pick(cpuBound.cpuExamples(node(parallel, parallel), null), "examples.cpu-python-threads"),
  },
  "examples.cpu-python-processes": {
    holds: () => pick(cpuBound.cpuExamples(node(parallel, parallel), cpython(gilBound, parallel)), "examples.cpu-python-processes"),
    differs: () => pick(cpuBound.cpuExamples(node(parallel, parallel), cpython(gilBound, ran(1.3, 1.9))), "examples.cpu-python-processes"),
    unclear: () => pick(cpuBound.cpuExamples(node(parallel, parallel), cpython(gilBound, ran(noisy, 1.9))), "examples.cpu-python-processes"),
    "not measured": () => pick(cpuBound.cpuExamples(node(parallel, parallel), null), "examples.cpu-python-processes"),
  },
  "examples.cpu-node-threads": {
    differs: () => pick(cpuBound.cpuExamples(node(parallel, parallel), null), "examples.cpu-node-threads"),
    holds: () => pick(cpuBound.cpuExamples(node(flat, parallel), null), "examples.cpu-node-threads"),
    unclear: () => pick(cpuBound.cpuExamples(node(flat, flat), null), "examples.cpu-node-threads"),
    "not measured": () => pick(cpuBound.cpuExamples(node(flat, flat, 1), null), "examples.cpu-node-threads"),
  },
  "examples.cpu-node-processes": {
    holds: () => pick(cpuBound.cpuExamples(node(parallel, parallel), null), "examples.cpu-node-processes"),
    differs: () => pick(cpuBound.cpuExamples(node(parallel, ran(1.05, 1.9)), null), "examples.cpu-node-processes"),
    unclear: () => pick(cpuBound.cpuExamples(node(parallel, ran(noisy)), null), "examples.cpu-node-processes"),
    "not measured": () => pick(cpuBound.cpuExamples(node(flat, flat, 1), null), "examples.cpu-node-processes"),
  },
  "examples.io-threads": {
    holds: () => pick(waiting.ioExamples(blocking(steady(1.95), steady(1)), null), "examples.io-threads"),
    differs: () => pick(waiting.ioExamples(blocking(steady(1.0), steady(1)), null), "examples.io-threads"),
    unclear: () => pick(waiting.ioExamples(blocking([1.2, 2.0, 1.7], steady(1)), null), "examples.io-threads"),
  },
  "examples.io-blocking-loop": {
    holds: () => pick(waiting.ioExamples(blocking(steady(1.95), steady(1)), null), "examples.io-blocking-loop"),
    unclear: () => pick(waiting.ioExamples(blocking(steady(1.95), steady(1.9)), null), "examples.io-blocking-loop"),
  },
  "examples.io-python-threads": {
    holds: () => pick(waiting.ioExamples(blocking(steady(1.95), steady(1)), sleeps(steady(1.95))), "examples.io-python-threads"),
    differs: () => pick(waiting.ioExamples(blocking(steady(1.95), steady(1)), sleeps(steady(1.0))), "examples.io-python-threads"),
    unclear: () => pick(waiting.ioExamples(blocking(steady(1.95), steady(1)), sleeps([1.2, 2.0, 1.7])), "examples.io-python-threads"),
    "not measured": () => pick(waiting.ioExamples(blocking(steady(1.95), steady(1)), null), "examples.io-python-threads"),
  },
  "examples.async-many": {
    holds: () => waiting.asyncExamples(nodePoints, 100, [{ copies: 1, wallMs: 101 }, { copies: 10_000, wallMs: 180 }]),
    differs: () => waiting.asyncExamples(nodePoints, 100, [{ copies: 1, wallMs: 101 }, { copies: 10_000, wallMs: 2_000 }]),
    "not measured": () => waiting.asyncExamples(nodePoints, 100, null),
  },
  "decision.cpu": {
    differs: () => choosing.cpuScales(curve(1.9, 1.9), 2),
    holds: () => choosing.cpuScales(curve(1.0, 1.9), 2),
    unclear: () => choosing.cpuScales(curve(1.0, 1.0), 2),
    "not measured": () => choosing.cpuScales(curve(1.0, 1.0, 1), 1),
  },
  "decision.moderate-waiting": {
    holds: () => choosing.moderateWaiting(waits(steady(7))),
    differs: () => choosing.moderateWaiting(waits(steady(1.1))),
    unclear: () => choosing.moderateWaiting(waits([2, 8, 5])),
    "not measured": () => choosing.moderateWaiting(waits(null)),
  },
  "decision.massive-waiting": {
    holds: () => choosing.massiveWaiting(nodeAsync, nodePool, connections(conn(7_600), conn(23_300))),
    differs: () => choosing.massiveWaiting(nodeAsync, nodePool, connections(conn(7_600), conn(6_000))),
    unclear: () => choosing.massiveWaiting(nodeAsync, nodePool, connections(conn(7_600), conn(11_000))),
    "not measured": () => choosing.massiveWaiting(nodeAsync, nodePool, null),
  },
  "decision.shared-threads": {
    holds: () => shared("decision.shared-threads", { plain: 5, atomic: 0, locked: 0 }),
    differs: () => shared("decision.shared-threads", { plain: 0, atomic: 0, locked: 0 }),
    unclear: () => shared("decision.shared-threads", { plain: 0, atomic: 0, locked: 0 }, 1),
  },
  "decision.shared-python": {
    holds: () => sharedState.cpythonSharedCounter(pyCounter([0, 12_000, 3], [0, 0, 0], "3.9.18")),
    differs: () => sharedState.cpythonSharedCounter(pyCounter([0, 0, 0], [0, 0, 0], "3.11.7")),
    unclear: () => sharedState.cpythonSharedCounter(pyCounter([5, 0, 0], [0, 2, 0], "3.11.7")),
    "not measured": () => sharedState.cpythonSharedCounter(null),
  },
  "decision.shared-async": {
    holds: () => shared("decision.shared-async", { plain: 5, atomic: 0, locked: 0 }),
    unclear: () => shared("decision.shared-async", { plain: 5, atomic: 0, locked: 0 }, 2, { withAwait: 100, withoutAwait: 100, expected: 100 }),
  },
  "pool.rounds": {
    holds: () => libuvPool.roundsClaim(hashRun(4, fourTimes(twoRounds)), hashRun(8, fourTimes(oneRound))),
    differs: () => libuvPool.roundsClaim(hashRun(4, fourTimes(oneRound)), hashRun(8, fourTimes(oneRound))),
    unclear: () => libuvPool.roundsClaim(hashRun(4, [twoRounds, oneRound, twoRounds, oneRound]), hashRun(8, fourTimes(oneRound))),
  },
  "pool.fs-waits": {
    holds: () => libuvPool.fsClaim(threeRounds(poolBusy)),
    differs: () => libuvPool.fsClaim(threeRounds({ ...poolBusy, readFile: 21 })),
    unclear: () => libuvPool.fsClaim(mixedRounds({ ...poolBusy, stat: 21 })),
  },
  "pool.dns-lookup": {
    holds: () => libuvPool.lookupClaim(threeRounds(poolBusy)),
    differs: () => libuvPool.lookupClaim(threeRounds({ ...poolBusy, lookup: 21 })),
    unclear: () => libuvPool.lookupClaim(mixedRounds({ ...poolBusy, lookup: 21 })),
    "not measured": () => libuvPool.lookupClaim({ ...threeRounds(poolBusy), kinds: ["stat", "readFile", "statSync", "resolve4"] }),
  },
  "pool.dns-resolve": {
    holds: () => libuvPool.resolveClaim(threeRounds(poolBusy), null),
    differs: () => libuvPool.resolveClaim(threeRounds({ ...poolBusy, resolve4: 300.7 }), null),
    unclear: () => libuvPool.resolveClaim(mixedRounds({ ...poolBusy, resolve4: 300.7 }), null),
    "not measured": () => libuvPool.resolveClaim(threeRounds(poolBusy), "bind EPERM 127.0.0.1"),
  },
  "pool.python-executor": {
    holds: () => libuvPool.executorClaim(executor([6, 6, 6])),
    differs: () => libuvPool.executorClaim(executor([12, 12, 12])),
    unclear: () => libuvPool.executorClaim(executor([6, 5, 6])),
    "not measured": () => libuvPool.executorClaim(null),
  },
  "decision.shared-processes": {
    holds: () => shared("decision.shared-processes", { plain: 5, atomic: 0, locked: 0 }),
    unclear: () => shared("decision.shared-processes", { plain: 5, atomic: 0, locked: 0 }, 2, race, { sum: 9, expected: 10 }),
  },
  "cpython.convoy": {
    holds: () => cpythonToday.convoyClaim(convoy([5.1, 5.2, 5.15], [20.5, 21, 20.8]), 2),
    differs: () => cpythonToday.convoyClaim(convoy([5.1, 5.2, 5.15], [5.0, 5.3, 5.1]), 2),
    unclear: () => cpythonToday.convoyClaim(convoy([5.1, 5.2, 5.1], [20.5, 0.09, 21]), 2),
    "not measured": () => cpythonToday.convoyClaim(null, 2),
  },
  "cpython.free-threads": {
    holds: () => cpythonToday.freeThreadsClaim(cpuWays([1.9, 1.95, 1.92], [1.9, 1.93, 1.95]), 2),
    differs: () => cpythonToday.freeThreadsClaim(cpuWays([1.0, 1.01, 1.0], [1.9, 1.93, 1.95]), 2),
    unclear: () => cpythonToday.freeThreadsClaim(cpuWays([1.0, 1.01, 1.0], [1.0, 1.02, 1.0]), 2),
    "not measured": () => cpythonToday.freeThreadsClaim(cpuWays([1.0, 1.01, 1.0], [1.9, 1.93, 1.95], standardBuild), 2),
  },
  "cpython.free-counter": {
    holds: () => cpythonToday.freeCounterClaim(lostUpdates([120_000, 95_000], [0, 0]), 2),
    differs: () => cpythonToday.freeCounterClaim(lostUpdates([0, 0], [0, 0]), 2),
    unclear: () => cpythonToday.freeCounterClaim(lostUpdates([0, 0], [0, 0]), 1),
    "not measured": () => cpythonToday.freeCounterClaim(lostUpdates([0, 0], [0, 0], standardBuild), 2),
  },
  "cpython.fork-start": {
    holds: () => cpythonToday.forkClaim(starts([2, 2.1, 2.2], [60, 62, 65])),
    differs: () => cpythonToday.forkClaim(starts([2, 2.1, 2.2], [3, 3.1, 3.2])),
    unclear: () => cpythonToday.forkClaim(starts([2, 2.1, 2.2], [3, 60, 10])),
    "not measured": () => cpythonToday.forkClaim(null),
  },
  "granularity.tiny-tasks": {
    holds: () => granularity.tinyTasks(sweep(0.3, 1.9)),
    differs: () => granularity.tinyTasks(sweep(1.4, 1.9)),
    unclear: () => granularity.tinyTasks(sweep([0.6, 1.4, 1.0], 1.9)),
  },
  "granularity.large-tasks": {
    holds: () => granularity.largeTasks(sweep(0.3, 1.9), 2),
    differs: () => granularity.largeTasks(sweep(0.3, 1.1), 2),
    unclear: () => granularity.largeTasks(sweep(0.3, [1.1, 1.9, 1.5]), 2),
    "not measured": () => granularity.largeTasks(sweep(0.3, 1.0), 1),
  },
  "granularity.amdahl": {
    // Amdahl's speedups with each job's parallel part slowed 1.05x and 1.3x side by side: 1 / (s + (1 − s) k / 2).
    holds: () => granularity.amdahlLaw(serialJobs(1.553, 1.212), 2),
    differs: () => granularity.amdahlLaw(serialJobs(1.553, 1.0), 2),
    unclear: () => granularity.amdahlLaw(serialJobs(1.553, [1.0, 1.4, 1.2]), 2),
    "not measured": () => granularity.amdahlLaw(serialJobs(1.553, 1.212), 1),
  },
  "granularity.copy-vs-transfer": {
    holds: () => granularity.copyAgainstTransfer(messageRun(1.5, null)),
    differs: () => granularity.copyAgainstTransfer(messageRun(1.5, 1.5)),
    unclear: () => granularity.copyAgainstTransfer([...messageRun(1.5, null).filter((p) => p.way !== "transfer"), ...jagged("transfer", [[1, 16, 1], [4, 4, 1], [16, 1, 1]])]),
  },
  "granularity.python-pickle": {
    holds: () => granularity.pythonPickle(trips("python-pickle", 4)),
    differs: () => granularity.pythonPickle(trips("python-pickle", null)),
    unclear: () => granularity.pythonPickle(jagged("python-pickle", [[1, 1, 1], [16, 1, 4], [256, 1, 16]])),
    "not measured": () => granularity.pythonPickle(null),
  },
  "granularity.available-parallelism": {
    holds: () => granularity.availableParallelismClaim(coresFound(1.95)),
    differs: () => granularity.availableParallelismClaim(coresFound(1.0, false, 1)),
    unclear: () => granularity.availableParallelismClaim(coresFound(1.0, true)),
    "not measured": () => granularity.availableParallelismClaim({ ...coresFound(1.95), busy: null }),
  },
  "queue.round-trip": {
    holds: () => beyondOneMachine.roundTripClaim(queueTrips(40)),
    differs: () => beyondOneMachine.roundTripClaim(queueTrips(1.3)),
    unclear: () => beyondOneMachine.roundTripClaim(queueTrips([1.5, 9, 4])),
  },
  "queue.scales": {
    holds: () => beyondOneMachine.scalesClaim(batches(1.9)),
    differs: () => beyondOneMachine.scalesClaim(batches(1.02)),
    unclear: () => beyondOneMachine.scalesClaim(batches([1.1, 1.9, 1.4])),
    "not measured": () => beyondOneMachine.scalesClaim(batches(1.9, 1)),
  },
  "queue.small-jobs": {
    holds: () => beyondOneMachine.smallJobsClaim(batches(1.9, 2, 0.97, 1.2)),
    differs: () => beyondOneMachine.smallJobsClaim(batches(1.9, 2, 0.97, [1.86, 1.9, 1.94])),
    unclear: () => beyondOneMachine.smallJobsClaim(batches(1.9, 2, 0.97, [1.2, 1.9, 1.5])),
    "not measured": () => beyondOneMachine.smallJobsClaim(batches(1.9, 1, 0.97, 1.2)),
  },
  "queue.redelivery": {
    holds: () => beyondOneMachine.redeliveryClaim(killed("redelivered")),
    unclear: () => beyondOneMachine.redeliveryClaim(killed("missed")),
  },
  "queue.lost-lock": {
    holds: () => beyondOneMachine.lostLockClaim(longJob("stalled")),
    unclear: () => beyondOneMachine.lostLockClaim(longJob("once")),
  },
  "queue.restart": {
    holds: () => beyondOneMachine.restartClaim(restarted("mid-batch")),
    unclear: () => beyondOneMachine.restartClaim(restarted("before-any-end")),
    "not measured": () => beyondOneMachine.restartClaim(null),
  },
  "loop.await-starves": {
    holds: () => starvedLoop.starvesLikeALoop(starvation(), "microtask"),
    unclear: () => starvedLoop.starvesLikeALoop(starvation({ microtask: [[300, 0, 291], [300, 3, 12], [300, 0, 290]] }), "microtask"),
  },
  "loop.nexttick-starves": {
    holds: () => starvedLoop.starvesLikeALoop(starvation(), "nextTick"),
    unclear: () => starvedLoop.starvesLikeALoop(starvation({ nextTick: [[20, 0, 12], [21, 0, 12], [20, 0, 11]] }), "nextTick"),
  },
  "loop.immediate-lateness": {
    holds: () => starvedLoop.immediateLateness(starvation()),
    differs: () => starvedLoop.immediateLateness(starvation({ setImmediate: starving })),
    unclear: () => starvedLoop.immediateLateness(starvation({ setImmediate: [[310, 25, 6], [330, 22, 45], [320, 24, 30]] })),
  },
  "loop.immediate-cost": {
    holds: () => starvedLoop.immediateCost(starvation()),
    differs: () => starvedLoop.immediateCost(starvation({ setImmediate: [[600, 28, 5], [610, 28, 5], [605, 28, 5]] })),
    unclear: () => starvedLoop.immediateCost(starvation({ setImmediate: [[310, 28, 5], [450, 28, 5], [380, 28, 5]] })),
  },
  "loop.asyncio-starves": {
    holds: () => starvedLoop.asyncioStarves(asyncioRuns([0, 0, 0], [16, 17, 16])),
    differs: () => starvedLoop.asyncioStarves(asyncioRuns([15, 16, 15], [16, 17, 16])),
    unclear: () => starvedLoop.asyncioStarves(asyncioRuns([0, 4, 0], [16, 17, 16])),
    "not measured": () => starvedLoop.asyncioStarves(null),
  },
  "bounded.connections": {
    holds: () => backpressure.connectionsClaim(limits(batch(100, 5_400, 100, 40), allAtOnce)),
    unclear: () => backpressure.connectionsClaim(limits(batch(100, 5_400, 160, 40), allAtOnce)),
  },
  "bounded.time": {
    holds: () => backpressure.timeClaim(limits(batch(100, 5_400, 100, 40), allAtOnce)),
    differs: () => backpressure.timeClaim(limits(batch(100, 16_000, 100, 40), allAtOnce)),
    unclear: () => backpressure.timeClaim(limits(batch(100, 9_000, 100, 40), allAtOnce)),
    "not measured": () => backpressure.timeClaim(limited(allAtOnce)),
  },
  "bounded.memory": {
    holds: () => backpressure.memoryClaim(limits(batch(100, 5_400, 100, 40), allAtOnce)),
    differs: () => backpressure.memoryClaim(limits(batch(100, 5_400, 100, 190), allAtOnce)),
    unclear: () => backpressure.memoryClaim(limits(batch(100, 5_400, 100, 110), allAtOnce)),
    "not measured": () => backpressure.memoryClaim(limited(allAtOnce)),
  },
  "bounded.backpressure": {
    holds: () => backpressure.backpressureClaim(flows(450_000, 32 * 2 ** 20)),
    unclear: () => backpressure.backpressureClaim(flows(8 * 2 ** 20, 32 * 2 ** 20)),
  },
  "bounded.cancel": {
    holds: () => backpressure.cancelClaim(deadlines(stopped("threads", 25))),
    differs: () => backpressure.cancelClaim(deadlines(stopped("threads", 4_000, "finished"))),
    unclear: () => backpressure.cancelClaim(deadlines(stopped("threads", 800))),
    "not measured": () => backpressure.cancelClaim([mainLoop(800)]),
  },
  "bounded.main-thread": {
    holds: () => backpressure.mainThreadClaim(deadlines(stopped("threads", 25))),
    unclear: () => backpressure.mainThreadClaim(deadlines(stopped("threads", 25), mainLoop(150))),
    "not measured": () => backpressure.mainThreadClaim(deadlines(stopped("threads", 25), null)),
  },
  "bounded.all-settled": {
    holds: () => backpressure.allSettledClaim(failing({})),
    unclear: () => backpressure.allSettledClaim(failing({ settledMs: 300, finishedAtSettle: 4 })),
  },
  "bounded.python-taskgroup": {
    holds: () => backpressure.taskGroupClaim(asyncio({})),
    unclear: () => backpressure.taskGroupClaim(asyncio({ finishedAfter: 4, cancelled: 0 })),
    "not measured": () => backpressure.taskGroupClaim(null),
  },
  "bounded.python-timeout": {
    holds: () => backpressure.timeoutClaim(asyncio({})),
    unclear: () => backpressure.timeoutClaim(asyncio({}, { stoppedAtMs: 300, finishedAfter: 1, cancelled: 0 })),
    "not measured": () => backpressure.timeoutClaim(asyncio(null)),
  },
};

/** Runs that went wrong: each must be unclear, whatever the claim. */
const BROKEN_RUNS: readonly { readonly what: string; readonly claim: () => Claim }[] = [
  { what: "tiny queue jobs beside large ones that did not scale (15)", claim: () => beyondOneMachine.smallJobsClaim(batches(1.05, 2, 0.97, 1.05)) },
  { what: "a second queue worker added nothing while other programs held the CPUs (15)", claim: () => beyondOneMachine.scalesClaim(batches(1.05, 2, 0.5)) },
  { what: "Node's threads fell short and no processes ran beside them", claim: () => gil.nodeThreadsParallel(node(flat, null)) },
  { what: "Node's threads and processes both fell short (05)", claim: () => pick(cpuBound.cpuExamples(node(flat, flat), null), "examples.cpu-node-threads") },
  { what: "04's threads fell short with no processes to compare", claim: () => prosAndCons.threadsBestFor(summarize([1.0, 1.02, 1.01]), 2) },
  { what: "the curve's threads and processes both fell short", claim: () => choosing.cpuScales(curve(1.0, 1.0), 2) },
  { what: "worker threads on free cores did not work at once", claim: () => concepts.parallelismNeedsCores(allCpus(flat), pinned(1.0)) },
  { what: "CPython's threads and processes both fell short on C code", claim: () => gil.gilReleasedByC(cpython(gilBound, flat)) },
  { what: "Atomics.add lost an update", claim: () => shared("decision.shared-threads", { plain: 5, atomic: 1, locked: 0 }) },
  { what: "the event loop ran two CPU copies at once", claim: () => concepts.concurrencyOnOneLane(result(2, 2, { eventLoop: { ...ran(1), spans: spans("eventLoop", 2, true) } }), result(2, 3, { async: { ...ran(3), spans: spans("async", 3, true) } })) },
  { what: "blocking waits overlapped on one thread", claim: () => pick(waiting.ioExamples(blocking(steady(1.95), steady(1.9)), null), "examples.io-blocking-loop") },
  { what: "CPython's Lock lost an update", claim: () => sharedState.cpythonSharedCounter(pyCounter([5, 0, 0], [0, 2, 0], "3.11.7")) },
  { what: "the threads never held all the connections at once", claim: () => choosing.massiveWaiting(nodeAsync, nodePool, connections(conn(7_600), conn(23_300, 0, 3_000))) },
  { what: "both ways lost requests", claim: () => choosing.massiveWaiting(nodeAsync, nodePool, connections(conn(7_600, 40), conn(23_300, 12))) },
  { what: "every hash had ended before the fs calls started (11)", claim: () => libuvPool.fsClaim(probeRounds([poolBusy, poolBusy], [10, 11, 12, 13])) },
  { what: "the lookup failed in every round (11)", claim: () => libuvPool.lookupClaim(probeRounds([{ ...poolBusy, lookup: undefined }])) },
  { what: "the messages did not add up", claim: () => shared("decision.shared-processes", { plain: 5, atomic: 0, locked: 0 }, 2, race, { sum: 9, expected: 10 }) },
  { what: "the free-threaded counter's Lock lost an update", claim: () => cpythonToday.freeCounterClaim(lostUpdates([120_000, 95_000], [0, 3]), 2) },
  { what: "threads without the GIL and processes both fell short (the CPUs were not free)", claim: () => cpythonToday.freeThreadsClaim(cpuWays([1.0, 1.01, 1.0], [1.0, 1.02, 1.0]), 2) },
  { what: "the waiting thread was delayed far past the switch interval (a busy machine, not the GIL)", claim: () => cpythonToday.convoyClaim(convoy([40, 42, 41], [90, 95, 92]), 2) },
  { what: "the smallest tasks were not small against their round trip", claim: () => granularity.tinyTasks(sweep(0.9, 1.9, 100, 50)) },
  { what: "the large tasks fell short while other programs held the CPUs", claim: () => granularity.largeTasks({ ...sweep(0.3, 1.1), contention: 0.4 }, 2) },
  { what: "the fit missed the built-in fraction while other programs held the CPUs", claim: () => granularity.amdahlLaw({ ...serialJobs(1.553, 1.0), contention: 0.4 }, 2) },
  { what: "a transfer's time grew with the size while other programs held the CPUs", claim: () => granularity.copyAgainstTransfer(messageRun(1.5, 1.5).map((p) => ({ ...p, contention: 0.5 }))) },
  { what: "no job with a serial part ran on two workers", claim: () => granularity.amdahlLaw(serialJobs(1, 1, 1), 2) },
  { what: "the largest tasks were too few for two workers", claim: () => granularity.largeTasks({ ...sweep(0.3, 1.0), points: sweep(0.3, 1.0).points.map((p) => ({ ...p, tasks: 1 })) }, 2) },
  { what: "a timer fired between two awaits of settled promises", claim: () => starvedLoop.starvesLikeALoop(starvation({ microtask: [[300, 0, 291], [300, 3, 12], [300, 0, 290]] }), "microtask") },
  { what: "a timer fired during the plain loop", claim: () => starvedLoop.starvesLikeALoop(starvation({ none: [[300, 1, 291], [300, 0, 290], [300, 0, 290]] }), "nextTick") },
  { what: "a disturbed machine made the setImmediate split's timer tens of milliseconds late", claim: () => starvedLoop.immediateLateness(starvation({ setImmediate: [[340, 22, 40], [350, 21, 55], [335, 23, 38]] })) },
  { what: "a limited batch held more connections than its limit", claim: () => backpressure.connectionsClaim(limits(batch(100, 5_400, 101, 40), allAtOnce)) },
  { what: "the batch without a limit never opened more than the limit", claim: () => backpressure.connectionsClaim(limits(batch(100, 5_400, 100, 40), batch(null, 2_000, 900, 180))) },
  { what: "the limited batch was slow on a machine too busy to keep the limit's pace", claim: () => backpressure.timeClaim(limits(batch(100, 16_000, 100, 40), batch(null, 8_000, 10_000, 180))) },
  { what: "requests failed in the limited batch, however fast it was", claim: () => backpressure.timeClaim(limits(batch(100, 5_100, 100, 40, 30), allAtOnce)) },
  { what: "requests failed in the batch without a limit, however much memory it took", claim: () => backpressure.memoryClaim(limits(batch(100, 5_400, 100, 40), batch(null, 2_000, 10_000, 180, 12))) },
  { what: "the loop that ignored write() buffered little", claim: () => backpressure.backpressureClaim(flows(450_000, 2 ** 20)) },
  { what: "a deadline run failed for another reason", claim: () => backpressure.cancelClaim(deadlines(stopped("threads", 10, "failed"))) },
  { what: "the main-thread loop was aborted mid-loop", claim: () => backpressure.mainThreadClaim(deadlines(stopped("threads", 25), { ...mainLoop(800), outcome: "aborted", workMs: null })) },
  { what: "Promise.all resolved though a task failed", claim: () => backpressure.allSettledClaim(failing({ rejected: false })) },
  { what: "gather's siblings were cancelled too", claim: () => backpressure.taskGroupClaim({ ...asyncio({}), gather: { raisedAtMs: 51, finishedAtFailure: 0, finishedAfter: 0, cancelled: 4, siblings: 4 } }) },
];

/**
 * `r` as run by a CPython 3.13.5 that reported `gil` while it ran: a free-threaded build with its
 * GIL off (the default), or on (PYTHON_GIL=1); `freeThreadedBuild` false is a standard build.
 */
function ranBy(r: CompareResult, gil: boolean, freeThreadedBuild = true): CompareResult {
  const interpreter = { version: "3.13.5", gil, freeThreadedBuild, switchIntervalS: 0.005, startMethod: "fork", executable: "/cache/python3.13t" };
  return { ...r, strategies: r.strategies.map((s) => (s.strategy.startsWith("python:") ? { ...s, interpreter } : s)) };
}
const noGil = (r: CompareResult): CompareResult => ranBy(r, false);

/**
 * Claims about what the GIL does, fed runs whose interpreter reported its GIL off: whatever the
 * numbers, "not measured", saying so; the same numbers from a build that ran with its GIL are
 * judged as usual. Claims that do not rest on the GIL keep their verdicts and say the GIL was off.
 */
const WITHOUT_GIL: readonly { readonly id: string; readonly claim: (run: (r: CompareResult) => CompareResult) => Claim; readonly withGil: Verdict }[] = [
  { id: "gil.threads", claim: (run) => gil.gilThreads(run(cpython(parallel, parallel))), withGil: "differs" },
  { id: "gil.threads", claim: (run) => gil.gilThreads(run(cpython(gilBound, parallel))), withGil: "holds" },
  { id: "gil.c-code", claim: (run) => gil.gilReleasedByC(run(cpython(parallel, parallel))), withGil: "holds" },
  { id: "gil.c-code", claim: (run) => gil.gilReleasedByC(run(cpython(gilBound, parallel))), withGil: "differs" },
  { id: "examples.cpu-python-threads", claim: (run) => pick(cpuBound.cpuExamples(node(parallel, parallel), run(cpython(ran(1.9, 1.95), parallel))), "examples.cpu-python-threads"), withGil: "differs" },
  { id: "examples.cpu-python-threads", claim: (run) => pick(cpuBound.cpuExamples(node(parallel, parallel), run(cpython(gilBound, parallel))), "examples.cpu-python-threads"), withGil: "holds" },
  { id: "examples.io-python-threads", claim: (run) => pick(waiting.ioExamples(blocking(steady(1.95), steady(1)), run(sleeps(steady(1.95)))), "examples.io-python-threads"), withGil: "holds" },
  { id: "examples.io-python-threads", claim: (run) => pick(waiting.ioExamples(blocking(steady(1.95), steady(1)), run(sleeps(steady(1.0)))), "examples.io-python-threads"), withGil: "differs" },
];

describe("a claim about the GIL is never decided on a CPython that ran without it", () => {
  for (const { id, claim, withGil } of WITHOUT_GIL) {
    it(`${id}: "${withGil}" with the GIL on; not measured with it off`, () => {
      const off = claim(noGil);
      assert.equal(off.id, id);
      assert.equal(off.verdict, "not measured", off.reason);
      assert.match(off.reason, /^CPython 3\.13\.5 \(a free-threaded build, GIL disabled while it ran\) ran these threads, so the lock this claim is about was not there: the run neither confirms nor contradicts it\. Without the GIL, .+\. To test the claim, run the course on a standard build, or on this one with PYTHON_GIL=1$/);
      assert.match(off.rule, new RegExp(`^${judging.GIL_ON_RULE.replace(/[().]/g, "\\$&")}; `));
      // PYTHON_GIL=1 turns a free-threaded build's GIL back on: then the claim is judged, as on a standard build.
      assert.equal(claim((r) => ranBy(r, true)).verdict, withGil, "a free-threaded build with its GIL back on");
      assert.equal(claim((r) => ranBy(r, true, false)).verdict, withGil, "a standard build");
      assert.equal(claim((r) => r).verdict, withGil, "a run that reported no interpreter");
    });
  }

  it("the processes claims keep their verdict without the GIL, and say that no process had one", () => {
    const processes = gil.gilProcesses(noGil(cpython(parallel, parallel)));
    assert.equal(processes.verdict, "holds");
    assert.match(processes.reason, /; CPython 3\.13\.5 \(a free-threaded build, GIL disabled while it ran\) ran them, so no process had a GIL to hold: the parallelism was measured, the part about each process's own GIL was not$/);
    assert.equal(gil.gilProcesses(noGil(cpython(parallel, flat))).verdict, "differs");
    assert.doesNotMatch(gil.gilProcesses(cpython(gilBound, parallel)).reason, /GIL/);
    const cpu = pick(cpuBound.cpuExamples(node(parallel, parallel), noGil(cpython(parallel, parallel))), "examples.cpu-python-processes");
    assert.equal(cpu.verdict, "holds");
    assert.match(cpu.reason, /^separate interpreters \(CPython 3\.13\.5 \(a free-threaded build, GIL disabled while it ran\), so no GIL in any of them\) finished/);
  });

  it("moderate waiting holds without the GIL too, and its reason does not credit the GIL", () => {
    const moderate = choosing.moderateWaiting(noGil(waits(steady(7))));
    assert.equal(moderate.verdict, "holds");
    assert.match(moderate.reason, /GIL disabled while it ran\), so there was no GIL to let go of\)/);
    assert.match(choosing.moderateWaiting(waits(steady(7))).reason, /released the GIL/);
  });

  it("the shared counter loses updates without the GIL: holds, and says the GIL was off", () => {
    const counter = { ...pyCounter([1_400_000, 1_500_000, 1_450_000], [0, 0, 0], "3.13.5"), interpreter: { version: "3.13.5", gil: false, switchIntervalS: 0.005 } };
    const shared = sharedState.cpythonSharedCounter(counter);
    assert.equal(shared.verdict, "holds");
    assert.match(shared.measured, /^CPython 3\.13\.5 \(GIL off, /);
  });

  it("the caption under a CPython comparison names its interpreter and whether the GIL was on while it ran", () => {
    assert.match(compareCaption(noGil(cpython(parallel, parallel))), /^Here, 2 copies on 2 usable CPUs, run by CPython 3\.13\.5 \(a free-threaded build, GIL disabled while it ran\): CPython threads /);
    assert.match(compareCaption(ranBy(cpython(gilBound, parallel), true, false)), /^Here, 2 copies on 2 usable CPUs, run by CPython 3\.13\.5 \(a standard build, GIL enabled while it ran\): /);
    assert.match(compareCaption(noGil(waits([7, 7, 7]))), /^Here, 8 copies on 2 usable CPUs, run by Node and CPython 3\.13\.5 \(a free-threaded build, GIL disabled while it ran\): /);
    assert.match(compareCaption(node(parallel, parallel)), /^Here, 2 copies on 2 usable CPUs: /);
  });
});

/** Every claim id the verdict functions can return, read from the chapters' source and the judging they share. */
function claimIds(): string[] {
  const dir = path.join(process.cwd(), "src", "course");
  const files = [path.join(dir, "judging.ts"), ...readdirSync(path.join(dir, "chapters")).map((name) => path.join(dir, "chapters", name))];
  const source = files.map((file) => readFileSync(file, "utf8")).join("\n");
  return [...new Set([...source.matchAll(/(?:id: |notMeasuredInCPython\()"([a-z]+\.[a-z-]+)"/g)].map((m) => m[1]!))].sort();
}

describe("every verdict can come out each way it names", () => {
  it("the table covers every claim the verdicts can return", () => {
    assert.deepEqual(Object.keys(OUTCOMES).sort(), claimIds());
  });

  it("the registry's chapters declare exactly those claims, each in one chapter", () => {
    const declared = CHAPTERS.flatMap((c) => c.claims);
    assert.equal(new Set(declared).size, declared.length, "no claim in two chapters");
    assert.deepEqual([...declared].sort(), claimIds());
  });

  for (const [id, outcomes] of Object.entries(OUTCOMES)) {
    it(`${id}: ${Object.keys(outcomes).join(", ")}`, () => {
      const kinds = new Set<Claim["kind"]>();
      for (const [verdict, make] of Object.entries(outcomes)) {
        const claim = make!();
        assert.equal(claim.id, id);
        assert.equal(claim.verdict, verdict, `${id} fed evidence for "${verdict}": ${claim.reason}`);
        assert.ok(claim.reason.length > 0 && claim.rule.length > 0 && claim.measured.length > 0);
        kinds.add(claim.kind);
      }
      assert.equal(kinds.size, 1, `${id} is always the same kind of claim`);
      const [kind] = kinds;
      if (kind === "test") {
        assert.ok(outcomes.holds && outcomes.differs, `${id} is a test: it must be able to hold and to differ`);
      } else {
        assert.ok(outcomes.holds && outcomes.unclear && !outcomes.differs, `${id} is a demonstration: shown, or unclear when the run went wrong, never "differs"`);
      }
    });
  }
});

describe("a run that went wrong is unclear, never evidence for either side", () => {
  for (const { what, claim } of BROKEN_RUNS) {
    it(what, () => {
      const c = claim();
      assert.equal(c.verdict, "unclear", `${c.id}: ${c.reason}`);
    });
  }

  it("a speedup claim that fell short says whether the copies were denied CPU, ran on slower CPUs, or lost time to the runtime", () => {
    const copies = (strategy: StrategyKey, ms: number, cpuMs: number): Span[] =>
      [0, 1, 2].flatMap((repeat) => [0, 1].map((copy): Span => ({ strategy, repeat, copy, pid: 1, threadId: copy, lane: `t${copy}`, laneKind: "thread", startMs: 0, endMs: ms, cpuMs })));
    const run = (processes: Row, steal = 0): CompareResult => {
      const r = result(2, 2, { sequential: { ...base, spans: copies("sequential", 150, 150) }, threads: parallel, processes });
      return { ...r, noise: { ...r.noise, steal } };
    };
    const reason = (r: CompareResult): string => pick(cpuBound.cpuExamples(r, null), "examples.cpu-node-processes").reason;
    assert.match(reason(run({ ...ran(1.3, 1.95), spans: copies("processes", 230, 225) })), /^slower CPU: 1\.95 CPUs were busy at once; each copy had 98% of a CPU yet ran 1\.53x as long/);
    assert.match(reason(run({ ...ran(1.3, 1.3), spans: copies("processes", 230, 150) }, 0.3)), /^denied CPU: .*each copy had only 65% of a CPU while it ran: the hypervisor held back 30% of the machine's CPU time \(steal\)/);
    assert.match(reason(run({ ...ran(1.3, 1.3), spans: copies("processes", 230, 150) })), /^denied CPU: .*neither steal nor other programs explain it, so the copies shared CPUs with each other/);
    assert.match(reason(run({ wall: steady(230), speedup: steady(1.3), coresBusy: steady(1.95), spans: copies("processes", 150, 150) })), /^runtime overhead: .*ran about as fast side by side as alone, and 35% of the wall time went to starting, handing out and collecting them/);
  });
});
