/**
 * Chapter 14, CPython beyond the article: the GIL's switch interval and what a CPU-bound thread
 * does to a waiting thread's wake-ups (the convoy effect), free-threaded builds (threads on CPU
 * work, `+=` without a lock, the single-thread cost), and what starting a process costs with each
 * start method. Everything runs in the CPython that `findPython()` finds (`$CONCLAB_PYTHON`), which
 * reports itself; on a free-threaded build with its GIL off the experiments also run in the same
 * binary with the GIL on (`-X gil=1`). Its Python side is conclab/python/cpython_today.py.
 */
import { describeMachine } from "../../environment";
import { pythonScript, runPythonMeasurement, type PythonReply } from "../../experiment/python-script";
import type { Figure } from "../../figures/figure";
import { axis, baseLayout, plotlyConfig, SERIES_COLORS } from "../../figures/style";
import { interval, median, pairedRatios, summarize, type Stat } from "../../measure/stats";
import { findPython, readInterpreter, type PythonInfo, type PythonInterpreter } from "../../python";
import type { Chapter, ChapterResults, Size } from "../chapter";
import { atLeast, atMost, observedStat, thresholdRule, verdictOf, type Check, type Claim } from "../claims";
import type { ExerciseResult } from "../exercise-kit";
import { claim, coresText, GIL_ON_RULE, gilClaimWithoutGil, interpreterText, ms, NO_CPYTHON, PARALLEL_SHARE, speedupClaim, x, xFormat } from "../judging";
import { ANY_HIGH, rangeChoice, type Question } from "../questions";

const SECTION = "14-cpython-today";
const SCRIPT = pythonScript("cpython_today.py");

/** How to get a free-threaded CPython, in every "not measured" that needs one. */
export const HOW_TO_GET_FREE_THREADED =
  "run the chapter on a free-threaded CPython (3.13t or 3.14t): `npm run free-threaded-python` builds CPython 3.13.5 with --disable-gil, then `CONCLAB_PYTHON=~/.cache/conclab/cpython-3.13.5-freethreaded/bin/python3.13t npm start`; any python3.13t or python3.14t works the same";

/** Facts from CPython's release notes, stated, not measured. */
export const CPYTHON_FACTS = {
  switchInterval: "Since CPython 3.2 a thread that waits for the GIL asks the holder to drop it after the switch interval, 5 ms by default (sys.getswitchinterval).",
  freeThreaded: "CPython 3.13 added an optional free-threaded build (python3.13t, PEP 703); 3.14 made it officially supported (PEP 779), still not the default build.",
  startMethod: "multiprocessing's default start method on Linux was fork up to 3.13; 3.14 made it forkserver (macOS has used spawn since 3.8, Windows always).",
} as const;

/** What a measurement in CPython returned: its result, who ran it, and (on a free-threaded build) the same in that binary with the GIL on. */
export interface Measured<T> {
  readonly result: T;
  readonly interpreter: PythonInterpreter;
  /** The same request in the same binary run with `-X gil=1`: only on a free-threaded build that ran with its GIL off. */
  readonly withGil: { readonly result: T; readonly interpreter: PythonInterpreter } | null;
}

function measured<T>(reply: PythonReply): Measured<T> {
  const raw = reply.result as Record<string, unknown>;
  const twin = raw.withGil as { interpreter: unknown; result: unknown } | undefined;
  const { withGil: _twin, ...result } = raw;
  return {
    result: result as T,
    interpreter: reply.interpreter,
    withGil: twin ? { result: twin.result as T, interpreter: readInterpreter(twin.interpreter, "the run with -X gil=1") } : null,
  };
}

async function inCPython<T>(what: string, request: Record<string, unknown>, python?: PythonInfo, timeoutMs = 120_000): Promise<Measured<T>> {
  return measured<T>(await runPythonMeasurement(what, request, { timeoutMs, ...(python ? { python } : {}) }, SCRIPT));
}

/** Who ran a measurement, in words: judging's interpreterText (version, build, GIL while it ran), its switch interval and its path. */
export function interpreterDetails(who: PythonInterpreter): string {
  return `${interpreterText(who)}, switch interval ${ms(who.switchIntervalS * 1000)}${who.executable ? `, ${who.executable}` : ""}`;
}

/** The line a notebook prints before each experiment: which interpreter ran it, and where the same binary also ran with the GIL on. */
export function ranOn(run: Measured<unknown> | null): string {
  if (!run) return `No CPython 3.8+ found: ${NO_CPYTHON}.`;
  const twin = run.withGil ? `; the same binary also ran it with \`-X gil=1\`: ${interpreterDetails(run.withGil.interpreter)}` : "";
  return `Ran on ${interpreterDetails(run.interpreter)}${twin}.`;
}

// --- The convoy effect: a waiting thread beside a CPU-bound thread. ---

/** One switch interval of the convoy experiment: the median lateness (ms) of each round's wakes, alone and beside a CPU-bound thread. */
export interface ConvoyPoint {
  readonly intervalMs: number;
  readonly aloneMs: readonly number[];
  readonly besideMs: readonly number[];
}

export interface ConvoyResult {
  readonly sleepMs: number;
  readonly wakes: number;
  readonly rounds: number;
  readonly points: readonly ConvoyPoint[];
}

