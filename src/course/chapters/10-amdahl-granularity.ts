/**
 * Chapter 10, Amdahl's law and granularity: a fixed job cut into tasks from a few µs to tens of ms
 * on worker threads against the job in one piece; jobs with a built-in serial part on 1..P workers,
 * with the serial fraction fitted back; what a message costs by size (clone, transfer, shared, and
 * CPython's pickling to a process); and physical against logical cores, the quota, and what
 * `os.availableParallelism()` says against what this process could keep busy.
 */
import { availableParallelism } from "node:os";
import { describeMachine, type MachineDescription } from "../../environment";
import { BUSY_CONTENTION } from "../../experiment/compare";
import { amdahlJobs, amdahlSpeedup, countsPerMs, dispatchCost, fitSerialFraction, granularity, type AmdahlResult, type GranularityPoint, type GranularityResult, type SerialFit } from "../../experiment/granularity";
import { MESSAGE_WAYS, messageCosts, pythonPickleCosts, sizeSlopes, type MessagePoint } from "../../experiment/message-cost";
import { amdahlFigure, granularityFigure, messageCostFigure } from "../../figures/granularity";
import { cpuLimitText } from "../../machine-limits";
import { readCpuTopology, type CpuTopology } from "../../machine-topology";
import { formatBytes } from "../../measure/format";
import { meanInterval, summarize, type Stat } from "../../measure/stats";
import { WorkerThreadPool } from "../../pools/thread-pool";
import { findPython } from "../../python";
import type { Chapter, ChapterResults, Size } from "../chapter";
import { atLeast, atMost, decided, observedStat, thresholdRule, verdictOf, type Check, type Claim } from "../claims";
import { coresBusyUntilDecided, type ExerciseResult } from "../exercise-kit";
import { claim, NO_CPYTHON, PARALLEL_SHARE, speedupClaim, x, xFormat } from "../judging";
import { ANY_HIGH, rangeChoice, type Question } from "../questions";

export { amdahlFigure, granularityFigure, messageCostFigure, amdahlSpeedup, fitSerialFraction, readCpuTopology };
export type { AmdahlResult, GranularityPoint, GranularityResult, MessagePoint, SerialFit, CpuTopology };

const SECTION = "10-amdahl-granularity";
const us = (v: number): string => (v >= 1000 ? `${(v / 1000).toFixed(v >= 10_000 ? 0 : 1)} ms` : `${v.toFixed(v < 10 ? 1 : 0)} µs`);

/** Tasks at most this share of one task's round trip are "too small": dispatch is most of their cost. */
export const TINY_TASK_SHARE = 0.25;
/** How far a fitted serial fraction may sit from the built-in one and still "recover" it. */
export const FIT_TOLERANCE = 0.1;
/** Slopes of log(round trip) against log(size): copying grows at least this fast… */
export const COPY_SLOPE = 0.5;
/**
 * …and a cost that "does not grow with size" at most this fast: the same line, halfway between a
 * copy (slope 1) and a handle (slope 0), so that each outcome has room for noise on its side.
 */
export const FLAT_SLOPE = 0.5;
/** The message sizes the slopes are fitted over start here: below it a round trip's fixed cost hides the copying. */
export const SLOPE_FROM_BYTES = 256 * 1024;

const smallest = (r: GranularityResult): GranularityPoint => {
  const most = Math.max(...r.points.map((p) => p.workers));
  return r.points.filter((p) => p.workers === most).reduce((a, b) => (b.taskUs < a.taskUs ? b : a));
};
/** Other programs took more than BUSY_CONTENTION of the CPU: a result against the claim proves nothing. */
const busyRun = (r: { readonly contention: number | null }): boolean => r.contention !== null && r.contention > BUSY_CONTENTION;
const othersText = (r: { readonly contention: number | null }): string => `other programs took ${Math.round((r.contention ?? 0) * 100)}% of the CPU meanwhile: a result against the claim proves nothing`;

const largest = (r: GranularityResult): GranularityPoint => {
  const most = Math.max(...r.points.map((p) => p.workers));
  return r.points.filter((p) => p.workers === most).reduce((a, b) => (b.taskUs > a.taskUs ? b : a));
};

