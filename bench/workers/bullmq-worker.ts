/**
 * The plain-BullMQ contender of the queue benchmark: one process with one BullMQ Worker, the same
 * settings conclab's queue workers use (concurrency, lock, stalled check), and a processor that
 * does the job's work and nothing else: countTo(n), returning n. No clock offset, no record, and
 * no run log unless `runLog` is set: then, like conclab's worker, it RPUSHes an entry of the same
 * shape to a list on the server at each job's start and end, and awaits each. Settings come as JSON in BENCH_BULLMQ_WORKER; it says { ready, pid } on its IPC channel
 * and ends when that channel closes (the benchmark is gone) or on SIGTERM.
 */
import { Worker, type Job } from "bullmq";
import IORedis from "ioredis";

interface Settings {
  readonly url: string;
  readonly queue: string;
  readonly concurrency: number;
  readonly lockDurationMs: number;
  readonly stalledIntervalMs: number;
  readonly maxStalledCount: number;
  readonly runLog: boolean;
}

function countTo(n: number): number {
  let i = 0;
  while (i < n) i++;
  return i;
}

async function main(): Promise<void> {
  const settings = JSON.parse(process.env.BENCH_BULLMQ_WORKER ?? "{}") as Settings;
  const connection = new IORedis(settings.url, { maxRetriesPerRequest: null });
  connection.on("error", () => undefined);
  const side = new IORedis(settings.url, { maxRetriesPerRequest: null });
  side.on("error", () => undefined);
  const key = `bench:${settings.queue}:runs`;
  // As conclab's worker writes it: RPUSH and PEXPIRE in one MULTI, sent without waiting for the reply.
  const log = (job: Job<{ n: number; copy: number }>, event: string): void => {
    side.multi().rpush(key, JSON.stringify({ run: "bench", copy: job.data.copy, attempt: job.attemptsStarted, host: "plain", pid: process.pid, event, atMs: performance.timeOrigin + performance.now() })).pexpire(key, 3_600_000).exec().catch(() => undefined);
  };
  const processor = settings.runLog
    ? async (job: Job<{ n: number; copy: number }>): Promise<number> => {
        log(job, "start");
        const result = countTo(job.data.n);
        log(job, "end");
        return result;
      }
    : async (job: Job<{ n: number; copy: number }>): Promise<number> => countTo(job.data.n);
  const worker = new Worker<{ n: number; copy: number }, number>(settings.queue, processor, {
    connection,
    concurrency: settings.concurrency,
    lockDuration: settings.lockDurationMs,
    stalledInterval: settings.stalledIntervalMs,
    maxStalledCount: settings.maxStalledCount,
  });
  worker.on("error", () => undefined);
  await worker.waitUntilReady();
  let closing = false;
  const end = (): void => {
    if (closing) return;
    closing = true;
    const force = setTimeout(() => process.exit(0), 2_000);
    force.unref();
    void worker.close().finally(() => {
      connection.disconnect();
      side.disconnect();
      process.exit(0);
    });
  };
  process.on("disconnect", end);
  process.on("SIGTERM", end);
  process.send?.({ ready: true, pid: process.pid });
}

main().catch((error: unknown) => {
  process.send?.({ ready: false, error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
