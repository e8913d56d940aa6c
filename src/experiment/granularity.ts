/**
 * Granularity and Amdahl's law, measured: a fixed job of counting (countTo) cut into tasks on a
 * pool of worker threads, against the same job in one piece on this thread; the round trip one
 * task costs the pool (dispatch); and jobs with a built-in serial part run on 1..P workers, with
 * the serial fraction fitted back from their speedups. Every run goes through startExperiment,
 * so an interrupted cell aborts it, and the pool it started is destroyed whatever happens.
 */
import { checkInteger, rangeError, throwIfAborted } from "../errors";
import { nowMs, turnEventLoop } from "../measure/clock";
import { ContentionMeter } from "../measure/contention";
import { meanInterval, median, pairedRatios, summarize, type Interval, type Stat } from "../measure/stats";
import { WorkerThreadPool } from "../pools/thread-pool";
import { progressOf, startExperiment } from "../runtime/lifecycle";
import { countTo } from "../tasks/cpu";
import { portable, taskSource } from "../tasks/task-source";
import type { TaskMessage } from "../workers/execute";
import { calibrate } from "./calibrate";

const COUNT_TO = portable(taskSource(countTo));
const message = (n: number, copy = 0): TaskMessage => ({ task: COUNT_TO, args: [n], copy });

/** countTo's counts per millisecond on this thread, from calibrate (a 20 ms call). */
export async function countsPerMs(): Promise<number> {
  return (await calibrate(countTo, { targetMs: 20, startSize: 100_000 })) / 20;
}

/**
 * Runs `tasks` copies of countTo(`count`) on `pool`, at most `window` at a time (each lane hands
 * its worker the next task when the last one came back), and returns the wall time in ms.
 */
export async function runTasks(pool: WorkerThreadPool, count: number, tasks: number, window: number, signal?: AbortSignal): Promise<number> {
  let next = 0;
  const start = nowMs();
  const lane = async (): Promise<void> => {
    while (next < tasks) {
      next++;
      await pool.run(message(count, next), signal ? { signal } : {});
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, tasks) }, lane));
  return nowMs() - start;
}

/**
 * The dispatch cost of one task on `pool`: the round trip of an empty task (countTo(0)), one at a
 * time, in µs; `batches` samples, each the mean of `perBatch` calls.
 */
export async function dispatchCost(pool: WorkerThreadPool, batches = 5, perBatch = 40, signal?: AbortSignal): Promise<Stat> {
  await runTasks(pool, 0, perBatch, 1, signal); // warm the path
  const samples: number[] = [];
  for (let b = 0; b < batches; b++) {
    samples.push((await runTasks(pool, 0, perBatch, 1, signal)) * 1000 / perBatch);
    await turnEventLoop();
  }
  return summarize(samples);
}

export interface GranularityOptions {
  /** The whole job's length in one piece on this thread (ms, 5 to 5000). */
  readonly totalMs: number;
  /** The task sizes to cut it into, each a task's work in µs (1 to totalMs × 1000). */
  readonly taskUs: readonly number[];
  /** Worker counts to run the tasks on (1 to 64 each). */
  readonly workers: readonly number[];
  /** Timed runs of every configuration, interleaved with the job in one piece. @default 3 */
  readonly repeats?: number;
  /** countTo's counts per ms here; measured with calibrate when left out. */
  readonly countsPerMs?: number;
  /** After `repeats`, more rounds while this returns false, up to `maxRepeats`. */
  readonly until?: (result: GranularityResult) => boolean;
  /** @default repeats */
  readonly maxRepeats?: number;
  readonly signal?: AbortSignal;
}

export interface GranularityPoint {
  /** One task's work, in µs of counting on this thread (as asked). */
  readonly taskUs: number;
  readonly tasks: number;
  readonly workers: number;
  /** The job in one piece over the job in tasks, paired per repeat: above 1 when splitting paid. */
  readonly speedup: Stat;
  readonly wallMs: Stat;
}

export interface GranularityResult {
  readonly totalMs: number;
  readonly countsPerMs: number;
  /** The job in one piece on this thread (ms). */
  readonly onePieceMs: Stat;
  /** One task's round trip on the pool (µs), from dispatchCost. */
  readonly dispatchUs: Stat;
  readonly points: readonly GranularityPoint[];
  readonly repeats: number;
  /** Share of the machine's CPU time other programs used during the timed runs (0 to 1); null where unknown. */
  readonly contention: number | null;
}

