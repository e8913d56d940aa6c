/**
 * compare(): the same task, the same copies, under several strategies, repeated and interleaved
 * (A B C, B C A, C A B…) so that a busy moment of the machine hits every strategy alike; medians
 * with their spread, speedups as ratios paired within each repeat, and the checks that catch a
 * measurement that cannot be right.
 */
import { cpus } from "node:os";
import { AbortError, checkInteger, throwIfAborted } from "../errors";
import { describeMachine, type MachineDescription } from "../environment";
import type { PythonInterpreter } from "../python";
import { nowMs, turnEventLoop } from "../measure/clock";
import { ContentionMeter } from "../measure/contention";
import { laneName, spanOf, type Span } from "../measure/spans";
import { median, pairedRatios, summarize, type Stat } from "../measure/stats";
import { WorkerThreadPool } from "../pools/thread-pool";
import type { RunnerContext, RunRecord, StrategyRunner } from "../strategies/strategy";
import { portable, type TaskFunction, type TaskSource } from "../tasks/task-source";
import { MemoryTracker, type MemorySummary } from "./memory";
import type { RunResult } from "./run";
import { checkArgs, checkCopies, checkSignal, checkTimeout, DEFAULT_TIMEOUT_MS, expandStrategy, readTask } from "./options";
import { newProgressSink, startExperiment, type ProgressReport } from "../runtime/lifecycle";
import { copiesAtOnce, measuredOnThisHost, STRATEGIES, type Pools, type StrategyKey, type StrategyName } from "../strategies/descriptors";

export interface CompareProgress {
  readonly phase: "probe" | "prepare" | "run" | "done";
  readonly strategy?: StrategyKey;
  /** 0-based repeat in the `run` phase. */
  readonly repeat?: number;
  readonly repeats: number;
  /** Timed runs done so far and in all. */
  readonly runsDone: number;
  readonly runsTotal: number;
  readonly elapsedMs: number;
  /** Estimated time left, once one round of runs has been timed. */
  readonly remainingMs?: number;
}

export interface CompareOptions<F extends TaskFunction = TaskFunction> {
  /** A conclab task (countTo, sleep…) or your own self-contained function. */
  readonly task: F;
  /** The task's arguments, the same for every copy. */
  readonly args: Parameters<F>;
  /** How many copies of the task run in each timed run (1 to 64 with threads, processes or python). */
  readonly copies: number;
  /** @default ["sequential", "eventLoop", "threads", "processes"] */
  readonly strategies?: readonly StrategyName[];
  /** Timed runs per strategy, interleaved. @default 5 */
  readonly repeats?: number;
  /** Untimed rounds in every context before timing. @default 2 */
  readonly warmup?: number;
  /** Abort the experiment: workers and children are stopped, the call rejects with AbortError. */
  readonly signal?: AbortSignal;
  /** Longest one copy may run. @default 60000 */
  readonly timeoutMs?: number;
  /** Refuse to start when the estimated total is longer than this. @default 600000 (10 min) */
  readonly maxTotalMs?: number;
  /** Pools kept across cells; without them each experiment starts and stops its own. */
  readonly pools?: Pools;
  readonly onProgress?: (progress: CompareProgress) => void;
  /**
   * Repeat until decided: after `repeats` timed runs per strategy, the result so far is passed to
   * `until`; while it returns false, more interleaved rounds run (half as many again each time),
   * up to `maxRepeats` and within `maxTotalMs` of the start. `(r) => decided(gil.gilThreads(r))` (conclab/course) repeats until that verdict is no
   * longer unclear.
   */
  readonly until?: (result: CompareResult) => boolean;
  /** Most timed runs per strategy when `until` asks for more (repeats to 100). @default 3 × repeats, at most 100 */
  readonly maxRepeats?: number;
}

