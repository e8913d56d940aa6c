/** Where a copy of a task ran: the main thread, a worker thread, or a child process. */
export type LaneKind = "main" | "thread" | "process";

/** One copy of a task as it ran: which lane, from when to when, on one clock (epoch ms). */
export interface Span {
  /** The strategy key that ran it, e.g. `threads` or `python:processes`. */
  readonly strategy: string;
  /** Which timed repeat (0-based). */
  readonly repeat: number;
  /** Which copy of the task (0-based). */
  readonly copy: number;
  readonly laneKind: LaneKind;
  /** A readable lane name: `main`, `thread 3`, `process 4711`. */
  readonly lane: string;
  readonly pid: number;
  /** worker_threads threadId (0 on the main thread), or the OS thread id for Python threads. */
  readonly threadId: number;
  /** Start and end, in ms since the Unix epoch (see `nowMs`). */
  readonly startMs: number;
  readonly endMs: number;
  /** CPU time of the copy's thread while it ran (ms), where measured (see TaskRecord.cpuMs). */
  readonly cpuMs?: number;
}

export function laneName(kind: LaneKind, pid: number, threadId: number): string {
  if (kind === "main") return "main";
  return kind === "thread" ? `thread ${threadId}` : `process ${pid}`;
}

/** The span of one copy, from what the context that ran it reported. */
export function spanOf(
  strategy: string,
  repeat: number,
  copy: { readonly copy: number; readonly laneKind: LaneKind; readonly pid: number; readonly threadId: number; readonly startMs: number; readonly endMs: number; readonly cpuMs?: number },
): Span {
  const { laneKind, pid, threadId, startMs, endMs, cpuMs } = copy;
  return { strategy, repeat, copy: copy.copy, laneKind, lane: laneName(laneKind, pid, threadId), pid, threadId, startMs, endMs, ...(cpuMs === undefined ? {} : { cpuMs }) };
}
