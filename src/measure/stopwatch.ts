import { performance } from "node:perf_hooks";

/** Runs `fn` `count` times in a row and returns each run's wall time in milliseconds. */
export function timeEach(fn: () => unknown, count: number): number[] {
  if (!Number.isInteger(count) || count < 1 || count > 10_000) {
    throw new RangeError(`count must be an integer from 1 to 10000, got ${String(count)}; pass how many timed runs you want`);
  }
  const durations: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    fn();
    durations.push(performance.now() - start);
  }
  return durations;
}
