/**
 * What the chapters' exercise checks share: the result they return (passed, not yet, or cannot
 * tell, with why), running a reader's answer so that a throw is a "not yet", comparing results,
 * CPUs busy repeated until decided, and watching for other programs' threads and processes that
 * would make a check unfair.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { ChildProcess } from "node:child_process";
import { isDeepStrictEqual } from "node:util";
import { TaskError } from "../errors";
import { compare, pythonInterpreterOf, type CompareResult } from "../experiment/compare";
import type { Stat } from "../measure/stats";
import type { PythonInterpreter } from "../python";
import { type StrategyKey } from "../strategies/descriptors";
import { countTo } from "../tasks/cpu";
import { type Check } from "./claims";

export interface ExerciseResult {
  readonly exercise: string;
  /** True: the answer works; false: not yet; null: this run could not tell (the message says why). */
  readonly passed: boolean | null;
  /** What happened, and on a failure what to change. */
  readonly message: string;
}

/** Runs `body`; a task the strategy refuses or that throws is a "not yet", with its error. */
export async function attempt(exercise: string, body: () => Promise<ExerciseResult>): Promise<ExerciseResult> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof RangeError || error instanceof TypeError || error instanceof TaskError) {
      return { exercise, passed: false, message: `Not yet: ${error.message}` };
    }
    throw error;
  }
}

/** The reader's own function threw: a "not yet", with its message. */
export function threw(exercise: string, error: unknown): ExerciseResult {
  return { exercise, passed: false, message: `Not yet: the function threw ${error instanceof Error ? error.message : String(error)}.` };
}

export function wrongResult(results: readonly unknown[], expected: unknown): string | null {
  const wrong = results.find((result) => !isDeepStrictEqual(result, expected));
  return wrong === undefined && results.length > 0 ? null : `it returned ${JSON.stringify(wrong)} where ${JSON.stringify(expected)} was expected`;
}

/**
 * CPUs busy at once for `copies` copies of countTo(`size`) under `strategy`, repeated (3, then
 * more) until `decide` says yes or no; null where the machine does not let CPU time be read.
 * `busy`: other programs used the CPUs meanwhile, so a "no" proves nothing. `interpreter`: what a
 * python:* strategy's CPython reported while it ran (whether its GIL was on), else null.
 */
export async function coresBusyUntilDecided(
  strategy: StrategyKey,
  size: number,
  copies: number,
  decide: (stat: Stat) => Check,
): Promise<{ stat: Stat; check: Check; busy: boolean; interpreter: PythonInterpreter | null } | null> {
  const read = (r: CompareResult): Stat | null => r.strategies[0]?.coresBusy ?? null;
  const r = await compare({
    task: countTo, args: [size], copies, strategies: [strategy], repeats: 3, warmup: 1,
    until: (sofar) => {
      const stat = read(sofar);
      return stat === null || decide(stat) !== "unclear";
    },
  });
  const stat = read(r);
  return stat === null ? null : { stat, check: decide(stat), busy: r.noise.busy, interpreter: pythonInterpreterOf(r) };
}

/** Worker threads and child processes that the code run by `body` started. */
export interface OtherRunners {
  readonly workers: number;
  readonly children: number;
}

/**
 * Runs `body` and counts the worker threads (Node's process "worker" event) and child processes
 * (every asynchronous child_process call goes through ChildProcess.prototype.spawn) that it
 * started: only those created in `body`'s asynchronous context (AsyncLocalStorage) count, so a
 * thread pool replacing its own workers meanwhile is not blamed on the answer. The synchronous
 * child_process calls block the thread and need no counting. Restores spawn after.
 */
export async function watchOtherRunners<T>(body: () => Promise<T>): Promise<{ value: T; others: OtherRunners }> {
  const context = new AsyncLocalStorage<true>();
  let workers = 0;
  let children = 0;
  const onWorker = (): void => {
    if (context.getStore()) workers++;
  };
  const proto = ChildProcess.prototype as unknown as { spawn: (...args: unknown[]) => unknown };
  const spawn = proto.spawn;
  proto.spawn = function (this: unknown, ...args: unknown[]): unknown {
    if (context.getStore()) children++;
    return spawn.apply(this, args);
  };
  process.on("worker", onWorker);
  try {
    const value = await context.run(true, body);
    return { value, others: { workers, children } };
  } finally {
    process.off("worker", onWorker);
    proto.spawn = spawn;
  }
}

/** What another thread or process did, in words, or null when the answer started none. */
export function otherRunnersText(others: OtherRunners): string | null {
  const parts = [
    others.workers > 0 ? `${others.workers} worker thread${others.workers === 1 ? "" : "s"}` : "",
    others.children > 0 ? `${others.children} child process${others.children === 1 ? "" : "es"}` : "",
  ].filter(Boolean);
  return parts.length === 0 ? null : `it started ${parts.join(" and ")}`;
}

export const count = (n: number): string => n.toLocaleString("en-US");
