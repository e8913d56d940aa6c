/**
 * The unit-cost operations a strategy's descriptor carries when each of its copies runs on a unit
 * of its own (an async task, a worker thread, a child process, a CPython thread…): how to start one
 * and time it to its first line, how to hold several idle and read the memory they add, and how two
 * of them pass the turn. The measurements in experiment/unit-costs repeat, check and report them;
 * what a unit is and how it is timed lives here, beside the strategy it belongs to.
 */

/** What idle units were found to add, and with which meter. */
export interface IdleMemory {
  readonly totalBytes: number;
  /**
   * `heap` (V8 heap growth of this thread: async tasks live there), `rss` (resident memory growth of
   * a fresh process that starts the units), `pss` (proportional set size of the child processes,
   * shared pages split between sharers; Linux) or `rss-children` (their resident sets, where PSS is
   * not available, or as each reported it: counts shared pages once per child, so it overstates).
   */
  readonly metric: "heap" | "rss" | "pss" | "rss-children";
}

/** One sample of two units passing the turn back and forth. */
export interface HandoffSample {
  /** Milliseconds per handoff. */
  readonly msPerHandoff: number;
  /** The same through a full turn of the event loop, for units that can take either path (async tasks). */
  readonly eventLoopTurnMs?: number;
}

/** Unit-cost operations of a strategy measured from Node (async tasks, worker threads, child processes, or units on another host). */
export interface UnitOperations {
  readonly measuredIn: "node";
  /** One unit, in a reader's words: "worker thread". */
  readonly name: string;
  /** Several of them, as an error's fix says it: "worker threads". */
  readonly plural: string;
  /** Most idle units `idle` may start at once. */
  readonly maxIdle: number;
  /** Handoffs per switching sample when the caller gives none: enough to take a few milliseconds here. Even. */
  readonly defaultHandoffs: number;
  /** Starts one unit, waits for its first line of code, ends it; resolves with the milliseconds from the request to that line. */
  start(signal?: AbortSignal): Promise<number>;
  /** Starts `count` idle units, measures the memory they add, ends them. */
  idle(count: number, signal?: AbortSignal): Promise<IdleMemory>;
  /** Two fresh units pass the turn `handoffs` times (their start not timed); both are ended before it resolves. */
  handOff(handoffs: number, signal: AbortSignal): Promise<HandoffSample>;
}

/** The units conclab/python/unit_costs.py knows, by the names its requests use. */
export type CPythonUnitName = "async" | "threads" | "processes";
/** The handoffs that script times (see PythonSwitchSamples.strategy). */
export type CPythonHandoffName = "async" | "async-future" | "threads" | "processes";

/**
 * Unit-cost operations of a CPython strategy: conclab's measurement script starts, parks and
 * switches the unit in a CPython interpreter, several units in one interpreter (interleaved by
 * round there), so the operations are the script's names for them and their limits.
 */
export interface CPythonUnitOperations {
  readonly measuredIn: "cpython";
  readonly name: string;
  readonly plural: string;
  /** The unit, as the script's `startup` and `memory` requests name it. */
  readonly unit: CPythonUnitName;
  readonly maxIdle: number;
  /** Idle units per memory reading by default: enough that one unit's share stands out of the noise. */
  readonly defaultIdle: number;
  /** The handoffs the script times between two such units, with the handoffs per sample of each by default. */
  readonly handoffs: Readonly<Partial<Record<CPythonHandoffName, number>>>;
}

/** Longest one switching sample may take before it is called stuck (a unit that died leaves its partner asleep). */
export const HANDOFF_SAMPLE_LIMIT_MS = 30_000;
