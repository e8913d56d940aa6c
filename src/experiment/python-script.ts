/**
 * Runs one request of conclab's CPython measurement script (conclab/python/unit_costs.py): finds
 * the interpreter, starts the script in a process group of its own, and reads its one JSON reply.
 * An abort, a timeout or the end of Node kills the whole group (the interpreter, its threads and
 * every process it started); nothing is left behind.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { AbortError, checkInteger, rangeError, StrategyUnavailableError, throwIfAborted, typeError } from "../errors";
import { findPython, MIN_PYTHON, readInterpreter, type PythonInfo, type PythonInterpreter } from "../python";
import { progressOf, startExperiment } from "../runtime/lifecycle";

/** The measurement script, shipped as package data (this file compiles to conclab/dist/src/measure). */
export const UNIT_COSTS_SCRIPT = path.resolve(__dirname, "..", "..", "..", "python", "unit_costs.py");

/** How many characters of the interpreter's stderr an error quotes. */
const STDERR_CHARS = 600;

/** Options every CPython measurement takes. */
export interface PythonMeasureOptions {
  /** The interpreter to use; default `findPython()` (`$CONCLAB_PYTHON`, else python3, else python). */
  readonly python?: PythonInfo;
  /** multiprocessing's start method for the processes it starts (`fork`, `spawn`, `forkserver`); default the interpreter's own. */
  readonly startMethod?: "fork" | "spawn" | "forkserver";
  /** `sys.setswitchinterval(s)` before measuring (seconds, above 0, at most 1); default CPython's 0.005. */
  readonly switchIntervalS?: number;
  /** Aborts the measurement: the interpreter and all it started are killed, the call rejects with AbortError. */
  readonly signal?: AbortSignal;
  /** Longest the interpreter may take (default 60000 ms). */
  readonly timeoutMs?: number;
}

/** What a measurement script run returns: the interpreter's report and the command's result. */
export interface PythonReply {
  readonly interpreter: PythonInterpreter;
  readonly result: Record<string, unknown>;
}

/**
 * The interpreter to measure with. Throws StrategyUnavailableError, naming what was tried and the
 * fix, when there is no CPython at least {@link MIN_PYTHON}: a CPython measurement never falls
 * back to Node numbers.
 */
export function pythonFor(what: string, python: PythonInfo | undefined, script: string = UNIT_COSTS_SCRIPT): PythonInfo {
  const found = python ?? findPython();
  if (found === null) {
    throw new StrategyUnavailableError(
      `${what} needs CPython ${MIN_PYTHON.join(".")} or newer, and none was found ` +
        `(tried ${process.env.CONCLAB_PYTHON ? `$CONCLAB_PYTHON (${process.env.CONCLAB_PYTHON})` : "python3, python"}); ` +
        "install Python 3, or set CONCLAB_PYTHON to the path of a python3 executable",
    );
  }
  if (!existsSync(script)) {
    throw new StrategyUnavailableError(`${what} needs conclab's script at ${script}, which is missing; reinstall the conclab package`);
  }
  return found;
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // the group is already gone
  }
}

const START_METHODS = ["fork", "spawn", "forkserver"] as const;

/** Checks the options every CPython measurement takes; errors name the option, the value and the fix. */
export function checkPythonOptions(options: unknown): PythonMeasureOptions {
  if (options === undefined) return {};
  if (typeof options !== "object" || options === null) throw typeError("options", "an object", options, "pass e.g. { rounds: 5 }, or leave it out");
  const o = options as Record<string, unknown>;
  if (o.startMethod !== undefined && !(START_METHODS as readonly unknown[]).includes(o.startMethod)) {
    throw rangeError("options.startMethod", '"fork", "spawn" or "forkserver"', o.startMethod, "leave it out for the interpreter's default (fork on Linux before 3.14)");
  }
  const interval = o.switchIntervalS;
  if (interval !== undefined && (typeof interval !== "number" || !(interval > 0 && interval <= 1))) {
    throw rangeError("options.switchIntervalS", "a number of seconds above 0 and at most 1", interval, "leave it out for CPython's 0.005");
  }
  if (o.timeoutMs !== undefined) checkInteger("options.timeoutMs", o.timeoutMs, 1000, 600_000, "leave it out for 60000");
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) throw typeError("options.signal", "an AbortSignal", o.signal, "pass controller.signal, or leave it out");
  return o as PythonMeasureOptions;
}

