/**
 * The `processes` strategy: every copy of the task in its own child process (Python's
 * multiprocessing in Node's terms), through a ChildProcessPool of `copies` children.
 */
import { AbortError, checkInteger, throwIfAborted, typeError } from "../errors";
import { nowMs } from "../measure/clock";
import type { ProcessPool } from "../pools/pool-contract";
import { ChildProcessPool } from "../pools/process-pool";
import { portable } from "../tasks/task-source";
import type { TaskMessage } from "../workers/execute";
import type { RunRecord, RunnerContext, StrategyRunner, TaskRecord } from "./strategy";
import { warmEveryLane } from "./warm-up";

export interface ProcessesRunnerOptions {
  /** A pool to run in; it stays the caller's (dispose() leaves it running). */
  readonly pool?: ProcessPool;
}

const MAX_WARMUP_ROUNDS = 1_000;
const MAX_TIMER_MS = 2 ** 31 - 1;

export function createProcessesRunner(context: RunnerContext, options: ProcessesRunnerOptions = {}): StrategyRunner {
  if (options.pool !== undefined && !(options.pool instanceof ChildProcessPool)) {
    throw typeError("options.pools.processes", "a pool made by createProcessPool()", options.pool, "pass what createProcessPool() returned, or leave pools.processes out");
  }
  const task = portable(context.task);
  const owned = options.pool === undefined;
  let pool: ChildProcessPool | undefined = options.pool;
  let disposed = false;

  const message = (copy: number): TaskMessage => ({ task, args: context.args, copy, cpu: true });
  // setTimeout's limit stands for "no limit" (Infinity) too. A lent pool gets it per call.
  const callTimeoutMs = Math.min(Math.ceil(context.timeoutMs), MAX_TIMER_MS);

  function activePool(): ChildProcessPool {
    if (disposed) throw new Error("this processes runner was disposed; create a new one with createProcessesRunner()");
    if (!pool) throw new Error("the processes runner has no pool yet; call prepare() before runOnce()");
    return pool;
  }

  /** Runs `copies` copies at once; when one fails, waits for the others (nothing left running). */
  async function runCopies(target: ChildProcessPool): Promise<TaskRecord[]> {
    throwIfAborted(context.signal);
    const calls = Array.from({ length: context.copies }, (_, copy) => target.run(message(copy), { signal: context.signal, timeoutMs: callTimeoutMs }));
    const settled = await Promise.allSettled(calls);
    const failures = settled.flatMap((outcome) => (outcome.status === "rejected" ? [outcome.reason as unknown] : []));
    if (failures.length === 0) {
      return settled.map((outcome) => (outcome as PromiseFulfilledResult<TaskRecord>).value);
    }
    if (context.signal.aborted || failures.some((error) => error instanceof AbortError)) {
      await target.destroy(); // already under way: an aborted call destroys its pool
      throw failures.find((error) => error instanceof AbortError) ?? new AbortError();
    }
    throw failures[0];
  }

  /** Runs batches of `copies` calls until every child has run the task `rounds` times. */
  function warmUp(target: ChildProcessPool, rounds: number): Promise<void> {
    return warmEveryLane({
      rounds,
      // A batch reaches each child once when copies >= size; a larger given pool needs more batches.
      maxBatches: 2 * rounds * Math.ceil(target.size / Math.min(context.copies, target.size)) + 2,
      runBatch: () => runCopies(target),
      laneOf: (record) => record.pid,
      lanes: () => target.pids,
    });
  }

  return {
    key: "processes",

    async prepare(warmupRounds: number): Promise<void> {
      checkInteger("warmupRounds", warmupRounds, 0, MAX_WARMUP_ROUNDS, "pass how many untimed runs each child makes first, e.g. 1");
      if (disposed) throw new Error("this processes runner was disposed; create a new one with createProcessesRunner()");
      throwIfAborted(context.signal);
      pool ??= ChildProcessPool.start({ size: context.copies, callTimeoutMs });
      await warmUp(pool, warmupRounds);
    },

    async runOnce(): Promise<RunRecord> {
      const target = activePool();
      throwIfAborted(context.signal);
      const startMs = nowMs();
      const tasks = await runCopies(target);
      const endMs = nowMs();
      tasks.sort((a, b) => a.copy - b.copy);
      return { startMs, endMs, wallMs: endMs - startMs, tasks };
    },

    async dispose(): Promise<void> {
      disposed = true;
      if (owned && pool) await pool.destroy();
    },
  };
}
