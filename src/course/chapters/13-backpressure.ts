/**
 * Chapter 13, bounded concurrency, backpressure and cancellation: 10,000 requests with and without
 * a limit (p-limit), a fast stream into a slow one with and without backpressure, deadlines
 * (AbortSignal.timeout) on every strategy and on a CPU loop on the main thread, Promise.all against
 * Promise.allSettled when one task fails, and asyncio's TaskGroup and timeout in CPython. Its
 * claims, their experiments at full and short size, its captions, question and exercise check.
 */
import { readdirSync, readFileSync } from "node:fs";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { setTimeout as delay } from "node:timers/promises";
import { describeMachine } from "../../environment";
import { AbortError, throwIfAborted } from "../../errors";
import { calibrate } from "../../experiment/calibrate";
import { pythonScript, runPythonMeasurement } from "../../experiment/python-script";
import { run } from "../../experiment/run";
import type { Figure } from "../../figures/figure";
import { strategyColor, strategyName } from "../../figures/style";
import { findPython } from "../../python";
import { startExperiment } from "../../runtime/lifecycle";
import { countTo } from "../../tasks/cpu";
import { startDelayServer } from "../../tasks/delay-server";
import { sleep } from "../../tasks/io";
import { limitedBatch, loadPLimit, type BatchReport } from "../../tasks/limited-batch";
import type { Chapter, ChapterResults, Size } from "../chapter";
import { type Claim, type Verdict } from "../claims";
import { count, ExerciseResult, threw } from "../exercise-kit";
import { bytes, claim, ms, notMeasuredInCPython, x } from "../judging";
import { ANY_HIGH, rangeChoice, type Question } from "../questions";

export { limitedBatch, type BatchReport } from "../../tasks/limited-batch";

/** p-limit's factory, `pLimit(k)`: a function that runs at most k of the tasks handed to it at once. */
export function pLimit(concurrency: number): ReturnType<typeof import("p-limit").default> {
  return loadPLimit()(concurrency);
}

const SECTION = "13-backpressure";

// ---------------------------------------------------------------------------------------------
// A limit on 10,000 requests

/** What the limit experiment measured: one batch per limit (null: all at once), each from a fresh child. */
export interface LimitRun {
  readonly requests: number;
  /** How long the server waits before it answers (ms). */
  readonly delayMs: number;
  readonly batches: readonly BatchReport[];
}

const SIZES = {
  full: { requests: 10_000, limits: [100, 1_000, null], delayMs: 50, flowBytes: 32 * 2 ** 20, cancelDeadlineMs: 500, loopTargetMs: 800 },
  short: { requests: 3_000, limits: [100, null], delayMs: 50, flowBytes: 8 * 2 ** 20, cancelDeadlineMs: 400, loopTargetMs: 600 },
} as const;

/**
 * `requests` requests (10,000; 3,000 short) to a server in a child process that answers after
 * 50 ms: through p-limit with 100 and 1,000 in flight (100 short), then all at once. Each batch
 * runs in a fresh child process of its own, so its memory is its own.
 */
export async function limitRun(size: Size = "full"): Promise<LimitRun> {
  const { requests, limits, delayMs } = SIZES[size];
  const server = await startDelayServer({ delayMs, inChildProcess: true });
  try {
    const batches: BatchReport[] = [];
    for (const limit of limits) batches.push(await limitedBatch({ url: server.url, requests, limit }));
    return { requests, delayMs, batches };
  } finally {
    await server.close();
  }
}

/** The fewest rounds a limit of `limit` allows: ceil(requests / limit) waits of delayMs one after another. */
export function limitBoundMs(requests: number, limit: number | null, delayMs: number): number {
  return Math.ceil(requests / (limit ?? requests)) * delayMs;
}

const smallest = (r: LimitRun): BatchReport | undefined =>
  r.batches.filter((b) => b.limit !== null).reduce<BatchReport | undefined>((low, b) => (low === undefined || b.limit! < low.limit! ? b : low), undefined);
const unlimited = (r: LimitRun): BatchReport | undefined => r.batches.find((b) => b.limit === null);
const limitText = (b: BatchReport): string => (b.limit === null ? "no limit" : `a limit of ${count(b.limit)}`);

/** Above this many times N/k × latency, the limit no longer set the time. */
export const TIME_HOLDS_AT_MOST = 1.5;
export const TIME_DIFFERS_FROM = 3;
/** "differs" needs a machine that served at least this many times the limit's pace (k / latency) without a limit. */
export const CAPACITY_SHARE = 2;
/** Starting everything at once must hold this many times the memory of the smallest limit. */
export const MEMORY_HOLDS_FROM = 2;
export const MEMORY_DIFFERS_AT_MOST = 1.2;

/** 13: the limiter bounds the connections open at once (p-limit's promise: a demonstration). */
export function connectionsClaim(r: LimitRun): Claim {
  const limited = r.batches.filter((b) => b.limit !== null);
  const all = unlimited(r);
  const within = limited.every((b) => b.mostOpen <= b.limit!);
  const reached = limited.every((b) => b.mostOpen >= Math.min(b.limit!, r.requests) * 0.5);
  const held = within && reached && all !== undefined && all.mostOpen > Math.max(...limited.map((b) => b.limit!));
  return claim({
    id: "bounded.connections",
    section: SECTION,
    claim: "A concurrency limit of k keeps at most k requests, and their connections, open at once; without one, every request opens its connection at the same time.",
    measured: r.batches.map((b) => `${limitText(b)}: at most ${count(b.mostOpen)} connections open at once`).join("; "),
    verdict: held ? "holds" : "unclear",
    reason: held
      ? "p-limit starts a task only when one of the k before it has settled, and a request here settles when its connection has closed"
      : "the connections counted do not show the limit at work (a limited batch passed its limit, never reached it, or the batch without a limit opened few): the measurement went wrong",
    rule: "holds if each limited batch had at most k, and at least k/2, connections open at once, and the batch without a limit opened more than the largest k; else unclear",
    kind: "demonstration",
  });
}