/** 10: tasks much smaller than their round trip make the job slower than in one piece; decided on the smallest tasks, most workers. */
export function tinyTasks(r: GranularityResult): Claim {
  const p = smallest(r);
  const rt = r.dispatchUs.median;
  const parts = {
    id: "granularity.tiny-tasks",
    section: SECTION,
    claim: "Cut a job into tasks much smaller than what handing one out costs, and the parallel job runs slower than the same work in one piece.",
    measured: `${p.tasks.toLocaleString("en-US")} tasks of ${us(p.taskUs)} each on ${p.workers} worker thread${p.workers === 1 ? "" : "s"}: ${x(p.speedup.median)} the speed of the job in one piece (${r.onePieceMs.median.toFixed(0)} ms); one task's round trip ${us(rt)}`,
    rule: thresholdRule("speedup of the smallest tasks over one piece", p.speedup, "at most", 1, xFormat) + `; judged only where a task's work is at most ${TINY_TASK_SHARE} of its round trip`,
    observed: observedStat(p.speedup, { taskUs: p.taskUs, dispatchUs: rt }),
  };
  if (p.taskUs > TINY_TASK_SHARE * rt) {
    return claim({ ...parts, verdict: "unclear", reason: `the smallest tasks (${us(p.taskUs)}) were not small against their round trip (${us(rt)}): this run did not test the claim` });
  }
  const measuredCheck = atMost(p.speedup, 1);
  const check = measuredCheck === "no" && busyRun(r) ? "unclear" : measuredCheck;
  return claim({
    ...parts,
    verdict: verdictOf(check),
    reason:
      measuredCheck === "no" && check === "unclear"
        ? othersText(r)
        : check === "yes"
        ? `each task cost the main thread more to hand out and collect than the task's own work, so dispatch made the job slower`
        : check === "no"
          ? "the tiny tasks still beat one piece: dispatch here was cheaper than the round trip suggests (handing out overlapped the work)"
          : "this run did not decide whether the tiny tasks were slower than one piece",
  });
}

/** 10: tasks far larger than their round trip let the workers approach their count in speedup; needs 2+ CPUs. */
export function largeTasks(r: GranularityResult, machine: number | MachineDescription): Claim {
  const p = largest(r);
  const cores = typeof machine === "number" ? machine : machine.cores;
  const expected = Math.min(p.workers, cores, p.tasks);
  const threshold = PARALLEL_SHARE * expected;
  const measuredCheck = atLeast(p.speedup, threshold);
  const check = measuredCheck === "no" && busyRun(r) ? "unclear" : measuredCheck;
  return speedupClaim(machine, {
    id: "granularity.large-tasks",
    section: SECTION,
    claim: "Tasks far larger than what handing one out costs let N workers run the job nearly N times as fast.",
    measured: `${p.tasks} tasks of ${us(p.taskUs)} on ${p.workers} worker threads: ${x(p.speedup.median)} the speed of one piece (range ${x(p.speedup.min)}–${x(p.speedup.max)}); one task's round trip ${us(r.dispatchUs.median)}`,
    verdict: expected < 2 ? "unclear" : verdictOf(check),
    reason:
      expected < 2
        ? "the largest tasks were too few to keep two workers busy: this run did not test the claim"
        : measuredCheck === "no" && check === "unclear"
          ? othersText(r)
          : check === "yes"
          ? "dispatch was a tiny share of each task, so the workers spent their time working"
          : check === "no"
            ? "even large tasks fell short of the workers' count: the cores slowed each other down or other programs held them"
            : "this run did not decide whether the large tasks reached the speedup",
    rule: thresholdRule("speedup of the largest tasks over one piece", p.speedup, "at least", threshold, xFormat),
  });
}

/** The fit of each job with a built-in serial part (0 < s), from an amdahlJobs result; null on one worker. */
export function serialFits(r: AmdahlResult): SerialFit[] {
  const fractions = [...new Set(r.points.map((p) => p.serial))].sort((a, b) => a - b);
  return fractions.map((s) => fitSerialFraction(r.points.filter((p) => p.serial === s), s)).filter((f): f is SerialFit => f !== null);
}

const recovers = (f: SerialFit): Check => {
  const lo = f.serial! - FIT_TOLERANCE;
  const hi = f.serial! + FIT_TOLERANCE;
  return f.interval.low >= lo && f.interval.high <= hi ? "yes" : f.interval.high < lo || f.interval.low > hi ? "no" : "unclear";
};

