import { ThreadPool, type ThreadPoolOptions } from "./thread-pool";

/**
 * A pool of worker threads to keep across cells and pass to `compare` / `run` as
 * `pools: { threads }`. Call `destroy()` when done (the kernel adapter also does on shutdown).
 */
export function createThreadPool(size: number, options: Omit<ThreadPoolOptions, "size"> = {}): ThreadPool {
  return ThreadPool.create({ ...options, size });
}
