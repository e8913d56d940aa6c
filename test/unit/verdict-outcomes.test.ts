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
import { CHAPTERS, compareCaption, type Claim, type Verdict, approaches, choosing, concepts, cpuBound, gil, judging, prosAndCons, sharedState, waiting } from "conclab/course";
import { handMadeResult, steady } from "../helpers/results";

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

const nodeAsync = { requests: 10_000, failed: 0, wallMs: 2_000, addedBytes: 100e6 };
const nodePool = { threads: 32, requests: 10_000, failed: 0, wallMs: 9_000, addedBytes: 300e6 };
const conn = (bytesPerConnection: number, failed = 0, mostAtOnce = 5_000): choosing.ConnectionsRun => ({ count: 5_000, failed, wallMs: 1_800, mostAtOnce, bytesPerConnection });
const connections = (asyncio: choosing.ConnectionsRun, threads: choosing.ConnectionsRun) => ({ asyncio, threads });
const pyCounter = (plain: number[], locked: number[], version: string) => ({
  threads: 4, times: 500_000,
  plain: plain.map((lost) => ({ lost })), locked: locked.map((lost) => ({ lost })),
  interpreter: { version, gil: true, switchIntervalS: 0.005 },
});

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
  "decision.shared-processes": {
    holds: () => shared("decision.shared-processes", { plain: 5, atomic: 0, locked: 0 }),
    unclear: () => shared("decision.shared-processes", { plain: 5, atomic: 0, locked: 0 }, 2, race, { sum: 9, expected: 10 }),
  },
};

/** Runs that went wrong: each must be unclear, whatever the claim. */
const BROKEN_RUNS: readonly { readonly what: string; readonly claim: () => Claim }[] = [
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
  { what: "the messages did not add up", claim: () => shared("decision.shared-processes", { plain: 5, atomic: 0, locked: 0 }, 2, race, { sum: 9, expected: 10 }) },
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
