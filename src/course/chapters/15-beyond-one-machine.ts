/**
 * Chapter 15, beyond one machine: a job queue (BullMQ on Valkey) with worker processes on
 * simulated hosts. What a job's round trip through the queue costs beside a hand-off to a kept
 * worker thread; whether more workers raise the throughput of CPU-bound jobs (while there are
 * cores for them); and the queue's delivery under faults: a host killed mid-job (its job runs
 * again elsewhere) and a job that blocks its worker's event loop past its lock (it runs twice, or
 * fails as stalled), and the server crashing mid-batch (it comes back from its append-only file). Its claims, experiments at full and short size, figures, captions, question
 * and exercise check.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { describeMachine } from "../../environment";
import { throwIfAborted } from "../../errors";
import type { Figure, Trace } from "../../figures/figure";
import { speedupFigure } from "../../figures/speedup";
import { nowMs } from "../../measure/clock";
import { interval, median, pairedRatios, summarize, type Stat } from "../../measure/stats";
import { WorkerThreadPool } from "../../pools/thread-pool";
import { startQueueCluster, type ClusterPlacement, type JobsReport, type QueueCluster } from "../../queue/cluster";
import type { RunEvent } from "../../queue/wire";
import { startExperiment } from "../../runtime/lifecycle";
import { portable, taskSource } from "../../tasks/task-source";
import type { Chapter, ChapterResults, Size } from "../chapter";
import { atLeast, atMost, observedStat, type Check, type Claim } from "../claims";
import { type ExerciseResult, threw } from "../exercise-kit";
import { claim, ms, speedupClaim, x, xFormat } from "../judging";
import { ANY_HIGH, rangeChoice, type Question } from "../questions";

const SECTION = "15-beyond-one-machine";

// ---------------------------------------------------------------------------------------------
// The jobs. Each is self-contained: it travels to the workers as source.

/** The smallest job: returns 1. What its round trip costs is the queue's, not the work's. */
export function tinyJob(): number {
  return 1;
}

/** CPU work of a fixed size: `n` steps of arithmetic, the same on every machine (its time is not). */
export function spinJob(n: number): number {
  let acc = 0;
  for (let i = 0; i < n; i++) acc = (acc + i * 7) % 1_000_003;
  return acc;
}

/** Holds its thread, computing, until `ms` of wall time have passed: a job that never lets its worker's event loop turn. */
export function busyJob(ms: number): number {
  const until = Date.now() + ms;
  let spins = 0;
  while (Date.now() < until) spins++;
  return spins >= 0 ? ms : -1;
}

/** Steps of spinJob that take about `targetMs` on this thread (measured here, after a warm-up). */
export function spinStepsFor(targetMs: number): number {
  const probe = 2_000_000;
  spinJob(probe);
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    spinJob(probe);
    times.push(performance.now() - t0);
  }
  return Math.max(10_000, Math.round((targetMs / Math.max(median(times), 0.01)) * probe));
}

/** Where the hosts run, in a sentence computed from the cluster's placement and this machine's cores. */
export function placementSentence(placement: ClusterPlacement, cores: number): string {
  const where =
    placement.kind === "namespaces"
      ? "Each worker ran on a simulated host: a network namespace with its own address on a bridge"
      : placement.kind === "local-processes"
        ? `The workers ran as local processes, not on simulated hosts (${placement.why})`
        : `The workers ran on other machines (${placement.why})`;
  const shares = placement.sharesThisMachine
    ? `; they share this machine's ${cores} CPU${cores === 1 ? "" : "s"}, so no number of them can run more than ${cores} CPU-bound job${cores === 1 ? "" : "s"} at once`
    : "; their CPUs are their machines' own";
  return `${where}${shares}.`;
}

// ---------------------------------------------------------------------------------------------
// queue.round-trip

/** The round trip's sizes: tiny jobs one at a time per repeat, and the repeats. */
const ROUND_TRIP = { full: { jobs: 30, repeats: 5 }, short: { jobs: 20, repeats: 4 } } as const;
/** The queue's round trip over the thread's: holds at or above `far`, differs at or below `near`. */
export const ROUND_TRIP_RATIO = { far: 5, near: 2 } as const;

export interface RoundTripResult {
  readonly jobs: number;
  /** Per repeat, each tiny job's hand-off to a kept worker thread and back (ms). */
  readonly threadMs: readonly (readonly number[])[];
  /** Per repeat, each tiny job's round trip through the queue: submission to the kernel seeing it done (ms). */
  readonly queueMs: readonly (readonly number[])[];
  readonly placement: ClusterPlacement;
  readonly server: string;
}

/**
 * Tiny jobs one at a time, to a kept pool of one worker thread and through a queue with one
 * worker, the two interleaved by repeat (30 jobs each, 5 repeats; 20 and 4 short), after a
 * warm-up of 5 each.
 */
export function roundTripRun(size: Size = "full"): Promise<RoundTripResult> {
  const { jobs, repeats } = ROUND_TRIP[size];
  return startExperiment(async ({ signal }) => {
    const pool = WorkerThreadPool.start({ size: 1 });
    let cluster: QueueCluster | undefined;
    try {
      cluster = await startQueueCluster({ workers: 1, signal });
      const task = portable(taskSource(tinyJob));
      const viaThread = async (copy: number): Promise<number> => {
        const t0 = nowMs();
        await pool.run({ task, args: [], copy }, { signal });
        return nowMs() - t0;
      };
      const viaQueue = async (): Promise<number> => (await cluster!.runJobs(task, [], 1, { signal, timeoutMs: 30_000 })).roundTripMs[0] ?? Number.NaN;
      for (let i = 0; i < 5; i++) {
        await viaThread(i);
        await viaQueue();
      }
      const threadMs: number[][] = [];
      const queueMs: number[][] = [];
      for (let r = 0; r < repeats; r++) {
        throwIfAborted(signal);
        const t: number[] = [];
        const q: number[] = [];
        for (let j = 0; j < jobs; j++) t.push(await viaThread(j));
        for (let j = 0; j < jobs; j++) q.push(await viaQueue());
        if (q.some((v) => !Number.isFinite(v))) throw new Error("a tiny job did not come back from the queue within 30 s");
        threadMs.push(t);
        queueMs.push(q);
      }
      return { jobs, threadMs, queueMs, placement: cluster.placement, server: cluster.server.version };
    } finally {
      await cluster?.destroy();
      await pool.destroy();
    }
  });
}