/**
 * 10: Amdahl's law, judged on jobs with a known serial part (s > 0): it holds when the serial
 * fraction fitted from the measured speedups recovers the built-in one within FIT_TOLERANCE (its
 * 95 % interval inside), differs when it lies wholly outside for some job. The fit counts the
 * parallel part at the speed it was measured to run side by side (fitSerialFraction), so cores
 * that slow each other down are not mistaken for serial work; the reason quotes that slowdown. The job with s = 0 is
 * shown, not judged: its fit is the machine's own loss (large-tasks judges that). Needs 2+ CPUs.
 */
export function amdahlLaw(r: AmdahlResult, machine: number | MachineDescription): Claim {
  const fits = serialFits(r).filter((f) => f.serial! > 0);
  const checks = fits.map(recovers);
  const measuredCheck: Check = fits.length === 0 ? "unclear" : checks.includes("no") ? "no" : checks.every((c) => c === "yes") ? "yes" : "unclear";
  const check = measuredCheck === "no" && busyRun(r) ? "unclear" : measuredCheck;
  const text = fits.map((f) => `built-in s = ${f.serial}: fitted ${f.fitted.toFixed(3)} (95 % interval ${f.interval.low.toFixed(3)}–${f.interval.high.toFixed(3)})`).join("; ");
  const worst = r.points.filter((p) => p.workers > 1).reduce((m, p) => Math.max(m, p.slowdown), 1);
  return speedupClaim(machine, {
    id: "granularity.amdahl",
    section: SECTION,
    claim: "Amdahl's law: a job whose serial fraction is s runs at most 1 / (s + (1 − s) / P) times faster on P cores: its serial part, not the cores, sets the curve its speedups follow.",
    measured: `jobs of ${r.totalMs} ms on 1 to ${r.maxWorkers} worker threads, ${r.repeats} repeats: ${text || "no job with a serial part on 2 or more workers"}`,
    verdict: verdictOf(check),
    reason:
      measuredCheck === "no" && check === "unclear"
        ? othersText(r)
        : check === "yes"
        ? `the serial fraction fitted from the speedups is the one built into the jobs: the serial part capped the speedup as Amdahl's law says${worst > 1.02 ? ` (the parallel part itself ran ${x(worst)} as long per unit of work with the workers side by side, a cost the fit counts apart and that the law leaves out)` : ""}`
        : check === "no"
          ? `the fitted serial fraction is not the built-in one, even counting the parallel part at the speed it ran side by side (${x(worst)} as long per unit of work): something else than the serial part (handing out the work, collecting it) limited the speedup`
          : "this run did not decide whether the fit recovers the built-in fraction",
    rule: `for each job with built-in s > 0: yes if the 95 % interval of s fitted per repeat (least squares of 1/S − k/P = s (1 − k/P) over P ≥ 2, k the measured time per unit of parallel work on P workers side by side over that on one) lies within ±${FIT_TOLERANCE} of s, no if it lies wholly outside; holds if every job says yes, differs if one says no, else unclear`,
  });
}

/** The slopes of each way's round trips against size over SLOPE_FROM_BYTES and up, with their intervals. */
export function messageSlopes(points: readonly MessagePoint[]): { way: string; slope: Stat | null; low: number; high: number }[] {
  const ways = [...new Set(points.map((p) => p.way))];
  return ways.map((way) => {
    const slopes = sizeSlopes(points.filter((p) => p.way === way && p.bytes >= SLOPE_FROM_BYTES));
    if (slopes.length < 2) return { way, slope: null, low: -Infinity, high: Infinity };
    const i = meanInterval(slopes);
    return { way, slope: summarize(slopes), low: i.low, high: i.high };
  });
}

const slopeText = (s: { way: string; slope: Stat | null; low: number; high: number }): string =>
  s.slope === null ? `${s.way}: too few sizes` : `${s.way} ${s.slope.median.toFixed(2)} (95 % interval ${s.low.toFixed(2)}–${s.high.toFixed(2)})`;

