/**
 * Sentences that say what a figure shows, computed from the numbers behind it: a notebook prints
 * one under each figure, so no outcome is written before the data.
 */
import type { CompareResult } from "../experiment/compare";
import type { ApproachesData } from "./approaches-results";
import { formatBytes, formatDuration } from "../measure/format";
import { strategyName } from "../figures/style";
import { strategyDescriptor } from "../strategies/descriptors";
import type { LoopLagResult } from "../measure/loop-lag";
import type { Span } from "../measure/spans";
import type { StartupSamples, SwitchSamples } from "../experiment/unit-costs";
import { nodeUnitOf } from "../strategies/descriptors";
import { median, pairedRatios } from "../measure/stats";
import { byRepeat, cpuShareOfCopies, laneCount, maxConcurrency } from "./overlap";
import { atLeast, atMost } from "./claims";
import { copySlowdown, handoffText, ONE_CORE_BUSY, oneCoreAtATime, PARALLEL_SHARE, parallelSpeedup, slowdownCause } from "./verdicts";

const x = (value: number): string => `${value.toFixed(2)}x`;

/**
 * What a run of `key` against `sequential` (in the same result) shows about parallelism: how much
 * faster the copies finished, how many ran at once, how many CPUs they kept busy, and whether
 * that is parallel work, with the same rule as the verdicts.
 */
export function parallelCaption(result: CompareResult, key: string): string {
  const measure = parallelSpeedup(result, key);
  const { check, speedup, cores, expected, onCpus } = measure;
  const run = result.strategies.find((s) => s.strategy === key)!;
  const atOnce = maxConcurrency(run.spans);
  const name = strategyName(key);
  const busy = run.coresBusy ? `, keeping ${run.coresBusy.median.toFixed(2)} CPUs busy on average` : "";
  const ran =
    `On ${name}, ${result.copies} copies finished ${x(speedup.median)} as fast as one after another (${x(speedup.min)} to ${x(speedup.max)} over ${speedup.samples.length} repeats)` +
    `${atOnce > 0 ? `, with up to ${atOnce} running at once` : ""}${busy}`;
  if (cores < 2) {
    return `${ran}. With 1 CPU usable the copies share one CPU's worth of time, so together they cannot finish sooner than one after another${atOnce > 1 ? ": the overlap of the bars is that sharing, not parallelism" : ""}.`;
  }
  const needed = onCpus ? `${(PARALLEL_SHARE * expected).toFixed(2)} CPUs busy` : x(PARALLEL_SHARE * expected);
  const slowdown = copySlowdown(result, key);
  const slower = onCpus && check === "yes" && slowdown !== null && slowdown > 1.1 ? ` Each copy took ${x(slowdown)} as long beside the others as alone: ${slowdownCause(result)}.` : "";
  if (check === "yes") return `${ran}: at least ${needed} needs ${expected} CPUs working at the same time, so the copies ran in parallel.${slower}`;
  if (check === "no") return `${ran}: short of the ${needed} that ${expected} CPUs working at once would give, so this run shows no parallel work.`;
  const why = result.noise.busy ? `the run was disturbed (${result.noise.note})` : "the repeats spread too widely to tell";
  return `${ran}: this run cannot tell whether they ran in parallel (parallel work should reach ${needed} here), because ${why}.`;
}

/**
 * The sentence under a wall-time figure: for each strategy against its sequential baseline, how
 * much faster the copies finished and, for CPU work, how many CPUs they kept busy and what that
 * makes them (parallel, one at a time, or undecided); for waiting, whether the waits overlapped.
 * Computed with the verdicts' rule from the same result the figure draws.
 */
