/** What both pools promise alike: the same size limit, the same states, the same close; their public shape. */
import { checkInteger } from "../errors";

/** Upper bound on pool sizes: threads or processes beyond this only cost memory on any machine of today. */
export const MAX_POOL_SIZE = 256;
/** How long close() waits by default for the tasks already running. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;
/** Largest delay a Node timer takes. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * `open` runs tasks; `closing` lets the running ones finish and takes no more; `closed` and
 * `destroyed` (killed at once) hold nothing. pool-life.ts moves a pool between them.
 */
export type PoolState = "open" | "closing" | "closed" | "destroyed";

export function checkPoolSize(size: unknown, unit: "threads" | "child processes"): number {
  return checkInteger("size", size, 1, MAX_POOL_SIZE, `pass how many ${unit} to start, e.g. the number of copies`);
}

/** A pool a notebook keeps across cells and lends to experiments (`pools: { threads, processes }`). */
export interface KeptPool {
  readonly size: number;
  readonly state: PoolState;
  /** Lets the running tasks finish (at most `timeoutMs`, 10 s by default), then ends the pool. */
  close(options?: { timeoutMs?: number }): Promise<void>;
  /** Stops everything at once; running tasks reject. */
  destroy(): Promise<void>;
}

/** Worker threads (piscina), from createThreadPool(). */
export interface ThreadPool extends KeptPool {
  /** worker_threads ids of the live workers. */
  readonly threadIds: number[];
}

/** Child processes (worker-farm), from createProcessPool(). */
export interface ProcessPool extends KeptPool {
  /** Longest one call may run before its child is killed (ms). */
  readonly callTimeoutMs: number;
  /** Pids of the children now serving calls. */
  readonly pids: number[];
  /** How many children were ever forked (size at start, plus one for each replaced child). */
  readonly spawned: number;
}
