/**
 * A comparison run on chosen CPUs only: the same compare(), in a child Node process whose CPU
 * affinity allows just those CPUs, so that every worker thread it starts is held to them too.
 * It lets a machine with several cores show what one core can and cannot do (01's "parallelism
 * needs several cores"), without asking the reader to restart anything.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { rangeError } from "../errors";
import { findPython } from "../python";
import { jsonFromChild } from "../runtime/child-life";
import { startExperiment } from "../runtime/lifecycle";
import type { NodeStrategy } from "../strategies/descriptors";
import { portable, taskSource, type TaskFunction } from "../tasks/task-source";
import type { CompareResult } from "./compare";

const CHILD = path.join(__dirname, "pinned-child.js");

/** The CPUs this process may run on (its affinity mask), from /proc; null where it cannot be read. */
export function allowedCpus(): number[] | null {
  try {
    const line = readFileSync("/proc/self/status", "utf8").split("\n").find((l) => l.startsWith("Cpus_allowed_list:"));
    if (!line) return null;
    const cpus = line
      .slice("Cpus_allowed_list:".length)
      .trim()
      .split(",")
      .flatMap((part) => {
        const [from, to] = part.split("-").map(Number);
        return to === undefined ? [from!] : Array.from({ length: to - from! + 1 }, (_, i) => from! + i);
      });
    return cpus.every(Number.isInteger) && cpus.length > 0 ? cpus : null;
  } catch {
    return null;
  }
}

/**
 * The command that starts `argv` with its affinity set to `cpus`: `taskset` where it exists,
 * else CPython's os.sched_setaffinity; null where neither can (not Linux, or neither present).
 */
export function pinnedCommand(cpus: readonly number[], argv: readonly string[]): { command: string; args: string[] } | null {
  if (process.platform !== "linux") return null;
  const list = cpus.join(",");
  if (spawnSync("taskset", ["-V"], { stdio: "ignore" }).status === 0) return { command: "taskset", args: ["-c", list, ...argv] };
  const python = findPython();
  if (!python) return null;
  const pin = "import os, sys; os.sched_setaffinity(0, {int(c) for c in sys.argv[1].split(',')}); os.execv(sys.argv[2], sys.argv[2:])";
  return { command: python.command, args: ["-c", pin, list, ...argv] };
}

/**
 * Runs `compare()` with `options` in a child Node process allowed onto `cpus` only (default: the
 * first CPU this process may use), and returns its result: its `environment.cores` counts the
 * CPUs it was allowed. Null where this system cannot pin a process (see pinnedCommand). The task
 * travels as source text, so it must be self-contained, as for worker threads. Interrupting the
 * cell kills the child and its threads.
 */
export function compareOnCpus<F extends TaskFunction>(options: {
  task: F;
  args: Parameters<F>;
  copies: number;
  strategies: readonly NodeStrategy[];
  repeats?: number;
  warmup?: number;
  cpus?: readonly number[];
}): Promise<CompareResult | null> {
  const allowed = allowedCpus();
  const cpus = options.cpus ?? (allowed ? [allowed[0]!] : [0]);
  if (cpus.length === 0 || !cpus.every((c) => Number.isInteger(c) && c >= 0)) {
    return Promise.reject(rangeError("cpus", "a list of CPU numbers (0, 1, …)", cpus, "leave it out to use the first CPU this process may run on"));
  }
  const spec = { task: portable(taskSource(options.task)), args: options.args, copies: options.copies, strategies: options.strategies, repeats: options.repeats ?? 3, warmup: options.warmup ?? 1 };
  const pinned = pinnedCommand(cpus, [process.execPath, CHILD, JSON.stringify(spec)]);
  if (!pinned) return Promise.resolve(null);
  return startExperiment((controller) => jsonFromChild<CompareResult>(`the comparison pinned to CPU ${cpus.join(",")}`, pinned.command, pinned.args, process.env, controller.signal));
}
