/**
 * measureMemory(): what one more unit of concurrency costs in memory here: an async task waiting
 * on a timer, an idle worker thread, an idle child process.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import * as v8 from "node:v8";
import * as vm from "node:vm";
import { AbortError, checkInteger, rangeError, throwIfAborted } from "../errors";
import { exited, killIfRunning } from "../runtime/child-life";
import { progressOf } from "../runtime/lifecycle";
import { processMemoryBytes } from "./process-memory";

export type MemoryUnit = "async" | "threads" | "processes";

export interface MemoryPerUnit {
  readonly strategy: MemoryUnit;
  readonly count: number;
  readonly bytesPerUnit: number;
  readonly totalBytes: number;
  /**
   * What was measured: `heap` (V8 heap growth of this thread: async tasks live there), `rss`
   * (resident memory growth of a fresh process that starts the worker threads), `pss` (proportional set size of
   * the children, shared pages split between sharers; Linux) or `rss-children` (their resident
   * sets, where PSS is not available: counts shared pages once per child, so it overstates).
   */
  readonly metric: "heap" | "rss" | "pss" | "rss-children";
}

const LIMITS: Record<MemoryUnit, number> = { async: 1_000_000, threads: 64, processes: 64 };

let collect: (() => void) | undefined;
/** A full garbage collection, so that heap readings compare like with like. */
function gc(): void {
  if (!collect) {
    v8.setFlagsFromString("--expose-gc");
    collect = vm.runInNewContext("gc") as () => void;
  }
  collect();
}


async function asyncTasks(count: number): Promise<Pick<MemoryPerUnit, "totalBytes" | "metric">> {
  gc();
  const before = process.memoryUsage().heapUsed;
  const timers: NodeJS.Timeout[] = [];
  const pending: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    pending.push(
      (async () => {
        await new Promise<void>((resolve) => timers.push(setTimeout(resolve, 3_600_000)));
      })(),
    );
  }
  gc();
  const after = process.memoryUsage().heapUsed;
  for (const timer of timers) clearTimeout(timer);
  return { totalBytes: Math.max(0, after - before), metric: "heap" };
}

/**
 * Starts `count` idle worker threads in a fresh Node process and reports how much that process's
 * resident memory grew. A fresh process, because in a process that ran workers before, new ones
 * reuse freed pages that are still resident, and their growth undercounts them.
 */
const THREADS_PROBE = `
const { Worker } = require("node:worker_threads");
const count = Number(process.argv[1]);
(async () => {
  globalThis.gc();
  const before = process.memoryUsage().rss;
  for (let i = 0; i < count; i++) {
    const worker = new Worker("require('node:worker_threads').parentPort.once('message', () => process.exit(0));", { eval: true });
    await new Promise((resolve, reject) => { worker.once("online", resolve); worker.once("error", reject); });
  }
  await new Promise((resolve) => setTimeout(resolve, 200)); // let each isolate finish booting
  globalThis.gc();
  process.stdout.write(JSON.stringify({ before, after: process.memoryUsage().rss }));
  process.exit(0);
})().catch((error) => { process.stderr.write(String(error && error.stack || error)); process.exit(1); });
`;

async function threads(count: number, signal?: AbortSignal): Promise<Pick<MemoryPerUnit, "totalBytes" | "metric">> {
  // Detached, as below: an interrupt aborts through the signal. The probe exits by itself once it has measured.
  const probe = spawn(process.execPath, ["--expose-gc", "-e", THREADS_PROBE, String(count)], { stdio: ["ignore", "pipe", "pipe"], detached: true });
  const kill = (): void => killIfRunning(probe);
  process.once("exit", kill);
  signal?.addEventListener("abort", kill, { once: true });
  try {
    let out = "";
    let err = "";
    probe.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString()));
    probe.stderr?.on("data", (chunk: Buffer) => (err += chunk.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      probe.once("error", reject);
      probe.once("exit", (exitCode) => resolve(exitCode));
    });
    throwIfAborted(signal);
    if (code !== 0) throw new Error(`the process that measures worker threads' memory exited with code ${code}: ${err.trim().split("\n")[0] ?? ""}`);
    const { before, after } = JSON.parse(out) as { before: number; after: number };
    return { totalBytes: Math.max(0, after - before), metric: "rss" };
  } finally {
    signal?.removeEventListener("abort", kill);
    process.removeListener("exit", kill);
    kill();
  }
}

async function processes(count: number, signal?: AbortSignal): Promise<Pick<MemoryPerUnit, "totalBytes" | "metric">> {
  const children: ChildProcess[] = [];
  const kill = (): void => children.forEach(killIfRunning);
  process.once("exit", kill);
  try {
    for (let i = 0; i < count; i++) {
      throwIfAborted(signal);
      // An idle Node process that says it is ready and then waits for its parent to go.
      const child = spawn(process.execPath, ["-e", "process.stdout.write('ready'); process.stdin.resume(); process.stdin.on('end', () => process.exit(0));"], {
        stdio: ["pipe", "pipe", "ignore"],
        // Out of the kernel's process group: an interrupt aborts through the signal, not by
        // killing children mid-measurement. It still ends when its stdin (this process) closes.
        detached: true,
      });
      children.push(child);
      await new Promise<void>((resolve, reject) => {
        child.stdout?.once("data", () => resolve());
        child.once("error", reject);
        child.once("exit", (code) => reject(new Error(`an idle child process exited with code ${code}`)));
      });
    }
    await sleep(200);
    const pss = children.map((c) => processMemoryBytes(c.pid ?? -1, "Pss"));
    if (pss.every((v): v is number => v !== undefined)) return { totalBytes: pss.reduce((a, b) => a + b, 0), metric: "pss" };
    const rss = children.map((c) => processMemoryBytes(c.pid ?? -1, "Rss") ?? 0);
    return { totalBytes: rss.reduce((a, b) => a + b, 0), metric: "rss-children" };
  } finally {
    kill();
    process.removeListener("exit", kill);
    await Promise.all(children.map(exited));
  }
}

/**
 * Starts `count` units of one kind, idle, and measures the memory they add.
 * @param strategy `async` (up to 1,000,000), `threads` or `processes` (up to 64).
 */
export async function measureMemory(strategy: MemoryUnit, count: number, options: { signal?: AbortSignal } = {}): Promise<MemoryPerUnit> {
  if (strategy !== "async" && strategy !== "threads" && strategy !== "processes") {
    throw rangeError("strategy", 'one of "async", "threads", "processes"', strategy, "memory per unit is measured for those three");
  }
  checkInteger("count", count, 1, LIMITS[strategy], `start between 1 and ${LIMITS[strategy]} ${strategy === "async" ? "tasks" : strategy}`);
  throwIfAborted(options.signal);
  const progress = progressOf(`memory of ${count} idle ${strategy === "async" ? "async tasks" : strategy}`);
  progress.step("starting them");
  let measured: Pick<MemoryPerUnit, "totalBytes" | "metric">;
  try {
    measured =
      strategy === "async" ? await asyncTasks(count) : strategy === "threads" ? await threads(count, options.signal) : await processes(count, options.signal);
    if (options.signal?.aborted) throw new AbortError();
  } catch (error) {
    progress.fail(error);
    throw error;
  }
  progress.done(`${measured.metric} measured`);
  return { strategy, count, bytesPerUnit: measured.totalBytes / count, ...measured };
}
