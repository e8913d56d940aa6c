/**
 * The `queue` strategy: every copy of the task is a BullMQ job; worker processes (on hosts of
 * their own where the machine allows, see src/queue/cluster.ts) take them, and their records come
 * back on this process's clock with the host that ran them. A cluster lent in `pools.queue` stays
 * the caller's; otherwise the runner starts one with a worker per copy and stops it on dispose.
 */
import { AbortError, TaskError, throwIfAborted } from "../errors";
import { startQueueCluster, type QueueCluster } from "../queue/cluster";
import { portable } from "../tasks/task-source";
import type { RunnerContext, RunRecord, StrategyRunner } from "./strategy";

export function createQueueRunner(context: RunnerContext, options: { readonly cluster?: QueueCluster } = {}): StrategyRunner {
  const task = portable(context.task);
  const owned = options.cluster === undefined;
  let cluster = options.cluster;
  let disposed = false;

  async function batch(): Promise<RunRecord> {
    if (disposed) throw new Error("this queue runner was disposed; create a new one");
    if (!cluster) throw new Error("the queue runner has no cluster yet; call prepare() before runOnce()");
    throwIfAborted(context.signal);
    // A job waits for a free slot: the deadline covers the rounds the copies need on the cluster's slots.
    const rounds = Math.ceil(context.copies / Math.max(1, cluster.slots));
    const report = await cluster.runJobs(task, context.args, context.copies, { signal: context.signal, timeoutMs: context.timeoutMs * rounds });
    if (context.signal.aborted) throw new AbortError();
    if (report.failed.length > 0) {
      const first = report.failed[0]!;
      throw new TaskError(task.name, "queue", `${report.failed.length} of ${report.submitted} jobs failed; copy ${first.copy}: ${first.reason}`);
    }
    return { startMs: report.startMs, endMs: report.endMs, wallMs: report.endMs - report.startMs, tasks: report.records };
  }

  return {
    key: "queue",
    async prepare(warmupRounds: number): Promise<void> {
      throwIfAborted(context.signal);
      cluster ??= await startQueueCluster({ workers: Math.min(context.copies, 16), signal: context.signal });
      for (let round = 0; round < warmupRounds; round++) await batch();
    },
    runOnce: batch,
    async dispose(): Promise<void> {
      disposed = true;
      if (owned) await cluster?.destroy();
    },
  };
}
