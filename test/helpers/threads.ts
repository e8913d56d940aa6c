import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

/** OS threads of this process right now (Linux /proc). */
export function ownThreadCount(): number {
  return Number(/^Threads:\s+(\d+)/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? 0);
}

/** Waits up to `withinMs` for this process to be back to at most `baseline` threads; returns the count seen. */
export async function threadsSettleTo(baseline: number, withinMs = 5_000): Promise<number> {
  const deadline = Date.now() + withinMs;
  let count = ownThreadCount();
  while (count > baseline && Date.now() < deadline) {
    await sleep(50);
    count = ownThreadCount();
  }
  return count;
}
