import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { readFileSync, readlinkSync } from "node:fs";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { descendants, isAlive } from "../../tools/proc";

/**
 * Records every process that appears below this test process while a test runs (servers, kernels,
 * their workers' processes), so that orphans reparented to init are still found afterwards.
 */
export class ProcessWatch {
  private readonly seen = new Set<number>();
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs = 100) {
    this.poll();
    this.timer = setInterval(() => this.poll(), intervalMs);
    // A test that fails before leftovers() must not keep the test process alive.
    this.timer.unref();
  }

  poll(): void {
    for (const pid of descendants(process.pid)) this.seen.add(pid);
  }

  /** How many distinct processes were seen so far. */
  get count(): number {
    return this.seen.size;
  }

  /**
   * Stops watching, waits up to `withinMs` for every process it saw to end, and returns the pids
   * still alive (an empty list means nothing was left behind).
   */
  async leftovers(withinMs = 5_000): Promise<number[]> {
    this.poll();
    clearInterval(this.timer);
    const deadline = Date.now() + withinMs;
    const alive = (): number[] => [...this.seen].filter(isAlive);
    while (alive().length > 0 && Date.now() < deadline) await sleep(100);
    return alive();
  }
}

/** Polls `condition` until it holds or `withinMs` pass: true once it held, false if it never did. */
export async function until(condition: () => boolean, withinMs: number, everyMs = 50): Promise<boolean> {
  // True once the condition held: asked again afterwards, a state that came and went (a process
  // that has already ended) would read false. A monotonic clock, which nothing can set back or forward.
  const deadline = performance.now() + withinMs;
  for (;;) {
    if (condition()) return true;
    if (performance.now() >= deadline) return false;
    await sleep(everyMs);
  }
}

/** A process's command line, for messages ("gone" once it has ended). */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
  } catch {
    return "gone";
  }
}

/**
 * Whether `pid` is a Python interpreter running `script`. The command line alone is not enough:
 * a pyenv shim is a bash script with the same arguments (and children of its own) until it execs
 * the interpreter in the same process.
 */
export function isPythonRunning(pid: number, script: string): boolean {
  try {
    return /^python/.test(path.basename(readlinkSync(`/proc/${pid}/exe`))) && commandLine(pid).endsWith(script);
  } catch {
    return false;
  }
}

/** A child process whose stdout and stderr are kept together, in the order they arrive. */
export interface WatchedChild {
  readonly child: ChildProcess;
  /** Everything it printed so far. */
  readonly output: () => string;
  /** Its exit code (null when a signal ended it). */
  readonly exited: Promise<number | null>;
}

/** Starts `command` with stdout and stderr piped and kept (stdin ignored). */
export function spawnWatched(command: string, args: readonly string[], options: Omit<SpawnOptions, "stdio"> = {}): WatchedChild {
  const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}
