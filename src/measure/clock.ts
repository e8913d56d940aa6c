import { performance } from "node:perf_hooks";

/**
 * Milliseconds since the Unix epoch with sub-millisecond resolution. `performance.timeOrigin` is
 * per thread and per process, and anchored to the epoch, so times taken on the main thread, in
 * worker threads and in child processes fall on one clock and spans can share a timeline.
 */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Lets the event loop turn once (timers, I/O, signals such as a kernel's SIGINT) before going on.
 * Work on the kernel's own thread that only awaits resolved promises never does: an interrupt or
 * an abort would then wait for the whole experiment to end.
 */
export function turnEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