const repeatMedians = (rows: readonly (readonly number[])[]): number[] => rows.map((row) => median(row));
const all = (rows: readonly (readonly number[])[]): number[] => rows.flat();

/**
 * 15: a job's round trip through the queue costs far more than a hand-off to a worker thread. The
 * queue's median round trip over the thread's, paired by repeat: holds if its 95 % interval lies
 * at or above ROUND_TRIP_RATIO.far, differs if at or below ROUND_TRIP_RATIO.near, else unclear.
 */
export function roundTripClaim(result: RoundTripResult): Claim {
  if (result.threadMs.length === 0 || result.threadMs.length !== result.queueMs.length) throw new RangeError("result must hold as many repeats of thread and queue hand-offs; run roundTripRun()");
  const ratio = pairedRatios(repeatMedians(result.queueMs), repeatMedians(result.threadMs));
  const far = atLeast(ratio, ROUND_TRIP_RATIO.far);
  const near = atMost(ratio, ROUND_TRIP_RATIO.near);
  const check: Check = far === "yes" ? "yes" : near === "yes" ? "no" : "unclear";
  const thread = median(all(result.threadMs));
  const queue = median(all(result.queueMs));
  const { low, high, n } = interval(ratio.samples);
  const bounds = n < 2 ? "one repeat: no interval" : `${xFormat(low)}–${xFormat(high)}`;
  return claim({
    id: "queue.round-trip",
    section: SECTION,
    claim: "Sending a job through a queue to a worker process costs far more per job than handing a task to a worker thread in the same process.",
    measured: `${result.jobs} tiny jobs one at a time, ${result.threadMs.length} repeats: ${ms(queue)} per round trip through the queue (${result.server}), ${ms(thread)} per hand-off to a kept worker thread (medians): ${x(ratio.median)}`,
    verdict: check === "yes" ? "holds" : check === "no" ? "differs" : "unclear",
    reason:
      check === "yes"
        ? "each job was written to the server, taken by the worker over a connection, its result written back and announced to the kernel: several network messages where a thread needs one message within the process"
        : check === "no"
          ? "the queue's round trip came within twice a thread hand-off"
          : "the ratio did not settle on either side of the thresholds in this run",
    rule: `the queue's median round trip over the thread's, paired by repeat: 95 % interval ${bounds} from ${n} repeat${n === 1 ? "" : "s"}; holds if it lies at or above ${xFormat(ROUND_TRIP_RATIO.far)}, differs if it lies at or below ${xFormat(ROUND_TRIP_RATIO.near)}, else unclear`,
    observed: observedStat(ratio, { threadMs: thread, queueMs: queue }),
  });
}

/** A measure's median and its 10th and 90th percentiles. */
function spread(values: readonly number[]): { median: number; p10: number; p90: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.floor(q * (sorted.length - 1))]!;
  return { median: median(sorted), p10: at(0.1), p90: at(0.9) };
}

/** Each tiny job's time, thread beside queue, on a log axis: a bar at the median, whiskers from the 10th to the 90th percentile. */
export function roundTripFigure(result: RoundTripResult): Figure {
  const ways = [
    { label: "worker thread (kept pool)", values: all(result.threadMs), color: "#4c78a8" },
    { label: result.placement.kind === "namespaces" ? "queue, worker on a simulated host" : "queue, worker process", values: all(result.queueMs), color: "#e45756" },
  ].map((w) => ({ ...w, ...spread(w.values) }));
  const data: Trace[] = [
    {
      type: "bar",
      x: ways.map((w) => w.label),
      y: ways.map((w) => w.median),
      text: ways.map((w) => ms(w.median)),
      textposition: "outside",
      marker: { color: ways.map((w) => w.color) },
      error_y: { type: "data", symmetric: false, array: ways.map((w) => w.p90 - w.median), arrayminus: ways.map((w) => w.median - w.p10) },
    },
  ];
  return {
    data,
    layout: {
      title: { text: `One tiny job at a time, ${result.jobs} × ${result.threadMs.length} repeats each: median round trip (whiskers: 10th to 90th percentile)` },
      yaxis: { title: { text: "round trip per job (ms, log scale)" }, type: "log" },
      showlegend: false,
      height: 380,
    },
  };
}

/** The sentence under the round-trip figure, from the numbers. */
export function roundTripCaption(result: RoundTripResult): string {
  const thread = median(all(result.threadMs));
  const queue = median(all(result.queueMs));
  const ratio = pairedRatios(repeatMedians(result.queueMs), repeatMedians(result.threadMs));
  const p90 = (values: readonly number[]): number => spread(values).p90;
  return (
    `Median hand-off to a worker thread and back: ${ms(thread)} (90th percentile ${ms(p90(all(result.threadMs)))}); median round trip through the queue: ${ms(queue)} (90th percentile ${ms(p90(all(result.queueMs)))}), ` +
    `${x(ratio.median)} the thread's (median of ${ratio.samples.length} repeats). A job must be worth many times ${ms(queue)} of work before sending it to another machine pays.`
  );
}

// ---------------------------------------------------------------------------------------------
// queue.scales

const SCALING = { full: { workers: [1, 2, 4], repeats: 4, maxRepeats: 7 }, short: { workers: [1, 2], repeats: 3, maxRepeats: 6 } } as const;
/** Jobs per batch and the CPU time each takes here. */
export const SCALING_JOBS = 8;
export const SCALING_JOB_MS = 80;
/** Speedup of 2 workers over 1: holds at or above `gain`, differs at or below `none`. */
export const SCALES = { gain: 1.5, none: 1.2 } as const;
/** Tiny jobs per batch, each 1/80 of a large one (about 1 ms here). */
export const TINY_JOBS = 40;
export const TINY_SHARE = 80;
/** Large jobs' speedup (2 workers over 1) over tiny jobs': holds at or above `apart`, differs at or below `alike`. */
export const SMALL_JOBS = { apart: 1.25, alike: 1.1 } as const;
/** The least share of a CPU each job of the 2-worker batch must have had while it ran for a shortfall to count against the claim. */
export const FREE_CPU_SHARE = 0.8;

