/**
 * One function per claim of the article: each takes what a notebook measured and returns the claim
 * with the numbers, a verdict computed from them, and the rule that decided it. A threshold check
 * decides only when the 95 % interval of the measure lies wholly on one side (see atLeast()).
 * Nothing here is a hand-written outcome.
 */
import { describeMachine, type MachineDescription } from "../environment";
import { findPython } from "../python";
import { strategyDescriptor } from "../strategies/descriptors";
import { BUSY_CONTENTION, pythonInterpreterOf, type CompareResult, type StrategyResult } from "../experiment/compare";
import type { LoopLagResult } from "../measure/loop-lag";
import type { StartupSamples, SwitchSamples } from "../experiment/unit-costs";
import { formatBytes, formatDuration } from "../measure/format";
import { interval, median, pairedRatios, type Stat } from "../measure/stats";
import { atLeast, atMost, observedStat, thresholdRule, verdictOf, type Check, type Claim, type Verdict } from "./claims";
import { byRepeat, cpuShareOfCopies, laneCount, maxConcurrency } from "./overlap";

function strategy(result: CompareResult, key: string): StrategyResult {
  const found = result.strategies.find((s) => s.strategy === key);
  if (!found) throw new RangeError(`result must include strategy ${key}, got ${result.strategies.map((s) => s.strategy).join(", ")}; add it to strategies`);
  return found;
}

