/**
 * The experiments of 07 and 08 (the decision matrix: CPU or waiting, shared state), defined once: the chapters run them at full size,
 * `quick.quickChoosing` and `quick.quickSharedState` (for 09's summary) at a smaller one. Each returns the numbers its verdict
 * function in ./verdicts reads; the tasks they send to threads and processes are exported so that
 * a reader can open them.
 */
import { compare, type CompareOptions, type CompareResult } from "../experiment/compare";
import { strategyDescriptor } from "../strategies/descriptors";
import { run } from "../experiment/run";
import { countTo } from "../tasks/cpu";
import { httpGet } from "../tasks/io";
import type { TaskFunction } from "../tasks/task-source";
import { findPython } from "../python";
import { pythonConnections, type PythonConnectionsRun } from "../experiment/python-experiments";
import { startDelayServer } from "../tasks/delay-server";
import { decided } from "./claims";
import { moderateWaiting, type ScalingPoint } from "./verdicts";

/** The copy counts of the scaling curve: powers of two up to the CPUs (at most 64), and the CPUs themselves. */
export function scalingCopies(cores: number): number[] {
  const top = Math.min(cores, 64);
  return [...new Set([1, 2, 4, 8, 16, 32, 64].filter((k) => k <= top).concat([top]))];
}

/**
 * Runs `task(...args)` as each count of copies in `copies` under `strategies` (default: one after
 * another, on worker threads and on child processes; `["python"]` for CPython's), and returns one
 * point per strategy that is not its own baseline, per count: its speedup over that baseline and
 * the CPUs it kept busy.
 */
export async function scalingCurve<F extends TaskFunction>(options: {
  task: F;
  args: Parameters<F>;
  copies: readonly number[];
  strategies?: CompareOptions<F>["strategies"];
  repeats?: number;
  until?: (points: ScalingPoint[]) => boolean;
}): Promise<ScalingPoint[]> {
  const curve: ScalingPoint[] = [];
  for (const k of options.copies) {
    const pointsOf = (r: CompareResult): ScalingPoint[] =>
      r.strategies
        .filter((s) => strategyDescriptor(s.strategy)?.baseline !== s.strategy)
        .map((s) => ({ strategy: s.strategy, workers: k, speedup: s.speedup!, coresBusy: s.coresBusy, busy: r.noise.busy }));
    const stopWhen = options.until;
    const r = await compare({
      task: options.task,
      args: options.args,
      copies: k,
      strategies: options.strategies ?? ["sequential", "threads", "processes"],
      repeats: options.repeats ?? 3,
      warmup: 1,
      ...(stopWhen ? { until: (partial) => stopWhen([...curve, ...pointsOf(partial)]) } : {}),
    });
    curve.push(...pointsOf(r));
  }
  return curve;
}

/**
 * Moderate waiting: `copies` requests to `url`, one after another and started together, in Node
 * (the event loop, worker threads) and, where a CPython 3.8+ is found, on CPython's threads: the
 * article's advice is about Python's threads, so `verdicts.moderateWaiting` decides on those.
 * Repeats until that verdict is decided.
 */
export function moderateWaits(url: string, options: { copies: number; repeats?: number }): Promise<CompareResult> {
  const python = findPython() ? (["python:sequential", "python:threads"] as const) : [];
  return compare({
    task: httpGet, args: [url], copies: options.copies, strategies: ["sequential", "async", "threads", ...python], repeats: options.repeats ?? 3, warmup: 1,
    until: (r) => decided(moderateWaiting(r)),
  });
}

/** CPython's massive waiting, both ways: what `verdicts.massiveWaiting` decides on. */
export interface CPythonMassiveRun {
  readonly asyncio: PythonConnectionsRun;
  readonly threads: PythonConnectionsRun;
}

/**
 * Massive waiting in CPython, at equal concurrency: `connections` (default 5,000) requests to a
 * server that answers after `delayMs` (default 1,000), all awaited on one asyncio loop, then one
 * thread each; each request opens its connection and waits for all the others to open theirs
 * before it sends (pythonConnections), so both ways hold every connection at once.
 * Null where no CPython 3.8+ is found. About 5 s here.
 */
export async function cpythonMassiveWaiting(options: { connections?: number; delayMs?: number } = {}): Promise<CPythonMassiveRun | null> {
  if (!findPython()) return null;
  const count = options.connections ?? 5_000;
  const server = await startDelayServer({ delayMs: options.delayMs ?? 1_000, inChildProcess: true });
  try {
    const asyncio = await pythonConnections(server.url, { count, mode: "asyncio" });
    const threads = await pythonConnections(server.url, { count, mode: "threads" });
    return { asyncio, threads };
  } finally {
    await server.close();
  }
}

/** One thread awaiting every request at once: what `verdicts.massiveWaiting` reads. */
export interface AsyncWaitingRun {
  readonly requests: number;
  readonly failed: number;
  readonly wallMs: number;
  readonly addedBytes: number;
}

/** A pool of threads, each serving its share of the requests one at a time. */
export interface PoolWaitingRun extends AsyncWaitingRun {
  readonly threads: number;
}

/**
 * A thread of a pool serving `count` requests to `url` one at a time, as a thread blocked in a
 * socket call does; returns how many were answered with status 200.
 */
export async function requestsOneAtATime(url: string, count: number): Promise<number> {
  const http = require("node:http") as typeof import("node:http");
  let answered = 0;
  for (let i = 0; i < count; i++) {
    answered += await new Promise<number>((resolve, reject) => {
      http
        .get(url, { agent: false }, (response) => {
          response.resume();
          response.on("end", () => resolve(response.statusCode === 200 ? 1 : 0));
        })
        .on("error", reject);
    });
  }
  return answered;
}

