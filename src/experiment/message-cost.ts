/**
 * What a message to a worker thread costs, by size: an ArrayBuffer sent by structured clone (copied
 * each way), moved by a transfer list (its memory changes owner, nothing is copied), or a
 * SharedArrayBuffer (only a handle travels; both threads see one memory). Round trips to one
 * worker that sends back what it got the same way; sizes and ways interleaved within each repeat.
 * Started through startExperiment: an interrupted cell aborts it and the worker is terminated.
 */
import { Worker } from "node:worker_threads";
import { AbortError, rangeError, throwIfAborted } from "../errors";
import { nowMs, turnEventLoop } from "../measure/clock";
import { ContentionMeter } from "../measure/contention";
import { summarize, type Stat } from "../measure/stats";
import { progressOf, startExperiment } from "../runtime/lifecycle";
import { pythonScript, runPythonMeasurement, type PythonMeasureOptions } from "./python-script";

export type MessageWay = "clone" | "transfer" | "shared";
export const MESSAGE_WAYS: readonly MessageWay[] = ["clone", "transfer", "shared"];

/** Largest payload measured: 64 MiB (a clone holds three copies at once for a moment). */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export interface MessagePoint {
  readonly way: MessageWay | "python-pickle";
  readonly bytes: number;
  /** Round trip (there and back), ms. */
  readonly roundTripMs: Stat;
  /** Share of the machine's CPU time other programs used while this size was measured (0 to 1); null where unknown. */
  readonly contention?: number | null;
}

export interface MessageCostOptions {
  /** Payload sizes in bytes, 1 to MAX_MESSAGE_BYTES. */
  readonly sizes: readonly number[];
  /** Timed round trips at a size: fewer for large payloads. @default repeatsFor */
  readonly repeats?: (bytes: number) => number;
  readonly signal?: AbortSignal;
}

/** 30 round trips up to 1 MiB, 10 up to 16 MiB, 5 above. */
export function repeatsFor(bytes: number): number {
  return bytes <= 1 << 20 ? 30 : bytes <= 16 << 20 ? 10 : 5;
}

const ECHO = `
const { parentPort } = require("node:worker_threads");
parentPort.on("message", (m) => {
  if (m.way === "transfer") parentPort.postMessage(m, [m.buf]);
  else parentPort.postMessage(m);
});`;

