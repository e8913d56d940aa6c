/**
 * Every fact about a strategy in one place: its runtime, whether its copies run in parallel, what
 * its speedup is measured against, how it uses the kernel's own thread, how many copies it takes,
 * how figures draw it, and how to make its runner. Every other module reads these descriptors,
 * and the strategy names (`StrategyKey`) are this table's keys: adding a strategy means adding its
 * descriptor here and its runner beside this file.
 */
import type { ProcessPool, ThreadPool } from "../pools/pool-contract";
import type { QueueCluster } from "../queue/cluster";
import { createMainThreadRunner } from "./main-thread";
import { createProcessesRunner } from "./processes";
import { createQueueRunner } from "./queue";
import { createPythonRunner } from "./python";
import type { RunnerContext, StrategyRunner } from "./strategy";
import { createThreadsRunner } from "./threads";
import { ASYNC_UNIT } from "./async-unit";
import { PROCESSES_UNIT } from "./processes-unit";
import { CPYTHON_ASYNC_UNIT, CPYTHON_PROCESSES_UNIT, CPYTHON_THREADS_UNIT } from "./python-units";
import { THREADS_UNIT } from "./threads-unit";
import type { CPythonUnitOperations, UnitOperations } from "./unit-operations";

/** Most copies for strategies that start a thread or process per copy. */
export const MAX_PARALLEL_COPIES = 64;
/** Most copies on the one JavaScript thread (async work is cheap: 10,000 connections is a lesson). */
export const MAX_EVENT_LOOP_COPIES = 100_000;

/** Pools a notebook keeps across cells and lends to experiments (they are never closed for it). */
export interface Pools {
  readonly threads?: ThreadPool;
  readonly processes?: ProcessPool;
  /** A job queue with its workers (startQueueCluster()) for the `queue` strategy. */
  readonly queue?: QueueCluster;
}

/**
 * Where a strategy's copies run: on the kernel's own thread, on a thread or process of this
 * machine, in another interpreter on this machine (CPython), or on another host. What this
 * machine can meter follows from it: CPUs busy and memory are read from this machine's /proc,
 * which sees no copy that ran on another host, and this machine's cores bound only local copies.
 */
export type Placement =
  | { readonly where: "kernel-thread" | "local-thread" | "local-process" | "local-interpreter" }
  | {
      readonly where: "other-host";
      /** How many copies the other host runs at once (its cores or job slots), or "unknown": this machine's cores say nothing about it. */
      readonly cores: number | "unknown";
    };

/** How a plot draws a strategy, the same in every figure. */
export interface StrategyStyle {
  /** Shown in legends, axis labels and hover texts. */
  readonly name: string;
  readonly color: string;
  /** plotly marker symbol. */
  readonly symbol: string;
  /** plotly line dash: Node strategies solid, CPython dotted, so the families part in greyscale too. */
  readonly dash: "solid" | "dot";
}

export interface StrategyDescriptor<Key extends string = string> {
  readonly key: Key;
  readonly runtime: "node" | "python";
  /** Where its copies run (see Placement). */
  readonly placement: Placement;
  /** Each copy gets a thread or process of its own: copies may run in parallel. */
  readonly parallel: boolean;
  /** The strategy this one's speedup is measured against (each runtime against its own sequential run). */
  readonly baseline: Key;
  /**
   * How copies use the kernel's own thread: one after another, started together (CPU work still
   * takes turns), awaited together, or not at all (they run elsewhere).
   */
  readonly kernelThread: "one-after-another" | "together" | "awaited" | null;
  /** Most copies one run may ask for, and why (said when a call asks for more). */
  readonly maxCopies: { readonly count: number; readonly why: string };
  readonly style: StrategyStyle;
  /**
   * How to start, idle and hand off one unit of this strategy (start-up, memory per unit and switch
   * cost read it): absent where copies have no unit of their own (sequential, eventLoop).
   */
  readonly unit?: UnitOperations | CPythonUnitOperations;
  readonly create: (context: RunnerContext, pools: Pools) => StrategyRunner;
}

