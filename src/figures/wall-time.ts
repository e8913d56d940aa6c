import { typeError } from "../errors";
import type { CompareResult, StrategyResult } from "../experiment/compare";
import type { Figure, Trace } from "./figure";
import { axis, baseLayout, checkNonEmptyArray, checkOptions, checkStat, formatArg, formatMs, plotlyConfig, strategyColor, strategyName, textColorOn } from "./style";

const FIX = "pass the result of compare() as it came back";

/** "suspect: a speedup of 5.20x is above the 4 that 4 core(s) allow…" → its first clause, short. */
function shortSuspect(reasons: readonly string[]): string {
  const first = (reasons[0] ?? "").split(/[:,;]/)[0]!.trim();
  const short = first.length > 48 ? `${first.slice(0, 47)}…` : first;
  return `suspect: ${short}${reasons.length > 1 ? ` (+${reasons.length - 1} more)` : ""}`;
}

function hoverText(s: StrategyResult): string {
  const { median, min, max } = s.wallMs;
  const lines = [
    `<b>${strategyName(s.strategy)}</b>`,
    `median ${formatMs(median)} ms of ${s.wallMs.samples.length} repeat(s)`,
    `min–max ${formatMs(min)}–${formatMs(max)} ms`,
    s.speedup
      ? `speedup ×${s.speedup.median.toFixed(2)} (min–max ×${s.speedup.min.toFixed(2)}–×${s.speedup.max.toFixed(2)}; ideal ×${s.idealSpeedup})`
      : "speedup: no sequential run to compare with",
    s.efficiency === null ? "efficiency: n/a" : `efficiency ${(s.efficiency * 100).toFixed(0)}%`,
  ];
  for (const reason of s.suspect) lines.push(`suspect: ${reason.length > 90 ? `${reason.slice(0, 89)}…` : reason}`);
  return lines.join("<br>");
}

/**
 * One bar per strategy at its median wall time, whiskers from the fastest to the slowest repeat,
 * each repeat as a dot over its bar. Strategies that failed a sanity check are hatched and labelled.
 */
export function wallTimeFigure(result: CompareResult, options?: { title?: string }): Figure {
  if (typeof result !== "object" || result === null) {
    throw typeError("result", "a CompareResult (what compare() returns)", result, "pass the value of await compare({ … })");
  }
  checkOptions("options", options, '{ title: "…" }');
  const strategies = checkNonEmptyArray<StrategyResult>("result.strategies", result.strategies, "strategy results", FIX);
  strategies.forEach((s, i) => {
    if (typeof s !== "object" || s === null || typeof s.strategy !== "string") {
      throw typeError(`result.strategies[${i}]`, "a strategy result { strategy, wallMs, … }", s, FIX);
    }
    checkStat(`result.strategies[${i}].wallMs`, s.wallMs, FIX);
  });

  const names = strategies.map((s) => strategyName(s.strategy));
  const colors = strategies.map((s) => strategyColor(s.strategy));
  const medians = strategies.map((s) => s.wallMs.median);
  const suspect = strategies.map((s) => Array.isArray(s.suspect) && s.suspect.length > 0);

  const bars: Trace = {
    type: "bar",
    name: "median (whiskers: min–max)",
    x: names,
    y: medians,
    text: medians.map((m) => `${formatMs(m)} ms`),
    textposition: "inside",
    insidetextanchor: "end",
    textfont: { color: colors.map(textColorOn) },
    marker: {
      color: colors,
      line: { color: "#333333", width: 1 },
      pattern: { shape: suspect.map((x) => (x ? "/" : "")), fgcolor: "#c0392b", solidity: 0.35 },
    },
    error_y: {
      type: "data",
      symmetric: false,
      array: strategies.map((s) => s.wallMs.max - s.wallMs.median),
      arrayminus: strategies.map((s) => s.wallMs.median - s.wallMs.min),
      color: "#333333",
      thickness: 1.5,
      width: 8,
    },
    hovertext: strategies.map(hoverText),
    hoverinfo: "text",
  };
  const dots: Trace = {
    type: "scatter",
    mode: "markers",
    name: "one repeat",
    x: strategies.flatMap((s, i) => s.wallMs.samples.map(() => names[i]!)),
    y: strategies.flatMap((s) => [...s.wallMs.samples]),
    customdata: strategies.flatMap((s) => s.wallMs.samples.map((_, r) => r + 1)),
    hovertemplate: "%{x}<br>repeat %{customdata}: %{y:.1f} ms<extra></extra>",
    marker: { color: "#111111", size: 7, opacity: 0.75, symbol: "circle-open", line: { width: 1.5 } },
  };

  const annotations = strategies.flatMap((s, i) =>
    suspect[i]
      ? [{ x: names[i], y: s.wallMs.max, yanchor: "bottom", yshift: 6, showarrow: false, text: shortSuspect(s.suspect), font: { size: 12, color: "#c0392b" } }]
      : [],
  );

  const args = Array.isArray(result.args) ? result.args.map(formatArg).join(", ") : "";
  const title = options?.title ?? `${result.copies} × ${result.task}(${args}) — wall time per strategy`;
  return {
    data: [bars, dots],
    layout: {
      ...baseLayout(title),
      xaxis: axis("strategy (all copies run once per bar)", { type: "category" }),
      yaxis: axis("wall time of one run (ms)", { rangemode: "tozero" }),
      annotations,
      bargap: 0.35,
    },
    config: plotlyConfig(),
  };
}
