/**
 * Time limits, in the three forms conclab needs: a wait that gives up after a grace period, work
 * that must stop when an experiment is aborted or has run too long, and a signal that carries
 * both to a pool. Each clears its timer and listener as soon as the work settles.
 */
import { AbortError } from "../errors";

/**
 * Settles like `work`, unless `signal` aborts first (AbortError) or `timeoutMs` passes first
 * (`timeoutError()`). The work itself is not stopped: use it for work that cannot be cancelled.
 */
export function settleWithin<T>(work: Promise<T>, signal: AbortSignal, timeoutMs: number, timeoutError: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => finish(() => reject(new AbortError()));
    const timer = setTimeout(() => finish(() => reject(timeoutError())), timeoutMs);
    const finish = (settle: () => void): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      settle();
    };
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => finish(() => resolve(value)),
      (error: unknown) => finish(() => reject(error)),
    );
  });
}

/**
 * A signal for work that can be cancelled (a pool's task): it aborts when `parent` does or when
 * `timeoutMs` passes, and `timedOut` says which. Call `clear()` once the work has settled.
 */
export class Deadline {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private expired = false;
  private readonly onParentAbort = (): void => this.controller.abort();

  constructor(
    private readonly parent: AbortSignal | undefined,
    timeoutMs: number,
  ) {
    this.timer = setTimeout(() => {
      this.expired = true;
      this.controller.abort();
    }, timeoutMs);
    parent?.addEventListener("abort", this.onParentAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** True when the time ran out before the work settled (not when the parent aborted). */
  get timedOut(): boolean {
    return this.expired;
  }

  clear(): void {
    clearTimeout(this.timer);
    this.parent?.removeEventListener("abort", this.onParentAbort);
  }
}

/** Waits for `ended` at most `graceMs`; true if it settled in time. The timer never outlives the wait. */
export async function withinGrace(ended: Promise<unknown>, graceMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)));
  try {
    return await Promise.race([ended.then(() => true as const, () => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}
