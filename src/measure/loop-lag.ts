/** loopLag(): how late the event loop is while something runs, measured two ways. */
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { checkInteger, typeError } from "../errors";

export interface LoopLagResult<T> {
  /** What `fn` returned (awaited). */
  readonly result: T;
  readonly durationMs: number;
  readonly intervalMs: number;
  /**
   * A timer that should fire every `intervalMs` records how late each tick came, at what time
   * (ms since the start). A blocked loop shows as few ticks with large lateness.
   */
  readonly ticks: readonly { readonly atMs: number; readonly lateMs: number }[];
  readonly maxLateMs: number;
  /** perf_hooks' event-loop delay histogram (its values include its own sampling resolution). */
  readonly histogram: { readonly p50Ms: number; readonly p99Ms: number; readonly maxMs: number; readonly samples: number };
  /** Share of the time the loop was busy running JavaScript (event-loop utilisation, 0 to 1). */
  readonly utilization: number;
}

/**
 * Runs `fn` (sync or async) while measuring event-loop delay and utilisation on this thread.
 * @param options.intervalMs how often the probe timer should tick (default 10 ms).
 */
export async function loopLag<T>(fn: () => T | Promise<T>, options: { intervalMs?: number } = {}): Promise<LoopLagResult<Awaited<T>>> {
  if (typeof fn !== "function") throw typeError("fn", "a function to run while the event loop is watched", fn, "pass () => work()");
  const intervalMs = checkInteger("options.intervalMs", options.intervalMs ?? 10, 1, 10_000, "a timer period in whole milliseconds, e.g. 10");
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  const ticks: { atMs: number; lateMs: number }[] = [];
  const start = performance.now();
  let expected = start + intervalMs;
  let timer: NodeJS.Timeout | undefined;
  const tick = (): void => {
    const now = performance.now();
    ticks.push({ atMs: now - start, lateMs: Math.max(0, now - expected) });
    expected = now + intervalMs;
    timer = setTimeout(tick, intervalMs);
  };
  timer = setTimeout(tick, intervalMs);
  const elu = performance.eventLoopUtilization();
  histogram.enable();
  try {
    const result = await fn();
    // One more turn of the loop, so a tick that a synchronous fn delayed is recorded.
    await new Promise((resolve) => setImmediate(resolve));
    const durationMs = performance.now() - start;
    if (performance.now() > expected) ticks.push({ atMs: durationMs, lateMs: performance.now() - expected });
    return {
      result: result as Awaited<T>,
      durationMs,
      intervalMs,
      ticks,
      maxLateMs: ticks.reduce((max, t) => Math.max(max, t.lateMs), 0),
      histogram: {
        p50Ms: histogram.count ? histogram.percentile(50) / 1e6 : 0,
        p99Ms: histogram.count ? histogram.percentile(99) / 1e6 : 0,
        maxMs: histogram.count ? histogram.max / 1e6 : 0,
        samples: histogram.count,
      },
      utilization: performance.eventLoopUtilization(elu).utilization,
    };
  } finally {
    clearTimeout(timer);
    histogram.disable();
  }
}