/** 10: copying a message costs in proportion to its size; transferring or sharing it does not. */
export function copyAgainstTransfer(points: readonly MessagePoint[]): Claim {
  const slopes = messageSlopes(points.filter((p) => p.way !== "python-pickle"));
  const of = (way: string) => slopes.find((s) => s.way === way) ?? { way, slope: null, low: -Infinity, high: Infinity };
  const clone = of("clone");
  const flat = [of("transfer"), of("shared")];
  const grows: Check = clone.low >= COPY_SLOPE ? "yes" : clone.high < COPY_SLOPE ? "no" : "unclear";
  const flats: Check[] = flat.map((s) => (s.high <= FLAT_SLOPE ? "yes" : s.low > FLAT_SLOPE ? "no" : "unclear"));
  const all = [grows, ...flats];
  const measuredCheck: Check = all.includes("no") ? "no" : all.every((c) => c === "yes") ? "yes" : "unclear";
  const others = Math.max(0, ...points.map((p) => p.contention ?? 0));
  const busy = others > BUSY_CONTENTION;
  const check = measuredCheck === "no" && busy ? "unclear" : measuredCheck;
  const top = Math.max(...points.map((p) => p.bytes));
  const at = (way: string) => points.find((p) => p.way === way && p.bytes === top)?.roundTripMs.median ?? NaN;
  return claim({
    id: "granularity.copy-vs-transfer",
    section: SECTION,
    claim: "A message copied by structured clone costs time in proportion to its size; one moved by a transfer list, or shared as a SharedArrayBuffer, does not.",
    measured: `round trips to a worker thread, slopes of log(time) on log(size) from ${formatBytes(SLOPE_FROM_BYTES)} to ${formatBytes(top)}: ${[clone, ...flat].map(slopeText).join("; ")}; at ${formatBytes(top)}: clone ${at("clone").toFixed(2)} ms, transfer ${at("transfer").toFixed(3)} ms, shared ${at("shared").toFixed(3)} ms`,
    verdict: verdictOf(check),
    reason:
      measuredCheck === "no" && busy
        ? othersText({ contention: others })
        : check === "yes"
        ? "the clone's time grew with the bytes it copied; a transfer moved the memory's owner and a shared buffer sent a handle, whatever the size"
        : check === "no"
          ? grows === "no"
            ? "the clone's time did not grow with the size as copying would"
            : "a transfer or a shared buffer took longer as the payload grew, as if it were copied"
          : "this run did not decide the slopes",
    rule: `slopes per repeat over sizes from ${formatBytes(SLOPE_FROM_BYTES)}: yes if the clone's 95 % interval lies at or above ${COPY_SLOPE} and each of transfer's and shared's at or below ${FLAT_SLOPE}; differs if one lies wholly on the wrong side; else unclear`,
  });
}

const PICKLE_CLAIM = "In CPython, a message to another process is pickled and copied through a pipe: its cost grows with its size.";

/** 10: CPython's messages to a process cost in proportion to their size (multiprocessing Pipe). */
export function pythonPickle(points: readonly MessagePoint[] | null): Claim {
  const parts = { id: "granularity.python-pickle", section: SECTION, claim: PICKLE_CLAIM };
  if (!points || points.length === 0) return claim({ ...parts, measured: "no CPython run", verdict: "not measured", reason: NO_CPYTHON, rule: "needs a CPython 3.8 or newer" });
  const [s] = messageSlopes(points);
  const check: Check = !s || s.slope === null ? "unclear" : s.low >= COPY_SLOPE ? "yes" : s.high < COPY_SLOPE ? "no" : "unclear";
  const top = points.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  return claim({
    ...parts,
    measured: `CPython: round trips through a multiprocessing Pipe, slope ${s ? slopeText({ ...s, way: "of log(time) on log(size)" }) : "none"}; ${formatBytes(top.bytes)} took ${top.roundTripMs.median.toFixed(1)} ms there and back`,
    verdict: verdictOf(check),
    reason: check === "yes" ? "every byte was pickled, written to the pipe, read and unpickled, each way" : check === "no" ? "the round trip did not grow with the size as copying would" : "this run did not decide the slope",
    rule: `slope per repeat over sizes from ${formatBytes(SLOPE_FROM_BYTES)}: yes if its 95 % interval lies at or above ${COPY_SLOPE}, no if below, else unclear`,
  });
}

