/** Summary of repeated measurements. Every field is in the unit of the samples. */
export interface Stat {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Median absolute deviation from the median: a spread that one outlier cannot blow up. */
  readonly mad: number;
  /** (max − min) / median: how much the repeats disagreed, relative to the typical value. */
  readonly relativeSpread: number;
  /** The samples in the order they were taken. */
  readonly samples: readonly number[];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("values must hold at least one number to take a median of, got an empty list");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The q-quantile (0 ≤ q ≤ 1) by linear interpolation between closest ranks. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new RangeError("values must hold at least one number, got an empty list");
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

export function summarize(samples: readonly number[]): Stat {
  const mid = median(samples);
  return {
    median: mid,
    min: Math.min(...samples),
    max: Math.max(...samples),
    mad: median(samples.map((x) => Math.abs(x - mid))),
    relativeSpread: mid === 0 ? 0 : (Math.max(...samples) - Math.min(...samples)) / mid,
    samples: [...samples],
  };
}

/**
 * Ratios of paired samples, `numerators[i] / denominators[i]`: each pair was measured in the same
 * repeat (interleaved), so machine noise hits both sides of a ratio alike.
 */
export function pairedRatios(numerators: readonly number[], denominators: readonly number[]): Stat {
  const n = Math.min(numerators.length, denominators.length);
  const ratios: number[] = [];
  for (let i = 0; i < n; i++) ratios.push(numerators[i]! / denominators[i]!);
  return summarize(ratios);
}

/** The confidence level of every interval the course decides with. */
export const CONFIDENCE = 0.95;

/** Two-sided 95 % quantiles of Student's t by degrees of freedom (1 to 30, then 40, 60, 120). */
const T95: Readonly<Record<number, number>> = {
  1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228,
  11: 2.201, 12: 2.179, 13: 2.16, 14: 2.145, 15: 2.131, 16: 2.12, 17: 2.11, 18: 2.101, 19: 2.093, 20: 2.086,
  21: 2.08, 22: 2.074, 23: 2.069, 24: 2.064, 25: 2.06, 26: 2.056, 27: 2.052, 28: 2.048, 29: 2.045, 30: 2.042,
  40: 2.021, 60: 2.0, 120: 1.98,
};

function t95(df: number): number {
  if (T95[df] !== undefined) return T95[df]!;
  // Between tabulated rows the smaller row's (larger) quantile: the interval errs wide, never narrow.
  const below = Object.keys(T95).map(Number).filter((d) => d < df);
  return df > 120 ? 1.96 : T95[Math.max(...below)]!;
}

/**
 * A 95 % confidence interval for the mean of samples on their own scale (Student's t), for values
 * that may be zero or negative (a fitted slope, a serial fraction); one sample spans everything.
 */
export function meanInterval(samples: readonly number[]): Interval {
  if (samples.length === 0) throw new RangeError("samples must hold at least one number to bound, got an empty list");
  const bad = samples.find((v) => !Number.isFinite(v));
  if (bad !== undefined) throw new RangeError(`samples must be finite numbers, got ${bad}`);
  const n = samples.length;
  if (n === 1) return { low: Number.NEGATIVE_INFINITY, high: Number.POSITIVE_INFINITY, level: CONFIDENCE, n };
  const mean = samples.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(samples.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (n - 1));
  const half = (t95(n - 1) * sd) / Math.sqrt(n);
  return { low: mean - half, high: mean + half, level: CONFIDENCE, n };
}

/** Where the typical value of a measurement lies, at `level` confidence, from `n` samples. */
export interface Interval {
  readonly low: number;
  readonly high: number;
  readonly level: number;
  readonly n: number;
}

/**
 * A 95 % confidence interval for the typical value of positive samples (ratios, speeds, CPUs busy):
 * Student's t on their logarithms, so 2x and 0.5x are equally far from 1x and a single sample
 * decides nothing (its interval is 0 to infinity). One disturbed repeat widens it; more repeats
 * narrow it.
 */
export function interval(samples: readonly number[]): Interval {
  if (samples.length === 0) throw new RangeError("samples must hold at least one number to bound, got an empty list");
  const bad = samples.find((v) => !(v > 0) || !Number.isFinite(v));
  if (bad !== undefined) throw new RangeError(`samples must be positive finite numbers (ratios, durations), got ${bad}; an interval on a log scale needs them`);
  const n = samples.length;
  if (n === 1) return { low: 0, high: Number.POSITIVE_INFINITY, level: CONFIDENCE, n };
  const logs = samples.map(Math.log);
  const mean = logs.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(logs.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (n - 1));
  const half = (t95(n - 1) * sd) / Math.sqrt(n);
  return { low: Math.exp(mean - half), high: Math.exp(mean + half), level: CONFIDENCE, n };
}
