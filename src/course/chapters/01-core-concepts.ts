/**
 * Chapter 01, concurrency and parallelism: copies that take turns on one thread against copies on
 * worker threads (all CPUs, and held to one), waits interleaved on one thread, and how late the
 * event loop runs while it waits, works, or hands the work to a worker. Its claims, their
 * experiments at full and short size, its caption, question and exercise check.
 */
import { describeMachine } from "../../environment";
import { calibrate } from "../../experiment/calibrate";
import { compare, type CompareResult } from "../../experiment/compare";
import { compareOnCpus } from "../../experiment/pinned";
import { run, type RunResult } from "../../experiment/run";
import { strategyName } from "../../figures/style";
import { formatDuration } from "../../measure/format";
import type { LoopLagResult } from "../../measure/loop-lag";
import { loopLag } from "../../measure/loop-lag";
import { countTo } from "../../tasks/cpu";
import { sleep } from "../../tasks/io";
import type { TaskFunction } from "../../tasks/task-source";
import type { Chapter, ChapterResults, Size } from "../chapter";
import { observedStat, type Claim, type Verdict } from "../claims";
import { attempt, ExerciseResult, otherRunnersText, watchOtherRunners, wrongResult } from "../exercise-kit";
import { claim, copySlowdown, coresText, ms, oneCoreAtATime, PARALLEL_SHARE, parallelSpeedup, runText, shortfallReason, slowdownCause, slowerTogether, speedupClaim, strategy, x } from "../judging";
import { byRepeat, laneCount, maxConcurrency } from "../overlap";
import { ANY_HIGH, rangeChoice, type Question } from "../questions";

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

/** 01's check: copies started together, and the shortest single copy that can tell. */
export const OVERLAP_CHECK = { copies: 3, minCopyMs: 20 } as const;

/**
 * 01: a task whose copies are in progress at the same time on the one JavaScript thread
 * (concurrency without parallelism). Runs `task(...args)` once alone, then 3 copies together on
 * the event loop; passes when each returned `expected`, none started a worker thread or a child
 * process (the exercise is about one thread), and the 3 together took less than 2 copies alone
 * (one after another they take 3). Wall times, not spans: an async function that never awaits
 * returns a settled promise, and its end is only observed after the other copies have run.
 */
export async function checkOverlapOnOneThread(task: TaskFunction, args: readonly unknown[], expected: unknown): Promise<ExerciseResult> {
  const exercise = "copies that overlap on one thread";
  const { copies, minCopyMs } = OVERLAP_CHECK;
  return attempt(exercise, async () => {
    const runOf = (n: number): Promise<RunResult> => run({ strategy: "eventLoop", task, args: [...args] as Parameters<typeof task>, copies: n, warmup: 0 });
    const { value: [alone, together], others } = await watchOtherRunners(async () => [await runOf(1), await runOf(copies)] as const);
    const wrong = wrongResult([...alone.results, ...together.results], expected);
    if (wrong) return { exercise, passed: false, message: `Not yet: ${wrong}.` };
    const elsewhere = otherRunnersText(others);
    if (elsewhere) {
      return {
        exercise,
        passed: false,
        message: `Not yet: ${elsewhere}, so the waits ran beside the JavaScript thread, not on it. The exercise is about one thread: wait on the event loop itself, \`await new Promise((resolve) => setTimeout(resolve, ms))\`.`,
      };
    }
    if (alone.wallMs < minCopyMs) {
      return { exercise, passed: null, message: `Cannot tell: one copy took ${formatDuration(alone.wallMs)}, too short to see whether copies overlap; make each copy wait longer.` };
    }
    const times = `${copies} copies started together took ${formatDuration(together.wallMs)}, one alone ${formatDuration(alone.wallMs)}`;
    if (together.wallMs < 2 * alone.wallMs) return { exercise, passed: true, message: `Done: ${times}: they waited at the same time on the one thread.` };
    return {
      exercise,
      passed: false,
      message:
        `Not yet: ${times}: they ran one after another, each holding the thread while it waited. ` +
        "Wait in a way that gives the thread back to the event loop: await a promise that a timer settles, `await new Promise((resolve) => setTimeout(resolve, ms))`.",
    };
  });
}

/** How big 01's experiments run: in the notebook (full), and when the summary needs its verdicts (short). */
const SIZES = {
  full: { taskMs: 150, waitMs: 200, waitRepeats: 2, awaitMs: 450 },
  short: { taskMs: 80, waitMs: 100, waitRepeats: 1, awaitMs: 240 },
} as const;