/**
 * Massive waiting: `requests` requests to `url` (a server that answers `bytes` bytes), first all
 * awaited at once on the event loop, then served by a pool of `threads` worker threads one request
 * each at a time. Memory is the kernel's resident set at its peak, less what it was before each.
 */
export async function massiveWaitingRun(url: string, options: { requests: number; threads: number; bytes?: number }): Promise<{ async: AsyncWaitingRun; pool: PoolWaitingRun }> {
  const { requests, threads } = options;
  const bytes = options.bytes ?? 1024;
  const before = process.memoryUsage().rss;
  const oneThread = await run({ strategy: "async", task: httpGet, args: [url], copies: requests, warmup: 0, timeoutMs: 120_000 });
  const asyncRun = { requests, failed: oneThread.results.filter((n) => n !== bytes).length, wallMs: oneThread.wallMs, addedBytes: oneThread.memory.rssPeakBytes - before };
  const share = Math.ceil(requests / threads);
  const beforePool = process.memoryUsage().rss;
  const pooled = await run({ strategy: "threads", task: requestsOneAtATime, args: [url, share], copies: threads, warmup: 0, timeoutMs: 300_000 });
  const served = threads * share;
  const answered = (pooled.results as number[]).reduce((a, b) => a + b, 0);
  return {
    async: asyncRun,
    pool: { threads, requests: served, failed: served - answered, wallMs: pooled.wallMs, addedBytes: pooled.memory.rssPeakBytes - beforePool },
  };
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
 * `Atomics.add`, a lock); returns a row per way, and the losses in the shape `verdicts.sharedState` reads.
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

/** What this machine's runs of 07 (curve, massive) and 08 (counter) showed, for {@link advise}: each cited where given. */
export interface DecisionEvidence {
  readonly cores: number;
  readonly curve?: readonly ScalingPoint[];
  readonly massive?: { readonly async: AsyncWaitingRun };
  readonly counter?: { readonly lost: { readonly plain: number; readonly expected: number } };
}

/** The article's three questions as a function: advice in Node's terms, citing this run's numbers. */
export function advise(question: { bottleneck: "cpu" | "waiting"; connections?: number; sharedState?: boolean }, evidence: DecisionEvidence): string {
  const advice: string[] = [];
  if (question.bottleneck === "cpu") {
    const threadsAt = evidence.curve?.filter((p) => p.strategy === "threads").at(-1);
    const cited = !threadsAt
      ? ""
      : threadsAt.workers < 2
        ? " (with one CPU here, this machine cannot show their speedup)"
        : ` (here ${threadsAt.speedup.median.toFixed(2)}x with ${threadsAt.workers} copies on ${evidence.cores} CPUs)`;
    advice.push(`CPU-bound: use worker threads${cited}, or child processes when tasks must be isolated; never the event loop alone.`);
  } else if ((question.connections ?? 1) >= 1000) {
    const a = evidence.massive?.async;
    const cited = a ? ` (here ${a.requests.toLocaleString("en-US")} connections in ${a.wallMs.toFixed(0)} ms on one thread, ${a.failed} failed)` : "";
    advice.push(`Massive waiting: async I/O on the event loop${cited}.`);
  } else {
    advice.push("Moderate waiting: await the requests together on the event loop; use a worker thread only for a call that blocks.");
  }
  if (question.sharedState) {
    const lost = evidence.counter?.lost.plain;
    const cited = lost === undefined ? "" : ` (a plain ++ lost ${lost > 0 ? lost.toLocaleString("en-US") : "no"} updates here)`;
    advice.push(
      `Shared state: between threads use Atomics or a lock${cited}; ` +
        "in async code keep each read-modify-write free of awaits; between processes send messages.",
    );
  }
  return advice.join("\n");
}

/** The massive-waiting runs as table rows, one per approach. */
export function massiveWaitingRows(result: { async: AsyncWaitingRun; pool: PoolWaitingRun }): Record<string, string | number>[] {
  const row = (approach: string, r: AsyncWaitingRun): Record<string, string | number> => ({
    approach,
    connections: r.requests,
    failed: r.failed,
    "wall time (ms)": r.wallMs,
    "memory added (MB)": r.addedBytes / 2 ** 20,
  });
  return [row("one thread, all connections awaited at once", result.async), row(`${result.pool.threads} worker threads, one connection each at a time`, result.pool)];
}

/** The shared-counter rows with the column names a table shows. */
export function counterRows(rows: readonly CounterRow[]): Record<string, string | number>[] {
  return rows.map((r) => ({ method: r.method, expected: r.expected, counted: r.counted, lost: r.lost, "wall time (ms)": r.wallMs }));
}

/** CPython's massive-waiting run as table rows, one per way of holding the connections. */
export function cpythonMassiveRows(run: CPythonMassiveRun): Record<string, string | number>[] {
  const row = (way: string, r: PythonConnectionsRun): Record<string, string | number> => ({
    way,
    requests: r.count,
    "open at once (most)": r.mostAtOnce,
    failed: r.failed,
    "wall time (ms)": r.wallMs,
    "memory per connection (KB, peak resident)": r.bytesPerConnection / 1024,
  });
  return [row("asyncio: all awaited on one event loop", run.asyncio), row("a thread per request, blocked in its socket call", run.threads)];
}