function checkList(param: string, values: unknown, min: number, max: number, fix: string): number[] {
  if (!Array.isArray(values) || values.length === 0) throw rangeError(param, "a non-empty array of numbers", values, fix);
  return values.map((v, i) => {
    if (typeof v !== "number" || !(v >= min && v <= max)) throw rangeError(`${param}[${i}]`, `a number from ${min} to ${max}`, v, fix);
    return v;
  });
}

/** How long counting to `total` takes on this thread (ms): the job in one piece. */
function timeCountTo(total: number): number {
  const start = nowMs();
  countTo(total);
  return nowMs() - start;
}

/** What interleavedRounds runs: `one()` is the job in one piece, `config(i)` configuration i. */
interface Rounds {
  readonly configs: number;
  readonly repeats: number;
  readonly maxRepeats: number;
  readonly signal: AbortSignal;
  readonly progress: ReturnType<typeof progressOf>;
  readonly one: () => void;
  readonly config: (i: number) => Promise<void>;
  /** Asked after `repeats` rounds, with the CPU share other programs took: whether to go on (up to `maxRepeats`). */
  readonly undecided: (contention: number | null) => boolean;
}

/**
 * The rounds both experiments share: each runs the job in one piece and every configuration once,
 * in an order rotated by one each round so that a busy moment hits every configuration alike;
 * `repeats` rounds, then more up to `maxRepeats` while `undecided`. Returns the CPU share other
 * programs took while they ran.
 */
async function interleavedRounds(r: Rounds): Promise<number | null> {
  const meter = new ContentionMeter();
  meter.start();
  let contention: number | null = null;
  const more = (round: number): boolean => {
    if (round < r.repeats) return true;
    contention = meter.stop().foreign;
    return round < r.maxRepeats && r.undecided(contention);
  };
  for (let round = 0; more(round); round++) {
    const order = [-1, ...Array.from({ length: r.configs }, (_, i) => i)];
    const shift = round % order.length;
    for (const i of [...order.slice(shift), ...order.slice(0, shift)]) {
      throwIfAborted(r.signal);
      r.progress.step(`repeat ${round + 1} of ${r.repeats}`, round / r.repeats);
      if (i < 0) r.one();
      else await r.config(i);
      await turnEventLoop();
    }
  }
  return contention;
}

/**
 * The granularity sweep: the job of `totalMs` of counting, cut into tasks of each size in `taskUs`,
 * on each number of workers in `workers`, against the job in one piece on this thread; repeated
 * and interleaved, speedups paired per repeat.
 */
export function granularity(options: GranularityOptions): Promise<GranularityResult> {
  const totalMs = checkInteger("options.totalMs", options?.totalMs, 5, 5000, "e.g. 200");
  const taskUs = checkList("options.taskUs", options.taskUs, 1, totalMs * 1000, "task sizes in µs, e.g. [10, 1000, 50000]");
  const workers = checkList("options.workers", options.workers, 1, 64, "worker counts, e.g. [1, 2]").map((w) => checkInteger("options.workers[]", w, 1, 64, "whole workers"));
  const repeats = checkInteger("options.repeats", options.repeats ?? 3, 1, 50, "e.g. 3");
  const maxRepeats = checkInteger("options.maxRepeats", options.maxRepeats ?? repeats, repeats, 100, "at least repeats");
  throwIfAborted(options.signal);
  return startExperiment(async (controller) => {
    const signal = controller.signal;
    options.signal?.addEventListener("abort", () => controller.abort(), { once: true });
    const progress = progressOf(`granularity: ${totalMs} ms of counting cut into tasks`);
    const pool = WorkerThreadPool.start({ size: Math.max(...workers) });
    try {
      const rate = options.countsPerMs ?? (await countsPerMs());
      const total = Math.round(rate * totalMs);
      const dispatchUs = await dispatchCost(pool, 5, 40, signal);
      const configs = taskUs.flatMap((us) => workers.map((w) => {
        const tasks = Math.max(1, Math.round((totalMs * 1000) / us));
        return { taskUs: us, workers: w, tasks, count: Math.round(total / tasks) };
      }));
      for (const c of configs) await runTasks(pool, Math.min(c.count, Math.round(rate)), Math.min(c.tasks, 2 * c.workers), c.workers, signal); // warm every lane
      countTo(Math.round(rate * 5));
      const one: number[] = [];
      const walls = configs.map((): number[] => []);
      let contention: number | null = null;
      const resultOf = (): GranularityResult => ({
        totalMs, countsPerMs: rate, onePieceMs: summarize(one), dispatchUs, repeats: one.length, contention,
        points: configs.map((c, i) => ({ taskUs: c.taskUs, tasks: c.tasks, workers: c.workers, speedup: pairedRatios(one, walls[i]!), wallMs: summarize(walls[i]!) })),
      });
      contention = await interleavedRounds({
        configs: configs.length, repeats, maxRepeats, signal, progress,
        one: () => one.push(timeCountTo(total)),
        config: async (i) => {
          const c = configs[i]!;
          walls[i]!.push(await runTasks(pool, c.count, c.tasks, c.workers, signal));
        },
        undecided: (measured) => {
          contention = measured;
          return options.until !== undefined && !options.until(resultOf());
        },
      });
      progress.done(`${configs.length} configurations × ${one.length}`);
      return resultOf();
    } catch (error) {
      progress.fail(error);
      throw error;
    } finally {
      await pool.destroy();
    }
  });
}