/** 13: with a limit of k, N requests take about N/k round trips of the server's latency (decided at the smallest k). */
export function timeClaim(r: LimitRun): Claim {
  const b = smallest(r);
  const parts = {
    id: "bounded.time",
    section: SECTION,
    claim: "A limit of k costs time: N requests take about N/k times one request's latency, because only k wait at once.",
    rule: `at the smallest limit k, wall time over ceil(N/k) × latency: holds if at most ${TIME_HOLDS_AT_MOST}; differs if ${TIME_DIFFERS_FROM} or more although the machine served at least ${CAPACITY_SHARE} × k / latency requests a second without a limit (it could keep the pace, yet the limit did not set the time); unclear otherwise, or if requests failed`,
  };
  if (!b) return claim({ ...parts, measured: "no limited batch ran", verdict: "not measured", reason: "the experiment ran no batch with a limit" });
  const bound = limitBoundMs(r.requests, b.limit, r.delayMs);
  const ratio = b.wallMs / bound;
  // What the machine can serve at all (the batch without a limit), against the pace the limit asks for.
  const all = unlimited(r);
  const capacity = all ? r.requests / (all.wallMs / 1000) : null;
  const pace = b.limit! / (r.delayMs / 1000);
  const keptUp = capacity !== null && capacity >= CAPACITY_SHARE * pace;
  let verdict: Verdict;
  let reason: string;
  if (b.failed > 0) {
    verdict = "unclear";
    reason = `${count(b.failed)} requests failed, so the batch did not do the work the bound counts`;
  } else if (ratio <= TIME_HOLDS_AT_MOST) {
    verdict = "holds";
    reason = `the batch took ${x(ratio)} the ${count(Math.ceil(r.requests / b.limit!))} round trips a limit of ${count(b.limit!)} allows: the limit set the time`;
  } else if (ratio >= TIME_DIFFERS_FROM && !keptUp) {
    verdict = "unclear";
    reason = `the batch took ${x(ratio)} its bound, but without a limit this machine served ${capacity === null ? "an unknown number of" : count(Math.round(capacity))} requests a second, under ${CAPACITY_SHARE} × the ${count(pace)} a second the limit asks for: it could not keep the limit's pace (a busy machine), so this run cannot tell`;
  } else if (ratio >= TIME_DIFFERS_FROM) {
    verdict = "differs";
    reason = `the batch took ${x(ratio)} its bound: connecting and parsing, not the waits, set the time at this limit on this machine`;
  } else {
    verdict = "unclear";
    reason = `the batch took ${x(ratio)} its bound, between ${TIME_HOLDS_AT_MOST} and ${TIME_DIFFERS_FROM}: the limit and the machine's speed both counted`;
  }
  return claim({
    ...parts,
    measured: `${count(r.requests)} requests, ${r.delayMs} ms each, through a limit of ${count(b.limit!)}: ${ms(b.wallMs)} against ceil(N/k) × latency = ${ms(bound)}${capacity === null ? "" : `; without a limit the machine served ${count(Math.round(capacity))} requests a second (the limit asks for ${count(pace)})`}`,
    verdict,
    reason,
    observed: { median: ratio, low: ratio, high: ratio },
  });
}

/** 13: starting every request at once holds more memory than a limit does (decided on the smallest limit). */
export function memoryClaim(r: LimitRun): Claim {
  const b = smallest(r);
  const all = unlimited(r);
  const parts = {
    id: "bounded.memory",
    section: SECTION,
    claim: "Starting every request at once holds far more memory than letting a limit of k through at a time.",
    rule: `the most memory the batch without a limit held alive at once (heap and external memory after a full collection, each batch in a fresh process) over that of the smallest limit: holds if ${MEMORY_HOLDS_FROM}x or more, differs if ${MEMORY_DIFFERS_AT_MOST}x or less, unclear between or if requests failed`,
  };
  if (!b || !all) return claim({ ...parts, measured: "no pair of batches, one limited and one not", verdict: "not measured", reason: "the experiment did not run both a limited batch and one without a limit" });
  const ratio = all.heldBytes / Math.max(b.heldBytes, 1);
  let verdict: Verdict;
  let reason: string;
  if (b.failed > 0 || all.failed > 0) {
    verdict = "unclear";
    reason = "requests failed, so the two batches did not hold the same work";
  } else if (ratio >= MEMORY_HOLDS_FROM) {
    verdict = "holds";
    reason = `every request in flight holds a socket, its buffers and its request objects: ${count(all.mostOpen)} of them at once took ${x(ratio)} the memory of ${count(b.limit!)}`;
  } else if (ratio <= MEMORY_DIFFERS_AT_MOST) {
    verdict = "differs";
    reason = `the batch without a limit took no more memory than ${limitText(b)} (${x(ratio)})`;
  } else {
    verdict = "unclear";
    reason = `${x(ratio)} the memory: between ${MEMORY_DIFFERS_AT_MOST}x and ${MEMORY_HOLDS_FROM}x, too close to call on one reading each`;
  }
  return claim({
    ...parts,
    measured: `most memory held alive at once: no limit ${bytes(all.heldBytes)} (${count(all.mostOpen)} open at once), ${limitText(b)} ${bytes(b.heldBytes)}`,
    verdict,
    reason,
    observed: { median: ratio, low: ratio, high: ratio },
  });
}

/** The limit experiment's table: one row per batch. */
export function limitRows(r: LimitRun): Record<string, string | number>[] {
  return r.batches.map((b) => ({
    limit: b.limit === null ? "none" : b.limit,
    "wall time (ms)": Math.round(b.wallMs),
    "ceil(N/k) × latency (ms)": limitBoundMs(r.requests, b.limit, r.delayMs),
    "open at once (most)": b.mostOpen,
    failed: b.failed,
    "memory held at most (MB)": Number((b.heldBytes / 2 ** 20).toFixed(1)),
  }));
}

