/**
 * A recording beside the reader's own run: on a machine with fewer CPUs than a recording's, a
 * figure of CPUs busy against copies as recorded there, with this machine's points on it, and a
 * sentence computed from both. It shows; it never judges: no verdict reads a recording.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describeMachine } from "../environment";
import { pythonInterpreterOf, type CompareResult } from "../experiment/compare";
import type { Stat } from "../measure/stats";
import { measuredOnThisHost, STRATEGIES, STRATEGY_KEYS } from "../strategies/descriptors";
import type { Figure, Trace } from "../figures/figure";
import { axis, baseLayout, plotlyConfig, strategyColor, strategyName } from "../figures/style";
import { interpreterText } from "./judging";
import { readReference, type ReferenceRecording } from "./reference";
import type { ScalingPoint } from "./chapters/07-choosing";

/** Where recordings are read from: $CONCLAB_REFERENCE_DIR, else `reference/` in the repository. */
export function referenceDir(): string {
  return process.env.CONCLAB_REFERENCE_DIR ?? path.resolve(__dirname, "..", "..", "..", "..", "reference");
}

/** Every recording in `dir`, checked (a malformed file throws, naming it and the field). */
export function loadReferences(dir = referenceDir()): ReferenceRecording[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith(".json")).sort();
  } catch {
    return [];
  }
  return names.map((name) => {
    const file = path.join(dir, name);
    return readReference(JSON.parse(readFileSync(file, "utf8")) as unknown, file);
  });
}

export interface ReferenceView {
  /** The recording shown, or null when none has more CPUs than this machine. */
  readonly recording: ReferenceRecording | null;
  /** CPUs busy against copies, recorded and here; null when there is nothing to add. */
  readonly figure: Figure | null;
  /** What the recording shows beside this machine's numbers, computed from both. */
  readonly sentence: string;
}

/** A runtime's parallel strategies on this machine, as the descriptors say: recordings are of one machine's CPUs. */
const parallelOf = (runtime: "node" | "python"): readonly string[] =>
  STRATEGY_KEYS.filter((key) => STRATEGIES[key].runtime === runtime && STRATEGIES[key].parallel && measuredOnThisHost(key));

const busyText = (value: number): string => `${value.toFixed(2)} CPUs busy`;

/** This machine's readings: per strategy, CPUs busy at each count of copies. */
interface HerePoint {
  readonly strategy: string;
  readonly copies: number;
  readonly coresBusy: Stat;
}

function herePoints(here: CompareResult | readonly ScalingPoint[] | null): HerePoint[] {
  if (here === null) return [];
  if (Array.isArray(here)) {
    return (here as readonly ScalingPoint[]).filter((p) => p.coresBusy).map((p) => ({ strategy: p.strategy, copies: p.workers, coresBusy: p.coresBusy! }));
  }
  const result = here as CompareResult;
  return result.strategies.filter((s) => s.coresBusy).map((s) => ({ strategy: s.strategy, copies: result.copies, coresBusy: s.coresBusy! }));
}

/**
 * The recording with the most CPUs, if it has more than this machine, for `runtime`'s threads and
 * processes, beside `here`: this machine's compare() of the same kind of work, its scaling curve
 * (07), or null when it did not run.
 */
