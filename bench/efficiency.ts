/**
 * Measurement 2 (parallel efficiency of `threads` and `processes`, and of CPython's modes) and
 * measurement 7 (`--cores-curve`: the same curve k = 1..cores, for a many-core machine). Each k is
 * one compare() of k copies of a CPU task calibrated to `taskMs` on this machine: sequential,
 * threads and processes interleaved, speedups paired within each repeat, efficiency =
 * speedup / min(k, cores). CPython runs the same experiment with its own size, calibrated to the
 * same duration (it counts about 50x slower than V8).
 *
 * Imports only Node and `conclab`: `--cores-curve` must run with nothing but the built project.
 */
import { calibrate, compare, countTo, describeMachine, findPython, speedupFigure, type CompareResult, type Figure, type SpeedupPoint } from "conclab";
import { strategyStyle } from "conclab/internal";
import { fixed, loadNow, percent, ratioText, type BenchOptions, type Goal, type Section, type Table } from "./common";

const NODE_STRATEGIES = ["sequential", "threads", "processes"] as const;
const PARALLEL_NODE = ["threads", "processes"] as const;
const PYTHON_PARALLEL = ["python:threads", "python:processes"] as const;

export interface CurvePoint {
  readonly runtime: "node" | "python";
  readonly k: number;
  readonly strategy: string;
  readonly wallMedianMs: number;
  readonly speedup: { readonly median: number; readonly min: number; readonly max: number; readonly samples: readonly number[] };
  readonly efficiency: number | null;
  readonly suspect: readonly string[];
  /** Largest relative spread of this compare() and whether compare() called the machine busy. */
  readonly noise: number;
  readonly busy: boolean;
}

export interface EfficiencyData {
  readonly mode: "efficiency" | "cores-curve";
  readonly cores: number;
  readonly ks: readonly number[];
  readonly taskMs: number;
  readonly repeats: number;
  readonly warmup: number;
  readonly node: { readonly task: string; readonly n: number };
  readonly python: { readonly command: string; readonly version: string; readonly gil: boolean; readonly n: number } | null;
  readonly pythonSkipped?: string;
  readonly points: readonly CurvePoint[];
  readonly loadBefore: readonly number[];
  readonly loadAfter: readonly number[];
  readonly elapsedS: number;
}

function pointsOf(result: CompareResult, runtime: "node" | "python", keys: readonly string[]): CurvePoint[] {
  return result.strategies
    .filter((s) => keys.includes(s.strategy))
    .map((s) => ({
      runtime,
      k: result.copies,
      strategy: s.strategy,
      wallMedianMs: s.wallMs.median,
      speedup: s.speedup ? { median: s.speedup.median, min: s.speedup.min, max: s.speedup.max, samples: s.speedup.samples } : { median: NaN, min: NaN, max: NaN, samples: [] },
      efficiency: s.efficiency,
      suspect: s.suspect,
      noise: result.noise.relativeSpread,
      busy: result.noise.busy,
    }));
}

/** CPython's count_to size that takes about `targetMs` in one copy, from a timed small run. */
async function calibratePython(targetMs: number): Promise<number> {
  let n = 2_000_000;
  for (let attempt = 0; attempt < 3; attempt++) {
    const probe = await compare({ task: countTo, args: [n], copies: 1, strategies: ["python:sequential"], repeats: 3, warmup: 1 });
    const ms = probe.strategies[0]!.wallMs.median;
    const next = Math.max(1, Math.round((n * targetMs) / Math.max(ms, 1)));
    if (ms > targetMs / 4) return next;
    n = next;
  }
  return n;
}

