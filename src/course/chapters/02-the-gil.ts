/**
 * Chapter 02, the GIL: CPython's threads and processes on a pure-Python count, C code that releases
 * the GIL (hashlib) on CPython's threads, and Node's worker threads and child processes on the same
 * count. Its claims, their experiments at full and short size, the numbers it saves for 04, its
 * questions and exercise check.
 */
import { describeMachine } from "../../environment";
import { calibrate } from "../../experiment/calibrate";
import { compare, pythonInterpreterOf, type CompareResult } from "../../experiment/compare";
import { expandStrategy } from "../../experiment/options";
import { type Stat } from "../../measure/stats";
import { findPython, type PythonInterpreter } from "../../python";
import { strategyDescriptor, type StrategyKey } from "../../strategies/descriptors";
import { countTo, hashBytes } from "../../tasks/cpu";
import type { Chapter, ChapterResults, Size } from "../chapter";
import { atLeast, decided, observedStat, verdictOf, type Claim, type Verdict } from "../claims";
import { attempt, coresBusyUntilDecided, ExerciseResult } from "../exercise-kit";
import { busyText, coresText, eventLoopOnOneCore, EVIDENCE, gilClaimWithoutGil, interpreterText, NO_GIL_IN_NODE, noParallelismShown, notMeasuredInCPython, oneCoreAtATime, PARALLEL_SHARE, parallelSpeedup, ranWithoutGil, runText, shortfallReason, slowerTogether, speedupClaim, strategy, threadsAgainstProcesses, threadsSpedUpReason } from "../judging";
import { rangeChoice, TWO_COPIES_BUSY, TWO_COPIES_BUSY_WORDS, type Question } from "../questions";

const GIL_THREADS_CLAIM =
  "In CPython one lock, the GIL, admits a single thread at a time to the interpreter's bytecode, so threads do not speed up CPU work written in Python.";

const GIL_PROCESSES_CLAIM = "Each process has its own interpreter and its own GIL, so processes run CPU-bound Python in parallel.";

/**
 * 02: CPython threads keep one core busy on CPU-bound work (the GIL), while processes in the same
 * run keep several. Not measured where the run's interpreter reported its GIL disabled (a
 * free-threaded build): the claim is about the lock, and it was not there.
 */
export function gilThreads(python: CompareResult): Claim {
  const measure = oneCoreAtATime(python, "python:threads");
  const check = noParallelismShown(measure.check, python);
  const parts = {
    id: "gil.threads",
    section: "02-the-gil",
    claim: GIL_THREADS_CLAIM,
    measured: `CPython, ${python.copies} copies of a counting loop on threads: ${runText(python, "python:threads")}`,
    rule: `${measure.rule}; and CPython processes in the same run must work in parallel (else unclear)`,
    evidence: EVIDENCE.cpythonThreadsOneCore,
    observed: observedStat(strategy(python, "python:threads").coresBusy ?? measure.speedup, { copies: python.copies }),
  };
  const withoutGil = ranWithoutGil(python);
  if (withoutGil) return gilClaimWithoutGil(withoutGil, parts, `its threads kept ${busyText(python, "python:threads")} on the pure-Python count`);
  return speedupClaim(python.environment, {
    ...parts,
    verdict: verdictOf(check),
    reason:
      check === "yes"
        ? "the threads took turns holding the GIL: one core worked at a time, while processes in the same run kept several busy"
        : check === "unclear"
          ? measure.check === "yes"
            ? "processes did not work in parallel in this run either, so the cores were not shown free: one busy core proves nothing"
            : "this run did not decide how many cores the threads kept busy"
          : threadsSpedUpReason(python),
  });
}

/**
 * On a run without the GIL, what a processes claim's reason adds: the processes' parallelism was
 * measured, the GIL each would have had was not there. Empty on a run with the GIL.
 */
function noGilNote(python: CompareResult): string {
  const withoutGil = ranWithoutGil(python);
  return withoutGil ? `; ${interpreterText(withoutGil)} ran them, so no process had a GIL to hold: the parallelism was measured, the part about each process's own GIL was not` : "";
}

