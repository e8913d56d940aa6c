/**
 * The `async` strategy's unit: an async task on the kernel's thread. Calling an async function runs
 * its body at once, up to its first await, so its start-up is the call and its promise; idle, it is
 * a promise and its closure on this thread's V8 heap; two of them hand the turn over through the
 * microtask queue (each awaiting at every step), a cooperative switch with no operating system in it.
 */
import * as v8 from "node:v8";
import * as vm from "node:vm";
import { nowMs } from "../measure/clock";
import type { IdleMemory, UnitOperations } from "./unit-operations";

/** Handoffs per sample of the event-loop-turn variant. */
const TURN_HANDOFFS = 20_000;

let collect: (() => void) | undefined;
/** A full garbage collection, so that heap readings compare like with like. */
function gc(): void {
  if (!collect) {
    v8.setFlagsFromString("--expose-gc");
    collect = vm.runInNewContext("gc") as () => void;
  }
  collect();
}

async function startOne(): Promise<number> {
  const asked = nowMs();
  return (async () => nowMs() - asked)();
}

async function idle(count: number): Promise<IdleMemory> {
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

/** Two tasks take turns `handoffs` times, each awaiting `step` at every turn; ms per handoff. */
async function playTurns(handoffs: number, step: () => Promise<unknown> | null): Promise<number> {
  const rounds = handoffs / 2;
  const player = async (): Promise<void> => {
    for (let i = 0; i < rounds; i++) await step();
  };
  const started = nowMs();
  await Promise.all([player(), player()]);
  return (nowMs() - started) / handoffs;
}

export const ASYNC_UNIT: UnitOperations = {
  measuredIn: "node",
  name: "async task",
  plural: "async tasks",
  maxIdle: 1_000_000,
  // awaits are ~1000x cheaper than OS wake-ups
  defaultHandoffs: 100_000,
  start: startOne,
  idle,
  async handOff(handoffs) {
    // Each await queues the task's resumption behind the other task's: they run in turn.
    const msPerHandoff = await playTurns(handoffs, () => null);
    // The same through a macrotask each time, as an asyncio task's switch goes through its loop.
    const eventLoopTurnMs = await playTurns(TURN_HANDOFFS, () => new Promise<void>((resolve) => setImmediate(resolve)));
    return { msPerHandoff, eventLoopTurnMs };
  },
};
