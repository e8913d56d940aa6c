/** Validation of the options `run` and `compare` share. Every error names the parameter. */
import { checkInteger, rangeError, typeError } from "../errors";
import { PYTHON_STRATEGIES, STRATEGIES, STRATEGY_KEYS, strategyDescriptor, type StrategyKey } from "../strategies/descriptors";
import { taskSource, type TaskSource } from "../tasks/task-source";

export const DEFAULT_TIMEOUT_MS = 60_000;

/** Names that stand for several strategies. */
const GROUPS: Readonly<Record<string, readonly StrategyKey[]>> = { python: PYTHON_STRATEGIES };
const ALL_NAMES: readonly string[] = [...STRATEGY_KEYS.filter((key) => STRATEGIES[key].runtime === "node"), ...Object.keys(GROUPS), ...STRATEGY_KEYS.filter((key) => STRATEGIES[key].runtime !== "node")];

export function expandStrategy(name: unknown, param: string): StrategyKey[] {
  if (typeof name !== "string" || !ALL_NAMES.includes(name)) {
    const wrongType = typeof name !== "string";
    const make = wrongType ? typeError : rangeError;
    throw make(param, `one of ${ALL_NAMES.join(", ")}`, name, "pick a strategy from that list");
  }
  return [...(GROUPS[name] ?? [strategyDescriptor(name)!.key as StrategyKey])];
}

/** The strategy among `keys` that takes the fewest copies, whose limit holds for the call. */
export function checkCopies(copies: unknown, keys: readonly StrategyKey[], param = "copies"): number {
  const tightest = keys.map((key) => STRATEGIES[key]).reduce((a, b) => (b.maxCopies.count < a.maxCopies.count ? b : a));
  const { count, why } = tightest.maxCopies;
  return checkInteger(param, copies, 1, count, `pass how many copies run at once; at most ${count} with ${tightest.key}, since ${why}`);
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