/** 02: each CPython process has its own interpreter, so processes keep several cores busy on CPU-bound Python. */
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
        ? `every process ran its own interpreter on its own core${slowerTogether(python, "python:processes", measure) ?? ""}${noGilNote(python)}`
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
 * did; unclear if neither did (a run gone wrong). Not measured without CPython, on one CPU, or on
 * a CPython that ran without its GIL (its threads run in parallel whatever hashlib does).
 */
export function gilReleasedByC(hash: CompareResult | null): Claim {
  const parts = { id: "gil.c-code", section: "02-the-gil", claim: GIL_C_CODE_CLAIM };
  if (!hash) return notMeasuredInCPython(parts.id, parts.section, parts.claim);
  const threads = parallelSpeedup(hash, "python:threads");
  const processes = hash.strategies.some((s) => s.strategy === "python:processes" && s.speedup) ? parallelSpeedup(hash, "python:processes") : null;
  const measured = `CPython threads, ${hash.copies} copies of hashBytes (SHA-256 over 1 MiB buffers): ${runText(hash, "python:threads")}`;
  const rule = `${threads.rule}; a no differs only if CPython processes in the same run kept their CPUs busy${processes ? ` (${processes.rule})` : ""}, else unclear`;
  const withoutGil = ranWithoutGil(hash);
  if (withoutGil) return gilClaimWithoutGil(withoutGil, { ...parts, measured, rule }, `its threads kept ${busyText(hash, "python:threads")} on hashlib, whether or not hashlib lets go of a lock`);
  const verdict: Verdict = threads.check === "yes" ? "holds" : threads.check === "no" && processes?.check === "yes" ? "differs" : "unclear";
  return speedupClaim(hash.environment, {
    ...parts,
    measured,
    verdict,
    reason:
      verdict === "holds"
        ? `hashlib released the GIL while it hashed, so the threads worked on separate cores at once${slowerTogether(hash, "python:threads", threads) ?? ""}`
        : verdict === "differs"
          ? `the threads did not keep the CPUs busy though processes in the same run did: ${shortfallReason(hash, "python:threads", threads)}`
          : threads.check === "unclear"
            ? "this run did not decide how many cores the threads kept busy"
            : "the threads fell short and the processes beside them did not show the cores free either: the run went wrong, not the claim",
    rule,
  });
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

/** The GIL claims when no CPython is available: said plainly, never guessed. */
export function gilNotMeasured(why: string): Claim[] {
  return [notMeasuredInCPython("gil.threads", "02-the-gil", GIL_THREADS_CLAIM, why), notMeasuredInCPython("gil.processes", "02-the-gil", GIL_PROCESSES_CLAIM, why)];
}

/**
 * 02: the strategy that runs two copies of a CPU-bound count on two cores at once. Runs 2 copies
 * of countTo (about 100 ms each) under `strategy`, repeated until decided; passes when the 95 %
 * interval of CPUs busy at once lies at or above PARALLEL_SHARE × 2, fails when it lies below. On
 * a CPython that ran without its GIL python:threads passes too, and the message says why.
 * Cannot tell on one usable CPU, without CPython for a python strategy, or where CPU time cannot
 * be read.
 */
export async function checkRunsInParallel(strategy: StrategyKey): Promise<ExerciseResult> {
  const exercise = "two CPU-bound copies on two cores at once";
  return attempt(exercise, async () => {
    // A name that is no strategy is refused on any machine, before one CPU makes it "cannot tell".
    if (strategyDescriptor(String(strategy)) === undefined) expandStrategy(strategy, "strategy");
    const cores = describeMachine().cores;
    if (cores < 2) return { exercise, passed: null, message: "Cannot tell here: this machine lets the course use one CPU, so no strategy can keep two busy. Run it where two or more CPUs are free." };
    const runtime = typeof strategy === "string" && strategy.startsWith("python") ? "python" : "node";
    if (runtime === "python" && !findPython()) return { exercise, passed: null, message: "Cannot tell here: no CPython 3.8 or newer was found to run the python strategies." };
    const threshold = PARALLEL_SHARE * 2;
    const size = await calibrate(countTo, { targetMs: 100, runtime });
    const measured = await coresBusyUntilDecided(strategy, size, 2, (stat) => atLeast(stat, threshold));
    if (measured === null) return { exercise, passed: null, message: "Cannot tell here: this system does not let the course read the CPU time the copies used." };
    const { stat, check, busy, interpreter } = measured;
    const kept = `two copies under ${strategy} kept ${stat.median.toFixed(2)} CPUs busy at once (median of ${stat.samples.length} repeats)`;
    if (check === "yes") return { exercise, passed: true, message: `Done: ${kept}: each copy had a core.${withoutGilNote(strategy, interpreter)}` };
    if (check === "no" && busy) {
      return { exercise, passed: null, message: `Cannot tell: ${kept}, but other programs were using the CPUs meanwhile, so the copies may not have had two free cores. Run the cell again when the machine is quieter.` };
    }
    if (check === "no") {
      return { exercise, passed: false, message: `Not yet: ${kept}, under the ${threshold.toFixed(2)} that two cores working at once would show. Which strategy gives each copy its own interpreter, or its own isolate?` };
    }
    return { exercise, passed: null, message: `Cannot tell: ${kept}, and the repeats disagreed too much to place it on either side of ${threshold.toFixed(2)}. Run the cell again.` };
  });
}

/**
 * What the exercise adds when CPython threads passed on an interpreter without its GIL: why, and
 * that a standard build would not pass them. Empty otherwise.
 */
function withoutGilNote(strategy: StrategyKey, interpreter: PythonInterpreter | null): string {
  if (strategy !== "python:threads" || !interpreter || interpreter.gil) return "";
  return ` ${interpreterText(interpreter)} ran them: without the GIL its threads run Python code in parallel. On a standard build they take turns; "python:processes" keeps two cores busy on both.`;
}

/** What 02 saves beside its claims: each strategy's speedup over sequential, and the CPUs it kept busy. */
export interface GilData {
  readonly nodeSpeedup: Readonly<Record<string, Stat | null>>;
  readonly nodeCoresBusy: Readonly<Record<string, Stat | null>>;
  /** CPython's strategies, or null where no CPython ran. */
  readonly pythonSpeedup: Readonly<Record<string, Stat | null>> | null;
  /**
   * What the CPython that ran 02's count reported while it ran (version, whether its GIL was on, a
   * free-threaded build or not, its executable), or null where none ran or none reported.
   */
  readonly pythonInterpreter: PythonInterpreter | null;
}

/**
 * 02's claims: CPython's threads and processes (not measured without a CPython), C code that
 * releases the GIL on CPython's threads (`hash`, from cpythonHashRun), and Node's worker threads.
 */
export function gilClaims(node: CompareResult, python: CompareResult | null, hash: CompareResult | null = null): Claim[] {
  const cpython = python ? [gilThreads(python), gilProcesses(python)] : gilNotMeasured("no Python 3.8+ was found on this machine");
  return [...cpython, gilReleasedByC(hash), nodeThreadsParallel(node)];
}

/** The numbers 02 saves, from its Node run and its CPython run (null when none ran). */
export function gilData(node: CompareResult, python: CompareResult | null): GilData {
  const by = (result: CompareResult, pick: (s: CompareResult["strategies"][number]) => Stat | null): Record<string, Stat | null> =>
    Object.fromEntries(result.strategies.map((s) => [s.strategy, pick(s)]));
  return {
    nodeSpeedup: by(node, (s) => s.speedup),
    nodeCoresBusy: by(node, (s) => s.coresBusy),
    pythonSpeedup: python ? by(python, (s) => s.speedup) : null,
    pythonInterpreter: python ? pythonInterpreterOf(python) : null,
  };
}

/** Reads 02's saved numbers back; results saved before CPUs were metered have no `nodeCoresBusy`, older ones no `pythonInterpreter`. */
export function readGilData(data: Readonly<Record<string, unknown>>): GilData {
  return {
    nodeSpeedup: (data.nodeSpeedup ?? {}) as Record<string, Stat | null>,
    nodeCoresBusy: (data.nodeCoresBusy ?? {}) as Record<string, Stat | null>,
    pythonSpeedup: (data.pythonSpeedup ?? null) as Record<string, Stat | null> | null,
    pythonInterpreter: (data.pythonInterpreter ?? null) as PythonInterpreter | null,
  };
}

/** How big 02's experiments run: in the notebook (full), and when the summary needs its verdicts (short). */
const SIZES = {
  full: { nodeTaskMs: 150, pythonTaskMs: 250, hashMs: 150 },
  short: { nodeTaskMs: 80, pythonTaskMs: 120, hashMs: 100 },
} as const;

/**
 * CPython's experiment: two copies of a pure-Python count (sized to about 250 ms in CPython, 120
 * short) one after another, on CPython threads and on CPython processes, repeated until the GIL's
 * claims decide. The size is the result's `args[0]`. Null where no CPython 3.8+ is found.
 */
export async function pythonRun(size: Size = "full"): Promise<CompareResult | null> {
  if (!findPython()) return null;
  const n = await calibrate(countTo, { targetMs: SIZES[size].pythonTaskMs, runtime: "python" });
  return compare({ task: countTo, args: [n], copies: 2, strategies: ["python"], repeats: 3, warmup: 1, until: (r) => decided([gilThreads(r), gilProcesses(r)]) });
}

/**
 * The C-code experiment: two copies of hashBytes (hashlib over 1 MiB buffers, sized to about
 * 150 ms in CPython, 100 short) one after another, on CPython threads and on CPython processes,
 * repeated until gilReleasedByC decides. Null where no CPython 3.8+ is found.
 */
export async function cpythonHashRun(size: Size = "full"): Promise<CompareResult | null> {
  if (!findPython()) return null;
  const rounds = await calibrate(hashBytes, { targetMs: SIZES[size].hashMs, runtime: "python", startSize: 10 });
  return compare({ task: hashBytes, args: [rounds], copies: 2, strategies: ["python"], repeats: 3, warmup: 1, until: (r) => decided(gilReleasedByC(r)) });
}

/** The count that takes about 150 ms in Node here (80 ms short). */
export function nodeTaskSize(size: Size = "full"): Promise<number> {
  return calibrate(countTo, { targetMs: SIZES[size].nodeTaskMs });
}

/**
 * Node's experiment: two copies of `countTo(n)` one after another, together on the event loop, on
 * worker threads and in child processes, until Node's threads claim and 04's event-loop claim
 * (decided on this run too) are decided.
 */
export function nodeRun(n: number): Promise<CompareResult> {
  return compare({
    task: countTo, args: [n], copies: 2, strategies: ["sequential", "eventLoop", "threads", "processes"], repeats: 3, warmup: 1,
    until: (r) => decided([nodeThreadsParallel(r), eventLoopOnOneCore(r)]),
  });
}

/** 02's experiments at their short size, judged. */
export async function shortRun(): Promise<ChapterResults> {
  const node = await nodeRun(await nodeTaskSize("short"));
  const py = await pythonRun("short");
  const hash = await cpythonHashRun("short");
  return { claims: gilClaims(node, py, hash), data: { ...gilData(node, py) } };
}

/** Asked before the experiment that decides gil.threads. */
const ASKED_THREADS: Question = {
  id: "gil.threads",
  text: "Two CPython threads each run the same pure-Python counting loop, with two or more CPUs free. How many CPUs will they keep busy on average?",
  choices: {
    a: "about two: each thread runs on its own core",
    b: "about one: the threads take turns running Python code",
    c: "about half of one: the threads block each other most of the time",
  },
  predicts: TWO_COPIES_BUSY_WORDS,
  choose: (o) => rangeChoice(o, TWO_COPIES_BUSY),
};

/** Asked before the experiment that decides gil.node-threads. */
const ASKED_NODE_THREADS: Question = {
  id: "gil.node-threads",
  text: "Two Node.js worker threads each run the same JavaScript counting loop, with two or more CPUs free. How many CPUs will they keep busy on average?",
  choices: {
    a: "about two: each worker has its own isolate and event loop, on its own thread",
    b: "about one: like CPython's threads, they take turns",
    c: "less than one: the workers mostly wait for the main thread",
  },
  predicts: TWO_COPIES_BUSY_WORDS,
  choose: (o) => rangeChoice(o, TWO_COPIES_BUSY),
};

export const chapter: Chapter = {
  id: "02-the-gil",
  title: "02 · The GIL, measured in CPython, and Node's different machine",
  question: "Why can't CPython threads use two cores for Python code, and does the same hold in Node?",
  about: "why CPython threads cannot use two cores for Python code, measured in CPython, and Node's different machine",
  claims: ["gil.threads", "gil.processes", "gil.c-code", "gil.node-threads"],
  questions: [ASKED_THREADS, ASKED_NODE_THREADS],
  shortRun,
};
