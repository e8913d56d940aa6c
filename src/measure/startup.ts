/**
 * measureStartup(): how long it takes to get a new unit of concurrency running, from asking for
 * it to its first line of code: an async task (calling an async function runs its body at once,
 * up to its first await: the cost is the call and its promise), a worker thread (a new V8 isolate
 * and event loop), a child process (a whole new Node).
 */
import { spawn } from "node:child_process";
import { Worker } from "node:worker_threads";
import { checkInteger, rangeError, throwIfAborted } from "../errors";
import { progressOf } from "../runtime/lifecycle";
import { nowMs } from "./clock";
import type { MemoryUnit } from "./memory-per-unit";

export interface StartupSamples {
  readonly strategy: MemoryUnit;
  /** Milliseconds from the request to the unit's first line, one per sample, in order. */
  readonly samplesMs: readonly number[];
}

async function asyncOnce(): Promise<number> {
  const asked = nowMs();
  return (async () => nowMs() - asked)();
}

function threadOnce(): Promise<number> {
  return new Promise((resolve, reject) => {
    const asked = nowMs();
    const worker = new Worker("require('node:worker_threads').parentPort.postMessage(performance.timeOrigin + performance.now());", { eval: true });
    worker.once("message", (firstLineMs: number) => {
      void worker.terminate().then(() => resolve(firstLineMs - asked));
    });
    worker.once("error", reject);
  });
}

function processOnce(): Promise<number> {
  return new Promise((resolve, reject) => {
    const asked = nowMs();
    const child = spawn(process.execPath, ["-e", "process.stdout.write(String(performance.timeOrigin + performance.now()))"], {
      stdio: ["ignore", "pipe", "ignore"],
      // Out of the kernel's process group: an interrupt must abort through the signal, not fail a sample.
      detached: true,
    });
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve(Number(out) - asked) : reject(new Error(`a child Node process exited with code ${code}`))));
  });
}

/**
 * Starts `samples` units one after another (each ended before the next) and returns each start-up
 * latency. Processes take the longest: keep `samples` modest (default 20).
 */
export async function measureStartup(strategy: MemoryUnit, samples = 20, options: { signal?: AbortSignal } = {}): Promise<StartupSamples> {
  if (strategy !== "async" && strategy !== "threads" && strategy !== "processes") {
    throw rangeError("strategy", 'one of "async", "threads", "processes"', strategy, "start-up is measured for those three");
  }
  checkInteger("samples", samples, 1, 1000, "take between 1 and 1000 samples (20 is plenty)");
  const once = strategy === "async" ? asyncOnce : strategy === "threads" ? threadOnce : processOnce;
  const samplesMs: number[] = [];
  const progress = progressOf(`start-up of ${strategy}`);
  try {
    for (let i = 0; i < samples; i++) {
      throwIfAborted(options.signal);
      progress.step(`sample ${i + 1} of ${samples}`, i / samples);
      samplesMs.push(await once());
    }
  } catch (error) {
    progress.fail(error);
    throw error;
  }
  progress.done(`${samples} samples`);
  return { strategy, samplesMs };
}
