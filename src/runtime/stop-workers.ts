/**
 * Stopping worker threads for sure. Node 24.22 once lost a worker's stop request in CI: the worker
 * sat idle in an Atomics.wait loop eight minutes after terminate(), whose promise never settled,
 * and a second terminate() stopped it at once. terminate() on a worker that has exited
 * does nothing, so asking again is safe.
 */
import type { Worker } from "node:worker_threads";
import { withinGrace } from "./deadline";

/** How long to wait for the workers to exit before asking them again, and how many times to ask again. */
const ASK_AGAIN_MS = 1_000;
const MAX_ASKS_AGAIN = 10;

/**
 * Waits for `stopped` (what settles once the workers have exited: their terminate() promises, or
 * a pool's destroy()), asking every worker to stop again each ASK_AGAIN_MS it has not, at most
 * MAX_ASKS_AGAIN times. True once `stopped` settled, false if it never did.
 */
export async function keepAskingToStop(workers: readonly Worker[], stopped: Promise<unknown>): Promise<boolean> {
  let settled = await withinGrace(stopped, ASK_AGAIN_MS);
  for (let ask = 0; !settled && ask < MAX_ASKS_AGAIN; ask++) {
    for (const worker of workers) worker.terminate().catch(() => undefined);
    settled = await withinGrace(stopped, ASK_AGAIN_MS);
  }
  return settled;
}

/** Stops every worker and waits until each has exited (or the asks run out). */
export async function terminateWorkers(workers: readonly Worker[]): Promise<void> {
  await keepAskingToStop(workers, Promise.allSettled(workers.map((worker) => worker.terminate())));
}