/** Wall time and the most memory held of each batch, side by side. */
export function limitFigure(r: LimitRun): Figure {
  if (r.batches.length === 0) throw new RangeError("r.batches must hold at least one batch; run limitRun() first");
  const labels = r.batches.map((b) => (b.limit === null ? "no limit" : `limit ${count(b.limit)}`));
  return {
    data: [
      { type: "bar", name: "wall time (s)", x: labels, y: r.batches.map((b) => b.wallMs / 1000), marker: { color: strategyColor("async") }, yaxis: "y" },
      { type: "scatter", mode: "markers", name: "ceil(N/k) × latency (s)", x: labels, y: r.batches.map((b) => limitBoundMs(r.requests, b.limit, r.delayMs) / 1000), marker: { color: "#1b1b1b", symbol: "line-ew-open", size: 30 }, yaxis: "y" },
      { type: "bar", name: "memory held at most (MB)", x: labels, y: r.batches.map((b) => b.heldBytes / 2 ** 20), marker: { color: "#c0392b" }, xaxis: "x2", yaxis: "y2" },
    ],
    layout: {
      title: { text: `${count(r.requests)} requests to a server that answers in ${r.delayMs} ms` },
      grid: { rows: 1, columns: 2, pattern: "independent" },
      yaxis: { title: { text: "wall time (s)" }, rangemode: "tozero" },
      yaxis2: { title: { text: "memory held at most (MB)" }, rangemode: "tozero" },
      height: 380,
    },
  };
}

/** The sentence under the limit figure, from its numbers. */
export function limitCaption(r: LimitRun): string {
  const parts = r.batches.map((b) => `${limitText(b)} ${ms(b.wallMs)}, ${count(b.mostOpen)} open at once, ${bytes(b.heldBytes)} held at most${b.failed ? `, ${count(b.failed)} failed` : ""}`);
  return `${count(r.requests)} requests of ${r.delayMs} ms: ${parts.join("; ")}.`;
}

// ---------------------------------------------------------------------------------------------
// Backpressure: a fast stream into a slow one

/** One way of moving a fast source into a slow sink. */
export interface FlowRun {
  readonly way: "pipeline" | "write() ignored";
  readonly totalBytes: number;
  readonly chunkBytes: number;
  readonly highWaterMark: number;
  /** The most bytes waiting in the two streams' buffers at once. */
  readonly mostBufferedBytes: number;
  readonly wallMs: number;
}

const FLOW = { chunkBytes: 64 * 1024, highWaterMark: 256 * 1024, writeMs: 1 } as const;

/**
 * Moves `totalBytes` in 64 KiB chunks from a source that makes them as fast as asked into a sink
 * that takes 1 ms a chunk, both with a highWaterMark of 256 KiB: with `pipeline` (which waits
 * when the sink's buffer is full) or with a loop that calls `write()` and ignores its answer.
 */
export async function flow(way: FlowRun["way"], totalBytes: number, signal?: AbortSignal): Promise<FlowRun> {
  const { chunkBytes, highWaterMark, writeMs } = FLOW;
  let produced = 0;
  let most = 0;
  const source = new Readable({
    highWaterMark,
    read() {
      if (produced >= totalBytes) return void this.push(null);
      produced += chunkBytes;
      this.push(Buffer.alloc(chunkBytes, 1));
    },
  });
  const sink: Writable = new Writable({
    highWaterMark,
    write(_chunk: Buffer, _encoding, done) {
      most = Math.max(most, sink.writableLength + source.readableLength);
      setTimeout(done, writeMs);
    },
  });
  const started = performance.now();
  if (way === "pipeline") {
    await pipeline(source, sink, signal ? { signal } : {});
  } else {
    source.destroy();
    for (let sent = 0; sent < totalBytes; sent += chunkBytes) {
      sink.write(Buffer.alloc(chunkBytes, 1)); // the answer (false: "stop, I am full") is ignored
      most = Math.max(most, sink.writableLength);
    }
    const onAbort = (): void => void sink.destroy(new AbortError());
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      await new Promise<void>((resolve, reject) => {
        sink.once("finish", resolve).once("error", reject);
        sink.end();
      });
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }
  return { way, totalBytes, chunkBytes, highWaterMark, mostBufferedBytes: most, wallMs: performance.now() - started };
}

/** Both ways, 32 MiB each (8 MiB short). */
export function flowRun(size: Size = "full"): Promise<FlowRun[]> {
  const total = SIZES[size].flowBytes;
  return startExperiment(async ({ signal }) => [await flow("pipeline", total, signal), await flow("write() ignored", total, signal)]);
}

/** 13: pipeline respects highWaterMark; ignoring write()'s answer buffers everything (the streams' rules: a demonstration). */
export function backpressureClaim(runs: readonly FlowRun[]): Claim {
  const piped = runs.find((r) => r.way === "pipeline");
  const ignored = runs.find((r) => r.way === "write() ignored");
  const bound = piped ? 2 * piped.highWaterMark + piped.chunkBytes : 0;
  const held = piped !== undefined && ignored !== undefined && piped.mostBufferedBytes <= bound && ignored.mostBufferedBytes >= 0.9 * ignored.totalBytes;
  return claim({
    id: "bounded.backpressure",
    section: SECTION,
    claim: "Backpressure keeps a fast producer from burying a slow consumer: pipeline() holds at most about two highWaterMarks in memory, while ignoring write()'s answer buffers everything.",
    measured: runs.map((r) => `${r.way}: at most ${bytes(r.mostBufferedBytes)} buffered of ${bytes(r.totalBytes)}, ${ms(r.wallMs)}`).join("; "),
    verdict: held ? "holds" : "unclear",
    reason: held
      ? "pipeline() stops reading when write() answers false and resumes on 'drain'; a loop that ignores the answer queues every chunk in the sink"
      : "the buffers measured do not show the streams' rules (pipeline buffered past two highWaterMarks and a chunk, or the loop buffered less than 90 % of its data): the measurement went wrong",
    rule: `holds if pipeline's most bytes buffered are at most 2 × highWaterMark + one chunk (${piped ? bytes(bound) : "n/a"}) and the ignoring loop's at least 90 % of the data; else unclear`,
    kind: "demonstration",
  });
}

