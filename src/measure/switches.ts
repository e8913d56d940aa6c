/**
 * measureSwitches(): what it costs to hand the turn from one unit of concurrency to another, the
 * "switching" of the article's table. Two units pass a turn back and forth and the time per
 * handoff is taken inside them, after both have started:
 * - async: two async functions on one thread, each awaiting at every step, so the event loop's
 *   microtask queue resumes them in turn: a cooperative switch, with no operating system involved
 *   (and, beside it, the same through a full turn of the event loop: each awaits a setImmediate,
 *   as an asyncio task's switch goes through its loop);
 * - threads: two worker threads that pass the turn through a SharedArrayBuffer, each asleep in
 *   `Atomics.wait` until the other's `Atomics.notify` wakes it: a switch the OS scheduler makes;
 * - processes: two child Node processes that pass one byte through a pair of named pipes, each
 *   asleep in a blocking read until the other writes: the same, between two address spaces.
 */
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { checkInteger, rangeError, throwIfAborted } from "../errors";
import { killIfRunning } from "../runtime/child-life";
import { terminateWorkers } from "../runtime/stop-workers";
import { settleWithin } from "../runtime/deadline";
import { progressOf } from "../runtime/lifecycle";
import { nowMs, turnEventLoop } from "./clock";
import type { MemoryUnit } from "./memory-per-unit";

export interface SwitchSamples {
  readonly strategy: MemoryUnit;
  /** Handoffs timed in each sample. */
  readonly handoffs: number;
  /** Milliseconds per handoff, one per sample, in order. */
  readonly samplesMs: readonly number[];
  /**
   * For `async` only: milliseconds per handoff when each task awaits a `setImmediate` instead, so
   * every switch passes through a turn of the event loop (a macrotask), one per sample, in order.
   */
  readonly eventLoopTurnMs?: readonly number[];
}

/** Handoffs per sample of the event-loop-turn variant of `async`. */
const TURN_HANDOFFS = 20_000;

/** Handoffs per sample that take a few milliseconds on a laptop: awaits are ~1000x cheaper than OS wake-ups. */
export const DEFAULT_HANDOFFS: Readonly<Record<MemoryUnit, number>> = { async: 100_000, threads: 2000, processes: 2000 };

/** Longest one sample may take before it is called stuck (a unit that died leaves its partner asleep). */
const SAMPLE_LIMIT_MS = 30_000;

async function asyncSample(handoffs: number): Promise<number> {
  // Each await queues the task's resumption behind the other task's: they run in turn.
  const rounds = handoffs / 2;
  const player = async (): Promise<void> => {
    for (let i = 0; i < rounds; i++) await null;
  };
  const started = nowMs();
  await Promise.all([player(), player()]);
  return (nowMs() - started) / handoffs;
}

/** Like asyncSample, but each task awaits a setImmediate: every switch goes through a turn of the event loop. */
async function turnSample(handoffs: number): Promise<number> {
  const rounds = handoffs / 2;
  const player = async (): Promise<void> => {
    for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  };
  const started = nowMs();
  await Promise.all([player(), player()]);
  return (nowMs() - started) / handoffs;
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

async function threadSample(handoffs: number, signal: AbortSignal): Promise<number> {
  const buffer = new SharedArrayBuffer(4);
  const turn = new Int32Array(buffer);
  Atomics.store(turn, 0, 2);
  const rounds = handoffs / 2;
  const workers = [0, 1].map((me) => new Worker(THREAD_PLAYER, { eval: true, workerData: { buffer, me, rounds } }));
  try {
    const messages = workers.map((worker) => {
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
    });
    const work = (async (): Promise<number> => {
      await Promise.all(messages.map((next) => next()));
      Atomics.store(turn, 0, 0);
      Atomics.notify(turn, 0);
      const [elapsed] = await Promise.all(messages.map((next) => next()));
      return Number(elapsed) / handoffs;
    })();
    return await settleWithin(work, signal, SAMPLE_LIMIT_MS, () => new Error(`the worker threads of the switching experiment did not finish ${handoffs} handoffs in ${SAMPLE_LIMIT_MS / 1000} s`));
  } finally {
    await terminateWorkers(workers);
  }
}

/** Runs in each child: opens its two pipes (in an order that cannot deadlock), then plays its rounds. */
const PROCESS_PLAYER = `
const fs = require("node:fs");
const [role, aToB, bToA, rounds] = process.argv.slice(1);
const first = role === "a";
const out = first ? fs.openSync(aToB, "w") : null;
const input = fs.openSync(first ? bToA : aToB, "r");
const output = out ?? fs.openSync(bToA, "w");
const byte = Buffer.alloc(1);
const started = performance.now();
for (let i = 0; i < Number(rounds); i++) {
  if (first) { fs.writeSync(output, byte); fs.readSync(input, byte); }
  else { fs.readSync(input, byte); fs.writeSync(output, byte); }
}
if (first) process.stdout.write(String(performance.now() - started));
`;

function mkfifo(file: string): void {
  try {
    execFileSync("mkfifo", [file], { stdio: "ignore" });
  } catch (error) {
    throw new Error(`the switching experiment between processes needs named pipes (the mkfifo command of Linux and macOS), and could not make one: ${(error as Error).message}`, { cause: error });
  }
}

async function processSample(handoffs: number, signal: AbortSignal): Promise<number> {
  const dir = mkdtempSync(path.join(tmpdir(), "conclab-switch-"));
  const children: ChildProcess[] = [];
  try {
    const [aToB, bToA] = [path.join(dir, "a-to-b"), path.join(dir, "b-to-a")];
    mkfifo(aToB);
    mkfifo(bToA);
    const exits = (["a", "b"] as const).map((role) => {
      // Out of the kernel's process group: an interrupt aborts through the signal and kills both.
      const child = spawn(process.execPath, ["-e", PROCESS_PLAYER, role, aToB, bToA, String(handoffs / 2)], { stdio: ["ignore", "pipe", "pipe"], detached: true });
      children.push(child);
      let out = "";
      let err = "";
      child.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString()));
      child.stderr?.on("data", (chunk: Buffer) => (err += chunk.toString()));
      return new Promise<string>((resolve, reject) => {
        child.once("error", reject);
        child.once("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`a child process of the switching experiment exited with code ${code}: ${err.trim().slice(-300)}`))));
      });
    });
    const work = Promise.all(exits).then(([out]) => Number(out) / handoffs);
    return await settleWithin(work, signal, SAMPLE_LIMIT_MS, () => new Error(`the child processes of the switching experiment did not finish ${handoffs} handoffs in ${SAMPLE_LIMIT_MS / 1000} s`));
  } finally {
    children.forEach(killIfRunning);
    rmSync(dir, { recursive: true, force: true });
  }
}