export interface ScalingResult {
  readonly jobs: number;
  readonly steps: number;
  /** Each cluster's wall time per repeat for the whole batch (ms), by its number of workers. */
  readonly wallMs: Readonly<Record<number, readonly number[]>>;
  /**
   * Per repeat, by workers: the jobs' CPU time over their wall time while they ran (the share of a
   * CPU each had: under 1 when other programs, or more workers than cores, took turns with them);
   * absent where the workers could not read their CPU time.
   */
  readonly cpuShare?: Readonly<Record<number, readonly number[]>>;
  /** Each cluster's wall time per repeat for TINY_JOBS jobs of 1/TINY_SHARE the steps (ms), by workers; absent in results made before it was measured. */
  readonly tinyWallMs?: Readonly<Record<number, readonly number[]>>;
  readonly placement: ClusterPlacement;
  readonly cores: number;
}

/**
 * The same batch of 8 CPU-bound jobs (~80 ms each here), and of 40 tiny ones (~1 ms), on clusters
 * of 1, 2 and 4 workers (1 and 2 short), each warmed up first, the clusters interleaved by repeat:
 * 4 repeats (3 short), more (up to 7; 6 short) while queue.scales or queue.small-jobs is unclear.
 */
export function scalingRun(size: Size = "full"): Promise<ScalingResult> {
  const { workers, repeats, maxRepeats } = SCALING[size];
  return startExperiment(async ({ signal }) => {
    const clusters: QueueCluster[] = [];
    const cores = describeMachine().cores;
    try {
      for (const w of workers) clusters.push(await startQueueCluster({ workers: w, signal }));
      const steps = spinStepsFor(SCALING_JOB_MS);
      const task = portable(taskSource(spinJob));
      const batch = async (cluster: QueueCluster, copies: number, size = steps): Promise<{ wall: number; share: number | null }> => {
        const report = await cluster.runJobs(task, [size], copies, { signal, timeoutMs: 120_000 });
        if (report.failed.length > 0) throw new Error(`a CPU-bound job failed: ${report.failed[0]!.reason}`);
        const cpu = report.records.map((r) => r.cpuMs);
        const running = report.records.reduce((sum, r) => sum + (r.endMs - r.startMs), 0);
        const share = cpu.every((v) => typeof v === "number") && running > 0 ? cpu.reduce((sum: number, v) => sum + v!, 0) / running : null;
        return { wall: report.endMs - report.startMs, share };
      };
      for (const cluster of clusters) await batch(cluster, 2 * cluster.workers.length);
      const wallMs: Record<number, number[]> = Object.fromEntries(workers.map((w) => [w, []]));
      const cpuShare: Record<number, number[]> = Object.fromEntries(workers.map((w) => [w, []]));
      const tinyWallMs: Record<number, number[]> = Object.fromEntries(workers.map((w) => [w, []]));
      const tiny = Math.max(1, Math.round(steps / TINY_SHARE));
      let shares = true;
      const sofar = (): ScalingResult => ({ jobs: SCALING_JOBS, steps, wallMs, ...(shares ? { cpuShare } : {}), tinyWallMs, placement: clusters[0]!.placement, cores });
      for (let r = 0; r < maxRepeats; r++) {
        if (r >= repeats && (cores < 2 || [scalesClaim(sofar()), smallJobsClaim(sofar())].every((c) => c.verdict !== "unclear"))) break;
        for (const cluster of clusters) {
          const { wall, share } = await batch(cluster, SCALING_JOBS);
          wallMs[cluster.workers.length]!.push(wall);
          if (share === null) shares = false;
          else cpuShare[cluster.workers.length]!.push(share);
          tinyWallMs[cluster.workers.length]!.push((await batch(cluster, TINY_JOBS, tiny)).wall);
        }
      }
      return sofar();
    } finally {
      for (const cluster of clusters) await cluster.destroy();
    }
  });
}

/** `workers`' speedup over one worker, paired by repeat. */
export function scalingSpeedup(result: ScalingResult, workers: number): Stat {
  const one = result.wallMs[1];
  const many = result.wallMs[workers];
  if (!one?.length || !many?.length) throw new RangeError(`result.wallMs must hold runs of 1 and ${workers} workers; run scalingRun()`);
  return pairedRatios(one, many);
}

/** The median share of a CPU each job of `workers`' batches had while it ran, or null where not read. */
export function jobCpuShare(result: ScalingResult, workers: number): number | null {
  const shares = result.cpuShare?.[workers];
  return shares && shares.length > 0 ? median(shares) : null;
}

/**
 * 15: more workers raise the throughput of CPU-bound jobs while the machine has cores for them.
 * Two workers' speedup over one, paired by repeat: holds if its 95 % interval lies at or above
 * SCALES.gain; differs if it lies at or below SCALES.none while each job of the 2-worker batches
 * had at least FREE_CPU_SHARE of a CPU as it ran (the cores were free, yet the second worker added
 * nothing; where the workers cannot read CPU time, the speedup alone decides); a shortfall with
 * the jobs denied CPU is the machine's, not the queue's: unclear. Not measured on one CPU.
 */
