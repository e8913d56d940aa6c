/**
 * Measurement 4, start-up and memory: how long a new worker thread and a new child process take
 * to reach their first line (samples interleaved one by one), and what one more async task, idle
 * worker thread and idle child process cost in memory (PSS for children where /proc has it),
 * with conclab's own measureStartup() and measureMemory(), repeated and interleaved.
 */
import { formatBytes, measureMemory, measureStartup, memoryPerUnitFigure, median, strategyColor, type Figure, type MemoryPerUnit, type MemoryUnit } from "conclab";
import { nodeUnitOf, UNIT_STRATEGIES } from "conclab/internal";
import { fixed, rotation, summary, type BenchOptions, type Section, type Summary } from "./common";

export interface StartupMemoryData {
  readonly startup: { readonly unit: MemoryUnit; readonly ms: Summary; readonly samplesMs: readonly number[] }[];
  readonly memory: {
    readonly unit: MemoryUnit;
    readonly count: number;
    readonly metric: MemoryPerUnit["metric"];
    readonly bytesPerUnit: Summary;
  }[];
  readonly memoryRounds: number;
}

// The units and their names come from the strategies' descriptors, as in the course's figures.
const UNITS: readonly MemoryUnit[] = UNIT_STRATEGIES;
const NAMES = Object.fromEntries(UNITS.map((unit) => [unit, nodeUnitOf(unit)?.name ?? unit])) as Record<MemoryUnit, string>;

export async function runStartupMemory(options: BenchOptions): Promise<Section<StartupMemoryData>> {
  const samples = options.quick ? 8 : 25;
  const startupSamples = new Map<MemoryUnit, number[]>(UNITS.map((u) => [u, []]));
  options.log(`startup: ${samples} interleaved samples of each unit`);
  for (const unit of UNITS) await measureStartup(unit, 2); // warm the paths
  for (let i = 0; i < samples; i++) {
    for (const unit of rotation(UNITS, i)) startupSamples.get(unit)!.push(...(await measureStartup(unit, 1)).samplesMs);
  }

  const memoryRounds = options.quick ? 1 : 5;
  const counts: Record<MemoryUnit, number> = { async: 10_000, threads: 4, processes: 4 };
  const memory = new Map<MemoryUnit, MemoryPerUnit[]>(UNITS.map((u) => [u, []]));
  for (let round = 0; round < memoryRounds; round++) {
    options.log(`memory: round ${round + 1} of ${memoryRounds}`);
    for (const unit of rotation(UNITS, round)) memory.get(unit)!.push(await measureMemory(unit, counts[unit]));
  }

  const data: StartupMemoryData = {
    startup: UNITS.map((unit) => ({ unit, ms: summary(startupSamples.get(unit)!), samplesMs: startupSamples.get(unit)! })),
    memory: UNITS.map((unit) => {
      const all = memory.get(unit)!;
      return { unit, count: counts[unit], metric: all[all.length - 1]!.metric, bytesPerUnit: summary(all.map((m) => m.bytesPerUnit)) };
    }),
    memoryRounds,
  };
  const figures: Figure[] = [startupFigure(data)];
  figures.push(
    memoryPerUnitFigure(
      UNITS.map((unit) => {
        const all = memory.get(unit)!;
        const bytes = median(all.map((m) => m.bytesPerUnit));
        return { strategy: unit, count: counts[unit], bytesPerUnit: bytes, totalBytes: bytes * counts[unit], metric: all[all.length - 1]!.metric };
      }),
      { title: `Memory per unit of concurrency (median of ${memoryRounds} rounds)` },
    ),
  );
  return {
    key: "startupMemory",
    title: "4. Start-up and memory",
    data,
    goals: [],
    figures,
    tables: [
      {
        title: `Start-up: request to first line, ${samples} interleaved samples each`,
        headers: ["unit", "median ms", "p99 ms", "min ms", "max ms"],
        rows: data.startup.map((s) => [NAMES[s.unit], fixed(s.ms.median, s.unit === "async" ? 4 : 1), fixed(s.ms.p99, s.unit === "async" ? 4 : 1), fixed(s.ms.min, s.unit === "async" ? 4 : 1), fixed(s.ms.max, s.unit === "async" ? 4 : 1)]),
        notes: [`p99 of ${samples} samples is close to their maximum: read it as the slow end, not a tail.`],
      },
      {
        title: `Memory per unit (idle units; median of ${memoryRounds} interleaved rounds)`,
        headers: ["unit", "units started", "metric", "per unit (median)", "per unit range"],
        rows: data.memory.map((m) => [
          NAMES[m.unit],
          String(m.count),
          m.metric,
          formatBytes(m.bytesPerUnit.median),
          `${formatBytes(m.bytesPerUnit.min)}–${formatBytes(m.bytesPerUnit.max)}`,
        ]),
        notes: [
          "async: V8 heap growth of this thread; worker thread: RSS growth of this process; child process: PSS of the children (shared pages split among sharers), or their RSS where PSS is not available.",
        ],
      },
    ],
  };
}

function startupFigure(data: StartupMemoryData): Figure {
  // plotly.js-basic has bar, scatter and pie only: every sample as a point, the median as a bar.
  const colors = Object.fromEntries(UNITS.map((unit) => [unit, strategyColor(unit)])) as Record<MemoryUnit, string>;
  const names = data.startup.map((s) => NAMES[s.unit]);
  return {
    data: [
      {
        type: "bar",
        name: "median",
        x: names,
        y: data.startup.map((s) => s.ms.median),
        marker: { color: data.startup.map((s) => colors[s.unit]) },
        opacity: 0.6,
        hovertemplate: "%{x}: median %{y:.3f} ms<extra></extra>",
      },
      ...data.startup.map((s) => ({
        type: "scatter" as const,
        mode: "markers",
        name: `${NAMES[s.unit]} samples`,
        x: s.samplesMs.map(() => NAMES[s.unit]),
        y: s.samplesMs,
        marker: { color: "#1b1b1b", size: 5, opacity: 0.6 },
        hovertemplate: `${NAMES[s.unit]}: %{y:.3f} ms<extra></extra>`,
      })),
    ],
    layout: {
      title: { text: "Start-up: from the request to the unit's first line (bars: median; dots: every sample)" },
      yaxis: { title: { text: "start-up (ms)" }, type: "log" },
      height: 420,
      showlegend: false,
    },
  };
}
