/**
 * The strategies that run every copy on the kernel's own JavaScript thread: `sequential` (one
 * after another), `eventLoop` (all started together with Promise.all, the Node picture of threads
 * under a GIL) and `async` (awaitable tasks interleaved on the event loop, the picture of asyncio).
 * All three call the task through the same `invoke` function, built once from the task's text, so
 * V8 compiles one copy of it for all of them.
 */
import { AbortError, StrategyUnavailableError, TaskError, TaskTimeoutError } from "../errors";
import { nowMs, turnEventLoop } from "../measure/clock";
import { settleWithin } from "../runtime/deadline";
import { cpuBetween, threadCpuMs } from "../measure/thread-cpu";
import { instantiate, type AnyTask } from "../tasks/instantiate";
import { portable } from "../tasks/task-source";
import type { RunnerContext, RunRecord, StrategyRunner, TaskRecord } from "./strategy";

type MainStrategy = "sequential" | "eventLoop" | "async";

/**
 * Sequential copies of a synchronous task await only resolved promises, so the event loop would
 * not turn between them and an abort (a kernel interrupt is a signal, handled by the loop) would
 * wait for the whole experiment. The loop gets a turn between copies once this much time has
 * passed since the last one: often enough to stop within one copy, rarely enough not to weigh
 * on the timing of many short copies.
 */
const TURN_EVERY_MS = 20;

function raceAbortAndTimeout<T>(promise: Promise<T>, context: RunnerContext, strategy: string): Promise<T> {
  return settleWithin(promise, context.signal, context.timeoutMs, () => new TaskTimeoutError(context.task.name, strategy, context.timeoutMs));
}

class MainThreadRunner implements StrategyRunner {
  private readonly fn: AnyTask;

  constructor(
    readonly key: MainStrategy,
    private readonly context: RunnerContext,
  ) {
    this.fn = instantiate(portable(context.task));
  }

  /** Runs one copy and records it. Synchronous tasks run to completion before this returns a promise. */
  private invoke(copy: number): Promise<TaskRecord> {
    const cpuBefore = threadCpuMs();
    const startMs = nowMs();
    let value: unknown;
    try {
      value = this.fn(...this.context.args);
    } catch (error) {
      return Promise.reject(this.wrap(error));
    }
    const record = (result: unknown): TaskRecord => ({ copy, startMs, endMs: nowMs(), laneKind: "main", pid: process.pid, threadId: 0, result });
    // A synchronous copy had the thread to itself: its CPU time is its own. Awaiting copies share it.
    if (!(value instanceof Promise)) {
      const cpuMs = cpuBetween(cpuBefore, threadCpuMs());
      return Promise.resolve({ ...record(value), ...(cpuMs === undefined ? {} : { cpuMs }) });
    }
    return raceAbortAndTimeout(value, this.context, this.key).then(record, (error: unknown) => Promise.reject(this.wrap(error)));
  }

  private wrap(error: unknown): Error {
    if (error instanceof AbortError || error instanceof TaskError) return error;
    const err = error instanceof Error ? error : new Error(String(error));
    return new TaskError(this.context.task.name, this.key, err.message, { cause: err });
  }

  private async all(): Promise<TaskRecord[]> {
    const { copies, signal } = this.context;
    if (signal.aborted) throw new AbortError();
    if (this.key === "sequential") {
      const records: TaskRecord[] = [];
      let turnedAt = nowMs();
      for (let copy = 0; copy < copies; copy++) {
        if (copy > 0 && nowMs() - turnedAt >= TURN_EVERY_MS) {
          await turnEventLoop();
          turnedAt = nowMs();
        }
        if (signal.aborted) throw new AbortError();
        records.push(await this.invoke(copy));
      }
      return records;
    }
    // Started together: each copy begins in its own microtask; CPU work still runs one at a time.
    return Promise.all(Array.from({ length: copies }, (_, copy) => Promise.resolve().then(() => this.invoke(copy))));
  }

  async prepare(warmupRounds: number): Promise<void> {
    if (this.key === "async") {
      const probe = this.fn(...this.context.args);
      if (!(probe instanceof Promise)) {
        throw new StrategyUnavailableError(
          `strategy async runs awaitable tasks (functions returning a Promise), but ${this.context.task.name} returned ${typeof probe}: ` +
            "a synchronous task on one thread cannot interleave; use eventLoop to see that, or threads to run it in parallel",
        );
      }
      await raceAbortAndTimeout(probe, this.context, this.key).catch((error: unknown) => Promise.reject(this.wrap(error)));
    }
    for (let round = 0; round < warmupRounds; round++) {
      await turnEventLoop(); // untimed: an interrupt during warm-up stops it here
      if (this.context.signal.aborted) throw new AbortError();
      await this.invoke(-1);
    }
  }

  async runOnce(): Promise<RunRecord> {
    const startMs = nowMs();
    const tasks = await this.all();
    const endMs = nowMs();
    return { startMs, endMs, wallMs: endMs - startMs, tasks };
  }

  async dispose(): Promise<void> {
    // nothing started
  }
}

export function createMainThreadRunner(key: MainStrategy, context: RunnerContext): StrategyRunner {
  return new MainThreadRunner(key, context);
}
