/**
 * The look every plot of the course shares: one colour, marker and line per strategy (the same in
 * every figure), display names, the base layout for a printed handout, and the plotly config.
 * Also the small input checks the figure builders share.
 */
import { rangeError, typeError } from "../errors";
import type { Stat } from "../measure/stats";
import { STRATEGIES, strategyDescriptor, type StrategyStyle } from "../strategies/descriptors";
import type { Layout } from "./figure";

export type { StrategyStyle };

/** The strategy keys that have their own style (every strategy's descriptor carries one), Node first, then CPython. */
export const STYLED_STRATEGIES: readonly string[] = Object.keys(STRATEGIES);

/** For series that are not a strategy (loop-lag labels…): dark to light, distinct in grey. */
export const SERIES_COLORS: readonly string[] = ["#1b1b1b", "#c0392b", "#2c7fb8", "#7fbf7b", "#999999"];

const OTHER_COLOR = "#8c8c8c";

/** The style of a strategy key; an unknown key gets grey and its own key as its name. */
export function strategyStyle(strategy: string): StrategyStyle {
  return strategyDescriptor(strategy)?.style ?? { name: strategy, color: OTHER_COLOR, symbol: "x", dash: "solid" };
}

export function strategyColor(strategy: string): string {
  return strategyStyle(strategy).color;
}

/** How a strategy key reads in a figure: `threads` → `worker threads`. */
export function strategyName(strategy: string): string {
  return strategyStyle(strategy).name;
}

/** Black or white, whichever reads better on the given `#rrggbb` colour (for text inside bars). */
export function textColorOn(background: string): string {
  const channel = (i: number): number => {
    const c = parseInt(background.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  return luminance > 0.25 ? "#111111" : "#ffffff";
}

export const FONT = { family: "Helvetica, Arial, sans-serif", size: 14, color: "#111111" } as const;
export const DEFAULT_HEIGHT = 420;

/** What every figure passes to `Plotly.newPlot` as config. */
const PLOTLY_CONFIG: Readonly<Record<string, unknown>> = Object.freeze({
  displaylogo: false,
  responsive: true,
  toImageButtonOptions: Object.freeze({ format: "svg" }),
});

export function plotlyConfig(): Record<string, unknown> {
  return { ...PLOTLY_CONFIG, toImageButtonOptions: { format: "svg" } };
}

/** An axis with its title (which should name the unit), light grid and outside ticks. */
export function axis(title: string, extra: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  return {
    title: { text: title, standoff: 12 },
    gridcolor: "#e3e3e3",
    linecolor: "#444444",
    showline: true,
    ticks: "outside",
    zeroline: false,
    automargin: true,
    ...extra,
  };
}

/** The layout every figure starts from: white, large type, title top left, legend above the plot. */
export function baseLayout(title: string, height: number = DEFAULT_HEIGHT): Record<string, unknown> & Layout {
  const heading = { text: title, x: 0, xanchor: "left", xref: "paper", y: 0.97, yanchor: "top", font: { size: 18 } };
  return {
    title: heading,
    font: { ...FONT },
    height,
    margin: { l: 80, r: 30, t: 100, b: 80 },
    paper_bgcolor: "#ffffff",
    plot_bgcolor: "#ffffff",
    legend: { orientation: "h", x: 0, xanchor: "left", y: 1.02, yanchor: "bottom", bgcolor: "rgba(255,255,255,0)" },
    hoverlabel: { font: { family: FONT.family, size: 13 } },
  };
}

/** Milliseconds with the precision a reader needs: 1234 → "1234", 12.34 → "12.3", 1.234 → "1.23". */
export function formatMs(ms: number): string {
  const a = Math.abs(ms);
  return a >= 100 ? ms.toFixed(0) : a >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

/** A task argument as it reads in a call: numbers with `_` every three digits, strings quoted. */
export function formatArg(value: unknown): string {
  if (typeof value === "number" && Number.isInteger(value) && Math.abs(value) >= 10_000) {
    return String(value).replace(/\B(?=(\d{3})+$)/g, "_");
  }
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (value === undefined) return "undefined";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 30 ? `${text.slice(0, 27)}...` : text;
}

// --- input checks shared by the builders -------------------------------------------------------

/** Checks an optional options object and its optional `title`. */
export function checkOptions<T extends { readonly title?: string }>(param: string, options: T | undefined, example: string): T | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw typeError(param, "an object", options, `pass e.g. ${example}, or leave it out`);
  }
  if (options.title !== undefined && (typeof options.title !== "string" || options.title.trim() === "")) {
    throw typeError(`${param}.title`, "a non-empty string", options.title, "give the figure a title, or leave title out for the default");
  }
  return options;
}

export function checkNonEmptyArray<T>(param: string, value: readonly T[] | unknown, what: string, fix: string): readonly T[] {
  if (!Array.isArray(value)) throw typeError(param, `an array of ${what}`, value, fix);
  if (value.length === 0) throw rangeError(param, `a non-empty array of ${what}`, value, fix);
  return value as readonly T[];
}

export function checkFinite(param: string, value: unknown, min: number, fix: string): number {
  const expected = min === -Infinity ? "a finite number" : `a finite number ≥ ${min}`;
  if (typeof value !== "number") throw typeError(param, expected, value, fix);
  if (!Number.isFinite(value) || value < min) throw rangeError(param, expected, value, fix);
  return value;
}

/** Checks that `value` looks like a Stat (median within [min, max]), as summarize() makes one. */
export function checkStat(param: string, value: unknown, fix: string): Stat {
  if (typeof value !== "object" || value === null) {
    throw typeError(param, "a Stat { median, min, max, samples, … }", value, fix);
  }
  const stat = value as Stat;
  for (const field of ["median", "min", "max"] as const) checkFinite(`${param}.${field}`, stat[field], -Infinity, fix);
  if (!(stat.min <= stat.median && stat.median <= stat.max)) {
    throw new RangeError(
      `${param} must have min ≤ median ≤ max, got min ${stat.min}, median ${stat.median}, max ${stat.max}; ${fix}`,
    );
  }
  if (stat.samples !== undefined && !Array.isArray(stat.samples)) {
    throw typeError(`${param}.samples`, "an array of numbers", stat.samples, fix);
  }
  return stat;
}

export function checkString(param: string, value: unknown, fix: string): string {
  if (typeof value !== "string" || value === "") throw typeError(param, "a non-empty string", value, fix);
  return value;
}
