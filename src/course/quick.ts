/**
 * Short versions of the course's experiments, for the notebooks that summarise others (04, 09)
 * when a section has not been run yet: the same measurements and verdict functions, smaller sizes.
 */
import { calibrate } from "../experiment/calibrate";
import { compare } from "../experiment/compare";
import { compareOnCpus } from "../experiment/pinned";
import { run } from "../experiment/run";
import { describeMachine } from "../environment";
import { loopLag } from "../measure/loop-lag";
import { measureMemory, measureStartup } from "../experiment/unit-costs";
import { findPython } from "../python";
import { countTo } from "../tasks/cpu";
import { blockingSleep, sleep } from "../tasks/io";
import { startDelayServer } from "../tasks/delay-server";
import { decided, type Claim } from "./claims";
import { approachesData, cpythonUnitCosts } from "./approaches-results";
import { pythonConcurrentWaits, pythonSharedCounter } from "../experiment/python-experiments";
import { concurrentWaits } from "./examples-experiments";
import { cpythonHashRun, gilClaims, gilData, readGilData } from "./gil-results";
import { cpythonSwitchingCosts, prosAndConsClaims, switchingCosts } from "./pros-and-cons";
import { countByMessages, cpythonMassiveWaiting, depositRace, massiveWaitingRun, moderateWaits, scalingCurve, sharedCounter } from "./decision-experiments";
import * as verdicts from "./verdicts";
import { MAX_PARALLEL_COPIES } from "../strategies/descriptors";

/**
 * Copies for the preemption experiment (03): twice the CPUs, so threads must take turns, at least 4,
 * and never more than compare() runs at once (on 33 or more CPUs preemption cannot be shown).
 */
export function preemptionCopies(cores: number): number {
  return Math.min(MAX_PARALLEL_COPIES, Math.max(4, 2 * cores));
}

export interface QuickSection {
  readonly claims: Claim[];
  readonly data: Record<string, unknown>;
}

export async function quickConcepts(): Promise<QuickSection> {
  const n = await calibrate(countTo, { targetMs: 80 });
  const cpu = await compare({ task: countTo, args: [n], copies: 2, strategies: ["sequential", "eventLoop", "threads"], repeats: 3, warmup: 1, until: (r) => verdicts.parallelSpeedup(r, "threads").check !== "unclear" });
  const oneCpu = describeMachine().cores >= 2 ? await compareOnCpus({ task: countTo, args: [n], copies: 2, strategies: ["sequential", "threads"] }) : null;
  const waiting = await compare({ task: sleep, args: [100], copies: 3, strategies: ["sequential", "async"], repeats: 1, warmup: 0 });
  const awaiting = await loopLag(() => run({ strategy: "async", task: sleep, args: [240], copies: 3, warmup: 0 }));
  const onMain = await loopLag(() => run({ strategy: "sequential", task: countTo, args: [n * 3], warmup: 0 }));
  const onWorker = await loopLag(() => run({ strategy: "threads", task: countTo, args: [n * 3], warmup: 0 }));
  return {
    claims: [verdicts.concurrencyOnOneLane(cpu, waiting), verdicts.parallelismNeedsCores(cpu, oneCpu), verdicts.responsiveness(awaiting, onMain, onWorker)],
    data: { taskSize: n, cores: describeMachine().cores },
  };
}

export async function quickGil(): Promise<QuickSection> {
  const n = await calibrate(countTo, { targetMs: 80 });
  const node = await compare({
    task: countTo, args: [n], copies: 2, strategies: ["sequential", "eventLoop", "threads", "processes"], repeats: 3, warmup: 1,
    until: (r) => decided([verdicts.nodeThreadsParallel(r), verdicts.eventLoopOnOneCore(r)]),
  });
  const py = findPython()
    ? await compare({
        task: countTo, args: [await calibrate(countTo, { targetMs: 120, runtime: "python" })], copies: 2, strategies: ["python"], repeats: 3, warmup: 1,
        until: (r) => decided([verdicts.gilThreads(r), verdicts.gilProcesses(r)]),
      })
    : null;
  const hash = await cpythonHashRun({ targetMs: 100 });
  return { claims: gilClaims(node, py, hash), data: { ...gilData(node, py) } };
}

export async function quickApproaches(): Promise<QuickSection> {
  // Memory first: threads started and ended before would leave freed pages resident, and the next
  // workers' RSS growth would undercount them.
  const memory = [await measureMemory("async", 5_000), await measureMemory("threads", 2), await measureMemory("processes", 2)];
  const startups = [await measureStartup("async", 50), await measureStartup("threads", 5), await measureStartup("processes", 4)];
  const cpython = await cpythonUnitCosts({ rounds: 10 });
  const n = await calibrate(countTo, { targetMs: 60 });
  // More copies than cores, or the threads' overlap would show parallelism rather than preemption.
  const switching = await compare({ task: countTo, args: [n], copies: preemptionCopies(describeMachine().cores), strategies: ["eventLoop", "threads"], repeats: 1, warmup: 1 });
  const crunch = async (size: number): Promise<number> => {
    await sleep(10);
    return countTo(size);
  };
  const starved = await loopLag(() => crunch(n * 3));
  const fair = await loopLag(() => run({ strategy: "threads", task: countTo, args: [n * 3], warmup: 0 }));
  return {
    claims: [verdicts.startupCosts(startups, cpython?.startups ?? null), verdicts.memoryCosts(memory, cpython?.memory ?? null), verdicts.preemptiveThreads(switching), verdicts.cooperativeSwitching(starved, fair)],
    data: { ...approachesData(startups, memory, cpython), cores: describeMachine().cores },
  };
}

