/**
 * The `python:*` strategies: CPython runs the same experiment through conclab's reference script
 * (conclab/python/reference.py), so the real GIL is measured on the same machine as Node.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { AbortError, StrategyUnavailableError, TaskError, TaskTimeoutError } from "../errors";
import type { LaneKind } from "../measure/spans";
import { findPython, MIN_PYTHON, readInterpreter, type PythonInfo, type PythonInterpreter } from "../python";
import type { RunnerContext, RunRecord, StrategyRunner, TaskRecord } from "./strategy";

/** How the reference script runs the copies: on its main thread, a ThreadPoolExecutor or a ProcessPoolExecutor. */
export type PythonMode = "sequential" | "threads" | "processes";
import { isRunning } from "../runtime/child-life";
import { withinGrace } from "../runtime/deadline";
// Loaded for their registration: the list of tasks with a Python twin names them all.
import "../tasks/cpu";
import "../tasks/io";
import { tasksWithPythonTwins } from "../tasks/task-source";

/** The reference script, shipped as package data (this file compiles to conclab/dist/src/strategies). */
export const REFERENCE_SCRIPT = path.resolve(__dirname, "..", "..", "..", "python", "reference.py");

/** How long dispose() waits for the interpreter to exit after `close` before killing it. */
const CLOSE_GRACE_MS = 2_000;
/** Extra time prepare() allows for starting the interpreter and its pool. */
const PREPARE_SLACK_MS = 30_000;
/** How many of the interpreter's last stderr lines an error quotes. */
const STDERR_LINES = 10;

/** What the reference script answers on prepare. */
export interface PythonPrepared {
  readonly python: string;
  readonly gil: boolean;
  readonly start_method: string;
}

interface Pending {
  readonly resolve: (reply: Record<string, unknown>) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

const LANE_KINDS: readonly LaneKind[] = ["main", "thread", "process"];

function toTaskRecord(raw: unknown): TaskRecord {
  const r = (raw ?? {}) as Record<string, unknown>;
  const num = (name: string): number => {
    const value = r[name];
    if (typeof value !== "number") throw new Error(`the reference script sent a task record without a numeric ${name}`);
    return value;
  };
  const laneKind = r.laneKind as LaneKind;
  if (!LANE_KINDS.includes(laneKind)) throw new Error(`the reference script sent an unknown laneKind ${String(r.laneKind)}`);
  return {
    copy: num("copy"),
    startMs: num("startMs"),
    endMs: num("endMs"),
    laneKind,
    pid: num("pid"),
    threadId: num("threadId"),
    result: r.result,
    ...(typeof r.rssBytes === "number" ? { rssBytes: r.rssBytes } : {}),
    ...(typeof r.cpuMs === "number" ? { cpuMs: r.cpuMs } : {}),
  };
}

class PythonRunner implements StrategyRunner {
  readonly key: `python:${PythonMode}`;
  /** What the interpreter reported on prepare (version, GIL, start method). */
  prepared: PythonPrepared | undefined;
  /** The same, as every CPython measurement reports it (GIL state at run time, switch interval…). */
  interpreter: PythonInterpreter | undefined;
  private child: ChildProcessWithoutNullStreams | undefined;
  private pending: Pending | undefined;
  private stdoutBuffer = "";
  private readonly stderrTail: string[] = [];
  private stderrPartial = "";
  /** Why the interpreter can no longer answer (it exited, was killed, or the run was aborted). */
  private failure: Error | undefined;
  private exited: Promise<void> = Promise.resolve();
  private disposed = false;
  private readonly onAbort = (): void => this.fail(new AbortError());
  private readonly onProcessExit = (): void => this.killGroup();

  constructor(
    private readonly context: RunnerContext,
    private readonly mode: PythonMode,
    private readonly python: PythonInfo,
  ) {
    this.key = `python:${mode}`;
  }

  private get taskName(): string {
    return this.context.task.name;
  }

