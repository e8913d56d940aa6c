/**
 * Measurement 3, lesson stability: the course's first lesson is that CPU work on one thread does
 * not overlap, so `eventLoop` (Promise.all of the copies) takes as long as `sequential`. Run that
 * comparison ten times, as a reader would, and count how many of the ratios eventLoop/sequential
 * fall in 0.95-1.05.
 */
import { calibrate, compare, countTo, pairedRatios, type Figure } from "conclab";
import { fixed, loadNow, summary, type BenchOptions, type Goal, type Section, type Summary } from "./common";

const LOW = 0.95;
const HIGH = 1.05;

export interface StabilityData {
  readonly runs: number;
  readonly copies: number;
  readonly taskMs: number;
  readonly n: number;
  readonly repeats: number;
  readonly warmup: number;
  /** eventLoop / sequential of each run: the median of the ratios paired within its repeats. */
  readonly ratios: readonly number[];
  readonly ratio: Summary;
  readonly inBand: number;
  /** What compare() itself flagged, per run. */
  readonly suspect: readonly (readonly string[])[];
  readonly noise: readonly number[];
  readonly loadBefore: readonly number[];
  readonly loadAfter: readonly number[];
}

export async function runStability(options: BenchOptions): Promise<Section<StabilityData>> {
  const runs = 10;
  const copies = 2;
  const taskMs = options.quick ? 100 : 250;
  const repeats = options.quick ? 3 : 5;
  const warmup = 2;
  const loadBefore = loadNow();
  const n = await calibrate(countTo, { targetMs: taskMs });
  const ratios: number[] = [];
  const suspect: string[][] = [];
  const noise: number[] = [];
  for (let run = 0; run < runs; run++) {
    options.log(`stability: run ${run + 1} of ${runs}`);
    const result = await compare({ task: countTo, args: [n], copies, strategies: ["sequential", "eventLoop"], repeats, warmup });
    const sequential = result.strategies.find((s) => s.strategy === "sequential")!;
    const eventLoop = result.strategies.find((s) => s.strategy === "eventLoop")!;
    ratios.push(pairedRatios(eventLoop.wallMs.samples, sequential.wallMs.samples).median);
    suspect.push([...eventLoop.suspect]);
    noise.push(result.noise.relativeSpread);
  }
  const inBand = ratios.filter((r) => r >= LOW && r <= HIGH).length;
  const data: StabilityData = {
    runs,
    copies,
    taskMs,
    n,
    repeats,
    warmup,
    ratios,
    ratio: summary(ratios),
    inBand,
    suspect,
    noise,
    loadBefore,
    loadAfter: loadNow(),
  };
  const outside = ratios.map((r, i) => ({ r, i })).filter(({ r }) => r < LOW || r > HIGH);
  const goal: Goal = {
    id: "stability.eventloop-vs-sequential",
    goal: `eventLoop/sequential in ${LOW}-${HIGH} in at least 9 of ${runs} runs`,
    measured: `${inBand} of ${runs} (median ${fixed(data.ratio.median, 3)}, range ${fixed(data.ratio.min, 3)}-${fixed(data.ratio.max, 3)})`,
    met: inBand >= 9,
    note:
      inBand >= 9
        ? undefined
        : `runs ${outside.map(({ i, r }) => `${i + 1} (${r.toFixed(3)}, spread ${Math.round(noise[i]! * 100)}%)`).join(", ")} fell outside; ` +
          `load average ${loadBefore[0]!.toFixed(2)} → ${data.loadAfter[0]!.toFixed(2)}: a busy moment that hits one strategy's repeats more than the other's moves a ratio of ${repeats} pairs`,
  };
  return {
    key: "stability",
    title: "3. Lesson stability",
    data,
    goals: [goal],
    tables: [
      {
        title: `Lesson stability: eventLoop / sequential, ${copies} copies of countTo (${taskMs} ms), ${repeats} repeats + ${warmup} warm-up, ${runs} runs`,
        headers: ["run", "eventLoop/sequential", "in 0.95-1.05", "noise (spread)", "compare() flagged"],
        rows: ratios.map((r, i) => [String(i + 1), fixed(r, 3), r >= LOW && r <= HIGH ? "yes" : "no", `${Math.round(noise[i]! * 100)}%`, suspect[i]!.length > 0 ? "suspect" : ""]),
        notes: [`${inBand} of ${runs} in band; median ${fixed(data.ratio.median, 3)}.`],
      },
    ],
    figures: [stabilityFigure(data)],
  };
}

function stabilityFigure(data: StabilityData): Figure {
  const x = data.ratios.map((_, i) => i + 1);
  return {
    data: [
      {
        type: "scatter",
        mode: "markers+lines",
        name: "eventLoop / sequential",
        x,
        y: data.ratios,
        marker: { size: 10, color: data.ratios.map((r) => (r >= LOW && r <= HIGH ? "#2c4f8a" : "#c0392b")) },
        line: { color: "#2c4f8a", width: 1 },
        hovertemplate: "run %{x}: %{y:.3f}<extra></extra>",
      },
    ],
    layout: {
      title: { text: `Lesson stability: ${data.inBand} of ${data.runs} runs in ${LOW}-${HIGH} (eventLoop / sequential, ${data.copies} × ${data.taskMs} ms)` },
      xaxis: { title: { text: "run" }, dtick: 1 },
      yaxis: { title: { text: "eventLoop / sequential" } },
      shapes: [{ type: "rect", xref: "paper", x0: 0, x1: 1, y0: LOW, y1: HIGH, fillcolor: "#7fbf7b", opacity: 0.2, line: { width: 0 } }],
      height: 380,
      showlegend: false,
    },
  };
}