/** Switch intervals at or above this are decided; smaller ones are shown (their delay is within the OS's own wake-up noise). */
export const CONVOY_DECIDED_FROM_MS = 5;

const CONVOY_CLAIM = "A CPU-bound thread delays a waiting thread's wake-up by about the switch interval: the convoy effect, the GIL's price for a program that waits.";

/**
 * Did the waiting thread's lateness beside the CPU-bound thread grow with the switch interval?
 * Per round, lateness at the largest interval over (lateness at the smallest + half the difference
 * of the intervals): at least 1 when it grew by at least half as much as the interval did. A delay
 * that does not depend on the interval (the OS scheduler's on one CPU) cancels out of it.
 */
export function convoyGrowth(smallest: ConvoyPoint, largest: ConvoyPoint): Stat {
  const half = 0.5 * (largest.intervalMs - smallest.intervalMs);
  return pairedRatios(largest.besideMs, smallest.besideMs.map((v) => v + half));
}

/**
 * 14: the convoy effect, decided on the switch intervals of CONVOY_DECIDED_FROM_MS and more (at
 * least two). Growth (convoyGrowth, 95 % interval over rounds): the lateness beside the CPU-bound
 * thread must grow with the interval. Holds if it clearly did and, on 2 or more CPUs, the lateness
 * at each interval lay at or below its lateness alone + twice the interval + 2 ms (about the
 * interval, not more); on one CPU that bound is not applied, as the OS scheduler adds a delay of
 * its own that this experiment cannot tell apart. Differs if it clearly did not grow (whatever
 * delayed the wake-ups was not the interval). Unclear otherwise. The claim is about the GIL: a run
 * whose interpreter reported its GIL off is judged on the same binary's run with `-X gil=1`
 * (`withGil`), and without one is not measured (gilClaimWithoutGil); the GIL-off lateness is quoted.
 */
export function convoyClaim(run: Measured<ConvoyResult> | null, cores: number = describeMachine().cores): Claim {
  const parts = { id: "cpython.convoy", section: SECTION, claim: CONVOY_CLAIM };
  const bound = cores >= 2 ? "; on 2 or more CPUs also only if at each interval the 95 % interval of the lateness lies at or below its median lateness alone + twice the interval + 2 ms" : " (on one CPU the OS scheduler adds a delay of its own, so the lateness is not bounded from above)";
  const baseRule =
    `decided on switch intervals of ${CONVOY_DECIDED_FROM_MS} ms and more: the waiting thread's lateness beside a CPU-bound thread (one median per round) at the largest interval over that at the smallest + half the difference of the intervals, paired by round; ` +
    `holds if its 95 % interval lies at or above 1 (the delay grew with the interval)${bound}; differs if it lies below 1; else unclear`;
  if (!run) return claim({ ...parts, measured: "no CPython run", verdict: "not measured", reason: NO_CPYTHON, rule: `${GIL_ON_RULE}; ${baseRule}` });
  if (run.interpreter.gil) return judgeConvoy(run.result, run.interpreter, cores, GIL_ON_RULE, baseRule, "");
  // The GIL was off: the claim is about the GIL, so only the same binary's run with -X gil=1 can decide it.
  const off = convoyLateness(run.result);
  const noGil = `with the GIL off, ${off}`;
  if (run.withGil?.interpreter.gil) return judgeConvoy(run.withGil.result, run.withGil.interpreter, cores, "judged on the same binary run with -X gil=1, its GIL enabled while it ran", baseRule, `; ${noGil} (no lock to wait for)`, "the same binary run with -X gil=1, ");
  return gilClaimWithoutGil(run.interpreter, { ...parts, measured: `${interpreterText(run.interpreter)}: ${off}`, rule: baseRule }, `a thread that waits needs no lock to wake: ${off}`);
}

/** The lateness beside the CPU-bound thread, per decided interval, in words. */
function convoyLateness(result: ConvoyResult): string {
  const per = result.points.filter((p) => p.intervalMs >= CONVOY_DECIDED_FROM_MS).map((p) => `${ms(median(p.besideMs))} late at a ${p.intervalMs} ms interval`);
  return `the waiting thread woke ${per.join(", ")} beside a CPU-bound thread`;
}