export function scalesClaim(result: ScalingResult): Claim {
  const speedup = scalingSpeedup(result, 2);
  const gain = atLeast(speedup, SCALES.gain);
  const none = atMost(speedup, SCALES.none);
  const share = jobCpuShare(result, 2);
  const denied = share !== null && share < FREE_CPU_SHARE;
  const check: Check = gain === "yes" ? "yes" : none === "yes" && !denied ? "no" : "unclear";
  const { low, high, n } = interval(speedup.samples);
  const bounds = n < 2 ? "one repeat: no interval" : `${xFormat(low)}–${xFormat(high)}`;
  return speedupClaim(result.cores, {
    id: "queue.scales",
    section: SECTION,
    claim: "Adding workers to a job queue raises the throughput of CPU-bound jobs, as long as there are cores for them.",
    measured: `${result.jobs} jobs of ~${SCALING_JOB_MS} ms of CPU each: ${ms(median(result.wallMs[1]!))} on 1 worker, ${ms(median(result.wallMs[2]!))} on 2 (medians of ${n} repeats), ${x(speedup.median)} the throughput, on ${result.cores} usable CPUs`,
    verdict: check === "yes" ? "holds" : check === "no" ? "differs" : "unclear",
    reason:
      check === "yes"
        ? "the second worker took jobs while the first computed, each on a core of its own"
        : check === "no"
          ? `the second worker added no throughput although each job had ${share === null ? "(unmeasured)" : `${Math.round(100 * share)}%`} of a CPU as it ran`
          : none === "yes" && denied
            ? `the run went wrong, not the claim: each job of the 2-worker batches had only ${Math.round(100 * share!)}% of a CPU as it ran, so other programs held the cores the second worker needed`
            : "the speedup did not settle on either side of the thresholds in this run",
    rule:
      `2 workers' speedup over 1, paired by repeat: 95 % interval ${bounds} from ${n} repeat${n === 1 ? "" : "s"}; holds if it lies at or above ${xFormat(SCALES.gain)}; ` +
      `differs if it lies at or below ${xFormat(SCALES.none)} while each job of the 2-worker batches had at least ${Math.round(100 * FREE_CPU_SHARE)}% of a CPU as it ran (${share === null ? "not read here: the speedup alone decides" : `here ${Math.round(100 * share)}%`}); else unclear`,
    observed: observedStat(speedup, { cores: result.cores }),
  });
}

/**
 * 15: tiny jobs gain less from a second worker than large ones (Amdahl again: each job's trip
 * through the server and the kernel is a part that more workers do not shorten). The large jobs'
 * speedup (2 workers over 1) over the tiny jobs', paired by repeat: holds if its 95 % interval lies
 * at or above SMALL_JOBS.apart, differs if at or below SMALL_JOBS.alike; decided only where the
 * large jobs clearly scaled (queue.scales' rule), since tiny jobs cannot fall short of a speedup
 * that was not there: else unclear. Not measured on one CPU.
 */
export function smallJobsClaim(result: ScalingResult): Claim {
  const tinyOne = result.tinyWallMs?.[1];
  const tinyTwo = result.tinyWallMs?.[2];
  if (!tinyOne?.length || !tinyTwo?.length) throw new RangeError("result.tinyWallMs must hold runs of 1 and 2 workers; run scalingRun()");
  const large = scalingSpeedup(result, 2);
  const tinySpeedup = pairedRatios(tinyOne, tinyTwo);
  const gap = pairedRatios(large.samples, tinySpeedup.samples);
  const scaled = atLeast(large, SCALES.gain) === "yes";
  const apart = atLeast(gap, SMALL_JOBS.apart);
  const alike = atMost(gap, SMALL_JOBS.alike);
  const check: Check = !scaled ? "unclear" : apart === "yes" ? "yes" : alike === "yes" ? "no" : "unclear";
  const { low, high, n } = interval(gap.samples);
  const bounds = n < 2 ? "one repeat: no interval" : `${xFormat(low)}–${xFormat(high)}`;
  return speedupClaim(result.cores, {
    id: "queue.small-jobs",
    section: SECTION,
    claim: "Tiny jobs gain less from more queue workers than large ones: each job's trip through the queue is a cost that more workers do not shorten.",
    measured: `2 workers against 1: ${x(large.median)} the throughput for ${result.jobs} jobs of ~${SCALING_JOB_MS} ms, ${x(tinySpeedup.median)} for ${TINY_JOBS} jobs of ~${ms(SCALING_JOB_MS / TINY_SHARE)} (medians of ${n} repeats)`,
    verdict: check === "yes" ? "holds" : check === "no" ? "differs" : "unclear",
    reason:
      check === "yes"
        ? "the second worker could not halve the part of each tiny job spent on its way through the server and back to the kernel"
        : check === "no"
          ? "the tiny jobs gained about as much from the second worker as the large ones: each job's trip through the queue overlapped with the other worker's"
          : !scaled
            ? "the large jobs did not clearly scale in this run, so there was no speedup for the tiny ones to fall short of"
            : "the gap between the two speedups did not settle on either side of the thresholds in this run",
    rule:
      `the large jobs' speedup over the tiny jobs' (each 2 workers over 1), paired by repeat: 95 % interval ${bounds} from ${n} repeat${n === 1 ? "" : "s"}; ` +
      `holds if it lies at or above ${xFormat(SMALL_JOBS.apart)}, differs if it lies at or below ${xFormat(SMALL_JOBS.alike)}, decided only where the large jobs' speedup lies at or above ${xFormat(SCALES.gain)}; else unclear`,
  });
}

/** Speedup over one worker against workers, beside the best this machine's cores allow. */
export function scalingFigure(result: ScalingResult): Figure {
  const workers = Object.keys(result.wallMs).map(Number).sort((a, b) => a - b);
  const points = workers.map((w) => ({ strategy: "queue", workers: w, speedup: w === 1 ? 1 : scalingSpeedup(result, w) }));
  return speedupFigure(points, { cores: result.cores, title: `${result.jobs} CPU-bound jobs (~${SCALING_JOB_MS} ms each) on 1 to ${workers.at(-1)} queue workers` });
}

