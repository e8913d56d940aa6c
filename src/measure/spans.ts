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
  /** A readable lane name: `main`, `thread 3`, `process 4711`; on another host, `process 4711 on build-7`. */
  readonly lane: string;
  /** The host that ran it, for copies that ran on another host (absent on this machine). */
  readonly host?: string;
  /** Its process id, on `host` where there is one. */
  readonly pid: number;
  /** worker_threads threadId (0 on the main thread), or the OS thread id for Python threads. */
  readonly threadId: number;
  /** Start and end, in ms since the Unix epoch (see `nowMs`). */
  readonly startMs: number;
  readonly endMs: number;
  /** CPU time of the copy's thread while it ran (ms), where measured (see TaskRecord.cpuMs). */
  readonly cpuMs?: number;
}

/** The lane's name; a pid or thread id alone is ambiguous across hosts, so another host's lanes name it. */
export function laneName(kind: LaneKind, pid: number, threadId: number, host?: string): string {
  const local = kind === "main" ? "main" : kind === "thread" ? `thread ${threadId}` : `process ${pid}`;
  return host === undefined ? local : `${local} on ${host}`;
}

/** The span of one copy, from what the context that ran it reported. */
export function spanOf(
  strategy: string,
  repeat: number,
  copy: {
    readonly copy: number; readonly laneKind: LaneKind; readonly pid: number; readonly threadId: number; readonly host?: string;
    readonly startMs: number; readonly endMs: number; readonly cpuMs?: number;
  },
): Span {
  const { laneKind, pid, threadId, host, startMs, endMs, cpuMs } = copy;
  return {
    strategy, repeat, copy: copy.copy, laneKind, lane: laneName(laneKind, pid, threadId, host), ...(host === undefined ? {} : { host }),
    pid, threadId, startMs, endMs, ...(cpuMs === undefined ? {} : { cpuMs }),
  };
}