/** convoyClaim's judgement of one run whose GIL was on (`where`: which run judged it; `twin`: how the measured text names a -X gil=1 run; `also`: what a GIL-off run showed, for the measured text). */
function judgeConvoy(result: ConvoyResult, who: PythonInterpreter, cores: number, where: string, baseRule: string, also: string, twin = ""): Claim {
  const parts = { id: "cpython.convoy", section: SECTION, claim: CONVOY_CLAIM };
  const { points, sleepMs } = result;
  const aloneMs = median(points.flatMap((p) => p.aloneMs));
  const decidedOn = points.filter((p) => p.intervalMs >= CONVOY_DECIDED_FROM_MS).sort((a, b) => a.intervalMs - b.intervalMs);
  if (decidedOn.length < 2) throw new RangeError(`run must include at least two switch intervals of ${CONVOY_DECIDED_FROM_MS} ms or more, got ${decidedOn.map((p) => p.intervalMs).join(", ") || "none"}; measure with convoyRun()`);
  const smallest = decidedOn[0]!;
  const largest = decidedOn[decidedOn.length - 1]!;
  const growth = convoyGrowth(smallest, largest);
  const grew = atLeast(growth, 1);
  const within = cores >= 2 ? decidedOn.map((p) => atMost(summarize(p.besideMs), aloneMs + 2 * p.intervalMs + 2)) : [];
  const check: Check = grew === "yes" ? (within.every((c) => c === "yes") ? "yes" : "unclear") : grew;
  const perInterval = decidedOn.map((p) => `${p.intervalMs} ms interval: ${ms(median(p.besideMs))} late`).join(", ");
  const oneCore = cores < 2 ? `; on ${coresText(cores)} the OS also makes the woken thread wait its turn for the CPU, a delay this run cannot tell apart from the GIL's, which is why only the growth with the interval is judged` : "";
  const reason =
    check === "yes"
      ? `the GIL was on: the delay grew with the switch interval, as it does when a woken thread must take the GIL back and the CPU-bound thread gives it up only when asked after a switch interval${oneCore}`
      : check === "no"
        ? `the delay did not grow with the switch interval although the GIL was on: the CPU-bound thread gave the GIL up sooner than asked${oneCore}`
        : grew === "yes"
          ? "the delay grew with the switch interval, but at some interval it was clearly more than about one interval: a busy machine delays wake-ups too"
          : `this run did not decide it: the rounds disagreed on whether the delay grew with the switch interval (a busy machine delays wake-ups too)${oneCore}`;
  const { low, high } = interval(largest.besideMs);
  return claim({
    ...parts,
    measured: `${twin}${interpreterText(who)}: a thread sleeping ${sleepMs} ms woke ${ms(aloneMs)} late alone (median); beside a CPU-bound thread, ${perInterval} (at ${largest.intervalMs} ms, 95 % interval ${ms(low)}–${ms(high)})${also}`,
    verdict: verdictOf(check),
    reason,
    rule: `${where}; ${thresholdRule(`lateness at ${largest.intervalMs} ms over lateness at ${smallest.intervalMs} ms + ${ms(0.5 * (largest.intervalMs - smallest.intervalMs))}`, growth, "at least", 1, xFormat)}; ${baseRule}`,
    observed: { ...observedStat(summarize(largest.besideMs)), intervalMs: largest.intervalMs, aloneMs, gil: 1 },
  });
}

/** The sentence under the convoy figure, from the numbers: lateness alone and beside, per interval, and who ran it. */
export function convoyCaption(run: Measured<ConvoyResult> | null): string {
  if (!run) return "No CPython 3.8+ found: the convoy effect is not measured here.";
  const line = (r: ConvoyResult, who: PythonInterpreter): string => {
    const alone = median(r.points.flatMap((p) => p.aloneMs));
    const beside = r.points.map((p) => `${ms(median(p.besideMs))} at a ${p.intervalMs} ms switch interval`).join(", ");
    return `With the GIL ${who.gil ? "on" : "off"}, a thread that sleeps ${r.sleepMs} ms woke ${ms(alone)} late alone and, beside a CPU-bound thread, ${beside} (medians of ${r.rounds} rounds × ${r.wakes} wakes).`;
  };
  return [`${interpreterText(run.interpreter)}.`, line(run.result, run.interpreter), run.withGil ? `The same binary with \`-X gil=1\`: ${line(run.withGil.result, run.withGil.interpreter)}` : ""].filter(Boolean).join(" ");
}

/** The convoy figure: the waiting thread's median lateness by switch interval, alone and beside a CPU-bound thread (and, on a free-threaded build, with the GIL turned back on). */
export function convoyFigure(run: Measured<ConvoyResult>): Figure {
  const series = [
    { name: `alone (GIL ${run.interpreter.gil ? "on" : "off"})`, points: run.result.points, pick: (p: ConvoyPoint) => p.aloneMs, color: SERIES_COLORS[4]! },
    { name: `beside a CPU-bound thread (GIL ${run.interpreter.gil ? "on" : "off"})`, points: run.result.points, pick: (p: ConvoyPoint) => p.besideMs, color: SERIES_COLORS[1]! },
    ...(run.withGil ? [{ name: "beside a CPU-bound thread (same binary, -X gil=1)", points: run.withGil.result.points, pick: (p: ConvoyPoint) => p.besideMs, color: SERIES_COLORS[2]! }] : []),
  ];
  return {
    data: [
      ...series.map((s) => ({
        type: "scatter" as const, mode: "lines+markers", name: s.name, x: s.points.map((p) => p.intervalMs), y: s.points.map((p) => median(s.pick(p))),
        marker: { color: s.color, size: 9 }, line: { color: s.color }, hovertemplate: "%{y:.2f} ms late<extra>%{fullData.name}</extra>",
      })),
      { type: "scatter" as const, mode: "lines", name: "late by one switch interval", x: run.result.points.map((p) => p.intervalMs), y: run.result.points.map((p) => p.intervalMs), line: { color: "#999999", dash: "dot" } },
    ],
    layout: { ...baseLayout("A waiting thread's wake-up, alone and beside a CPU-bound thread"), xaxis: axis("switch interval (ms, log scale)", { type: "log" }), yaxis: axis("median lateness of a wake-up (ms, log scale)", { type: "log" }) },
    config: plotlyConfig(),
  };
}

