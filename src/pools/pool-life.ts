/**
 * The life both pools share: `open` → `closing` → `closed`, or `destroyed` from any of them.
 * close() lets the running tasks finish (at most its timeout), destroy() stops them now; calling
 * either again, or one after the other, returns the ending already under way; a task after either
 * is refused. The pool supplies only how to wait for its tasks and how to end its workers.
 */
import { checkInteger } from "../errors";
import { trackPool, untrackPool, type HeldResource } from "../runtime/lifecycle";
import { DEFAULT_CLOSE_TIMEOUT_MS, MAX_TIMER_MS, type PoolState } from "./pool-contract";

/** How a pool ends: closed after its tasks finished, or destroyed at once. */
export type PoolEnd = "closed" | "destroyed";

export interface PoolLifeParts {
  /** Named in the errors: "this thread pool is closing…". */
  readonly kind: "thread" | "process";
  /** The pool, tracked (for destroyAllPools and killAllNow) from now until it ends. */
  readonly pool: HeldResource;
  /**
   * Waits for the running tasks, at most `timeoutMs`, and lets idle workers go. Called once, by
   * the first close(); the pool is torn down as closed after it, unless destroy() came first.
   */
  readonly drain: (timeoutMs: number) => Promise<unknown>;
  /** Ends the workers and whatever still runs. Called once, with the state already `state`. */
  readonly teardown: (state: PoolEnd) => Promise<void>;
}

export function checkCloseTimeout(timeoutMs: unknown): number {
  return checkInteger("options.timeoutMs", timeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS, 0, MAX_TIMER_MS, "pass how long to wait for running tasks, in milliseconds");
}

export class PoolLife {
  private current: PoolState = "open";
  private closing?: Promise<void>;
  private stopping?: Promise<void>;

  /** Tracks `parts.pool` until it ends. */
  constructor(private readonly parts: PoolLifeParts) {
    trackPool(parts.pool);
  }

  get state(): PoolState {
    return this.current;
  }

  /** True once the pool is closed or destroyed: none of its workers runs any more. */
  get ended(): boolean {
    return this.current === "closed" || this.current === "destroyed";
  }

  /** The error for a new task, or null while the pool is open. */
  refusal(): Error | null {
    if (this.current === "open") return null;
    const create = this.parts.kind === "thread" ? "createThreadPool" : "createProcessPool";
    return new Error(`this ${this.parts.kind} pool is ${this.current} and runs no more tasks; create a new one with ${create}()`);
  }

  /** The error of a task that was still running when the pool ended. */
  stoppedWhileRunning(task: string): Error {
    return new Error(`task ${task} was stopped: its ${this.parts.kind} pool was ${this.current} while it ran`);
  }

  /**
   * Starts closing: waits for the running tasks (at most `timeoutMs`, 10 s by default), then
   * tears down. Later calls return the first close's promise, or destroy's after a destroy().
   * A bad timeout rejects and leaves the pool open.
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
    this.closing = (async () => {
      await this.parts.drain(timeoutMs);
      await this.stop("closed");
    })();
    return this.closing;
  }

  /** Tears down now; after a close() or a destroy() the one teardown already under way. */
  destroy(): Promise<void> {
    return this.stop("destroyed");
  }

  private stop(state: PoolEnd): Promise<void> {
    this.stopping ??= this.teardown(state);
    return this.stopping;
  }

  private async teardown(state: PoolEnd): Promise<void> {
    this.current = state;
    untrackPool(this.parts.pool);
    await this.parts.teardown(state);
  }
}
