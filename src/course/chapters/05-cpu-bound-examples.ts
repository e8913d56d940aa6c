/**
 * Chapter 05, the article's CPU-bound example: the reader's count one after another, on the event
 * loop, on worker threads and in child processes, and CPython's threads and processes beside it.
 * Its claims, their experiments at full and short size, its question and exercise check.
 */
import { isDeepStrictEqual } from "node:util";
import { describeMachine } from "../../environment";
import { calibrate } from "../../experiment/calibrate";
import { compare, type CompareResult } from "../../experiment/compare";
import { run } from "../../experiment/run";
import { median } from "../../measure/stats";
import { findPython } from "../../python";
import { countTo } from "../../tasks/cpu";
import type { TaskFunction } from "../../tasks/task-source";
import type { Chapter, ChapterResults, Size } from "../chapter";
import { atMost, decided, observedStat, thresholdRule, verdictOf, type Claim } from "../claims";
import { attempt, ExerciseResult, wrongResult } from "../exercise-kit";
import { busyText, copySlowdown, CoreMeasure, coresText, EVIDENCE, gilClaimWithoutGil, interpreterText, NO_GIL_IN_NODE, noParallelismShown, notMeasuredInCPython, PARALLEL_SHARE, parallelMeasure, parallelSpeedup, ranWithoutGil, runText, shortfallReason, speedupClaim, strategy, threadsAgainstProcesses, threadsSpedUpReason, x, xFormat } from "../judging";
import { byRepeat, cpuShareOfCopies } from "../overlap";
import { rangeChoice, type Question } from "../questions";

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

const CPU_PYTHON_THREADS_CLAIM = "Threaded CPU work takes as long as sequential, or slightly longer: no speedup, because of the GIL.";

const CPU_PYTHON_PROCESSES_CLAIM = "Multiprocessing speeds CPU-bound Python up about as many times as there are cores (the article: a true 2x on two).";

/** Why a claim that processes speed CPU work up came out as it did: the speedup, a busy machine, or the measured shortfall. */
function processesReason(result: CompareResult, key: string, measure: CoreMeasure, who: string): string {
  if (measure.check === "yes") return `${who} finished ${x(measure.speedup.median)} sooner on separate cores`;
  if (measure.check === "no") return speedupShortfall(result, key);
  return result.noise.busy ? `the machine was busy (${result.noise.note})` : "this run did not decide whether the processes reached the speedup";
}

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
    const parts = {
      id: "examples.cpu-python-threads",
      section: "05-cpu-bound-examples",
      claim: CPU_PYTHON_THREADS_CLAIM,
      measured: `CPython threads: ${runText(python, "python:threads")}`,
      rule: `${thresholdRule("wall-time speedup of python:threads over one after another", speedup, "at most", noSpeedupLine, xFormat)}: under the speedup of ${coresText(Math.min(python.copies, cores))} at work; and CPython processes in the same run must keep their CPUs busy (else unclear)`,
      evidence: EVIDENCE.cpythonThreadsOneCore,
    };
    // The claim says why ("because of the GIL"): a run without the GIL can neither confirm nor contradict it.
    const withoutGil = ranWithoutGil(python);
    claims.push(
      withoutGil
        ? gilClaimWithoutGil(withoutGil, parts, `its threads ran the count ${x(speedup.median)} the speed of one after another, with ${busyText(python, "python:threads")}`)
        : speedupClaim(machine, {
            ...parts,
            verdict: verdictOf(check),
            reason:
              check === "yes"
                ? "the GIL let one thread work at a time, while processes in the same run kept several cores busy"
                : check === "unclear"
                  ? noSpeedup === "yes"
                    ? "processes did not work in parallel in this run either, so the cores were not shown free: no speedup proves nothing"
                    : "this run did not decide whether the threads sped the work up"
                  : threadsSpedUpReason(python),
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
        reason: processesReason(python, "python:processes", processes, withoutGil ? `separate interpreters (${interpreterText(withoutGil)}, so no GIL in any of them)` : "separate interpreters, each with its own GIL,"),
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
      reason: processesReason(node, "processes", processes, "separate processes"),
      rule: processes.rule,
    }),
  );
  return claims;
}

/** One run of 05's check: the arguments and what the task must return for them. */
export interface TaskCase {
  readonly args: readonly unknown[];
  readonly expected: unknown;
}

/**
 * 05: a task that used a name from the notebook, rewritten so that it runs on worker threads.
 * Runs `task(...args)` of each case on two worker threads; passes when every copy returned that
 * case's `expected`. The cases must tell an answer that computes from one that echoes: at least two,
 * with different expected values, none equal to one of its own arguments (a task that returns an
 * argument, or always the same value, would pass otherwise).
 */
