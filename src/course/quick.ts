/**
 * Short versions of the course's experiments, for the notebooks that summarise others (04, 07)
 * when a section has not been run yet: the same measurements and verdict functions, smaller sizes.
 */
import { calibrate } from "../experiment/calibrate";
import { compare } from "../experiment/compare";
import { run } from "../experiment/run";
import { describeMachine } from "../environment";
import { loopLag } from "../measure/loop-lag";
import { measureMemory } from "../measure/memory-per-unit";
import { measureStartup } from "../measure/startup";
import { median } from "../measure/stats";
import { findPython } from "../python";
import { countTo } from "../tasks/cpu";
import { sleep } from "../tasks/io";
import type { Claim } from "./claims";
import * as verdicts from "./verdicts";

export interface QuickSection {
  readonly claims: Claim[];
  readonly data: Record<string, unknown>;
}

export async function quickConcepts(): Promise<QuickSection> {
  const n = await calibrate(countTo, { targetMs: 80 });
  const cpu = await compare({ task: countTo, args: [n], copies: 2, strategies: ["sequential", "eventLoop", "threads"], repeats: 2, warmup: 1 });
  const waiting = await compare({ task: sleep, args: [100], copies: 3, strategies: ["sequential", "async"], repeats: 1, warmup: 0 });
  const onMain = await loopLag(() => run({ strategy: "sequential", task: countTo, args: [n * 3], warmup: 0 }));
  const onWorker = await loopLag(() => run({ strategy: "threads", task: countTo, args: [n * 3], warmup: 0 }));
  return {
    claims: [verdicts.concurrencyOnOneLane(cpu, waiting), verdicts.parallelismNeedsCores(cpu), verdicts.responsiveness(onMain, onWorker)],
    data: { taskSize: n, cores: describeMachine().cores },
  };
}

export async function quickGil(): Promise<QuickSection> {
  const n = await calibrate(countTo, { targetMs: 80 });
  const node = await compare({ task: countTo, args: [n], copies: 2, strategies: ["sequential", "eventLoop", "threads", "processes"], repeats: 2, warmup: 1 });
  const speedups = Object.fromEntries(node.strategies.map((s) => [s.strategy, s.speedup]));
  const python = findPython();
  if (!python) {
    return { claims: [...verdicts.gilNotMeasured("no Python 3.8+ was found on this machine"), verdicts.nodeThreadsParallel(node)], data: { nodeSpeedup: speedups } };
  }
  const pyN = await calibrate(countTo, { targetMs: 120, runtime: "python" });
  const py = await compare({ task: countTo, args: [pyN], copies: 2, strategies: ["python"], repeats: 2, warmup: 1 });
  return {
    claims: [verdicts.gilThreads(py), verdicts.gilProcesses(py), verdicts.nodeThreadsParallel(node)],
    data: { nodeSpeedup: speedups, pythonSpeedup: Object.fromEntries(py.strategies.map((s) => [s.strategy, s.speedup])) },
  };
}

export async function quickApproaches(): Promise<QuickSection> {
  const startups = [await measureStartup("async", 50), await measureStartup("threads", 5), await measureStartup("processes", 4)];
  const memory = [await measureMemory("async", 5_000), await measureMemory("threads", 2), await measureMemory("processes", 2)];
  const n = await calibrate(countTo, { targetMs: 60 });
  const switching = await compare({ task: countTo, args: [n], copies: 4, strategies: ["eventLoop", "threads"], repeats: 1, warmup: 1 });
  const crunch = async (size: number): Promise<number> => {
    await sleep(10);
    return countTo(size);
  };
  const starved = await loopLag(() => crunch(n * 3));
  const fair = await loopLag(() => run({ strategy: "threads", task: countTo, args: [n * 3], warmup: 0 }));
  return {
    claims: [verdicts.startupCosts(startups), verdicts.memoryCosts(memory), verdicts.preemptiveThreads(switching), verdicts.cooperativeSwitching(starved, fair)],
    data: {
      startupMedianMs: Object.fromEntries(startups.map((s) => [s.strategy, median(s.samplesMs)])),
      memoryBytesPerUnit: Object.fromEntries(memory.map((m) => [m.strategy, m.bytesPerUnit])),
      memoryMetric: Object.fromEntries(memory.map((m) => [m.strategy, m.metric])),
      cores: describeMachine().cores,
    },
  };
}
