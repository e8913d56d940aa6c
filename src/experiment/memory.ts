/** Memory of the kernel process around timed runs, and what workers and children reported. */
import type { RunRecord } from "../strategies/strategy";

export interface LaneMemory {
  readonly lane: string;
  /** The host of that lane, for copies that ran on another host: its readings are what the copy reported there. */
  readonly host?: string;
  /** V8 heap in use in that worker's isolate or child process after its last copy. */
  readonly heapUsedBytes?: number;
  /** Resident set of the process that ran it (for threads: the whole kernel process). */
  readonly rssBytes?: number;
  /** Proportional set size of a child process (shared pages split between sharers), where Linux reports it. */
  readonly pssBytes?: number;
}

/**
 * RSS and V8 heap of this process before the first timed run, at the highest sample (every 20 ms
 * while runs wait on other threads; a CPU loop on the main thread blocks sampling, so for those
 * runs the peak comes from the samples around them) and after the last; plus each worker's own.
 */
export interface MemorySummary {
  readonly rssBeforeBytes: number;
  readonly rssPeakBytes: number;
  readonly rssAfterBytes: number;
  readonly heapBeforeBytes: number;
  readonly heapPeakBytes: number;
  readonly heapAfterBytes: number;
  readonly perLane: readonly LaneMemory[];
}

export class MemoryTracker {
  private before: NodeJS.MemoryUsage | undefined;
  private after: NodeJS.MemoryUsage | undefined;
  private peakRss = 0;
  private peakHeap = 0;
  private readonly lanes = new Map<string, LaneMemory>();
  private timer: NodeJS.Timeout | undefined;

  private sample(): NodeJS.MemoryUsage {
    const usage = process.memoryUsage();
    this.peakRss = Math.max(this.peakRss, usage.rss);
    this.peakHeap = Math.max(this.peakHeap, usage.heapUsed);
    return usage;
  }

  start(): void {
    const usage = this.sample();
    this.before ??= usage;
    this.timer = setInterval(() => this.sample(), 20);
    this.timer.unref();
  }

  stop(record?: RunRecord, laneOf?: (task: RunRecord["tasks"][number]) => string): void {
    clearInterval(this.timer);
    this.after = this.sample();
    for (const task of record?.tasks ?? []) {
      if ((task.laneKind === "main" && task.host === undefined) || !laneOf) continue; // this process's own memory is measured above
      const host = task.host === undefined ? {} : { host: task.host };
      this.lanes.set(laneOf(task), { lane: laneOf(task), ...host, heapUsedBytes: task.heapUsedBytes, rssBytes: task.rssBytes, pssBytes: task.pssBytes });
    }
  }

  summary(): MemorySummary {
    const before = this.before ?? this.sample();
    const after = this.after ?? before;
    return {
      rssBeforeBytes: before.rss,
      rssPeakBytes: Math.max(this.peakRss, before.rss, after.rss),
      rssAfterBytes: after.rss,
      heapBeforeBytes: before.heapUsed,
      heapPeakBytes: Math.max(this.peakHeap, before.heapUsed, after.heapUsed),
      heapAfterBytes: after.heapUsed,
      perLane: [...this.lanes.values()],
    };
  }
}