  private start(): ChildProcessWithoutNullStreams {
    // detached: the interpreter leads its own process group, so one kill reaches its pool workers.
    const child = spawn(this.python.command, [REFERENCE_SCRIPT], { detached: true, stdio: ["pipe", "pipe", "pipe"] });
    this.child = child;
    // Idle, the interpreter does not keep Node alive (a pending request's timer does); the exit
    // hook kills it if Node ends without dispose().
    child.unref();
    for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as unknown as { unref?: () => void }).unref?.();
    process.on("exit", this.onProcessExit);
    this.context.signal.addEventListener("abort", this.onAbort, { once: true });

    child.stdin.on("error", () => undefined); // EPIPE after the interpreter died; reported by "exit"
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => this.onStdout(chunk));
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => this.onStderr(chunk));
    this.exited = new Promise((resolve) => {
      child.on("error", (error) => {
        this.fail(new TaskError(this.taskName, this.key, `could not start ${this.python.command}: ${error.message}`, { cause: error }));
        resolve();
      });
      child.on("exit", (code, signal) => {
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        const tail = this.stderrTail.concat(this.stderrPartial ? [this.stderrPartial] : []).slice(-STDERR_LINES);
        const said = tail.length > 0 ? `; its last lines on stderr:\n${tail.join("\n")}` : "; it wrote nothing on stderr";
        this.fail(new TaskError(this.taskName, this.key, `the Python interpreter (${this.python.command}) ${how} unexpectedly${said}`));
        resolve();
      });
    });
    return child;
  }

  private onStdout(chunk: string): void {
    this.stdoutBuffer += chunk;
    let newline: number;
    while ((newline = this.stdoutBuffer.indexOf("\n")) >= 0) {
      const line = this.stdoutBuffer.slice(0, newline).trim();
      this.stdoutBuffer = this.stdoutBuffer.slice(newline + 1);
      if (line === "") continue;
      const pending = this.settle();
      if (!pending) continue; // a late reply to a request that already failed
      try {
        pending.resolve(JSON.parse(line) as Record<string, unknown>);
      } catch {
        pending.reject(new TaskError(this.taskName, this.key, `the reference script sent a line that is not JSON: ${line.slice(0, 200)}`));
      }
    }
  }

  private onStderr(chunk: string): void {
    process.stderr.write(chunk);
    const lines = (this.stderrPartial + chunk).split(/\r?\n/);
    this.stderrPartial = lines.pop() ?? "";
    this.stderrTail.push(...lines);
    if (this.stderrTail.length > STDERR_LINES) this.stderrTail.splice(0, this.stderrTail.length - STDERR_LINES);
  }

  private settle(): Pending | undefined {
    const pending = this.pending;
    this.pending = undefined;
    if (pending) clearTimeout(pending.timer);
    return pending;
  }

  /** Marks the interpreter as unusable, kills its group and fails the request in flight. */
  private fail(error: Error): void {
    if (!this.failure) this.failure = error;
    this.killGroup();
    this.settle()?.reject(error);
  }

  private killGroup(): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // the group is already gone
    }
  }

  private request(message: Record<string, unknown>, timeoutMs: number): Promise<Record<string, unknown>> {
    if (this.context.signal.aborted) return Promise.reject(new AbortError());
    if (this.disposed) return Promise.reject(new Error(`strategy ${this.key} was disposed; create a new runner`));
    if (this.failure) return Promise.reject(this.failure);
    const child = this.child ?? this.start();
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new TaskTimeoutError(this.taskName, this.key, timeoutMs)), timeoutMs);
      this.pending = { resolve, reject, timer };
      child.stdin.write(`${JSON.stringify(message)}\n`);
    }).then((reply) => {
      if (reply.ok !== true) {
        throw new TaskError(this.taskName, this.key, String(reply.error ?? "the reference script reported a failure without a message"));
      }
      return reply;
    });
  }

  async prepare(warmupRounds: number): Promise<void> {
    if (this.context.signal.aborted) throw new AbortError();
    const timeoutMs = this.context.timeoutMs * (warmupRounds + 1) + PREPARE_SLACK_MS;
    const reply = await this.request(
      {
        cmd: "prepare",
        mode: this.mode,
        task: this.context.task.python,
        args: this.context.args,
        copies: this.context.copies,
        warmup: warmupRounds,
      },
      timeoutMs,
    );
    this.prepared = { python: String(reply.python), gil: reply.gil !== false, start_method: String(reply.start_method) };
    try {
      this.interpreter = readInterpreter(reply, "the reference script");
    } catch (error) {
      throw new TaskError(this.taskName, this.key, (error as Error).message, { cause: error });
    }
  }

  async runOnce(): Promise<RunRecord> {
    if (!this.prepared) throw new Error(`strategy ${this.key}: runOnce() was called before prepare() finished; await prepare(warmupRounds) first`);
    // Sequential copies run one after another, each allowed timeoutMs.
    const timeoutMs = this.mode === "sequential" ? this.context.timeoutMs * this.context.copies : this.context.timeoutMs;
    const reply = await this.request({ cmd: "run" }, timeoutMs);
    try {
      const tasks = (Array.isArray(reply.tasks) ? reply.tasks : []).map(toTaskRecord).sort((a, b) => a.copy - b.copy);
      const startMs = Number(reply.startMs);
      const endMs = Number(reply.endMs);
      return { startMs, endMs, wallMs: Number(reply.wallMs ?? endMs - startMs), tasks };
    } catch (error) {
      throw new TaskError(this.taskName, this.key, (error as Error).message, { cause: error });
    }
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.context.signal.removeEventListener("abort", this.onAbort);
    const child = this.child;
    child?.ref(); // keep Node alive until the interpreter is gone
    if (child && isRunning(child) && !this.failure) {
      // A clean close: the script shuts its pool down and exits 0.
      this.failure = new Error(`strategy ${this.key} was disposed`);
      this.settle()?.reject(this.failure);
      child.stdin.end(`${JSON.stringify({ cmd: "close" })}\n`);
      await withinGrace(this.exited, CLOSE_GRACE_MS);
    }
    // Kills what is left (the whole group: the interpreter if it did not exit, stray workers).
    this.killGroup();
    await this.exited;
    process.removeListener("exit", this.onProcessExit);
  }
}