/** The sentence under the scaling figure, from the numbers and the cluster's placement. */
export function scalingCaption(result: ScalingResult): string {
  const workers = Object.keys(result.wallMs).map(Number).sort((a, b) => a - b);
  const parts = workers.map((w) => {
    const wall = median(result.wallMs[w]!);
    const share = jobCpuShare(result, w);
    return `${w} worker${w === 1 ? "" : "s"}: ${ms(wall)} for the batch (${(result.jobs / (wall / 1000)).toFixed(1)} jobs/s${w === 1 ? "" : `, ${x(scalingSpeedup(result, w).median)} one worker's`}${share === null ? "" : `; each job had ${Math.round(100 * share)}% of a CPU as it ran`})`;
  });
  const most = workers.at(-1)!;
  const capped =
    result.placement.sharesThisMachine && most > result.cores
      ? ` ${most} workers on ${result.cores} CPU${result.cores === 1 ? "" : "s"} cannot beat ${x(result.cores)}: ${most > 2 && result.wallMs[most] ? `they reached ${x(scalingSpeedup(result, most).median)}` : "the extra workers only wait for a CPU"}.`
      : "";
  const tiny = result.tinyWallMs;
  const tinyText =
    tiny?.[1]?.length && tiny[2]?.length
      ? ` ${TINY_JOBS} tiny jobs (~${ms(SCALING_JOB_MS / TINY_SHARE)} each): ${ms(median(tiny[1]))} on 1 worker, ${ms(median(tiny[2]))} on 2, ${x(pairedRatios(tiny[1], tiny[2]).median)} the throughput.`
      : "";
  return `Medians of ${result.wallMs[1]!.length} repeats: ${parts.join("; ")}.${tinyText} ${placementSentence(result.placement, result.cores)}${capped}`;
}

// ---------------------------------------------------------------------------------------------
// Faults: queue.redelivery and queue.lost-lock

/** Short locks, so that a dead host's job comes back within a second or two rather than BullMQ's 30 s. */
export const FAULT_LOCKS = { lockDurationMs: 1_000, stalledIntervalMs: 500 } as const;
export const REDELIVERY = { workers: 2, jobs: 6, jobMs: 400 } as const;
export const LOST_LOCK = { workers: 2, jobMs: 2_500 } as const;

export interface FaultResult {
  readonly report: JobsReport;
  /** The host killed, and when (kernel clock), or null where no kill was made. */
  readonly killed: { readonly host: string; readonly atMs: number } | null;
  readonly placement: ClusterPlacement;
  readonly lockDurationMs: number;
}

/** One run of a job on a host: its start and how it ended (open: it never reported an end). */
export interface JobRun {
  readonly copy: number;
  readonly attempt: number;
  readonly host: string;
  readonly startMs: number;
  readonly endMs: number | null;
  readonly outcome: "end" | "error" | "open";
}

/** The run log as runs: each start matched with its end or error on the same host and attempt. */
export function jobRuns(events: readonly RunEvent[]): JobRun[] {
  const runs: JobRun[] = [];
  for (const start of events.filter((e) => e.event === "start")) {
    const finish = events.find((e) => e.event !== "start" && e.copy === start.copy && e.attempt === start.attempt && e.host === start.host && e.pid === start.pid && e.atMs >= start.atMs);
    runs.push({ copy: start.copy, attempt: start.attempt, host: start.host, startMs: start.atMs, endMs: finish?.atMs ?? null, outcome: finish ? (finish.event === "end" ? "end" : "error") : "open" });
  }
  return runs.sort((a, b) => a.startMs - b.startMs);
}

/** A copy that ran on a host that never reported its end: the job it held when killed (or cut off). */
const openRun = (runs: readonly JobRun[], host: string): JobRun | undefined => runs.find((r) => r.host === host && r.outcome === "open");

/**
 * 2 workers with 1 s locks take 6 jobs of 400 ms; as soon as the first host has started a job it
 * is killed (SIGKILL, its whole namespace or process). Waits for the batch (at most 30 s).
 */
export function redeliveryRun(): Promise<FaultResult> {
  return startExperiment(async ({ signal }) => {
    const cluster = await startQueueCluster({ workers: REDELIVERY.workers, ...FAULT_LOCKS, maxStalledCount: 2, signal });
    try {
      const host = cluster.workers[0]!.host;
      const batch = cluster.runJobs(busyJob, [REDELIVERY.jobMs], REDELIVERY.jobs, { signal, timeoutMs: 30_000 });
      let inFlight = false;
      for (let i = 0; i < 200 && !inFlight; i++) {
        await sleep(25);
        inFlight = openRun(jobRuns(await cluster.runLog()), host) !== undefined;
      }
      const atMs = nowMs();
      if (inFlight) cluster.killHost(0);
      const report = await batch;
      return { report, killed: inFlight ? { host, atMs } : null, placement: cluster.placement, lockDurationMs: cluster.settings.lockDurationMs };
    } finally {
      await cluster.destroy();
    }
  });
}

/** Whether every submitted copy is in the results exactly once (completed) or reported failed, none both. */
export function eachCopyOnce(report: JobsReport): boolean {
  const copies = [...report.records.map((r) => r.copy), ...report.failed.map((f) => f.copy)].sort((a, b) => a - b);
  return copies.length === report.submitted && copies.every((c, i) => c === i);
}

/**
 * 15, a demonstration: a job held by a host that dies runs again on another host and is in the
 * results once. Shown when the killed host started a copy and never ended it, that copy started
 * again later on another host and completed there, and every copy is in the results exactly once
 * with none failed; anything else (the kill missed every job, the copy never came back) is a
 * broken run: unclear.
 */
