/**
 * Warm-up for the strategies whose copies run on a pool's lanes (worker threads, child
 * processes): V8 compiles the task in each isolate, so every lane that will run a timed copy
 * first runs it `rounds` times itself. The pool decides which lane takes a task, so this may take
 * more batches than rounds; after `maxBatches` it gives up quietly: the timed runs stay correct,
 * only less warm.
 */
import type { TaskRecord } from "../tasks/record";

export interface LaneWarmUp {
  readonly rounds: number;
  readonly maxBatches: number;
  /** One untimed batch of copies. */
  readonly runBatch: () => Promise<readonly TaskRecord[]>;
  /** The lane a copy ran on (thread id, pid). */
  readonly laneOf: (record: TaskRecord) => number;
  /** The pool's lanes now. */
  readonly lanes: () => readonly number[];
}

export async function warmEveryLane({ rounds, maxBatches, runBatch, laneOf, lanes }: LaneWarmUp): Promise<void> {
  if (rounds === 0) return;
  const runs = new Map<number, number>();
  for (let batch = 0; batch < maxBatches; batch++) {
    for (const record of await runBatch()) runs.set(laneOf(record), (runs.get(laneOf(record)) ?? 0) + 1);
    if (batch + 1 >= rounds && lanes().every((lane) => (runs.get(lane) ?? 0) >= rounds)) return;
  }
}
