/**
 * What a unit of concurrency costs in CPython itself, measured by conclab/python/unit_costs.py in
 * the shapes of Node's measureStartup, measureMemory and measureSwitches, so the course can show
 * them side by side: the CPython strategies' units as their descriptors give them (an asyncio task,
 * a `threading.Thread`, a `multiprocessing` process). Each result carries what the interpreter
 * reported at run time (version, GIL, switch interval, start method). Without CPython 3.8+ each
 * throws StrategyUnavailableError; none falls back to Node.
 */
import { checkInteger, rangeError } from "../../errors";
import type { PythonInterpreter } from "../../python";
import { CPYTHON_UNITS } from "../../strategies/descriptors";
import type { CPythonHandoffName, CPythonUnitName, CPythonUnitOperations } from "../../strategies/unit-operations";
import { checkPythonOptions, pythonFor, runPythonMeasurement, type PythonMeasureOptions } from "../python-script";
import type { MemoryPerUnit } from "./memory";
import type { StartupSamples } from "./startup";

/** CPython's units, by the names the script and the results use. */
const UNITS: readonly CPythonUnitName[] = CPYTHON_UNITS.map((u) => u.unit);
const unitOf = (name: CPythonUnitName): CPythonUnitOperations => CPYTHON_UNITS.find((u) => u.unit === name)!;

/** Start-up samples of one kind of CPython unit, as measureStartup's for Node's. */
export interface PythonStartupSamples extends StartupSamples {
  readonly strategy: CPythonUnitName;
  /** The interpreter that started the units, as it reported itself (the start method counts for processes). */
  readonly interpreter: PythonInterpreter;
}

/** Memory of idle CPython units, as measureMemory's for Node's, with CPython's own meters. */
export interface PythonMemoryPerUnit extends Omit<MemoryPerUnit, "metric" | "strategy"> {
  readonly strategy: CPythonUnitName;
  /**
   * What was measured: `tracemalloc` (Python allocations traced while the asyncio tasks were
   * created and started: the tasks, their coroutines, futures and timer handles), `rss` (growth
   * of the resident set of a fresh interpreter that parks the threads: the touched part of each
   * thread's stack and its bookkeeping), `pss` (proportional set size of the child processes,
   * shared pages split between sharers; Linux) or `rss-children` (their resident sets where PSS is
   * not available: counts shared pages once per child, so it overstates).
   */
  readonly metric: "tracemalloc" | "rss" | "pss" | "rss-children";
  readonly interpreter: PythonInterpreter;
}

/** The handoffs measured in CPython: two asyncio tasks (two ways), two threads, two processes. */
export type PythonSwitchUnit = CPythonHandoffName;

/** Samples of one kind of handoff, as measureSwitches' for Node's. */
export interface PythonSwitchSamples {
  /**
   * `async`: two tasks that each `await asyncio.sleep(0)`, the cheapest way to hand the turn back
   * to the loop (like Node's `await null`); `async-future`: each awaits a future that the other
   * sets, a full event-loop iteration per handoff; `threads`: two threads passing the turn through
   * two `threading.Event`s (each wake-up also takes the GIL back); `processes`: a parent and a child
   * passing one byte through a `multiprocessing.Pipe`.
   */
  readonly strategy: PythonSwitchUnit;
  /** Handoffs timed in each sample. */
  readonly handoffs: number;
  /** Milliseconds per handoff, one per round, in order. */
  readonly samplesMs: readonly number[];
  readonly interpreter: PythonInterpreter;
}

/** Handoffs per sample: a few milliseconds to a few tens of milliseconds each here (from the descriptors' units). */
export const PYTHON_DEFAULT_HANDOFFS: Readonly<Record<PythonSwitchUnit, number>> = Object.freeze(
  Object.assign({}, ...CPYTHON_UNITS.map((u) => u.handoffs)) as Record<PythonSwitchUnit, number>,
);

const SWITCH_UNITS = Object.keys(PYTHON_DEFAULT_HANDOFFS) as PythonSwitchUnit[];

function checkUnits<U extends string>(param: string, units: unknown, allowed: readonly U[]): readonly U[] {
  const expected = `a non-empty list of distinct names from ${allowed.map((u) => `"${u}"`).join(", ")}`;
  if (!Array.isArray(units) || units.length === 0) throw rangeError(param, expected, units, `pass e.g. ["${allowed[0]}", "threads"], or leave it out for all`);
  const bad = units.find((unit: unknown) => !(allowed as readonly unknown[]).includes(unit));
  if (bad !== undefined) throw rangeError(param, expected, bad, `CPython's units here are ${allowed.join(", ")}`);
  if (new Set(units).size !== units.length) throw rangeError(param, expected, units, "name each unit once");
  return units as U[];
}

