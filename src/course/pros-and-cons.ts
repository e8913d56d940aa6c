/**
 * 04's comparison table, rebuilt from what 02 and 03 measured and from 04's own experiment, the
 * cost of a switch: one row per line of the article's table, Node's three units in columns, the
 * article's words beside them.
 */
import { formatBytes, formatDuration } from "../measure/format";
import type { Stat } from "../measure/stats";
import { measureSwitches, type SwitchSamples } from "../measure/switches";
import { startExperiment } from "../runtime/lifecycle";
import type { ApproachesData } from "./approaches-results";
import { decided, type Claim } from "./claims";
import type { GilData } from "./gil-results";
import { asyncBoundToOneThread, handoffText, switchCosts, threadsBestFor } from "./verdicts";

const ARTICLE = "Article (threading / multiprocessing / asyncio)";

const speed = (s: Stat | null | undefined): string => (s ? `${s.median.toFixed(2)}x` : "n/a");

/**
 * 04's experiment: two async tasks, two worker threads and two child processes each pass a turn
 * back and forth, in interleaved rounds (at least `rounds`, more until switchCosts() decides, at
 * most 3 × rounds). Interrupting the cell stops it and ends its threads and processes.
 */
export function switchingCosts(options: { rounds?: number } = {}): Promise<SwitchSamples[]> {
  const rounds = options.rounds ?? 5;
  return startExperiment((controller) => measureSwitches(undefined, { rounds, maxRounds: 3 * rounds, until: (sofar) => decided(switchCosts(sofar)), signal: controller.signal }));
}

/**
 * The table's rows: memory per unit, switching (04's handoff times with 03's verdicts), start-up,
 * CPU speedup of two copies (with CPython's where it ran) and what each is best for.
 */
export function prosAndConsRows(gil: GilData, approaches: ApproachesData, switches: readonly SwitchSamples[], claims: readonly Claim[], cores: number): Record<string, string>[] {
  const { memoryBytesPerUnit: memory, memoryMetric: metric, startupMedianMs: startup } = approaches;
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
    row("Memory per unit", `${formatBytes(memory.threads)} (${metric.threads}; own heap, shares only SharedArrayBuffers)`, `${formatBytes(memory.processes)} (${metric.processes})`, `${formatBytes(memory.async)} (${metric.async})`, "Shared, low / Separate, high / Shared, lowest"),
    row(
      "Switching: who decides (03), one handoff's cost (median)",
      `preemptive: the OS (${verdict("approaches.preemptive")}); ${handoffText(switches, "threads")}`,
      `preemptive: the OS; ${handoffText(switches, "processes")}`,
      `cooperative: at each await (${verdict("approaches.cooperative")}); ${handoffText(switches, "async")}`,
      "Preemptive / Preemptive / Cooperative",
    ),
    row("Start-up overhead (median)", formatDuration(startup.threads), formatDuration(startup.processes), formatDuration(startup.async), "Medium / High / Very low"),
    row(
      `CPU speedup, 2 copies on ${cores} core(s)`,
      speed(node.threads),
      speed(node.processes),
      `${speed(node.eventLoop)} (one thread)`,
      python ? `GIL-bound: CPython threads ${speed(python["python:threads"])}, processes ${speed(python["python:processes"])}` : "GIL-bound: yes / no / yes (CPython not measured here)",
    ),
    row("Best for", "CPU-bound JavaScript; blocking native calls", "CPU-bound work that needs isolation (crashes, memory limits)", "I/O: many waits at once (chapter 07 holds 10,000 connections)", "Generic I/O / CPU bound / Massive I/O"),
  ];
}

/**
 * 04's claims: a switch between async tasks is far cheaper than one between threads (from 04's
 * own `switches`), and from 02's Node run, async is bound to one thread and threads are best for
 * CPU work in Node.
 */
export function prosAndConsClaims(gil: GilData, switches: readonly SwitchSamples[], cores: number): Claim[] {
  const node = gil.nodeSpeedup;
  const busy = gil.nodeCoresBusy;
  const claims: Claim[] = [switchCosts(switches)];
  if (node.eventLoop) claims.push(asyncBoundToOneThread(node.eventLoop, busy.eventLoop ?? null));
  if (node.threads) claims.push(threadsBestFor(node.threads, cores, busy.threads ?? null));
  return claims;
}
