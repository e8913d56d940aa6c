/** Figures of one number per unit of concurrency, sampled: start-up latency and the cost of a switch. */
import { formatDuration } from "../measure/format";
import type { StartupSamples, SwitchSamples } from "../experiment/unit-costs";
import { median } from "../measure/stats";
import { nodeUnitOf } from "../strategies/descriptors";
import type { Figure } from "./figure";
import { axis, baseLayout, checkNonEmptyArray, checkOptions, plotlyConfig, strategyColor } from "./style";


/** Samples of one unit of concurrency: start-up latencies, or times per handoff. */
interface UnitSamples {
  readonly strategy: StartupSamples["strategy"];
  readonly samplesMs: readonly number[];
}

/** Every sample as a dot and the median as a bar behind them, per unit, on a log axis. */
function perUnitFigure(measures: readonly UnitSamples[], title: string, valueAxis: string): Figure {
  const floorMs = 0.00001; // a log axis cannot show 0: a sample that took "0 ms" is drawn at 0.01 µs
  const data = measures.flatMap((m) => {
    // The unit's name and colour are its strategy's, from the descriptor.
    const name = nodeUnitOf(m.strategy)?.name ?? m.strategy;
    const color = strategyColor(m.strategy);
    const mid = median(m.samplesMs);
    return [
      { type: "bar" as const, name: `${name} median`, x: [name], y: [Math.max(floorMs, mid)], marker: { color, opacity: 0.25 }, text: [formatDuration(mid)], textposition: "outside", hoverinfo: "y+name", showlegend: false },
      {
        type: "scatter" as const, mode: "markers", name, x: m.samplesMs.map(() => name), y: m.samplesMs.map((v) => Math.max(floorMs, v)),
        marker: { color, size: 8, opacity: 0.6 }, hovertemplate: "%{y:.5f} ms<extra>%{x}</extra>", showlegend: false,
      },
    ];
  });
  return {
    data,
    layout: { ...baseLayout(title), xaxis: axis("unit of concurrency"), yaxis: axis(`${valueAxis} (ms, log scale)`, { type: "log" }), showlegend: false },
    config: plotlyConfig(),
  };
}

/**
 * Start-up latency as a distribution: every sample as a dot, the median as a bar behind them, on a
 * log axis (microseconds to hundreds of milliseconds).
 */
export function startupFigure(measures: readonly StartupSamples[], options?: { title?: string }): Figure {
  checkNonEmptyArray("measures", measures, "start-up samples", 'pass what measureStartup() returned, e.g. [await measureStartup("threads", 15)]');
  const checked = checkOptions("options", options, "{ title: \"Start-up\" }");
  return perUnitFigure(measures, checked?.title ?? "Start-up latency: from asking to the first line of code", "start-up latency");
}

/** The time to hand the turn to the other unit, per round, as measureSwitches() took it. */
export function switchCostFigure(measures: readonly SwitchSamples[], options?: { title?: string }): Figure {
  checkNonEmptyArray("measures", measures, "switching samples", "pass what measureSwitches() or switchingCosts() returned");
  const checked = checkOptions("options", options, "{ title: \"Switching\" }");
  return perUnitFigure(measures, checked?.title ?? "One handoff: the time to pass the turn to the other unit", "time per handoff");
}
