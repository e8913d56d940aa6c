/**
 * 06's many-waits experiment, defined once: the chapter runs it with 1 to 1,000 waits,
 * `quick.quickWaitingExamples` (for the summary) with 1 and 100.
 */
import { run } from "../experiment/run";
import type { TaskFunction } from "../tasks/task-source";

/**
 * For each count in `counts`, starts that many copies of `task(waitMs)` together on the event loop
 * and returns the wall time until all had finished: a batch of waits against one wait.
 */
export async function concurrentWaits<F extends TaskFunction>(task: F, waitMs: number, counts: readonly number[]): Promise<{ copies: number; wallMs: number }[]> {
  const points: { copies: number; wallMs: number }[] = [];
  for (const copies of counts) {
    const r = await run({ strategy: "async", task, args: [waitMs] as Parameters<F>, copies, warmup: 0 });
    points.push({ copies, wallMs: r.wallMs });
  }
  return points;
}