export interface StrategyResult {
  readonly strategy: StrategyKey;
  /** Wall time of one run of all copies (ms). */
  readonly wallMs: Stat;
  /**
   * Sequential wall time / this strategy's, paired per repeat: Node strategies against `sequential`,
   * CPython's against `python:sequential`. Null when that baseline was not run.
   */
  readonly speedup: Stat | null;
  /**
   * The best speedup possible: min(copies, cores) for parallel strategies (the other host's cores,
   * as the descriptor gives them, for copies that run there; copies when it says "unknown"), 1 on one thread.
   */
  readonly idealSpeedup: number;
  /** speedup.median / min(copies, cores), cores as for idealSpeedup. Null without a `sequential` run. */
  readonly efficiency: number | null;
  /** Every copy of every timed run, on one clock. */
  readonly spans: readonly Span[];
  readonly memory: MemorySummary;
  /** The task's return values in the last run, by copy. */
  readonly results: readonly unknown[];
  /**
   * Share of the machine's CPU time that other programs used during each timed run (0 to 1), from
   * /proc on Linux; null elsewhere. Parallel speedups need free cores: a high value explains a low one.
   */
  readonly contention: Stat | null;
  /**
   * How many CPUs this run kept busy on average: the CPU time of this process and everything below
   * it (worker threads, child processes, the Python interpreter and its pool) over the run's wall
   * time, per timed run; Linux (/proc) only, null elsewhere. It measures how many cores worked at
   * once, apart from how fast each ran: GIL-bound threads stay near 1 on any machine.
   */
  readonly coresBusy: Stat | null;
  /**
   * Readings this machine could not take, each with a sentence that says so: for copies that ran on
   * another host, `coresBusy` (null above) and `memory` (the kernel's memory does not hold them;
   * `memory.perLane` is what they reported). Absent where every reading was taken here.
   */
  readonly notMeasuredHere?: { readonly coresBusy: string; readonly memory: string };
  /** Why this result cannot be trusted, if it cannot; empty when it passed every check. */
  readonly suspect: readonly string[];
  /**
   * python:* strategies only: what the CPython interpreter that ran the copies reported at run
   * time (version, whether the GIL was on, switch interval, start method). Read it with
   * `pythonInterpreterOf(result)`.
   */
  readonly interpreter?: PythonInterpreter;
}

export interface CompareResult {
  readonly task: string;
  readonly args: readonly unknown[];
  readonly copies: number;
  /** Timed runs per strategy, including those `until` asked for. */
  readonly repeats: number;
  /** Of `repeats`, how many `until` added because the result was not yet decided. */
  readonly addedRepeats: number;
  readonly warmup: number;
  readonly environment: MachineDescription;
  /** Whether the task kept its thread busy: from its kind, or measured (CPU time ≈ wall time when run sequentially). Null when unknown. */
  readonly cpuBound: boolean | null;
  readonly strategies: readonly StrategyResult[];
  /**
   * The largest relative spread among strategies, the largest median share of CPU that other
   * programs took (null where unknown), and whether either marks the machine as busy.
   */
  readonly noise: {
    readonly relativeSpread: number;
    readonly contention: number | null;
    /** The largest median share of CPU time the hypervisor held back (steal, /proc/stat), null where unknown. */
    readonly steal: number | null;
    readonly busy: boolean;
    readonly note: string;
  };
  readonly startedAtMs: number;
  readonly finishedAtMs: number;
}

/** Above this relative spread (max − min over median) a comparison is called noisy. */
export const BUSY_SPREAD = 0.25;
/** Above this share of CPU time taken by other programs, the machine is called busy. */
export const BUSY_CONTENTION = 0.15;

function laneOf(task: RunRecord["tasks"][number]): string {
  return laneName(task.laneKind, task.pid, task.threadId, task.host);
}

/** For a strategy whose copies ran on another host: what this machine's meters could not see, said for a reader. */
function notMeasuredHere(key: StrategyKey, runs: readonly RunRecord[]): StrategyResult["notMeasuredHere"] {
  const hosts = [...new Set(runs.flatMap((run) => run.tasks.map((t) => t.host ?? "a host that did not name itself")))];
  const where = `${key}'s copies ran on ${hosts.length > 0 ? hosts.join(", ") : "another host"}`;
  return {
    coresBusy: `CPUs busy: not measured on this host (${where}; the meter counts the CPU time of this machine's processes, and a host that takes jobs may be another machine)`,
    memory: `memory: not measured on this host (${where}; the kernel's memory holds none of them, and a host may be another machine: memory.perLane is what each copy reported where it ran)`,
  };
}