export function compareCaption(result: CompareResult): string {
  const cores = result.environment.cores;
  const expected = Math.min(result.copies, cores);
  const parts = result.strategies
    .filter((s) => s.speedup && s.strategy !== "sequential" && s.strategy !== "python:sequential")
    .map((s) => {
      const name = strategyName(s.strategy);
      const speed = `${name} ${x(s.speedup!.median)} as fast as one after another`;
      if (result.cpuBound === false) {
        const overlap = atLeast(s.speedup!, 0.8 * result.copies);
        const serial = atMost(s.speedup!, 1.2);
        return `${speed}: ${overlap === "yes" ? "the waits overlapped" : serial === "yes" ? "the waits ran one after another" : "overlap undecided"}`;
      }
      if (!s.coresBusy) return speed;
      const busy = `${speed}, ${s.coresBusy.median.toFixed(2)} CPUs busy`;
      if (cores < 2) return `${busy} (one usable CPU: nothing can run in parallel)`;
      // The verdicts' own rules, so that a caption never says what the claim's verdict would not.
      const parallel = parallelSpeedup(result, s.strategy).check;
      const alone = oneCoreAtATime(result, s.strategy).check;
      return `${busy}: ${parallel === "yes" ? "parallel work" : alone === "yes" ? "one core at a time" : "undecided"}`;
    });
  if (parts.length === 0) return "";
  const rule =
    result.cpuBound === false
      ? `waits overlap when the 95 % interval of the speedup lies at or above ${x(0.8 * result.copies)}`
      : `parallel work keeps at least ${(PARALLEL_SHARE * expected).toFixed(2)} CPUs busy, one core at a time at most ${ONE_CORE_BUSY.toFixed(2)}, by the 95 % interval of ${result.repeats} repeats`;
  return `Here, ${result.copies} copies on ${cores} usable CPU${cores === 1 ? "" : "s"}: ${parts.join("; ")} (${rule}).`;
}

const ms = formatDuration;
const times = (value: number): string => (value >= 10 ? `${Math.round(value).toLocaleString("en-US")}x` : x(value));

/**
 * The sentence under a timeline: per strategy, how many copies ran at once (in every repeat), on
 * how many lanes, and how long a copy took against one run alone (the sequential copies, when the
 * spans include them).
 */
export function timelineCaption(spans: readonly Span[]): string {
  const keys = [...new Set(spans.map((s) => s.strategy))];
  const duration = (group: readonly Span[]): number => median(group.map((s) => s.endMs - s.startMs));
  const alone = keys.find((k) => strategyDescriptor(k)?.baseline === k);
  const aloneMs = alone ? duration(spans.filter((s) => s.strategy === alone)) : null;
  const parts = keys.map((key) => {
    const mine = spans.filter((s) => s.strategy === key);
    const runs = byRepeat(mine);
    const least = Math.min(...runs.map(maxConcurrency));
    const most = Math.max(...runs.map(maxConcurrency));
    const atOnce = least === most ? `${most}` : `${least} to ${most}`;
    const copyMs = duration(mine);
    const against = aloneMs !== null && key !== alone ? ` (${x(copyMs / aloneMs)} a copy alone)` : "";
    const share = cpuShareOfCopies(mine);
    const cpu = share === null ? "" : `, with ${Math.round(share * 100)}% of a CPU while it ran`;
    return `${strategyName(key)}: up to ${atOnce} at once on ${laneCount(mine)} lane${laneCount(mine) === 1 ? "" : "s"}, a copy took ${ms(copyMs)}${against}${cpu}`;
  });
  return `In these runs, ${parts.join("; ")}.`;
}

/** The sentence under an event-loop lag figure: how late the timer was at worst in each case, against the calmest. */
export function loopLagCaption(cases: readonly { readonly label: string; readonly lag: LoopLagResult<unknown> }[]): string {
  if (cases.length === 0) return "";
  const calm = Math.max(1, Math.min(...cases.map((c) => c.lag.maxLateMs)));
  const parts = cases.map((c) => `${ms(c.lag.maxLateMs)} ${c.label}${c.lag.maxLateMs > 4 * calm ? ` (${times(c.lag.maxLateMs / calm)} the calmest case)` : ""}`);
  return `At worst the timer fired ${parts.join(", ")}.`;
}

/** The sentence under the start-up figure: medians and how many times slower each unit started than the one before. */
export function startupCaption(startups: readonly StartupSamples[]): string {
  const ordered = [...startups].map((s) => ({ name: s.strategy, ms: median(s.samplesMs) })).sort((a, b) => a.ms - b.ms);
  const parts = ordered.map((u, i) => `${u.name} ${ms(u.ms)}${i > 0 && ordered[i - 1]!.ms > 0 ? ` (${times(u.ms / ordered[i - 1]!.ms)} the ${ordered[i - 1]!.name})` : ""}`);
  return `Median start-up here, fastest first: ${parts.join(", ")}.`;
}

