import type { Span } from "../measure/spans";
import { median } from "../measure/stats";

/** The most spans running at the same instant (a sweep over start and end times). */
export function maxConcurrency(spans: readonly Span[]): number {
  const events = spans.flatMap((s) => [{ at: s.startMs, delta: 1 }, { at: s.endMs, delta: -1 }]);
  // At equal times, ends come first: a copy that starts as another ends does not overlap it.
  events.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let running = 0;
  let most = 0;
  for (const event of events) {
    running += event.delta;
    most = Math.max(most, running);
  }
  return most;
}

/** Spans grouped by repeat, in repeat order. */
export function byRepeat(spans: readonly Span[]): Span[][] {
  const groups = new Map<number, Span[]>();
  for (const span of spans) groups.set(span.repeat, [...(groups.get(span.repeat) ?? []), span]);
  return [...groups.entries()].sort(([a], [b]) => a - b).map(([, group]) => group);
}

/** Distinct lanes the spans ran on (pids repeat across hosts: the host is part of a lane). */
export function laneCount(spans: readonly Span[]): number {
  return new Set(spans.map((s) => `${s.host ?? ""}:${s.pid}:${s.threadId}`)).size;
}

/**
 * How much of a CPU a copy had while it ran: the median over copies of its thread's CPU time over
 * its duration (about 1 alone or with a core each, about 1/2 when two copies take turns on one
 * core). Null unless every span carries its CPU time.
 */
export function cpuShareOfCopies(spans: readonly Span[]): number | null {
  const shares = spans.filter((s) => s.endMs > s.startMs).map((s) => (s.cpuMs === undefined ? Number.NaN : s.cpuMs / (s.endMs - s.startMs)));
  return shares.length === 0 || shares.some((v) => Number.isNaN(v)) ? null : median(shares);
}
