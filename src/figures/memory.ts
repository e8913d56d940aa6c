import { rangeError, typeError } from "../errors";
import type { MemoryPerUnit, MemoryUnit } from "../experiment/unit-costs";
import { nodeUnitOf, UNIT_STRATEGIES } from "../strategies/descriptors";
import type { Figure } from "./figure";
import { axis, baseLayout, checkFinite, checkNonEmptyArray, checkOptions, plotlyConfig, strategyColor } from "./style";
import { formatBytes } from "../measure/format";

/** A unit's name in a reader's words, from its strategy's descriptor ("worker thread"). */
const unitName = (strategy: MemoryUnit): string => nodeUnitOf(strategy)?.name ?? strategy;
const METRICS: Readonly<Record<MemoryPerUnit["metric"], string>> = {
  heap: "V8 heap growth of this thread",
  rss: "resident memory growth of this process",
  pss: "proportional set size of the children",
  "rss-children": "resident sets of the children (shared pages counted in each)",
};
const KB = 1024;
const FIX = "pass what measureMemory() returned, e.g. [await measureMemory(\"async\", 10_000), …]";

export { formatBytes };

const TICK_UNITS = ["B", "KB", "MB", "GB"];
const TICKS = TICK_UNITS.flatMap((unit, p) => [1, 10, 100].map((m) => ({ value: m * KB ** p, label: `${m} ${unit}` })));

/** Log-axis ticks at 1, 10, 100 × B, KB, MB, GB that cover [low, high], with their labels. */
export function byteTicks(low: number, high: number): { values: number[]; labels: string[] } {
  let first = 0;
  while (first + 1 < TICKS.length && TICKS[first + 1]!.value <= low) first++;
  let last = first;
  while (last + 1 < TICKS.length && TICKS[last]!.value < high) last++;
  const shown = TICKS.slice(first, last + 1);
  return { values: shown.map((t) => t.value), labels: shown.map((t) => t.label) };
}

/** The bar labels name the units, so there is no legend (plotly.validate trips on an unused one). */
function withoutLegend(layout: Record<string, unknown>): Record<string, unknown> {
  const { legend: _unused, ...rest } = layout;
  return { ...rest, showlegend: false };
}

/**
 * What one more unit of concurrency costs: a bar per unit kind (async task, worker thread, child
 * process) of bytes per unit, on a log axis since they differ by orders of magnitude.
 */
export function memoryPerUnitFigure(measures: readonly MemoryPerUnit[], options?: { title?: string }): Figure {
  checkNonEmptyArray<MemoryPerUnit>("measures", measures, "memory measures", FIX);
  checkOptions("options", options, '{ title: "…" }');
  measures.forEach((m, i) => {
    if (typeof m !== "object" || m === null) throw typeError(`measures[${i}]`, "a MemoryPerUnit { strategy, count, bytesPerUnit, … }", m, FIX);
    if (!nodeUnitOf(m.strategy)) throw rangeError(`measures[${i}].strategy`, `one of ${UNIT_STRATEGIES.map((key) => `"${key}"`).join(", ")}`, m.strategy, FIX);
    if (!Object.hasOwn(METRICS, m.metric)) throw rangeError(`measures[${i}].metric`, 'one of "heap", "rss", "pss", "rss-children"', m.metric, FIX);
    checkFinite(`measures[${i}].bytesPerUnit`, m.bytesPerUnit, 0, "memory cannot be negative; " + FIX);
    checkFinite(`measures[${i}].count`, m.count, 1, FIX);
  });

  const seen = new Map<string, number>();
  const labels = measures.map((m) => {
    const base = `${unitName(m.strategy)}<br>(${m.metric}, ${m.count.toLocaleString("en-US")} started)`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base} #${n}`;
  });
  // A log axis has no 0: a measure that found no growth is drawn at 1 byte, labelled with its value.
  const heights = measures.map((m) => Math.max(1, m.bytesPerUnit));
  const colors = measures.map((m) => strategyColor(m.strategy));
  const ticks = byteTicks(Math.min(...heights), Math.max(...heights));
  const top = Math.max(Math.log10(ticks.values[ticks.values.length - 1]!), Math.log10(Math.max(...heights)) + 0.4);

  return {
    data: [
      {
        type: "bar",
        name: "bytes per unit",
        x: labels,
        y: heights,
        text: measures.map((m) => formatBytes(m.bytesPerUnit)),
        textposition: "outside",
        cliponaxis: false,
        marker: { color: colors, line: { color: "#333333", width: 1 } },
        hovertext: measures.map(
          (m) =>
            `<b>${unitName(m.strategy)}</b>: ${formatBytes(m.bytesPerUnit)} each<br>` +
            `${formatBytes(m.totalBytes)} for ${m.count.toLocaleString("en-US")}<br>metric: ${m.metric} (${METRICS[m.metric]})`,
        ),
        hoverinfo: "text",
        showlegend: false,
      },
    ],
    layout: {
      ...withoutLegend(baseLayout(options?.title ?? "Memory one more unit of concurrency costs")),
      xaxis: axis("unit of concurrency (metric measured)", { type: "category" }),
      yaxis: axis("memory per unit (bytes, log scale)", {
        type: "log",
        tickvals: ticks.values,
        ticktext: ticks.labels,
        range: [Math.log10(ticks.values[0]!), top],
      }),
      bargap: 0.4,
    },
    config: plotlyConfig(),
  };
}
