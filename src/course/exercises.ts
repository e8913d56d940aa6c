/**
 * Exercises whose check runs the reader's answer and judges what it does, never its text. A
 * check returns a result to show, and throws only for what is not an answer at all.
 */
import { isDeepStrictEqual } from "node:util";
import { TaskError } from "../errors";
import { run } from "../experiment/run";
import type { TaskFunction } from "../tasks/task-source";

export interface ExerciseResult {
  readonly exercise: string;
  readonly passed: boolean;
  /** What happened, and on a failure what to change. */
  readonly message: string;
}

/**
 * 05: a task that used a name from the notebook, rewritten so that it runs on worker threads.
 * Passes when `task(...args)` runs on two worker threads and each copy returns `expected`.
 */
export async function checkTaskOnThreads(task: TaskFunction, args: readonly unknown[], expected: unknown): Promise<ExerciseResult> {
  const exercise = "a task that runs on worker threads";
  let results: readonly unknown[];
  try {
    results = (await run({ strategy: "threads", task, args: [...args] as Parameters<typeof task>, copies: 2, warmup: 0 })).results;
  } catch (error) {
    if (error instanceof RangeError || error instanceof TaskError) {
      return { exercise, passed: false, message: `Not yet: ${error.message}` };
    }
    throw error;
  }
  const wrong = results.find((result) => !isDeepStrictEqual(result, expected));
  if (results.length === 2 && wrong === undefined) {
    return { exercise, passed: true, message: `Done: both copies ran on worker threads and returned ${JSON.stringify(expected)}.` };
  }
  return { exercise, passed: false, message: `Not yet: it ran on worker threads but returned ${JSON.stringify(wrong)} where ${JSON.stringify(expected)} was expected; check the arguments you pass in args.` };
}