export function redeliveryClaim(result: FaultResult): Claim {
  const { report, killed } = result;
  const runs = jobRuns(report.runs);
  const victim = killed ? openRun(runs, killed.host) : undefined;
  const again = victim ? runs.filter((r) => r.copy === victim.copy && r.host !== killed!.host && r.startMs > victim.startMs) : [];
  const doneAt = victim ? report.records.find((r) => r.copy === victim.copy) : undefined;
  const once = eachCopyOnce(report) && report.failed.length === 0;
  const shown = victim !== undefined && again.length > 0 && doneAt !== undefined && doneAt.host !== killed!.host && once;
  const waitedMs = victim && again[0] ? again[0].startMs - killed!.atMs : null;
  return claim({
    id: "queue.redelivery",
    section: SECTION,
    claim: "A job queue delivers at least once: a job whose worker dies mid-job is run again by another worker, so the job's code may run twice.",
    measured: killed
      ? `${report.submitted} jobs of ${ms(REDELIVERY.jobMs)} on ${REDELIVERY.workers} workers, ${killed.host} killed ${victim ? `while it ran copy ${victim.copy}` : "while it ran no job"}: ` +
        `${victim ? `that copy started ${again.length + 1} times and completed on ${doneAt?.host ?? "no host"}` : "no job was cut off"}${waitedMs !== null ? `, ${ms(waitedMs)} after the kill (locks of ${ms(result.lockDurationMs)})` : ""}; ` +
        `${report.records.length} completed, ${report.failed.length} failed, each copy ${eachCopyOnce(report) ? "once" : "not once"} in the results`
      : `${report.submitted} jobs: the first host never started a job in time, so no host was killed`,
    verdict: shown ? "holds" : "unclear",
    reason: shown
      ? "the dead host could not renew its job's lock; when the lock expired another worker's check for stalled jobs put the job back, and it ran to the end on the other host"
      : !victim
        ? "the kill did not land while the host held a job: nothing was there to redeliver, the run went wrong"
        : "the cut-off job did not come back and complete exactly once, which BullMQ's rules do not allow with these settings: the run went wrong",
    rule: "holds if the killed host started a copy it never ended, that copy started again later on another host and completed there, and every copy is in the results exactly once with none failed; otherwise the run went wrong (unclear)",
    kind: "demonstration",
  });
}

/**
 * One job that computes for 2.5 s without letting its worker's event loop turn, on 2 workers
 * with 1 s locks and at most one lost lock: the worker cannot renew its lock while it computes.
 */
export function lostLockRun(): Promise<FaultResult> {
  return startExperiment(async ({ signal }) => {
    const cluster = await startQueueCluster({ workers: LOST_LOCK.workers, ...FAULT_LOCKS, maxStalledCount: 1, signal });
    try {
      const report = await cluster.runJobs(busyJob, [LOST_LOCK.jobMs], 1, { signal, timeoutMs: 30_000 });
      return { report, killed: null, placement: cluster.placement, lockDurationMs: cluster.settings.lockDurationMs };
    } finally {
      await cluster.destroy();
    }
  });
}

const STALLED = /stalled/i;

/**
 * 15, a demonstration: a job that keeps its worker's event loop busy past its lock is taken for
 * dead. Shown when it started at least twice (another worker's stalled check handed it on) or
 * failed as stalled, and is in the results once (completed or failed); a single clean run is a
 * broken one here (the lock outlived the job, or no other worker checked): unclear.
 */
export function lostLockClaim(result: FaultResult): Claim {
  const { report } = result;
  const runs = jobRuns(report.runs);
  const hosts = [...new Set(runs.map((r) => r.host))];
  const stalled = report.failed.find((f) => STALLED.test(f.reason));
  const twice = runs.length >= 2;
  const shown = (twice || stalled !== undefined) && eachCopyOnce(report);
  const outcome = report.records.length > 0 ? `completed on ${report.records[0]!.host ?? "a worker"}` : report.failed[0] ? `failed: "${report.failed[0].reason}"` : "neither completed nor failed";
  return claim({
    id: "queue.lost-lock",
    section: SECTION,
    claim: "A job that keeps its worker's event loop busy longer than its lock is taken for a dead worker's: another worker runs it again, or it fails as stalled.",
    measured: `one job computing for ${ms(LOST_LOCK.jobMs)} with locks of ${ms(result.lockDurationMs)} on ${LOST_LOCK.workers} workers: it started ${runs.length} time${runs.length === 1 ? "" : "s"} on ${hosts.length} host${hosts.length === 1 ? "" : "s"} (${hosts.join(", ") || "none"}) and ${outcome}`,
    verdict: shown ? "holds" : "unclear",
    reason: shown
      ? "while the job computed, its worker's event loop could not renew the lock; the other worker's stalled check saw the lock expire and put the job back (or failed it once it had stalled too often)"
      : "the job ran once and ended cleanly, which these settings do not allow for a job that long: the run went wrong",
    rule: `holds if the job started at least twice or failed as stalled, and is in the results exactly once; otherwise the run went wrong (unclear)`,
    kind: "demonstration",
  });
}

export const RESTART = { workers: 2, jobs: 8, jobMs: 200, downMs: 300 } as const;

/**
 * 2 workers take 8 jobs of 200 ms; once a job has ended, the course's server is killed (SIGKILL)
 * and started again 300 ms later from its append-only file. Null where the server is not the
 * course's own (CONCLAB_REDIS_URL): the course does not restart a server it did not start.
 */
export function restartRun(): Promise<FaultResult | null> {
  return startExperiment(async ({ signal }) => {
    const cluster = await startQueueCluster({ workers: RESTART.workers, ...FAULT_LOCKS, maxStalledCount: 2, signal });
    try {
      if (!cluster.server.embedded) return null;
      const batch = cluster.runJobs(busyJob, [RESTART.jobMs], RESTART.jobs, { signal, timeoutMs: 60_000 });
      let ended = false;
      for (let i = 0; i < 200 && !ended; i++) {
        await sleep(25);
        ended = (await cluster.runLog()).some((e) => e.event === "end");
      }
      const atMs = nowMs();
      await cluster.restartServer({ downMs: RESTART.downMs });
      const report = await batch;
      return { report, killed: { host: "the server", atMs }, placement: cluster.placement, lockDurationMs: cluster.settings.lockDurationMs };
    } finally {
      await cluster.destroy();
    }
  });
}

const GONE = /gone from the server/i;

/**
 * 15, a demonstration: the course's server crashes mid-batch and comes back from its append-only
 * file, and no job is lost. Shown when the crash landed mid-batch (a copy had completed before it
 * and another completed after), every copy is in the results exactly once, completed or failed
 * with a reason, and none failed as gone from the server; anything else is unclear. Not measured
 * where the server is not the course's own.
 */
