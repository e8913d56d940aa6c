/**
 * Chapter 04, the article's comparison table rebuilt from 02's and 03's numbers, and the cost of a
 * switch between two units measured here (Node's and CPython's). Its claims, their experiment at
 * full and short size, the table's rows, its captions, question and exercise check.
 */
import { describeMachine } from "../../environment";
import type { SwitchSamples } from "../../experiment/unit-costs";
import { measurePythonSwitches, measureSwitches, type PythonSwitchSamples } from "../../experiment/unit-costs";
import { formatBytes, formatDuration } from "../../measure/format";
import { median, pairedRatios, type Stat } from "../../measure/stats";
import { findPython } from "../../python";
import { startExperiment } from "../../runtime/lifecycle";
import { nodeUnitOf } from "../../strategies/descriptors";
import { times } from "../captions";
import type { Chapter, ChapterResults, Size } from "../chapter";
import { atLeast, decided, observedStat, thresholdRule, verdictOf, type Claim } from "../claims";
import { ExerciseResult } from "../exercise-kit";
import { asyncBoundToOneThread, busyAtLeast, claim, coresText, EVIDENCE, HandoffSamples, handoffText, ms, NO_CPYTHON, PARALLEL_SHARE, speedupClaim, THREADS_NO_RULE, threadsClaimVerdict, x, xFormat } from "../judging";
import { ANY_HIGH, rangeChoice, type Question } from "../questions";
import { shortRun as gilShortRun, readGilData, type GilData } from "./02-the-gil";
import { ApproachesData } from "./03-approaches";

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

/**
 * 04: reading the table. How many waiting async tasks fit in the memory of one worker thread on
 * this machine? Passes when `answer` is within a factor of 2 of the ratio of the table's memory
 * row (the meters differ, so closer is not meaningful).
 */
export function checkTasksPerThread(answer: number, approaches: ApproachesData): ExerciseResult {
  const exercise = "async tasks in one worker thread's memory";
  const { async: perTask, threads: perThread } = approaches.memoryBytesPerUnit;
  const actual = perThread / perTask;
  const measured = `the table's memory row gives ${Math.round(actual).toLocaleString("en-US")} (${formatBytes(perThread)} per worker thread, ${formatBytes(perTask)} per waiting async task)`;
  if (typeof answer !== "number" || !(answer > 0)) return { exercise, passed: false, message: "Not yet: put your answer, a positive number, in place of the 0 and run the cell again." };
  if (answer >= actual / 2 && answer <= actual * 2) return { exercise, passed: true, message: `Done: ${measured}. Your ${answer.toLocaleString("en-US")} is within a factor of 2.` };
  return { exercise, passed: false, message: `Not yet: ${answer.toLocaleString("en-US")} is ${answer < actual ? "too few" : "too many"} by more than a factor of 2; divide what one worker thread costs by what one async task costs.` };
}

const ARTICLE = "Article (threading / multiprocessing / asyncio)";

const speed = (s: Stat | null | undefined): string => (s ? `${s.median.toFixed(2)}x` : "n/a");

/** How big 04's experiments run: in the notebook (full), and when the summary needs its verdicts (short). */
const SIZES = { full: { rounds: 5 }, short: { rounds: 3 } } as const;

/**
 * 04's experiment: two async tasks, two worker threads and two child processes each pass a turn
 * back and forth, in interleaved rounds (5, 3 short). Interrupting the cell stops it and
 * ends its threads and processes.
 */
export function switchingCosts(size: Size = "full"): Promise<SwitchSamples[]> {
  const { rounds } = SIZES[size];
  return startExperiment((controller) => measureSwitches(undefined, { rounds, signal: controller.signal }));
}

/**
 * 04's CPython column: the same handoffs in CPython (two asyncio tasks through a future and with
 * sleep(0), two threads through Events, two processes through a pipe), `rounds` interleaved
 * rounds (5, 3 short, or as given), then as many again while switchCosts stays undecided, up to
 * `maxRounds` (3 × rounds). Null where no CPython 3.8+ is found.
 */
export async function cpythonSwitchingCosts(size: Size | { readonly rounds: number; readonly maxRounds?: number } = "full"): Promise<PythonSwitchSamples[] | null> {
  if (!findPython()) return null;
  const rounds = typeof size === "string" ? SIZES[size].rounds : size.rounds;
  const maxRounds = typeof size === "string" ? 3 * rounds : (size.maxRounds ?? 3 * rounds);
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
      python
        ? gil.pythonInterpreter?.gil === false
          ? `GIL-bound: yes / no / yes; CPython here ran without its GIL (${gil.pythonInterpreter.version}, a free-threaded build): threads ${speed(python["python:threads"])}, processes ${speed(python["python:processes"])}`
          : `GIL-bound: CPython threads ${speed(python["python:threads"])}, processes ${speed(python["python:processes"])}`
        : "GIL-bound: yes / no / yes (CPython not measured here)",
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

export async function shortRun(gil?: ChapterResults): Promise<ChapterResults> {
  const cores = describeMachine().cores;
  const switches = await switchingCosts("short");
  const pythonSwitches = await cpythonSwitchingCosts("short");
  return { claims: prosAndConsClaims(readGilData((gil ?? (await gilShortRun())).data), switches, cores, pythonSwitches), data: { cores, switches, pythonSwitches } };
}

/** Asked before the experiment that decides proscons.switch-cost. */
const ASKED_SWITCH_COST: Question = {
  id: "proscons.switch-cost",
  text: "In CPython, two asyncio tasks pass a turn back and forth, each awaiting a future the other sets; two threads do the same through events, each asleep until the other wakes it. How does one handoff between the threads compare with one between the asyncio tasks?",
  choices: {
    a: "ten times dearer or more: the operating system must wake the sleeping thread, and asyncio's switch stays inside one thread",
    b: "dearer, but by less than ten times: asyncio's own switch runs Python code that costs microseconds too",
    c: "about as cheap or cheaper: a thread switch is done by the CPU, an await goes through the event loop",
  },
  predicts: { a: "a thread's handoff 10x an asyncio task's or more", b: "a thread's handoff 1.5x to 10x an asyncio task's", c: "a thread's handoff at most 1.5x an asyncio task's" },
  choose: (o) => rangeChoice(o, { a: [10, ANY_HIGH], b: [1.5, 10], c: [0, 1.5] }),
};

export const chapter: Chapter = {
  id: "04-pros-and-cons",
  title: "04 · Pros and cons, regenerated from this machine's numbers",
  question: "Does the article's comparison table hold when its cells are measured?",
  about: "the article's comparison table rebuilt from measured numbers, with the cost of a switch measured here",
  claims: ["proscons.switch-cost", "proscons.async-one-thread", "proscons.threads-best-for"],
  questions: [ASKED_SWITCH_COST],
  shortRun,
};