// --- Free threading: CPU work on threads, and a shared counter. ---

/** One way of running 2 copies of a counting loop: wall time and CPU time (ms) per round. */
export interface CpuWay {
  readonly wallMs: readonly number[];
  readonly cpuMs: readonly number[];
}

export interface CpuResult {
  readonly loops: number;
  readonly copies: number;
  readonly ways: { readonly sequential: CpuWay; readonly threads: CpuWay; readonly processes: CpuWay };
}

/** CPUs busy per round (CPU time over wall time) of `way`. */
export function cpusBusy(way: CpuWay): Stat {
  return summarize(way.cpuMs.map((cpu, i) => Math.max(cpu / way.wallMs[i]!, 0.001)));
}

/** Wall-time speedup of `way` over one after another, paired by round. */
export function speedupOver(result: CpuResult, way: "threads" | "processes"): Stat {
  return pairedRatios(result.ways.sequential.wallMs, result.ways[way].wallMs);
}

const FREE_THREADS_CLAIM = "On a free-threaded build with its GIL off, CPython threads run Python code in parallel: two threads keep about two CPUs busy.";
const cpus = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : "∞");

/**
 * 14: threads on CPU work without the GIL. Not measured unless the interpreter was a free-threaded
 * build that ran with its GIL off (the reason says how to get one), nor on fewer than 2 CPUs.
 * Holds if the 2 threads kept at least PARALLEL_SHARE × 2 CPUs busy (95 % interval); differs if
 * they clearly did not while 2 processes in the same run clearly did (the CPUs were free); unclear
 * otherwise. The same binary with the GIL on is quoted beside it.
 */
export function freeThreadsClaim(run: Measured<CpuResult> | null, cores: number = describeMachine().cores): Claim {
  const threshold = PARALLEL_SHARE * 2;
  const parts = { id: "cpython.free-threads", section: SECTION, claim: FREE_THREADS_CLAIM };
  const baseRule = `CPUs busy at once on 2 threads: yes if the 95 % interval lies at or above ${cpus(threshold)}; no if below, which counts only where 2 processes in the same run reached it; else unclear`;
  if (!run) return claim({ ...parts, measured: "no CPython run", verdict: "not measured", reason: NO_CPYTHON, rule: baseRule });
  const who = run.interpreter;
  const threads = cpusBusy(run.result.ways.threads);
  const processes = cpusBusy(run.result.ways.processes);
  const gilOn = run.withGil ? cpusBusy(run.withGil.result.ways.threads) : null;
  const measuredText =
    `${interpreterText(who)}: 2 threads × ${run.result.loops.toLocaleString("en-US")} loop iterations kept ${cpus(threads.median)} CPUs busy (${x(speedupOver(run.result, "threads").median)} the speed of one after another), ` +
    `2 processes ${cpus(processes.median)}${gilOn ? `; the same binary with -X gil=1: threads ${cpus(gilOn.median)} CPUs busy` : ""}`;
  if (!who.freeThreadedBuild || who.gil) {
    const why = who.freeThreadedBuild ? "this free-threaded build ran with its GIL on (PYTHON_GIL=1, -X gil=1 or an extension that needs it)" : "this CPython is a standard build: its GIL is always on";
    return claim({ ...parts, measured: measuredText, verdict: "not measured", reason: `${why}; to measure it, ${HOW_TO_GET_FREE_THREADED}`, rule: baseRule });
  }
  const threadCheck = atLeast(threads, threshold);
  const processCheck = atLeast(processes, threshold);
  const check: Check = threadCheck === "yes" ? "yes" : threadCheck === "no" && processCheck === "yes" ? "no" : "unclear";
  return speedupClaim(cores, {
    ...parts,
    measured: measuredText,
    verdict: verdictOf(check),
    reason:
      check === "yes"
        ? `with the GIL off each thread ran Python code on a CPU of its own${gilOn ? `; with the GIL on, the same binary's threads kept ${cpus(gilOn.median)} CPUs busy` : ""}`
        : check === "no"
          ? "processes in the same run kept the CPUs busy, but the threads did not, although the GIL was off"
          : "this run did not decide it: the threads did not clearly reach the threshold, and processes in the same run did not show the CPUs free",
    rule: `${thresholdRule("CPUs busy at once on 2 threads", threads, "at least", threshold, cpus)}; ${thresholdRule("CPUs busy at once on 2 processes", processes, "at least", threshold, cpus)}; a no on threads counts only where processes said yes`,
  });
}

/** The sentence under the CPU experiment: CPUs busy and speedup per way, with the GIL off and on where both ran. */
export function cpuCaption(run: Measured<CpuResult> | null): string {
  if (!run) return "No CPython 3.8+ found: threads on CPU work are not measured here.";
  const line = (r: CpuResult, who: PythonInterpreter): string =>
    `GIL ${who.gil ? "on" : "off"}: 2 threads kept ${cpus(cpusBusy(r.ways.threads).median)} CPUs busy and finished ${x(speedupOver(r, "threads").median)} as fast as one after another; 2 processes ${cpus(cpusBusy(r.ways.processes).median)} CPUs, ${x(speedupOver(r, "processes").median)}.`;
  return [`${interpreterText(run.interpreter)}.`, line(run.result, run.interpreter), run.withGil ? `Same binary, -X gil=1: ${line(run.withGil.result, run.withGil.interpreter)}` : ""].filter(Boolean).join(" ");
}

