import type { ProcessPool, ThreadPool } from "./pool-contract";
import { ChildProcessPool, type ProcessPoolOptions } from "./process-pool";
import { WorkerThreadPool, type ThreadPoolOptions } from "./thread-pool";

/**
 * A pool of worker threads to keep across cells and pass to `compare` / `run` as
 * `pools: { threads }`. Call `close()` or `destroy()` when done (the kernel adapter also does on shutdown).
 */
export function createThreadPool(size: number, options: Omit<ThreadPoolOptions, "size"> = {}): ThreadPool {
  return WorkerThreadPool.start({ ...options, size });
}

/**
 * A pool of child processes (worker-farm) to keep across cells and pass as `pools: { processes }`.
 * Call `close()` or `destroy()` when done; the kernel adapter kills its children on shutdown.
 */
export function createProcessPool(size: number, options: Omit<ProcessPoolOptions, "size"> = {}): ProcessPool {
  return ChildProcessPool.start({ ...options, size });
}