const UNITS: readonly MemoryUnit[] = ["async", "threads", "processes"];

export interface SwitchOptions {
  /** Rounds to take at least; each round takes one sample of every unit, in turn (default 5). */
  readonly rounds?: number;
  /** Handoffs per sample, by unit (defaults: DEFAULT_HANDOFFS). */
  readonly handoffs?: Partial<Record<MemoryUnit, number>>;
  /**
   * Called after each round from `rounds` on with the samples so far: while it returns false,
   * another round is taken, up to `maxRounds`.
   */
  readonly until?: (sofar: readonly SwitchSamples[]) => boolean;
  /** Most rounds taken with `until` (default 3 × rounds). */
  readonly maxRounds?: number;
  readonly signal?: AbortSignal;
}

function checkHandoffs(unit: MemoryUnit, value: unknown): number {
  const fix = `pass an even number, e.g. { handoffs: { ${unit}: ${DEFAULT_HANDOFFS[unit]} } }`;
  const handoffs = checkInteger(`options.handoffs.${unit}`, value, 2, 10_000_000, fix);
  if (handoffs % 2 !== 0) throw rangeError(`options.handoffs.${unit}`, "an even integer (each round trip is one handoff there and one back)", handoffs, fix);
  return handoffs;
}

/**
 * Measures the time per handoff between two units of each of `units`, round after round, the
 * units interleaved within a round so that what disturbs the machine hits them alike (compare
 * them by round). Threads and processes start anew for every sample; their start is not timed.
 */
export async function measureSwitches(units: readonly MemoryUnit[] = UNITS, options: SwitchOptions = {}): Promise<SwitchSamples[]> {
  if (!Array.isArray(units as unknown) || units.length === 0) throw rangeError("units", 'a non-empty list of "async", "threads", "processes"', units, 'pass e.g. ["async", "threads"]');
  const bad = units.find((unit) => !UNITS.includes(unit));
  if (bad !== undefined) throw rangeError("units", 'a list of "async", "threads", "processes"', bad, "switching is measured between two units of one of those kinds");
  const rounds = checkInteger("options.rounds", options.rounds ?? 5, 1, 100, "take between 1 and 100 rounds (5 is plenty)");
  const maxRounds = options.until ? checkInteger("options.maxRounds", options.maxRounds ?? 3 * rounds, rounds, 300, `pass at least options.rounds (${rounds})`) : rounds;
  const handoffs = new Map(units.map((unit) => [unit, checkHandoffs(unit, options.handoffs?.[unit] ?? DEFAULT_HANDOFFS[unit])]));
  const signal = options.signal ?? new AbortController().signal;
  const samples = new Map(units.map((unit) => [unit, [] as number[]]));
  const turns: number[] = [];
  const sofar = (): SwitchSamples[] =>
    units.map((unit) => ({ strategy: unit, handoffs: handoffs.get(unit)!, samplesMs: [...samples.get(unit)!], ...(unit === "async" ? { eventLoopTurnMs: [...turns] } : {}) }));
  const progress = progressOf(`switching between two ${units.join(", ")}`);
  try {
    for (let round = 0; round < maxRounds; round++) {
      if (round >= rounds && options.until?.(sofar())) break;
      for (const unit of units) {
        throwIfAborted(signal);
        progress.step(`round ${round + 1}, ${unit}`, round / maxRounds);
        const n = handoffs.get(unit)!;
        samples.get(unit)!.push(unit === "async" ? await asyncSample(n) : unit === "threads" ? await threadSample(n, signal) : await processSample(n, signal));
        if (unit === "async") turns.push(await turnSample(TURN_HANDOFFS));
        // An async sample never leaves the microtask queue: let an interrupt in between samples.
        await turnEventLoop();
      }
    }
  } catch (error) {
    progress.fail(error);
    throw error;
  }
  const result = sofar();
  progress.done(`${result[0]!.samplesMs.length} rounds`);
  return result;
}