/** unit_costs.py's counter: lost updates per run without and with a Lock. */
export interface CounterResult {
  readonly threads: number;
  readonly times: number;
  readonly plain: readonly { readonly lost: number }[];
  readonly locked: readonly { readonly lost: number }[];
}

const FREE_COUNTER_CLAIM = "Without the GIL, `counter[0] += 1` from several threads loses updates unless a Lock guards it.";

/**
 * 14: the shared counter on a free-threaded build with its GIL off (not measured elsewhere, saying
 * how to get one). Unclear if a run under the Lock lost any (a broken run); holds if a run without
 * it lost updates; differs if none lost any on 2 or more CPUs; unclear on one CPU with none lost.
 */
export function freeCounterClaim(run: Measured<CounterResult> | null, cores: number = describeMachine().cores): Claim {
  const parts = { id: "cpython.free-counter", section: SECTION, claim: FREE_COUNTER_CLAIM };
  const rule = "on a free-threaded build with its GIL off: holds if some run without a Lock lost updates and no run with one did; differs if none without a Lock lost any on 2 or more CPUs; unclear if a run with the Lock lost any, or on one CPU with none lost";
  if (!run) return claim({ ...parts, measured: "no CPython run", verdict: "not measured", reason: NO_CPYTHON, rule });
  const who = run.interpreter;
  const lost = (r: CounterResult, key: "plain" | "locked"): number[] => r[key].map((row) => row.lost);
  const count = (values: readonly number[]): string => values.map((v) => v.toLocaleString("en-US")).join(", ");
  const r = run.result;
  const twin = run.withGil ? `; the same binary with -X gil=1 lost ${count(lost(run.withGil.result, "plain"))} without a Lock` : "";
  const measuredText = `${interpreterText(who)}: ${r.threads} threads × ${r.times.toLocaleString("en-US")} \`counter[0] += 1\` of ${(r.threads * r.times).toLocaleString("en-US")}: lost ${count(lost(r, "plain"))} without a Lock, ${count(lost(r, "locked"))} with one${twin}`;
  if (!who.freeThreadedBuild || who.gil) {
    const why = who.freeThreadedBuild ? "this free-threaded build ran with its GIL on" : "this CPython is a standard build, whose GIL changes hands only between statements like this one (3.10+)";
    return claim({ ...parts, measured: measuredText, verdict: "not measured", reason: `${why}; to measure it, ${HOW_TO_GET_FREE_THREADED}`, rule });
  }
  const lockedLost = lost(r, "locked").some((n) => n !== 0);
  const plainLost = lost(r, "plain").some((n) => n > 0);
  const check: Check = lockedLost ? "unclear" : plainLost ? "yes" : cores >= 2 ? "no" : "unclear";
  return claim({
    ...parts,
    measured: measuredText,
    verdict: verdictOf(check),
    reason: lockedLost
      ? "a run under the Lock lost updates: the measurement went wrong, which says nothing about the claim"
      : check === "yes"
        ? "with no GIL, threads on different CPUs read the same old value and wrote back the same new one; the Lock made each update whole"
        : check === "no"
          ? `no update was lost without a Lock although the GIL was off on ${coresText(cores)}`
          : "no update was lost, but on one CPU the threads rarely switch inside the statement, so this run cannot tell",
    rule,
  });
}

/** The sentence for the free-threaded counter: who ran it and what each run lost, without and with a Lock. */
export function counterCaption(run: Measured<CounterResult> | null): string {
  if (!run) return "No CPython 3.8+ found: the counter is not measured here.";
  const line = (r: CounterResult, who: PythonInterpreter): string =>
    `GIL ${who.gil ? "on" : "off"}: ${r.threads} threads × ${r.times.toLocaleString("en-US")} \`counter[0] += 1\` lost ${r.plain.map((p) => p.lost.toLocaleString("en-US")).join(", ")} without a Lock and ${r.locked.map((p) => p.lost.toLocaleString("en-US")).join(", ")} with one (one number per run).`;
  return [`${interpreterText(run.interpreter)}.`, line(run.result, run.interpreter), run.withGil ? `Same binary, -X gil=1: ${line(run.withGil.result, run.withGil.interpreter)}` : ""].filter(Boolean).join(" ");
}

// --- The single-thread cost: data, not a claim. ---

export interface SingleResult {
  readonly loops: number;
  readonly samplesMs: readonly number[];
}

/** One thread's counting loop on the interpreter found, its GIL-on twin, and the machine's python3 where that is another build. */
export interface SingleRuns {
  readonly here: Measured<SingleResult>;
  /** The machine's `python3` (a standard build, perhaps another version), where `here` is a free-threaded build and python3 is not. */
  readonly standard: { readonly result: SingleResult; readonly interpreter: PythonInterpreter } | null;
}

