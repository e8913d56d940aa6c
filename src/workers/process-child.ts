/**
 * The child-process side of the `processes` strategy. worker-farm forks a child, requires this
 * module in it and calls `run(message, callback)` once per copy of a task. Kept light: it loads
 * only what executeTask needs.
 */
import { isNativeError } from "node:util/types";
import { executeTask, type TaskMessage } from "./execute";
import { describeValue } from "../errors";
import { endWithParent, PARENT_PID_ENV } from "../runtime/child-life";
import type { TaskRecord } from "../tasks/record";

/** Set on every error a task raised, so the parent tells them from worker-farm's own errors. */
export const TASK_ERROR_MARK = "conclabTaskError";

export type ChildCallback = (error: Error | null, record?: TaskRecord) => void;

let guarded = false;

/**
 * Makes this child end when its parent does, even while a task keeps it busy in a CPU loop (see
 * endWithParent). The pool starts children in their own process group, out of reach of Jupyter's
 * interrupt; should a SIGINT reach one anyway, the parent decides what stops.
 */
function guardParent(): void {
  if (guarded || typeof process.send !== "function") return;
  guarded = true;
  endWithParent({ busy: true });
}

// Forked by a conclab pool and its parent alive (not a process that merely inherited the
// variable): guard from the start. run() guards in any case: only a pool calls it.
if (process.env[PARENT_PID_ENV] === String(process.ppid)) guardParent();

/**
 * An Error worker-farm can send: it sends `type` (the constructor's name), message and stack, then
 * copies the error's own enumerable keys, so `type` set here wins and keeps the original name.
 */
function sendable(thrown: unknown): Error {
  const original = isNativeError(thrown) || thrown instanceof Error ? (thrown as Error) : undefined;
  const error = new Error(original ? original.message : `the task threw ${describeValue(thrown)}, not an Error`);
  if (original?.stack) error.stack = original.stack;
  Object.assign(error, { type: original?.name ?? "Error", [TASK_ERROR_MARK]: true });
  return error;
}

function unsendableResult(message: TaskMessage, result: unknown, cloneError: unknown): Error {
  const why = isNativeError(cloneError) ? ` (${cloneError.message})` : "";
  return sendable(
    new TypeError(
      `the result of ${message.task.name} must be data that can be copied to another process, got ${describeValue(result)}${why}; ` +
        "return numbers, strings, arrays, plain objects, Maps or typed arrays, not functions or symbols",
    ),
  );
}

/** Runs one copy of the task; worker-farm's callback carries the TaskRecord or the error back. */
export function run(message: TaskMessage, callback: ChildCallback): void {
  guardParent();
  // executeTask awaits a task's Promise: worker-farm itself would never answer one.
  executeTask(message, "process").then(
    (record) => {
      try {
        callback(null, record); // throws synchronously when the result cannot be serialised
      } catch (error) {
        callback(unsendableResult(message, record.result, error));
      }
    },
    (error: unknown) => callback(sendable(error)),
  );
}
