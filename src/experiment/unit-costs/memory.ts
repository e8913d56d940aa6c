/**
 * measureMemory(): what one more unit of concurrency costs in memory here, by the strategy's own
 * idle operation (its descriptor's `unit`): an async task waiting on a timer, an idle worker thread,
 * an idle child process, or any strategy whose descriptor says how.
 */
import { AbortError, checkInteger, throwIfAborted } from "../../errors";
import { progressOf } from "../../runtime/lifecycle";
import type { IdleMemory } from "../../strategies/unit-operations";
import { unitOperations, type UnitStrategy } from "./units";

/** A strategy whose unit costs Node measures (its descriptor carries unit operations): "async", "threads", "processes". */
export type MemoryUnit = UnitStrategy;

export interface MemoryPerUnit {
  readonly strategy: MemoryUnit;
  readonly count: number;
  readonly bytesPerUnit: number;
  readonly totalBytes: number;
  /** What was measured (see IdleMemory.metric). */
  readonly metric: IdleMemory["metric"];
}

/**
 * Starts `count` units of one kind, idle, and measures the memory they add.
 * @param strategy `async` (up to 1,000,000), `threads` or `processes` (up to 64): its descriptor's `unit.maxIdle`.
 */
export async function measureMemory(strategy: MemoryUnit, count: number, options: { signal?: AbortSignal } = {}): Promise<MemoryPerUnit> {
  const unit = unitOperations("strategy", strategy, "memory per unit");
  checkInteger("count", count, 1, unit.maxIdle, `start between 1 and ${unit.maxIdle} ${unit.plural}`);
  throwIfAborted(options.signal);
  const progress = progressOf(`memory of ${count} idle ${unit.plural}`);
  progress.step("starting them");
  let measured: IdleMemory;
  try {
    measured = await unit.idle(count, options.signal);
    if (options.signal?.aborted) throw new AbortError();
  } catch (error) {
    progress.fail(error);
    throw error;
  }
  progress.done(`${measured.metric} measured`);
  return { strategy, count, bytesPerUnit: measured.totalBytes / count, totalBytes: measured.totalBytes, metric: measured.metric };
}