/**
 * The sentence for the single-thread cost: ms per loop on each interpreter that ran it, and the
 * ratio to the standard build where one ran, with its version named (a different version differs
 * in more than the GIL). Data, not a claim.
 */
export function singleCaption(runs: SingleRuns | null): string {
  if (!runs) return "No CPython 3.8+ found: the single-thread cost is not measured here.";
  const { here, standard } = runs;
  const t = (r: SingleResult): number => median(r.samplesMs);
  const parts = [`One thread, ${here.result.loops.toLocaleString("en-US")} loop iterations: ${ms(t(here.result))} on ${interpreterText(here.interpreter)}`];
  if (here.withGil) parts.push(`${ms(t(here.withGil.result))} in the same binary with -X gil=1, so with the GIL off it took ${x(t(here.result) / t(here.withGil.result))} as long (what turning the GIL off costs in this build; what the build itself costs is not in it)`);
  if (standard) {
    const same = standard.interpreter.version === here.interpreter.version;
    parts.push(`${ms(t(standard.result))} on the machine's python3, ${interpreterText(standard.interpreter)}: the free-threaded build took ${x(t(here.result) / t(standard.result))} as long${same ? "" : `, though the versions differ (${here.interpreter.version} and ${standard.interpreter.version}), so more than the GIL changed`}`);
  } else if (!here.interpreter.freeThreadedBuild) {
    parts.push(`no free-threaded build ran, so its single-thread cost is not measured here (the release notes give about 40 % in 3.13 and 5–10 % in 3.14); to measure it, ${HOW_TO_GET_FREE_THREADED}`);
  }
  return `${parts.join("; ")}.`;
}

// --- Start methods. ---

export interface StartsResult {
  readonly defaultMethod: string;
  readonly available: readonly string[];
  readonly methods: readonly { readonly method: string; readonly samplesMs: readonly number[] }[];
}

const FORK_CLAIM = "Starting a process with fork is much cheaper than with spawn, which starts a fresh interpreter: at least twice as fast.";

/**
 * 14: fork against spawn, on the ratio spawn / fork paired by round: holds if its 95 % interval
 * lies at or above 2, differs if below, unclear otherwise; not measured without CPython or where
 * fork or spawn is not available (Windows has only spawn).
 */
export function forkClaim(run: Measured<StartsResult> | null): Claim {
  const parts = { id: "cpython.fork-start", section: SECTION, claim: FORK_CLAIM };
  const rule = "spawn's start-up over fork's, paired by round: holds if the 95 % interval lies at or above 2.00x, differs if below, else unclear";
  if (!run) return claim({ ...parts, measured: "no CPython run", verdict: "not measured", reason: NO_CPYTHON, rule });
  const samples = (method: string): readonly number[] | undefined => run.result.methods.find((m) => m.method === method)?.samplesMs;
  const fork = samples("fork");
  const spawn = samples("spawn");
  const who = interpreterText(run.interpreter);
  if (!fork || !spawn) return claim({ ...parts, measured: `${who}: start methods available: ${run.result.available.join(", ")}`, verdict: "not measured", reason: "this platform lacks fork or spawn (Windows has only spawn)", rule });
  const ratio = pairedRatios(spawn, fork);
  const check = atLeast(ratio, 2);
  return claim({
    ...parts,
    measured: `${who}: from asking for a process to its first line, fork ${ms(median(fork))}, spawn ${ms(median(spawn))} (medians of ${fork.length} interleaved rounds): spawn took ${x(ratio.median)} as long`,
    verdict: verdictOf(check),
    reason:
      check === "yes"
        ? "fork copies the running interpreter, already started and imported; spawn starts a new interpreter that imports the main module again"
        : check === "no"
          ? "spawn was less than twice as slow as fork here"
          : "this run did not decide it: the rounds disagreed too much",
    rule: thresholdRule("spawn's start-up over fork's", ratio, "at least", 2, xFormat),
  });
}

/** The sentence under the start-method figure: each method's median and range, the default of the interpreter that ran them, and 3.14's change. */
export function startsCaption(run: Measured<StartsResult> | null): string {
  if (!run) return "No CPython 3.8+ found: the start methods are not measured here.";
  const each = run.result.methods.map((m) => `${m.method} ${ms(median(m.samplesMs))} (${ms(Math.min(...m.samplesMs))}–${ms(Math.max(...m.samplesMs))})`).join(", ");
  return `${interpreterText(run.interpreter)}: from asking for a process to its first line, ${each}. This interpreter's default start method: ${run.result.defaultMethod}. ${CPYTHON_FACTS.startMethod}`;
}

/** Each start method's samples as dots, its median as a bar, on a log axis. */
export function startsFigure(run: Measured<StartsResult>): Figure {
  return {
    data: run.result.methods.flatMap((m, i) => {
      const color = SERIES_COLORS[(i + 1) % SERIES_COLORS.length]!;
      const label = m.method === run.result.defaultMethod ? `${m.method} (default)` : m.method;
      return [
        { type: "bar" as const, name: `${label} median`, x: [label], y: [median(m.samplesMs)], marker: { color, opacity: 0.3 }, text: [ms(median(m.samplesMs))], textposition: "outside", showlegend: false },
        { type: "scatter" as const, mode: "markers", name: label, x: m.samplesMs.map(() => label), y: [...m.samplesMs], marker: { color, size: 8, opacity: 0.7 }, showlegend: false },
      ];
    }),
    layout: { ...baseLayout(`Starting a process in CPython ${run.interpreter.version}, by start method`), xaxis: axis("start method"), yaxis: axis("from asking to its first line (ms, log scale)", { type: "log" }), showlegend: false },
    config: plotlyConfig(),
  };
}