/** The count that takes about 150 ms here (80 ms short): the size of 01's CPU task. */
export function taskSize(size: Size = "full"): Promise<number> {
  return calibrate(countTo, { targetMs: SIZES[size].taskMs });
}

/**
 * Two copies of `countTo(n)` one after another, started together on the event loop, and on two
 * worker threads, repeated until the threads' CPUs busy decides.
 */
export function cpuRun(n: number): Promise<CompareResult> {
  return compare({ task: countTo, args: [n], copies: 2, strategies: ["sequential", "eventLoop", "threads"], repeats: 3, warmup: 1, until: (r) => parallelSpeedup(r, "threads").check !== "unclear" });
}

/** The same two copies on worker threads, in a child process held to one CPU; null where the course may use only one CPU anyway. */
export function oneCpuRun(n: number): Promise<CompareResult | null> {
  return describeMachine().cores >= 2 ? compareOnCpus({ task: countTo, args: [n], copies: 2, strategies: ["sequential", "threads"] }) : Promise.resolve(null);
}

/** Three waits of 200 ms (100 short), one after another and interleaved on the one thread. */
export function waitingRun(size: Size = "full"): Promise<CompareResult> {
  const { waitMs, waitRepeats } = SIZES[size];
  return compare({ task: sleep, args: [waitMs], copies: 3, strategies: ["sequential", "async"], repeats: waitRepeats, warmup: 0 });
}

/** How late the event loop's timers ran: while the main thread awaited three waits, while `countTo(3n)` held it, and while the same ran on a worker thread. */
export async function responsivenessRun(n: number, size: Size = "full"): Promise<{ awaiting: LoopLagResult<RunResult>; onMain: LoopLagResult<RunResult>; onWorker: LoopLagResult<RunResult> }> {
  const awaiting = await loopLag(() => run({ strategy: "async", task: sleep, args: [SIZES[size].awaitMs], copies: 3, warmup: 0 }));
  const onMain = await loopLag(() => run({ strategy: "sequential", task: countTo, args: [n * 3], warmup: 0 }));
  const onWorker = await loopLag(() => run({ strategy: "threads", task: countTo, args: [n * 3], warmup: 0 }));
  return { awaiting, onMain, onWorker };
}

/** 01's experiments at their short size, judged. */
export async function shortRun(): Promise<ChapterResults> {
  const n = await taskSize("short");
  const cpu = await cpuRun(n);
  const oneCpu = await oneCpuRun(n);
  const waits = await waitingRun("short");
  const { awaiting, onMain, onWorker } = await responsivenessRun(n, "short");
  return {
    claims: [concurrencyOnOneLane(cpu, waits), parallelismNeedsCores(cpu, oneCpu), responsiveness(awaiting, onMain, onWorker)],
    data: { taskSize: n, cores: describeMachine().cores },
  };
}

/** Asked before the experiment that decides concepts.parallelism. */
const ASKED_PARALLELISM: Question = {
  id: "concepts.parallelism",
  text: "Several copies of a CPU-bound count run on worker threads, one thread each. On this machine, how many CPUs will they keep busy at the same time?",
  choices: {
    a: "about as many as there are copies or free CPUs, whichever is fewer: each thread gets a core",
    b: "about one: the copies take turns on a single core",
    c: "more than there are CPUs: threads add computing power",
  },
  predicts: {
    a: "CPUs busy between 0.75 and 1.1 times the copies or the CPUs, whichever is fewer",
    b: "0.5 to 1.3 CPUs busy",
    c: "more CPUs busy than the machine has, by 0.2 or more",
  },
  choose: (o) => rangeChoice(o, { a: [0.75 * (o.expected ?? 2), 1.1 * (o.expected ?? 2)], b: [0.5, 1.3], c: [(o.cores ?? 2) + 0.2, ANY_HIGH] }),
};

export const chapter: Chapter = {
  id: "01-core-concepts",
  title: "01 · Concurrency and parallelism",
  question: "Is doing many things at once the same as dealing with many things at once?",
  about: "is doing many things at once the same as dealing with many things at once? (timelines, responsiveness)",
  claims: ["concepts.concurrency", "concepts.parallelism", "concepts.responsiveness"],
  questions: [ASKED_PARALLELISM],
  shortRun,
};