const coresText = (cores: number): string => `${cores} core${cores === 1 ? "" : "s"}`;
const x = (value: number): string => `${value.toFixed(2)}x`;
const cpusFormat = (value: number): string => (Number.isFinite(value) ? value.toFixed(2) : "∞");
const xFormat = (value: number): string => (Number.isFinite(value) ? x(value) : "∞");
const ms = formatDuration;
const bytes = formatBytes;

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
function runText(result: CompareResult, key: string): string {
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
interface CoreMeasure {
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
function parallelMeasure(result: CompareResult, key: string, meter: "cpus" | "wall"): CoreMeasure {
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
function noParallelismShown(threads: Check, python: CompareResult): Check {
  if (threads !== "yes") return threads;
  if (!python.strategies.some((s) => s.strategy === "python:processes" && s.speedup)) return threads;
  return parallelSpeedup(python, "python:processes").check === "yes" ? "yes" : "unclear";
}

/**
 * Why a parallel run fell clearly short, naming only what was measured: the usable CPUs, how much
 * CPU other programs took meanwhile, and how much slower each copy ran beside the others.
 */
function shortfallReason(result: CompareResult, key: string, measure: CoreMeasure): string {
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
function slowerTogether(result: CompareResult, key: string, measure: CoreMeasure): string | null {
  if (!measure.onCpus || measure.check !== "yes" || measure.speedup.median >= PARALLEL_SHARE * measure.expected) return null;
  const slowdown = copySlowdown(result, key);
  return (
    `; the copies finished only ${x(measure.speedup.median)} sooner because each ran ${slowdown === null ? "slower" : `${x(slowdown)} as long`} beside the others as alone: ${slowdownCause(result)}`
  );
}

/**
 * Did copies of `key` finish at least PARALLEL_SHARE × min(copies, cores) times sooner than one
 * after another? A claim about a speedup is decided on the wall-time speedup itself; CPUs busy only
 * explains a shortfall (speedupShortfall). "Unclear" rather than "no" on a busy run.
 */
export function wallSpeedup(result: CompareResult, key: string): CoreMeasure {
  return parallelMeasure(result, key, "wall");
}

/** A copy that had less than this share of a CPU while it ran was denied CPU. */
const DENIED_SHARE = 0.85;

/**
 * Why copies of `key` finished less than PARALLEL_SHARE × min(copies, cores) sooner, told apart by
 * what was measured: denied CPU (a copy had clearly less than a whole CPU while it ran: steal,
 * other programs, or copies sharing CPUs), slower CPU (each copy had its CPU but ran longer beside
 * the others than alone: the hardware), or runtime overhead (the copies ran as fast as alone and
 * the rest of the wall time went to starting, handing out and collecting them).
 */
export function speedupShortfall(result: CompareResult, key: string): string {
  const s = strategy(result, key);
  const share = cpuShareOfCopies(s.spans);
  const slowdown = copySlowdown(result, key);
  const { steal, contention } = result.noise;
  const percent = (v: number): string => `${(v * 100).toFixed(0)}%`;
  const busy = s.coresBusy ? `${s.coresBusy.median.toFixed(2)} CPUs were busy at once; ` : "";
  const stolen = steal !== null && steal > 0.02 ? `the hypervisor held back ${percent(steal)} of the machine's CPU time (steal)` : null;
  const others = contention !== null && contention > 0.05 ? `other programs took ${percent(contention)}` : null;
  if (share !== null && share < DENIED_SHARE) {
    const causes = [stolen, others].filter((c): c is string => c !== null);
    const why = causes.length > 0 ? causes.join(" and ") : `neither steal${steal === null ? " (not readable here)" : ""} nor other programs explain it, so the copies shared CPUs with each other`;
    return `denied CPU: ${busy}each copy had only ${percent(share)} of a CPU while it ran: ${why}`;
  }
  if (slowdown !== null && slowdown > 1.1) {
    return (
      `slower CPU: ${busy}each copy had ${share === null ? "its" : `${percent(share)} of a`} CPU yet ran ${x(slowdown)} as long beside the others as alone: ` +
      `the cores slowed each other down (shared physical cores, clock or memory; the course does not read the clock rate), which is the hardware, not the runtime${stolen ? `; also, ${stolen}` : ""}`
    );
  }
  if (share === null && slowdown === null) return shortfallReason(result, key, wallSpeedup(result, key));
  const extents = byRepeat(s.spans).map((spans) => Math.max(...spans.map((c) => c.endMs)) - Math.min(...spans.map((c) => c.startMs)));
  const overhead = extents.length > 0 ? 1 - median(extents) / s.wallMs.median : null;
  return `runtime overhead: ${busy}the copies ran about as fast side by side as alone${overhead === null ? "" : `, and ${percent(Math.max(0, overhead))} of the wall time went to starting, handing out and collecting them`}`;
}

/**
 * Why CPython threads kept more than one core busy, from what the interpreter that ran them
 * reported of its GIL at run time (PYTHON_GIL=1 or an extension can turn it back on in a
 * free-threaded build; a bare probe's answer is used only for results that lack the report).
 */
function threadsSpedUpReason(python: CompareResult): string {
  const gil = pythonInterpreterOf(python)?.gil ?? findPython()?.gil;
  return gil === false
    ? "this CPython ran with its GIL disabled (a free-threaded build), so its threads ran Python code in parallel: the claim is about the standard build"
    : "CPython threads kept more than one core busy although the interpreter that ran them reported its GIL enabled: the work ran in C code that releases the GIL, or the meter was disturbed";
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
type ClaimParts = Omit<Claim, "kind" | "nodeByDesign"> & Partial<Pick<Claim, "kind" | "nodeByDesign">>;

function claim(parts: ClaimParts): Claim {
  return { ...parts, kind: parts.kind ?? "test", nodeByDesign: parts.nodeByDesign ?? null };
}

/**
 * A claim about parallel speedup, or its absence: on one effective CPU "not measured", whatever the
 * numbers say. `machine` is the run's environment (so the reason can name a quota) or a core count.
 */
function speedupClaim(machine: number | MachineDescription, parts: ClaimParts): Claim {
  const cores = typeof machine === "number" ? machine : machine.cores;
  return cores < 2 ? claim({ ...parts, verdict: "not measured", reason: oneCoreReason(machine), rule: `judged only on 2 or more usable CPUs; ${parts.rule}` }) : claim(parts);
}

/** 01: on one thread, CPU tasks take turns; waiting tasks overlap in time on the same lane. */
export function concurrencyOnOneLane(cpu: CompareResult, waiting: CompareResult): Claim {
  const cpuRuns = byRepeat(strategy(cpu, "eventLoop").spans);
  const waitRuns = byRepeat(strategy(waiting, "async").spans);
  const cpuMost = Math.max(...cpuRuns.map(maxConcurrency));
  const waitMost = Math.min(...waitRuns.map(maxConcurrency));
  const lanes = laneCount([...cpuRuns.flat(), ...waitRuns.flat()]);
  const holds = cpuMost === 1 && waitMost === waiting.copies && lanes === 1;
  return claim({
    id: "concepts.concurrency",
    section: "01-core-concepts",
    claim: "Concurrency is dealing with many tasks at once by switching between them; one worker does one thing at any instant.",
    measured: `on one lane: ${cpu.copies} CPU tasks started together never overlapped (at most ${cpuMost} running at once); ${waiting.copies} waiting tasks all overlapped (${waitMost} at once)`,
    // A demonstration: the runtime guarantees the pattern, so a run without it is a broken run, not evidence.
    verdict: holds ? "holds" : "unclear",
    reason: holds
      ? "the event loop switched between tasks only where they waited; CPU work ran one task at a time"
      : "the spans did not show the pattern one thread guarantees (it cannot run two CPU tasks at once): the measurement went wrong",
    rule: `holds if every CPU task ran alone (at most 1 at once, in every repeat), every waiting task overlapped the others (${waiting.copies} at once), all on 1 lane`,
    kind: "demonstration",
  });
}

/**
 * 01: parallelism needs several cores. Two halves, both measured: on every usable CPU the worker
 * threads keep several CPUs busy (`cpu`), and the same threads held to one CPU (`oneCpu`, from
 * compareOnCpus) keep at most about one busy. Differs if the pinned threads still kept several
 * busy; a run whose threads fell short on all CPUs went wrong (unclear). Without a pinned run
 * (null: this system cannot pin a process) the one-core half is missing and the claim is unclear.
 */
export function parallelismNeedsCores(cpu: CompareResult, oneCpu: CompareResult | null = null): Claim {
  const threads = strategy(cpu, "threads");
  const most = Math.min(...byRepeat(threads.spans).map(maxConcurrency));
  const measure = parallelSpeedup(cpu, "threads");
  const { cores } = measure;
  const pinned = oneCpu ? oneCoreAtATime(oneCpu, "threads") : null;
  const pinnedText = oneCpu && pinned
    ? `; held to one CPU, the same threads kept ${strategy(oneCpu, "threads").coresBusy?.median.toFixed(2) ?? "an unmeasured number of"} CPUs busy (${x(pinned.speedup.median)} the speed of one after another)`
    : "; no run held to one CPU (this system cannot pin a process)";
  let verdict: Verdict;
  let reason: string;
  if (measure.check === "yes" && most >= 2) {
    if (!pinned) {
      verdict = "unclear";
      reason = `with ${coresText(cores)} the copies worked at the same time, but the one-CPU half could not be run here, so the need for cores was not shown`;
    } else if (pinned.check === "yes") {
      verdict = "holds";
      reason = `with ${coresText(cores)} the copies really worked at the same time${slowerTogether(cpu, "threads", measure) ?? ""}; held to one CPU, the same threads could only take turns`;
    } else if (pinned.check === "no") {
      verdict = "differs";
      reason = "held to one CPU, the threads still kept more than one busy: either the pin did not hold or the claim is wrong";
    } else {
      verdict = "unclear";
      reason = "this run did not decide how many CPUs the threads kept busy when held to one";
    }
  } else {
    verdict = "unclear";
    reason =
      measure.check === "unclear"
        ? "this run did not decide whether several CPUs worked at once, after every repeat its budget allowed"
        : `the run went wrong, not the claim: worker threads with ${coresText(cores)} free should have worked at once, and ${measure.check === "no" ? shortfallReason(cpu, "threads", measure) : `at most ${most} ran at once`}`;
  }
  return speedupClaim(cpu.environment, {
    id: "concepts.parallelism",
    section: "01-core-concepts",
    claim: "Parallelism is doing many things at the same instant, and it needs hardware: several cores.",
    measured: `${cpu.copies} CPU tasks on worker threads, ${most} running at once on ${laneCount(threads.spans)} lanes (${coresText(cores)}): ${runText(cpu, "threads")}${pinnedText}`,
    verdict,
    reason,
    rule: `on all CPUs: ${measure.rule}; held to one CPU: ${pinned ? pinned.rule : "not run"}; holds if the first is yes and the second yes, differs if the second is no, else unclear`,
    observed: observedStat(threads.coresBusy ?? measure.speedup, { expected: measure.expected, cores, copies: cpu.copies }),
  });
}

/**
 * 01: concurrency keeps a program responsive while it waits. The timer stays on time while the
 * main thread awaits (concurrency on one thread) and while CPU work runs on a worker; it
 * stalls only while CPU work holds the main thread.
 */
export function responsiveness(waitingOnMain: LoopLagResult<unknown>, cpuOnMain: LoopLagResult<unknown>, cpuOnWorker: LoopLagResult<unknown>): Claim {
  const free = Math.max(waitingOnMain.maxLateMs, cpuOnWorker.maxLateMs);
  const holds = free * 4 < cpuOnMain.maxLateMs;
  return claim({
    id: "concepts.responsiveness",
    section: "01-core-concepts",
    claim: "Concurrency keeps a program responsive: the UI (here, a timer) keeps running while the program waits.",
    measured: `a 10 ms timer was up to ${ms(waitingOnMain.maxLateMs)} late while the main thread awaited, ${ms(cpuOnMain.maxLateMs)} while CPU work ran on it, ${ms(cpuOnWorker.maxLateMs)} while that work ran on a worker`,
    verdict: holds ? "holds" : "unclear",
    reason: holds
      ? "awaiting leaves the one thread free to serve the timer; only CPU work on that thread froze it, and a worker thread takes that off it"
      : "the timer was late even while the main thread was free: the machine was too busy to show it, which says nothing against the claim",
    rule: "holds if the timer's worst lateness while the main thread was free (awaiting, or CPU work on a worker) was under a quarter of its lateness while CPU work held the main thread",
    kind: "demonstration",
  });
}

const NO_CPYTHON = "no CPython 3.8 or newer ran here, and a claim about Python is not decided on Node's numbers";

/** A claim about CPython where no CPython ran (`why`, by default NO_CPYTHON): said plainly, never decided on Node. */
function notMeasuredInCPython(id: string, section: string, text: string, why: string = NO_CPYTHON): Claim {
  return claim({ id, section, claim: text, measured: "no CPython run", verdict: "not measured", reason: why, rule: "needs a CPython 3.8 or newer" });
}

const GIL_THREADS_CLAIM =
  "In CPython one lock, the GIL, admits a single thread at a time to the interpreter's bytecode, so threads do not speed up CPU work written in Python.";
const GIL_PROCESSES_CLAIM = "Each process has its own interpreter and its own GIL, so processes run CPU-bound Python in parallel.";

/** 02: CPython threads keep one core busy on CPU-bound work (the GIL), while processes in the same run keep several. */
export function gilThreads(python: CompareResult): Claim {
  const measure = oneCoreAtATime(python, "python:threads");
  const check = noParallelismShown(measure.check, python);
  return speedupClaim(python.environment, {
    id: "gil.threads",
    section: "02-the-gil",
    claim: GIL_THREADS_CLAIM,
    measured: `CPython, ${python.copies} copies of a counting loop on threads: ${runText(python, "python:threads")}`,
    verdict: verdictOf(check),
    reason:
      check === "yes"
        ? "the threads took turns holding the GIL: one core worked at a time, while processes in the same run kept several busy"
        : check === "unclear"
          ? measure.check === "yes"
            ? "processes did not work in parallel in this run either, so the cores were not shown free: one busy core proves nothing"
            : "this run did not decide how many cores the threads kept busy"
          : threadsSpedUpReason(python),
    rule: `${measure.rule}; and CPython processes in the same run must work in parallel (else unclear)`,
    evidence: EVIDENCE.cpythonThreadsOneCore,
    observed: observedStat(strategy(python, "python:threads").coresBusy ?? measure.speedup, { copies: python.copies }),
  });
}

export function gilProcesses(python: CompareResult): Claim {
  const measure = parallelSpeedup(python, "python:processes");
  const { check } = measure;
  return speedupClaim(python.environment, {
    id: "gil.processes",
    section: "02-the-gil",
    claim: GIL_PROCESSES_CLAIM,
    measured: `CPython processes, ${python.copies} copies on ${coresText(measure.cores)}: ${runText(python, "python:processes")}`,
    verdict: verdictOf(check),
    reason:
      check === "yes"
        ? `every process ran its own interpreter on its own core${slowerTogether(python, "python:processes", measure) ?? ""}`
        : check === "unclear"
          ? python.noise.busy
            ? `the machine was busy (${python.noise.note})`
            : "this run did not decide how many cores the processes kept busy"
          : shortfallReason(python, "python:processes", measure),
    rule: measure.rule,
  });
}

const GIL_C_CODE_CLAIM = "The GIL guards Python code only: C code that releases it, such as hashlib hashing a large buffer, runs on CPython threads in parallel.";

/**
 * 02: CPython threads run C code that releases the GIL in parallel (hashBytes: hashlib over 1 MiB
 * buffers). Decided on the threads' CPUs busy, with CPython processes in the same run showing the
 * cores free: holds if the threads kept several busy; differs if they did not while the processes
 * did; unclear if neither did (a run gone wrong). Not measured without CPython or on one CPU.
 */
export function gilReleasedByC(hash: CompareResult | null): Claim {
  const parts = { id: "gil.c-code", section: "02-the-gil", claim: GIL_C_CODE_CLAIM };
  if (!hash) return notMeasuredInCPython(parts.id, parts.section, parts.claim);
  const threads = parallelSpeedup(hash, "python:threads");
  const processes = hash.strategies.some((s) => s.strategy === "python:processes" && s.speedup) ? parallelSpeedup(hash, "python:processes") : null;
  const verdict: Verdict = threads.check === "yes" ? "holds" : threads.check === "no" && processes?.check === "yes" ? "differs" : "unclear";
  return speedupClaim(hash.environment, {
    ...parts,
    measured: `CPython threads, ${hash.copies} copies of hashBytes (SHA-256 over 1 MiB buffers): ${runText(hash, "python:threads")}`,
    verdict,
    reason:
      verdict === "holds"
        ? `hashlib released the GIL while it hashed, so the threads worked on separate cores at once${slowerTogether(hash, "python:threads", threads) ?? ""}`
        : verdict === "differs"
          ? `the threads did not keep the CPUs busy though processes in the same run did: ${shortfallReason(hash, "python:threads", threads)}`
          : threads.check === "unclear"
            ? "this run did not decide how many cores the threads kept busy"
            : "the threads fell short and the processes beside them did not show the cores free either: the run went wrong, not the claim",
    rule: `${threads.rule}; a no differs only if CPython processes in the same run kept their CPUs busy${processes ? ` (${processes.rule})` : ""}, else unclear`,
  });
}

const NO_GIL_IN_NODE = "Node has no GIL: each worker thread runs its own V8 isolate and event loop, so JavaScript on worker threads runs in parallel";

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
const THREADS_NO_RULE = "yes means the claim differs; a no holds it only if child processes in the same run did keep the CPUs busy, else it is unclear";

/** threadsClaimVerdict() from one comparison that ran threads (and processes, if it did) against sequential. */
function threadsAgainstProcesses(result: CompareResult, threads: CoreMeasure): { verdict: Verdict; reason: string; rule: string } {
  const processes = result.strategies.some((s) => s.strategy === "processes" && s.speedup) ? parallelSpeedup(result, "processes") : null;
  const judged = threadsClaimVerdict(threads.check, processes?.check ?? null, shortfallReason(result, "threads", threads));
  const reason = judged.verdict === "differs" ? `${judged.reason}${slowerTogether(result, "threads", threads) ?? ""}` : judged.reason;
  return { verdict: judged.verdict, reason, rule: `${threads.rule}; ${processes ? `${processes.rule}; ` : ""}${THREADS_NO_RULE}` };
}

/** 02: in Node, worker threads do run JavaScript in parallel (no GIL). */
export function nodeThreadsParallel(node: CompareResult): Claim {
  const measure = parallelSpeedup(node, "threads");
  const judged = threadsAgainstProcesses(node, measure);
  return speedupClaim(node.environment, {
    id: "gil.node-threads",
    section: "02-the-gil",
    claim: "Threads cannot speed up CPU-bound work (the article's rule for CPython threads).",
    measured: `Node worker threads, ${node.copies} copies on ${coresText(measure.cores)}: ${runText(node, "threads")}`,
    ...judged,
    nodeByDesign: NO_GIL_IN_NODE,
    evidence: EVIDENCE.nodeThreadsParallel,
    observed: observedStat(strategy(node, "threads").coresBusy ?? measure.speedup, { copies: node.copies }),
  });
}

/**
 * Is the typical value of `lower` below that of `higher`? "yes" when their 95 % intervals do not
 * overlap in that order, "no" when they do not overlap the other way round, else unclear.
 */
export function orderOf(lower: readonly number[], higher: readonly number[]): Check {
  // A start-up can read 0 on a coarse clock; the intervals are on a log scale.
  const positive = (samples: readonly number[]): number[] => samples.map((v) => Math.max(v, 1e-6));
  const a = interval(positive(lower));
  const b = interval(positive(higher));
  return a.high < b.low ? "yes" : b.high < a.low ? "no" : "unclear";
}

/** One runtime's three start-up medians in words. */
function startupText(startups: readonly StartupSamples[], names: readonly [string, string, string]): string {
  const med = (kind: string): string => handoffText(startups, kind);
  return `${names[0]} ${med("async")}, ${names[1]} ${med("threads")}, ${names[2]} ${med("processes")}`;
}

const CPYTHON_UNITS = ["asyncio task", "thread", "process"] as const;
const NODE_UNITS = ["async task", "worker thread", "child process"] as const;

/**
 * 03: threads are cheaper to start than processes; coroutines cheaper still. The article's claim
 * is about Python's threading, multiprocessing and asyncio, so it is decided on CPython's samples
 * (`python`, from measurePythonStartup) and not measured without them; Node's (`node`) are quoted
 * as the course's translation.
 */
export function startupCosts(node: readonly StartupSamples[], python: readonly StartupSamples[] | null = null): Claim {
  const parts = {
    id: "approaches.startup",
    section: "03-approaches",
    claim: "Creating threads is faster than creating processes (processes are heavyweight); coroutines cost almost nothing.",
  };
  const nodeText = `Node (the translation), median: ${startupText(node, NODE_UNITS)}`;
  if (!python) return claim({ ...parts, measured: `no CPython run; ${nodeText}`, verdict: "not measured", reason: NO_CPYTHON, rule: "needs CPython's start-up samples (measurePythonStartup)" });
  const samples = (kind: string): readonly number[] => python.find((s) => s.strategy === kind)?.samplesMs ?? [];
  const [as, ts, ps] = [samples("async"), samples("threads"), samples("processes")];
  if (as.length === 0 || ts.length === 0 || ps.length === 0) throw new RangeError("python must hold async, threads and processes samples from measurePythonStartup(); measure all three");
  const [a, t, p] = [median(as), median(ts), median(ps)];
  const steps = [orderOf(as, ts), orderOf(ts, ps)];
  const check: Check = steps.includes("no") ? "no" : steps.every((c) => c === "yes") ? "yes" : "unclear";
  return claim({
    ...parts,
    measured: `CPython, median start-up: ${startupText(python, CPYTHON_UNITS)} (${as.length}, ${ts.length} and ${ps.length} samples); ${nodeText}`,
    verdict: verdictOf(check),
    reason:
      check === "yes"
        ? `in CPython a process started ${x(p / t)} slower than a thread, a thread ${x(t / a)} slower than an asyncio task`
        : check === "no"
          ? "CPython's start-up times did not come in the order asyncio task < thread < process"
          : "the samples of two neighbours overlapped too much to order them",
    rule: "holds if the 95 % intervals of CPython's start-up times lie in the order asyncio task < thread < process, each below the next without overlap; differs if one lies wholly above the next; else unclear",
  });
}

/**
 * A thread "costs little" next to a process at most this share of one (a CPython thread, mostly
 * its touched stack, costs about 1 %), and clearly does not from the second share up (a Node
 * worker, with its own isolate, measures 35-45 % here). In between, one reading cannot tell.
 */
export const THREAD_SHARE_OF_PROCESS = { little: 0.1, notLittle: 0.2 } as const;

/** How many times less than a thread an async task must cost to count as the least: the meters differ (heap or tracemalloc against resident pages). */
export const ASYNC_LEAST_FACTOR = 2;

/** One unit's memory, as measureMemory and measurePythonMemory report it. */
export interface UnitMemory {
  readonly strategy: string;
  readonly bytesPerUnit: number;
  readonly metric: string;
}

/** One runtime's memory per unit in words, each with its meter. */
function memoryText(measures: readonly UnitMemory[], names: readonly [string, string, string]): string {
  const of = (kind: string): string => {
    const found = measures.find((m) => m.strategy === kind);
    return found ? `${bytes(found.bytesPerUnit)} (${found.metric})` : "not measured";
  };
  return `${names[0]} ${of("async")}, ${names[1]} ${of("threads")}, ${names[2]} ${of("processes")}`;
}

/**
 * 03: memory per unit: async tasks least, threads little (they share their process's memory),
 * processes much. About Python's units, so decided on CPython's (`python`, from
 * measurePythonMemory) and not measured without them; Node's (`node`) are quoted as the
 * translation, where a worker thread carries a whole isolate.
 */
export function memoryCosts(node: readonly UnitMemory[], python: readonly UnitMemory[] | null = null): Claim {
  const parts = {
    id: "approaches.memory",
    section: "03-approaches",
    claim: "Memory: threads share their process's memory and cost little, processes are separate and cost much, async tasks cost least.",
  };
  const nodeText = `Node (the translation): ${memoryText(node, NODE_UNITS)}; a Node worker thread shares no objects and carries its own V8 isolate and heap`;
  if (!python) return claim({ ...parts, measured: `no CPython run; ${nodeText}`, verdict: "not measured", reason: NO_CPYTHON, rule: "needs CPython's memory per unit (measurePythonMemory)" });
  const per = (kind: string): number => python.find((m) => m.strategy === kind)?.bytesPerUnit ?? Number.NaN;
  const [a, t, p] = [per("async"), per("threads"), per("processes")];
  const share = t / p;
  const asyncLeast = a * ASYNC_LEAST_FACTOR < t;
  const check: Check = !asyncLeast || share >= THREAD_SHARE_OF_PROCESS.notLittle ? "no" : share <= THREAD_SHARE_OF_PROCESS.little ? "yes" : "unclear";
  const percent = `${(100 * share).toFixed(1)}%`;
  return claim({
    ...parts,
    measured:
      `CPython, per unit: ${memoryText(python, CPYTHON_UNITS)}; ${nodeText}. ` +
      "Each unit is read with the meter that fits it, so compare the order and the magnitudes, not exact ratios",
    verdict: verdictOf(check),
    reason:
      check === "yes"
        ? `a CPython thread cost ${percent} of a process, an asyncio task about 1/${Math.round(t / a)} of a thread`
        : !asyncLeast
          ? `an asyncio task did not cost under 1/${ASYNC_LEAST_FACTOR} of a thread in this run`
          : check === "no"
            ? `a CPython thread cost ${percent} of a process: not the little of a thread that shares its process's memory`
            : `a CPython thread cost ${percent} of a process: between little and not little, so one reading cannot tell`,
    rule:
      `holds if an asyncio task cost under 1/${ASYNC_LEAST_FACTOR} of a thread and a thread at most ${THREAD_SHARE_OF_PROCESS.little * 100}% of a process; ` +
      `differs if the asyncio task did not, or the thread cost ${THREAD_SHARE_OF_PROCESS.notLittle * 100}% or more; else unclear`,
  });
}

/** 03: cooperative switching: a task that never awaits starves its siblings on the event loop. */
export function cooperativeSwitching(starved: LoopLagResult<unknown>, fair: LoopLagResult<unknown>): Claim {
  const holds = starved.maxLateMs > 4 * Math.max(fair.maxLateMs, 1);
  return claim({
    id: "approaches.cooperative",
    section: "03-approaches",
    claim: "Async switching is cooperative: the code decides when to yield, so a task that never awaits holds up every other task.",
    measured: `siblings' 10 ms timer: up to ${ms(starved.maxLateMs)} late beside a CPU loop in an async function, up to ${ms(fair.maxLateMs)} beside the same loop on a worker thread`,
    verdict: holds ? "holds" : "unclear",
    reason: holds
      ? "nothing preempted the async function: its siblings waited until it finished. On a worker thread the work left the main thread free (preemption itself is the next claim)"
      : "the starvation did not show in this run: the measurement went wrong, since nothing can preempt a running JavaScript function",
    rule: "holds if the timer beside the loop on the event loop was over 4 times as late as beside the loop on a worker thread (at least 1 ms)",
    kind: "demonstration",
  });
}

/** The GIL claims when no CPython is available: said plainly, never guessed. */
export function gilNotMeasured(why: string): Claim[] {
  return [notMeasuredInCPython("gil.threads", "02-the-gil", GIL_THREADS_CLAIM, why), notMeasuredInCPython("gil.processes", "02-the-gil", GIL_PROCESSES_CLAIM, why)];
}

/** 03: the OS preempts threads (all copies progress at once even beyond the core count); the event loop does not. */
export function preemptiveThreads(result: CompareResult): Claim {
  const threadsMost = Math.min(...byRepeat(strategy(result, "threads").spans).map(maxConcurrency));
  const loopMost = Math.max(...byRepeat(strategy(result, "eventLoop").spans).map(maxConcurrency));
  const cores = result.environment.cores;
  const holds = threadsMost === result.copies && loopMost === 1;
  // With a core per copy, overlapping threads show parallelism, not the OS taking turns.
  const shown = result.copies > cores;
  return claim({
    id: "approaches.preemptive",
    section: "03-approaches",
    claim: "Threads are switched preemptively: the OS decides, so every thread makes progress even when there are more threads than cores.",
    measured: `${result.copies} CPU copies on ${coresText(cores)}: on threads ${threadsMost} ran at once; on the event loop at most ${loopMost} ran at once`,
    verdict: shown ? (holds ? "holds" : "differs") : "not measured",
    reason: !shown
      ? `each copy had a core of its own, so overlap shows parallelism, not preemption; it takes more copies than cores (${coresText(cores)})`
      : holds
        ? "the OS time-sliced the cores between all the threads; the event loop ran each copy to its end before the next"
        : "the overlap pattern differs from the claim in this run",
    rule: "judged only with more copies than CPUs; holds if all copies on threads were running at once in every repeat, and never more than 1 on the event loop",
    observed: { median: threadsMost, low: threadsMost, high: threadsMost, copies: result.copies, cores },
  });
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

/**
 * How many times a handoff between threads must cost what one between async tasks costs for the
 * cooperative switch to count as clearly cheaper. A threshold must sit away from what either
 * outcome measures, or noise decides the verdict: 1x if the claim were false (a switch as dear
 * either way), against 11-16x for CPython here (an asyncio handoff through a future about 2 µs, a
 * thread woken through the OS 20-30 µs) and 30-600x for Node (an await 0.04-0.1 µs). 3x lies
 * between, on the log scale the ratios live on. (It was 10x, chosen from Node's ratios; CPython's
 * sat at it and flipped between runs.)
 */
export const COOPERATIVE_SWITCH_CHEAPER = 3;

/** A runtime's samples by unit (handoffs paired by round, start-ups): what the sentences read. */
interface HandoffSamples {
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

/**
 * 04: a switch between async tasks is cooperative and costs far less than a handoff the operating
 * system makes between threads. About asyncio and Python's threads, so decided on CPython's
 * handoffs (`python`, from measurePythonSwitches): an asyncio handoff through a future (one full
 * turn of the event loop, as asyncio's switch is) against two threads passing the turn through
 * Events, paired by round. Not measured without CPython; Node's handoffs (`node`, from
 * measureSwitches: an await, Atomics between worker threads, pipes between processes) are quoted.
 */
export function switchCosts(node: readonly SwitchSamples[], python: readonly HandoffSamples[] | null = null): Claim {
  const parts = {
    id: "proscons.switch-cost",
    section: "04-pros-and-cons",
    claim: "Switching between async tasks is cooperative and cheap: unlike threads, they do not pay for a context switch by the operating system.",
  };
  const of = <S extends HandoffSamples>(measures: readonly S[], unit: string): S | undefined => measures.find((m) => m.strategy === unit);
  const [na, nt] = [of(node, "async"), of(node, "threads")];
  const nodeRatio = na && nt && na.samplesMs.length === nt.samplesMs.length && na.samplesMs.length > 0 ? ` (a worker thread's handoff ${x(pairedRatios(nt.samplesMs, na.samplesMs).median)} an await's)` : "";
  const turn = na?.eventLoopTurnMs && na.eventLoopTurnMs.length > 0 ? `, a turn of the event loop (setImmediate) ${ms(median(na.eventLoopTurnMs))}` : "";
  const nodeText = `Node (the translation), per handoff: await ${handoffText(node, "async")}${turn}, worker threads ${handoffText(node, "threads")}, child processes ${handoffText(node, "processes")}${nodeRatio}`;
  if (!python) return claim({ ...parts, measured: `no CPython run; ${nodeText}`, verdict: "not measured", reason: NO_CPYTHON, rule: "needs CPython's handoffs (measurePythonSwitches)" });
  const [a, t] = [of(python, "async-future"), of(python, "threads")];
  if (!a || !t) throw new RangeError('python must hold "async-future" and "threads" samples from measurePythonSwitches(); measure both');
  const ratio = pairedRatios(t.samplesMs, a.samplesMs);
  const check = atLeast(ratio, COOPERATIVE_SWITCH_CHEAPER);
  const py = (unit: string): string => handoffText(python, unit);
  return claim({
    ...parts,
    measured: `CPython, per handoff (median): asyncio task ${py("async-future")} (a future, one turn of the loop; ${py("async")} with sleep(0)), thread ${py("threads")}, process ${py("processes")}; a thread's handoff cost ${x(ratio.median)} an asyncio task's; ${nodeText}`,
    verdict: verdictOf(check),
    reason:
      check === "yes"
        ? "an asyncio handoff stays inside one thread, while each handoff between threads put one to sleep and had the OS wake the other"
        : check === "no"
          ? `a handoff between CPython threads cost under ${COOPERATIVE_SWITCH_CHEAPER}x an asyncio handoff: each turn of asyncio's loop runs Python code (microseconds), so the OS wake-up it avoids is not the far larger cost the claim implies`
          : "the rounds disagreed too much to place the ratio on one side of the threshold",
    rule: thresholdRule("a CPython thread's handoff over an asyncio task's, paired by round", ratio, "at least", COOPERATIVE_SWITCH_CHEAPER, xFormat),
    observed: observedStat(ratio),
  });
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
function busyAtLeast(who: string, speedup: Stat, busy: Stat | null, threshold: number): { check: Check; rule: string } {
  return {
    check: atLeast(busy ?? speedup, threshold),
    rule: busy ? thresholdRule(`CPUs busy at once on ${who}`, busy, "at least", threshold, cpusFormat) : thresholdRule(`wall-time speedup of ${who}`, speedup, "at least", threshold, xFormat),
  };
}

/**
 * 04: the article's "threads are best for generic I/O"; in Node, I/O is async by default and
 * threads are for CPU. Decided on the worker threads' CPUs busy when `threadsBusy` is given, else
 * on their speedup; `processes` (02's child processes in the same run) tells a failed run from a
 * real "no" (see threadsClaimVerdict).
 */
export function threadsBestFor(threadsSpeedup: Stat, cores: number, threadsBusy: Stat | null = null, processes: { speedup: Stat; busy: Stat | null } | null = null): Claim {
  const threshold = PARALLEL_SHARE * Math.min(2, cores);
  const threads = busyAtLeast("worker threads", threadsSpeedup, threadsBusy, threshold);
  const children = processes ? busyAtLeast("child processes", processes.speedup, processes.busy, threshold) : null;
  const shortfall = `${threadsBusy ? `${threadsBusy.median.toFixed(2)} CPUs busy` : `a ${x(threadsSpeedup.median)} speedup`}, under the ${threshold.toFixed(2)} of two cores at work`;
  return speedupClaim(cores, {
    id: "proscons.threads-best-for",
    section: "04-pros-and-cons",
    claim: "Threads are best for generic I/O; CPU-bound work needs processes.",
    measured:
      `Node worker threads sped CPU work up ${x(threadsSpeedup.median)}${threadsBusy ? ` with ${threadsBusy.median.toFixed(2)} CPUs busy at once` : ""} on ${coresText(cores)}` +
      `${processes ? `, child processes ${x(processes.speedup.median)}${processes.busy ? ` with ${processes.busy.median.toFixed(2)} CPUs busy` : ""}` : ""}; ` +
      "Node waits on I/O with asynchronous calls on the event loop, so waiting needs no thread of the program's own",
    ...threadsClaimVerdict(threads.check, children?.check ?? null, shortfall),
    rule: `${threads.rule}; ${children ? `${children.rule}; ` : ""}${THREADS_NO_RULE}`,
    nodeByDesign: "without a GIL, worker threads are Node's tool for CPU-bound JavaScript; waiting is done with async I/O on the event loop",
    evidence: EVIDENCE.nodeThreadsParallel,
  });
}

const CPU_PYTHON_THREADS_CLAIM = "Threaded CPU work takes as long as sequential, or slightly longer: no speedup, because of the GIL.";
const CPU_PYTHON_PROCESSES_CLAIM = "Multiprocessing speeds CPU-bound Python up about as many times as there are cores (the article: a true 2x on two).";
const IO_PYTHON_THREADS_CLAIM = "In CPython, a thread that waits releases the GIL, so threaded I/O overlaps.";

/** 05: the article's CPU-bound comparison: CPython's claims on CPython's run (not measured without one), Node's on Node's. */
export function cpuExamples(node: CompareResult, python: CompareResult | null): Claim[] {
  const machine = node.environment;
  const cores = machine.cores;
  const claims: Claim[] = [];
  if (!python) {
    claims.push(
      notMeasuredInCPython("examples.cpu-python-threads", "05-cpu-bound-examples", CPU_PYTHON_THREADS_CLAIM),
      notMeasuredInCPython("examples.cpu-python-processes", "05-cpu-bound-examples", CPU_PYTHON_PROCESSES_CLAIM),
    );
  } else {
    // A claim about time taken is decided on the wall-time speedup; CPUs busy explains it. "No
    // speedup" is the mirror of a speedup claim: clearly under the speedup that several cores at
    // work give (PARALLEL_SHARE × min(copies, cores)), by the same margin.
    const speedup = strategy(python, "python:threads").speedup!;
    const noSpeedupLine = PARALLEL_SHARE * Math.min(python.copies, cores);
    const noSpeedup = atMost(speedup, noSpeedupLine);
    const check = noParallelismShown(noSpeedup, python);
    claims.push(
      speedupClaim(machine, {
        id: "examples.cpu-python-threads",
        section: "05-cpu-bound-examples",
        claim: CPU_PYTHON_THREADS_CLAIM,
        measured: `CPython threads: ${runText(python, "python:threads")}`,
        verdict: verdictOf(check),
        reason:
          check === "yes"
            ? "the GIL let one thread work at a time, while processes in the same run kept several cores busy"
            : check === "unclear"
              ? noSpeedup === "yes"
                ? "processes did not work in parallel in this run either, so the cores were not shown free: no speedup proves nothing"
                : "this run did not decide whether the threads sped the work up"
              : threadsSpedUpReason(python),
        rule: `${thresholdRule("wall-time speedup of python:threads over one after another", speedup, "at most", noSpeedupLine, xFormat)}: under the speedup of ${coresText(Math.min(python.copies, cores))} at work; and CPython processes in the same run must keep their CPUs busy (else unclear)`,
        evidence: EVIDENCE.cpythonThreadsOneCore,
      }),
    );
    const processes = wallSpeedup(python, "python:processes");
    claims.push(
      speedupClaim(machine, {
        id: "examples.cpu-python-processes",
        section: "05-cpu-bound-examples",
        claim: CPU_PYTHON_PROCESSES_CLAIM,
        measured: `CPython processes, ${python.copies} copies on ${coresText(cores)}: ${runText(python, "python:processes")}`,
        verdict: verdictOf(processes.check),
        reason:
          processes.check === "yes"
            ? `separate interpreters, each with its own GIL, finished ${x(processes.speedup.median)} sooner on separate cores`
            : processes.check === "unclear"
              ? python.noise.busy
                ? `the machine was busy (${python.noise.note})`
                : "this run did not decide whether the processes reached the speedup"
              : speedupShortfall(python, "python:processes"),
        rule: processes.rule,
      }),
    );
  }
  const threads = parallelSpeedup(node, "threads");
  claims.push(
    speedupClaim(machine, {
      id: "examples.cpu-node-threads",
      section: "05-cpu-bound-examples",
      claim: "Threads give CPU-bound work no speedup.",
      measured: `Node worker threads, ${node.copies} copies on ${coresText(cores)}: ${runText(node, "threads")}`,
      ...threadsAgainstProcesses(node, threads),
      nodeByDesign: NO_GIL_IN_NODE,
      evidence: EVIDENCE.nodeThreadsParallel,
      observed: observedStat(threads.speedup, { copies: node.copies, cores }),
    }),
  );
  const processes = wallSpeedup(node, "processes");
  claims.push(
    speedupClaim(machine, {
      id: "examples.cpu-node-processes",
      section: "05-cpu-bound-examples",
      claim: "Processes give CPU-bound work a true speedup on several cores.",
      measured: `Node child processes, ${node.copies} copies on ${coresText(cores)}: ${runText(node, "processes")}`,
      verdict: verdictOf(processes.check),
      reason:
        processes.check === "yes"
          ? `separate processes finished ${x(processes.speedup.median)} sooner on separate cores`
          : processes.check === "unclear"
            ? node.noise.busy
              ? `the machine was busy (${node.noise.note})`
              : "this run did not decide whether the processes reached the speedup"
            : speedupShortfall(node, "processes"),
      rule: processes.rule,
    }),
  );
  return claims;
}

/** 06: blocking waits overlap on threads (and in CPython threads); they serialise on the event loop. */
export function ioExamples(blocking: CompareResult, pythonSleep: CompareResult | null): Claim[] {
  const copies = blocking.copies;
  const threads = strategy(blocking, "threads").speedup!;
  const loop = strategy(blocking, "eventLoop").speedup!;
  const overlap = atLeast(threads, 0.8 * copies);
  const serial = atMost(loop, 1.1);
  const claims: Claim[] = [
    claim({
      id: "examples.io-threads",
      section: "06-waiting-examples",
      claim: "Threads make waiting tasks overlap: two waits take about as long as one.",
      measured: `${copies} blocking waits: ${x(threads.median)} faster on worker threads than one after another`,
      verdict: verdictOf(overlap),
      reason: overlap === "yes" ? "a thread blocked in a wait leaves the others free" : overlap === "no" ? "the waits did not overlap as expected" : "this run did not decide whether the waits overlapped",
      rule: thresholdRule("speedup of worker threads over sequential", threads, "at least", 0.8 * copies, xFormat),
    }),
    claim({
      id: "examples.io-blocking-loop",
      section: "06-waiting-examples",
      claim: "A blocking call stalls an event loop (time.sleep inside asyncio).",
      measured: `the same blocking waits started together on the event loop: ${x(loop.median)} of sequential speed`,
      // A demonstration: a blocked thread cannot overlap its waits, so a "no" is a disturbed run.
      verdict: serial === "yes" ? "holds" : "unclear",
      reason: serial === "yes" ? "a blocked thread runs nothing else, however the tasks were started" : "blocking waits cannot overlap on one thread: the measurement was disturbed",
      rule: thresholdRule("speedup of the event loop over sequential", loop, "at most", 1.1, xFormat),
      kind: "demonstration",
    }),
  ];
  if (!pythonSleep) {
    claims.push(notMeasuredInCPython("examples.io-python-threads", "06-waiting-examples", IO_PYTHON_THREADS_CLAIM));
  } else {
    const py = strategy(pythonSleep, "python:threads").speedup!;
    const check = atLeast(py, 0.8 * pythonSleep.copies);
    claims.push(
      claim({
        id: "examples.io-python-threads",
        section: "06-waiting-examples",
        claim: IO_PYTHON_THREADS_CLAIM,
        measured: `CPython: ${pythonSleep.copies} × time.sleep on threads ran ${x(py.median)} faster than in sequence`,
        verdict: verdictOf(check),
        reason: check === "yes" ? "time.sleep released the GIL while it waited" : check === "no" ? "the waits did not overlap as expected" : "this run did not decide whether the waits overlapped",
        rule: thresholdRule("speedup of CPython threads over sequential", py, "at least", 0.8 * pythonSleep.copies, xFormat),
        evidence: EVIDENCE.cpythonThreadsOverlapWaits,
      }),
    );
  }
  return claims;
}

/** One count of concurrent waits and how long they took in all. */
export interface WaitsPoint {
  readonly copies: number;
  readonly wallMs: number;
}

/**
 * 06: many awaits on one thread take about the time of one. The article's claim is about asyncio,
 * so it is decided on CPython's points (`python`, from pythonConcurrentWaits) and not measured
 * without them; Node's (`node`, from concurrentWaits) are quoted as the translation.
 */
export function asyncExamples(node: readonly WaitsPoint[], waitMs: number, python: readonly WaitsPoint[] | null = null): Claim {
  const mostOf = (points: readonly WaitsPoint[]): WaitsPoint => points.reduce((best, p) => (p.copies > best.copies ? p : best));
  const limit = 1.5 * waitMs + 50;
  const nodeMost = mostOf(node);
  const nodeText = `Node (the translation): ${nodeMost.copies.toLocaleString("en-US")} awaits on one thread took ${ms(nodeMost.wallMs)}`;
  const parts = {
    id: "examples.async-many",
    section: "06-waiting-examples",
    claim: "Async/await runs many waiting tasks concurrently on one thread, as fast as threads would.",
    rule: `holds if all of CPython's waits together took under 1.5 waits plus 50 ms (${ms(limit)}), differs if they took more`,
  };
  if (!python || python.length === 0) return claim({ ...parts, measured: `no CPython run; ${nodeText}`, verdict: "not measured", reason: NO_CPYTHON, rule: "needs CPython's asyncio waits (pythonConcurrentWaits)" });
  const most = mostOf(python);
  const holds = most.wallMs < limit;
  return claim({
    ...parts,
    measured: `CPython: ${most.copies.toLocaleString("en-US")} concurrent ${waitMs} ms asyncio waits on one thread took ${ms(most.wallMs)} in all; ${nodeText}`,
    verdict: holds ? "holds" : "differs",
    reason: holds ? "asyncio's event loop slept once for all of them" : "the waits took longer than one wait plus overhead",
    observed: { median: most.wallMs / waitMs, low: most.wallMs / waitMs, high: most.wallMs / waitMs, copies: most.copies },
  });
}

/** One point of 07's scaling curve: a strategy with `workers` copies, its speedup and CPUs busy. */
export interface ScalingPoint {
  readonly strategy: string;
  readonly workers: number;
  readonly speedup: Stat;
  /** CPUs busy at once, where the meter read them (absent in results saved without it). */
  readonly coresBusy?: Stat | null;
  readonly busy: boolean;
}

/** 07: CPU-bound work scales with cores on threads and processes. */
export function cpuScales(points: readonly ScalingPoint[], cores: number): Claim {
  const top = Math.max(...points.map((p) => p.workers));
  const atTop = points.filter((p) => p.workers === top);
  const threshold = PARALLEL_SHARE * Math.min(top, cores);
  const judge = (p: ScalingPoint): { check: Check; rule: string } => {
    const { check, rule } = busyAtLeast(p.strategy, p.speedup, p.coresBusy ?? null, threshold);
    return { check: check === "no" && p.busy ? "unclear" : check, rule };
  };
  const at = (key: string): ScalingPoint | undefined => atTop.find((p) => p.strategy === key);
  const threadsPoint = at("threads");
  const processesPoint = at("processes");
  const threads = threadsPoint ? judge(threadsPoint) : null;
  const processes = processesPoint ? judge(processesPoint) : null;
  const shortfall = threadsPoint ? `${threadsPoint.coresBusy ? `${threadsPoint.coresBusy.median.toFixed(2)} CPUs busy` : `${x(threadsPoint.speedup.median)}`} with ${top} copies, under ${threshold.toFixed(2)}` : "";
  const judged = threads
    ? threadsClaimVerdict(threads.check, processes?.check ?? null, shortfall)
    : { verdict: "not measured" as Verdict, reason: "no worker threads ran on the curve" };
  const reason =
    judged.verdict === "differs"
      ? `worker threads scaled CPU work with cores${processes?.check === "yes" ? ", as child processes did" : ""}: processes are not the only way past one core in Node, and threads start faster and use less memory`
      : judged.reason;
  const parts: ClaimParts = {
    id: "decision.cpu",
    section: "07-choosing",
    claim: "CPU-heavy work calls for processes: nothing but processes puts more than one core to work on it.",
    measured:
      atTop.map((p) => `${p.strategy} ${x(p.speedup.median)}${p.coresBusy ? ` (${p.coresBusy.median.toFixed(2)} CPUs busy)` : ""}`).join(", ") +
      ` with ${top} ${top === 1 ? "copy" : "copies"} on ${coresText(cores)}`,
    verdict: judged.verdict,
    reason,
    rule: `${[threads?.rule, processes?.rule].filter(Boolean).join("; ")}; ${THREADS_NO_RULE}`,
    nodeByDesign: "Node's worker threads have no GIL, so they scale CPU work like processes do (in CPython, free-threaded builds and subinterpreters change this too)",
    evidence: EVIDENCE.nodeThreadsParallel,
  };
  return top < 2 ? claim({ ...parts, verdict: "not measured", reason: "one copy: nothing to spread over cores" }) : speedupClaim(cores, parts);
}

/**
 * 07: moderate waiting: the article's "threads are the easy choice" is advice for Python, so it is
 * decided on CPython's threads (`python:threads` against `python:sequential` in `result`): they
 * must overlap the waits. Node's async and worker threads in the same result are its translation,
 * quoted, never the evidence. Without a CPython run: not measured.
 */
export function moderateWaiting(result: CompareResult): Claim {
  const want = 0.6 * result.copies;
  const speedupOf = (key: string): Stat | null => result.strategies.find((s) => s.strategy === key)?.speedup ?? null;
  const node = (["async", "threads"] as const)
    .flatMap((key) => {
      const up = speedupOf(key);
      return up ? [`Node ${key === "async" ? "async" : "worker threads"} ${x(up.median)}`] : [];
    })
    .join(", ");
  const python = speedupOf("python:threads");
  const parts = {
    id: "decision.moderate-waiting",
    section: "07-choosing",
    claim: "Waiting under moderate load? Threads are the easy choice: a few threads overlap a few waits well (how easy they are to write is not measured).",
    evidence: EVIDENCE.cpythonThreadsOverlapWaits,
  };
  if (!python) {
    return claim({
      ...parts,
      measured: `no CPython run; ${result.copies} requests to a slow server in Node: ${node || "no concurrent strategy"} faster than one at a time`,
      verdict: "not measured",
      reason: "the claim is about Python's threads and no CPython 3.8+ ran them here; Node's numbers translate it, they do not decide it",
      rule: "needs CPython's threads (python:threads beside python:sequential)",
    });
  }
  const check = atLeast(python, want);
  return claim({
    ...parts,
    measured: `${result.copies} requests to a slow server: CPython threads ${x(python.median)} faster than one at a time${node ? `; in Node (the translation): ${node}` : ""}`,
    verdict: verdictOf(check),
    reason:
      check === "yes"
        ? "each CPython thread released the GIL while it waited on its socket, so the requests overlapped: threads do the job at this load"
        : check === "no"
          ? "CPython's threads did not overlap the waits at this load: each request waited for the one before"
          : "this run did not decide whether CPython's threads overlapped the waits",
    rule: `${thresholdRule("speedup of CPython threads over one request after another", python, "at least", want, xFormat)}; ease of programming is not measured`,
  });
}

/** A run of CPython's connections experiment, as massiveWaiting reads it. */
export interface ConnectionsRun {
  readonly count: number;
  readonly failed: number;
  readonly wallMs: number;
  readonly mostAtOnce: number;
  readonly bytesPerConnection: number;
}

/** Below this share of the requested connections open at once, the two ways did not hold the same load. */
const AT_ONCE_SHARE = 0.9;

/**
 * 07: massive waiting: one thread holds thousands of connections with far less memory than
 * threads. The article compares a thread per connection with one event loop in Python, so it is
 * decided on CPython's run at equal concurrency (`python`: asyncio and a thread per request, every
 * connection open at once): holds if asyncio lost no request and held each connection for under
 * 1/ASYNC_LEAST_FACTOR of a thread's memory; differs if asyncio lost requests that threads did
 * not, or cost as much or more per connection; unclear if the two ways did not hold the same load
 * at once, or both lost requests (the server or the system). Not measured without CPython. Node's
 * runs (`nodeAsync` on its event loop, `nodePool` of worker threads) are quoted as the translation.
 */
export function massiveWaiting(
  nodeAsync: { requests: number; failed: number; wallMs: number; addedBytes: number },
  nodePool: { threads: number; requests: number; failed: number; wallMs: number; addedBytes: number },
  python: { readonly asyncio: ConnectionsRun; readonly threads: ConnectionsRun } | null = null,
): Claim {
  const nodeText =
    `Node (the translation): ${nodeAsync.requests.toLocaleString("en-US")} connections on one thread ${ms(nodeAsync.wallMs)}, +${bytes(nodeAsync.addedBytes)}, ${nodeAsync.failed} failed; ` +
    `${nodePool.threads} worker threads serving them one at a time each ${ms(nodePool.wallMs)}, +${bytes(nodePool.addedBytes)} (a worker carries a whole isolate, so Node has no thread per connection)`;
  const parts = {
    id: "decision.massive-waiting",
    section: "07-choosing",
    claim: "Waiting on 1000+ connections? Use async: one thread holds them all, with far less memory than threads.",
    rule:
      `decided on CPython at equal concurrency: holds if asyncio lost no request and held a connection for under 1/${ASYNC_LEAST_FACTOR} of a thread-per-connection's peak memory; ` +
      `differs if asyncio lost requests that threads did not, or cost as much or more; unclear if either way held under ${AT_ONCE_SHARE * 100}% of the connections at once, both lost requests, or the ratio fell between`,
  };
  if (!python) return claim({ ...parts, measured: `no CPython run; ${nodeText}`, verdict: "not measured", reason: NO_CPYTHON, rule: "needs CPython's connections run (decision.cpythonMassiveWaiting)" });
  const { asyncio: a, threads: t } = python;
  const ratio = t.bytesPerConnection / Math.max(a.bytesPerConnection, 1);
  const held = (r: ConnectionsRun): boolean => r.mostAtOnce >= AT_ONCE_SHARE * r.count;
  let verdict: Verdict;
  let reason: string;
  if (!held(a) || !held(t)) {
    verdict = "unclear";
    reason = `the two ways did not hold the same load at once (asyncio ${a.mostAtOnce.toLocaleString("en-US")}, threads ${t.mostAtOnce.toLocaleString("en-US")} of ${a.count.toLocaleString("en-US")}), so their memory cannot be compared`;
  } else if (a.failed > 0 && t.failed > 0) {
    verdict = "unclear";
    reason = "both ways lost requests: the server or the system could not serve this many, which says nothing about either";
  } else if (a.failed > 0) {
    verdict = "differs";
    reason = `asyncio lost ${a.failed.toLocaleString("en-US")} requests that threads served`;
  } else if (ratio >= ASYNC_LEAST_FACTOR) {
    verdict = "holds";
    reason = `the event loop held every connection on one thread for 1/${ratio.toFixed(1)} of the memory a thread per connection took (each thread keeps a stack and its own state while it waits)`;
  } else if (ratio <= 1) {
    verdict = "differs";
    reason = `a thread per connection took no more memory than asyncio (${x(ratio)})`;
  } else {
    verdict = "unclear";
    reason = `a thread per connection took ${x(ratio)} asyncio's memory: less than ${ASYNC_LEAST_FACTOR}x, too close to call far less across one reading each`;
  }
  return claim({
    ...parts,
    measured:
      `CPython ${a.count.toLocaleString("en-US")} requests waiting at once: asyncio on one thread ${ms(a.wallMs)}, ${bytes(a.bytesPerConnection)} per connection (peak resident), ${a.failed} failed, ${a.mostAtOnce.toLocaleString("en-US")} open at once; ` +
      `a thread each ${ms(t.wallMs)}, ${bytes(t.bytesPerConnection)} per connection, ${t.failed} failed, ${t.mostAtOnce.toLocaleString("en-US")} open at once; ${nodeText}`,
    verdict,
    reason,
    observed: { median: ratio, low: ratio, high: ratio },
  });
}

/** 08: shared state on threads needs atomics or a lock; async races only at awaits; processes share by messages. */
export function sharedState(lost: { plain: number; atomic: number; locked: number; expected: number }, eventLoop: { withAwait: number; withoutAwait: number; expected: number }, messages: { sum: number; expected: number }, cores: number): Claim[] {
  const broken = lost.atomic !== 0 || lost.locked !== 0;
  // Atomics or a lock losing an update is a broken run; a plain ++ losing none where two cores ran it is evidence against the claim.
  const threadsCheck: Check = broken ? "unclear" : lost.plain > 0 ? "yes" : cores >= 2 ? "no" : "unclear";
  const asyncShown = eventLoop.withoutAwait === eventLoop.expected && eventLoop.withAwait < eventLoop.expected;
  return [
    claim({
      id: "decision.shared-threads",
      section: "08-shared-state",
      claim: "Threads share memory easily, but shared updates need locking.",
      measured: `2 worker threads × ${lost.expected / 2} increments of one SharedArrayBuffer: ${lost.plain.toLocaleString("en-US")} lost without atomics, ${lost.atomic} with Atomics.add, ${lost.locked} with a lock`,
      verdict: verdictOf(threadsCheck),
      reason:
        threadsCheck === "yes"
          ? "unsynchronised read-modify-write lost updates; atomics and the lock lost none. Node's worker threads share only such buffers: objects sent between them are copied, or moved with a transfer list"
          : broken
            ? "atomics or the lock lost updates: the measurement went wrong (a bug), which says nothing about the claim"
            : threadsCheck === "no"
              ? `no update was lost although the threads ran on ${coresText(cores)}: plain increments were safe in this run`
              : "no update was lost, but on one core the threads rarely switch in the middle of an update, so this run cannot tell",
      rule: "holds if plain increments lost updates while Atomics.add and the lock lost none; differs if plain increments lost none on 2 or more cores; unclear on one core with none lost, or if atomics or the lock lost any (a broken run)",
      observed: { plainLost: lost.plain, atomicLost: lost.atomic, lockedLost: lost.locked },
    }),
    claim({
      id: "decision.shared-async",
      section: "08-shared-state",
      claim: "With no preemption, async code leaves less room for races, provided nothing blocks the loop.",
      measured: `100 deposits: ${eventLoop.withoutAwait}/${eventLoop.expected} kept when read and write are not split by an await, ${eventLoop.withAwait}/${eventLoop.expected} when they are`,
      verdict: asyncShown ? "holds" : "unclear",
      reason: asyncShown
        ? "on one thread a task is never interrupted between two awaits, so races can only happen across an await"
        : "the deposits did not show what one thread guarantees (none lost without an await, some lost across one): the measurement went wrong",
      rule: "holds if every deposit was kept without an await between read and write, and some were lost with one",
      kind: "demonstration",
    }),
    claim({
      id: "decision.shared-processes",
      section: "08-shared-state",
      claim: "Processes share nothing unless asked: they talk through messages (IPC), which isolates them best.",
      measured: `2 processes counted their halves and sent the results back: ${messages.sum.toLocaleString("en-US")} of ${messages.expected.toLocaleString("en-US")}`,
      verdict: messages.sum === messages.expected ? "holds" : "unclear",
      reason: messages.sum === messages.expected ? "no memory was shared, so there was nothing to race on" : "the messages did not add up to the full count: the measurement went wrong (a lost message or a bug), which says nothing about sharing",
      rule: "holds if the sum of the messages is the full count",
      kind: "demonstration",
    }),
  ];
}

/** What the CPython counter experiment reports: lost updates per run, without and with a Lock, and who ran it. */
interface CounterRuns {
  readonly threads: number;
  readonly times: number;
  readonly plain: readonly { readonly lost: number }[];
  readonly locked: readonly { readonly lost: number }[];
  readonly interpreter: { readonly version: string; readonly gil: boolean; readonly switchIntervalS: number };
}

const SHARED_PYTHON_CLAIM = "In CPython too, threads that update shared data without a lock can lose updates: `counter += 1` is a read, an add and a write, and another thread can run in between.";

/**
 * 08: the article's shared-state claim for Python, decided on CPython's own counter
 * (pythonSharedCounter): holds if a run without a Lock lost updates while every run with one lost
 * none; differs if no run without a Lock lost any (on this interpreter the race did not show);
 * unclear if a locked run lost any (a broken run). Not measured without CPython.
 */
export function cpythonSharedCounter(result: CounterRuns | null): Claim {
  const parts = { id: "decision.shared-python", section: "08-shared-state", claim: SHARED_PYTHON_CLAIM };
  if (!result) return claim({ ...parts, measured: "no CPython run", verdict: "not measured", reason: NO_CPYTHON, rule: "needs CPython's shared counter (pythonSharedCounter)" });
  const lost = result.plain.map((r) => r.lost);
  const lockedLost = result.locked.reduce((sum, r) => sum + r.lost, 0);
  const { version, gil, switchIntervalS } = result.interpreter;
  const who = `CPython ${version} (GIL ${gil ? "on" : "off"}, switch interval ${ms(switchIntervalS * 1000)})`;
  const verdict: Verdict = lockedLost > 0 ? "unclear" : lost.some((n) => n > 0) ? "holds" : "differs";
  const expected = (result.threads * result.times).toLocaleString("en-US");
  return claim({
    ...parts,
    measured: `${who}: ${result.threads} threads × ${result.times.toLocaleString("en-US")} \`counter[0] += 1\`, ${lost.length} runs: ${lost.map((n) => n.toLocaleString("en-US")).join(", ")} of ${expected} lost without a Lock, ${lockedLost.toLocaleString("en-US")} with one`,
    verdict,
    reason:
      verdict === "holds"
        ? "another thread ran between a read and its write, and the write overwrote its update; the Lock made each update whole"
        : verdict === "differs"
          ? gil
            ? "no run lost an update: this interpreter lets the GIL change hands only at certain points (a loop's back edge, a call), never inside this statement, so the race the language allows did not show. Python's documentation still gives no such promise, and CPython up to 3.9, or a free-threaded build, loses updates here"
            : "no run lost an update although the GIL was off: the threads may not have overlapped"
          : "a run under the Lock lost updates: the measurement went wrong (a bug), which says nothing about the claim",
    rule: "holds if some run without a Lock lost updates and no run with one did; differs if no run without a Lock lost any; unclear if a run with the Lock lost any",
  });
}
