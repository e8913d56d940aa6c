import { checkInteger, rangeError, typeError } from "../errors";
import type { Span } from "../measure/spans";
import type { Figure, Trace } from "./figure";
import { axis, baseLayout, checkFinite, checkNonEmptyArray, checkOptions, formatMs, plotlyConfig, strategyColor, strategyName, textColorOn } from "./style";

export interface TimelineOptions {
  readonly title?: string;
  /** Which timed repeat to show (0-based). @default 0 */
  readonly repeat?: number;
  /** Measure each strategy's spans from its own first start, so strategies line up at 0. @default false */
  readonly alignStrategies?: boolean;
}

const FIX = "pass a compare() result, or the spans of a compare() or run() result (result.spans, or result.strategies.flatMap((s) => s.spans))";

/** A comparison whose every strategy's spans a timeline shows (a CompareResult is one). */
export interface WithSpans {
  readonly strategies: readonly { readonly spans: readonly Span[] }[];
}

/** The spans to draw: given as they are, or every strategy's spans of a comparison. */
export function spansOf(input: readonly Span[] | WithSpans): readonly Span[] {
  if (Array.isArray(input)) return input;
  const strategies = (input as Partial<WithSpans> | null)?.strategies;
  return Array.isArray(strategies) ? strategies.flatMap((s: { readonly spans?: readonly Span[] }) => (Array.isArray(s?.spans) ? s.spans : [])) : (input as readonly Span[]);
}

function checkSpan(span: unknown, i: number): Span {
  const param = `spans[${i}]`;
  if (typeof span !== "object" || span === null) throw typeError(param, "a Span { strategy, lane, copy, startMs, endMs, … }", span, FIX);
  const s = span as Span;
  if (typeof s.strategy !== "string") throw typeError(`${param}.strategy`, "a strategy key", s.strategy, FIX);
  if (typeof s.lane !== "string") throw typeError(`${param}.lane`, "a lane name such as \"thread 3\"", s.lane, FIX);
  checkFinite(`${param}.startMs`, s.startMs, -Infinity, FIX);
  checkFinite(`${param}.endMs`, s.endMs, s.startMs, "a span cannot end before it starts; " + FIX);
  return s;
}

/**
 * A Gantt chart of one repeat: a row per lane (main thread, worker thread, process) grouped by
 * strategy, a bar per copy from its start to its end, in ms since the earliest span shown. Takes a
 * compare() result (every strategy's spans) or the spans themselves.
 */
export function timelineFigure(input: readonly Span[] | WithSpans, options?: TimelineOptions): Figure {
  const spans = spansOf(input);
  checkNonEmptyArray<Span>("spans", spans, "spans", FIX);
  checkOptions("options", options, "{ repeat: 1 }");
  const all = spans.map(checkSpan);
  const repeats = [...new Set(all.map((s) => s.repeat))].sort((a, b) => a - b);
  const repeat = checkInteger("options.repeat", options?.repeat ?? 0, 0, Number.MAX_SAFE_INTEGER, "pick a timed repeat, counted from 0");
  if (options?.alignStrategies !== undefined && typeof options.alignStrategies !== "boolean") {
    throw typeError("options.alignStrategies", "true or false", options.alignStrategies, "leave it out to measure every span from the earliest one");
  }
  const shown = all.filter((s) => s.repeat === repeat);
  if (shown.length === 0) {
    throw rangeError("options.repeat", `one of the repeats the spans hold (${repeats.join(", ")})`, repeat, "pick one of those, or leave repeat out for 0");
  }

  const strategies = [...new Set(shown.map((s) => s.strategy))];
  const origin = new Map<string, number>();
  const earliest = Math.min(...shown.map((s) => s.startMs));
  for (const key of strategies) {
    origin.set(key, options?.alignStrategies ? Math.min(...shown.filter((s) => s.strategy === key).map((s) => s.startMs)) : earliest);
  }

  const rowOf = (s: Span): string => `${s.strategy} · ${s.lane}`;
  // Rows: strategies in the order they appear, lanes within one in the order they first started.
  const rows: string[] = [];
  for (const key of strategies) {
    const lanes = new Map<string, number>();
    for (const s of shown) if (s.strategy === key) lanes.set(s.lane, Math.min(lanes.get(s.lane) ?? Infinity, s.startMs));
    const ordered = [...lanes].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
    for (const [lane] of ordered) rows.push(`${key} · ${lane}`);
  }

  const data: Trace[] = strategies.map((key) => {
    const mine = shown.filter((s) => s.strategy === key).sort((a, b) => a.startMs - b.startMs || a.copy - b.copy);
    const zero = origin.get(key)!;
    const color = strategyColor(key);
    return {
      type: "bar",
      orientation: "h",
      name: strategyName(key),
      y: mine.map(rowOf),
      base: mine.map((s) => s.startMs - zero),
      x: mine.map((s) => s.endMs - s.startMs),
      text: mine.map((s) => `copy ${s.copy}`),
      textposition: "inside",
      insidetextanchor: "middle",
      textfont: { color: textColorOn(color), size: 12 },
      marker: { color, line: { color: "#333333", width: 1 } },
      hovertext: mine.map(
        (s) =>
          `${strategyName(key)} · ${s.lane}<br>copy ${s.copy}: ${formatMs(s.startMs - zero)}–${formatMs(s.endMs - zero)} ms ` +
          `(${formatMs(s.endMs - s.startMs)} ms)`,
      ),
      hoverinfo: "text",
    };
  });

  const title = options?.title ?? `Where and when each copy ran (repeat ${repeat})`;
  return {
    data,
    layout: {
      ...baseLayout(title, Math.max(320, 150 + 30 * rows.length)),
      barmode: "overlay",
      bargap: 0.25,
      xaxis: axis(options?.alignStrategies ? "time since each strategy's run started (ms)" : "time since the run started (ms)", { rangemode: "tozero" }),
      yaxis: axis("strategy · lane (thread or process)", {
        type: "category",
        categoryorder: "array",
        categoryarray: rows,
        autorange: "reversed",
        gridcolor: "rgba(0,0,0,0)",
      }),
    },
    config: plotlyConfig(),
  };
}
