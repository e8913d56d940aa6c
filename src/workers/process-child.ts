/**
 * The child-process side of the `processes` strategy. worker-farm forks a child, requires this
 * module in it and calls `run(message, callback)` once per copy of a task. Kept light: it loads
 * only what executeTask needs.
 */
import { Worker } from "node:worker_threads";
import { isNativeError } from "node:util/types";
import { executeTask, type TaskMessage } from "./execute";
import { describeValue } from "../errors";
import type { TaskRecord } from "../tasks/record";

/** Set on every error a task raised, so the parent tells them from worker-farm's own errors. */
export const TASK_ERROR_MARK = "conclabTaskError";
/** The pool puts its own pid here for its children; a child compares it with its parent's pid. */
export const PARENT_PID_ENV = "CONCLAB_PARENT_PID";
/** How often a child checks that its parent is still alive. */
const PARENT_POLL_MS = 250;

export type ChildCallback = (error: Error | null, record?: TaskRecord) => void;

let guarded = false;

/**
 * Makes this child end when its parent does. An idle child sees its IPC channel close; a child
 * busy in a CPU loop never gets to that event, so a small worker thread watches `process.ppid`
 * (it changes when the parent dies and the child is reparented) and SIGKILLs the process.
 */
function guardParent(): void {
  if (guarded || typeof process.send !== "function") return;
  guarded = true;
  // The pool's pid, not process.ppid now: the parent may have died before this child got going.
  const parent = Number(process.env[PARENT_PID_ENV]) || process.ppid;
  if (process.ppid !== parent) process.kill(process.pid, "SIGKILL");
  process.once("disconnect", () => process.exit(0));
  // The pool starts children in their own process group, out of reach of Jupyter's interrupt
  // (it signals the kernel's whole group). Should a SIGINT reach one anyway, the parent decides:
  // it aborts the experiment and kills its children, or keeps a pool for reuse.
  process.on("SIGINT", () => undefined);
  const watchdog = new Worker(
    `const { workerData } = require("node:worker_threads");
     setInterval(() => {
       if (process.ppid !== workerData.ppid) process.kill(process.pid, "SIGKILL");
     }, workerData.intervalMs);`,
    { eval: true, workerData: { ppid: parent, intervalMs: PARENT_POLL_MS } },
  );
  watchdog.on("error", () => undefined);
  watchdog.unref();
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
