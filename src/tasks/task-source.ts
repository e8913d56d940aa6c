import { createHash } from "node:crypto";
import { rangeError, typeError } from "../errors";
import { freeVariables } from "./free-variables";
import type { TaskSourceData } from "./instantiate";

/** What conclab knows about a task: its text, and for built-ins their kind and Python twin. */
export interface TaskSource extends TaskSourceData {
  /** `cpu` and `io` for built-in tasks; `unknown` for a user's own function. */
  readonly kind: "cpu" | "io" | "unknown";
  /** Name of the task in the Python reference script, for the `python` strategy. */
  readonly python?: string;
  /** Checks a built-in task's arguments before anything runs; throws a TypeError or RangeError. */
  readonly checkArgs?: (args: readonly unknown[]) => void;
}

/** Any function a task can be: takes arguments, returns a value or a promise of one. */
export type TaskFunction = (...args: never[]) => unknown;

interface BuiltinMeta {
  readonly kind: "cpu" | "io";
  readonly python?: string;
  readonly checkArgs: (args: readonly unknown[]) => void;
}

const builtins = new WeakMap<TaskFunction, BuiltinMeta>();
const sources = new WeakMap<TaskFunction, TaskSource>();

const pythonTwins: string[] = [];

/** Registers one of conclab's own tasks. */
export function defineBuiltinTask<F extends TaskFunction>(fn: F, meta: BuiltinMeta): F {
  builtins.set(fn, meta);
  if (meta.python !== undefined) pythonTwins.push(fn.name);
  return fn;
}

/** The names of conclab's tasks that have a twin in the Python reference script, in the order defined. */
export function tasksWithPythonTwins(): readonly string[] {
  return pythonTwins;
}

/**
 * Why a task cannot use names from the notebook, for the error that says it did: it runs where
 * those names do not exist, as Python's multiprocessing pickles a function without its globals.
 */
export function closureHint(where: "another thread" | "another process" | "other threads and processes"): string {
  return `a task runs in ${where} where names from the notebook do not exist (like pickling in Python's multiprocessing); pass values as arguments`;
}

function outsideNamesHint(names: readonly string[]): string {
  const tslabNames = names.filter((n) => /_\d+$/.test(n) || n === "exports");
  return tslabNames.length > 0
    ? ` (${tslabNames.map((n) => `\`${n}\``).join(", ")} is how tslab compiles an import or a variable of another cell)`
    : "";
}

/**
 * Reads a task function into what can travel to a worker or a process, and rejects what cannot:
 * non-functions, native or bound functions, and closures over outside variables.
 */
export function taskSource(task: unknown, param = "task"): TaskSource {
  if (typeof task !== "function") {
    throw typeError(param, "a function (a conclab task such as countTo, or your own)", task, "pass the function itself, not its result");
  }
  const fn = task as TaskFunction;
  const known = sources.get(fn);
  if (known) return known;
  const source = Function.prototype.toString.call(fn);
  const name = fn.name || "anonymous task";
  if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) {
    throw typeError(param, "a function written in JavaScript or TypeScript", task,
      "native and bound functions have no source to send to a worker; wrap the call in your own function");
  }
  if (/^class\b/.test(source.trim())) {
    throw typeError(param, "a function", task, "classes cannot run as tasks; write a function");
  }
  let outside: string[];
  try {
    outside = freeVariables(source);
  } catch (error) {
    throw typeError(param, "a function whose source can be read back", task, `its text did not parse (${(error as Error).message})`);
  }
  const meta = builtins.get(fn);
  if (!meta && outside.length > 0) {
    throw rangeError(
      param,
      "a self-contained function",
      task,
      `it uses ${outside.map((n) => `\`${n}\``).join(", ")} from outside${outsideNamesHint(outside)}. ` +
        `${closureHint("other threads and processes").replace(/^a/, "A")} (args), and require() Node modules inside the function`,
    );
  }
  const key = createHash("sha1").update(source).digest("hex").slice(0, 16);
  const result: TaskSource = meta
    ? { name, source, key, kind: meta.kind, python: meta.python, checkArgs: meta.checkArgs }
    : { name, source, key, kind: "unknown" };
  sources.set(fn, result);
  return result;
}

/** The part of a task that is sent to workers and processes (no functions). */
export function portable(task: TaskSource): TaskSourceData {
  return { name: task.name, source: task.source, key: task.key };
}