/** A script of conclab's beside unit_costs.py (`name`, e.g. `starved_loop.py`), under the same protocol: it ends with `unit_costs.main(ITS_COMMANDS)`. */
export function pythonScript(name: string): string {
  return path.join(path.dirname(UNIT_COSTS_SCRIPT), name);
}

/**
 * Sends `request` (with `cmd`) to the measurement script (`script`: unit_costs.py unless another
 * of conclab's scripts is named, see {@link pythonScript}) and returns its reply. The run is
 * registered as an experiment, so an interrupted cell (abortAllExperiments) stops it too. Rejects
 * with StrategyUnavailableError without CPython 3.8+, AbortError when aborted, and an Error quoting
 * the script when it refuses the request, fails, or runs past `options.timeoutMs`.
 */
export function runPythonMeasurement(what: string, request: Record<string, unknown>, options: PythonMeasureOptions = {}, script: string = UNIT_COSTS_SCRIPT): Promise<PythonReply> {
  const python = pythonFor(what, options.python, script);
  throwIfAborted(options.signal);
  return startExperiment(async (controller) => {
    const onUserAbort = (): void => controller.abort();
    options.signal?.addEventListener("abort", onUserAbort, { once: true });
    const progress = progressOf(what);
    progress.step("running in CPython");
    try {
      const reply = await runScript(what, python, script, request, options, controller.signal);
      progress.done(`measured in CPython ${reply.interpreter.version}${reply.interpreter.gil ? "" : " without the GIL"}`);
      return reply;
    } catch (error) {
      progress.fail(error);
      throw error;
    } finally {
      options.signal?.removeEventListener("abort", onUserAbort);
    }
  });
}

async function runScript(what: string, python: PythonInfo, script: string, request: Record<string, unknown>, options: PythonMeasureOptions, signal: AbortSignal): Promise<PythonReply> {
  throwIfAborted(signal);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const message = {
    ...request,
    ...(options.startMethod !== undefined ? { startMethod: options.startMethod } : {}),
    ...(options.switchIntervalS !== undefined ? { switchInterval: options.switchIntervalS } : {}),
  };
  // detached: the interpreter leads its own process group, so one kill reaches every process it started.
  const child = spawn(python.command, [script, JSON.stringify(message)], { detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const kill = (): void => killGroup(child.pid);
  let why: Error | undefined;
  const stop = (error: Error): void => {
    why ??= error;
    kill();
  };
  const onAbort = (): void => stop(new AbortError());
  if (signal.aborted) onAbort();
  const timer = setTimeout(() => stop(new Error(`${what}: the Python interpreter (${python.command}) gave no answer in ${timeoutMs} ms and was stopped; measure fewer units or rounds, or raise options.timeoutMs`)), timeoutMs);
  process.once("exit", kill);
  signal.addEventListener("abort", onAbort, { once: true });
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (err = (err + chunk).slice(-4 * STDERR_CHARS)));
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once("error", (error) => reject(new Error(`${what}: could not start ${python.command}: ${error.message}`, { cause: error })));
      child.once("close", (exitCode) => resolve(exitCode));
    });
    if (why) throw why;
    let reply: Record<string, unknown>;
    try {
      reply = JSON.parse(out) as Record<string, unknown>;
    } catch {
      const said = err.trim() ? `; its stderr ends: ${err.trim().slice(-STDERR_CHARS)}` : "";
      throw new Error(`${what}: the Python interpreter (${python.command}) exited with code ${code} without a JSON answer${said}`);
    }
    if (reply.ok !== true) throw new Error(`${what}: the Python script refused or failed: ${String(reply.error ?? "no message")}`);
    return { interpreter: readInterpreter(reply.interpreter, `${what}'s Python script`), result: (reply.result ?? {}) as Record<string, unknown> };
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", onAbort);
    process.removeListener("exit", kill);
    kill(); // anything the script left running (it should leave nothing)
  }
}
