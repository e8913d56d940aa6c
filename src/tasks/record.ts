/**
 * The wire format of one copy's report: what a worker thread, a child process, the main thread or
 * CPython sends back for each copy it ran. Low in the layers, so that workers and pools, which
 * produce and carry it, need nothing from the strategies above them.
 */
import type { LaneKind } from "../measure/spans";

/** What one copy of a task reported, in whatever context ran it. */
export interface TaskRecord {
  readonly copy: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly laneKind: LaneKind;
  /** Process id of the context that ran it, on `host` where there is one. */
  readonly pid: number;
  readonly threadId: number;
  /**
   * The host that ran it, sent by strategies whose copies run on another host (descriptor
   * placement `other-host`); absent for copies on this machine. Lanes name it: pids repeat across hosts.
   */
  readonly host?: string;
  /** The task's return value (structured-cloned from workers and processes). */
  readonly result: unknown;
  /**
   * CPU time the copy's thread spent between start and end (ms), where the OS reports it (Linux)
   * and the copy had its thread to itself (not for awaiting tasks on the shared main thread).
   */
  readonly cpuMs?: number;
  /** V8 heap in use in the context that ran it, after the task (bytes). */
  readonly heapUsedBytes?: number;
  /** Resident set of the process that ran it, after the task (bytes). */
  readonly rssBytes?: number;
  /** Proportional set size of that process (bytes), where the OS reports it. */
  readonly pssBytes?: number;
}
