/** What both pools promise alike: the same size limit, the same states, the same close; their public shape. */
import { checkInteger } from "../errors";
import { untrackPool } from "../runtime/lifecycle";

/** Upper bound on pool sizes: threads or processes beyond this only cost memory on any machine of today. */
export const MAX_POOL_SIZE = 256;
/** How long close() waits by default for the tasks already running. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;
/** Largest delay a Node timer takes. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * `open` runs tasks; `closing` lets the running ones finish and takes no more; `closed` and
 * `destroyed` (killed at once) hold nothing.
 */
export type PoolState = "open" | "closing" | "closed" | "destroyed";

export function checkPoolSize(size: unknown, unit: "threads" | "child processes"): number {
  return checkInteger("size", size, 1, MAX_POOL_SIZE, `pass how many ${unit} to start, e.g. the number of copies`);
}

export function checkCloseTimeout(timeoutMs: unknown): number {
  return checkInteger("options.timeoutMs", timeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS, 0, MAX_TIMER_MS, "pass how long to wait for running tasks, in milliseconds");
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

/** The error of a call to a pool that no longer runs tasks. */
export function notOpen(kind: "thread" | "process", state: PoolState, create: string): Error {
  return new Error(`this ${kind} pool is ${state} and runs no more tasks; create a new one with ${create}()`);
}

/**
 * The life both pools share: open; then either closing (running tasks may finish, within a time
 * limit) and closed, or destroyed at once. Each step happens once, whoever asks for it and how
 * often; a pool supplies how to let its tasks finish and how to end its threads or processes.
 */
export abstract class PoolLife {
  private current: PoolState = "open";
  private closing?: Promise<void>;
  private stopping?: Promise<void>;

  get state(): PoolState {
    return this.current;
  }

  /**
   * Lets the tasks already running finish, then ends the pool. After `timeoutMs` (default 10 s)
   * whatever still runs is stopped as by destroy().
   */
  close(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.current !== "open") return this.closing ?? this.stop("destroyed");
    let timeoutMs: number;
    try {
      timeoutMs = checkCloseTimeout(options?.timeoutMs);
    } catch (error) {
      return Promise.reject(error);
    }
    this.current = "closing";
    this.closing = this.finishRunning(timeoutMs).then(() => this.stop("closed"));
    return this.closing;
  }

  /** Stops everything now and resolves once it is gone; running tasks reject. Safe to call twice. */
  destroy(): Promise<void> {
    return this.stop("destroyed");
  }

  /** Ends what can be ended synchronously (for exit and signal handlers). */
  abstract killNow(): void;

  /** Whether the pool has begun to end its threads or processes (destroy, or the end of close). */
  protected get ending(): boolean {
    return this.stopping !== undefined;
  }

  /** Waits at most `timeoutMs` for the running tasks to finish (and the workers to end on their own). */
  protected abstract finishRunning(timeoutMs: number): Promise<void>;

  /** Ends every thread or process now; tasks still running reject. */
  protected abstract release(state: "closed" | "destroyed"): Promise<void>;

  private stop(state: "closed" | "destroyed"): Promise<void> {
    this.stopping ??= this.teardown(state);
    return this.stopping;
  }

  private async teardown(state: "closed" | "destroyed"): Promise<void> {
    this.current = state;
    untrackPool(this);
    await this.release(state);
  }
}
