/**
 * What the chapters' verdicts share: how a run's CPUs busy and speedup are read against the cores
 * (parallelSpeedup, oneCoreAtATime) and why a speedup fell short (shortfallReason, slowdownCause), how a claim about
 * Node's threads is decided against child processes in the same run (threadsClaimVerdict), the
 * thresholds (PARALLEL_SHARE, ONE_CORE_BUSY, NO_SPEEDUP), the facts several claims share
 * (EVIDENCE), and how a claim is built, or said to be not measured without CPython, or (a claim
 * about the GIL) on a CPython that ran without it (ranWithoutGil, gilClaimWithoutGil). Claims decided
 * on 02's run for 04 (asyncBoundToOneThread, eventLoopOnOneCore) live here too, as 02 cannot import 04.
 */
import { describeMachine, type MachineDescription } from "../environment";
import { BUSY_CONTENTION, pythonInterpreterOf, type CompareResult, type StrategyResult } from "../experiment/compare";
import { formatBytes, formatDuration } from "../measure/format";
import { median, type Stat } from "../measure/stats";
import { type PythonInterpreter } from "../python";
import { strategyDescriptor } from "../strategies/descriptors";
import { atLeast, atMost, thresholdRule, verdictOf, type Check, type Claim, type Verdict } from "./claims";
import { cpuShareOfCopies } from "./overlap";

/** Strategy `key`'s part of a comparison; a RangeError names the strategies it holds. */
export function strategy(result: CompareResult, key: string): StrategyResult {
  const found = result.strategies.find((s) => s.strategy === key);
  if (!found) throw new RangeError(`result must include strategy ${key}, got ${result.strategies.map((s) => s.strategy).join(", ")}; add it to strategies`);
  return found;
}

export const coresText = (cores: number): string => `${cores} core${cores === 1 ? "" : "s"}`;

export const x = (value: number): string => `${value.toFixed(2)}x`;

const cpusFormat = (value: number): string => (Number.isFinite(value) ? value.toFixed(2) : "∞");

export const xFormat = (value: number): string => (Number.isFinite(value) ? x(value) : "∞");

export const ms = formatDuration;

export const bytes = formatBytes;

/** Parallel work should keep this share of min(copies, cores) CPUs busy (or reach that speedup). */
export const PARALLEL_SHARE = 0.75;

/** Work bound to one core at a time (GIL-bound threads) keeps at most this many CPUs busy. */
export const ONE_CORE_BUSY = 1.3;

/** Without a CPU meter, "no speedup" means at most this wall-time speedup. */
export const NO_SPEEDUP = 1.2;

/**
 * Facts that decide more than one claim (Claim.evidence): verdictCounts() counts each once, and
 * says which claims rest on it.
 */
export const EVIDENCE = {
  nodeThreadsParallel: "Node's worker threads keep several CPUs busy on CPU work",
  cpythonThreadsOneCore: "CPython's threads run Python code one at a time (the GIL)",
  cpythonThreadsOverlapWaits: "CPython's threads overlap their waits (a waiting thread releases the GIL)",
} as const;

const baselineKey = (key: string): string => strategyDescriptor(key)?.baseline ?? "sequential";

/**
 * How much longer one copy took side by side with the others than alone (median copy time of
 * `key` over that of its sequential run): above 1 when copies that run at once slow each other
 * down (shared physical cores, clock limits, memory). A property of the machine. Null without spans.
 */
export function copySlowdown(result: CompareResult, key: string): number | null {
  const durations = (k: string): number[] => (result.strategies.find((s) => s.strategy === k)?.spans ?? []).map((s) => s.endMs - s.startMs);
  const together = durations(key);
  const alone = durations(baselineKey(key));
  if (together.length === 0 || alone.length === 0) return null;
  const base = median(alone);
  return base > 0 ? median(together) / base : null;
}

/** What a parallel (or GIL-bound) run measured: wall-time speedup, CPUs busy, and the slowdown of a copy. */
export function runText(result: CompareResult, key: string): string {
  const s = strategy(result, key);
  const parts = [`${x(s.speedup!.median)} the speed of one after another (range ${x(s.speedup!.min)}–${x(s.speedup!.max)})`];
  if (s.coresBusy) parts.push(`${s.coresBusy.median.toFixed(2)} CPUs busy at once on average (CPU time over wall time)`);
  const slowdown = copySlowdown(result, key);
  if (slowdown !== null && key !== baselineKey(key)) parts.push(`each copy took ${x(slowdown)} as long as alone`);
  const share = cpuShareOfCopies(s.spans);
  if (share !== null) parts.push(`each copy had ${Math.round(share * 100)}% of a CPU while it ran`);
  return parts.join("; ");
}