/** What the cores experiment found: the topology, the limits, and how many CPUs N spinning threads kept busy. */
export interface CoresFound {
  readonly topology: CpuTopology;
  readonly availableParallelism: number;
  readonly machine: MachineDescription;
  /** CPUs busy at once with availableParallelism() spinning worker threads; null where CPU time cannot be read. */
  readonly busy: { readonly stat: Stat; readonly check: Check; readonly busy: boolean } | null;
}

/** 10: os.availableParallelism() is the number of CPUs this process can keep busy. */
export function availableParallelismClaim(found: CoresFound): Claim {
  const n = found.availableParallelism;
  const threshold = PARALLEL_SHARE * n;
  const parts = {
    id: "granularity.available-parallelism",
    section: SECTION,
    claim: "os.availableParallelism() is how many CPUs this process can keep busy at once.",
  };
  if (!found.busy) return claim({ ...parts, measured: `availableParallelism() = ${n}; this platform does not let CPU time be read`, verdict: "not measured", reason: "CPUs busy cannot be read here (Linux /proc only)", rule: "needs a CPU-time meter" });
  const measured = atLeast(found.busy.stat, threshold);
  const check = measured === "no" && found.busy.busy ? "unclear" : measured;
  const quota = found.machine.cpuLimit.quotaCpus;
  return claim({
    ...parts,
    measured: `availableParallelism() = ${n}; ${n} spinning worker threads kept ${found.busy.stat.median.toFixed(2)} CPUs busy at once; ${cpuLimitText(found.machine.cpuLimit)}`,
    verdict: verdictOf(check),
    reason:
      check === "yes"
        ? "as many threads as it reports kept about that many CPUs busy"
        : check === "no"
          ? `the threads could not keep that many CPUs busy${quota !== null && quota < n ? `: this container's CPU quota (${quota} CPUs' worth) binds, and Node does not read it` : ""}`
          : found.busy.busy ? "other programs used the CPUs meanwhile: a shortfall proves nothing" : "this run did not decide how many CPUs were busy",
    rule: thresholdRule(`CPUs busy with ${n} spinning threads`, found.busy.stat, "at least", threshold, (v) => v.toFixed(2)),
  });
}

// ---- experiments, at full and short size

const GRANULARITY = {
  full: { totalMs: 50, taskUs: [5, 50, 500, 5_000, 25_000], repeats: 5 },
  short: { totalMs: 80, taskUs: [5, 40_000], repeats: 5 },
} as const;

/** The job of GRANULARITY's length (50 ms) cut into tasks from 5 µs to 25 ms (short: 80 ms, 5 µs and 40 ms), on 1 and all usable CPUs' worth of worker threads, 5 repeats and up to 15 until its claims decide. */
export function granularityRun(size: Size = "full", cores: number = describeMachine().cores): Promise<GranularityResult> {
  const g = GRANULARITY[size];
  const workers = [...new Set(size === "full" ? [1, cores] : [cores])];
  return granularity({ totalMs: g.totalMs, taskUs: g.taskUs, workers, repeats: g.repeats, maxRepeats: 3 * g.repeats, until: (r) => decided([tinyTasks(r), largeTasks(r, cores)]) });
}

const AMDAHL = { full: { totalMs: 300, fractions: [0, 0.25, 0.5], repeats: 5, maxWorkers: 8 }, short: { totalMs: 300, fractions: [0.5], repeats: 5, maxWorkers: 2 } } as const;

/** Jobs of 300 ms with serial fractions 0, 0.25 and 0.5 on 1 to min(cores, 8) workers (short: 0.5 on 1 to 2). */
export function amdahlRun(size: Size = "full", cores: number = describeMachine().cores): Promise<AmdahlResult> {
  const a = AMDAHL[size];
  return amdahlJobs({ totalMs: a.totalMs, fractions: a.fractions, maxWorkers: Math.max(1, Math.min(cores, a.maxWorkers)), repeats: a.repeats, maxRepeats: 2 * a.repeats, until: (r) => decided(amdahlLaw(r, cores)) });
}