function samplesOf(result: Record<string, unknown>): { strategy: string; handoffs?: number; samplesMs: number[] }[] {
  const units = result.units;
  if (!Array.isArray(units)) throw new Error("the Python measurement script sent no units");
  return units as { strategy: string; handoffs?: number; samplesMs: number[] }[];
}

/**
 * CPython's start-up latency, from asking for a unit to its first line of code, `rounds` samples
 * of each of `units`, interleaved by round (the order turned each round) in one interpreter:
 * `async` creates an asyncio task and awaits it (its first line runs on the loop's next turn),
 * `threads` starts a `threading.Thread`, `processes` a `multiprocessing.Process` with the
 * interpreter's start method (`interpreter.startMethod`; `options.startMethod` chooses: fork copies
 * this interpreter, spawn starts a new one). Returns one PythonStartupSamples per unit, in the
 * order of `units`, its samples in the order of the rounds. About 1 to 2 s with the defaults here
 * (fork); with spawn, each process costs tens of milliseconds more.
 * @throws StrategyUnavailableError when no CPython 3.8+ is found.
 */
export async function measurePythonStartup(
  units: readonly CPythonUnitName[] = UNITS,
  options: PythonMeasureOptions & { readonly rounds?: number } = {},
): Promise<PythonStartupSamples[]> {
  const chosen = checkUnits("units", units, UNITS);
  checkPythonOptions(options);
  const rounds = checkInteger("options.rounds", options.rounds ?? 20, 1, 1000, "take between 1 and 1000 rounds (20 is plenty)");
  const { interpreter, result } = await runPythonMeasurement(`CPython start-up of ${chosen.join(", ")}`, { cmd: "startup", units: chosen, rounds }, options);
  return samplesOf(result).map((s) => ({ strategy: s.strategy as CPythonUnitName, samplesMs: s.samplesMs, interpreter }));
}

/** Units started per memory reading by default in measurePythonMemoryRounds: enough that one unit's share stands out of the noise. */
export const PYTHON_DEFAULT_MEMORY_COUNTS: Readonly<Record<CPythonUnitName, number>> = Object.freeze(
  Object.fromEntries(CPYTHON_UNITS.map((u) => [u.unit, u.defaultIdle])) as Record<CPythonUnitName, number>,
);

/**
 * Starts `count` idle CPython units of one kind in a fresh interpreter and measures the memory
 * they add (see PythonMemoryPerUnit.metric for the meter of each kind): `async` tasks each asleep
 * in `asyncio.sleep(3600)` (up to 1,000,000), `threads` parked on a `threading.Event` (up to
 * 256), `processes` waiting on a pipe (up to 64; forked processes share pages with their parent,
 * which PSS splits). Interleave calls yourself for rounds; each call is a new interpreter, which
 * is what keeps the thread reading clean.
 * @throws StrategyUnavailableError when no CPython 3.8+ is found.
 */
export async function measurePythonMemory(strategy: CPythonUnitName, count: number, options: PythonMeasureOptions = {}): Promise<PythonMemoryPerUnit> {
  if (!UNITS.includes(strategy)) throw rangeError("strategy", `one of ${UNITS.map((u) => `"${u}"`).join(", ")}`, strategy, "memory per unit is measured for those, the CPython strategies' units");
  const unit = unitOf(strategy);
  checkInteger("count", count, 1, unit.maxIdle, `start between 1 and ${unit.maxIdle} ${unit.plural}`);
  checkPythonOptions(options);
  const { interpreter, result } = await runPythonMeasurement(`CPython memory of ${count} idle ${unit.plural}`, { cmd: "memory", unit: unit.unit, count }, options);
  const totalBytes = Number(result.totalBytes);
  const metric = result.metric as PythonMemoryPerUnit["metric"];
  if (!Number.isFinite(totalBytes) || !["tracemalloc", "rss", "pss", "rss-children"].includes(metric)) {
    throw new Error(`the Python measurement script sent an unreadable memory result: ${JSON.stringify(result).slice(0, 200)}`);
  }
  return { strategy, count, totalBytes, bytesPerUnit: totalBytes / count, metric, interpreter };
}

/** Options of measurePythonSwitches. */
export interface PythonSwitchOptions extends PythonMeasureOptions {
  /** Rounds; each takes one sample of every unit, in turn (default 5). */
  readonly rounds?: number;
  /** Handoffs per sample, by unit, even (defaults: PYTHON_DEFAULT_HANDOFFS). */
  readonly handoffs?: Partial<Record<PythonSwitchUnit, number>>;
}