/** Round trips of each size, each way, to one worker thread that echoes them. */
export function messageCosts(options: MessageCostOptions): Promise<MessagePoint[]> {
  const sizes = options?.sizes;
  if (!Array.isArray(sizes) || sizes.length === 0) throw rangeError("options.sizes", "a non-empty array of byte counts", sizes, "e.g. [1024, 1048576]");
  sizes.forEach((b, i) => {
    if (!Number.isInteger(b) || b < 1 || b > MAX_MESSAGE_BYTES) throw rangeError(`options.sizes[${i}]`, `a whole number of bytes from 1 to ${MAX_MESSAGE_BYTES}`, b, "e.g. 1024");
  });
  const repeats = options.repeats ?? repeatsFor;
  throwIfAborted(options.signal);
  return startExperiment(async (controller) => {
    const signal = controller.signal;
    options.signal?.addEventListener("abort", () => controller.abort(), { once: true });
    const progress = progressOf("message costs: clone, transfer, shared");
    const worker = new Worker(ECHO, { eval: true });
    worker.unref();
    let pending: { resolve: (m: { way: MessageWay; buf: ArrayBuffer | SharedArrayBuffer }) => void; reject: (e: Error) => void } | null = null;
    worker.on("message", (m) => pending?.resolve(m));
    worker.on("error", (e) => pending?.reject(e));
    const onAbort = (): void => pending?.reject(new AbortError());
    signal.addEventListener("abort", onAbort, { once: true });
    const roundTrip = (way: MessageWay, buf: ArrayBuffer | SharedArrayBuffer): Promise<{ ms: number; buf: ArrayBuffer | SharedArrayBuffer }> =>
      new Promise((resolve, reject) => {
        const start = nowMs();
        pending = { resolve: (m) => resolve({ ms: nowMs() - start, buf: m.buf }), reject };
        if (way === "transfer") worker.postMessage({ way, buf }, [buf as ArrayBuffer]);
        else worker.postMessage({ way, buf });
      });
    try {
      const samples = new Map<string, number[]>();
      const contention = new Map<number, number | null>();
      for (const bytes of sizes) {
        const meter = new ContentionMeter();
        meter.start();
        throwIfAborted(signal);
        progress.step(`${bytes} bytes`, sizes.indexOf(bytes) / sizes.length);
        let buffers: Record<MessageWay, ArrayBuffer | SharedArrayBuffer> = {
          clone: new ArrayBuffer(bytes),
          transfer: new ArrayBuffer(bytes),
          shared: new SharedArrayBuffer(bytes),
        };
        for (const way of MESSAGE_WAYS) samples.set(`${way}:${bytes}`, []);
        const n = repeats(bytes);
        // Transfer and shared interleaved first, then the clones: a clone leaves megabytes of
        // garbage whose collection would otherwise land on the next transfer's round trip.
        for (const group of [["transfer", "shared"], ["clone"]] as MessageWay[][]) {
          for (let r = -1; r < n; r++) {
            const shift = Math.max(0, r) % group.length;
            for (const way of [...group.slice(shift), ...group.slice(0, shift)]) {
              throwIfAborted(signal);
              const { ms, buf } = await roundTrip(way, buffers[way]);
              if (way === "transfer") buffers = { ...buffers, transfer: buf };
              if (r >= 0) samples.get(`${way}:${bytes}`)!.push(ms);
            }
            await turnEventLoop();
          }
        }
        contention.set(bytes, meter.stop().foreign);
      }
      progress.done(`${sizes.length} sizes × 3 ways`);
      return sizes.flatMap((bytes) => MESSAGE_WAYS.map((way) => ({ way, bytes, roundTripMs: summarize(samples.get(`${way}:${bytes}`)!), contention: contention.get(bytes) ?? null })));
    } catch (error) {
      progress.fail(error);
      throw error;
    } finally {
      signal.removeEventListener("abort", onAbort);
      await worker.terminate();
    }
  });
}

/**
 * The slope of log(time) against log(bytes) over `points` of one way (least squares), once per
 * repeat (the i-th sample at each size), so its spread gives an interval: about 1 when the cost
 * grows in proportion to the size, about 0 when it does not depend on it. Uses the first
 * min(repeats) samples of each size.
 */
export function sizeSlopes(points: readonly { readonly bytes: number; readonly roundTripMs: Stat }[]): number[] {
  if (points.length < 2) return [];
  const xs = points.map((p) => Math.log(p.bytes));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sxx = xs.reduce((s, x) => s + (x - mx) ** 2, 0);
  if (sxx === 0) return [];
  const n = Math.min(...points.map((p) => p.roundTripMs.samples.length));
  const slopes: number[] = [];
  for (let r = 0; r < n; r++) {
    const ys = points.map((p) => Math.log(Math.max(1e-6, p.roundTripMs.samples[r]!)));
    const my = ys.reduce((a, b) => a + b, 0) / ys.length;
    slopes.push(xs.reduce((s, x, i) => s + (x - mx) * (ys[i]! - my), 0) / sxx);
  }
  return slopes;
}

/**
 * CPython beside it: round trips of a bytes payload of each size to a process started by
 * multiprocessing, through a Pipe (pickled each way), from conclab/python/granularity.py. Rejects
 * with StrategyUnavailableError without CPython 3.8+.
 */
export async function pythonPickleCosts(sizes: readonly number[], repeats: (bytes: number) => number = repeatsFor, options: PythonMeasureOptions = {}): Promise<MessagePoint[]> {
  const request = { cmd: "pickle_pipe", sizes, repeats: Object.fromEntries(sizes.map((b) => [String(b), repeats(b)])) };
  const reply = await runPythonMeasurement("CPython's pickled messages to a process", request, { timeoutMs: 120_000, ...options }, pythonScript("granularity.py"));
  const points = reply.result.points as { bytes: number; samplesMs: number[] }[];
  return points.map((p) => ({ way: "python-pickle" as const, bytes: p.bytes, roundTripMs: summarize(p.samplesMs) }));
}
