/**
 * 02's claims and the numbers it saves beside them, defined once: the chapter, its short version
 * (`quick.quickGil`) and the readers of its results (04 and `quick.quickProsAndCons`) share them.
 */
import { calibrate } from "../experiment/calibrate";
import { compare, type CompareResult } from "../experiment/compare";
import { findPython } from "../python";
import { hashBytes } from "../tasks/cpu";
import { decided } from "./claims";
import type { Stat } from "../measure/stats";
import type { Claim } from "./claims";
import { gilNotMeasured, gilProcesses, gilReleasedByC, gilThreads, nodeThreadsParallel } from "./verdicts";

/** What 02 saves beside its claims: each strategy's speedup over sequential, and the CPUs it kept busy. */
export interface GilData {
  readonly nodeSpeedup: Readonly<Record<string, Stat | null>>;
  readonly nodeCoresBusy: Readonly<Record<string, Stat | null>>;
  /** CPython's strategies, or null where no CPython ran. */
  readonly pythonSpeedup: Readonly<Record<string, Stat | null>> | null;
}

/**
 * 02's claims: CPython's threads and processes (not measured without a CPython), C code that
 * releases the GIL on CPython's threads (`hash`, from cpythonHashRun), and Node's worker threads.
 */
export function gilClaims(node: CompareResult, python: CompareResult | null, hash: CompareResult | null = null): Claim[] {
  const cpython = python ? [gilThreads(python), gilProcesses(python)] : gilNotMeasured("no Python 3.8+ was found on this machine");
  return [...cpython, gilReleasedByC(hash), nodeThreadsParallel(node)];
}

/**
 * 02's C-code experiment: two copies of hashBytes (hashlib over 1 MiB buffers, sized to about
 * `targetMs` in CPython) one after another, on CPython threads and on CPython processes, repeated
 * until verdicts.gilReleasedByC decides. Null where no CPython 3.8+ is found.
 */
export async function cpythonHashRun(options: { targetMs?: number } = {}): Promise<CompareResult | null> {
  if (!findPython()) return null;
  const rounds = await calibrate(hashBytes, { targetMs: options.targetMs ?? 150, runtime: "python", startSize: 10 });
  return compare({ task: hashBytes, args: [rounds], copies: 2, strategies: ["python"], repeats: 3, warmup: 1, until: (r) => decided(gilReleasedByC(r)) });
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