/**
 * Creates the runner of strategy `python:${mode}`: the task's Python twin run by CPython
 * (`sequential` on the main thread, `threads` in a ThreadPoolExecutor, `processes` in a
 * ProcessPoolExecutor), one copy per thread or process. Throws StrategyUnavailableError when the
 * task has no Python twin or no Python 3.8+ is found.
 */
export function createPythonRunner(context: RunnerContext, mode: PythonMode, options: { python?: PythonInfo } = {}): StrategyRunner {
  const key = `python:${mode}`;
  if (context.task.python === undefined) {
    throw new StrategyUnavailableError(
      `strategy ${key} runs only conclab's built-in tasks that have a Python twin ` +
        `(${tasksWithPythonTwins().join(", ")}); ${context.task.name} has none. ` +
        "Compare your own task on the Node strategies, or use a built-in task for the Python runs",
    );
  }
  const python = options.python ?? findPython();
  if (python === null) {
    throw new StrategyUnavailableError(
      `strategy ${key} needs CPython ${MIN_PYTHON.join(".")} or newer, and none was found ` +
        `(tried ${process.env.CONCLAB_PYTHON ? `$CONCLAB_PYTHON (${process.env.CONCLAB_PYTHON})` : "python3, python"}); ` +
        "install Python 3, or set CONCLAB_PYTHON to the path of a python3 executable",
    );
  }
  if (!existsSync(REFERENCE_SCRIPT)) {
    throw new StrategyUnavailableError(
      `strategy ${key} needs conclab's reference script at ${REFERENCE_SCRIPT}, which is missing; reinstall the conclab package`,
    );
  }
  return new PythonRunner(context, mode, python);
}
