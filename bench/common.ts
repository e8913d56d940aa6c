/**
 * What every measurement of the benchmark shares: its options, summaries of samples (median, p99,
 * spread), the interleaving order, the goal records and the text table. Imports only Node and
 * `conclab`, so that `--cores-curve` runs with nothing but the built project.
 */
import * as path from "node:path";
import { median, quantile } from "conclab";

/** The repository root (this file compiles to build/bench/common.js). */
export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

export interface BenchOptions {
  /** Fewer rounds and smaller tasks: a smoke run, not figures to quote. */
  readonly quick: boolean;
  /** Where bench.json and bench.html go. */
  readonly outDir: string;
  /** Rounds of the dispatch measurement (at least 7). */
  readonly dispatchRounds?: number;
  /** Duration of one copy of the CPU task for the efficiency measurements, in ms. */
  readonly taskMs?: number;
  /** Timed repeats of each compare() in the efficiency measurements. */
  readonly repeats?: number;
  /** Values of k (copies at once) for the efficiency curve; default 1..cores. */
  readonly ks?: readonly number[];
  /** Add CPython's strategies to the cores curve (they are always in the efficiency measurement when Python is found). */
  readonly withPython: boolean;
  /** Leave CPython out even where it is found. */
  readonly noPython: boolean;
  /** Print progress lines on stderr. */
  readonly log: (line: string) => void;
}

/** A summary of repeated samples, in the samples' unit. */
export interface Summary {
  readonly n: number;
  readonly median: number;
  readonly p99: number;
  readonly min: number;
  readonly max: number;
  /** (max − min) / median. */
  readonly relativeSpread: number;
}

export function summary(samples: readonly number[]): Summary {
  if (samples.length === 0) return { n: 0, median: NaN, p99: NaN, min: NaN, max: NaN, relativeSpread: NaN };
  const mid = median(samples);
  const min = Math.min(...samples);
  const max = Math.max(...samples);
  return { n: samples.length, median: mid, p99: quantile(samples, 0.99), min, max, relativeSpread: mid === 0 ? 0 : (max - min) / mid };
}

/** Median of paired ratios a[i] / b[i] (both measured in round i), with their range. */
export function pairedRatio(a: readonly number[], b: readonly number[]): Summary {
  const n = Math.min(a.length, b.length);
  const ratios: number[] = [];
  for (let i = 0; i < n; i++) ratios.push(a[i]! / b[i]!);
  return summary(ratios);
}

/** Rejects when `promise` has not settled within `ms` (a contender that stopped answering). */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** Round `round`'s order of `items`: A B C, B C A, C A B… (each takes every position in turn). */
export function rotation<T>(items: readonly T[], round: number): T[] {
  const shift = round % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

/** One goal of the issue, as measured here. `met` is null when it was not measured. */
export interface Goal {
  readonly id: string;
  readonly goal: string;
  readonly measured: string;
  readonly met: boolean | null;
  /** What limits the result, when it misses (or why it was not measured). */
  readonly note?: string;
  /** A figure reported beside the goals, with no goal of its own. */
  readonly informational?: boolean;
}

/** A table as printed on stdout and written into the HTML page. */
export interface Table {
  readonly title: string;
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** Lines printed under the table. */
  readonly notes?: readonly string[];
}

/** What each measurement module returns. */
export interface Section<D = unknown> {
  /** Key in bench.json's `measurements`. */
  readonly key: string;
  readonly title: string;
  readonly data: D;
  readonly tables: readonly Table[];
  readonly goals: readonly Goal[];
  /** Plain plotly figures for bench.html. */
  readonly figures: readonly import("conclab").Figure[];
}

export function formatTable(table: Table): string {
  const widths = table.headers.map((h, i) => Math.max(h.length, ...table.rows.map((r) => (r[i] ?? "").length)));
  const numeric = table.headers.map((_, i) => table.rows.length > 0 && table.rows.every((r) => /^[-+]?[\d.,]+(x|%)?$|^[-–]$/.test((r[i] ?? "").trim())));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
  const out = [`== ${table.title}`, line(table.headers), widths.map((w) => "-".repeat(w)).join("  ")];
  for (const row of table.rows) out.push(line(row));
  for (const note of table.notes ?? []) out.push(`  ${note}`);
  return out.join("\n");
}

/** A number with `digits` decimals, or "-" when missing. */
export function fixed(value: number | null | undefined, digits = 2): string {
  return value === null || value === undefined || !Number.isFinite(value) ? "-" : value.toFixed(digits);
}

export function ratioText(value: number | null | undefined, digits = 2): string {
  return value === null || value === undefined || !Number.isFinite(value) ? "-" : `${value.toFixed(digits)}x`;
}

export function percent(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? "-" : `${Math.round(value * 100)}%`;
}

export const MB = 2 ** 20;

export function mb(bytes: number | null | undefined, digits = 1): string {
  return bytes === null || bytes === undefined ? "-" : (bytes / MB).toFixed(digits);
}

/** An integer list such as "1,2,4,8,16". */
export function parseIntList(text: string, what: string): number[] {
  const values = text.split(",").map((s) => Number(s.trim()));
  if (values.length === 0 || values.some((v) => !Number.isInteger(v) || v < 1 || v > 64)) {
    throw new RangeError(`${what} must be a comma-separated list of integers from 1 to 64, got ${JSON.stringify(text)}`);
  }
  return [...new Set(values)].sort((a, b) => a - b);
}

/** The load averages now, for the record: a benchmark on a busy machine says so. */
export function loadNow(): [number, number, number] {
  const [a = 0, b = 0, c = 0] = require("node:os").loadavg() as number[];
  return [a, b, c];
}
