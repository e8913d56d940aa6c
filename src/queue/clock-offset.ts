/**
 * One time line across hosts. Every process that takes part in a queue run (the kernel and each
 * worker) asks the queue's server for its clock (Redis `TIME`) and reads its own clock before and
 * after: the server's reading falls between the two, so the offset is known to within half the
 * round trip. Times travel as server time and are read back on the kernel's clock; a span's error
 * is the sum of the two halves (the worker's and the kernel's).
 */
import { nowMs } from "../measure/clock";

/** How far the server's clock is ahead of this process's `nowMs()`, and how well that is known. */
export interface ClockOffset {
  /** Server time minus local time (ms). */
  readonly offsetMs: number;
  /** Half the shortest round trip among the samples: the true offset lies within ± this (ms). */
  readonly errorMs: number;
  readonly samples: number;
}

/** What the estimate needs from a Redis client: `TIME`, which answers [seconds, microseconds]. */
export interface TimeSource {
  time(): Promise<[string, string] | [number, number] | unknown[]>;
}

/** Reads the server's clock `samples` times and keeps the sample with the shortest round trip. */
export async function offsetToServer(client: TimeSource, samples = 9): Promise<ClockOffset> {
  let best: { offsetMs: number; errorMs: number } | undefined;
  for (let i = 0; i < samples; i++) {
    const before = nowMs();
    const reply = await client.time();
    const after = nowMs();
    const [seconds, micros] = (reply as unknown[]).map(Number);
    if (!Number.isFinite(seconds) || !Number.isFinite(micros)) throw new Error(`the queue's server answered TIME with ${JSON.stringify(reply)}, not [seconds, microseconds]`);
    const serverMs = seconds! * 1000 + micros! / 1000;
    const errorMs = (after - before) / 2;
    if (!best || errorMs < best.errorMs) best = { offsetMs: serverMs - (before + after) / 2, errorMs };
  }
  if (!best) throw new RangeError(`samples must be at least 1, got ${samples}; pass how many TIME readings to take, e.g. 9`);
  return { ...best, samples };
}
