/** Spans as a Chrome trace (the JSON "Trace Event Format"), which Perfetto and chrome://tracing open. */
import { writeFile } from "node:fs/promises";
import type { Span } from "./spans";

export interface ChromeTraceEvent {
  readonly name: string;
  readonly ph: "X" | "M";
  readonly pid: number;
  readonly tid: number;
  readonly ts?: number;
  readonly dur?: number;
  readonly cat?: string;
  readonly args?: Readonly<Record<string, unknown>>;
}

export interface ChromeTrace {
  readonly traceEvents: readonly ChromeTraceEvent[];
  readonly displayTimeUnit: "ms";
}

/** One complete event ("X") per span, times in µs from the earliest span, lanes as processes and threads. */
export function toChromeTrace(spans: readonly Span[], label = "conclab"): ChromeTrace {
  const origin = spans.reduce((min, s) => Math.min(min, s.startMs), Number.POSITIVE_INFINITY);
  const events: ChromeTraceEvent[] = [];
  const named = new Set<string>();
  for (const span of spans) {
    const processKey = `p${span.pid}`;
    if (!named.has(processKey)) {
      named.add(processKey);
      events.push({ name: "process_name", ph: "M", pid: span.pid, tid: 0, args: { name: `${label} pid ${span.pid}` } });
    }
    const threadKey = `t${span.pid}:${span.threadId}`;
    if (!named.has(threadKey)) {
      named.add(threadKey);
      events.push({ name: "thread_name", ph: "M", pid: span.pid, tid: span.threadId, args: { name: span.lane } });
    }
    events.push({
      name: `${span.strategy} copy ${span.copy}`,
      cat: span.strategy,
      ph: "X",
      pid: span.pid,
      tid: span.threadId,
      ts: (span.startMs - origin) * 1000,
      dur: (span.endMs - span.startMs) * 1000,
      args: { repeat: span.repeat, copy: span.copy, lane: span.lane },
    });
  }
  return { traceEvents: events, displayTimeUnit: "ms" };
}

/** Writes the spans as a Chrome trace JSON file and returns its path. */
export async function saveChromeTrace(spans: readonly Span[], file: string, label?: string): Promise<string> {
  await writeFile(file, JSON.stringify(toChromeTrace(spans, label)));
  return file;
}