export interface AmdahlOptions {
  /** The job's length in one piece on this thread (ms, 10 to 5000). */
  readonly totalMs: number;
  /** Built-in serial fractions, each from 0 to 0.9: that share of the job runs on this thread first. */
  readonly fractions: readonly number[];
  /** Runs each job on 1, 2, … maxWorkers workers (1 to 64). */
  readonly maxWorkers: number;
  /** @default 5 */
  readonly repeats?: number;
  readonly countsPerMs?: number;
  /** After `repeats`, more rounds while this returns false, up to `maxRepeats`. */
  readonly until?: (result: AmdahlResult) => boolean;
  /** @default repeats */
  readonly maxRepeats?: number;
  readonly signal?: AbortSignal;
}

export interface AmdahlPoint {
  /** The built-in serial fraction. */
  readonly serial: number;
  readonly workers: number;
  /** The job in one piece over this job, paired per repeat. */
  readonly speedup: Stat;
  /**
   * Time per unit of parallel work on a worker, against the same on one worker (paired medians):
   * above 1 when workers running at once slowed each other down. 1 for one worker.
   */
  readonly slowdown: number;
}

export interface AmdahlResult {
  readonly totalMs: number;
  readonly points: readonly AmdahlPoint[];
  readonly repeats: number;
  readonly maxWorkers: number;
  /** Share of the machine's CPU time other programs used during the timed runs (0 to 1); null where unknown. */
  readonly contention: number | null;
}

/**
 * Jobs with a serial part: for each fraction s, countTo(s × job) on this thread, then the rest cut
 * into P equal tasks on P workers at once, for P = 1 … maxWorkers; each against the whole job in
 * one piece on this thread, interleaved and repeated.
 */
