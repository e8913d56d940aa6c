/** run(): one measured run of one strategy, after warming the task up. */
import { AbortError, checkInteger, throwIfAborted } from "../errors";
import { describeMachine, type MachineDescription } from "../environment";
import { laneName, spanOf, type Span } from "../measure/spans";
import type { PythonInterpreter } from "../python";
import type { RunnerContext } from "../strategies/strategy";
import type { TaskFunction } from "../tasks/task-source";
import { progressOf, startExperiment } from "../runtime/lifecycle";
import { MemoryTracker, type MemorySummary } from "./memory";
import { checkArgs, checkCopies, checkSignal, checkTimeout, DEFAULT_TIMEOUT_MS, expandStrategy, readTask } from "./options";
import { STRATEGIES, type Pools, type StrategyKey, type StrategyName } from "../strategies/descriptors";

export interface RunOptions<F extends TaskFunction = TaskFunction> {
  /** `python` alone is ambiguous here: name one mode, e.g. `python:threads`. */
  readonly strategy: Exclude<StrategyName, "python">;
  readonly task: F;
  readonly args: Parameters<F>;
  /** @default 1 */
  readonly copies?: number;
  /** Untimed rounds before the timed one. @default 1 */
  readonly warmup?: number;
  readonly signal?: AbortSignal;
  /** @default 60000 */
  readonly timeoutMs?: number;
  readonly pools?: Pools;
}

export interface RunResult {
  readonly strategy: StrategyKey;
  readonly task: string;
  readonly args: readonly unknown[];
  readonly copies: number;
  readonly wallMs: number;
  readonly spans: readonly Span[];
  /** The task's return values, by copy. */
  readonly results: readonly unknown[];
  readonly memory: MemorySummary;
  readonly environment: MachineDescription;
  /** python:* strategies only: what the CPython interpreter reported at run time (GIL state, version…). */
  readonly interpreter?: PythonInterpreter;
}

/** One measured run of `copies` copies under one strategy, after `warmup` untimed rounds. */
export function run<F extends TaskFunction>(options: RunOptions<F>): Promise<RunResult> {
  return startExperiment((controller) => runWith(options, controller));
}

async function runWith<F extends TaskFunction>(options: RunOptions<F>, controller: AbortController): Promise<RunResult> {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`options must be an object like { strategy, task, args }, got ${String(options)}; see the README's run section`);
  }
  if (options.strategy === ("python" as string)) {
    throw new RangeError('options.strategy must name one Python mode for run(), got "python" (string); use "python:sequential", "python:threads" or "python:processes"');
  }
  const [key] = expandStrategy(options.strategy, "options.strategy") as [StrategyKey];
  const task = readTask(options.task, "options.task");
  const args = checkArgs(task, options.args, "options.args");
  const copies = checkCopies(options.copies ?? 1, [key], "options.copies");
  const warmup = checkInteger("options.warmup", options.warmup ?? 1, 0, 20, "1 round lets V8 compile the task before timing");
  const timeoutMs = checkTimeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, "options.timeoutMs");
  const userSignal = checkSignal(options.signal, "options.signal");
  throwIfAborted(userSignal);
  const onUserAbort = (): void => controller.abort();
  userSignal?.addEventListener("abort", onUserAbort, { once: true });
  const signal = controller.signal;
  const context: RunnerContext = { task, args, copies, signal, timeoutMs };
  const runner = STRATEGIES[key].create(context, options.pools ?? {});
  const progress = progressOf(`run ${key}: ${copies} × ${task.name}`);
  try {
    progress.step(`starting ${key} and warming up`, 0);
    await runner.prepare(warmup);
    const tracker = new MemoryTracker();
    tracker.start();
    progress.step("timed run", 0.5);
    const record = await runner.runOnce();
    progress.done(`timed run took ${record.wallMs.toFixed(0)} ms`);
    tracker.stop(record, (t) => laneName(t.laneKind, t.pid, t.threadId, t.host));
    const tasks = [...record.tasks].sort((a, b) => a.copy - b.copy);
    return {
      strategy: key,
      task: task.name,
      args,
      copies,
      wallMs: record.wallMs,
      spans: tasks.map((t) => spanOf(key, 0, t)),
      results: tasks.map((t) => t.result),
      memory: tracker.summary(),
      environment: describeMachine(),
      ...(runner.interpreter ? { interpreter: runner.interpreter } : {}),
    };
  } catch (error) {
    const final = signal.aborted && !(error instanceof AbortError) ? new AbortError() : error;
    progress.fail(final);
    throw final;
  } finally {
    userSignal?.removeEventListener("abort", onUserAbort);
    await runner.dispose();
  }
}