const SIZES = { full: [1 << 10, 16 << 10, 256 << 10, 4 << 20, 64 << 20], short: [1 << 10, 256 << 10, 4 << 20] } as const;
const PY_SIZES = { full: [1 << 10, 16 << 10, 256 << 10, 4 << 20, 64 << 20], short: [1 << 10, 256 << 10, 4 << 20] } as const;
const pyRepeats = (bytes: number): number => (bytes <= 1 << 20 ? 20 : bytes <= 16 << 20 ? 6 : 4);

/** Round trips of 1 KiB to 64 MiB (short: to 4 MiB) to a worker thread, by clone, transfer and shared buffer. */
export function messagesRun(size: Size = "full"): Promise<MessagePoint[]> {
  return messageCosts({ sizes: SIZES[size] });
}

/** The same sizes pickled to a CPython process through a Pipe; null without CPython 3.8+. */
export async function pythonMessagesRun(size: Size = "full"): Promise<MessagePoint[] | null> {
  return findPython() ? pythonPickleCosts(PY_SIZES[size], pyRepeats) : null;
}

/** Physical and logical cores, the quota, availableParallelism(), and CPUs busy with that many spinning threads (200 ms each). */
export async function coresRun(): Promise<CoresFound> {
  const machine = describeMachine();
  const n = availableParallelism();
  const size = Math.round((await countsPerMs()) * 200);
  const busy = await coresBusyUntilDecided("threads", size, n, (stat) => atLeast(stat, PARALLEL_SHARE * n));
  return { topology: readCpuTopology(undefined, machine.cpuLimit.cores), availableParallelism: n, machine, busy };
}

// ---- captions

/** The sentence under the granularity figure: where splitting started to pay, and the effective serial fraction at each size. */
export function granularityCaption(r: GranularityResult): string {
  const most = Math.max(...r.points.map((p) => p.workers));
  const mine = r.points.filter((p) => p.workers === most).sort((a, b) => a.taskUs - b.taskUs);
  const paying = mine.find((p) => p.speedup.min > 1);
  const serialShare = (p: GranularityPoint): string => {
    const s = Math.max(0, (1 / p.speedup.median - 1 / most) / (1 - 1 / most));
    return s > 1 ? "over 1 (slower than one piece)" : s.toFixed(2);
  };
  const eff = most >= 2 ? mine.map((p) => `${us(p.taskUs)}: ${serialShare(p)}`).join(", ") : "";
  return (
    `The job took ${r.onePieceMs.median.toFixed(0)} ms in one piece; one task's round trip was ${us(r.dispatchUs.median)}. ` +
    `On ${most} worker thread${most === 1 ? "" : "s"}, ${mine.map((p) => `${us(p.taskUs)} tasks ran at ${x(p.speedup.median)}`).join(", ")}. ` +
    (paying ? `Splitting paid in every repeat from tasks of ${us(paying.taskUs)} (${x(paying.taskUs / r.dispatchUs.median)} the round trip) up.` : "No task size paid in every repeat.") +
    (eff ? ` Read as Amdahl's serial fraction, the dispatch made the job act as if this share were serial: ${eff}.` : "")
  );
}

/** The sentence under the Amdahl figure: each fit against its built-in fraction, and the slowdown of the parallel part. */
export function amdahlCaption(r: AmdahlResult): string {
  const fits = serialFits(r);
  if (fits.length === 0) return `Only one worker here: no speedup on 2 or more workers to fit a serial fraction to.`;
  const worst = r.points.filter((p) => p.workers > 1).reduce((m, p) => Math.max(m, p.slowdown), 1);
  return (
    fits.map((f) => `built-in s = ${f.serial}: fitted ${f.fitted.toFixed(3)} ± ${((f.interval.high - f.interval.low) / 2).toFixed(3)}, the model within ${x(f.maxResidual)} of every median speedup`).join("; ") +
    `. With workers side by side, a unit of parallel work took up to ${x(worst)} as long as on one worker: the fit counts that apart, and it is why the measured points sit below Amdahl's curve (dashed), which assumes the cores do not slow each other.`
  );
}