/** The sentence under the memory figure: bytes per unit, each with its meter, and the ratios between them. */
export function memoryCaption(memory: readonly { readonly strategy: string; readonly bytesPerUnit: number; readonly metric: string }[]): string {
  const ordered = [...memory].sort((a, b) => a.bytesPerUnit - b.bytesPerUnit);
  const parts = ordered.map((u, i) => `${u.strategy} ${formatBytes(u.bytesPerUnit)} (${u.metric})${i > 0 && ordered[i - 1]!.bytesPerUnit > 0 ? `, ${times(u.bytesPerUnit / ordered[i - 1]!.bytesPerUnit)} the ${ordered[i - 1]!.strategy}` : ""}`);
  return `Memory per unit here, least first: ${parts.join("; ")}.`;
}

/** The sentence under the speedup curve: at the most copies, each strategy's speedup, efficiency and CPUs busy. */
export function speedupCurveCaption(points: readonly { readonly strategy: string; readonly workers: number; readonly speedup: { readonly median: number }; readonly coresBusy?: { readonly median: number } | null }[], cores: number): string {
  if (points.length === 0) return "";
  const top = Math.max(...points.map((p) => p.workers));
  const ideal = Math.min(top, cores);
  const parts = points
    .filter((p) => p.workers === top)
    .map((p) => `${strategyName(p.strategy)} ${x(p.speedup.median)} (efficiency ${(p.speedup.median / ideal).toFixed(2)}${p.coresBusy ? `, ${p.coresBusy.median.toFixed(2)} CPUs busy` : ""})`);
  return `With ${top} cop${top === 1 ? "y" : "ies"} on ${cores} usable CPU${cores === 1 ? "" : "s"} (ideal speedup here: ${x(ideal)}): ${parts.join(", ")}.`;
}

/** The sentence under the many-waits figure: the largest batch against one wait. */
export function waitsCaption(points: readonly { readonly copies: number; readonly wallMs: number }[], waitMs: number): string {
  if (points.length === 0) return "";
  const most = points.reduce((best, p) => (p.copies > best.copies ? p : best));
  const one = points.find((p) => p.copies === 1);
  const against = one ? `, ${x(most.wallMs / one.wallMs)} the time of a single one (${ms(one.wallMs)})` : "";
  return `${most.copies.toLocaleString("en-US")} concurrent ${waitMs} ms waits on one thread took ${ms(most.wallMs)} in all${against}; one after another they would take ${ms(most.copies * waitMs)}.`;
}

/** The sentence under the massive-waiting table: time and memory of the pool against one thread. */
export function massiveWaitingCaption(result: { readonly async: { readonly wallMs: number; readonly addedBytes: number; readonly failed: number }; readonly pool: { readonly threads: number; readonly wallMs: number; readonly addedBytes: number } }): string {
  const a = result.async;
  const p = result.pool;
  // Resident memory can fall during a run (the kernel frees pages): a ratio only means something when both grew.
  const memory =
    a.addedBytes > 0 && p.addedBytes > 0
      ? `${x(p.addedBytes / a.addedBytes)} the memory`
      : p.addedBytes > 0
        ? `${formatBytes(p.addedBytes)} of memory against none measurable`
        : a.addedBytes > 0
          ? `no measurable memory against ${formatBytes(a.addedBytes)}`
          : "no measurable memory either way";
  return `One thread: ${formatDuration(a.wallMs)} and ${formatBytes(a.addedBytes)} added, ${a.failed} failed; the pool of ${p.threads}: ${x(p.wallMs / a.wallMs)} the time and ${memory}.`;
}

/** The sentence on what one more unit costs: start-up and memory, async task → worker thread → child process, each step's ratio. */
export function unitCostsCaption(approaches: ApproachesData): string {
  const { startupMedianMs: s, memoryBytesPerUnit: m } = approaches;
  const step = (a: number, b: number): string => (a > 0 ? ` (${times(b / a)})` : "");
  return (
    `Here, async task → worker thread → child process: start-up ${ms(s.async)} → ${ms(s.threads)}${step(s.async, s.threads)} → ${ms(s.processes)}${step(s.threads, s.processes)}; ` +
    `memory ${formatBytes(m.async)} → ${formatBytes(m.threads)}${step(m.async, m.threads)} → ${formatBytes(m.processes)}${step(m.threads, m.processes)}.`
  );
}

/**
 * The sentence for CPython's shared counter (pythonSharedCounter): who ran it (version, GIL,
 * switch interval) and what each run lost without and with a Lock; says so where no CPython ran.
 */