/**
 * Times one copy on a throwaway worker thread before anything runs on the kernel's own thread: a
 * size that would take hours is refused instead of freezing the notebook.
 */
async function probeOneCopy(task: TaskSource, args: readonly unknown[], timeoutMs: number, signal: AbortSignal): Promise<number> {
  const pool = WorkerThreadPool.start({ size: 1 });
  try {
    const record = await pool.run({ task: portable(task), args, copy: -1 }, { signal, timeoutMs, strategy: "probe" });
    return record.endMs - record.startMs;
  } finally {
    await pool.destroy();
  }
}

/** Copies of a strategy whose parallel capacity is unknown (another host that did not say) are left out: timeoutMs bounds them. */
function estimateTotalMs(perCopyMs: number, copies: number, keys: readonly StrategyKey[], rounds: number, cores: number): number {
  return keys.reduce((sum, key) => {
    const atOnce = copiesAtOnce(key, cores);
    return atOnce === null ? sum : sum + perCopyMs * Math.ceil(copies / atOnce) * rounds;
  }, 0);
}

/** The checks a result must pass to be shown as a lesson (exported for tests). */
export function suspicions(result: Omit<StrategyResult, "suspect">, baseline: StrategyResult | undefined, cpuBound: boolean | null, cores: number): string[] {
  const found: string[] = [];
  const { speedup } = result;
  if (!speedup || !cpuBound) return found;
  const tolerance = Math.max(0.1, 2 * Math.max(result.wallMs.relativeSpread, baseline?.wallMs.relativeSpread ?? 0));
  const kernelThread = STRATEGIES[result.strategy].kernelThread;
  if (kernelThread === "together" || kernelThread === "awaited") {
    const ratio = 1 / speedup.median;
    if (Math.abs(ratio - 1) > tolerance) {
      found.push(
        `${result.strategy} took ${ratio.toFixed(2)}x the sequential time, but CPU work on one thread cannot overlap, so it should be 1.00x: ` +
          "the measurement was disturbed (machine load, or V8 compiling the task differently); run it again",
      );
    }
  }
  if (result.idealSpeedup > 1 && speedup.median > result.idealSpeedup * (1 + tolerance)) {
    found.push(
      `a speedup of ${speedup.median.toFixed(2)}x is above the ${result.idealSpeedup} that ${measuredOnThisHost(result.strategy) ? `${cores} core(s)` : "the other host's cores"} allow for CPU-bound work: ` +
        "the sequential baseline was slowed down by something else; run it again",
    );
  }
  return found;
}

/**
 * Runs `copies` copies of `task` under each strategy, `repeats` times interleaved after `warmup`
 * untimed rounds, and reports medians, paired speedups, efficiency, spans and memory. Pools
 * start before timing; an abort (the signal, or an interrupted cell with conclab/kernel) stops
 * every worker and child it started.
 */
export function compare<F extends TaskFunction>(options: CompareOptions<F>): Promise<CompareResult> {
  return startExperiment((controller) => compareWith(options, controller));
}

function describeCall(task: string, args: readonly unknown[], copies: number): string {
  const shown = args.map((a) => (typeof a === "number" && a >= 1e5 ? a.toExponential(0).replace("+", "") : typeof a === "string" ? "…" : String(a)));
  return `${copies} × ${task}(${shown.join(", ")})`;
}

function noiseNote(spread: number, foreign: number | null, busy: boolean): string {
  const others = foreign === null ? "" : `; other programs used ${(foreign * 100).toFixed(0)}% of the CPU during the runs`;
  const agreed = `repeats of one strategy differed by up to ${(spread * 100).toFixed(0)}% of their median${others}`;
  return busy ? `this machine was busy: ${agreed}. Trust the medians less and rerun on a quieter machine` : agreed;
}

/** compare()'s defaults, as README's compare section documents them (a test keeps the two equal). */
export const COMPARE_DEFAULTS = {
  strategies: ["sequential", "eventLoop", "threads", "processes"] as readonly StrategyName[],
  repeats: 5,
  warmup: 2,
  timeoutMs: DEFAULT_TIMEOUT_MS,
  maxTotalMs: 600_000,
  /** maxRepeats is this many times `repeats` (at most 100). */
  maxRepeatsPerRepeat: 3,
} as const;