/** The sentence under the message figure: at the largest size, each way's round trip, and the slopes. */
export function messagesCaption(points: readonly MessagePoint[], python: readonly MessagePoint[] | null): string {
  const top = Math.max(...points.map((p) => p.bytes));
  const small = Math.min(...points.map((p) => p.bytes));
  const at = (way: string, b: number) => points.find((p) => p.way === way && p.bytes === b)?.roundTripMs.median ?? NaN;
  const ways = MESSAGE_WAYS.map((w) => `${w} ${at(w, small).toFixed(3)} → ${at(w, top).toFixed(3)} ms`).join(", ");
  const py = python && python.length > 0 ? ` CPython's pickled round trip to a process: ${python[0]!.roundTripMs.median.toFixed(3)} ms at ${formatBytes(python[0]!.bytes)}, ${python.at(-1)!.roundTripMs.median.toFixed(1)} ms at ${formatBytes(python.at(-1)!.bytes)}.` : " No CPython here: its pickling is not measured.";
  return `From ${formatBytes(small)} to ${formatBytes(top)}, round trips went ${ways}; slopes of log(time) on log(size): ${messageSlopes(points).map(slopeText).join("; ")}.${py}`;
}

/** The sentence of the cores experiment: physical and logical cores, the limits, and the CPUs busy. */
export function coresCaption(found: CoresFound): string {
  const t = found.topology;
  const phys = t.physical === null ? "physical cores unknown here (no topology in /sys)" : `${t.physical} physical core${t.physical === 1 ? "" : "s"} in ${t.packages} package${t.packages === 1 ? "" : "s"}`;
  const smt = t.physical !== null && t.physical < t.logical ? ` (${t.logical / t.physical} logical CPUs share each: SMT)` : "";
  const busy = found.busy ? `${found.availableParallelism} spinning threads kept ${found.busy.stat.median.toFixed(2)} CPUs busy` : "CPUs busy not readable here";
  return `${t.logical} logical CPUs, ${phys}${smt}; os.availableParallelism() = ${found.availableParallelism}; ${cpuLimitText(found.machine.cpuLimit)}. ${busy}.`;
}

// ---- the exercise: how many tasks make the job faster on two threads than in one piece

export const CHUNKS = { totalMs: 200, workers: 2, maxTasks: 1_000_000 } as const;

/** What the chunks check saw: the answer, the round trip, and (where it ran) the speedup. */
export interface ChunksEvidence {
  readonly tasks: unknown;
  /** One task's round trip on the check's pool (µs). */
  readonly dispatchUs: number;
  /** The job in `tasks` tasks on two threads over one piece; null where not run. */
  readonly speedup: Stat | null;
  readonly cores: number;
}

/**
 * 10's verdict. Not yet for a count that is not a whole number from 1 to 1,000,000, for fewer
 * tasks than the two threads (one would idle), and for tasks whose work is shorter than their
 * round trip (with each thread handed one task at a time, a task then costs more in dispatch than
 * it does in work: slower than one piece, by arithmetic). Otherwise the run decides: passed when
 * the speedup's 95 % interval lies at or above 1.1, not yet when it lies at or below 1, "cannot
 * tell" in between or on one CPU.
 */
export function judgeChunks(e: ChunksEvidence): ExerciseResult {
  const exercise = "cut the job into tasks that pay";
  const { totalMs, workers, maxTasks } = CHUNKS;
  const t = e.tasks;
  if (typeof t !== "number" || !Number.isInteger(t) || t < 1 || t > maxTasks) {
    return { exercise, passed: false, message: `Not yet: tasks must be a whole number from 1 to ${maxTasks.toLocaleString("en-US")}, got ${String(t)}.` };
  }
  if (t < workers) return { exercise, passed: false, message: `Not yet: ${t} task keeps one of the ${workers} threads busy and the other idle; cut the job into at least ${workers} tasks.` };
  const taskUs = (totalMs * 1000) / t;
  if (taskUs <= e.dispatchUs) {
    return {
      exercise,
      passed: false,
      message: `Not yet: ${t.toLocaleString("en-US")} tasks of ${us(taskUs)} each cost more to hand out and collect (${us(e.dispatchUs)} a round trip here) than their own work: each thread spends more time waiting for its next task than counting. Use fewer, larger tasks.`,
    };
  }
  if (e.cores < 2 || e.speedup === null) {
    return { exercise, passed: null, message: `Cannot tell here: ${e.cores < 2 ? "one usable CPU, so two threads cannot run at once" : "the job was not run"}. ${t} tasks of ${us(taskUs)} each are larger than their ${us(e.dispatchUs)} round trip, which two free CPUs would need.` };
  }
  const ok = atLeast(e.speedup, 1.1);
  const slow = atMost(e.speedup, 1);
  if (ok === "yes") return { exercise, passed: true, message: `Done: ${t} tasks of ${us(taskUs)} on ${workers} threads ran ${x(e.speedup.median)} the speed of the job in one piece (range ${x(e.speedup.min)}–${x(e.speedup.max)}).` };
  if (slow === "yes") return { exercise, passed: false, message: `Not yet: ${t} tasks on ${workers} threads ran at ${x(e.speedup.median)} the speed of one piece, no faster; look at the granularity figure for a size that paid.` };
  return { exercise, passed: null, message: `Cannot tell: the speedup (${x(e.speedup.median)}, range ${x(e.speedup.min)}–${x(e.speedup.max)}) did not clear 1.1x or fall below 1x in this run; the machine may be busy. Run the check again.` };
}

