import type { Span } from "../measure/spans";

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

/** Distinct lanes the spans ran on. */
export function laneCount(spans: readonly Span[]): number {
  return new Set(spans.map((s) => `${s.pid}:${s.threadId}`)).size;
}