/** The options, checked and completed with the defaults. */
interface Plan {
  readonly task: TaskSource;
  readonly args: readonly unknown[];
  readonly keys: readonly StrategyKey[];
  readonly copies: number;
  readonly repeats: number;
  readonly warmup: number;
  readonly timeoutMs: number;
  readonly maxTotalMs: number;
  readonly maxRepeats: number;
  readonly until: ((result: CompareResult) => boolean) | undefined;
  readonly userSignal: AbortSignal | undefined;
}

function readCompareOptions(options: CompareOptions<TaskFunction>): Plan {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`options must be an object like { task, args, copies }, got ${String(options)}; see the README's compare section`);
  }
  const task = readTask(options.task, "options.task");
  const args = checkArgs(task, options.args, "options.args");
  const names = options.strategies ?? COMPARE_DEFAULTS.strategies;
  if (!Array.isArray(names) || names.length === 0) {
    throw new TypeError(`options.strategies must be a non-empty array of strategy names, got ${String(names)}; e.g. ["sequential", "threads"]`);
  }
  const keys = [...new Set(names.flatMap((name, i) => expandStrategy(name, `options.strategies[${i}]`)))];
  const copies = checkCopies(options.copies, keys, "options.copies");
  const repeats = checkInteger("options.repeats", options.repeats ?? COMPARE_DEFAULTS.repeats, 1, 100, "repeat each strategy at least once; 5 to 10 gives a fair median");
  const warmup = checkInteger("options.warmup", options.warmup ?? COMPARE_DEFAULTS.warmup, 0, 20, "2 rounds let V8 compile the task before timing");
  const timeoutMs = checkTimeout(options.timeoutMs ?? COMPARE_DEFAULTS.timeoutMs, "options.timeoutMs");
  const maxTotalMs = checkInteger("options.maxTotalMs", options.maxTotalMs ?? COMPARE_DEFAULTS.maxTotalMs, 1, 86_400_000, "raise it if you really mean to run that long");
  const maxRepeats = checkInteger(
    "options.maxRepeats",
    options.maxRepeats ?? Math.min(100, COMPARE_DEFAULTS.maxRepeatsPerRepeat * repeats),
    repeats,
    100,
    "give at least options.repeats, at most 100",
  );
  if (options.until !== undefined && typeof options.until !== "function") {
    throw new TypeError(`options.until must be a function (result) => boolean, got ${typeof options.until}; e.g. (r) => decided(gil.gilThreads(r)), or leave it out`);
  }
  const userSignal = checkSignal(options.signal, "options.signal");
  return { task, args, keys, copies, repeats, warmup, timeoutMs, maxTotalMs, maxRepeats, until: options.until, userSignal };
}

/**
 * Synchronous copies on the kernel's own thread would freeze it for as long as they run: one
 * probed copy on a throwaway worker estimates the whole run, which is refused past maxTotalMs.
 */
async function refuseIfTooLong(plan: Plan, cores: number, signal: AbortSignal, onProbe: () => void): Promise<void> {
  const { task, args, keys, copies, repeats, warmup, timeoutMs, maxTotalMs } = plan;
  const onKernelThread = keys.some((key) => STRATEGIES[key].kernelThread === "one-after-another" || STRATEGIES[key].kernelThread === "together");
  if (!onKernelThread || task.kind === "io") return;
  onProbe();
  const perCopyMs = await probeOneCopy(task, args, timeoutMs, signal);
  // CPython's runs, and those on a host of unknown capacity, are left out: timeoutMs bounds them instead.
  const nodeKeys = keys.filter((key) => STRATEGIES[key].runtime === "node" && copiesAtOnce(key, cores) !== null);
  const estimate = estimateTotalMs(perCopyMs, copies, nodeKeys, repeats + warmup, cores);
  if (estimate > maxTotalMs) {
    throw new RangeError(
      `options.args make this comparison take about ${(estimate / 60_000).toFixed(1)} min (one copy of ${task.name} took ${perCopyMs.toFixed(0)} ms; ` +
        `× ${copies} copies × ${repeats + warmup} runs × ${nodeKeys.length} strategies), over options.maxTotalMs = ${maxTotalMs} ms; ` +
        "use a smaller size (calibrate() finds one), fewer copies or repeats, or raise maxTotalMs",
    );
  }
}

