import { checkInteger, typeError } from "../errors";
import type { Stat } from "../measure/stats";
import type { Figure, Trace } from "./figure";
import { axis, baseLayout, checkFinite, checkNonEmptyArray, checkOptions, checkStat, checkString, plotlyConfig, strategyStyle } from "./style";

export interface SpeedupPoint {
  readonly strategy: string;
  /** How many copies ran at once. */
  readonly workers: number;
  /** Sequential time / this strategy's time: a Stat over repeats (drawn with whiskers) or one number. */
  readonly speedup: Stat | number;
}

export interface SpeedupOptions {
  /** Cores of the machine that ran it (`result.environment.cores`): where the ideal line flattens. */
  readonly cores: number;
  readonly title?: string;
}

const FIX = "pass [{ strategy, workers, speedup }, …], e.g. from compare() runs at 1, 2, 4, 8 copies";

/** x positions of the ideal line y = min(x, cores): its ends and its knee. */
export function idealLine(cores: number, maxWorkers: number): { x: number[]; y: number[] } {
  const end = Math.max(maxWorkers, cores);
  const x = [...new Set([1, cores, end])].sort((a, b) => a - b);
  return { x, y: x.map((w) => Math.min(w, cores)) };
}

/**
 * Speedup over sequential against the number of workers, a line per strategy, beside the best any
 * machine with `cores` cores can do: y = min(x, cores).
 */
export function speedupFigure(points: readonly SpeedupPoint[], options: SpeedupOptions): Figure {
  checkNonEmptyArray<SpeedupPoint>("points", points, "{ strategy, workers, speedup } points", FIX);
  if (typeof options !== "object" || options === null) {
    throw typeError("options", "an object with cores", options, "pass e.g. { cores: result.environment.cores }");
  }
  checkOptions("options", options, "{ cores: 8 }");
  const cores = checkInteger("options.cores", options.cores, 1, 4096, "pass the machine's core count, e.g. result.environment.cores");
  const checked = points.map((p, i) => {
    if (typeof p !== "object" || p === null) throw typeError(`points[${i}]`, "a { strategy, workers, speedup } object", p, FIX);
    checkString(`points[${i}].strategy`, p.strategy, FIX);
    checkInteger(`points[${i}].workers`, p.workers, 1, 100_000, "the number of copies run at once, 1 or more");
    const stat = typeof p.speedup === "number" ? undefined : checkStat(`points[${i}].speedup`, p.speedup, "pass a number or result.strategies[i].speedup");
    const median = stat ? stat.median : checkFinite(`points[${i}].speedup`, p.speedup, 0, "a speedup is a ratio of times, 0 or more");
    return { strategy: p.strategy, workers: p.workers, median, min: stat?.min ?? median, max: stat?.max ?? median, hasStat: stat !== undefined };
  });

  const strategies = [...new Set(checked.map((p) => p.strategy))];
  const maxWorkers = Math.max(...checked.map((p) => p.workers));
  const ideal = idealLine(cores, maxWorkers);
  const coresLabel = `${cores} ${cores === 1 ? "core" : "cores"}`;

  const data: Trace[] = [
    {
      type: "scatter",
      mode: "lines",
      name: `ideal: min(workers, ${coresLabel})`,
      x: ideal.x,
      y: ideal.y,
      line: { color: "#777777", dash: "dash", width: 2 },
      hoverinfo: "skip",
    },
  ];
  for (const key of strategies) {
    const mine = checked.filter((p) => p.strategy === key).sort((a, b) => a.workers - b.workers);
    const style = strategyStyle(key);
    const trace: Record<string, unknown> & Trace = {
      type: "scatter",
      mode: "lines+markers",
      name: style.name,
      x: mine.map((p) => p.workers),
      y: mine.map((p) => p.median),
      line: { color: style.color, dash: style.dash, width: 2.5 },
      marker: { color: style.color, symbol: style.symbol, size: 9 },
      hovertemplate: `${style.name}<br>%{x} workers: ×%{y:.2f}<extra></extra>`,
    };
    data.push(
      mine.some((p) => p.hasStat)
        ? {
            ...trace,
            error_y: {
              type: "data",
              symmetric: false,
              array: mine.map((p) => p.max - p.median),
              arrayminus: mine.map((p) => p.median - p.min),
              color: style.color,
              thickness: 1.5,
              width: 5,
            },
          }
        : trace,
    );
  }

  const xEnd = Math.max(maxWorkers, cores);
  return {
    data,
    layout: {
      ...baseLayout(options.title ?? `Speedup against the number of workers (${coresLabel} here)`),
      xaxis: axis("workers (copies run at once)", { range: [0, xEnd + Math.max(0.5, xEnd * 0.05)] }),
      yaxis: axis("speedup over sequential (×)", { rangemode: "tozero" }),
      shapes: [{ type: "line", xref: "x", yref: "paper", x0: cores, x1: cores, y0: 0, y1: 1, line: { color: "#444444", dash: "dash", width: 1.5 } }],
      annotations: [
        { x: cores, xref: "x", y: 1, yref: "paper", yanchor: "top", xanchor: "left", xshift: 4, showarrow: false, text: coresLabel, font: { size: 12, color: "#444444" } },
      ],
    },
    config: plotlyConfig(),
  };
}
