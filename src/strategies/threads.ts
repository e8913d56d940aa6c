/** The `threads` strategy: each copy on its own worker thread (worker_threads through piscina). */
import { AbortError } from "../errors";
import { nowMs } from "../measure/clock";
import { typeError } from "../errors";
import type { ThreadPool } from "../pools/pool-contract";
import { WorkerThreadPool } from "../pools/thread-pool";
import { portable } from "../tasks/task-source";
import type { RunnerContext, RunRecord, StrategyRunner, TaskRecord } from "./strategy";
import { warmEveryLane } from "./warm-up";

/** How many extra rounds warm-up may send to reach a worker that the pool has not used yet. */
const MAX_EXTRA_WARMUP_ROUNDS = 20;

class ThreadsRunner implements StrategyRunner {
  readonly key = "threads" as const;
  private pool: WorkerThreadPool | undefined;
  private readonly owned: boolean;

  constructor(
    private readonly context: RunnerContext,
    pool: WorkerThreadPool | undefined,
  ) {
    this.pool = pool;
    this.owned = pool === undefined;
  }

  private runCopies(copy: (i: number) => number): Promise<TaskRecord[]> {
    const pool = this.pool!;
    const { copies, args, signal, timeoutMs } = this.context;
    const task = portable(this.context.task);
    return Promise.all(Array.from({ length: copies }, (_, i) => pool.run({ task, args, copy: copy(i), cpu: true }, { signal, timeoutMs, strategy: this.key })));
  }

  async prepare(warmupRounds: number): Promise<void> {
    if (this.context.signal.aborted) throw new AbortError();
    this.pool ??= WorkerThreadPool.start({ size: this.context.copies });
    const pool = this.pool;
    await warmEveryLane({
      rounds: warmupRounds,
      maxBatches: warmupRounds + MAX_EXTRA_WARMUP_ROUNDS,
      runBatch: () => this.runCopies(() => -1),
      laneOf: (record) => record.threadId,
      lanes: () => pool.threadIds,
    });
  }

  async runOnce(): Promise<RunRecord> {
    const startMs = nowMs();
    const tasks = await this.runCopies((i) => i);
    const endMs = nowMs();
    return { startMs, endMs, wallMs: endMs - startMs, tasks };
  }

  async dispose(): Promise<void> {
    if (this.owned) await this.pool?.destroy();
  }
}

export function createThreadsRunner(context: RunnerContext, options: { pool?: ThreadPool } = {}): StrategyRunner {
  if (options.pool !== undefined && !(options.pool instanceof WorkerThreadPool)) {
    throw typeError("options.pools.threads", "a pool made by createThreadPool()", options.pool, "pass what createThreadPool() returned, or leave pools.threads out");
  }
  return new ThreadsRunner(context, options.pool);
}
