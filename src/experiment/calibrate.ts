/** calibrate(): the task size that takes about `targetMs` on this machine, on this thread. */
import { checkInteger, rangeError, typeError } from "../errors";
import { nowMs } from "../measure/clock";
import { median } from "../measure/stats";
import { instantiate } from "../tasks/instantiate";
import { portable, type TaskFunction } from "../tasks/task-source";
import { progressOf } from "../runtime/lifecycle";
import { readTask } from "./options";
import { run } from "./run";
import type { TaskSource } from "../tasks/task-source";

export interface CalibrateOptions {
  /** How long one call should take, in ms (1 to 60000). */
  readonly targetMs: number;
  /** Arguments after the size, if the task takes more. @default [] */
  readonly rest?: readonly unknown[];
  /** Size to start the search from. @default 1000 */
  readonly startSize?: number;
  /**
   * Which runtime the size is for: `node` (this thread) or `python` (the task's CPython twin, run
   * by conclab's reference script; CPython runs the same loop many times slower). @default "node"
   */
  readonly runtime?: "node" | "python";
}

/** Largest size calibrate will try: past this a task's "size" is no longer a loop bound. */
const MAX_SIZE = 1e13;

async function timeCall(fn: (...args: unknown[]) => unknown, args: unknown[]): Promise<number> {
  const start = nowMs();
  const value = fn(...args);
  if (value instanceof Promise) await value;
  return nowMs() - start;
}

/**
 * Finds the first-argument size of `task` (e.g. n of countTo(n)) whose call takes about
 * `targetMs` here: grows the size until a call takes a measurable time, scales it to the
 * target, then checks the median of three calls and corrects once. Runs on the calling thread,
 * so it blocks for a few times `targetMs`.
 */
export async function calibrate(task: TaskFunction, options: CalibrateOptions): Promise<number> {
  const source = readTask(task, "task");
  if (typeof options !== "object" || options === null) {
    throw typeError("options", "an object like { targetMs: 500 }", options, "say how long one call should take");
  }
  const targetMs = checkInteger("options.targetMs", options.targetMs, 1, 60_000, "give a duration in whole milliseconds, e.g. 500");
  const rest = options.rest ?? [];
  if (!Array.isArray(rest)) throw typeError("options.rest", "an array", rest, "pass the arguments that follow the size, or leave it out");
  const size = checkInteger("options.startSize", options.startSize ?? 1000, 1, MAX_SIZE, "start from a small size such as 1000");
  const runtime = options.runtime ?? "node";
  if (runtime !== "node" && runtime !== "python") throw rangeError("options.runtime", '"node" or "python"', runtime, "leave it out for Node");
  const check = (candidate: number): number => {
    source.checkArgs?.([candidate, ...rest]);
    return candidate;
  };
  if (runtime === "python") {
    const progress = progressOf(`calibrate ${source.name} for CPython`);
    progress.step(`finding the size that takes ${targetMs} ms`);
    try {
      const found = await calibratePython(task, source, targetMs, rest, check(size), check);
      progress.done(`${source.name}(${found})`);
      return found;
    } catch (error) {
      progress.fail(error);
      throw error;
    }
  }
  const fn = instantiate(portable(source));
  for (let i = 0; i < 3; i++) await timeCall(fn, [check(size), ...rest]); // let V8 compile it
  return searchSize({ timeOnce: (n) => timeCall(fn, [n, ...rest]), startSize: size, targetMs, growth: 4, confirmations: 3, check, taskName: source.name, where: "" });
}

interface SizeSearch {
  /** Times one call of the task at this size (ms). */
  readonly timeOnce: (size: number) => Promise<number>;
  readonly startSize: number;
  readonly targetMs: number;
  /** How much the size grows per step while one call is too short to time. */
  readonly growth: number;
  /** Calls timed at the estimated size, whose median corrects the estimate. */
  readonly confirmations: number;
  readonly check: (size: number) => number;
  readonly taskName: string;
  /** Where the calls run, for the error (" in CPython"), or "". */
  readonly where: string;
}

/**
 * The size search both runtimes share: grow the size until one call lasts long enough to time,
 * scale it to the target, then correct the scale with the median of a few calls at that size.
 */
async function searchSize(search: SizeSearch): Promise<number> {
  const { timeOnce, targetMs, growth, check, taskName } = search;
  let size = search.startSize;
  let elapsed = await timeOnce(size);
  const measurable = Math.max(5, targetMs / 10);
  while (elapsed < measurable) {
    if (size * growth > MAX_SIZE) {
      throw rangeError("task", "a task whose first argument sets how long it runs", taskName, `${taskName}(${size}) still took ${elapsed.toFixed(2)} ms${search.where}`);
    }
    size = check(size * growth);
    elapsed = await timeOnce(size);
  }
  size = check(Math.max(1, Math.round((size * targetMs) / elapsed)));
  const confirmed: number[] = [];
  for (let i = 0; i < search.confirmations; i++) confirmed.push(await timeOnce(size));
  return check(Math.max(1, Math.round((size * targetMs) / median(confirmed))));
}

/** The same search for the task's CPython twin: each probe is one timed call in the reference script. */
async function calibratePython(
  task: TaskFunction,
  source: TaskSource,
  targetMs: number,
  rest: readonly unknown[],
  startSize: number,
  check: (size: number) => number,
): Promise<number> {
  const timeOnce = async (size: number): Promise<number> => {
    const result = await run({ strategy: "python:sequential", task, args: [size, ...rest] as never, warmup: 1 });
    return result.spans[0]!.endMs - result.spans[0]!.startMs;
  };
  return searchSize({ timeOnce, startSize, targetMs, growth: 8, confirmations: 1, check, taskName: source.name, where: " in CPython" });
}
