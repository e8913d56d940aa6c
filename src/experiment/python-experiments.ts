/**
 * Two of the course's experiments run in CPython itself (conclab/python/unit_costs.py): the shared
 * `+=` counter between threads, and many asyncio waits at once. Each result carries what the
 * interpreter reported at run time (version, GIL, switch interval). Without CPython 3.8+ each
 * throws StrategyUnavailableError; neither falls back to Node.
 */
import { checkInteger, typeError } from "../errors";
import type { PythonInterpreter } from "../python";
import { checkPythonOptions, runPythonMeasurement, type PythonMeasureOptions } from "./python-script";

/** One run of the CPython counter: `threads × times` increments of one list cell. */
export interface PythonCounterRun {
  readonly expected: number;
  readonly counted: number;
  /** expected − counted: the updates that another thread's write overwrote. */
  readonly lost: number;
  readonly wallMs: number;
}

/** The CPython shared-counter experiment, run after run, without and with a lock. */
export interface PythonCounterResult {
  readonly threads: number;
  /** Increments per thread per run. */
  readonly times: number;
  /** The statement each thread repeats: `counter[0] += 1`. */
  readonly statement: string;
  /** Without a lock, one row per run, in order. */
  readonly plain: readonly PythonCounterRun[];
  /** Under one `threading.Lock`, one row per run, in order (run i right after plain run i). */
  readonly locked: readonly PythonCounterRun[];
  /** The interpreter that ran it: `interpreter.gil` is whether the GIL was on, `switchIntervalS` how often it changed hands. */
  readonly interpreter: PythonInterpreter;
}

/**
 * `options.threads` (default 4) `threading.Thread`s each do `counter[0] += 1` `options.times`
 * times (default 500,000, released together by a barrier), once without and once under a
 * `threading.Lock`, `options.runs` times (default 5): how many updates were lost each run. With a
 * lock none are; without one, losses depend on the interpreter (`result.interpreter`): CPython up
 * to 3.9 loses many, 3.10+ with the GIL lets a thread switch only at a loop's back edge or a call,
 * so this statement loses none there; a free-threaded build (gil false) loses many again.
 * `options.switchIntervalS` sets `sys.setswitchinterval`. About 1.5 s with the defaults here.
 * @throws StrategyUnavailableError when no CPython 3.8+ is found.
 */
export async function pythonSharedCounter(options: PythonMeasureOptions & { readonly threads?: number; readonly times?: number; readonly runs?: number } = {}): Promise<PythonCounterResult> {
  checkPythonOptions(options);
  const threads = checkInteger("options.threads", options.threads ?? 4, 2, 64, "race between 2 and 64 threads (4 is plenty)");
  const times = checkInteger("options.times", options.times ?? 500_000, 1, 100_000_000, "e.g. 500000; too few and each thread ends before the GIL changes hands");
  const runs = checkInteger("options.runs", options.runs ?? 5, 1, 100, "take between 1 and 100 runs (5 is plenty)");
  const { interpreter, result } = await runPythonMeasurement(`CPython shared counter: ${threads} threads × ${times} += 1`, { cmd: "counter", threads, times, runs }, options);
  const rows = (name: string): PythonCounterRun[] => {
    const value = result[name];
    if (!Array.isArray(value) || value.length !== runs) throw new Error(`the Python measurement script sent no ${name} runs`);
    return (value as Record<string, unknown>[]).map((r) => ({ expected: Number(r.expected), counted: Number(r.counted), lost: Number(r.lost), wallMs: Number(r.wallMs) }));
  };
  return { threads, times, statement: String(result.statement), plain: rows("plain"), locked: rows("locked"), interpreter };
}

/** One batch of asyncio waits: the shape of concurrentWaits()'s points, plus the memory they took. */
export interface PythonWaitsPoint {
  /** How many `asyncio.sleep(waitMs)` were gathered at once. */
  readonly copies: number;
  /** From the first created to the last finished (ms), timed without tracemalloc. */
  readonly wallMs: number;
  /** Python allocations (tracemalloc) that the sleeping tasks held, in a second pass of the same batch. */
  readonly addedBytes: number;
  readonly bytesPerTask: number;
  readonly metric: "tracemalloc";
  readonly interpreter: PythonInterpreter;
}

/**
 * For each count in `counts` (default 1, 10, 100, 1,000, 10,000), `asyncio.gather` of that many
 * `asyncio.sleep(waitMs / 1000)` on one event loop: the wall time, as concurrentWaits() measures
 * for Node (the points fit the same figure), and, in a second pass, the memory each sleeping task
 * added (tracemalloc). About 2 × counts.length × waitMs plus the tasks' own cost (1.2 s with the
 * defaults here).
 * @throws StrategyUnavailableError when no CPython 3.8+ is found.
 */