export function restartClaim(result: FaultResult | null): Claim {
  const text = "A queue whose server crashes and restarts from its append-only file loses no job: each is completed or reported failed, once.";
  const rule = "holds if the crash landed mid-batch (a copy completed before it and another after), every copy is in the results exactly once, each failure has a reason, and none failed as gone from the server; otherwise the run went wrong (unclear)";
  if (!result) {
    return claim({ id: "queue.restart", section: SECTION, claim: text, measured: "no restart: the server is not the course's own", verdict: "not measured", reason: "CONCLAB_REDIS_URL names a server the course did not start, and the course does not crash a server it did not start", rule: `needs the course's own server; ${rule}`, kind: "demonstration" });
  }
  const { report, killed } = result;
  const at = killed?.atMs ?? Number.NaN;
  const before = report.records.filter((r) => r.endMs < at).length;
  const after = report.records.filter((r) => r.endMs > at).length;
  const lost = report.failed.filter((f) => GONE.test(f.reason) || f.reason.trim().length === 0);
  const midBatch = before > 0 && after > 0;
  const shown = midBatch && eachCopyOnce(report) && lost.length === 0;
  return claim({
    id: "queue.restart",
    section: SECTION,
    claim: text,
    measured: `${report.submitted} jobs of ${ms(RESTART.jobMs)} on ${RESTART.workers} workers, the server killed and back after ${ms(RESTART.downMs)}: ${before} completed before the crash, ${after} after, ${report.failed.length} failed${report.failed.length ? ` (${report.failed.map((f) => f.reason).join("; ")})` : ""}; each copy ${eachCopyOnce(report) ? "once" : "not once"} in the results`,
    verdict: shown ? "holds" : "unclear",
    reason: shown
      ? "the server wrote every change to its append-only file before answering, so it came back with every job; workers and the kernel reconnected and went on"
      : !midBatch
        ? "the crash did not land in the middle of the batch, so it showed nothing about the jobs in flight: the run went wrong"
        : "a job was lost or counted twice, which a server that restarts from its append-only file should not do: the run went wrong",
    rule,
    kind: "demonstration",
  });
}

const OUTCOME_STYLE: Readonly<Record<JobRun["outcome"], { name: string; color: string }>> = {
  end: { name: "ran to its end", color: "#2e7d32" },
  error: { name: "threw", color: "#c0392b" },
  open: { name: "never ended (host killed, or cut off)", color: "#999999" },
};

/** The runs of a batch per host, a bar from each start to its end (or to the kill, or the batch's end), labelled by copy. */
export function runsFigure(result: FaultResult, title: string): Figure {
  const { report, killed } = result;
  const runs = jobRuns(report.runs);
  if (runs.length === 0) throw new RangeError("result.report.runs holds no start: the batch ran nothing to draw");
  const origin = report.startMs;
  const data: Trace[] = (Object.keys(OUTCOME_STYLE) as JobRun["outcome"][])
    .map((outcome) => {
      const mine = runs.filter((r) => r.outcome === outcome);
      const ends = mine.map((r) => r.endMs ?? (killed && r.host === killed.host ? killed.atMs : report.endMs));
      return {
        type: "bar",
        orientation: "h",
        name: OUTCOME_STYLE[outcome].name,
        y: mine.map((r) => r.host),
        base: mine.map((r) => r.startMs - origin),
        x: mine.map((r, i) => Math.max(ends[i]! - r.startMs, 1)),
        text: mine.map((r) => `copy ${r.copy}`),
        textposition: "inside",
        marker: { color: OUTCOME_STYLE[outcome].color, line: { color: "#ffffff", width: 1 } },
      } as Trace & { x: number[] };
    })
    .filter((trace) => trace.x.length > 0);
  const shapes = killed ? [{ type: "line", x0: killed.atMs - origin, x1: killed.atMs - origin, yref: "paper", y0: 0, y1: 1, line: { color: "#c0392b", dash: "dot" } }] : [];
  return {
    data,
    layout: { title: { text: title }, barmode: "overlay", xaxis: { title: { text: "ms since the batch was submitted" } }, yaxis: { title: { text: "host" }, type: "category" }, shapes, height: 320 },
  };
}

/** The sentence under a fault figure: per copy that started more than once, where and when; what completed and failed. */
export function faultCaption(result: FaultResult): string {
  const { report, killed } = result;
  const runs = jobRuns(report.runs);
  const origin = report.startMs;
  const repeated = [...new Set(runs.map((r) => r.copy))].filter((copy) => runs.filter((r) => r.copy === copy).length > 1);
  const kill = killed ? `${killed.host} was killed at ${ms(killed.atMs - origin)}. ` : "";
  const again =
    repeated.length === 0
      ? "No copy started more than once."
      : repeated.map((copy) => `Copy ${copy} started ${runs.filter((r) => r.copy === copy).map((r) => `on ${r.host} at ${ms(r.startMs - origin)} (${r.outcome === "open" ? "never ended" : r.outcome === "end" ? "ended" : "threw"})`).join(", then ")}.`).join(" ");
  const failed = report.failed.length === 0 ? "none failed" : `${report.failed.length} failed (${report.failed.map((f) => `copy ${f.copy}: ${f.reason}`).join("; ")})`;
  return `${kill}${again} Of ${report.submitted} submitted, ${report.records.length} completed and ${failed}; each copy is ${eachCopyOnce(report) ? "once" : "not once"} in the results. ${placementSentence(result.placement, describeMachine().cores)}`;
}

// ---------------------------------------------------------------------------------------------
// The chapter's results

