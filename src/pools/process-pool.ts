/**
 * A pool of child processes for the `processes` strategy: worker-farm 1.7, wrapped so that its
 * traps cannot reach a reader. One call per child at a time, no retries (its default respawns a
 * crashing task forever), Promises awaited in the child, errors mapped to conclab's, children
 * killed on abort, on destroy, when this process exits, and (by the child itself) when it dies.
 */
import type { ChildProcess } from "node:child_process";
import * as path from "node:path";
import { AbortError, TaskError, TaskTimeoutError, checkInteger } from "../errors";
import type { TaskRecord } from "../tasks/record";
import { closureHint } from "../tasks/task-source";
import type { TaskMessage } from "../workers/execute";
import { TASK_ERROR_MARK } from "../workers/process-child";
import { exited, isRunning, killIfRunning, PARENT_PID_ENV } from "../runtime/child-life";
import { withinGrace } from "../runtime/deadline";
import { checkPoolSize, MAX_TIMER_MS, type PoolState, type ProcessPool } from "./pool-contract";
import { PoolLife } from "./pool-life";

/** The parts of worker-farm's Farm (lib/farm.js, 1.7.0) this wrapper uses; it has no types. */
interface FarmCall {
  readonly callback: FarmCallback;
}
interface FarmChild {
  readonly child: ChildProcess;
  readonly calls: (FarmCall | undefined)[];
}
interface FarmMessage {
  readonly idx: number;
  readonly child: number;
  readonly args: unknown[];
}
interface FarmOptions {
  maxConcurrentWorkers: number;
  readonly maxConcurrentCallsPerWorker: number;
  readonly maxRetries: number;
  readonly maxCallTime: number;
  readonly autoStart: boolean;
  readonly workerOptions: object;
  readonly onChild: (child: ChildProcess) => void;
}
interface Farm {
  readonly options: FarmOptions;
  readonly children: Record<string, FarmChild>;
  readonly callQueue: FarmCall[];
  setup(methods: readonly string[]): Record<string, (...args: unknown[]) => void>;
  processQueue(): void;
  send(childId: number, call: FarmCall): void;
  receive(data: FarmMessage): void;
  end(): void;
}
type FarmCallback = (error: unknown, record?: TaskRecord) => void;

// The Farm class itself, not worker-farm's index: that one keeps every farm in a module-level
// array forever and hides the children this wrapper must see.
const FarmClass = require("worker-farm/lib/farm") as (new (options: Partial<FarmOptions>, modulePath: string) => Farm) & {
  readonly TimeoutError: new (...args: unknown[]) => Error & { readonly type: "TimeoutError" };
};

const CHILD_MODULE = path.join(__dirname, "..", "workers", "process-child.js");
const STRATEGY = "processes";
const DEFAULT_CALL_TIMEOUT_MS = 60_000;

export interface ProcessPoolOptions {
  /** How many child processes (each runs one call at a time). */
  readonly size: number;
  /** Longest one call may run before its child is killed; @default 60000 */
  readonly callTimeoutMs?: number;
}

export interface ProcessRunOptions {
  /** Aborting rejects the call with AbortError, then destroys the whole pool. */
  readonly signal?: AbortSignal;
  /**
   * Longest this call may run once a child has it, when shorter than the pool's callTimeoutMs
   * (a pool lent to `run` or `compare` honours their timeoutMs this way). Its child is killed.
   */
  readonly timeoutMs?: number;
}

interface PendingCall {
  readonly task: string;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
  timer?: NodeJS.Timeout;
  child?: ChildProcess;
  readonly reject: (error: unknown) => void;
}