export async function runEfficiency(options: BenchOptions, mode: "efficiency" | "cores-curve"): Promise<Section<EfficiencyData>> {
  const started = Date.now();
  const loadBefore = loadNow();
  const cores = describeMachine().cores;
  const all = Array.from({ length: cores }, (_, i) => i + 1);
  const ks = options.ks ?? (mode === "cores-curve" ? all : [...new Set([...all, 2])].sort((a, b) => a - b));
  const taskMs = options.taskMs ?? (options.quick ? 200 : 500);
  const repeats = options.repeats ?? (options.quick ? 3 : mode === "cores-curve" ? 5 : 7);
  const warmup = 1;
  const wantPython = !options.noPython && (mode === "efficiency" || options.withPython);
  const python = wantPython ? findPython() : null;
  const pythonSkipped = !wantPython
    ? mode === "cores-curve"
      ? "not asked for (add --with-python)"
      : "left out (--no-python)"
    : python
      ? undefined
      : "no CPython 3.8 or newer found (python3, python or $CONCLAB_PYTHON)";

  const rounds = repeats + warmup;
  const nodeEstimateS = ks.reduce((s, k) => s + (k + 2 * Math.ceil(k / cores)) * rounds * (taskMs / 1000), 0);
  const pythonEstimateS = python ? ks.reduce((s, k) => s + (2 * k + Math.ceil(k / cores)) * rounds * (taskMs / 1000), 0) : 0;
  options.log(
    `${mode}: k = ${ks.join(", ")} copies of countTo (${taskMs} ms each), ${repeats} repeats + ${warmup} warm-up; ` +
      `about ${Math.ceil((nodeEstimateS + pythonEstimateS) / 60)} min (${Math.round(nodeEstimateS)} s Node${python ? `, ${Math.round(pythonEstimateS)} s CPython` : ""})`,
  );

  const n = await calibrate(countTo, { targetMs: taskMs });
  options.log(`${mode}: countTo(${n}) takes about ${taskMs} ms on this thread`);
  const points: CurvePoint[] = [];
  for (const k of ks) {
    options.log(`${mode}: Node, k = ${k}`);
    const result = await compare({ task: countTo, args: [n], copies: k, strategies: [...NODE_STRATEGIES], repeats, warmup, maxTotalMs: 86_400_000 });
    points.push(...pointsOf(result, "node", PARALLEL_NODE));
  }
  let pythonN = 0;
  if (python) {
    pythonN = await calibratePython(taskMs);
    options.log(`${mode}: CPython ${python.version}: count_to(${pythonN}) takes about ${taskMs} ms`);
    for (const k of ks) {
      options.log(`${mode}: CPython, k = ${k}`);
      const result = await compare({ task: countTo, args: [pythonN], copies: k, strategies: ["python"], repeats, warmup, maxTotalMs: 86_400_000 });
      points.push(...pointsOf(result, "python", PYTHON_PARALLEL));
    }
  }

  const data: EfficiencyData = {
    mode,
    cores,
    ks,
    taskMs,
    repeats,
    warmup,
    node: { task: "countTo", n },
    python: python ? { command: python.command, version: python.version, gil: python.gil, n: pythonN } : null,
    pythonSkipped,
    points,
    loadBefore,
    loadAfter: loadNow(),
    elapsedS: (Date.now() - started) / 1000,
  };
  return {
    key: mode === "cores-curve" ? "coresCurve" : "efficiency",
    title: mode === "cores-curve" ? "7. Many cores: speedup curve k = 1..cores" : "2. Parallel efficiency",
    data,
    tables: [curveTable(data)],
    goals: curveGoals(data),
    figures: curveFigures(data),
  };
}

function curveTable(data: EfficiencyData): Table {
  const rows = data.points.map((p) => [
    strategyStyle(p.strategy).name,
    String(p.k),
    fixed(p.wallMedianMs, 0),
    ratioText(p.speedup.median),
    `${ratioText(p.speedup.min)}–${ratioText(p.speedup.max)}`,
    fixed(p.efficiency, 3),
    percent(p.noise) + (p.busy ? " busy" : ""),
    p.suspect.length > 0 ? "suspect" : "",
  ]);
  const notes = [
    `Node: countTo(${data.node.n}), about ${data.taskMs} ms per copy; ${data.repeats} interleaved repeats + ${data.warmup} warm-up per k; speedup vs k copies run sequentially, paired per repeat.`,
    data.python
      ? `CPython ${data.python.version} (${data.python.command}, GIL ${data.python.gil ? "on" : "off"}): count_to(${data.python.n}), about ${data.taskMs} ms per copy; speedup vs CPython sequential.`
      : `CPython: ${data.pythonSkipped}.`,
    `Load average before ${data.loadBefore.map((l) => l.toFixed(2)).join(" ")}, after ${data.loadAfter.map((l) => l.toFixed(2)).join(" ")} (${data.cores} cores); ${data.elapsedS.toFixed(0)} s.`,
  ];
  for (const p of data.points.filter((q) => q.suspect.length > 0)) notes.push(`suspect ${p.strategy} k=${p.k}: ${p.suspect.join("; ")}`);
  return {
    title: `${data.mode === "cores-curve" ? "Speedup curve" : "Parallel efficiency"} on ${data.cores} cores, k = ${data.ks.join(", ")}`,
    headers: ["strategy", "k copies", "wall median ms", "speedup", "speedup range", "efficiency", "noise (spread)", "compare() flagged"],
    rows,
    notes,
  };
}

function busyNote(data: EfficiencyData, points: readonly CurvePoint[]): string {
  const load = Math.max(data.loadBefore[0] ?? 0, data.loadAfter[0] ?? 0);
  const parts: string[] = [];
  if (load > 0.5) parts.push(`the machine was not quiet: load average up to ${load.toFixed(2)} on ${data.cores} cores while it ran (other sessions' tests share it)`);
  const noisy = points.filter((p) => p.busy);
  if (noisy.length > 0) parts.push(`repeats spread up to ${percent(Math.max(...noisy.map((p) => p.noise)))}`);
  parts.push(
    "with every core busy with a copy, anything else on the machine (the benchmark's own event loop, the OS, other processes) takes its time from a copy, so efficiency at k = cores is the first to drop",
  );
  return parts.join("; ");
}

