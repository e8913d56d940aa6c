import { summarize, type CompareResult, type MachineDescription, type Span, type StrategyKey, type StrategyResult } from "conclab";
import { effectiveCpus } from "conclab/internal";

/** Three equal samples: a measurement with no spread, for hand-made results. */
export const steady = (v: number): number[] => [v, v, v];

/** A machine for hand-made results: `cores` free CPUs, or the description given. */
export function testMachine(cores: number): MachineDescription {
  return {
    cores,
    cpuLimit: effectiveCpus(cores, cores, null),
    memoryLimitBytes: null,
    cpuModel: "test",
    node: "v20",
    v8: "11",
    platform: "linux x64",
    totalMemoryBytes: 1,
    loadAverage: [0, 0, 0],
  };
}

/** A hand-made comparison: per strategy, wall-time samples, (paired) speedup samples, and CPUs busy where given. */
export function handMadeResult(
  machine: number | MachineDescription,
  copies: number,
  rows: Partial<Record<StrategyKey, { wall: number[]; speedup: number[]; spans?: Span[]; coresBusy?: number[] }>>,
  busy = false,
): CompareResult {
  const environment = typeof machine === "number" ? testMachine(machine) : machine;
  const strategies: StrategyResult[] = Object.entries(rows).map(([key, row]) => ({
    strategy: key as StrategyKey,
    wallMs: summarize(row!.wall),
    speedup: summarize(row!.speedup),
    idealSpeedup: key.includes("sequential") || key === "eventLoop" ? 1 : Math.min(copies, environment.cores),
    efficiency: null,
    spans: row!.spans ?? [],
    memory: { rssBeforeBytes: 0, rssPeakBytes: 0, rssAfterBytes: 0, heapBeforeBytes: 0, heapPeakBytes: 0, heapAfterBytes: 0, perLane: [] },
    contention: null,
    coresBusy: row!.coresBusy ? summarize(row!.coresBusy) : null,
    results: [],
    suspect: [],
  }));
  return {
    task: "countTo", args: [1], copies, repeats: 3, addedRepeats: 0, warmup: 1, cpuBound: true, strategies, startedAtMs: 0, finishedAtMs: 1,
    environment,
    noise: { relativeSpread: 0.05, contention: 0, steal: 0, busy, note: "" },
  };
}