/** What the timed runs collected, per strategy, and the result they make after any number of rounds. */
class Measurements {
  private readonly records: Map<StrategyKey, RunRecord[]>;
  /** What each python:* strategy's interpreter reported. */
  private readonly interpreters = new Map<StrategyKey, PythonInterpreter>();
  private readonly trackers: Map<StrategyKey, MemoryTracker>;
  private readonly contention: Map<StrategyKey, number[]>;
  private readonly steal: Map<StrategyKey, number[]>;
  private readonly coresBusy: Map<StrategyKey, number[]>;
  private readonly meter = new ContentionMeter();
  private sequentialCpuMs = 0;

  constructor(
    private readonly plan: Plan,
    private readonly environment: MachineDescription,
    private readonly cores: number,
    private readonly startedAtMs: number,
  ) {
    const perKey = <T>(make: () => T): Map<StrategyKey, T> => new Map(plan.keys.map((key) => [key, make()]));
    this.records = perKey<RunRecord[]>(() => []);
    this.trackers = perKey(() => new MemoryTracker());
    this.contention = perKey<number[]>(() => []);
    this.steal = perKey<number[]>(() => []);
    this.coresBusy = perKey<number[]>(() => []);
  }

  /** One timed run of `runner`, with its memory, the CPU other programs took, and the CPUs it kept busy. */
  async timeOnce(key: StrategyKey, runner: StrategyRunner): Promise<void> {
    if (runner.interpreter) this.interpreters.set(key, runner.interpreter);
    const tracker = this.trackers.get(key)!;
    tracker.start();
    const cpuBefore = process.cpuUsage();
    this.meter.start();
    const record = await runner.runOnce();
    const used = this.meter.stop();
    if (used.foreign !== null) this.contention.get(key)!.push(used.foreign);
    if (used.steal !== null) this.steal.get(key)!.push(used.steal);
    // /proc sees only this machine: a reading for copies on another host would be this kernel's idling.
    if (used.coresBusy !== null && measuredOnThisHost(key)) this.coresBusy.get(key)!.push(used.coresBusy);
    if (key === "sequential") {
      const cpu = process.cpuUsage(cpuBefore);
      this.sequentialCpuMs += (cpu.user + cpu.system) / 1000;
    }
    tracker.stop(record, laneOf);
    this.records.get(key)!.push(record);
  }