/** The backpressure runs as table rows. */
export function flowRows(runs: readonly FlowRun[]): Record<string, string | number>[] {
  return runs.map((r) => ({ way: r.way, "data (MB)": r.totalBytes / 2 ** 20, "highWaterMark (KB)": r.highWaterMark / 1024, "most buffered at once (KB)": Math.round(r.mostBufferedBytes / 1024), "wall time (ms)": Math.round(r.wallMs) }));
}

/** The sentence under the backpressure table. */
export function flowCaption(runs: readonly FlowRun[]): string {
  const piped = runs.find((r) => r.way === "pipeline");
  const ignored = runs.find((r) => r.way === "write() ignored");
  if (!piped || !ignored) return "";
  return `pipeline() held at most ${bytes(piped.mostBufferedBytes)} at once (highWaterMark ${bytes(piped.highWaterMark)}); the loop that ignored write() held ${bytes(ignored.mostBufferedBytes)}, ${x(ignored.mostBufferedBytes / Math.max(piped.mostBufferedBytes, 1))} as much, for the same ${bytes(ignored.totalBytes)} in ${ms(ignored.wallMs)} against ${ms(piped.wallMs)}.`;
}

// ---------------------------------------------------------------------------------------------
// Deadlines: AbortSignal.timeout on every strategy

/** What one strategy did when its deadline passed. */
export interface CancelPoint {
  readonly strategy: string;
  readonly deadlineMs: number;
  /** From the call to its promise settling. */
  readonly settledMs: number;
  /** settledMs − deadlineMs. */
  readonly latenessMs: number;
  /** aborted: rejected with AbortError; finished: the work ran to its end; failed: another error. */
  readonly outcome: "aborted" | "finished" | "failed";
  /** The run's own wall time when it finished (the loop's length), else null. */
  readonly workMs: number | null;
  /** Child processes started by the run and still alive after it settled; null where /proc is missing. */
  readonly childrenLeft: number | null;
  /** CPU time this process used in the window after the run settled (a thread left running uses all of it). */
  readonly cpuAfterMs: number;
  readonly windowMs: number;
}

/** The pids of this process's children (Linux /proc); null elsewhere. */
function childPids(): Set<number> | null {
  try {
    const mine = new Set<number>();
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        if (Number(fields[1]) === process.pid) mine.add(Number(entry));
      } catch {
        // gone meanwhile
      }
    }
    return mine;
  } catch {
    return null;
  }
}

const WINDOW_MS = 200;

/**
 * Runs `task(...args)` once on `strategy` under `AbortSignal.timeout(deadlineMs)` and reports when
 * the call settled, how, and what was left running after it: new child processes, and CPU this
 * process used in the 200 ms after.
 */
export async function cancelOne(strategy: "async" | "sequential" | "threads" | "processes" | "python:sequential", task: typeof sleep | typeof countTo, args: [number], deadlineMs: number, stop?: AbortSignal): Promise<CancelPoint> {
  throwIfAborted(stop);
  const deadline = AbortSignal.timeout(deadlineMs);
  const before = childPids();
  const started = performance.now();
  let outcome: CancelPoint["outcome"] = "finished";
  let workMs: number | null = null;
  try {
    const r = await run({ strategy, task, args, warmup: 0, signal: stop ? AbortSignal.any([deadline, stop]) : deadline, timeoutMs: 20_000 });
    workMs = r.wallMs;
  } catch (error) {
    outcome = error instanceof AbortError ? "aborted" : "failed";
  }
  const settledMs = performance.now() - started;
  throwIfAborted(stop); // an interrupted cell, not the deadline
  const cpu = process.cpuUsage();
  await delay(WINDOW_MS);
  const used = process.cpuUsage(cpu);
  const after = childPids();
  const childrenLeft = before === null || after === null ? null : [...after].filter((pid) => !before.has(pid)).length;
  return { strategy, deadlineMs, settledMs, latenessMs: settledMs - deadlineMs, outcome, workMs, childrenLeft, cpuAfterMs: (used.user + used.system) / 1000, windowMs: WINDOW_MS };
}

/**
 * A deadline of 500 ms (400 short) on work that would take seconds: a wait on the event loop, a
 * counting loop on a worker thread, in a child process and in CPython (where found); then a
 * counting loop of about 0.8 s (0.6 s short) on the main thread under a 200 ms deadline.
 */
export function cancelRun(size: Size = "full"): Promise<CancelPoint[]> {
  const { cancelDeadlineMs: deadline, loopTargetMs } = SIZES[size];
  return startExperiment(async ({ signal }) => {
    const long = await calibrate(countTo, { targetMs: 100 });
    const points: CancelPoint[] = [];
    points.push(await cancelOne("async", sleep, [10 * deadline], deadline, signal));
    points.push(await cancelOne("threads", countTo, [long * 40], deadline, signal));
    points.push(await cancelOne("processes", countTo, [long * 40], deadline, signal));
    if (findPython()) points.push(await cancelOne("python:sequential", countTo, [long * 40], deadline, signal));
    points.push(await cancelOne("sequential", countTo, [Math.round((long * loopTargetMs) / 100)], 200, signal));
    return points;
  });
}

/** Stopped within this long after the deadline counts as stopped at the deadline. */
export const CANCEL_PROMPT_MS = 300;
/** Running this long past the deadline, or finishing, is not being cancelled. */
export const CANCEL_LATE_MS = 2_000;

