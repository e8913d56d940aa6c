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
