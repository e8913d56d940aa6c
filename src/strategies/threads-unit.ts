/**
 * The `threads` strategy's unit: a worker thread, a new V8 isolate and event loop. Its start-up is
 * timed to the first line it runs; idle ones are measured in a fresh Node process (in a process
 * that ran workers before, new ones reuse freed pages that are still resident, and undercount);
 * two of them pass the turn through a SharedArrayBuffer, each asleep in `Atomics.wait` until the
 * other's `Atomics.notify` wakes it: a switch the OS scheduler makes.
 */
import { spawn } from "node:child_process";
import { Worker } from "node:worker_threads";
import { throwIfAborted } from "../errors";
import { nowMs } from "../measure/clock";
import { killIfRunning } from "../runtime/child-life";
import { settleWithin } from "../runtime/deadline";
import { terminateWorkers } from "../runtime/stop-workers";
import { HANDOFF_SAMPLE_LIMIT_MS, type IdleMemory, type UnitOperations } from "./unit-operations";

function startOne(): Promise<number> {
  return new Promise((resolve, reject) => {
    const asked = nowMs();
    const worker = new Worker("require('node:worker_threads').parentPort.postMessage(performance.timeOrigin + performance.now());", { eval: true });
    worker.once("message", (firstLineMs: number) => {
      void worker.terminate().then(() => resolve(firstLineMs - asked));
    });
    worker.once("error", reject);
  });
}

/** Starts `count` idle worker threads and reports how much its resident memory grew. */
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

async function idle(count: number, signal?: AbortSignal): Promise<IdleMemory> {
  // Detached: an interrupt aborts through the signal. The probe exits by itself once it has measured.
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

/** Runs in each worker: waits for the start, then `rounds` times waits for its turn and passes it on. */
const THREAD_PLAYER = `
const { workerData, parentPort } = require("node:worker_threads");
const { buffer, me, rounds } = workerData;
const turn = new Int32Array(buffer);
const other = 1 - me;
const NOBODY = 2;
parentPort.postMessage("ready");
while (Atomics.load(turn, 0) === NOBODY) Atomics.wait(turn, 0, NOBODY);
const started = performance.now();
for (let i = 0; i < rounds; i++) {
  while (Atomics.load(turn, 0) !== me) Atomics.wait(turn, 0, other);
  Atomics.store(turn, 0, other);
  Atomics.notify(turn, 0);
}
if (me === 0) while (Atomics.load(turn, 0) !== me) Atomics.wait(turn, 0, other);
parentPort.postMessage(performance.now() - started);
`;

/** A reader of a worker's messages, in order, that rejects once the worker fails or exits. */
function messagesOf(worker: Worker): () => Promise<unknown> {
  const queue: unknown[] = [];
  let wake: (() => void) | undefined;
  const failed = new Promise<never>((_, reject) => {
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`a worker thread of the switching experiment exited early (code ${code})`)));
  });
  failed.catch(() => undefined); // terminated on purpose once the sample is over
  worker.on("message", (value: unknown) => {
    queue.push(value);
    wake?.();
  });
  return async (): Promise<unknown> => {
    while (queue.length === 0) await Promise.race([new Promise<void>((resolve) => (wake = resolve)), failed]);
    return queue.shift();
  };
}

async function handOff(handoffs: number, signal: AbortSignal): Promise<{ msPerHandoff: number }> {
  const buffer = new SharedArrayBuffer(4);
  const turn = new Int32Array(buffer);
  Atomics.store(turn, 0, 2);
  const rounds = handoffs / 2;
  const workers = [0, 1].map((me) => new Worker(THREAD_PLAYER, { eval: true, workerData: { buffer, me, rounds } }));
  try {
    const messages = workers.map(messagesOf);
    const work = (async (): Promise<number> => {
      await Promise.all(messages.map((next) => next()));
      Atomics.store(turn, 0, 0);
      Atomics.notify(turn, 0);
      const [elapsed] = await Promise.all(messages.map((next) => next()));
      return Number(elapsed) / handoffs;
    })();
    const stuck = (): Error => new Error(`the worker threads of the switching experiment did not finish ${handoffs} handoffs in ${HANDOFF_SAMPLE_LIMIT_MS / 1000} s`);
    return { msPerHandoff: await settleWithin(work, signal, HANDOFF_SAMPLE_LIMIT_MS, stuck) };
  } finally {
    await terminateWorkers(workers);
  }
}

export const THREADS_UNIT: UnitOperations = {
  measuredIn: "node",
  name: "worker thread",
  plural: "worker threads",
  maxIdle: 64,
  defaultHandoffs: 2000,
  start: startOne,
  idle,
  handOff,
};
