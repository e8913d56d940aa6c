/**
 * The life of a child process, as every part of conclab that starts one needs it: is it still
 * running, wait for its end, kill what is left, and, inside the child, end with the parent that
 * started it. (A wait with a grace period is `withinGrace` in ./deadline.)
 */
import { spawn, type ChildProcess } from "node:child_process";
import { Worker } from "node:worker_threads";
import { AbortError } from "../errors";

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
 * Runs `command args` as a child that prints one JSON value on stdout and exits 0, and resolves
 * with that value. `signal` kills it (the promise rejects with AbortError); a failed start, a
 * non-zero exit or output that is not JSON rejects with an Error naming `who` and quoting the end
 * of its stderr. The child gets PARENT_PID_ENV beside `env`.
 */
export function jsonFromChild<T>(who: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...env, [PARENT_PID_ENV]: String(process.pid) } });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    const stop = (): void => killIfRunning(child);
    signal.addEventListener("abort", stop, { once: true });
    if (signal.aborted) stop();
    child.on("error", reject);
    child.on("exit", (code, exitSignal) => {
      signal.removeEventListener("abort", stop);
      if (signal.aborted) return reject(new AbortError());
      const said = `: ${err.trim().split("\n").slice(-5).join(" | ")}`;
      if (code !== 0) return reject(new Error(`${who} failed (${exitSignal ?? `exit code ${code}`})${said}`));
      try {
        resolve(JSON.parse(out) as T);
      } catch {
        reject(new Error(`${who} printed no result${said}`));
      }
    });
  });
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
