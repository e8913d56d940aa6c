/**
 * What travels between the kernel and the queue's workers: a job's data, the record a job returns,
 * the log of every time a job started or ended (a job may run more than once: BullMQ delivers at
 * least once), and a worker's settings. Kept apart so that the worker process loads little.
 */
import type { TaskSourceData } from "../tasks/instantiate";
import type { TaskRecord } from "../tasks/record";

/** One copy of a task as a job. */
export interface JobData {
  readonly task: TaskSourceData;
  readonly args: readonly unknown[];
  readonly copy: number;
  /** The run it belongs to (several runs share a queue). */
  readonly run: string;
}

/** What a job returns: the copy's record with its times on the server's clock. */
export interface JobResult extends TaskRecord {
  readonly host: string;
  /** The worker's clock offset error (ms): see clock-offset.ts. */
  readonly clockErrorMs: number;
  /** BullMQ's count of starts of this job, this one included. */
  readonly attempt: number;
}

/** One start or end of a job on a worker, in the order the worker logged it (server clock). */
export interface RunEvent {
  readonly run: string;
  readonly copy: number;
  readonly attempt: number;
  readonly host: string;
  readonly pid: number;
  readonly event: "start" | "end" | "error";
  readonly atMs: number;
  /** For "error": what the task threw. */
  readonly message?: string;
}

/** A worker's settings: the same for a worker the course starts and for `conclab-worker` on another machine. */
export interface WorkerSettings {
  /** redis:// URL of the queue's server, password included. */
  readonly url: string;
  readonly queue: string;
  /** Jobs this worker runs at once (BullMQ's `concurrency`). */
  readonly concurrency: number;
  /** The host name its records carry. */
  readonly host: string;
  /** How long a job's lock lasts without renewal (ms); the worker renews it at half that while its event loop is free. */
  readonly lockDurationMs: number;
  /** How often a worker looks for jobs whose lock expired (ms). */
  readonly stalledIntervalMs: number;
  /** How many times a job may lose its lock before it fails. */
  readonly maxStalledCount: number;
  /**
   * Where it logs each start and end of a job: to the process that started it, over their IPC
   * channel (the course's own workers: no write to the server per job), or to the server (a worker
   * on another machine), in the batch's list (runLogKey).
   */
  readonly logTo?: "parent" | "server";
}

/** A run-log entry a worker sends its parent (logTo "parent"). */
export interface RunEventMessage {
  readonly runEvent: RunEvent;
}

/** The key of one batch's run log: a Redis list of RunEvent JSON, read and deleted when the batch ends. */
export function runLogKey(queue: string, run: string): string {
  return `conclab:${queue}:runs:${run}`;
}

/** The environment variable a worker the course starts reads its settings from (JSON). */
export const WORKER_SETTINGS_ENV = "CONCLAB_QUEUE_WORKER";

/** What a worker the course started sends its parent when it is ready, or when it could not start. */
export type WorkerHello =
  | { readonly ready: true; readonly host: string; readonly pid: number; readonly clockErrorMs: number; readonly offsetMs: number }
  | { readonly ready: false; readonly error: string };