export async function quickProsAndCons(gil?: QuickSection): Promise<QuickSection> {
  const cores = describeMachine().cores;
  const switches = await switchingCosts({ rounds: 3 });
  const pythonSwitches = await cpythonSwitchingCosts({ rounds: 3 });
  return { claims: prosAndConsClaims(readGilData((gil ?? (await quickGil())).data), switches, cores, pythonSwitches), data: { cores, switches, pythonSwitches } };
}

export async function quickCpuExamples(): Promise<QuickSection> {
  const n = await calibrate(countTo, { targetMs: 60 });
  const cpu = await compare({
    task: countTo, args: [n], copies: 2, strategies: ["sequential", "eventLoop", "threads", "processes"], repeats: 3, warmup: 1,
    until: (r) => decided(verdicts.cpuExamples(r, null)),
  });
  const py = findPython()
    ? await compare({
        task: countTo, args: [await calibrate(countTo, { targetMs: 60, runtime: "python" })], copies: 2, strategies: ["python"], repeats: 3, warmup: 1,
        until: (r) => decided(verdicts.cpuExamples(cpu, r)),
      })
    : null;
  return { claims: verdicts.cpuExamples(cpu, py), data: { taskSize: n, cores: describeMachine().cores } };
}

export async function quickWaitingExamples(): Promise<QuickSection> {
  const blocking = await compare({
    task: blockingSleep, args: [100], copies: 2, strategies: ["sequential", "eventLoop", "threads"], repeats: 3, warmup: 0,
    until: (r) => decided(verdicts.ioExamples(r, null)),
  });
  const pySleep = findPython()
    ? await compare({ task: sleep, args: [100], copies: 2, strategies: ["python:sequential", "python:threads"], repeats: 3, warmup: 0, until: (r) => decided(verdicts.ioExamples(blocking, r)) })
    : null;
  const points = await concurrentWaits(sleep, 100, [1, 100]);
  const pyPoints = findPython() ? await pythonConcurrentWaits(100, [1, 100]) : null;
  return { claims: [...verdicts.ioExamples(blocking, pySleep), verdicts.asyncExamples(points, 100, pyPoints)], data: { cores: describeMachine().cores } };
}

export async function quickChoosing(): Promise<QuickSection> {
  const cores = describeMachine().cores;
  const n = await calibrate(countTo, { targetMs: 60 });
  const curve = await scalingCurve({ task: countTo, args: [n], copies: [Math.min(cores, 4)], until: (points) => decided(verdicts.cpuScales(points, cores)) });
  const slow = await startDelayServer({ delayMs: 50, inChildProcess: true });
  try {
    const moderate = await moderateWaits(slow.url, { copies: 4 });
    const fast = await startDelayServer({ delayMs: 10, inChildProcess: true });
    const massive = await massiveWaitingRun(fast.url, { requests: 2_000, threads: 8 }).finally(() => fast.close());
    const cpython = await cpythonMassiveWaiting({ connections: 2_000, delayMs: 800 });
    return { claims: [verdicts.cpuScales(curve, cores), verdicts.moderateWaiting(moderate), verdicts.massiveWaiting(massive.async, massive.pool, cpython)], data: { cores } };
  } finally {
    await slow.close();
  }
}

export async function quickSharedState(): Promise<QuickSection> {
  const cores = describeMachine().cores;
  const counter = await sharedCounter(1_000_000);
  const messages = await countByMessages(1_000_000);
  const pyCounter = findPython() ? await pythonSharedCounter({ times: 200_000, runs: 3 }) : null;
  return { claims: [...verdicts.sharedState(counter.lost, await depositRace(), messages, cores), verdicts.cpythonSharedCounter(pyCounter)], data: { cores } };
}

/** The short version of each section, by notebook name. */
export const SECTIONS: Readonly<Record<string, () => Promise<QuickSection>>> = {
  "01-core-concepts": quickConcepts,
  "02-the-gil": quickGil,
  "03-approaches": quickApproaches,
  "04-pros-and-cons": () => quickProsAndCons(),
  "05-cpu-bound-examples": quickCpuExamples,
  "06-waiting-examples": quickWaitingExamples,
  "07-choosing": quickChoosing,
  "08-shared-state": quickSharedState,
};