export async function checkTaskOnThreads(task: TaskFunction, cases: readonly TaskCase[]): Promise<ExerciseResult> {
  const exercise = "a task that runs on worker threads";
  return attempt(exercise, async () => {
    if (!Array.isArray(cases) || cases.length < 2 || cases.some((c) => !c || !Array.isArray(c.args))) {
      throw new TypeError(`cases must be a list of at least two { args: [...], expected } cases, got ${JSON.stringify(cases)}; give two argument lists with different results`);
    }
    const echoed = cases.find((c) => c.args.some((arg: unknown) => isDeepStrictEqual(arg, c.expected)));
    if (echoed) {
      throw new RangeError(`cases must not expect one of their own arguments, got args ${JSON.stringify(echoed.args)} expecting ${JSON.stringify(echoed.expected)}; a task that returns its argument would pass, so choose arguments whose result differs from each of them`);
    }
    if (cases.every((c) => isDeepStrictEqual(c.expected, cases[0]!.expected))) {
      throw new RangeError(`cases must expect at least two different results, got ${JSON.stringify(cases[0]!.expected)} for every case; a task that returns a constant would pass`);
    }
    for (const { args, expected } of cases) {
      const { results } = await run({ strategy: "threads", task, args: [...args] as Parameters<typeof task>, copies: 2, warmup: 0 });
      const wrong = wrongResult(results, expected);
      if (results.length !== 2 || wrong !== null) {
        return { exercise, passed: false, message: `Not yet: it ran on worker threads, but with args ${JSON.stringify(args)} ${wrong}; compute the result from the arguments, and pass every value the task needs in args.` };
      }
    }
    const list = cases.map((c) => `${JSON.stringify(c.expected)} for ${JSON.stringify(c.args)}`).join(", ");
    return { exercise, passed: true, message: `Done: both copies ran on worker threads and returned ${list}.` };
  });
}

/** How big 05's experiments run: in the notebook (full), and when the summary needs its verdicts (short). */
const SIZES = { full: { taskMs: 150, nodeRepeats: 4, pythonRepeats: 5 }, short: { taskMs: 60, nodeRepeats: 3, pythonRepeats: 3 } } as const;

/** The size of `task`'s first argument that takes about 150 ms here (60 ms short). */
export function taskSize(task: TaskFunction, size: Size = "full"): Promise<number> {
  return calibrate(task, { targetMs: SIZES[size].taskMs });
}

/** Two copies of `task(n)` one after another, together on the event loop, on worker threads and in child processes, until Node's claims decide. */
export function nodeRun<F extends (n: number) => unknown>(task: F, n: number, size: Size = "full"): Promise<CompareResult> {
  return compare({ task, args: [n] as Parameters<F>, copies: 2, strategies: ["sequential", "eventLoop", "threads", "processes"], repeats: SIZES[size].nodeRepeats, warmup: 1, until: (r) => decided(cpuExamples(r, null)) });
}

/**
 * The same in CPython, with its count sized to about 150 ms there (60 ms short; the size is the
 * result's `args[0]`), until the claims about Python decide beside `node`. Null without CPython 3.8+.
 */
export async function pythonRun(node: CompareResult, size: Size = "full"): Promise<CompareResult | null> {
  if (!findPython()) return null;
  const n = await calibrate(countTo, { targetMs: SIZES[size].taskMs, runtime: "python" });
  return compare({ task: countTo, args: [n], copies: 2, strategies: ["python"], repeats: SIZES[size].pythonRepeats, warmup: 1, until: (r) => decided(cpuExamples(node, r)) });
}

/** 05's experiments at their short size, judged (with countTo for the reader's task). */
export async function shortRun(): Promise<ChapterResults> {
  const n = await taskSize(countTo, "short");
  const cpu = await nodeRun(countTo, n, "short");
  const py = await pythonRun(cpu, "short");
  return { claims: cpuExamples(cpu, py), data: { taskSize: n, cores: describeMachine().cores } };
}

/** Asked before the experiment that decides examples.cpu-node-threads. */
const ASKED_CPU_NODE_THREADS: Question = {
  id: "examples.cpu-node-threads",
  text: "Two copies of a CPU-bound count start together on Node worker threads, against the same two run one after another. With two or more CPUs free, what speedup will the threads give?",
  choices: {
    a: "about 1x: threads give CPU-bound work no speedup, as the article says of Python",
    b: "up to about 2x: each worker thread runs its own JavaScript engine on its own core",
    c: "well under 1x: threads always cost more than they give",
  },
  predicts: { a: "a speedup of 0.8x to 1.2x", b: "a speedup of 1.3x to 2.2x", c: "a speedup under 0.8x" },
  choose: (o) => rangeChoice(o, { a: [0.8, 1.2], b: [1.3, 2.2], c: [0, 0.8] }),
};

export const chapter: Chapter = {
  id: "05-cpu-bound-examples",
  title: "05 · The CPU-bound examples, run here",
  question: "Do threads or processes make the article's CPU-bound example faster, in CPython and in Node?",
  about: "the article's CPU-bound example with the task defined in the notebook: sequential, threads, processes, in Node and CPython",
  claims: ["examples.cpu-python-threads", "examples.cpu-python-processes", "examples.cpu-node-threads", "examples.cpu-node-processes"],
  questions: [ASKED_CPU_NODE_THREADS],
  shortRun,
};