const ONE_THREAD_EACH = { count: MAX_PARALLEL_COPIES, why: "each copy gets a thread or process of its own" } as const;
const ON_ONE_THREAD = { count: MAX_EVENT_LOOP_COPIES, why: "every copy runs on the kernel's one thread" } as const;
const KERNEL_THREAD = { where: "kernel-thread" } as const;
const LOCAL_THREAD = { where: "local-thread" } as const;
const LOCAL_PROCESS = { where: "local-process" } as const;
const LOCAL_INTERPRETER = { where: "local-interpreter" } as const;
const AS_JOBS = { count: MAX_PARALLEL_COPIES, why: "each copy is a job; a cluster the strategy starts has a worker per copy up to 16, and further copies wait for a free worker" } as const;
const LIKE_CPYTHON_POOLS = { count: MAX_PARALLEL_COPIES, why: "conclab keeps every CPython mode to the copies its pool modes can take" } as const;

/** The table as written, its keys kept literal; each baseline must be one of them. */
function table<const T extends readonly StrategyDescriptor[]>(descriptors: T & readonly StrategyDescriptor<T[number]["key"]>[]): T {
  return descriptors;
}

/*
 * Node strategies in blues, CPython's modes in oranges, the job queue in green. Within each family
 * the CIELAB lightness steps by at least 10 (sequential 12, eventLoop 34, threads 51, async 62,
 * processes 80; CPython 29, 54, 78), and the queue's 68 sits between two blues, so bars stay apart
 * when the handout is printed in grey.
 */
const DESCRIPTORS = table([
  {
    key: "sequential", runtime: "node", placement: KERNEL_THREAD, parallel: false, baseline: "sequential", kernelThread: "one-after-another", maxCopies: ON_ONE_THREAD,
    style: { name: "sequential", color: "#0b1f44", symbol: "circle", dash: "solid" },
    create: (context) => createMainThreadRunner("sequential", context),
  },
  {
    key: "eventLoop", runtime: "node", placement: KERNEL_THREAD, parallel: false, baseline: "sequential", kernelThread: "together", maxCopies: ON_ONE_THREAD,
    style: { name: "event loop (Promise.all)", color: "#2c4f8a", symbol: "diamond", dash: "solid" },
    create: (context) => createMainThreadRunner("eventLoop", context),
  },
  {
    key: "threads", runtime: "node", placement: LOCAL_THREAD, parallel: true, baseline: "sequential", kernelThread: null, maxCopies: ONE_THREAD_EACH,
    style: { name: "worker threads", color: "#1f80b8", symbol: "square", dash: "solid" },
    unit: THREADS_UNIT,
    create: (context, pools) => createThreadsRunner(context, { pool: pools.threads }),
  },
  {
    key: "async", runtime: "node", placement: KERNEL_THREAD, parallel: false, baseline: "sequential", kernelThread: "awaited", maxCopies: ON_ONE_THREAD,
    style: { name: "async tasks (await)", color: "#7d93d6", symbol: "triangle-down", dash: "solid" },
    unit: ASYNC_UNIT,
    create: (context) => createMainThreadRunner("async", context),
  },
  {
    key: "processes", runtime: "node", placement: LOCAL_PROCESS, parallel: true, baseline: "sequential", kernelThread: null, maxCopies: ONE_THREAD_EACH,
    style: { name: "child processes", color: "#8fd1df", symbol: "triangle-up", dash: "solid" },
    unit: PROCESSES_UNIT,
    create: (context, pools) => createProcessesRunner(context, { pool: pools.processes }),
  },
  {
    key: "queue", runtime: "node", placement: { where: "other-host", cores: "unknown" }, parallel: true, baseline: "sequential", kernelThread: null, maxCopies: AS_JOBS,
    style: { name: "job queue (BullMQ)", color: "#5fb860", symbol: "star", dash: "solid" },
    create: (context, pools) => createQueueRunner(context, pools.queue ? { cluster: pools.queue } : {}),
  },
  {
    key: "python:sequential", runtime: "python", placement: LOCAL_INTERPRETER, parallel: false, baseline: "python:sequential", kernelThread: null, maxCopies: LIKE_CPYTHON_POOLS,
    style: { name: "CPython sequential", color: "#7a2a06", symbol: "circle-open", dash: "dot" },
    unit: CPYTHON_ASYNC_UNIT,
    create: (context) => createPythonRunner(context, "sequential"),
  },
  {
    key: "python:threads", runtime: "python", placement: LOCAL_INTERPRETER, parallel: true, baseline: "python:sequential", kernelThread: null, maxCopies: ONE_THREAD_EACH,
    style: { name: "CPython threads", color: "#d9590f", symbol: "square-open", dash: "dot" },
    unit: CPYTHON_THREADS_UNIT,
    create: (context) => createPythonRunner(context, "threads"),
  },
  {
    key: "python:processes", runtime: "python", placement: LOCAL_INTERPRETER, parallel: true, baseline: "python:sequential", kernelThread: null, maxCopies: ONE_THREAD_EACH,
    style: { name: "CPython processes", color: "#fbb26b", symbol: "triangle-up-open", dash: "dot" },
    unit: CPYTHON_PROCESSES_UNIT,
    create: (context) => createPythonRunner(context, "processes"),
  },
] as const);

