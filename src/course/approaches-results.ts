/**
 * The numbers 03 saves beside its claims, defined once: the chapter and its short version
 * (`quick.quickApproaches`) write them, 04 reads them back.
 */
import { measurePythonMemoryRounds, measurePythonStartup, type MemoryPerUnit, type PythonStartupSamples, type StartupSamples } from "../experiment/unit-costs";
import { median } from "../measure/stats";
import { findPython } from "../python";
import type { UnitMemory } from "./verdicts";

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
  readonly memoryMetric: PerUnit<string>;
  /** The same for CPython's asyncio tasks, threads and processes; null (or absent in older results) where no CPython ran. */
  readonly cpython?: { readonly startupMedianMs: PerUnit<number>; readonly memoryBytesPerUnit: PerUnit<number>; readonly memoryMetric: PerUnit<string> } | null;
}

/** CPython's start-up samples and memory per unit (medians of its rounds), as 03 measures them. */
export interface CPythonUnitCosts {
  readonly startups: readonly PythonStartupSamples[];
  readonly memory: readonly UnitMemory[];
}

/**
 * 03's CPython column: start-up of an asyncio task, a thread and a process (20 interleaved
 * rounds), and memory per unit (3 rounds, each in a fresh interpreter; the median reading). Null
 * where no CPython 3.8+ is found. About 3 s here.
 */
export async function cpythonUnitCosts(options: { rounds?: number } = {}): Promise<CPythonUnitCosts | null> {
  if (!findPython()) return null;
  const startups = await measurePythonStartup(undefined, { rounds: options.rounds ?? 20 });
  const memory = (await measurePythonMemoryRounds()).map((m) => ({ strategy: m.strategy, bytesPerUnit: median(m.bytesPerUnitSamples), metric: m.metric }));
  return { startups, memory };
}

function perUnit<S extends { readonly strategy: string }, T>(items: readonly S[], pick: (item: S) => T, what: string): PerUnit<T> {
  const of = (unit: keyof PerUnit<T>): T => {
    const item = items.find((i) => i.strategy === unit);
    if (!item) throw new RangeError(`${what} has no ${unit} measurement; measure async, threads and processes`);
    return pick(item);
  };
  return { async: of("async"), threads: of("threads"), processes: of("processes") };
}

function unitNumbers(startups: readonly StartupSamples[], memory: readonly UnitMemory[]): Omit<ApproachesData, "cpython"> {
  return {
    startupMedianMs: perUnit(startups, (s) => median(s.samplesMs), "startups"),
    memoryBytesPerUnit: perUnit(memory, (m) => m.bytesPerUnit, "memory"),
    memoryMetric: perUnit(memory, (m) => m.metric, "memory"),
  };
}

/** The numbers 03 saves, from its start-up samples and memory measurements of the three units, Node's and CPython's. */
export function approachesData(startups: readonly StartupSamples[], memory: readonly MemoryPerUnit[], cpython: CPythonUnitCosts | null = null): ApproachesData {
  return { ...unitNumbers(startups, memory), cpython: cpython ? unitNumbers(cpython.startups, cpython.memory) : null };
}

/** Reads 03's saved numbers back. */
export function readApproachesData(data: Readonly<Record<string, unknown>>): ApproachesData {
  for (const key of ["startupMedianMs", "memoryBytesPerUnit", "memoryMetric"] as const) {
    if (typeof data[key] !== "object" || data[key] === null) throw new TypeError(`03's saved results lack ${key}; run 03-approaches again`);
  }
  return data as unknown as ApproachesData;
}
