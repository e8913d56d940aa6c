/**
 * A queue worker: a BullMQ Worker that runs conclab's task copies as jobs, in this process, as
 * BullMQ runs a processor function. A CPU-bound job therefore blocks this process's event loop,
 * and with it the renewal of the job's lock: that is BullMQ's behaviour, and chapter 15 shows it.
 * Each job's record comes back on the server's clock, and every start and end of a job is logged
 * on the server (a job may run more than once).
 */
import { Worker, type Job } from "bullmq";
import IORedis from "ioredis";
import { executeTask } from "../workers/execute";
import { JSON_FIX, jsonProblem } from "./json-safe";
import { offsetToServer, type ClockOffset } from "./clock-offset";
import { runLogKey, type JobData, type JobResult, type RunEvent, type RunEventMessage, type WorkerSettings } from "./wire";

/** How often a worker measures its clock offset again (the first reading is taken before it takes jobs). */
const CLOCK_REFRESH_MS = 10_000;
/** How long a batch's run log outlives its last entry on the server, should the kernel not delete it. */
const LOG_TTL_MS = 3_600_000;

export interface RunningWorker {
  readonly offset: ClockOffset;
  /** Stops taking jobs, waits for the jobs in hand, closes its connections. */
  close(): Promise<void>;
}

/** The ioredis options every conclab connection to the queue uses: BullMQ needs unlimited retries per request for blocking commands. */
export function queueConnection(url: string): IORedis {
  const connection = new IORedis(url, { maxRetriesPerRequest: null });
  // While the server restarts, ioredis reconnects by itself; its error events would only be noise.
  connection.on("error", () => undefined);
  return connection;
}

export async function startWorker(settings: WorkerSettings): Promise<RunningWorker> {
  const side = queueConnection(settings.url);
  let offset = await offsetToServer(side);
  const refresh = setInterval(() => {
    offsetToServer(side).then(
      (next) => (offset = next.errorMs <= offset.errorMs * 2 ? next : offset),
      () => undefined,
    );
  }, CLOCK_REFRESH_MS);
  refresh.unref();

  // Not awaited: the job does not wait for the server to write its log (with the course's append-only
  // file, each write is fsynced before the reply). ioredis sends them in order on one connection.
  const log = (job: Job<JobData>, event: RunEvent["event"], message?: string): void => {
    const entry: RunEvent = {
      run: job.data.run, copy: job.data.copy, attempt: job.attemptsStarted, host: settings.host, pid: process.pid,
      event, atMs: performance.timeOrigin + performance.now() + offset.offsetMs, ...(message === undefined ? {} : { message }),
    };
    if (settings.logTo === "parent" && process.send) {
      // Written to the pipe at once, before a CPU-bound job can hold the event loop.
      process.send({ runEvent: entry } satisfies RunEventMessage);
      return;
    }
    // The kernel deletes a batch's log when the batch ends; an entry that comes later (a job that ran on after losing its lock) expires in an hour.
    const key = runLogKey(settings.queue, job.data.run);
    side.multi().rpush(key, JSON.stringify(entry)).pexpire(key, LOG_TTL_MS).exec().catch(() => undefined);
  };

  const worker = new Worker<JobData, JobResult>(
    settings.queue,
    async (job) => {
      log(job, "start");
      try {
        const record = await executeTask({ task: job.data.task, args: job.data.args, copy: job.data.copy, cpu: true }, "process");
        const problem = jsonProblem(record.result);
        if (problem) throw new TypeError(`the result of ${job.data.task.name} cannot travel back through the queue: ${problem}; ${JSON_FIX}`);
        log(job, "end");
        return {
          ...record, startMs: record.startMs + offset.offsetMs, endMs: record.endMs + offset.offsetMs,
          host: settings.host, clockErrorMs: offset.errorMs, attempt: job.attemptsStarted,
        };
      } catch (error) {
        log(job, "error", error instanceof Error ? `${error.name}: ${error.message}` : String(error));
        throw error;
      }
    },
    {
      connection: queueConnection(settings.url),
      concurrency: settings.concurrency,
      lockDuration: settings.lockDurationMs,
      stalledInterval: settings.stalledIntervalMs,
      maxStalledCount: settings.maxStalledCount,
      name: `${settings.host}:${process.pid}`,
    },
  );
  // A lost lock or a dropped connection is reported on the job (or retried by ioredis): nothing to do here but not crash.
  worker.on("error", () => undefined);
  await worker.waitUntilReady();
  return {
    get offset() {
      return offset;
    },
    async close() {
      clearInterval(refresh);
      await worker.close();
      side.disconnect();
    },
  };
}