export function amdahlJobs(options: AmdahlOptions): Promise<AmdahlResult> {
  const totalMs = checkInteger("options.totalMs", options?.totalMs, 10, 5000, "e.g. 150");
  const fractions = checkList("options.fractions", options.fractions, 0, 0.9, "serial fractions, e.g. [0, 0.25, 0.5]");
  const maxWorkers = checkInteger("options.maxWorkers", options.maxWorkers, 1, 64, "the usable CPUs, describeMachine().cores");
  const repeats = checkInteger("options.repeats", options.repeats ?? 5, 1, 50, "e.g. 5");
  const maxRepeats = checkInteger("options.maxRepeats", options.maxRepeats ?? repeats, repeats, 100, "at least repeats");
  throwIfAborted(options.signal);
  return startExperiment(async (controller) => {
    const signal = controller.signal;
    options.signal?.addEventListener("abort", () => controller.abort(), { once: true });
    const progress = progressOf(`Amdahl: jobs with a serial part on 1 to ${maxWorkers} workers`);
    const pool = WorkerThreadPool.start({ size: maxWorkers });
    try {
      const rate = options.countsPerMs ?? (await countsPerMs());
      const total = Math.round(rate * totalMs);
      const configs = fractions.flatMap((s) => Array.from({ length: maxWorkers }, (_, k) => ({ serial: s, workers: k + 1 })));
      const runJob = async (s: number, p: number): Promise<{ wall: number; perUnit: number }> => {
        const start = nowMs();
        countTo(Math.round(total * s));
        const piece = Math.round((total * (1 - s)) / p);
        const records = await Promise.all(Array.from({ length: p }, (_, copy) => pool.run(message(piece, copy), { signal })));
        const wall = nowMs() - start;
        const pieceMs = median(records.map((rec) => rec.endMs - rec.startMs));
        return { wall, perUnit: piece > 0 ? pieceMs / piece : 0 };
      };
      for (const c of configs) await runJob(Math.min(c.serial, 0.05), c.workers); // warm every worker
      const one: number[] = [];
      const walls = configs.map((): number[] => []);
      const perUnit = configs.map((): number[] => []);
      let contention: number | null = null;
      const resultOf = (): AmdahlResult => ({
        totalMs, repeats: one.length, maxWorkers, contention,
        points: configs.map((c, i) => {
          const alone = configs.findIndex((d) => d.serial === c.serial && d.workers === 1);
          const base = median(perUnit[alone]!);
          return { serial: c.serial, workers: c.workers, speedup: pairedRatios(one, walls[i]!), slowdown: base > 0 ? median(perUnit[i]!) / base : 1 };
        }),
      });
      contention = await interleavedRounds({
        configs: configs.length, repeats, maxRepeats, signal, progress,
        one: () => one.push(timeCountTo(total)),
        config: async (i) => {
          const job = await runJob(configs[i]!.serial, configs[i]!.workers);
          walls[i]!.push(job.wall);
          perUnit[i]!.push(job.perUnit);
        },
        undecided: (measured) => {
          contention = measured;
          return options.until !== undefined && !options.until(resultOf());
        },
      });
      progress.done(`${configs.length} jobs × ${one.length}`);
      return resultOf();
    } catch (error) {
      progress.fail(error);
      throw error;
    } finally {
      await pool.destroy();
    }
  });
}

/** Amdahl's law: the speedup of a job with serial fraction `s` on `workers` workers. */
export function amdahlSpeedup(s: number, workers: number): number {
  return 1 / (s + (1 - s) / workers);
}

/** Amdahl's law where the parallel part itself runs `slowdown` times as long per unit of work on `workers` workers as on one. */
export function amdahlSpeedupSlowed(s: number, workers: number, slowdown: number): number {
  return 1 / (s + ((1 - s) * slowdown) / workers);
}

/** A serial fraction fitted from measured speedups, with its 95 % interval over the repeats. */
export interface SerialFit {
  /** The built-in fraction of the jobs fitted (or null for a curve with none). */
  readonly serial: number | null;
  /** Mean of the per-repeat fits. */
  readonly fitted: number;
  readonly interval: Interval;
  /** The worker counts (2 and up) the fit used. */
  readonly workers: readonly number[];
  /** The largest gap between a measured median speedup and the fitted model (Amdahl's curve, with each point's slowdown). */
  readonly maxResidual: number;
}

/**
 * Least squares for Amdahl's s from speedups S at worker counts P ≥ 2. Where a point says how much
 * longer a unit of its parallel work took on P workers side by side than on one (`slowdown`, k;
 * 1 where it does not), the parallel part is counted at that speed: 1/S − k/P = s (1 − k/P), a
 * line through the origin. So cores that slow each other down are measured apart and not mistaken
 * for serial work. Fitted once per repeat (the repeats' speedups are paired samples), so the fit's
 * error comes from the spread of the repeats. Null with no point at 2 or more workers.
 */
export function fitSerialFraction(points: readonly { readonly workers: number; readonly speedup: Stat; readonly slowdown?: number }[], serial: number | null = null): SerialFit | null {
  const used = points.filter((p) => p.workers >= 2);
  if (used.length === 0) return null;
  const n = Math.min(...used.map((p) => p.speedup.samples.length));
  const fits: number[] = [];
  for (let r = 0; r < n; r++) {
    let xy = 0;
    let xx = 0;
    for (const p of used) {
      const parallel = (p.slowdown ?? 1) / p.workers;
      xy += (1 - parallel) * (1 / p.speedup.samples[r]! - parallel);
      xx += (1 - parallel) ** 2;
    }
    fits.push(xy / xx);
  }
  const fitted = fits.reduce((a, b) => a + b, 0) / fits.length;
  const maxResidual = Math.max(...points.map((p) => Math.abs(p.speedup.median - amdahlSpeedupSlowed(fitted, p.workers, p.slowdown ?? 1))));
  return { serial, fitted, interval: meanInterval(fits), workers: used.map((p) => p.workers), maxResidual };
}