export function queueData(roundTrip: RoundTripResult, scaling: ScalingResult, redelivery: FaultResult, lostLock: FaultResult, restart: FaultResult | null = null): Record<string, unknown> {
  return {
    roundTrip: { jobs: roundTrip.jobs, threadMs: median(all(roundTrip.threadMs)), queueMs: median(all(roundTrip.queueMs)), repeats: roundTrip.threadMs.length },
    scaling: {
      jobs: scaling.jobs,
      steps: scaling.steps,
      wallMs: Object.fromEntries(Object.entries(scaling.wallMs).map(([w, v]) => [w, summarize([...v]).median])),
      cpuShare: scaling.cpuShare ? Object.fromEntries(Object.keys(scaling.cpuShare).map((w) => [w, jobCpuShare(scaling, Number(w))])) : null,
      tinyWallMs: scaling.tinyWallMs ? Object.fromEntries(Object.entries(scaling.tinyWallMs).map(([w, v]) => [w, v.length ? median(v) : null])) : null,
    },
    redelivery: { runs: jobRuns(redelivery.report.runs), failed: redelivery.report.failed },
    lostLock: { runs: jobRuns(lostLock.report.runs), failed: lostLock.report.failed },
    restart: restart ? { completed: restart.report.records.length, failed: restart.report.failed, atMs: restart.killed ? restart.killed.atMs - restart.report.startMs : null } : null,
    placement: { kind: roundTrip.placement.kind, why: roundTrip.placement.why, sharesThisMachine: roundTrip.placement.sharesThisMachine },
    cores: scaling.cores,
  };
}

/** 15's experiments at their short size, judged. */
export async function shortRun(): Promise<ChapterResults> {
  const roundTrip = await roundTripRun("short");
  const scaling = await scalingRun("short");
  const redelivery = await redeliveryRun();
  const lostLock = await lostLockRun();
  const restart = await restartRun();
  return {
    claims: [roundTripClaim(roundTrip), scalesClaim(scaling), smallJobsClaim(scaling), redeliveryClaim(redelivery), lostLockClaim(lostLock), restartClaim(restart)],
    data: queueData(roundTrip, scaling, redelivery, lostLock, restart),
  };
}

// ---------------------------------------------------------------------------------------------
// Exercise: a payment job that may run twice

/** What the reader's job receives: the payment to record. */
export interface PaymentJob {
  readonly paymentId: string;
  readonly customer: string;
  readonly amount: number;
}

/** The jobs the check delivers, the first of them twice (as a redelivery would). */
export const PAYMENTS: readonly PaymentJob[] = [
  { paymentId: "pay-1017", customer: "ada", amount: 25 },
  { paymentId: "pay-1018", customer: "ada", amount: 40 },
];

/**
 * 15's check: runs `fn(job, charges)` for each payment in PAYMENTS, the first one twice (an
 * at-least-once queue redelivering it), all against one store of charges. Passes when the store
 * holds exactly one charge per payment, each of its amount: running a payment twice must charge
 * once, and two payments of one customer must both be charged.
 */
export async function checkIdempotent(fn: (job: PaymentJob, charges: Map<string, number>) => unknown): Promise<ExerciseResult> {
  const exercise = "a payment job that may run twice";
  if (typeof fn !== "function") return { exercise, passed: false, message: `Not yet: pass your function, e.g. checkIdempotent(recordPayment), got ${typeof fn}.` };
  const charges = new Map<string, number>();
  const deliveries = [PAYMENTS[0]!, PAYMENTS[0]!, PAYMENTS[1]!];
  try {
    for (const job of deliveries) await fn({ ...job }, charges);
  } catch (error) {
    return threw(exercise, error);
  }
  const total = [...charges.values()].reduce((sum, v) => sum + (typeof v === "number" ? v : Number.NaN), 0);
  const expected = PAYMENTS.reduce((sum, p) => sum + p.amount, 0);
  const amounts = [...charges.values()].sort((a, b) => a - b);
  const wanted = PAYMENTS.map((p) => p.amount).sort((a, b) => a - b);
  if (charges.size === PAYMENTS.length && amounts.every((a, i) => a === wanted[i])) {
    return { exercise, passed: true, message: `Done: ${PAYMENTS[0]!.paymentId} was delivered twice and charged once; the store holds ${charges.size} charges, ${total} in all.` };
  }
  const why =
    charges.size === 0
      ? "nothing was charged; record each payment in charges"
      : charges.size > PAYMENTS.length || total > expected
        ? `the store holds ${charges.size} charges, ${total} in all, where ${PAYMENTS.length} charges of ${expected} were due: the redelivered payment was charged again. Key each charge by something the job carries that is the same on every delivery`
        : `the store holds ${charges.size} charge${charges.size === 1 ? "" : "s"}, ${Number.isNaN(total) ? "not all amounts" : total} in all, where ${PAYMENTS.length} charges of ${expected} were due: two different payments must both be charged, so the key must tell them apart`;
  return { exercise, passed: false, message: `Not yet: ${why}.` };
}

// ---------------------------------------------------------------------------------------------

/** Asked before the experiment that decides queue.round-trip. */
const ASKED_ROUND_TRIP: Question = {
  id: "queue.round-trip",
  text: "A job that does nothing is sent, one at a time, through a queue on a Valkey server to a worker process, and the same nothing is handed to a worker thread kept in this process. How many times longer is the queue's round trip?",
  choices: {
    a: "about as long, under twice: both are a message to another worker",
    b: "a few times longer, 2 to 10 times",
    c: "ten times longer or more",
  },
  predicts: { a: "the queue's round trip under 2× the thread's", b: "between 2× and 10×", c: "at least 10×" },
  choose: (o) => rangeChoice(o, { a: [0, 2], b: [2, 10], c: [10, ANY_HIGH] }),
};

export const chapter: Chapter = {
  id: SECTION,
  title: "15 · Beyond one machine: a job queue and its workers",
  question: "What changes when the workers are on other hosts, behind a queue?",
  about: "tiny jobs' round trip through a BullMQ queue beside a worker thread; large and tiny CPU-bound jobs on 1, 2 and 4 queue workers; a worker host killed mid-job, a job that outlives its lock, and the server crashing mid-batch",
  claims: ["queue.round-trip", "queue.scales", "queue.small-jobs", "queue.redelivery", "queue.lost-lock", "queue.restart"],
  questions: [ASKED_ROUND_TRIP],
  shortRun,
};
