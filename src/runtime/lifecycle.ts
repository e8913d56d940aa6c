/**
 * What is running now, so that an interrupt or a shutdown can stop it: experiments in flight
 * (each with its AbortController) and pools that hold threads or processes. The kernel adapter
 * calls abortAllExperiments() on SIGINT and destroyAllPools() on shutdown; scripts may too.
 */
import { setMaxListeners } from "node:events";

interface Running {
  readonly controller: AbortController;
  readonly settled: Promise<unknown>;
}

/** Anything holding threads or processes: a way to end them now, synchronously if need be. */
export interface HeldResource {
  /** Kills what can be killed synchronously (child processes); used when the process is exiting. */
  killNow(): void;
  destroy(): Promise<void>;
}

const experiments = new Set<Running>();
const pools = new Set<HeldResource>();

/** Registers an experiment until `settled` settles. */
export function trackExperiment(controller: AbortController, settled: Promise<unknown>): void {
  const entry = { controller, settled };
  experiments.add(entry);
  void settled.then(
    () => experiments.delete(entry),
    () => experiments.delete(entry),
  );
}

/**
 * Starts an experiment under an AbortController of its own, registered until it settles, so that
 * abortAllExperiments() (an interrupted cell) can stop it.
 */
export function startExperiment<T>(body: (controller: AbortController) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  // Every copy in flight listens for an abort (up to MAX_EVENT_LOOP_COPIES on one thread): not a leak.
  setMaxListeners(0, controller.signal);
  const settled = body(controller);
  trackExperiment(controller, settled);
  return settled;
}

export function runningExperiments(): number {
  return experiments.size;
}

/**
 * Aborts every experiment in flight; their promises reject with AbortError, which is marked as
 * handled here (whoever awaited them was interrupted too). Resolves when they have stopped.
 */
export async function abortAllExperiments(): Promise<number> {
  const stopping = [...experiments];
  for (const { controller, settled } of stopping) {
    settled.catch(() => undefined);
    controller.abort();
  }
  await Promise.allSettled(stopping.map((e) => e.settled));
  return stopping.length;
}

export function trackPool(pool: HeldResource): void {
  pools.add(pool);
}

export function untrackPool(pool: HeldResource): void {
  pools.delete(pool);
}

/** Destroys every pool still alive (threads terminated, children killed). */
export async function destroyAllPools(): Promise<void> {
  await Promise.allSettled([...pools].map((pool) => pool.destroy()));
}

/** Synchronously kills every child process that pools hold: for exit and signal handlers. */
export function killAllNow(): void {
  for (const pool of pools) pool.killNow();
}

/** A progress report of a long experiment, for a progress bar or a log line. */
export interface ProgressReport {
  /** What is running, e.g. `compare countTo(2e8) ×2`. */
  readonly label: string;
  /** 0 to 1. */
  readonly fraction: number;
  /** What it is doing now, e.g. `threads, repeat 3 of 5`. */
  readonly detail: string;
  readonly elapsedMs: number;
  readonly remainingMs?: number;
  /** Set on the last report: a one-line summary that replaces the bar. */
  readonly summary?: string;
}

export type ProgressSink = (report: ProgressReport) => void;

/** Outside a kernel: a line on stderr, at most once a second, only for runs past one second. */
function stderrSink(): ProgressSink {
  let lastPrint = 0;
  return (report) => {
    const now = Date.now();
    if (report.summary) {
      if (report.elapsedMs >= 1000) process.stderr.write(`${report.summary}\n`);
      return;
    }
    if (report.elapsedMs < 1000 || now - lastPrint < 1000) return;
    lastPrint = now;
    const eta = report.remainingMs === undefined ? "" : `, about ${(report.remainingMs / 1000).toFixed(0)} s left`;
    process.stderr.write(`${report.label}: ${(report.fraction * 100).toFixed(0)}% (${report.detail}${eta})\n`);
  };
}

let sinkFactory: () => ProgressSink = stderrSink;

/**
 * Replaces where progress goes for experiments that start from now on (the kernel adapter sets a
 * live bar) and returns the factory it replaced, for fallbacks.
 */
export function setProgressSink(factory: () => ProgressSink): () => ProgressSink {
  const previous = sinkFactory;
  sinkFactory = factory;
  return previous;
}

/** A fresh sink for one experiment. */
export function newProgressSink(): ProgressSink {
  return sinkFactory();
}

/**
 * Progress for an operation without a natural count (a single run, a calibration): reports the
 * elapsed time every 250 ms while the event loop is free, and ends with a summary line. Like every
 * sink, the kernel's shows nothing for operations shorter than a second.
 */
export function progressOf(label: string): { step(detail: string, fraction?: number): void; done(summary: string): void; fail(error: unknown): void } {
  const sink = newProgressSink();
  const started = Date.now();
  let detail = "starting";
  let fraction = 0;
  const report = (): void => sink({ label, fraction, detail, elapsedMs: Date.now() - started });
  const ticker = setInterval(report, 250);
  ticker.unref();
  const finish = (summary: string): void => {
    clearInterval(ticker);
    sink({ label, fraction: 1, detail: "done", elapsedMs: Date.now() - started, summary });
  };
  return {
    step(next, at) {
      detail = next;
      if (at !== undefined) fraction = at;
      report();
    },
    done: (summary) => finish(`${label}: ${summary} in ${((Date.now() - started) / 1000).toFixed(1)} s`),
    fail: (error) => finish(`${label}: ${error instanceof Error && error.name === "AbortError" ? "interrupted" : `failed: ${error instanceof Error ? error.message : String(error)}`}`),
  };
}
