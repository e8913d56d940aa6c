import type { TaskSource } from "../tasks/task-source";
import type { TaskRecord } from "../tasks/record";

export type { TaskRecord };

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
