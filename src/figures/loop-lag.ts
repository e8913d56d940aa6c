import { typeError } from "../errors";
import type { LoopLagResult } from "../measure/loop-lag";
import type { Figure, Trace } from "./figure";
import { axis, baseLayout, checkFinite, checkNonEmptyArray, checkOptions, checkString, formatMs, plotlyConfig, SERIES_COLORS, strategyStyle } from "./style";

export interface LoopLagSeries {
  /** What ran while the timer was watched, e.g. "CPU task on the main thread". */
  readonly label: string;
  readonly lag: LoopLagResult<unknown>;
  /** A strategy key whose colour this series takes; without it, series get distinct greys and reds. */
  readonly strategy?: string;
}

const FIX = 'pass [{ label: "…", lag: await loopLag(() => work()) }, …]';

/**
 * How late the probe timer fired over time, a series per label: a blocked event loop shows as a
 * gap with one very late tick, a free one as a flat line near 0.
 */
export function loopLagFigure(series: readonly LoopLagSeries[], options?: { title?: string }): Figure {
  checkNonEmptyArray<LoopLagSeries>("series", series, "{ label, lag } series", FIX);
  checkOptions("options", options, '{ title: "…" }');
  series.forEach((s, i) => {
    if (typeof s !== "object" || s === null) throw typeError(`series[${i}]`, "a { label, lag } object", s, FIX);
    checkString(`series[${i}].label`, s.label, FIX);
    if (typeof s.lag !== "object" || s.lag === null || !Array.isArray(s.lag.ticks)) {
      throw typeError(`series[${i}].lag`, "a LoopLagResult (what loopLag() returns)", s.lag, FIX);
    }
    s.lag.ticks.forEach((t, j) => {
      checkFinite(`series[${i}].lag.ticks[${j}].atMs`, t?.atMs, 0, FIX);
      checkFinite(`series[${i}].lag.ticks[${j}].lateMs`, t?.lateMs, 0, FIX);
    });
    if (s.strategy !== undefined) checkString(`series[${i}].strategy`, s.strategy, "a strategy key such as \"threads\", or leave it out");
  });

  const data: Trace[] = series.map((s, i) => {
    const color = s.strategy ? strategyStyle(s.strategy).color : SERIES_COLORS[i % SERIES_COLORS.length]!;
    const max = s.lag.ticks.reduce((m, t) => Math.max(m, t.lateMs), 0);
    return {
      type: "scatter",
      mode: "markers", // no lines: a blocked loop has no ticks between two points, and a line would invent them
      name: `${s.label} (at worst ${formatMs(max)} ms late)`,
      x: s.lag.ticks.map((t) => t.atMs),
      y: s.lag.ticks.map((t) => t.lateMs),
      line: { color, width: 2 },
      marker: { color, size: 6, symbol: ["circle", "square", "diamond", "triangle-up", "x"][i % 5] },
      hovertemplate: `${s.label}<br>at %{x:.0f} ms: %{y:.1f} ms late<extra></extra>`,
    };
  });

  const intervals = [...new Set(series.map((s) => s.lag.intervalMs))];
  const timer = intervals.length === 1 && typeof intervals[0] === "number" ? `a ${intervals[0]} ms timer` : "the probe timer";
  return {
    data,
    layout: {
      ...baseLayout(options?.title ?? `How late ${timer} fired while the work ran`),
      xaxis: axis("time since start (ms)", { rangemode: "tozero" }),
      yaxis: axis("timer lateness (ms)", { rangemode: "tozero" }),
    },
    config: plotlyConfig(),
  };
}