/** The measure a core-count claim is decided on: CPUs busy where the meter read them, else the wall-time speedup. */
export interface CoreMeasure {
  readonly check: Check;
  readonly rule: string;
  readonly speedup: Stat;
  readonly cores: number;
  /** min(copies, cores): how many CPUs parallel copies can keep busy. */
  readonly expected: number;
  readonly onCpus: boolean;
}

/**
 * A "no" on a busy run is not evidence against a claim about parallel speedup: other programs may
 * have held the cores. Such a check becomes "unclear".
 */
function onBusy(check: Check, result: CompareResult): Check {
  return check === "no" && result.noise.busy ? "unclear" : check;
}

/**
 * The measure a parallel claim about `key` is decided on: CPUs busy (`meter: "cpus"`, falling back
 * to the wall-time speedup where the meter did not read) or the wall-time speedup itself
 * (`"wall"`), against PARALLEL_SHARE × min(copies, cores); "unclear" rather than "no" on a busy run.
 */
export function parallelMeasure(result: CompareResult, key: string, meter: "cpus" | "wall"): CoreMeasure {
  const s = strategy(result, key);
  const speedup = s.speedup;
  if (!speedup) throw new RangeError(`result must include a sequential run for ${key} to compute its speedup; add it to strategies`);
  const cores = result.environment.cores;
  const expected = Math.min(result.copies, cores);
  const threshold = PARALLEL_SHARE * expected;
  const onCpus = meter === "cpus" && s.coresBusy !== null;
  const measure = onCpus ? s.coresBusy! : speedup;
  const check = onBusy(atLeast(measure, threshold), result);
  const rule = onCpus
    ? thresholdRule(`CPUs busy at once on ${key}`, measure, "at least", threshold, cpusFormat)
    : thresholdRule(meter === "cpus" ? `wall-time speedup of ${key} (no CPU meter here)` : `wall-time speedup of ${key} over one after another`, measure, "at least", threshold, xFormat);
  return { check, rule, speedup, cores, expected, onCpus };
}

/**
 * Did the copies of `key` work on several CPUs at once? On two or more CPUs: at least
 * PARALLEL_SHARE × min(copies, cores) CPUs busy, decided on the interval of the meter's readings
 * (or, without a meter, of the paired wall-time speedups); "unclear" rather than "no" on a busy run.
 */
export function parallelSpeedup(result: CompareResult, key: string): CoreMeasure {
  return parallelMeasure(result, key, "cpus");
}

/** Did the copies of `key` keep at most about one CPU busy (GIL-bound)? The mirror of parallelSpeedup. */
export function oneCoreAtATime(result: CompareResult, key: string): CoreMeasure {
  const s = strategy(result, key);
  const speedup = s.speedup!;
  const cores = result.environment.cores;
  const onCpus = s.coresBusy !== null;
  const measure = s.coresBusy ?? speedup;
  const threshold = onCpus ? ONE_CORE_BUSY : NO_SPEEDUP;
  const rule = onCpus
    ? thresholdRule(`CPUs busy at once on ${key}`, measure, "at most", threshold, cpusFormat)
    : thresholdRule(`wall-time speedup of ${key} (no CPU meter here)`, measure, "at most", threshold, xFormat);
  return { check: atMost(measure, threshold), rule, speedup, cores, expected: Math.min(result.copies, cores), onCpus };
}

/**
 * "Threads kept one core busy" only means something if the cores were free: if processes in the
 * same run did not work in parallel either, one busy core proves nothing about threads.
 */
export function noParallelismShown(threads: Check, python: CompareResult): Check {
  if (threads !== "yes") return threads;
  if (!python.strategies.some((s) => s.strategy === "python:processes" && s.speedup)) return threads;
  return parallelSpeedup(python, "python:processes").check === "yes" ? "yes" : "unclear";
}

/**
 * Why a parallel run fell clearly short, naming only what was measured: the usable CPUs, how much
 * CPU other programs took meanwhile, and how much slower each copy ran beside the others.
 */
