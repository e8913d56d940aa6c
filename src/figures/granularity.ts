/**
 * Chapter 10's figures: speedup against task size (log x), Amdahl's curve over measured speedups
 * with the fit's band, and message round trips against payload size (log-log).
 */
import type { Stat } from "../measure/stats";
import type { Figure, Trace } from "./figure";
import { axis, baseLayout, plotlyConfig, SERIES_COLORS } from "./style";

const whiskers = (stats: readonly Stat[]): Record<string, unknown> => ({
  type: "data",
  symmetric: false,
  array: stats.map((s) => s.max - s.median),
  arrayminus: stats.map((s) => s.median - s.min),
  thickness: 1,
  width: 3,
});

/** Speedup of the job cut into tasks over the job in one piece, against one task's size, a line per worker count; `dispatchUs` marks the round trip of one task. */
export function granularityFigure(points: readonly { readonly taskUs: number; readonly workers: number; readonly speedup: Stat }[], dispatchUs: number): Figure {
  if (points.length === 0) throw new RangeError("points must hold at least one configuration; measure with granularity.granularityRun() first");
  const workers = [...new Set(points.map((p) => p.workers))].sort((a, b) => a - b);
  const xs = points.map((p) => p.taskUs);
  const data: Trace[] = workers.map((w, i) => {
    const mine = points.filter((p) => p.workers === w).sort((a, b) => a.taskUs - b.taskUs);
    return {
      type: "scatter",
      mode: "lines+markers",
      name: `${w} worker thread${w === 1 ? "" : "s"}`,
      x: mine.map((p) => p.taskUs),
      y: mine.map((p) => p.speedup.median),
      error_y: whiskers(mine.map((p) => p.speedup)),
      line: { color: SERIES_COLORS[(i + 1) % SERIES_COLORS.length] },
    };
  });
  data.push({ type: "scatter", mode: "lines", name: "one piece on one thread (1x)", x: [Math.min(...xs), Math.max(...xs)], y: [1, 1], line: { color: "#999999", dash: "dot" } });
  const layout = {
    ...baseLayout("Speedup over the job in one piece, by task size"),
    xaxis: axis("one task's work (µs, log scale)", { type: "log" }),
    yaxis: axis("speedup (x)", { rangemode: "tozero" }),
    shapes: [{ type: "line", x0: dispatchUs, x1: dispatchUs, yref: "paper", y0: 0, y1: 1, line: { color: SERIES_COLORS[1], dash: "dash", width: 1 } }],
    annotations: [{ x: Math.log10(dispatchUs), yref: "paper", y: 1, text: `one task's round trip: ${dispatchUs.toFixed(0)} µs`, showarrow: false, yanchor: "bottom", font: { size: 12 } }],
  };
  return { data, layout, config: plotlyConfig() };
}

/** Measured speedups of jobs with a built-in serial fraction, and Amdahl's curve at each fitted fraction with the fit's 95 % band. */
export function amdahlFigure(
  points: readonly { readonly serial: number; readonly workers: number; readonly speedup: Stat }[],
  fits: readonly { readonly serial: number | null; readonly fitted: number; readonly interval: { readonly low: number; readonly high: number } }[],
): Figure {
  if (points.length === 0) throw new RangeError("points must hold at least one job; measure with granularity.amdahlRun() first");
  const maxWorkers = Math.max(...points.map((p) => p.workers));
  const ps = Array.from({ length: 41 }, (_, i) => 1 + ((maxWorkers - 1) * i) / 40);
  const law = (s: number, p: number): number => 1 / (s + (1 - s) / p);
  const fractions = [...new Set(points.map((p) => p.serial))].sort((a, b) => a - b);
  const data: Trace[] = [];
  fractions.forEach((s, i) => {
    const color = SERIES_COLORS[(i + 1) % SERIES_COLORS.length]!;
    const mine = points.filter((p) => p.serial === s).sort((a, b) => a.workers - b.workers);
    const fit = fits.find((f) => f.serial === s);
    if (fit && Number.isFinite(fit.interval.low) && Number.isFinite(fit.interval.high)) {
      const lo = Math.max(0, Math.min(1, fit.interval.high));
      const hi = Math.max(0, Math.min(1, fit.interval.low));
      data.push({ type: "scatter", mode: "lines", x: [...ps, ...[...ps].reverse()], y: [...ps.map((p) => law(hi, p)), ...[...ps].reverse().map((p) => law(lo, p))], fill: "toself", fillcolor: color, opacity: 0.15, line: { width: 0 }, showlegend: false, hoverinfo: "skip" });
    }
    if (fit) data.push({ type: "scatter", mode: "lines", name: `Amdahl at fitted s = ${fit.fitted.toFixed(2)}`, x: ps, y: ps.map((p) => law(Math.max(0, fit.fitted), p)), line: { color, dash: "dash" } });
    data.push({ type: "scatter", mode: "markers", name: `measured, built-in s = ${s}`, x: mine.map((p) => p.workers), y: mine.map((p) => p.speedup.median), error_y: whiskers(mine.map((p) => p.speedup)), marker: { color, size: 9 } });
  });
  const layout = {
    ...baseLayout("Jobs with a serial part: measured speedup and Amdahl's law"),
    xaxis: axis("worker threads", { dtick: 1 }),
    yaxis: axis("speedup over one piece (x)", { rangemode: "tozero" }),
  };
  return { data, layout, config: plotlyConfig() };
}

/** Round trip against payload size, log-log, a line per way of sending. */
export function messageCostFigure(points: readonly { readonly way: string; readonly bytes: number; readonly roundTripMs: Stat }[]): Figure {
  if (points.length === 0) throw new RangeError("points must hold at least one size; measure with granularity.messagesRun() first");
  const names: Record<string, string> = { clone: "structured clone (copied)", transfer: "transfer list (moved)", shared: "SharedArrayBuffer (a handle)", "python-pickle": "CPython: pickled through a Pipe to a process" };
  const ways = [...new Set(points.map((p) => p.way))];
  const data: Trace[] = ways.map((way, i) => {
    const mine = points.filter((p) => p.way === way).sort((a, b) => a.bytes - b.bytes);
    return {
      type: "scatter",
      mode: "lines+markers",
      name: names[way] ?? way,
      x: mine.map((p) => p.bytes),
      y: mine.map((p) => p.roundTripMs.median * 1000),
      error_y: whiskers(mine.map((p) => ({ ...p.roundTripMs, median: p.roundTripMs.median * 1000, min: p.roundTripMs.min * 1000, max: p.roundTripMs.max * 1000 }))),
      line: { color: SERIES_COLORS[i % SERIES_COLORS.length], dash: way === "python-pickle" ? "dot" : "solid" },
    };
  });
  const layout = {
    ...baseLayout("A message's round trip by payload size"),
    xaxis: axis("payload (bytes, log scale)", { type: "log" }),
    yaxis: axis("round trip (µs, log scale)", { type: "log" }),
  };
  return { data, layout, config: plotlyConfig() };
}