export class ChildProcessPool implements ProcessPool {
  private readonly farm: Farm;
  private readonly call: (...args: unknown[]) => void;
  private readonly live = new Set<ChildProcess>();
  /** Children whose V8 heap ran out (they said so on stderr before they aborted). */
  private readonly outOfMemory = new WeakSet<ChildProcess>();
  /** Children the farm or this wrapper is stopping: no call may be sent to them. */
  private readonly dying = new WeakSet<ChildProcess>();
  private requeueScheduled = false;
  private readonly pending = new Map<FarmCallback, PendingCall>();
  private readonly drained = new Set<() => void>();
  private readonly exitHook = (): void => this.killAll();
  private readonly life: PoolLife;
  private forked = 0;

  private constructor(
    readonly size: number,
    readonly callTimeoutMs: number,
  ) {
    this.farm = new FarmClass(
      {
        maxConcurrentWorkers: size,
        maxConcurrentCallsPerWorker: 1,
        maxRetries: 0,
        maxCallTime: callTimeoutMs,
        autoStart: true,
        workerOptions: {
          stdio: ["ignore", "pipe", "pipe", "ipc"],
          execArgv: [],
          // Its own process group: a Jupyter interrupt signals the kernel's whole group, and a
          // child still starting (before it can ignore SIGINT) would die of it. The kernel decides
          // what stops; the child's parent watchdog ends it when the kernel goes.
          detached: true,
          // Structured clone, as for worker threads: undefined, NaN, Map, BigInt survive and a
          // function in a result fails loudly instead of vanishing from JSON.
          serialization: "advanced",
          env: { ...process.env, [PARENT_PID_ENV]: String(process.pid) },
        },
        onChild: (child) => this.adopt(child),
      },
      CHILD_MODULE,
    );
    const send = this.farm.send.bind(this.farm);
    this.farm.send = (childId, call) => {
      const target = this.farm.children[childId]?.child;
      if (target && (this.dying.has(target) || !isRunning(target))) {
        // worker-farm hands queued work to a child in the same turn in which it gives up on it
        // (after a timeout or a crash) and stops it: that call would never be answered. Queue it
        // again and let the farm place it once the child is gone (it starts a replacement).
        this.farm.callQueue.unshift(call);
        this.requeueSoon();
        return;
      }
      const pending = this.pending.get(call.callback);
      if (pending) {
        pending.child = target;
        // A per-call limit shorter than the farm's: counted, like the farm's, from the send.
        if (pending.timeoutMs !== undefined && pending.timeoutMs < this.callTimeoutMs) {
          pending.timer = setTimeout(() => this.timeOut(call.callback), pending.timeoutMs);
        }
      }
      send(childId, call);
    };
    // A child that answers after its call timed out is already forgotten; worker-farm would print
    // "Received message for unknown child" into the reader's output.
    const receive = this.farm.receive.bind(this.farm);
    this.farm.receive = (data) => {
      const entry = this.farm.children[data.child];
      if (!entry?.calls[data.idx]) return;
      const type = (data.args[0] as { type?: string } | null | undefined)?.type;
      // The farm stops a child after these; nothing more may be sent to it.
      if (type === "TimeoutError" || type === "ProcessTerminatedError") this.dying.add(entry.child);
      receive(data);
    };
    process.on("exit", this.exitHook);
    this.life = new PoolLife({
      kind: "process",
      pool: this,
      drain: (timeoutMs) => this.drain(timeoutMs),
      teardown: () => this.teardown(),
    });
    // The child module exports `run` by name; without the list worker-farm calls the module itself.
    this.call = this.farm.setup(["run"]).run;
  }

  /** Starts `size` child processes at once (they load in the background; calls wait for them). */
  static start(options: ProcessPoolOptions): ChildProcessPool {
    const size = checkPoolSize(options?.size, "child processes");
    const callTimeoutMs = checkInteger(
      "options.callTimeoutMs",
      options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS,
      1,
      MAX_TIMER_MS,
      "pass the longest one task may run, in milliseconds",
    );
    return new ChildProcessPool(size, callTimeoutMs);
  }

  get state(): PoolState {
    return this.life.state;
  }

