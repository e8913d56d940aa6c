/**
 * Runs one copy of a task in the current context (a worker thread or a child process) and
 * reports when it ran and where, on the shared clock. Loaded by the worker and child modules.
 */
import { getHeapStatistics } from "node:v8";
import { threadId, isMainThread } from "node:worker_threads";
import { instantiate, type TaskSourceData } from "../tasks/instantiate";
import { nowMs } from "../measure/clock";
import { cpuBetween, threadCpuMs } from "../measure/thread-cpu";
import { processMemoryBytes } from "../measure/process-memory";
import type { TaskRecord } from "../tasks/record";

/** What a worker or child receives for one copy. */
export interface TaskMessage {
  readonly task: TaskSourceData;
  readonly args: readonly unknown[];
  readonly copy: number;
  /** Read the copy's CPU time too (two reads of /proc, about 3 µs): experiments ask for it, bare pool calls need not pay it. */
  readonly cpu?: boolean;
}

/** Proportional set size of this process in bytes, from /proc (Linux); undefined elsewhere. */
export function ownPssBytes(): number | undefined {
  return processMemoryBytes("self", "Pss");
}

/**
 * Throws a TypeError when `result` cannot be sent back to the main thread: otherwise the
 * transfer itself fails later with an error that has lost its message.
 */
export function checkSendable(result: unknown, task: string): void {
  const kind = typeof result;
  if (kind === "function" || kind === "symbol") {
    throw new TypeError(`task ${task} returned a ${kind}, which cannot be sent back from a worker or process; return plain data (numbers, strings, arrays, objects)`);
  }
  if (kind !== "object" || result === null) return;
  try {
    structuredClone(result);
  } catch (error) {
    throw new TypeError(`task ${task} returned a value that cannot be sent back from a worker or process (${(error as Error).message}); return plain data`, { cause: error });
  }
}

/** How stale a context's memory reading may be: memory changes slowly, reading it is not free. */
const MEMORY_REFRESH_MS = 250;
/** PSS walks every mapping of the process (milliseconds): read it at most this often. */
const PSS_REFRESH_MS = 1_000;

interface MemoryReading {
  heapUsedBytes: number;
  rssBytes: number;
  pssBytes: number | undefined;
  atMs: number;
  pssAtMs: number;
}

let reading: MemoryReading | undefined;

/**
 * This context's heap, its process's RSS and (for processes) PSS, refreshed at most every
 * MEMORY_REFRESH_MS (PSS every PSS_REFRESH_MS), so that reporting memory with every copy does not
 * weigh on short tasks.
 */
function memoryNow(withPss: boolean): MemoryReading {
  const now = nowMs();
  if (!reading || now - reading.atMs > MEMORY_REFRESH_MS) {
    const pssDue = withPss && (!reading || now - reading.pssAtMs > PSS_REFRESH_MS);
    reading = {
      heapUsedBytes: getHeapStatistics().used_heap_size,
      rssBytes: process.memoryUsage.rss(),
      pssBytes: pssDue ? ownPssBytes() : reading?.pssBytes,
      atMs: now,
      pssAtMs: pssDue ? now : (reading?.pssAtMs ?? 0),
    };
  }
  return reading;
}

export async function executeTask(message: TaskMessage, laneKind: "thread" | "process"): Promise<TaskRecord> {
  const fn = instantiate(message.task);
  const cpuBefore = message.cpu ? threadCpuMs() : undefined;
  const startMs = nowMs();
  let result = fn(...message.args);
  if (result instanceof Promise) result = await result;
  const endMs = nowMs();
  const cpuMs = message.cpu ? cpuBetween(cpuBefore, threadCpuMs()) : undefined;
  checkSendable(result, message.task.name);
  const memory = memoryNow(laneKind === "process");
  return {
    copy: message.copy,
    startMs,
    endMs,
    laneKind,
    pid: process.pid,
    threadId: isMainThread ? 0 : threadId,
    result,
    ...(cpuMs === undefined ? {} : { cpuMs }),
    heapUsedBytes: memory.heapUsedBytes,
    rssBytes: memory.rssBytes,
    pssBytes: memory.pssBytes,
  };
}