export function shortfallReason(result: CompareResult, key: string, measure: CoreMeasure): string {
  const share = result.noise.contention;
  const others =
    share === null
      ? "this platform cannot measure what other programs used meanwhile"
      : `other programs used ${(share * 100).toFixed(0)}% of the CPU meanwhile, too little to explain it`;
  const what = measure.onCpus ? `fewer than ${cpusFormat(PARALLEL_SHARE * measure.expected)} CPUs were busy at once` : `the speedup stayed below ${x(PARALLEL_SHARE * measure.expected)}`;
  const slowdown = copySlowdown(result, key);
  const slower = slowdown !== null && slowdown > 1.1 ? `; each copy also ran ${x(slowdown)} as long beside the others as alone` : "";
  return `${what} although ${coresText(result.environment.cores)} were usable; ${others}${slower}`;
}

/**
 * Why copies ran slower side by side than alone, naming only what was measured: other programs'
 * CPU use when the meter saw much of it, else the machine's cores slowing each other down.
 */
export function slowdownCause(result: CompareResult): string {
  const foreign = result.noise.contention;
  return foreign !== null && foreign > BUSY_CONTENTION
    ? `other programs took ${(foreign * 100).toFixed(0)}% of the CPU meanwhile`
    : "on this machine CPUs working at once slow each other down (shared physical cores, clock limits, memory), which is the hardware, not the runtime";
}

/**
 * When the CPUs did work at once but the copies finished less than PARALLEL_SHARE sooner: the
 * machine's, not the runtime's doing. Null when there is nothing to explain.
 */
export function slowerTogether(result: CompareResult, key: string, measure: CoreMeasure): string | null {
  if (!measure.onCpus || measure.check !== "yes" || measure.speedup.median >= PARALLEL_SHARE * measure.expected) return null;
  const slowdown = copySlowdown(result, key);
  return (
    `; the copies finished only ${x(measure.speedup.median)} sooner because each ran ${slowdown === null ? "slower" : `${x(slowdown)} as long`} beside the others as alone: ${slowdownCause(result)}`
  );
}

/**
 * The interpreter of a CPython run if it reported its GIL off while it ran (a free-threaded build
 * without PYTHON_GIL=1), else null. Read from the run's own report, never from a separate probe:
 * a free-threaded build can run with its GIL turned back on, and CONCLAB_PYTHON may have changed
 * since. Null too for results that carry no report (hand-made ones).
 */
export function ranWithoutGil(python: CompareResult): PythonInterpreter | null {
  const interpreter = pythonInterpreterOf(python);
  return interpreter && !interpreter.gil ? interpreter : null;
}

/** How a run's interpreter is named in a sentence: version, build, and whether its GIL was on while it ran. */
export function interpreterText(interpreter: PythonInterpreter): string {
  const build = interpreter.freeThreadedBuild ? "a free-threaded build" : "a standard build";
  return `CPython ${interpreter.version} (${build}, GIL ${interpreter.gil ? "enabled" : "disabled"} while it ran)`;
}

/** Where a claim about the GIL is judged: the first part of its rule. */
export const GIL_ON_RULE = "judged only on a CPython that reported its GIL enabled while it ran (sys._is_gil_enabled()); a run without the GIL is not measured";

/**
 * A claim about what CPython's GIL does, on a run whose interpreter ran without it: "not measured",
 * never "holds" or "differs", since the lock the claim is about did not run. Says which interpreter
 * ran and what its threads did instead (`threads`, from the numbers). `parts.rule` is the rule a
 * run with the GIL is judged by.
 */
export function gilClaimWithoutGil(interpreter: PythonInterpreter, parts: Pick<Claim, "id" | "section" | "claim" | "measured" | "rule"> & Partial<Pick<Claim, "evidence" | "observed">>, threads: string): Claim {
  return claim({
    ...parts,
    verdict: "not measured",
    reason:
      `${interpreterText(interpreter)} ran these threads, so the lock this claim is about was not there: the run neither confirms nor contradicts it. ` +
      `Without the GIL, ${threads}. To test the claim, run the course on a standard build, or on this one with PYTHON_GIL=1`,
    rule: `${GIL_ON_RULE}; ${parts.rule}`,
  });
}

/** What `key`'s copies did, for a sentence: the CPUs they kept busy, or without a meter their speedup. */
export function busyText(result: CompareResult, key: string): string {
  const s = strategy(result, key);
  return s.coresBusy ? `${s.coresBusy.median.toFixed(2)} CPUs busy at once` : `${x(s.speedup!.median)} the speed of one after another`;
}

/**
 * Why CPython threads kept more than one core busy on a run whose interpreter reported its GIL
 * enabled (a run without it is not judged: gilClaimWithoutGil), or reported nothing.
 */