export function referenceView(runtime: "node" | "python", here: CompareResult | readonly ScalingPoint[] | null, options: { references?: readonly ReferenceRecording[] } = {}): ReferenceView {
  const cores = here !== null && !Array.isArray(here) ? (here as CompareResult).environment.cores : describeMachine().cores;
  const mine = herePoints(here).filter((p) => parallelOf(runtime).includes(p.strategy));
  const candidates = (options.references ?? loadReferences()).filter((r) => r.curve.some((p) => p.runtime === runtime));
  const recording = [...candidates].sort((a, b) => b.machine.cores - a.machine.cores)[0] ?? null;
  const language = runtime === "python" ? "CPython" : "Node";
  if (!recording || recording.machine.cores <= cores) {
    const why = recording ? `the largest recording of ${language}, ${recording.machine.cores} CPUs, has no more than this machine's ${cores}` : `no recording of ${language} was found in ${referenceDir()}`;
    return { recording: null, figure: null, sentence: `Nothing to add from a recording: ${why}, so this machine's own numbers show as much as any.` };
  }
  const data: Trace[] = [];
  const parts: string[] = [];
  const top = recording.machine.cores;
  for (const strategy of parallelOf(runtime)) {
    const points = recording.curve.filter((p) => p.runtime === runtime && p.strategy === strategy && p.coresBusy !== null).sort((a, b) => a.copies - b.copies);
    if (points.length === 0) continue;
    data.push({
      type: "scatter", mode: "lines+markers", name: `${strategyName(strategy)}, recorded on ${top} CPUs`,
      x: points.map((p) => p.copies), y: points.map((p) => p.coresBusy!.median),
      line: { color: strategyColor(strategy), dash: "dot" }, marker: { color: strategyColor(strategy), size: 8 },
    });
    const last = points.at(-1)!;
    parts.push(`${strategyName(strategy)} kept ${busyText(last.coresBusy!.median)} with ${last.copies} copies`);
    const ours = mine.filter((p) => p.strategy === strategy);
    if (ours.length > 0) {
      data.push({
        type: "scatter", mode: "markers", name: `${strategyName(strategy)}, this machine (${cores} CPU${cores === 1 ? "" : "s"})`,
        x: ours.map((p) => p.copies), y: ours.map((p) => p.coresBusy.median), marker: { color: strategyColor(strategy), size: 14, symbol: "diamond" },
      });
    }
  }
  // A point at every recorded count: on the log axis a line drawn from 1 to `top` alone would not be y = x.
  const ideal = [...new Set(recording.curve.map((p) => p.copies))].sort((a, b) => a - b);
  data.push({ type: "scatter", mode: "lines", name: `every copy on a CPU of its own, up to ${top}`, x: ideal, y: ideal.map((k) => Math.min(k, top)), line: { color: "#999999", dash: "dash" }, hoverinfo: "skip" });
  const date = recording.recordedAt.slice(0, 10);
  const hereText = mine.map((p) => `${strategyName(p.strategy)} ${busyText(p.coresBusy.median)} with ${p.copies} cop${p.copies === 1 ? "y" : "ies"}`).join(", ");
  // A run without the GIL beside a recording with it (or the other way round) measures another machine: say so.
  const interpreter = runtime === "python" && here !== null && !Array.isArray(here) ? pythonInterpreterOf(here as CompareResult) : null;
  const otherBuild =
    interpreter && recording.python && interpreter.gil !== recording.python.gil
      ? ` (${interpreterText(interpreter)}; the recording's CPython ran with its GIL ${recording.python.gil ? "on" : "off"}, so the two measure different machines)`
      : "";
  const sentence =
    `Recorded on ${top} CPUs (${recording.machine.cpuModel}, ${language} ${runtime === "python" ? (recording.python?.version ?? "?") : recording.machine.node}, ${date}): ${parts.join("; ")}. ` +
    `Here, with ${cores} usable CPU${cores === 1 ? "" : "s"}${otherBuild}: ${hereText || "no reading of CPUs busy"}. ` +
    "A recording from another machine: it shows what more CPUs do, and changes no verdict of this chapter.";
  return {
    recording,
    figure: {
      data,
      layout: { ...baseLayout(`${language}: CPUs busy against copies, recorded on ${top} CPUs and here`), xaxis: axis("copies started together", { type: "log", dtick: Math.log10(2) }), yaxis: axis("CPUs busy at once (CPU time / wall time)", { rangemode: "tozero" }) },
      config: plotlyConfig(),
    },
    sentence,
  };
}