export function cpythonCounterCaption(
  result: { readonly threads: number; readonly times: number; readonly plain: readonly { readonly lost: number }[]; readonly locked: readonly { readonly lost: number }[]; readonly interpreter: { readonly version: string; readonly gil: boolean; readonly switchIntervalS: number } } | null,
): string {
  if (!result) return "No CPython 3.8+ found: the claim about Python's threads is not measured here.";
  const { version, gil, switchIntervalS } = result.interpreter;
  const lost = (runs: readonly { readonly lost: number }[]): string => runs.map((r) => r.lost.toLocaleString("en-US")).join(", ");
  return (
    `CPython ${version} (GIL ${gil ? "on" : "off"}, switch interval ${ms(switchIntervalS * 1000)}), ${result.threads} threads × ${result.times.toLocaleString("en-US")} \`counter[0] += 1\` ` +
    `of ${(result.threads * result.times).toLocaleString("en-US")}: lost ${lost(result.plain)} without a Lock, ${lost(result.locked)} with one (one number per run).`
  );
}

/**
 * The sentence for CPython's many asyncio waits (pythonConcurrentWaits): waitsCaption's numbers,
 * and what one task held while it waited; says so where no CPython ran (null).
 */
export function cpythonWaitsCaption(points: readonly { readonly copies: number; readonly wallMs: number; readonly bytesPerTask: number }[] | null, waitMs: number): string {
  if (!points || points.length === 0) return "No CPython 3.8+ found: the claim about asyncio is not measured here.";
  const most = points.reduce((best, p) => (p.copies > best.copies ? p : best));
  return `CPython: ${waitsCaption(points, waitMs)} Each asyncio task held about ${formatBytes(most.bytesPerTask)} while it waited (tracemalloc).`;
}

/**
 * The sentence under CPython's handoffs: an asyncio task through a future (one turn of the loop)
 * and with sleep(0), two threads, two processes, and a thread's handoff over an asyncio task's.
 */
export function cpythonSwitchCaption(switches: readonly { readonly strategy: string; readonly samplesMs: readonly number[] }[]): string {
  const med = (unit: string): number | null => {
    const found = switches.find((s) => s.strategy === unit);
    return found && found.samplesMs.length > 0 ? median(found.samplesMs) : null;
  };
  const [future, threads] = [med("async-future"), med("threads")];
  const text = (unit: string): string => handoffText(switches, unit);
  const ratio = future && threads ? `: a thread's handoff took ${times(threads / future)} an asyncio task's` : "";
  return `In CPython one handoff took (median): asyncio task ${text("async-future")} through a future (${text("async")} with sleep(0)), thread ${text("threads")}, process ${text("processes")}${ratio}.`;
}

/**
 * The sentence after 04's switching figure: each unit's median handoff, and how many times an
 * async task's each costs (the median of the ratios paired by round, as the claim reads it).
 */
export function switchCostsCaption(switches: readonly SwitchSamples[]): string {
  const awaits = switches.find((s) => s.strategy === "async");
  const parts = switches.map((s) => {
    const ratio = awaits && s !== awaits ? ` (${times(pairedRatios(s.samplesMs, awaits.samplesMs).median)} an await's)` : "";
    return `two ${nodeUnitOf(s.strategy)?.plural ?? s.strategy} ${handoffText(switches, s.strategy)}${ratio}`;
  });
  const rounds = Math.min(...switches.map((s) => s.samplesMs.length));
  const turn = awaits?.eventLoopTurnMs && awaits.eventLoopTurnMs.length > 0 ? ` Through a turn of the event loop (each awaiting a setImmediate), an async handoff took ${ms(median(awaits.eventLoopTurnMs))}.` : "";
  return `Here, one handoff between ${parts.join(", between ")}: medians of ${rounds} round${rounds === 1 ? "" : "s"}.${turn}`;
}

/** The sentence under 00's durations figure: the median, the range and spread of the runs, and how the first compares. */
export function durationsCaption(durationsMs: readonly number[]): string {
  if (durationsMs.length === 0) throw new RangeError("durationsMs must hold at least one duration; time the work first (timeEach)");
  const mid = median(durationsMs);
  const [low, high] = [Math.min(...durationsMs), Math.max(...durationsMs)];
  const spread = `${Math.round((100 * (high - low)) / mid)} % of the median`;
  const first = durationsMs[0]!;
  return `Here: median ${ms(mid)} over ${durationsMs.length} runs, from ${ms(low)} to ${ms(high)} (a spread of ${spread}); the first run took ${ms(first)}, ${x(first / mid)} the median.`;
}
