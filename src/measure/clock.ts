import { performance } from "node:perf_hooks";

/**
 * Milliseconds since the Unix epoch with sub-millisecond resolution. `performance.timeOrigin` is
 * per thread and per process, and anchored to the epoch, so times taken on the main thread, in
 * worker threads and in child processes fall on one clock and spans can share a timeline.
 */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
