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
}

export function laneName(kind: LaneKind, pid: number, threadId: number): string {
  if (kind === "main") return "main";
  return kind === "thread" ? `thread ${threadId}` : `process ${pid}`;
}
