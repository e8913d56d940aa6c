/**
 * Chapter 12's CPython experiment (conclab/python/starved_loop.py): on one asyncio event loop, a
 * ticker task's asyncio.sleep timer beside a task that awaits coroutines which never suspend, and
 * beside the same task with `await asyncio.sleep(0)` after each piece. Without CPython 3.8+ it
 * throws StrategyUnavailableError; it never falls back to Node.
 */
import { checkInteger } from "../errors";
import type { PythonInterpreter } from "../python";
import { checkPythonOptions, pythonScript, runPythonMeasurement, type PythonMeasureOptions } from "./python-script";

/** How the asyncio worker ran its pieces: awaiting coroutines that never suspend, or with `await asyncio.sleep(0)` after each. */
export type AsyncioMode = "never-suspends" | "sleep0";

/** One run of the asyncio work beside the ticker. */
export interface AsyncioStarveRun {
  readonly mode: AsyncioMode;
  /** The work's wall time, ms. */
  readonly workMs: number;
  /** How often the ticker woke while the work ran. */
  readonly ticksDuring: number;
  /** The ticker's worst lateness, ms (the wake-up the work held back included). */
  readonly maxLateMs: number;
}

export interface AsyncioStarveResult {
  readonly pieces: number;
  readonly pieceMs: number;
  readonly intervalMs: number;
  /** The two modes interleaved, run after run. */
  readonly runs: readonly AsyncioStarveRun[];
  readonly interpreter: PythonInterpreter;
}

/**
 * `options.repeats` (default 3) runs of each mode, interleaved: `options.pieces` (default 60)
 * pieces of `options.pieceMs` (default 5) of computation in coroutines awaited one after another,
 * beside a ticker sleeping `options.intervalMs` (default 10) at a time. About 2 × repeats ×
 * pieces × pieceMs (1.8 s with the defaults).
 * @throws StrategyUnavailableError when no CPython 3.8+ is found.
 */
export async function pythonStarvedLoop(options: PythonMeasureOptions & { readonly pieces?: number; readonly pieceMs?: number; readonly intervalMs?: number; readonly repeats?: number } = {}): Promise<AsyncioStarveResult> {
  checkPythonOptions(options);
  const pieces = checkInteger("options.pieces", options.pieces ?? 60, 1, 10_000, "e.g. 60");
  const pieceMs = checkInteger("options.pieceMs", options.pieceMs ?? 5, 1, 1_000, "e.g. 5");
  const intervalMs = checkInteger("options.intervalMs", options.intervalMs ?? 10, 1, 1_000, "e.g. 10");
  const repeats = checkInteger("options.repeats", options.repeats ?? 3, 1, 50, "e.g. 3");
  const what = `CPython asyncio: ${pieces} × ${pieceMs} ms of work beside a ${intervalMs} ms timer`;
  const { interpreter, result } = await runPythonMeasurement(what, { cmd: "starve", pieces, pieceMs, intervalMs, repeats }, options, pythonScript("starved_loop.py"));
  const runs = result.runs;
  if (!Array.isArray(runs) || runs.length !== 2 * repeats) throw new Error(`${what}: the Python script sent ${Array.isArray(runs) ? runs.length : "no"} runs where ${2 * repeats} were expected`);
  return {
    pieces,
    pieceMs,
    intervalMs,
    runs: (runs as Record<string, unknown>[]).map((r) => ({ mode: r.mode as AsyncioMode, workMs: Number(r.workMs), ticksDuring: Number(r.ticksDuring), maxLateMs: Number(r.maxLateMs) })),
    interpreter,
  };
}
