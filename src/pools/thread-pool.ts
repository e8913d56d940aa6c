/**
 * A pool of worker threads on piscina: real OS threads, each with its own V8 isolate and event
 * loop, so CPU work runs in parallel. A notebook may keep one across cells (createThreadPool) or
 * let each experiment start and stop its own.
 */
import * as path from "node:path";
import type { ResourceLimits } from "node:worker_threads";
import { Piscina } from "piscina";
import { AbortError, TaskError, TaskTimeoutError } from "../errors";
import type { TaskRecord } from "../tasks/record";
import { closureHint } from "../tasks/task-source";
import type { TaskMessage } from "../workers/execute";
import { Deadline, withinGrace } from "../runtime/deadline";
import { keepAskingToStop } from "../runtime/stop-workers";
import { checkPoolSize, type PoolState, type ThreadPool } from "./pool-contract";
import { PoolLife } from "./pool-life";

export interface ThreadPoolOptions {
  /** Number of worker threads (1 to MAX_POOL_SIZE, 256). */
  readonly size: number;
  /** V8 limits per worker, e.g. `{ maxOldGenerationSizeMb: 256 }`; a worker over them is stopped. */
  readonly resourceLimits?: ResourceLimits;
}

const WORKER_FILE = path.join(__dirname, "..", "workers", "thread-worker.js");

/** Turns what piscina or the worker threw into conclab's errors. */
export function threadTaskError(error: unknown, task: string, strategy: string): TaskError {
  const err = error instanceof Error ? error : new Error(String(error));
  if (err.name === "ReferenceError") return new TaskError(task, strategy, `${err.message}: ${closureHint("another thread")}`, { cause: err });
  if ((err as { code?: string }).code === "ERR_WORKER_OUT_OF_MEMORY") {
    return new TaskError(task, strategy, `its worker ran out of memory (resourceLimits) and was stopped`, { cause: err });
  }
  const exit = /^worker exited with code:? ?(-?\d+)/i.exec(err.message);
  if (exit) {
    return new TaskError(
      task,
      strategy,
      `the worker thread running it exited (code ${exit[1]}); process.exit() in a task ends its worker. Return a value or throw an Error instead`,
      { cause: err },
    );
  }
  if (err.name === "DataCloneError") {
    return new TaskError(task, strategy, `its result cannot be sent back from a worker (${err.message}); return plain data`, { cause: err });
  }
  return new TaskError(task, strategy, err.message, { cause: err });
}

export class WorkerThreadPool implements ThreadPool {
  private readonly piscina: Piscina;
  private readonly life: PoolLife;
  readonly size: number;

  private constructor(options: ThreadPoolOptions) {
    this.size = checkPoolSize(options?.size, "threads");
    this.piscina = new Piscina({
      filename: WORKER_FILE,
      minThreads: this.size,
      maxThreads: this.size,
      idleTimeout: 2 ** 31 - 1,
      concurrentTasksPerWorker: 1,
      maxQueue: "auto",
      resourceLimits: options.resourceLimits,
    });
    // A worker that dies between tasks must not crash the kernel.
    this.piscina.on("error", () => undefined);
    this.life = new PoolLife({
      kind: "thread",
      pool: this,
      drain: (timeoutMs) => withinGrace(this.piscina.close(), timeoutMs),
      teardown: () => this.teardown(),
    });
  }

  /** Threads end with the process; nothing to kill synchronously. */
  killNow(): void {}

  /** Starts `size` worker threads. */
  static start(options: ThreadPoolOptions): WorkerThreadPool {
    return new WorkerThreadPool(options);
  }

  /** worker_threads ids of the live workers. */
  get threadIds(): number[] {
    return this.piscina.threads.map((worker) => worker.threadId);
  }

  get state(): PoolState {
    return this.life.state;
  }

  /** Runs one copy on a free worker. Rejects with TaskTimeoutError, AbortError or TaskError. */
  async run(message: TaskMessage, options: { signal?: AbortSignal; timeoutMs?: number; strategy?: string } = {}): Promise<TaskRecord> {
    const refused = this.life.refusal();
    if (refused) throw refused;
    const strategy = options.strategy ?? "threads";
    if (options.signal?.aborted) throw new AbortError();
    if (!options.timeoutMs) {
      try {
        return (await this.piscina.run(message, options.signal ? { signal: options.signal } : {})) as TaskRecord;
      } catch (error) {
        throw this.failure(error, message.task.name, strategy, options.signal);
      }
    }
    // A timeout needs a signal of its own (piscina stops the worker of an aborted task).
    const deadline = new Deadline(options.signal, options.timeoutMs);
    try {
      return (await this.piscina.run(message, { signal: deadline.signal })) as TaskRecord;
    } catch (error) {
      if (deadline.timedOut) throw new TaskTimeoutError(message.task.name, strategy, options.timeoutMs);
      throw this.failure(error, message.task.name, strategy, options.signal);
    } finally {
      deadline.clear();
    }
  }

  /** Why a task failed: aborted, stopped with the pool, or its own error. */
  private failure(error: unknown, task: string, strategy: string, signal: AbortSignal | undefined): Error {
    if (signal?.aborted) return new AbortError();
    if (this.life.ended) return this.life.stoppedWhileRunning(task);
    return threadTaskError(error, task, strategy);
  }

  /**
   * Lets the tasks already running finish, then ends the threads. After `timeoutMs` (default
   * 10 s) whatever still runs is stopped as by destroy().
   */
  close(options: { timeoutMs?: number } = {}): Promise<void> {
    return this.life.close(options);
  }

  /** Terminates every worker now; running tasks reject. Safe to call twice. */
  destroy(): Promise<void> {
    return this.life.destroy();
  }

  /** Ends the threads, once (PoolLife calls it on close or destroy). */
  private async teardown(): Promise<void> {
    // A worker stopped by an abort or a timeout exits a moment later; when piscina hears of that
    // exit after destroy() has finished, it starts replacements up to minThreads, which then live
    // on in a destroyed pool. With no minimum it starts none.
    (this.piscina.options as { minThreads: number }).minThreads = 0;
    const workers = this.piscina.threads;
    const destroyed = this.piscina.destroy();
    // piscina asks each worker to stop once and waits for its exit; Node 24 once lost such a request.
    const exited = await keepAskingToStop(workers, destroyed);
    if (exited) await destroyed;
  }
}