// --- The experiments, full and short. ---

const SIZES = {
  full: { convoy: { intervalsMs: [1, 5, 20], wakes: 20, rounds: 5 }, cpu: { loops: 3_000_000, rounds: 5 }, counter: { threads: 4, times: 500_000, runs: 3 }, single: { loops: 3_000_000, rounds: 5 }, starts: { rounds: 10 } },
  short: { convoy: { intervalsMs: [5, 20], wakes: 10, rounds: 4 }, cpu: { loops: 2_000_000, rounds: 4 }, counter: { threads: 4, times: 200_000, runs: 2 }, single: { loops: 1_000_000, rounds: 3 }, starts: { rounds: 5 } },
} as const;

/** A thread sleeping 2 ms, alone and beside a CPU-bound thread, at switch intervals of 1, 5 and 20 ms (5 and 20 short), interleaved by round. Null without CPython 3.8+. */
export async function convoyRun(size: Size = "full"): Promise<Measured<ConvoyResult> | null> {
  if (!findPython()) return null;
  return inCPython<ConvoyResult>("CPython: a waiting thread beside a CPU-bound thread", { cmd: "convoy", sleepMs: 2, alsoWithGil: true, ...SIZES[size].convoy });
}

/** Two copies of a counting loop one after another, on 2 threads and in 2 processes, interleaved by round. Null without CPython 3.8+. */
export async function cpuRun(size: Size = "full"): Promise<Measured<CpuResult> | null> {
  if (!findPython()) return null;
  return inCPython<CpuResult>("CPython: a counting loop on threads and processes", { cmd: "cpu", alsoWithGil: true, ...SIZES[size].cpu });
}

/** 4 threads × 500,000 `counter[0] += 1` (200,000 short), without and with a Lock, 3 runs (2 short). Null without CPython 3.8+. */
export async function counterRun(size: Size = "full"): Promise<Measured<CounterResult> | null> {
  if (!findPython()) return null;
  return inCPython<CounterResult>("CPython: a shared counter", { cmd: "counter", alsoWithGil: true, ...SIZES[size].counter });
}

/**
 * One thread's counting loop on the interpreter found and, where that is a free-threaded build,
 * on the machine's `python3` if that is a standard build. Null without CPython 3.8+.
 */
export async function singleRun(size: Size = "full"): Promise<SingleRuns | null> {
  if (!findPython()) return null;
  const request = { cmd: "single", ...SIZES[size].single };
  const here = await inCPython<SingleResult>("CPython: one thread's loop", { ...request, alsoWithGil: true });
  if (!here.interpreter.freeThreadedBuild) return { here, standard: null };
  const other = findPython({ ...process.env, CONCLAB_PYTHON: "" });
  if (!other || other.gil === false) return { here, standard: null };
  const standard = await inCPython<SingleResult>("CPython: one thread's loop on python3", request, other);
  return standard.interpreter.freeThreadedBuild || standard.interpreter.executable === here.interpreter.executable ? { here, standard: null } : { here, standard };
}

/** From asking for a process to its first line, with fork, spawn and forkserver (those available), 10 interleaved rounds (5 short). Null without CPython 3.8+. */
export async function startsRun(size: Size = "full"): Promise<Measured<StartsResult> | null> {
  if (!findPython()) return null;
  return inCPython<StartsResult>("CPython: starting a process by start method", { cmd: "starts", ...SIZES[size].starts });
}

/** 14's claims from its runs. */
export function cpythonTodayClaims(convoy: Measured<ConvoyResult> | null, cpu: Measured<CpuResult> | null, counter: Measured<CounterResult> | null, starts: Measured<StartsResult> | null, cores: number = describeMachine().cores): Claim[] {
  return [convoyClaim(convoy, cores), freeThreadsClaim(cpu, cores), freeCounterClaim(counter, cores), forkClaim(starts)];
}

/** 14's experiments at their short size, judged. */
export async function shortRun(): Promise<ChapterResults> {
  const cores = describeMachine().cores;
  const convoy = await convoyRun("short");
  const cpu = await cpuRun("short");
  const counter = await counterRun("short");
  const starts = await startsRun("short");
  return { claims: cpythonTodayClaims(convoy, cpu, counter, starts, cores), data: { cores, interpreter: convoy?.interpreter ?? null } };
}

// --- The exercise: where the lock goes. ---

/** 14's check: threads, additions per thread in the watched run and in the plain run. */
export const LOCK_CHECK = { threads: 4, watchedTimes: 50, times: 20_000 } as const;

