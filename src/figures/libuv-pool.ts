/**
 * The figures of libuv's thread pool: when each of a batch of pool calls finished, per pool size
 * (a timeline), and how long calls took with the pool idle and with every pool thread busy.
 */
import { rangeError } from "../errors";
import type { HashBatches, PoolProbes, ProbeKind } from "../experiment/libuv-pool";
import type { Figure, Trace } from "./figure";
import { axis, baseLayout, formatMs, plotlyConfig, SERIES_COLORS, textColorOn } from "./style";

const FIX = "measure with hashBatches() or poolProbes() first";

/** The batch shown for a run: the one whose last call finished at the median time (a typical batch, not the luckiest). */
export function typicalBatch(run: HashBatches): readonly number[] {
  if (run.batches.length === 0) throw rangeError("run.batches", "at least one batch", run.batches, FIX);
  const byEnd = [...run.batches].sort((a, b) => Math.max(...a) - Math.max(...b));
  return byEnd[(byEnd.length - 1) >> 1]!;
}

/**
 * A timeline of one typical batch per pool size: a row per call, a bar from the moment all calls
 * were started to the moment its callback ran, calls sorted by when they finished.
 */
export function poolTimelineFigure(runs: readonly HashBatches[], options?: { readonly title?: string }): Figure {
  if (!Array.isArray(runs) || runs.length === 0) throw rangeError("runs", "a list of hashBatches() results", runs, FIX);
  const rows: string[] = [];
  const data: Trace[] = runs.map((run, i) => {
    const ends = [...typicalBatch(run)].sort((a, b) => a - b);
    const names = ends.map((_, k) => `${run.poolSize} threads · ${k + 1}${k === 0 ? "st" : k === 1 ? "nd" : k === 2 ? "rd" : "th"} done`);
    rows.push(...names);
    const color = SERIES_COLORS[(i + 1) % SERIES_COLORS.length]!;
    return {
      type: "bar",
      orientation: "h",
      name: `UV_THREADPOOL_SIZE=${run.poolSize}`,
      y: names,
      base: ends.map(() => 0),
      x: ends,
      text: ends.map((end) => `${formatMs(end)} ms`),
      textposition: "inside",
      insidetextanchor: "end",
      textfont: { color: textColorOn(color), size: 11 },
      marker: { color, line: { color: "#333333", width: 1 } },
      hovertext: ends.map((end, k) => `pool of ${run.poolSize}: call finished ${k + 1} of ${ends.length} at ${formatMs(end)} ms`),
      hoverinfo: "text",
    };
  });
  const calls = runs[0]!.calls;
  return {
    data,
    layout: {
      ...baseLayout(options?.title ?? `${calls} pbkdf2 calls started together: when each finished, per pool size`, Math.max(320, 150 + 24 * rows.length)),
      barmode: "overlay",
      bargap: 0.2,
      xaxis: axis("time since the calls were started (ms)", { rangemode: "tozero" }),
      yaxis: axis("pool size · order of finishing", { type: "category", categoryorder: "array", categoryarray: rows, autorange: "reversed", gridcolor: "rgba(0,0,0,0)" }),
    },
    config: plotlyConfig(),
  };
}

/** How each probe reads in a figure. */
export const PROBE_LABELS: Readonly<Record<ProbeKind, string>> = {
  stat: "fs.promises.stat",
  readFile: "fs.promises.readFile",
  statSync: "fs.statSync",
  lookup: "dns.lookup",
  resolve4: "resolver.resolve4",
};

/** A probe's latencies (ms) over the rounds, idle or busy: from its start to its callback; failed probes left out. */
export function probeLatencies(probes: PoolProbes, kind: ProbeKind, busy: boolean): number[] {
  return probes.rounds.filter((r) => r.busy === busy && r.probeEndsMs[kind] !== undefined).map((r) => r.probeEndsMs[kind]! - r.probeStartMs);
}

const median = (values: readonly number[]): number => {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? NaN : (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2;
};

/** Each probe's median latency with the pool idle and with every pool thread hashing, on a log scale. */
export function probeLatencyFigure(probes: PoolProbes, options?: { readonly title?: string }): Figure {
  if (!probes || !Array.isArray(probes.rounds) || probes.rounds.length === 0) throw rangeError("probes", "a poolProbes() result with rounds", probes, FIX);
  const kinds = probes.kinds;
  const bars = (busy: boolean, color: string): Trace => {
    const y = kinds.map((kind) => median(probeLatencies(probes, kind, busy)));
    return {
      type: "bar",
      name: busy ? `pool busy (${probes.busyHashes} hashes in flight)` : "pool idle",
      x: kinds.map((kind) => PROBE_LABELS[kind]),
      y,
      text: y.map((v) => (Number.isNaN(v) ? "failed" : `${formatMs(v)} ms`)),
      textposition: "outside",
      marker: { color },
    };
  };
  return {
    data: [bars(false, SERIES_COLORS[3]!), bars(true, SERIES_COLORS[1]!)],
    layout: {
      ...baseLayout(options?.title ?? `How long each call took, pool of ${probes.poolSize} idle or busy (median of ${probes.rounds.length / 2} rounds)`),
      barmode: "group",
      xaxis: axis("call"),
      yaxis: axis("from the call to its callback (ms, log scale)", { type: "log" }),
    },
    config: plotlyConfig(),
  };
}