/** 10: cuts a 200 ms counting job into `tasks` equal tasks on two worker threads, runs it against one piece (5 repeats) where the answer is not ruled out first, and judges with judgeChunks. */
export async function checkChunks(tasks: number): Promise<ExerciseResult> {
  const cores = describeMachine().cores;
  const pool = WorkerThreadPool.start({ size: CHUNKS.workers });
  let dispatchUs: number;
  try {
    dispatchUs = (await dispatchCost(pool, 5, 40)).median;
  } finally {
    await pool.destroy();
  }
  const pre = judgeChunks({ tasks, dispatchUs, speedup: null, cores });
  if (pre.passed === false || cores < 2) return pre;
  const r = await granularity({ totalMs: CHUNKS.totalMs, taskUs: [(CHUNKS.totalMs * 1000) / tasks], workers: [CHUNKS.workers], repeats: 5 });
  return judgeChunks({ tasks, dispatchUs: r.dispatchUs.median, speedup: r.points[0]!.speedup, cores });
}

/** 10's experiments at their short size, judged. */
export async function shortRun(): Promise<ChapterResults> {
  const machine = describeMachine();
  const g = await granularityRun("short", machine.cores);
  const a = await amdahlRun("short", machine.cores);
  const m = await messagesRun("short");
  const py = await pythonMessagesRun("short");
  const c = await coresRun();
  return { claims: chapterClaims(g, a, m, py, c, machine), data: { cores: machine.cores } };
}

/** Every claim of the chapter, in the order the notebook shows them. */
export function chapterClaims(g: GranularityResult, a: AmdahlResult, m: readonly MessagePoint[], py: readonly MessagePoint[] | null, c: CoresFound, machine: MachineDescription = describeMachine()): Claim[] {
  return [tinyTasks(g), largeTasks(g, machine), amdahlLaw(a, machine), copyAgainstTransfer(m), pythonPickle(py), availableParallelismClaim(c)];
}

/** Asked before the granularity experiment; answered by granularity.tiny-tasks. */
const ASKED_TINY: Question = {
  id: "granularity.tiny-tasks",
  text: "A 50 ms counting job is cut into 10,000 tasks of 5 µs each and run on as many worker threads as this machine has CPUs. Against the same job in one piece on one thread, how fast does it run?",
  choices: {
    a: "faster: the threads share the work",
    b: "about the same: what the threads gain, handing out the tasks loses",
    c: "slower: handing out each task costs more than the task",
  },
  predicts: { a: "a speedup above 1.2x", b: "between 0.8x and 1.2x", c: "under 0.8x" },
  choose: (o) => rangeChoice(o, { a: [1.2, ANY_HIGH], b: [0.8, 1.2], c: [0, 0.8] }),
};

export const chapter: Chapter = {
  id: SECTION,
  title: "10 · Amdahl's law and granularity: when does splitting work pay?",
  question: "How much faster can N cores make a job, and when does cutting it into tasks cost more than it saves?",
  about: "speedup against task size and workers, Amdahl's law fitted to jobs with a serial part, what a message costs by size (clone, transfer, shared, CPython's pickle), and the cores a process can really use",
  claims: ["granularity.tiny-tasks", "granularity.large-tasks", "granularity.amdahl", "granularity.copy-vs-transfer", "granularity.python-pickle", "granularity.available-parallelism"],
  questions: [ASKED_TINY],
  shortRun,
};