/** 13: AbortSignal.timeout ends a run in flight on the event loop, worker threads and child processes soon after its deadline, and leaves no thread or process running. */
export function cancelClaim(points: readonly CancelPoint[]): Claim {
  const off = points.filter((p) => p.strategy !== "sequential");
  const left = (p: CancelPoint): boolean => (p.childrenLeft ?? 0) > 0 || p.cpuAfterMs >= 0.8 * p.windowMs;
  const clean = (p: CancelPoint): boolean => (p.childrenLeft ?? 0) === 0 && p.cpuAfterMs <= 0.3 * p.windowMs;
  let verdict: Verdict;
  let reason: string;
  const late = off.filter((p) => p.outcome === "finished" || (p.outcome === "aborted" && p.latenessMs >= CANCEL_LATE_MS) || left(p));
  if (off.length === 0) {
    verdict = "not measured";
    reason = "no strategy off the main thread ran";
  } else if (off.some((p) => p.outcome === "failed")) {
    verdict = "unclear";
    reason = `${off.filter((p) => p.outcome === "failed").map((p) => p.strategy).join(", ")} failed for another reason than the deadline`;
  } else if (late.length > 0) {
    verdict = "differs";
    reason = `${late.map((p) => strategyName(p.strategy)).join(", ")} ran past the deadline or left work running`;
  } else if (off.every((p) => p.outcome === "aborted" && p.latenessMs <= CANCEL_PROMPT_MS && clean(p))) {
    verdict = "holds";
    reason = "each run rejected with AbortError soon after its deadline, its worker terminated or its process killed, and nothing it started was left running";
  } else {
    verdict = "unclear";
    reason = `a run stopped between ${CANCEL_PROMPT_MS} ms and ${CANCEL_LATE_MS} ms late, or some CPU was used after it: a busy machine or a slow teardown`;
  }
  return claim({
    id: "bounded.cancel",
    section: SECTION,
    claim: "A deadline (AbortSignal.timeout) ends a run in flight soon after it passes, on the event loop, on worker threads and in child processes (CPython's too), and leaves no thread or process running.",
    measured: off.length === 0 ? "no run off the main thread" : off.map((p) => `${strategyName(p.strategy)}: ${p.outcome} ${ms(p.settledMs)} after the call, ${p.latenessMs >= 0 ? `${ms(p.latenessMs)} after` : `${ms(-p.latenessMs)} before`} the ${ms(p.deadlineMs)} deadline, ${p.childrenLeft ?? "?"} processes left, ${ms(p.cpuAfterMs)} CPU in the ${p.windowMs} ms after`).join("; "),
    verdict,
    reason,
    rule: `holds if every run off the main thread rejected with AbortError at most ${CANCEL_PROMPT_MS} ms after its deadline, left no child process and used at most 30 % of a CPU in the ${WINDOW_MS} ms after; differs if one finished, stopped ${CANCEL_LATE_MS} ms late or more, left a process or kept 80 % of a CPU busy; else unclear`,
  });
}

/** 13: a CPU loop on the main thread cannot be cancelled: the deadline is seen only once the loop ends (JavaScript's run-to-completion: a demonstration). */
export function mainThreadClaim(points: readonly CancelPoint[]): Claim {
  const p = points.find((c) => c.strategy === "sequential");
  const parts = {
    id: "bounded.main-thread",
    section: SECTION,
    claim: "A CPU loop on the main thread cannot be cancelled: its deadline's abort event runs only when the loop has ended.",
    rule: "holds if the loop outlasted its deadline and ran to its end (the run finished instead of rejecting); unclear if the loop was shorter than the deadline or the run failed",
    kind: "demonstration" as const,
  };
  if (!p) return claim({ ...parts, measured: "no main-thread loop ran", verdict: "not measured", reason: "the experiment ran no loop on the main thread" });
  const held = p.outcome === "finished" && p.workMs !== null && p.workMs > p.deadlineMs;
  return claim({
    ...parts,
    measured: `a ${p.workMs === null ? "?" : ms(p.workMs)} loop under a ${ms(p.deadlineMs)} deadline: ${p.outcome}, settled ${ms(p.settledMs)} after the call, ${ms(Math.max(0, p.latenessMs))} past the deadline`,
    verdict: held ? "holds" : "unclear",
    reason: held
      ? "the timer that fires the abort is an event, and no event runs while the loop holds the thread: the deadline passed unseen until the loop was done"
      : p.outcome === "finished"
        ? "the loop ended before its deadline, so it showed nothing about cancelling it"
        : "the run did not finish normally: the measurement went wrong",
  });
}

/** The cancellation points as table rows. */
export function cancelRows(points: readonly CancelPoint[]): Record<string, string | number>[] {
  return points.map((p) => ({
    strategy: strategyName(p.strategy),
    "deadline (ms)": p.deadlineMs,
    outcome: p.outcome,
    "settled after (ms)": Math.round(p.settledMs),
    "past the deadline (ms)": Math.round(p.latenessMs) + 0, // + 0: never "-0"
    "processes left": p.childrenLeft ?? "n/a",
    [`CPU in the next ${WINDOW_MS} ms (ms)`]: Math.round(p.cpuAfterMs),
  }));
}

/** How long after its deadline each strategy settled. */
export function cancelFigure(points: readonly CancelPoint[]): Figure {
  if (points.length === 0) throw new RangeError("points must hold at least one run; run cancelRun() first");
  return {
    data: [
      {
        type: "bar",
        x: points.map((p) => strategyName(p.strategy)),
        y: points.map((p) => Math.max(0, p.latenessMs)),
        text: points.map((p) => `${p.outcome}, ${Math.max(0, p.latenessMs).toFixed(0)} ms`),
        textposition: "outside",
        marker: { color: points.map((p) => strategyColor(p.strategy)) },
      },
    ],
    layout: {
      title: { text: "How long after its deadline each run stopped" },
      yaxis: { title: { text: "ms past the deadline" }, rangemode: "tozero" },
      height: 380,
    },
  };
}

/** The sentence under the cancellation figure. */
export function cancelCaption(points: readonly CancelPoint[]): string {
  const off = points.filter((p) => p.strategy !== "sequential");
  const main = points.find((p) => p.strategy === "sequential");
  const worst = off.reduce<CancelPoint | undefined>((w, p) => (w === undefined || p.latenessMs > w.latenessMs ? p : w), undefined);
  const offText = worst ? `Off the main thread the latest to stop was ${strategyName(worst.strategy)}, ${ms(Math.max(0, worst.latenessMs))} after its deadline (${off.filter((p) => p.outcome === "aborted").length} of ${off.length} aborted)` : "Nothing ran off the main thread";
  const mainText = main ? `; the loop on the main thread ${main.outcome === "finished" ? "ran to its end" : main.outcome}, ${ms(Math.max(0, main.latenessMs))} past its ${ms(main.deadlineMs)} deadline.` : ".";
  return offText + mainText;
}