  /** Pids of the children now serving calls. */
  get pids(): number[] {
    if (this.life.ended) return [];
    return Object.values(this.farm.children)
      .map((entry) => entry.child)
      .filter((child) => isRunning(child) && child.pid !== undefined)
      .map((child) => child.pid as number);
  }

  /** How many children were ever forked (size at start, plus one for each replaced child). */
  get spawned(): number {
    return this.forked;
  }

  /** Runs one copy in a child; resolves with its TaskRecord or rejects with a TaskError. */
  run(message: TaskMessage, options: ProcessRunOptions = {}): Promise<TaskRecord> {
    const refused = this.life.refusal();
    if (refused) return Promise.reject(refused);
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(new AbortError());
    let timeoutMs: number | undefined;
    try {
      timeoutMs =
        options.timeoutMs === undefined
          ? undefined
          : checkInteger("options.timeoutMs", options.timeoutMs, 1, MAX_TIMER_MS, "pass the longest this task may run, in milliseconds");
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<TaskRecord>((resolve, reject) => {
      const task = message.task.name;
      const onAbort = (): void => {
        settle();
        reject(new AbortError());
        void this.destroy();
      };
      const settle = (): void => {
        clearTimeout(this.pending.get(callback)?.timer);
        this.pending.delete(callback);
        signal?.removeEventListener("abort", onAbort);
        if (this.pending.size === 0) for (const notify of this.drained) notify();
      };
      const callback: FarmCallback = (error, record) => {
        const call = this.pending.get(callback);
        if (!call) return; // already settled: aborted, timed out or destroyed
        settle();
        if (!error) resolve(record as TaskRecord);
        else if (call.child && (error as { type?: string }).type === "ProcessTerminatedError") {
          // Let the child's last words (an out-of-memory report) arrive before naming the cause.
          void this.drainedOutput(call.child).then(() => reject(this.mapError(error, call)));
        } else reject(this.mapError(error, call));
      };
      this.pending.set(callback, {
        task,
        signal,
        timeoutMs,
        reject: (error) => {
          settle();
          reject(error);
        },
      });
      signal?.addEventListener("abort", onAbort, { once: true });
      this.call(message, callback);
    });
  }

  /** A call past its own timeoutMs: fails it and kills its child (worker-farm starts another on demand). */
  private timeOut(callback: FarmCallback): void {
    const call = this.pending.get(callback);
    if (!call || call.timeoutMs === undefined) return;
    call.reject(new TaskTimeoutError(call.task, STRATEGY, call.timeoutMs));
    if (call.child) {
      this.dying.add(call.child);
      killIfRunning(call.child);
    }
  }

  /** Lets the farm place requeued calls once it has removed the child it was stopping. */
  private requeueSoon(): void {
    if (this.requeueScheduled) return;
    this.requeueScheduled = true;
    setImmediate(() => {
      this.requeueScheduled = false;
      if (!this.life.ended && this.farm.callQueue.length > 0) this.farm.processQueue();
    });
  }

  /** Resolves once a child's stdout and stderr are closed (or after a second, should they stay open). */
  private drainedOutput(child: ChildProcess): Promise<void> {
    const streams = [child.stdout, child.stderr].filter((s): s is NonNullable<typeof s> => s !== null && !s.destroyed && !s.readableEnded);
    if (streams.length === 0) return Promise.resolve();
    return withinGrace(Promise.all(streams.map((s) => new Promise<void>((resolve) => s.once("close", () => resolve())))), 1_000).then(() => undefined);
  }

  /**
   * Lets the calls already made finish, then ends the children. After `timeoutMs` (default 10 s)
   * whatever still runs is killed as by destroy().
   */
  close(options: { timeoutMs?: number } = {}): Promise<void> {
    return this.life.close(options);
  }

  /** Kills every child now (SIGKILL) and resolves once they are gone; calls still running reject. */
  destroy(): Promise<void> {
    return this.life.destroy();
  }

  /** close()'s wait: for the calls made, then for idle children to exit, both within `timeoutMs`. */
  private async drain(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    if (this.pending.size > 0) {
      let notify = (): void => undefined;
      const idle = new Promise<void>((resolve) => (notify = resolve));
      this.drained.add(notify);
      await withinGrace(idle, timeoutMs);
      this.drained.delete(notify);
    }
    // Unless destroy() came meanwhile and already kills them.
    if (this.pending.size === 0 && this.life.state === "closing") {
      this.farm.end(); // tells each idle child to exit, and kills it after 100 ms if it does not
      await withinGrace(Promise.all([...this.live].map(exited)), Math.max(0, deadline - Date.now()));
    }
  }

  /** Rejects the calls still running and kills every child, once (PoolLife calls it on close or destroy). */
  private async teardown(): Promise<void> {
    process.off("exit", this.exitHook);
    // worker-farm starts a child whenever it sees queued work: leave it none and no room for one.
    this.farm.callQueue.length = 0;
    this.farm.options.maxConcurrentWorkers = 0;
    for (const call of [...this.pending.values()]) {
      // Calls sharing the signal that aborted are rejected here, before their own listeners run.
      call.reject(call.signal?.aborted ? new AbortError() : this.life.stoppedWhileRunning(call.task));
    }
    const children = [...this.live];
    this.killAll();
    await Promise.all(children.map(exited));
  }

  /** Kills every child now, synchronously (for exit and signal handlers). */
  killNow(): void {
    this.killAll();
  }

  private killAll(): void {
    for (const child of this.live) {
      killIfRunning(child);
    }
  }

  private adopt(child: ChildProcess): void {
    this.forked += 1;
    this.live.add(child);
    child.once("exit", () => this.live.delete(child));
    // Forked children would print to the server's log; the parent's streams reach the notebook
    // (a kernel patches process.stdout.write), so look them up on every chunk.
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => process.stdout.write(chunk));
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      if (/JavaScript heap out of memory|Reached heap limit/.test(chunk)) this.outOfMemory.add(child);
      process.stderr.write(chunk);
    });
  }

  private mapError(error: unknown, call: PendingCall): Error {
    const { task } = call;
    if (!(error instanceof Error)) return new TaskError(task, STRATEGY, `it failed with ${String(error)}`, { cause: error });
    const fields = error as Error & { type?: string; [TASK_ERROR_MARK]?: boolean };
    if (fields[TASK_ERROR_MARK]) {
      const type = fields.type ?? "Error";
      delete fields[TASK_ERROR_MARK];
      delete fields.type;
      if (error.name !== type) error.name = type;
      const message = type === "ReferenceError" ? `${error.message}; ${closureHint("another process")}` : error.message;
      return new TaskError(task, STRATEGY, message, { cause: error });
    }
    if (error instanceof FarmClass.TimeoutError) return new TaskTimeoutError(task, STRATEGY, this.callTimeoutMs);
    if (fields.type === "ProcessTerminatedError") {
      const child = call.child;
      if (child && this.outOfMemory.has(child)) {
        return new TaskError(
          task,
          STRATEGY,
          `its child process ran out of memory (V8's heap limit, e.g. --max-old-space-size in NODE_OPTIONS) and was stopped (signal ${child.signalCode ?? "none"}); ` +
            "use a smaller size, or raise the limit",
          { cause: error },
        );
      }
      const code = child?.exitCode ?? "none";
      const signal = child?.signalCode ?? "none";
      return new TaskError(
        task,
        STRATEGY,
        `the child process running it exited (code ${code}, signal ${signal}); ` +
          "process.exit() in a task, a crash or running out of memory end it. Return a value or throw an Error instead",
        { cause: error },
      );
    }
    return new TaskError(task, STRATEGY, error.message, { cause: error });
  }
}