/** What the lock check saw of the reader's add() (null: no CPython ran it). */
export interface LockEvidence {
  readonly threads: number;
  readonly watchedTimes: number;
  readonly times: number;
  /** The watched run: reads and writes held open a moment until another thread read; what reached the counter, or the error. */
  readonly watched: { readonly counted?: number; readonly expected?: number; readonly reads: number; readonly writes: number; readonly error?: string };
  /** The plain run on a list, or null when the watched run already failed. */
  readonly plain: { readonly counted?: number; readonly expected?: number; readonly error?: string } | null;
}

/**
 * 14's verdict: cannot tell without CPython; fails when add() raised or hung, never touched
 * counter[0], or lost an addition in either run; passes otherwise. Counts, not timings.
 */
export function judgeLockedAdd(evidence: LockEvidence | null): ExerciseResult {
  const exercise = "where the lock goes";
  if (!evidence) return { exercise, passed: null, message: `Cannot tell: ${NO_CPYTHON}; install Python 3, or set CONCLAB_PYTHON to one.` };
  const { threads, watchedTimes, times, watched, plain } = evidence;
  const error = watched.error ?? plain?.error;
  if (error) return { exercise, passed: false, message: `Not yet: ${error}. Define add(counter, lock, times) that adds 1 to counter[0] times times.` };
  if (watched.reads + watched.writes === 0) return { exercise, passed: false, message: "Not yet: add() never read or wrote counter[0]; add 1 to counter[0], times times." };
  const lostWatched = (watched.expected ?? 0) - (watched.counted ?? 0);
  if (lostWatched !== 0) {
    return {
      exercise,
      passed: false,
      message:
        `Not yet: ${threads} threads × ${watchedTimes} additions counted ${(watched.counted ?? 0).toLocaleString("en-US")}, ${lostWatched} lost. The check held some reads and writes of counter[0] open a moment (${watched.reads} reads, ${watched.writes} writes), ` +
        "and another thread read the old value in between: the read, the add and the write must all happen while the lock is held, e.g. `with lock: counter[0] += 1`.",
    };
  }
  if (plain && plain.counted !== plain.expected) {
    return { exercise, passed: false, message: `Not yet: ${threads} threads × ${times.toLocaleString("en-US")} additions counted ${(plain.counted ?? 0).toLocaleString("en-US")} of ${(plain.expected ?? 0).toLocaleString("en-US")}; hold the lock around the whole read-add-write.` };
  }
  return { exercise, passed: true, message: `Done: with reads and writes held open, ${threads} threads × ${watchedTimes} additions lost none, and ${threads} threads × ${times.toLocaleString("en-US")} as written lost none.` };
}

/**
 * 14: `source` defines `add(counter, lock, times)` in Python, adding 1 to `counter[0]` `times`
 * times, safe from other threads doing the same with the same `lock` (a threading.Lock). Runs it
 * in CPython on LOCK_CHECK.threads threads, first with a counter that holds reads and writes open
 * until another thread reads (so an unguarded update loses additions with the GIL or without),
 * then on a plain list. Judged by judgeLockedAdd.
 */
export async function checkLockedAdd(source: string): Promise<ExerciseResult> {
  if (typeof source !== "string" || !/\bdef add\(/.test(source)) {
    return { exercise: "where the lock goes", passed: false, message: `Not yet: source must be Python text defining add(counter, lock, times), got ${typeof source === "string" ? "text without def add(" : typeof source}.` };
  }
  if (!findPython()) return judgeLockedAdd(null);
  const run = await inCPython<Omit<LockEvidence, "threads"> & { threads: number }>("CPython: your add() on threads", { cmd: "lockcheck", source, ...LOCK_CHECK }, undefined, 100_000);
  const r = run.result;
  return judgeLockedAdd({ threads: r.threads, watchedTimes: r.watchedTimes, times: r.times, watched: r.watched, plain: r.plain });
}

// --- The question asked first. ---

/** Asked before the convoy experiment: how late a waiting thread wakes beside a CPU-bound one at a 20 ms switch interval. */
const ASKED_CONVOY: Question = {
  id: "cpython.convoy",
  text: "In CPython, one thread sleeps 2 ms again and again and notes how late it wakes, while another thread runs a pure-Python loop. The switch interval is set to 20 ms. How late does the sleeping thread wake, typically?",
  choices: {
    a: "about on time (under 5 ms late): the OS wakes it when its sleep ends",
    b: "about one switch interval (10 to 45 ms late): it must wait for the GIL, which the loop gives up only when asked",
    c: "much later (over 60 ms): it waits several intervals behind the loop",
  },
  predicts: { a: "under 5 ms late", b: "10 to 45 ms late", c: "over 60 ms late" },
  choose: (o) => rangeChoice(o, { a: [0, 5], b: [10, 45], c: [60, ANY_HIGH] }),
};

export const chapter: Chapter = {
  id: SECTION,
  title: "14 · CPython beyond the article: the switch interval, free threading and start methods",
  question: "What has changed in CPython since the article, and what does the GIL still cost a program that waits?",
  about: "the GIL's switch interval and the convoy effect, free-threaded CPython (threads on CPU work, += without a lock, the single-thread cost), and the cost of fork, spawn and forkserver",
  claims: ["cpython.convoy", "cpython.free-threads", "cpython.free-counter", "cpython.fork-start"],
  questions: [ASKED_CONVOY],
  shortRun,
};