// ---------------------------------------------------------------------------------------------
// One task fails: Promise.all, Promise.allSettled, and asyncio

/** What a batch did when one of its tasks failed. */
export interface FailureRun {
  readonly way: "Promise.all" | "Promise.allSettled";
  /** When the combined promise settled, from the start (ms). */
  readonly settledMs: number;
  readonly rejected: boolean;
  /** Siblings that had finished when it settled, and by the time they all had run. */
  readonly finishedAtSettle: number;
  readonly finishedAfter: number;
  readonly siblings: number;
  readonly failMs: number;
  readonly workMs: number;
}

const FAILURE = { tasks: 5, failMs: 50, workMs: 300 } as const;

/** Five tasks: one fails after 50 ms, four finish after 300 ms and count themselves; awaited with `way`. */
export async function oneFails(way: FailureRun["way"]): Promise<FailureRun> {
  const { tasks, failMs, workMs } = FAILURE;
  let finished = 0;
  const started = performance.now();
  const siblings = Array.from({ length: tasks - 1 }, () => delay(workMs).then(() => void finished++));
  const failing = delay(failMs).then(() => {
    throw new Error("one task failed, as planned");
  });
  let rejected = false;
  try {
    await (way === "Promise.all" ? Promise.all([failing, ...siblings]) : Promise.allSettled([failing, ...siblings]));
  } catch {
    rejected = true;
  }
  const settledMs = performance.now() - started;
  const finishedAtSettle = finished;
  await Promise.allSettled(siblings);
  return { way, settledMs, rejected, finishedAtSettle, finishedAfter: finished, siblings: tasks - 1, failMs, workMs };
}

/** CPython's runs of the same batch: asyncio.gather, asyncio.TaskGroup and asyncio.timeout (3.11+; null before). */
export interface PythonCancelRun {
  readonly version: string;
  readonly gather: { readonly raisedAtMs: number | null; readonly finishedAtFailure: number; readonly finishedAfter: number; readonly cancelled: number; readonly siblings: number };
  readonly taskGroup: { readonly raisedAtMs: number | null; readonly finishedAfter: number; readonly cancelled: number; readonly siblings: number } | null;
  readonly timeout: { readonly deadlineMs: number; readonly stoppedAtMs: number | null; readonly finishedAfter: number; readonly cancelled: number } | null;
}

/** Chapter 13's CPython script (conclab/python/cancellation.py), under unit_costs.py's protocol. */
export function pythonCancellationScript(): string {
  return pythonScript("cancellation.py");
}

/** Promise.all then Promise.allSettled on the five tasks; then the same in CPython (null without CPython 3.8+). */
export async function failureRun(): Promise<{ node: FailureRun[]; python: PythonCancelRun | null }> {
  const node = [await oneFails("Promise.all"), await oneFails("Promise.allSettled")];
  if (!findPython()) return { node, python: null };
  const reply = await runPythonMeasurement("asyncio's gather, TaskGroup and timeout", { cmd: "cancel", ...FAILURE, deadlineMs: 100 }, {}, pythonCancellationScript());
  const result = reply.result as unknown as Omit<PythonCancelRun, "version">;
  return { node, python: { version: reply.interpreter.version, gather: result.gather, taskGroup: result.taskGroup, timeout: result.timeout } };
}

/** 13: Promise.all rejects at the first failure and cancels nothing; Promise.allSettled waits for every task (the spec: a demonstration). */
export function allSettledClaim(runs: readonly FailureRun[]): Claim {
  const all = runs.find((r) => r.way === "Promise.all");
  const settled = runs.find((r) => r.way === "Promise.allSettled");
  const held =
    all !== undefined && settled !== undefined &&
    all.rejected && all.settledMs < all.workMs && all.finishedAtSettle === 0 && all.finishedAfter === all.siblings &&
    !settled.rejected && settled.finishedAtSettle === settled.siblings;
  return claim({
    id: "bounded.all-settled",
    section: SECTION,
    claim: "When one task fails, Promise.all rejects at once but cancels nothing (the other tasks run on), while Promise.allSettled waits for every task and reports each outcome.",
    measured: runs.map((r) => `${r.way} ${r.rejected ? "rejected" : "resolved"} after ${ms(r.settledMs)} with ${r.finishedAtSettle} of ${r.siblings} siblings done; ${r.finishedAfter} of them finished in the end`).join("; "),
    verdict: held ? "holds" : "unclear",
    reason: held
      ? "a promise has no way to stop the work behind it: Promise.all only stops waiting, and the siblings' side effects all happened after it had rejected"
      : "the timings or counts do not match either combinator's rule: the measurement went wrong",
    rule: "holds if Promise.all rejected before the siblings' end with none of them done and all of them done later, and Promise.allSettled resolved only once all of them were done; else unclear",
    kind: "demonstration",
  });
}

const TASKGROUP_CLAIM = "asyncio's TaskGroup (3.11+) cancels the other tasks when one fails, where asyncio.gather lets them run on, as Promise.all does.";
const TIMEOUT_CLAIM = "asyncio.timeout (3.11+) cancels the awaited work at its deadline.";