  /** The result of the first `done` timed rounds (all of them at the end; fewer while `until` decides). */
  result(done: number): CompareResult {
    const { task, args, copies, repeats, warmup, keys } = this.plan;
    const { cores } = this;
    const sequential = this.records.get("sequential");
    // CPython and Node run the same algorithm at very different speeds: each is compared with its own sequential run.
    const baselineOf = (key: StrategyKey): StrategyKey => STRATEGIES[key].baseline;
    const cpuBound =
      task.kind === "cpu" ? true : task.kind === "io" ? false : sequential ? this.sequentialCpuMs / sequential.reduce((sum, r) => sum + r.wallMs, 0) >= 0.8 : null;
    const partial = keys.map((key) => {
      const runs = this.records.get(key)!.slice(0, done);
      const wall = runs.map((r) => r.wallMs);
      const base = this.records.get(baselineOf(key))?.slice(0, done).map((r) => r.wallMs);
      const speedup = base ? pairedRatios(base, wall) : null;
      const atOnce = Math.min(copies, copiesAtOnce(key, cores) ?? copies);
      // Efficiency is against the CPUs the copies could have had: this machine's, or the other host's.
      const atMost = measuredOnThisHost(key) ? Math.min(copies, cores) : atOnce;
      const readings = (map: Map<StrategyKey, number[]>): Stat | null => (map.get(key)!.length >= runs.length ? summarize(map.get(key)!.slice(0, done)) : null);
      return {
        strategy: key,
        wallMs: summarize(wall),
        speedup,
        idealSpeedup: atOnce,
        efficiency: speedup ? speedup.median / atMost : null,
        spans: runs.flatMap((run, repeat) => run.tasks.map((t) => spanOf(key, repeat, t))),
        memory: this.trackers.get(key)!.summary(),
        contention: readings(this.contention),
        coresBusy: readings(this.coresBusy),
        results: [...(runs[runs.length - 1]?.tasks ?? [])].sort((a, b) => a.copy - b.copy).map((t) => t.result),
        ...(this.interpreters.has(key) ? { interpreter: this.interpreters.get(key)! } : {}),
        ...(measuredOnThisHost(key) ? {} : { notMeasuredHere: notMeasuredHere(key, runs) }),
      };
    });
    const strategies: StrategyResult[] = partial.map((p) => {
      const baseline = partial.find((b) => b.strategy === baselineOf(p.strategy)) as StrategyResult | undefined;
      return { ...p, suspect: suspicions(p, baseline, cpuBound, cores) };
    });
    const relativeSpread = Math.max(...strategies.map((s) => s.wallMs.relativeSpread));
    const contended = strategies.flatMap((s) => (s.contention ? [s.contention.median] : []));
    const foreignShare = contended.length === strategies.length ? Math.max(...contended) : null;
    const stolen = keys.map((key) => this.steal.get(key)!.slice(0, done)).filter((readings) => readings.length > 0).map(median);
    const steal = stolen.length === keys.length ? Math.max(...stolen) : null;
    // CPU held back by the hypervisor is denied to the run as much as CPU other programs took.
    const busy = relativeSpread > BUSY_SPREAD || (foreignShare ?? 0) + (steal ?? 0) > BUSY_CONTENTION;
    return {
      task: task.name,
      args,
      copies,
      repeats: done,
      addedRepeats: done - repeats,
      warmup,
      environment: this.environment,
      cpuBound,
      strategies,
      noise: { relativeSpread, contention: foreignShare, steal, busy, note: noiseNote(relativeSpread, foreignShare, busy) },
      startedAtMs: this.startedAtMs,
      finishedAtMs: nowMs(),
    };
  }
}

/** The line a finished comparison leaves in its cell. */
function summaryLine(label: string, result: CompareResult, elapsedMs: number): string {
  const { strategies, noise } = result;
  const fastest = strategies.reduce((best, s) => (s.wallMs.median < best.wallMs.median ? s : best));
  const flagged = strategies.filter((s) => s.suspect.length > 0).map((s) => s.strategy);
  const added = result.addedRepeats > 0 ? ` (${result.addedRepeats} added until decided)` : "";
  return (
    `${label}: ${strategies.length} strategies × ${result.repeats} repeats${added} in ${(elapsedMs / 1000).toFixed(1)} s; fastest ${fastest.strategy} ` +
    `(${fastest.wallMs.median.toFixed(0)} ms median); spread ${(noise.relativeSpread * 100).toFixed(0)}%` +
    (noise.contention === null ? "" : `, other programs took ${(noise.contention * 100).toFixed(0)}% of the CPU`) +
    (noise.busy ? " (busy machine)" : "") +
    (flagged.length ? `; suspect: ${flagged.join(", ")}` : "") +
    strategies.map((s) => (s.notMeasuredHere ? `; ${s.strategy}: ${s.notMeasuredHere.coresBusy}` : "")).join("")
  );
}

/**
 * How many rounds to run in all after `done` undecided ones: half as many again as the first
 * `repeats` (at least 2), within maxRepeats and the time left in maxTotalMs.
 */
function extendedTarget(plan: Plan, done: number, timedMs: number, elapsedMs: number): number {
  const perRoundMs = timedMs / done;
  const fitInTime = Math.floor((plan.maxTotalMs - elapsedMs) / Math.max(perRoundMs, 1e-3));
  const step = Math.max(0, Math.min(Math.max(2, Math.ceil(plan.repeats / 2)), fitInTime));
  return Math.min(plan.maxRepeats, done + step);
}