export async function pythonConcurrentWaits(waitMs = 100, counts: readonly number[] = [1, 10, 100, 1000, 10_000], options: PythonMeasureOptions = {}): Promise<PythonWaitsPoint[]> {
  checkInteger("waitMs", waitMs, 0, 600_000, "pass a whole number of milliseconds, e.g. 100");
  if (!Array.isArray(counts) || counts.length === 0) throw typeError("counts", "a non-empty array of counts", counts, "pass e.g. [1, 10, 100, 1000, 10000]");
  counts.forEach((count, i) => checkInteger(`counts[${i}]`, count, 1, 1_000_000, "gather between 1 and 1,000,000 sleeps"));
  checkPythonOptions(options);
  const { interpreter, result } = await runPythonMeasurement(`CPython asyncio.gather of ${counts.join(", ")} sleeps`, { cmd: "waits", counts, ms: waitMs }, options);
  const points = result.points;
  if (!Array.isArray(points) || points.length !== counts.length) throw new Error(`the Python measurement script sent ${Array.isArray(points) ? points.length : "no"} points for ${counts.length} counts`);
  return (points as Record<string, unknown>[]).map((p) => ({
    copies: Number(p.copies),
    wallMs: Number(p.wallMs),
    addedBytes: Number(p.addedBytes),
    bytesPerTask: Number(p.bytesPerTask),
    metric: "tracemalloc" as const,
    interpreter,
  }));
}

/** One run of CPython's connections experiment: `count` requests waiting at once, one way. */
export interface PythonConnectionsRun {
  /** `asyncio`: every request awaited on one event loop; `threads`: one `threading.Thread` each, blocked in its socket call. */
  readonly mode: "asyncio" | "threads";
  readonly count: number;
  /** Requests answered with status 200, and the rest. */
  readonly ok: number;
  readonly failed: number;
  readonly wallMs: number;
  /** The most connections open and waiting at the same instant: equal to `count` when all were held at once. */
  readonly mostAtOnce: number;
  /** Peak resident memory added over the run (sampled every 5 ms), and that over `mostAtOnce`. */
  readonly addedBytes: number;
  readonly bytesPerConnection: number;
  readonly metric: "rss-peak";
  /** Threads the system let the run start (0 for asyncio): fewer than `count` means it refused the rest. */
  readonly threadsStarted: number;
  readonly interpreter: PythonInterpreter;
}

/**
 * `count` (default 10,000) HTTP GETs to `url`, all waiting at once, in a fresh CPython: on one
 * asyncio event loop (`mode: "asyncio"`), or one thread per request blocked in its socket call
 * (`"threads"`, as a thread-per-connection server holds them). Reports the wall time, failures,
 * the most connections open at once and the peak resident memory added per open connection. A
 * server that answers after a delay longer than starting all the requests takes (startDelayServer,
 * `delayMs` of a second or so) lets every connection be open at the same time, so both ways hold
 * the same number at once. Raises the open-file limit where it may.
 * @throws StrategyUnavailableError when no CPython 3.8+ is found.
 */
export async function pythonConnections(url: string, options: PythonMeasureOptions & { readonly count?: number; readonly mode: "asyncio" | "threads" }): Promise<PythonConnectionsRun> {
  if (typeof url !== "string" || !url.startsWith("http://")) throw typeError("url", "an http:// URL", url, "pass the url of startDelayServer()");
  const count = checkInteger("options.count", options.count ?? 10_000, 1, 100_000, "hold between 1 and 100,000 connections");
  if (options.mode !== "asyncio" && options.mode !== "threads") throw typeError("options.mode", '"asyncio" or "threads"', options.mode, "pick one");
  checkPythonOptions(options);
  const { interpreter, result } = await runPythonMeasurement(`CPython: ${count} connections on ${options.mode}`, { cmd: "connections", url, count, mode: options.mode }, { timeoutMs: 180_000, ...options });
  const num = (name: string): number => Number(result[name]);
  return {
    mode: options.mode, count, ok: num("ok"), failed: num("failed"), wallMs: num("wallMs"), mostAtOnce: num("mostAtOnce"),
    addedBytes: num("addedBytes"), bytesPerConnection: num("bytesPerConnection"), metric: "rss-peak", threadsStarted: num("threadsStarted"), interpreter,
  };
}
