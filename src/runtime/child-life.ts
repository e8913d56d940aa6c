/**
 * The life of a child process, as every part of conclab that starts one needs it: is it still
 * running, wait for its end, kill what is left, and, inside the child, end with the parent that
 * started it. (A wait with a grace period is `withinGrace` in ./deadline.)
 */
import type { ChildProcess } from "node:child_process";
import { Worker } from "node:worker_threads";

/** A conclab parent puts its own pid here for its children: a child compares it with its parent's pid. */
export const PARENT_PID_ENV = "CONCLAB_PARENT_PID";
/** How often a child checks that its parent is still alive. */
const PARENT_POLL_MS = 250;

/** Whether the child has not ended yet. */
export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Resolves when the child has ended (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  return isRunning(child) ? new Promise((resolve) => child.once("exit", () => resolve())) : Promise.resolve();
}

/** SIGKILLs the child if it still runs. */
export function killIfRunning(child: ChildProcess): void {
  if (isRunning(child)) child.kill("SIGKILL");
}

/**
 * Inside a child: end when the parent that started it ends. An idle child sees its IPC channel
 * close; a child busy in a CPU loop never gets to that event, so with `busy` a small worker
 * thread watches `process.ppid` (it changes when the parent dies and the child is reparented)
 * and SIGKILLs the process; without it a timer does. Also ignores SIGINT: a Jupyter interrupt
 * signals the kernel's whole process group, and the kernel decides what stops.
 */
export function endWithParent(options: { readonly busy: boolean }): void {
  // The parent's pid as it said it, not process.ppid now: it may have died before this child got going.
  const parent = Number(process.env[PARENT_PID_ENV]) || process.ppid;
  if (process.ppid !== parent) process.kill(process.pid, "SIGKILL");
  process.once("disconnect", () => process.exit(0));
  process.on("SIGINT", () => undefined);
  if (!options.busy) {
    setInterval(() => {
      if (process.ppid !== parent) process.kill(process.pid, "SIGKILL");
    }, PARENT_POLL_MS).unref();
    return;
  }
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