/** 13: TaskGroup cancels the siblings (asyncio's rules: a demonstration); not measured without CPython 3.11+. */
export function taskGroupClaim(python: PythonCancelRun | null): Claim {
  if (!python) return { ...notMeasuredInCPython("bounded.python-taskgroup", SECTION, TASKGROUP_CLAIM), kind: "demonstration" };
  const g = python.taskGroup;
  const parts = { id: "bounded.python-taskgroup", section: SECTION, claim: TASKGROUP_CLAIM, kind: "demonstration" as const, rule: "holds if the TaskGroup raised before the siblings' end, none of them finished and all were cancelled, while gather's siblings all finished; else unclear" };
  if (!g) return claim({ ...parts, measured: `CPython ${python.version} has no TaskGroup`, verdict: "not measured", reason: "asyncio.TaskGroup arrived in CPython 3.11", rule: "needs CPython 3.11 or newer" });
  const held = g.raisedAtMs !== null && g.raisedAtMs < FAILURE.workMs && g.finishedAfter === 0 && g.cancelled === g.siblings && python.gather.finishedAfter === python.gather.siblings;
  return claim({
    ...parts,
    measured: `CPython ${python.version}: TaskGroup raised after ${g.raisedAtMs === null ? "?" : ms(g.raisedAtMs)}, ${g.cancelled} of ${g.siblings} siblings cancelled, ${g.finishedAfter} finished; gather raised after ${python.gather.raisedAtMs === null ? "?" : ms(python.gather.raisedAtMs)} and ${python.gather.finishedAfter} of ${python.gather.siblings} siblings finished anyway`,
    verdict: held ? "holds" : "unclear",
    reason: held ? "a TaskGroup owns its tasks: when one fails it cancels the rest and waits for them before raising" : "the counts do not match asyncio's rules: the measurement went wrong",
  });
}

/** 13: asyncio.timeout cancels at its deadline (asyncio's rules: a demonstration); not measured without CPython 3.11+. */
export function timeoutClaim(python: PythonCancelRun | null): Claim {
  if (!python) return { ...notMeasuredInCPython("bounded.python-timeout", SECTION, TIMEOUT_CLAIM), kind: "demonstration" };
  const t = python.timeout;
  const parts = { id: "bounded.python-timeout", section: SECTION, claim: TIMEOUT_CLAIM, kind: "demonstration" as const, rule: "holds if the timeout fired after its deadline and before the work's end, the work was cancelled and never finished; else unclear" };
  if (!t) return claim({ ...parts, measured: `CPython ${python.version} has no asyncio.timeout`, verdict: "not measured", reason: "asyncio.timeout arrived in CPython 3.11", rule: "needs CPython 3.11 or newer" });
  const held = t.stoppedAtMs !== null && t.stoppedAtMs >= t.deadlineMs && t.stoppedAtMs < FAILURE.workMs && t.cancelled === 1 && t.finishedAfter === 0;
  return claim({
    ...parts,
    measured: `CPython ${python.version}: a ${FAILURE.workMs} ms wait under a ${ms(t.deadlineMs)} timeout stopped after ${t.stoppedAtMs === null ? "?" : ms(t.stoppedAtMs)}, cancelled ${t.cancelled}, finished ${t.finishedAfter}`,
    verdict: held ? "holds" : "unclear",
    reason: held ? "at the deadline asyncio cancels the task awaiting inside the block and raises TimeoutError" : "the timings or counts do not match asyncio's rules: the measurement went wrong",
  });
}

/** The failure runs as table rows: Node's two combinators, then CPython's three ways. */
export function failureRows(r: { node: readonly FailureRun[]; python: PythonCancelRun | null }): Record<string, string | number>[] {
  const rows: Record<string, string | number>[] = r.node.map((n) => ({ way: n.way, "settled after (ms)": Math.round(n.settledMs), outcome: n.rejected ? "rejected" : "resolved", "siblings done then": n.finishedAtSettle, "siblings done in the end": n.finishedAfter, "siblings cancelled": 0 }));
  const p = r.python;
  if (p) {
    rows.push({ way: `asyncio.gather (CPython ${p.version})`, "settled after (ms)": Math.round(p.gather.raisedAtMs ?? -1), outcome: "raised", "siblings done then": p.gather.finishedAtFailure, "siblings done in the end": p.gather.finishedAfter, "siblings cancelled": p.gather.cancelled });
    if (p.taskGroup) rows.push({ way: "asyncio.TaskGroup", "settled after (ms)": Math.round(p.taskGroup.raisedAtMs ?? -1), outcome: "raised", "siblings done then": 0, "siblings done in the end": p.taskGroup.finishedAfter, "siblings cancelled": p.taskGroup.cancelled });
  }
  return rows;
}

/** The sentence under the failure table. */
export function failureCaption(r: { node: readonly FailureRun[]; python: PythonCancelRun | null }): string {
  const all = r.node.find((n) => n.way === "Promise.all");
  const settled = r.node.find((n) => n.way === "Promise.allSettled");
  const node = all && settled ? `Promise.all ${all.rejected ? "rejected" : "resolved"} after ${ms(all.settledMs)}, yet ${all.finishedAfter} of ${all.siblings} siblings finished later; Promise.allSettled waited ${ms(settled.settledMs)} for all of them.` : "";
  const p = r.python;
  const python = !p
    ? " No CPython 3.8+ ran here: asyncio is not measured."
    : p.taskGroup
      ? ` In CPython ${p.version}, gather let ${p.gather.finishedAfter} of ${p.gather.siblings} siblings finish; TaskGroup cancelled ${p.taskGroup.cancelled} of ${p.taskGroup.siblings}${p.timeout ? `, and asyncio.timeout stopped a ${FAILURE.workMs} ms wait after ${p.timeout.stoppedAtMs === null ? "?" : ms(p.timeout.stoppedAtMs)}` : ""}.`
      : ` CPython ${p.version} has no TaskGroup or asyncio.timeout (3.11+); gather let ${p.gather.finishedAfter} of ${p.gather.siblings} siblings finish.`;
  return node + python;
}

// ---------------------------------------------------------------------------------------------
// Exercise: a bounded batch

/** 13's check: how many jobs it hands over, how many may run at once, and how long each takes. */
export const BOUNDED_CHECK = { jobs: 20, limit: 4, jobMs: 20 } as const;

/** A job the check hands over: it resolves to its own index after a short wait, and is counted. */
export type CountedJob = () => Promise<number>;

/** What 13's check saw. */
export interface BoundedEvidence {
  readonly jobs: number;
  readonly limit: number;
  readonly result: unknown;
  readonly started: number;
  readonly finished: number;
  readonly mostAtOnce: number;
  readonly pendingAtEnd: number;
}