/**
 * The time per handoff between two CPython units of each of `units` (see
 * PythonSwitchSamples.strategy), `options.rounds` rounds with the units interleaved within each
 * round, as measureSwitches does for Node: compare them by round. Threads and the child process
 * start anew for each sample; their start is not timed. Threads depend on the GIL: a woken thread
 * must take it back (`interpreter.switchIntervalS` says how long a busy thread may keep it;
 * `options.switchIntervalS` sets it). About 1 s with the defaults here.
 * @throws StrategyUnavailableError when no CPython 3.8+ is found.
 */
export async function measurePythonSwitches(units: readonly PythonSwitchUnit[] = SWITCH_UNITS, options: PythonSwitchOptions = {}): Promise<PythonSwitchSamples[]> {
  const chosen = checkUnits("units", units, SWITCH_UNITS);
  checkPythonOptions(options);
  const rounds = checkInteger("options.rounds", options.rounds ?? 5, 1, 100, "take between 1 and 100 rounds (5 is plenty)");
  const handoffs: Partial<Record<PythonSwitchUnit, number>> = {};
  for (const unit of chosen) {
    const fix = `pass an even number, e.g. { handoffs: { "${unit}": ${PYTHON_DEFAULT_HANDOFFS[unit]} } }`;
    const n = checkInteger(`options.handoffs.${unit}`, options.handoffs?.[unit] ?? PYTHON_DEFAULT_HANDOFFS[unit], 2, 10_000_000, fix);
    if (n % 2 !== 0) throw rangeError(`options.handoffs.${unit}`, "an even integer (each round trip is one handoff there and one back)", n, fix);
    handoffs[unit] = n;
  }
  const { interpreter, result } = await runPythonMeasurement(`CPython switching between two ${chosen.join(", ")}`, { cmd: "switches", units: chosen, rounds, handoffs }, options);
  return samplesOf(result).map((s) => ({ strategy: s.strategy as PythonSwitchUnit, handoffs: Number(s.handoffs), samplesMs: s.samplesMs, interpreter }));
}

/** Memory per unit of one kind of CPython unit, one reading per round. */
export interface PythonMemorySamples {
  readonly strategy: CPythonUnitName;
  readonly count: number;
  readonly metric: PythonMemoryPerUnit["metric"];
  /** Bytes per unit, one per round, in order. */
  readonly bytesPerUnitSamples: readonly number[];
  readonly interpreter: PythonInterpreter;
}

/**
 * measurePythonMemory for several kinds of unit, `options.rounds` (default 3) rounds with the
 * kinds interleaved within each round (the order turned each round), each reading in a fresh
 * interpreter. `counts` gives the units started per reading, by kind (defaults: 10,000 asyncio
 * tasks, 64 threads, 8 processes). About 1.5 s with the defaults here.
 * @throws StrategyUnavailableError when no CPython 3.8+ is found.
 */
export async function measurePythonMemoryRounds(
  units: readonly CPythonUnitName[] = UNITS,
  options: PythonMeasureOptions & { readonly rounds?: number; readonly counts?: Partial<Record<CPythonUnitName, number>> } = {},
): Promise<PythonMemorySamples[]> {
  const chosen = checkUnits("units", units, UNITS);
  checkPythonOptions(options);
  const rounds = checkInteger("options.rounds", options.rounds ?? 3, 1, 100, "take between 1 and 100 rounds (3 is plenty: the meters are steady)");
  const counts = new Map(chosen.map((unit) => [unit, checkInteger(`options.counts.${unit}`, options.counts?.[unit] ?? PYTHON_DEFAULT_MEMORY_COUNTS[unit], 1, unitOf(unit).maxIdle, `start between 1 and ${unitOf(unit).maxIdle}`)]));
  const readings = new Map(chosen.map((unit) => [unit, [] as PythonMemoryPerUnit[]]));
  const once = { ...options, python: pythonFor("CPython memory per unit", options.python) }; // found once, not once per reading
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < chosen.length; i++) {
      const unit = chosen[(i + round) % chosen.length]!;
      readings.get(unit)!.push(await measurePythonMemory(unit, counts.get(unit)!, once));
    }
  }
  return chosen.map((unit) => {
    const all = readings.get(unit)!;
    return { strategy: unit, count: counts.get(unit)!, metric: all[0]!.metric, bytesPerUnitSamples: all.map((m) => m.bytesPerUnit), interpreter: all[0]!.interpreter };
  });
}