/** A strategy as results report it: one of the table's keys. */
export type StrategyKey = (typeof DESCRIPTORS)[number]["key"];
export type NodeStrategy = Extract<(typeof DESCRIPTORS)[number], { runtime: "node" }>["key"];
export type PythonStrategy = Extract<(typeof DESCRIPTORS)[number], { runtime: "python" }>["key"];
/** A strategy name as `compare` and `run` accept it; plain `python` stands for every CPython strategy. */
export type StrategyName = StrategyKey | "python";

export const STRATEGIES: Readonly<Record<StrategyKey, StrategyDescriptor<StrategyKey>>> = Object.freeze(
  Object.fromEntries(DESCRIPTORS.map((d) => [d.key, d])) as Record<StrategyKey, StrategyDescriptor<StrategyKey>>,
);
/** Every strategy, in the table's order (the order of legends and of error messages). */
export const STRATEGY_KEYS: readonly StrategyKey[] = DESCRIPTORS.map((d) => d.key);
export const NODE_STRATEGIES: readonly NodeStrategy[] = DESCRIPTORS.filter((d): d is Extract<typeof d, { runtime: "node" }> => d.runtime === "node").map((d) => d.key);
export const PYTHON_STRATEGIES: readonly PythonStrategy[] = DESCRIPTORS.filter((d): d is Extract<typeof d, { runtime: "python" }> => d.runtime === "python").map((d) => d.key);

/** The descriptor of a strategy key, or undefined for a name that is not one. */
export function strategyDescriptor(key: string): StrategyDescriptor | undefined {
  return Object.prototype.hasOwnProperty.call(STRATEGIES, key) ? STRATEGIES[key as StrategyKey] : undefined;
}

/** The order of placements, from the kernel's thread outward: the order unit costs are listed in (cheapest units first). */
const PLACEMENT_ORDER: readonly Placement["where"][] = ["kernel-thread", "local-thread", "local-process", "local-interpreter", "other-host"];
const byPlacement = <K extends StrategyKey>(keys: readonly K[]): K[] =>
  [...keys].sort((a, b) => PLACEMENT_ORDER.indexOf(STRATEGIES[a].placement.where) - PLACEMENT_ORDER.indexOf(STRATEGIES[b].placement.where));

/** A strategy whose unit costs Node measures itself (measureStartup, measureMemory, measureSwitches). */
export type UnitStrategy = Extract<(typeof DESCRIPTORS)[number], { readonly unit: UnitOperations }>["key"];
/** Those strategies, from the kernel's thread outward. */
export const UNIT_STRATEGIES: readonly UnitStrategy[] = byPlacement(STRATEGY_KEYS.filter((key): key is UnitStrategy => STRATEGIES[key].unit?.measuredIn === "node"));
/** The CPython units, in the table's order (each measured in conclab's CPython script). */
export const CPYTHON_UNITS: readonly CPythonUnitOperations[] = byPlacement(STRATEGY_KEYS).flatMap((key) => {
  const unit = STRATEGIES[key].unit;
  return unit?.measuredIn === "cpython" ? [unit] : [];
});

/** The Node unit operations of `key`, or undefined when it has none. */
export function nodeUnitOf(key: string): UnitOperations | undefined {
  const unit = strategyDescriptor(key)?.unit;
  return unit?.measuredIn === "node" ? unit : undefined;
}

/** Whether this machine's meters (CPUs busy from /proc, the memory of the processes that ran copies) can see a strategy's copies. */
export function measuredOnThisHost(key: StrategyKey): boolean {
  return STRATEGIES[key].placement.where !== "other-host";
}

/**
 * How many copies of a strategy run at once at most: 1 unless its copies run in parallel; then
 * this machine's cores for copies on this machine, the other host's cores as its descriptor gives
 * them, or null where the descriptor says "unknown".
 */
export function copiesAtOnce(key: StrategyKey, localCores: number): number | null {
  const { parallel, placement } = STRATEGIES[key];
  if (!parallel) return 1;
  if (placement.where !== "other-host") return localCores;
  return placement.cores === "unknown" ? null : placement.cores;
}