function curveGoals(data: EfficiencyData): Goal[] {
  const goals: Goal[] = [];
  const kMax = Math.max(...data.ks);
  const atCores = data.points.filter((p) => p.runtime === "node" && p.k === data.cores);
  if (data.mode === "efficiency") {
    for (const strategy of PARALLEL_NODE) {
      const p = atCores.find((q) => q.strategy === strategy);
      goals.push(
        p
          ? {
              id: `efficiency.${strategy}`,
              goal: `${strategy}: efficiency ≥ 0.95 at k = cores (${data.cores}) on a quiet machine`,
              measured: `${fixed(p.efficiency, 3)} (speedup ${ratioText(p.speedup.median)}, range ${ratioText(p.speedup.min)}–${ratioText(p.speedup.max)})`,
              met: (p.efficiency ?? 0) >= 0.95,
              note: (p.efficiency ?? 0) >= 0.95 ? undefined : busyNote(data, [p]),
            }
          : { id: `efficiency.${strategy}`, goal: `${strategy}: efficiency ≥ 0.95 at k = cores`, measured: `not measured (k = ${data.ks.join(", ")})`, met: null },
      );
    }
    const py = data.points.find((q) => q.strategy === "python:processes" && q.k === data.cores);
    goals.push({
      id: "efficiency.python-processes",
      goal: "CPython processes: efficiency at k = cores, reported beside Node (no goal of its own)",
      informational: true,
      measured: py ? `${fixed(py.efficiency, 3)} (speedup ${ratioText(py.speedup.median)})` : `not measured: ${data.pythonSkipped ?? "no point at k = cores"}`,
      met: null,
    });
    goals.push({
      id: "cores-curve.16",
      goal: "efficiency ≥ 0.90 at 16 cores (npm run bench -- --cores-curve on a 16-core machine)",
      measured: `not run here: this machine has ${data.cores} cores`,
      met: null,
      note: "run `node build/bench/main.js --cores-curve` on a machine with 16 cores",
    });
  } else {
    for (const strategy of PARALLEL_NODE) {
      const p = data.points.find((q) => q.runtime === "node" && q.strategy === strategy && q.k === kMax);
      const at16 = data.cores >= 16 && kMax >= 16;
      goals.push({
        id: `cores-curve.${strategy}`,
        goal: `${strategy}: efficiency ≥ 0.90 at 16 cores`,
        measured: p ? `${fixed(p.efficiency, 3)} at k = ${p.k} on ${data.cores} cores (speedup ${ratioText(p.speedup.median)})` : "not measured",
        met: at16 && p ? (p.efficiency ?? 0) >= 0.9 : null,
        note: !at16
          ? `this machine has ${data.cores} cores (largest k ${kMax}): the goal is about 16`
          : p && (p.efficiency ?? 0) < 0.9
            ? busyNote(data, [p])
            : undefined,
      });
    }
  }
  return goals;
}

function curveFigures(data: EfficiencyData): Figure[] {
  const speedups: SpeedupPoint[] = data.points.map((p) => ({
    strategy: p.strategy,
    workers: p.k,
    speedup: { median: p.speedup.median, min: p.speedup.min, max: p.speedup.max, mad: 0, relativeSpread: 0, samples: p.speedup.samples },
  }));
  const figures: Figure[] = [];
  if (speedups.length > 0) {
    figures.push(speedupFigure(speedups, { cores: data.cores, title: `Speedup over sequential, k copies of a ${data.taskMs} ms CPU task (${data.cores} cores)` }));
  }
  const strategies = [...new Set(data.points.map((p) => p.strategy))];
  const ks = data.ks;
  figures.push({
    data: [
      ...strategies.map((key) => {
        const mine = data.points.filter((p) => p.strategy === key).sort((a, b) => a.k - b.k);
        const style = strategyStyle(key);
        return {
          type: "scatter" as const,
          mode: "lines+markers",
          name: style.name,
          x: mine.map((p) => p.k),
          y: mine.map((p) => p.efficiency),
          line: { color: style.color, dash: style.dash, width: 2.5 },
          marker: { color: style.color, symbol: style.symbol, size: 9 },
          hovertemplate: `${style.name}<br>k = %{x}: efficiency %{y:.3f}<extra></extra>`,
        };
      }),
      {
        type: "scatter" as const,
        mode: "lines",
        name: data.mode === "cores-curve" ? "goal at 16: 0.90" : "goal at k = cores: 0.95",
        x: [Math.min(...ks), Math.max(...ks)],
        y: data.mode === "cores-curve" ? [0.9, 0.9] : [0.95, 0.95],
        line: { color: "#777777", dash: "dash", width: 2 },
        hoverinfo: "skip",
      },
    ],
    layout: {
      title: { text: `Parallel efficiency = speedup / min(k, ${data.cores}), k = ${ks.join(", ")}` },
      xaxis: { title: { text: "k copies at once" }, dtick: 1 },
      yaxis: { title: { text: "efficiency" }, range: [0, 1.15] },
      height: 420,
    },
  });
  return figures;
}