export function threadsSpedUpReason(python: CompareResult): string {
  const interpreter = pythonInterpreterOf(python);
  return interpreter
    ? `CPython threads kept more than one core busy although ${interpreterText(interpreter)} ran them: the work ran in C code that releases the GIL, or the meter was disturbed`
    : "CPython threads kept more than one core busy; this run did not report whether its interpreter's GIL was on";
}

/** Why a claim about parallel speedup, or about its absence, cannot be judged on one core. */
const ONE_CORE = "one core: no parallel speedup is possible, so neither a speedup nor its absence says anything about this claim";

/** ONE_CORE, naming the container's quota or the affinity mask when that, not the machine, allows one CPU. */
function oneCoreReason(machine: number | Pick<MachineDescription, "cores" | "cpuLimit">): string {
  // A bare count comes from a notebook on this machine: this machine's limits explain it when they agree.
  const here = typeof machine === "number" ? describeMachine() : machine;
  if (typeof machine === "number" && here.cores !== machine) return ONE_CORE;
  const { limitedBy, cores, affinityCores, quotaCpus } = here.cpuLimit;
  if (limitedBy === "quota") {
    return `${ONE_CORE}. The machine has ${coresText(cores)}, but this container's CPU quota allows ${quotaCpus} CPU's worth of time (as on Binder): run the course where it may use two or more CPUs to see this claim measured`;
  }
  if (limitedBy === "affinity") return `${ONE_CORE}. The machine has ${coresText(cores)}, but this process may run on ${affinityCores} of them (its CPU affinity)`;
  return ONE_CORE;
}

/** A claim as the functions below write it: a test with no Node-by-design explanation unless said. */
export type ClaimParts = Omit<Claim, "kind" | "nodeByDesign"> & Partial<Pick<Claim, "kind" | "nodeByDesign">>;

export function claim(parts: ClaimParts): Claim {
  return { ...parts, kind: parts.kind ?? "test", nodeByDesign: parts.nodeByDesign ?? null };
}

/**
 * A claim about parallel speedup, or its absence: on one effective CPU "not measured", whatever the
 * numbers say. `machine` is the run's environment (so the reason can name a quota) or a core count.
 */
export function speedupClaim(machine: number | MachineDescription, parts: ClaimParts): Claim {
  const cores = typeof machine === "number" ? machine : machine.cores;
  return cores < 2 ? claim({ ...parts, verdict: "not measured", reason: oneCoreReason(machine), rule: `judged only on 2 or more usable CPUs; ${parts.rule}` }) : claim(parts);
}

export const NO_CPYTHON = "no CPython 3.8 or newer ran here, and a claim about Python is not decided on Node's numbers";

/** A claim about CPython where no CPython ran (`why`, by default NO_CPYTHON): said plainly, never decided on Node. */
export function notMeasuredInCPython(id: string, section: string, text: string, why: string = NO_CPYTHON): Claim {
  return claim({ id, section, claim: text, measured: "no CPython run", verdict: "not measured", reason: why, rule: "needs a CPython 3.8 or newer" });
}

export const NO_GIL_IN_NODE = "Node has no GIL: each worker thread runs its own V8 isolate and event loop, so JavaScript on worker threads runs in parallel";

/**
 * The article's "threads give CPU work no speedup", judged on Node's worker threads: `threads` and
 * `processes` say whether each kept several CPUs busy (null: no processes ran). It differs when the
 * threads clearly did. It holds only when they clearly did not while child processes in the same
 * run clearly did: then the cores were free and the threads alone failed to use them. Threads that
 * fell short with no such evidence mean the run went wrong, not that the claim held: unclear,
 * saying what was seen (`shortfall`: why the threads fell short, from the numbers).
 */
export function threadsClaimVerdict(threads: Check, processes: Check | null, shortfall: string): { verdict: Verdict; reason: string } {
  if (threads === "yes") return { verdict: "differs", reason: "the worker threads kept several cores busy at once" };
  if (threads === "unclear") return { verdict: "unclear", reason: "this run did not decide whether the worker threads worked in parallel" };
  if (processes === "yes") return { verdict: "holds", reason: `child processes kept the CPUs busy in the same run, but the worker threads did not: ${shortfall}` };
  const seen = processes === null ? "no child processes ran beside them to show the cores free" : `child processes ${processes === "no" ? "fell short" : "did not decide"} too`;
  return { verdict: "unclear", reason: `the run went wrong, not the claim: the worker threads fell short (${shortfall}) and ${seen}` };
}

