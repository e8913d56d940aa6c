/**
 * 02's claims and the numbers it saves beside them, defined once: the chapter, its short version
 * (`quick.quickGil`) and the readers of its results (04 and `quick.quickProsAndCons`) share them.
 */
import type { CompareResult } from "../experiment/compare";
import type { Stat } from "../measure/stats";
import type { Claim } from "./claims";
import { gilNotMeasured, gilProcesses, gilThreads, nodeThreadsParallel } from "./verdicts";

/** What 02 saves beside its claims: each strategy's speedup over sequential, and the CPUs it kept busy. */
export interface GilData {
  readonly nodeSpeedup: Readonly<Record<string, Stat | null>>;
  readonly nodeCoresBusy: Readonly<Record<string, Stat | null>>;
  /** CPython's strategies, or null where no CPython ran. */
  readonly pythonSpeedup: Readonly<Record<string, Stat | null>> | null;
}

/** 02's claims: CPython's threads and processes (not measured without a CPython), and Node's worker threads. */
export function gilClaims(node: CompareResult, python: CompareResult | null): Claim[] {
  const cpython = python ? [gilThreads(python), gilProcesses(python)] : gilNotMeasured("no Python 3.8+ was found on this machine");
  return [...cpython, nodeThreadsParallel(node)];
}

/** The numbers 02 saves, from its Node run and its CPython run (null when none ran). */
export function gilData(node: CompareResult, python: CompareResult | null): GilData {
  const by = (result: CompareResult, pick: (s: CompareResult["strategies"][number]) => Stat | null): Record<string, Stat | null> =>
    Object.fromEntries(result.strategies.map((s) => [s.strategy, pick(s)]));
  return {
    nodeSpeedup: by(node, (s) => s.speedup),
    nodeCoresBusy: by(node, (s) => s.coresBusy),
    pythonSpeedup: python ? by(python, (s) => s.speedup) : null,
  };
}

/** Reads 02's saved numbers back; results saved before CPUs were metered have no `nodeCoresBusy`. */
export function readGilData(data: Readonly<Record<string, unknown>>): GilData {
  return {
    nodeSpeedup: (data.nodeSpeedup ?? {}) as Record<string, Stat | null>,
    nodeCoresBusy: (data.nodeCoresBusy ?? {}) as Record<string, Stat | null>,
    pythonSpeedup: (data.pythonSpeedup ?? null) as Record<string, Stat | null> | null,
  };
}
