/** Validation of the options `run` and `compare` share. Every error names the parameter. */
import { checkInteger, rangeError, typeError } from "../errors";
import { STRATEGIES } from "../strategies/descriptors";
import { NODE_STRATEGIES, PYTHON_MODES, type StrategyKey } from "../strategies/strategy";
import { taskSource, type TaskSource } from "../tasks/task-source";

/** Most copies for strategies that start a thread or process per copy. */
export const MAX_PARALLEL_COPIES = 64;
/** Most copies on the one JavaScript thread (async work is cheap: 10,000 connections is a lesson). */
export const MAX_EVENT_LOOP_COPIES = 100_000;
export const DEFAULT_TIMEOUT_MS = 60_000;

const ALL_NAMES: readonly string[] = [...NODE_STRATEGIES, "python", ...PYTHON_MODES.map((m) => `python:${m}`)];

export function expandStrategy(name: unknown, param: string): StrategyKey[] {
  if (typeof name !== "string" || !ALL_NAMES.includes(name)) {
    const wrongType = typeof name !== "string";
    const make = wrongType ? typeError : rangeError;
    throw make(param, `one of ${ALL_NAMES.join(", ")}`, name, "pick a strategy from that list");
  }
  if (name === "python") return PYTHON_MODES.map((m) => `python:${m}` as const);
  return [name as StrategyKey];
}

export function isParallel(key: StrategyKey): boolean {
  return STRATEGIES[key].parallel;
}

/** Strategies whose copies each need a thread or process (CPython's pools included): their number is capped. */
function capped(key: StrategyKey): boolean {
  return STRATEGIES[key].parallel || STRATEGIES[key].runtime === "python";
}

export function checkCopies(copies: unknown, keys: readonly StrategyKey[], param = "copies"): number {
  const max = keys.some(capped) ? MAX_PARALLEL_COPIES : MAX_EVENT_LOOP_COPIES;
  const why = keys.some(capped)
    ? `each copy gets its own thread or process with threads, processes and python; use at most ${MAX_PARALLEL_COPIES}`
    : "pass how many copies of the task run at once";
  return checkInteger(param, copies, 1, max, why);
}

export function checkArgs(task: TaskSource, args: unknown, param = "args"): readonly unknown[] {
  if (!Array.isArray(args)) throw typeError(param, "an array of the task's arguments", args, `pass e.g. args: [1_000_000] for ${task.name}(1_000_000)`);
  task.checkArgs?.(args);
  return args;
}

export function checkTimeout(timeoutMs: unknown, param = "timeoutMs"): number {
  return checkInteger(param, timeoutMs, 1, 3_600_000, "give the longest one copy may run, in milliseconds");
}

export function checkSignal(signal: unknown, param = "signal"): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (!(signal instanceof AbortSignal)) throw typeError(param, "an AbortSignal", signal, "pass controller.signal of an AbortController");
  return signal;
}

export function readTask(task: unknown, param = "task"): TaskSource {
  return taskSource(task, param);
}
