import type { TaskSource } from "../tasks/task-source";
import type { LaneKind } from "../measure/spans";

/** The ways conclab runs copies of a task (the article's approaches in Node's terms). */
export const NODE_STRATEGIES = ["sequential", "eventLoop", "threads", "processes", "async"] as const;
export type NodeStrategy = (typeof NODE_STRATEGIES)[number];
/** CPython's own runs of the same experiment, through conclab's Python reference script. */
export const PYTHON_MODES = ["sequential", "threads", "processes"] as const;
export type PythonMode = (typeof PYTHON_MODES)[number];
export type PythonStrategy = `python:${PythonMode}`;
/** A strategy name as `compare` and `run` accept it; plain `python` stands for all three Python modes. */
export type StrategyName = NodeStrategy | PythonStrategy | "python";
/** A strategy as results report it (plain `python` expanded). */
export type StrategyKey = NodeStrategy | PythonStrategy;

/** What one copy of a task reported, in whatever context ran it. */
export interface TaskRecord {
  readonly copy: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly laneKind: LaneKind;
  readonly pid: number;
  readonly threadId: number;
  /** The task's return value (structured-cloned from workers and processes). */
  readonly result: unknown;
  /**
   * CPU time the copy's thread spent between start and end (ms), where the OS reports it (Linux)
   * and the copy had its thread to itself (not for awaiting tasks on the shared main thread).
   */
  readonly cpuMs?: number;
  /** V8 heap in use in the context that ran it, after the task (bytes). */
  readonly heapUsedBytes?: number;
  /** Resident set of the process that ran it, after the task (bytes). */
  readonly rssBytes?: number;
  /** Proportional set size of that process (bytes), where the OS reports it. */
  readonly pssBytes?: number;
}

/** One timed run of all copies. */
export interface RunRecord {
  readonly startMs: number;
  readonly endMs: number;
  readonly wallMs: number;
  readonly tasks: readonly TaskRecord[];
}

/** What a strategy runner is given. */
export interface RunnerContext {
  readonly task: TaskSource;
  readonly args: readonly unknown[];
  readonly copies: number;
  readonly signal: AbortSignal;
  /** Longest one copy may run before it is stopped and the run fails. */
  readonly timeoutMs: number;
}

/**
 * One strategy's life in an experiment: prepare (start pools or interpreters, warm the task up in
 * every context that will run it; not timed), then any number of timed runs, then dispose.
 */
export interface StrategyRunner {
  readonly key: StrategyKey;
  prepare(warmupRounds: number): Promise<void>;
  runOnce(): Promise<RunRecord>;
  /** Releases what prepare() started, unless the caller owns it. Safe to call twice. */
  dispose(): Promise<void>;
}
