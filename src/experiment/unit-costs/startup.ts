/**
 * measureStartup(): how long it takes to get a new unit of concurrency running, from asking for it
 * to its first line of code, by the strategy's own start operation (its descriptor's `unit`): an
 * async task, a worker thread, a child process, or any strategy whose descriptor says how.
 */
import { checkInteger, throwIfAborted } from "../../errors";
import { progressOf } from "../../runtime/lifecycle";
import { unitOperations, type UnitStrategy } from "./units";

export interface StartupSamples {
  readonly strategy: UnitStrategy;
  /** Milliseconds from the request to the unit's first line, one per sample, in order. */
  readonly samplesMs: readonly number[];
}

/**
 * Starts `samples` units one after another (each ended before the next) and returns each start-up
 * latency. Processes take the longest: keep `samples` modest (default 20).
 */
export async function measureStartup(strategy: UnitStrategy, samples = 20, options: { signal?: AbortSignal } = {}): Promise<StartupSamples> {
  const unit = unitOperations("strategy", strategy, "start-up");
  checkInteger("samples", samples, 1, 1000, "take between 1 and 1000 samples (20 is plenty)");
  const samplesMs: number[] = [];
  const progress = progressOf(`start-up of ${strategy}`);
  try {
    for (let i = 0; i < samples; i++) {
      throwIfAborted(options.signal);
      progress.step(`sample ${i + 1} of ${samples}`, i / samples);
      samplesMs.push(await unit.start(options.signal));
    }
  } catch (error) {
    progress.fail(error);
    throw error;
  }
  progress.done(`${samples} samples`);
  return { strategy, samplesMs };
}
