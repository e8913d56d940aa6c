/**
 * 04's comparison table, rebuilt from what 02 and 03 measured and from 04's own experiment, the
 * cost of a switch: one row per line of the article's table, Node's three units in columns, the
 * article's words beside them, with CPython's numbers where a CPython ran.
 */
import { formatBytes, formatDuration } from "../measure/format";
import type { Stat } from "../measure/stats";
import { measurePythonSwitches, measureSwitches, type PythonSwitchSamples, type SwitchSamples } from "../experiment/unit-costs";
import { findPython } from "../python";
import { startExperiment } from "../runtime/lifecycle";
import type { ApproachesData } from "./approaches-results";
import { decided, type Claim } from "./claims";
import type { GilData } from "./gil-results";
import { asyncBoundToOneThread, handoffText, switchCosts, threadsBestFor } from "./verdicts";

const ARTICLE = "Article (threading / multiprocessing / asyncio)";

const speed = (s: Stat | null | undefined): string => (s ? `${s.median.toFixed(2)}x` : "n/a");

/**
 * 04's experiment: two async tasks, two worker threads and two child processes each pass a turn
 * back and forth, in interleaved rounds (`rounds`, default 5). Interrupting the cell stops it and
 * ends its threads and processes.
 */
export function switchingCosts(options: { rounds?: number } = {}): Promise<SwitchSamples[]> {
  const rounds = options.rounds ?? 5;
  return startExperiment((controller) => measureSwitches(undefined, { rounds, signal: controller.signal }));
}

/**
 * 04's CPython column: the same handoffs in CPython (two asyncio tasks through a future and with
 * sleep(0), two threads through Events, two processes through a pipe), `rounds` interleaved
 * rounds (default 5), then as many again while `verdicts.switchCosts` stays undecided, up to
 * `maxRounds` (3 × rounds). Null where no CPython 3.8+ is found.
 */
export async function cpythonSwitchingCosts(options: { rounds?: number; maxRounds?: number } = {}): Promise<PythonSwitchSamples[] | null> {
  if (!findPython()) return null;
  const rounds = options.rounds ?? 5;
  const maxRounds = options.maxRounds ?? 3 * rounds;
  let samples = await measurePythonSwitches(undefined, { rounds });
  while (samples[0]!.samplesMs.length < maxRounds && !decided(switchCosts([], samples))) {
    const more = await measurePythonSwitches(undefined, { rounds: Math.min(rounds, maxRounds - samples[0]!.samplesMs.length) });
    samples = samples.map((s, i) => ({ ...s, samplesMs: [...s.samplesMs, ...more[i]!.samplesMs] }));
  }
  return samples;
}

/**
 * The table's rows: memory per unit, switching (04's handoff times with 03's verdicts), start-up,
 * CPU speedup of two copies (with CPython's where it ran) and what each is best for.
 */
export function prosAndConsRows(gil: GilData, approaches: ApproachesData, switches: readonly SwitchSamples[], claims: readonly Claim[], cores: number, pythonSwitches: readonly PythonSwitchSamples[] | null = null): Record<string, string>[] {
  const { memoryBytesPerUnit: memory, memoryMetric: metric, startupMedianMs: startup } = approaches;
  const py = approaches.cpython ?? null;
  const cpython = (text: string | null): string => (text === null ? "; CPython not measured here" : `; CPython here: ${text}`);
  const pyHandoff = (unit: string): string => handoffText(pythonSwitches ?? [], unit);
  const node = gil.nodeSpeedup;
  const python = gil.pythonSpeedup;
  const verdict = (id: string): string => claims.find((c) => c.id === id)?.verdict ?? "not measured";
  const row = (feature: string, threads: string, processes: string, async: string, article: string): Record<string, string> => ({
    Feature: feature,
    "Worker threads": threads,
    "Child processes": processes,
    "Async tasks": async,
    [ARTICLE]: article,
  });
  return [
    row(
      "Memory per unit",
      `${formatBytes(memory.threads)} (${metric.threads}; own heap, shares only SharedArrayBuffers)`,
      `${formatBytes(memory.processes)} (${metric.processes})`,
      `${formatBytes(memory.async)} (${metric.async})`,
      `Shared, low / Separate, high / Shared, lowest${cpython(py && `thread ${formatBytes(py.memoryBytesPerUnit.threads)} (${py.memoryMetric.threads}), process ${formatBytes(py.memoryBytesPerUnit.processes)} (${py.memoryMetric.processes}), asyncio task ${formatBytes(py.memoryBytesPerUnit.async)} (${py.memoryMetric.async})`)}`,
    ),
    row(
      "Switching: who decides (03), one handoff's cost (median)",
      `preemptive: the OS (${verdict("approaches.preemptive")}); ${handoffText(switches, "threads")}`,
      `preemptive: the OS; ${handoffText(switches, "processes")}`,
      `cooperative: at each await (${verdict("approaches.cooperative")}); ${handoffText(switches, "async")}`,
      `Preemptive / Preemptive / Cooperative${cpython(pythonSwitches && `thread ${pyHandoff("threads")}, process ${pyHandoff("processes")}, asyncio task ${pyHandoff("async-future")} per handoff`)}`,
    ),
    row(
      "Start-up overhead (median)",
      formatDuration(startup.threads),
      formatDuration(startup.processes),
      formatDuration(startup.async),
      `Medium / High / Very low${cpython(py && `thread ${formatDuration(py.startupMedianMs.threads)}, process ${formatDuration(py.startupMedianMs.processes)}, asyncio task ${formatDuration(py.startupMedianMs.async)}`)}`,
    ),
    row(
      `CPU speedup, 2 copies on ${cores} core(s)`,
      speed(node.threads),
      speed(node.processes),
      `${speed(node.eventLoop)} (one thread)`,
      python ? `GIL-bound: CPython threads ${speed(python["python:threads"])}, processes ${speed(python["python:processes"])}` : "GIL-bound: yes / no / yes (CPython not measured here)",
    ),
    row(
      "Best for (the course's reading of the rows above, not a measurement)",
      "CPU-bound JavaScript; blocking native calls",
      "CPU-bound work that needs isolation (crashes, memory limits)",
      "I/O: many waits at once (chapter 07 holds 10,000 connections)",
      "Generic I/O / CPU bound / Massive I/O",
    ),
  ];
}

/**
 * 04's claims: a switch between async tasks is far cheaper than one between threads (decided on
 * CPython's `pythonSwitches`, with 04's Node `switches` quoted), and from 02's Node run, async is
 * bound to one thread and threads are best for CPU work in Node (02's processes telling a failed
 * run from a real "no").
 */
export function prosAndConsClaims(gil: GilData, switches: readonly SwitchSamples[], cores: number, pythonSwitches: readonly PythonSwitchSamples[] | null = null): Claim[] {
  const node = gil.nodeSpeedup;
  const busy = gil.nodeCoresBusy;
  const claims: Claim[] = [switchCosts(switches, pythonSwitches)];
  if (node.eventLoop) claims.push(asyncBoundToOneThread(node.eventLoop, busy.eventLoop ?? null));
  const processes = node.processes ? { speedup: node.processes, busy: busy.processes ?? null } : null;
  if (node.threads) claims.push(threadsBestFor(node.threads, cores, busy.threads ?? null, processes));
  return claims;
}