/** How a no on threads is read, in every Node threads claim's rule. */
export const THREADS_NO_RULE = "yes means the claim differs; a no holds it only if child processes in the same run did keep the CPUs busy, else it is unclear";

/** threadsClaimVerdict() from one comparison that ran threads (and processes, if it did) against sequential. */
export function threadsAgainstProcesses(result: CompareResult, threads: CoreMeasure): { verdict: Verdict; reason: string; rule: string } {
  const processes = result.strategies.some((s) => s.strategy === "processes" && s.speedup) ? parallelSpeedup(result, "processes") : null;
  const judged = threadsClaimVerdict(threads.check, processes?.check ?? null, shortfallReason(result, "threads", threads));
  const reason = judged.verdict === "differs" ? `${judged.reason}${slowerTogether(result, "threads", threads) ?? ""}` : judged.reason;
  return { verdict: judged.verdict, reason, rule: `${threads.rule}; ${processes ? `${processes.rule}; ` : ""}${THREADS_NO_RULE}` };
}

/**
 * 04: asyncio (and Node's event loop) is bound to one thread: CPU work started together keeps one
 * core busy and gains nothing. Decided on the event loop's CPUs busy when `eventLoopBusy` is given,
 * else on its speedup over sequential.
 */
export function asyncBoundToOneThread(eventLoopSpeedup: Stat, eventLoopBusy: Stat | null = null): Claim {
  const measured = eventLoopBusy ? atMost(eventLoopBusy, ONE_CORE_BUSY) : atMost(eventLoopSpeedup, 1.1);
  // One thread cannot run two CPU tasks at once: a clear "no" can only be a disturbed run.
  const check: Check = measured === "no" ? "unclear" : measured;
  const rule = eventLoopBusy
    ? thresholdRule("CPUs busy at once on the event loop", eventLoopBusy, "at most", ONE_CORE_BUSY, cpusFormat)
    : thresholdRule("speedup of the event loop over sequential", eventLoopSpeedup, "at most", 1.1, xFormat);
  return claim({
    id: "proscons.async-one-thread",
    section: "04-pros-and-cons",
    claim: "Async code runs on a single thread: it is bound to one core like GIL-bound threads.",
    measured: `CPU tasks started together on the event loop ran ${x(eventLoopSpeedup.median)} the speed of one after another${eventLoopBusy ? `, with ${eventLoopBusy.median.toFixed(2)} CPUs busy` : ""}`,
    verdict: verdictOf(check),
    reason: check === "yes" ? "one thread, one core: starting tasks together does not make CPU work faster" : "the event loop cannot run two CPU tasks at once; a reading away from one core means the run was disturbed",
    rule: `${rule}; a "no" can only be a disturbed run, so it reads unclear`,
    kind: "demonstration",
  });
}

/** A runtime's samples by unit (handoffs paired by round, start-ups): what the sentences read. */
export interface HandoffSamples {
  readonly strategy: string;
  readonly samplesMs: readonly number[];
}

/**
 * `unit`'s median time among `measures` (Node's or CPython's handoffs, or start-ups), as every
 * sentence and table writes it; "not measured" where the unit has no sample.
 */
export function handoffText(measures: readonly HandoffSamples[], unit: string): string {
  const samples = measures.find((s) => s.strategy === unit);
  return samples && samples.samplesMs.length > 0 ? ms(median(samples.samplesMs)) : "not measured";
}

/** asyncBoundToOneThread from a comparison that ran `eventLoop` against `sequential` (for `until` in 02). */
export function eventLoopOnOneCore(result: CompareResult): Claim {
  const loop = strategy(result, "eventLoop");
  if (!loop.speedup) throw new RangeError("result must include a sequential run beside eventLoop; add \"sequential\" to strategies");
  return asyncBoundToOneThread(loop.speedup, loop.coresBusy);
}

/**
 * Did `who` keep at least `threshold` CPUs busy (or, without a CPU reading, reach that wall-time
 * speedup)? For measures kept as Stats rather than a CompareResult (02's saved numbers, 07's curve).
 */
export function busyAtLeast(who: string, speedup: Stat, busy: Stat | null, threshold: number): { check: Check; rule: string } {
  return {
    check: atLeast(busy ?? speedup, threshold),
    rule: busy ? thresholdRule(`CPUs busy at once on ${who}`, busy, "at least", threshold, cpusFormat) : thresholdRule(`wall-time speedup of ${who}`, speedup, "at least", threshold, xFormat),
  };
}
