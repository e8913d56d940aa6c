/**
 * Every fact about a strategy in one place: its runtime, whether its copies run in parallel, what
 * its speedup is measured against, how it uses the kernel's own thread, how figures draw it, and
 * how to make its runner. Every other module reads these descriptors; adding a strategy means
 * adding its descriptor here and its runner beside this file.
 */
import type { ProcessPool } from "../pools/process-pool";
import type { ThreadPool } from "../pools/thread-pool";
import { createMainThreadRunner } from "./main-thread";
import { createProcessesRunner } from "./processes";
import { createPythonRunner } from "./python";
import type { RunnerContext, StrategyKey, StrategyRunner } from "./strategy";
import { createThreadsRunner } from "./threads";

/** Pools a notebook keeps across cells and lends to experiments (they are never closed for it). */
export interface Pools {
  readonly threads?: ThreadPool;
  readonly processes?: ProcessPool;
}

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

export interface StrategyDescriptor {
  readonly key: StrategyKey;
  readonly runtime: "node" | "python";
  /** Each copy gets a thread or process of its own: copies may run in parallel, and their number is capped. */
  readonly parallel: boolean;
  /** The strategy this one's speedup is measured against (each runtime against its own sequential run). */
  readonly baseline: StrategyKey;
  /**
   * How copies use the kernel's own thread: one after another, started together (CPU work still
   * takes turns), awaited together, or not at all (they run elsewhere).
   */
  readonly kernelThread: "one-after-another" | "together" | "awaited" | null;
  readonly style: StrategyStyle;
  readonly create: (context: RunnerContext, pools: Pools) => StrategyRunner;
}

/*
 * Node strategies in blues, CPython's modes in oranges. Within each family the CIELAB lightness
 * steps by at least 10 (sequential 12, eventLoop 34, threads 51, async 62, processes 80; CPython
 * 29, 54, 78), so bars stay apart when the handout is printed in grey.
 */
export const STRATEGIES: Readonly<Record<StrategyKey, StrategyDescriptor>> = {
  sequential: {
    key: "sequential", runtime: "node", parallel: false, baseline: "sequential", kernelThread: "one-after-another",
    style: { name: "sequential", color: "#0b1f44", symbol: "circle", dash: "solid" },
    create: (context) => createMainThreadRunner("sequential", context),
  },
  eventLoop: {
    key: "eventLoop", runtime: "node", parallel: false, baseline: "sequential", kernelThread: "together",
    style: { name: "event loop (Promise.all)", color: "#2c4f8a", symbol: "diamond", dash: "solid" },
    create: (context) => createMainThreadRunner("eventLoop", context),
  },
  threads: {
    key: "threads", runtime: "node", parallel: true, baseline: "sequential", kernelThread: null,
    style: { name: "worker threads", color: "#1f80b8", symbol: "square", dash: "solid" },
    create: (context, pools) => createThreadsRunner(context, { pool: pools.threads }),
  },
  async: {
    key: "async", runtime: "node", parallel: false, baseline: "sequential", kernelThread: "awaited",
    style: { name: "async tasks (await)", color: "#7d93d6", symbol: "triangle-down", dash: "solid" },
    create: (context) => createMainThreadRunner("async", context),
  },
  processes: {
    key: "processes", runtime: "node", parallel: true, baseline: "sequential", kernelThread: null,
    style: { name: "child processes", color: "#8fd1df", symbol: "triangle-up", dash: "solid" },
    create: (context, pools) => createProcessesRunner(context, { pool: pools.processes }),
  },
  "python:sequential": {
    key: "python:sequential", runtime: "python", parallel: false, baseline: "python:sequential", kernelThread: null,
    style: { name: "CPython sequential", color: "#7a2a06", symbol: "circle-open", dash: "dot" },
    create: (context) => createPythonRunner(context, "sequential"),
  },
  "python:threads": {
    key: "python:threads", runtime: "python", parallel: true, baseline: "python:sequential", kernelThread: null,
    style: { name: "CPython threads", color: "#d9590f", symbol: "square-open", dash: "dot" },
    create: (context) => createPythonRunner(context, "threads"),
  },
  "python:processes": {
    key: "python:processes", runtime: "python", parallel: true, baseline: "python:sequential", kernelThread: null,
    style: { name: "CPython processes", color: "#fbb26b", symbol: "triangle-up-open", dash: "dot" },
    create: (context) => createPythonRunner(context, "processes"),
  },
};

/** The descriptor of a strategy key, or undefined for a name that is not one. */
export function strategyDescriptor(key: string): StrategyDescriptor | undefined {
  return Object.prototype.hasOwnProperty.call(STRATEGIES, key) ? STRATEGIES[key as StrategyKey] : undefined;
}