async function compareWith<F extends TaskFunction>(options: CompareOptions<F>, controller: AbortController): Promise<CompareResult> {
  const plan = readCompareOptions(options as CompareOptions<TaskFunction>);
  const { task, args, keys, copies, repeats, warmup, timeoutMs, userSignal } = plan;
  throwIfAborted(userSignal);
  const onUserAbort = (): void => controller.abort();
  userSignal?.addEventListener("abort", onUserAbort, { once: true });
  const signal = controller.signal;
  const environment = describeMachine();
  const cores = environment.cores || cpus().length || 1;
  const startedAtMs = nowMs();
  // Grows when `until` asks for more rounds.
  let target = repeats;
  const sink = newProgressSink();
  const label = `compare ${describeCall(task.name, args, copies)}`;
  const progress = (p: Omit<CompareProgress, "repeats" | "runsTotal" | "elapsedMs">): void => {
    const runsTotal = keys.length * target;
    const report: CompareProgress = { ...p, repeats: target, runsTotal, elapsedMs: nowMs() - startedAtMs };
    options.onProgress?.(report);
    if (p.phase === "done") return;
    const detail =
      p.phase === "run" ? `${p.strategy}, repeat ${(p.repeat ?? 0) + 1} of ${target}${target > repeats ? " (more until decided)" : ""}` : p.phase === "prepare" ? `starting ${p.strategy} and warming up` : "timing one copy";
    sink({ label, fraction: p.runsDone / runsTotal, detail, elapsedMs: report.elapsedMs, remainingMs: p.remainingMs });
  };

  const context: RunnerContext = { task, args, copies, signal, timeoutMs };
  const runners: { readonly key: StrategyKey; readonly runner: StrategyRunner }[] = [];
  let ending: ProgressReport | undefined;
  try {
    await refuseIfTooLong(plan, cores, signal, () => progress({ phase: "probe", runsDone: 0 }));
    for (const key of keys) {
      progress({ phase: "prepare", strategy: key, runsDone: 0 });
      const runner = STRATEGIES[key].create(context, options.pools ?? {});
      runners.push({ key, runner });
      await runner.prepare(warmup);
    }

    const measured = new Measurements(plan, environment, cores, startedAtMs);
    let runsDone = 0;
    let firstRoundMs: number | undefined;
    const timedFromMs = nowMs();
    for (let repeat = 0; repeat < target; repeat++) {
      for (let i = 0; i < runners.length; i++) {
        const { key, runner } = runners[(i + repeat) % runners.length]!;
        // Between timed runs (untimed): lets an interrupt or abort in, even when every strategy
        // so far ran synchronous work on this thread.
        await turnEventLoop();
        throwIfAborted(signal);
        progress({ phase: "run", strategy: key, repeat, runsDone, remainingMs: firstRoundMs && firstRoundMs * (target - repeat) });
        await measured.timeOnce(key, runner);
        runsDone++;
      }
      if (repeat === 0) firstRoundMs = nowMs() - startedAtMs;
      if (repeat === target - 1 && plan.until && target < plan.maxRepeats && !plan.until(measured.result(target))) {
        target = extendedTarget(plan, target, nowMs() - timedFromMs, nowMs() - startedAtMs);
      }
    }
    const result = measured.result(target);
    progress({ phase: "done", runsDone });
    const elapsedMs = nowMs() - startedAtMs;
    ending = { label, fraction: 1, detail: "done", elapsedMs, summary: summaryLine(label, result, elapsedMs) };
    return result;
  } catch (error) {
    const final = signal.aborted && !(error instanceof AbortError) ? new AbortError() : error;
    const why = final instanceof AbortError ? "interrupted; its workers and child processes were stopped" : `failed: ${(final as Error).message ?? String(final)}`;
    ending = { label, fraction: 0, detail: "stopped", elapsedMs: nowMs() - startedAtMs, summary: `${label}: ${why}` };
    throw final;
  } finally {
    userSignal?.removeEventListener("abort", onUserAbort);
    controller.abort(); // stops anything still waiting
    await Promise.allSettled(runners.map(({ runner }) => runner.dispose()));
    // Said once the workers and child processes are gone, and before the caller hears the outcome.
    if (ending) sink(ending);
  }
}

/**
 * What the CPython interpreter of a comparison (or a run) reported while it ran: its version,
 * whether the GIL was on, its switch interval and start method. Null when no python:* strategy
 * ran. Use it, not `findPython().gil` (a separate probe), to say what the measurement saw.
 */
export function pythonInterpreterOf(result: CompareResult | RunResult): PythonInterpreter | null {
  if ("strategies" in result) return result.strategies.find((s) => s.interpreter)?.interpreter ?? null;
  return result.interpreter ?? null;
}

