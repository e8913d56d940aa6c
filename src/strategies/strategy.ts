import type { PythonInterpreter } from "../python";
import type { TaskSource } from "../tasks/task-source";
import type { TaskRecord } from "../tasks/record";

export type { TaskRecord };

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
  /** The strategy it runs, as its descriptor names it (errors and records say it). */
  readonly key: string;
  /** What the CPython interpreter that runs the copies reported on prepare (python:* strategies only). */
  readonly interpreter?: PythonInterpreter;
  prepare(warmupRounds: number): Promise<void>;
  runOnce(): Promise<RunRecord>;
  /** Releases what prepare() started, unless the caller owns it. Safe to call twice. */
  dispose(): Promise<void>;
}
