import type { StartupSamples } from "../measure/startup";
import { median } from "../measure/stats";
import type { Figure } from "./figure";
import { axis, baseLayout, checkNonEmptyArray, checkOptions, plotlyConfig, strategyColor } from "./style";

/** 0.0005 ms → "0.5 µs", 0.04 → "40 µs", 73.9 → "74 ms". */
export function latencyLabel(ms: number): string {
  if (ms < 0.001) return "< 1 µs";
  if (ms < 1) return `${Number((ms * 1000).toPrecision(2))} µs`;
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

const UNIT_NAMES = { async: "async task", threads: "worker thread", processes: "child process" } as const;
const STRATEGY_OF = { async: "async", threads: "threads", processes: "processes" } as const;

/**
 * Start-up latency as a distribution: every sample as a dot, the median as a bar behind them, on a
 * log axis (microseconds to hundreds of milliseconds).
 */
export function startupFigure(measures: readonly StartupSamples[], options?: { title?: string }): Figure {
  checkNonEmptyArray("measures", measures, "start-up samples", 'pass what measureStartup() returned, e.g. [await measureStartup("threads", 15)]');
  const checked = checkOptions("options", options, "{ title: \"Start-up\" }");
  const floorMs = 0.001; // a log axis cannot show 0: an async start that took "0 ms" is drawn at 1 µs
  const data = measures.flatMap((m) => {
    const name = UNIT_NAMES[m.strategy];
    const color = strategyColor(STRATEGY_OF[m.strategy]);
    const mid = median(m.samplesMs);
    return [
      { type: "bar" as const, name: `${name} median`, x: [name], y: [Math.max(floorMs, mid)], marker: { color, opacity: 0.25 }, text: [latencyLabel(mid)], textposition: "outside", hoverinfo: "y+name", showlegend: false },
      {
        type: "scatter" as const, mode: "markers", name, x: m.samplesMs.map(() => name), y: m.samplesMs.map((v) => Math.max(floorMs, v)),
        marker: { color, size: 8, opacity: 0.6 }, hovertemplate: "%{y:.3f} ms<extra>%{x}</extra>", showlegend: false,
      },
    ];
  });
  return {
    data,
    layout: {
      ...baseLayout(checked?.title ?? "Start-up latency: from asking to the first line of code"),
      xaxis: axis("unit of concurrency"),
      yaxis: axis("start-up latency (ms, log scale)", { type: "log" }),
      showlegend: false,
    },
    config: plotlyConfig(),
  };
}
