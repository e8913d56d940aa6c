import { readFileSync } from "node:fs";
import type { Worker } from "node:worker_threads";
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

/**
 * Makes `worker` lose its first stop request, as Node 24 once did in CI: that terminate() stops
 * nothing and its promise waits for an exit that only a later request brings. Returns how many
 * times terminate() was called, and the worker's own terminate() for stopping it after a failure.
 */
export function loseFirstStopRequest(worker: Worker): { asked: () => number; terminate: () => Promise<number> } {
  const terminate = worker.terminate.bind(worker);
  let asked = 0;
  worker.terminate = () => (++asked === 1 ? new Promise<number>((resolve) => worker.once("exit", resolve)) : terminate());
  return { asked: () => asked, terminate };
}
