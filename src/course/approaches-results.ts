/**
 * The numbers 03 saves beside its claims, defined once: the chapter and its short version
 * (`quick.quickApproaches`) write them, 04 reads them back.
 */
import type { MemoryPerUnit } from "../measure/memory-per-unit";
import type { StartupSamples } from "../measure/startup";
import { median } from "../measure/stats";

/** One number per unit of concurrency. */
export interface PerUnit<T> {
  readonly async: T;
  readonly threads: T;
  readonly processes: T;
}

/** What 03 saves: median start-up, memory per unit and the meter each memory figure comes from. */
export interface ApproachesData {
  readonly startupMedianMs: PerUnit<number>;
  readonly memoryBytesPerUnit: PerUnit<number>;
  readonly memoryMetric: PerUnit<MemoryPerUnit["metric"]>;
}

function perUnit<S extends { readonly strategy: string }, T>(items: readonly S[], pick: (item: S) => T, what: string): PerUnit<T> {
  const of = (unit: keyof PerUnit<T>): T => {
    const item = items.find((i) => i.strategy === unit);
    if (!item) throw new RangeError(`${what} has no ${unit} measurement; measure async, threads and processes`);
    return pick(item);
  };
  return { async: of("async"), threads: of("threads"), processes: of("processes") };
}

/** The numbers 03 saves, from its start-up samples and memory measurements of the three units. */
export function approachesData(startups: readonly StartupSamples[], memory: readonly MemoryPerUnit[]): ApproachesData {
  return {
    startupMedianMs: perUnit(startups, (s) => median(s.samplesMs), "startups"),
    memoryBytesPerUnit: perUnit(memory, (m) => m.bytesPerUnit, "memory"),
    memoryMetric: perUnit(memory, (m) => m.metric, "memory"),
  };
}

/** Reads 03's saved numbers back. */
export function readApproachesData(data: Readonly<Record<string, unknown>>): ApproachesData {
  for (const key of ["startupMedianMs", "memoryBytesPerUnit", "memoryMetric"] as const) {
    if (typeof data[key] !== "object" || data[key] === null) throw new TypeError(`03's saved results lack ${key}; run 03-approaches again`);
  }
  return data as unknown as ApproachesData;
}