/**
 * 13's verdict: passes when every job ran once, never more than `limit` at once but `limit` at
 * some moment (so the limit was used, not a queue of one), all had finished when the function's
 * promise settled, and the results came back in the jobs' order. Counts, not durations.
 */
export function judgeBounded(e: BoundedEvidence): ExerciseResult {
  const exercise = "a batch with a limit";
  const expected = Array.from({ length: e.jobs }, (_, i) => i);
  if (e.mostAtOnce > e.limit) return { exercise, passed: false, message: `Not yet: ${e.mostAtOnce} jobs ran at once where the limit is ${e.limit}; hand each job to a limiter, e.g. const limit = backpressure.pLimit(k); jobs.map((job) => limit(job)).` };
  if (e.started !== e.jobs) return { exercise, passed: false, message: `Not yet: ${e.started} of the ${e.jobs} jobs were started; a limit queues work, it must not drop any.` };
  if (e.pendingAtEnd > 0) return { exercise, passed: false, message: `Not yet: the function returned while ${e.pendingAtEnd} jobs were still running; await them all, e.g. with Promise.all.` };
  if (!Array.isArray(e.result) || e.result.length !== e.jobs || e.result.some((v, i) => v !== expected[i])) {
    return { exercise, passed: false, message: `Not yet: it returned ${JSON.stringify(e.result)?.slice(0, 80)} where each job's result in the jobs' order was expected ([0, 1, …, ${e.jobs - 1}]).` };
  }
  if (e.mostAtOnce < e.limit) return { exercise, passed: false, message: `Not yet: at most ${e.mostAtOnce} job${e.mostAtOnce === 1 ? "" : "s"} ran at once, so the batch took longer than it had to; let ${e.limit} run at the same time.` };
  return { exercise, passed: true, message: `Done: all ${e.jobs} jobs ran, never more than ${e.limit} at once and ${e.limit} at the busiest moment, and the results came back in order.` };
}

/**
 * 13: the reader's `fn(jobs, limit)` must run every job with at most `limit` at once and return
 * their results in order. The jobs count themselves (started, running at once, finished).
 */
export async function checkBounded(fn: (jobs: CountedJob[], limit: number) => Promise<unknown>, limit: number = BOUNDED_CHECK.limit): Promise<ExerciseResult> {
  const exercise = "a batch with a limit";
  if (!Number.isInteger(limit) || limit < 2 || limit > BOUNDED_CHECK.jobs / 2) return { exercise, passed: false, message: `Not yet: limit must be a whole number from 2 to ${BOUNDED_CHECK.jobs / 2}, got ${String(limit)}.` };
  let started = 0;
  let running = 0;
  let mostAtOnce = 0;
  let finished = 0;
  const jobs: CountedJob[] = Array.from({ length: BOUNDED_CHECK.jobs }, (_, i) => async () => {
    started++;
    mostAtOnce = Math.max(mostAtOnce, ++running);
    await delay(BOUNDED_CHECK.jobMs);
    running--;
    finished++;
    return i;
  });
  let result: unknown;
  try {
    result = await fn(jobs, limit);
  } catch (error) {
    return threw(exercise, error);
  }
  return judgeBounded({ jobs: jobs.length, limit, result, started, finished, mostAtOnce, pendingAtEnd: running });
}

// ---------------------------------------------------------------------------------------------

/** 13's experiments at their short size, judged. */
export async function shortRun(): Promise<ChapterResults> {
  const limits = await limitRun("short");
  const flows = await flowRun("short");
  const cancels = await cancelRun("short");
  const failures = await failureRun();
  return { claims: chapterClaims(limits, flows, cancels, failures), data: { cores: describeMachine().cores } };
}

/** Every claim of 13, in the order the notebook shows them. */
export function chapterClaims(limits: LimitRun, flows: readonly FlowRun[], cancels: readonly CancelPoint[], failures: { node: readonly FailureRun[]; python: PythonCancelRun | null }): Claim[] {
  return [
    connectionsClaim(limits), timeClaim(limits), memoryClaim(limits), backpressureClaim(flows), cancelClaim(cancels), mainThreadClaim(cancels),
    allSettledClaim(failures.node), taskGroupClaim(failures.python), timeoutClaim(failures.python),
  ];
}

/** Asked before the experiment that decides bounded.memory. */
const ASKED_MEMORY: Question = {
  id: "bounded.memory",
  text: "10,000 requests to a server that answers in 50 ms: all started at once, or through a limit of 100 at a time. How much more memory does the batch without a limit hold at its busiest moment?",
  choices: {
    a: "twice as much or more: each request in flight holds a socket and its buffers",
    b: "a little more, under twice: the requests share most of what they need",
    c: "about the same or less: the same 10,000 requests are made either way",
  },
  predicts: { a: `at least ${MEMORY_HOLDS_FROM}x the limited batch's memory`, b: `${MEMORY_DIFFERS_AT_MOST}x to ${MEMORY_HOLDS_FROM}x`, c: `at most ${MEMORY_DIFFERS_AT_MOST}x` },
  choose: (o) => rangeChoice(o, { a: [MEMORY_HOLDS_FROM, ANY_HIGH], b: [MEMORY_DIFFERS_AT_MOST, MEMORY_HOLDS_FROM], c: [0, MEMORY_DIFFERS_AT_MOST] }),
};

export const chapter: Chapter = {
  id: SECTION,
  title: "13 · Bounded concurrency, backpressure and cancellation",
  question: "When you can start ten thousand things at once, should you, and how do you stop them?",
  about: "10,000 requests with and without a limit (p-limit), stream backpressure, deadlines on every strategy, Promise.all against allSettled, asyncio's TaskGroup and timeout",
  claims: ["bounded.connections", "bounded.time", "bounded.memory", "bounded.backpressure", "bounded.cancel", "bounded.main-thread", "bounded.all-settled", "bounded.python-taskgroup", "bounded.python-timeout"],
  questions: [ASKED_MEMORY],
  shortRun,
};
