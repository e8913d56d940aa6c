/**
 * Work done in pieces on the event loop, with the thread handed back between the pieces in one of
 * five ways, and how late a timer fired meanwhile (loopLag: the probe timer's lateness,
 * monitorEventLoopDelay and event-loop utilisation). A piece is busyFor(ms): computation that
 * lasts `ms` of wall time, so every way does the same wall time of work and only the hand-backs
 * differ.
 */
import { AbortError, checkInteger, rangeError, throwIfAborted } from "../errors";
import { startExperiment } from "../runtime/lifecycle";
import { loopLag, type LoopLagResult } from "./loop-lag";

/**
 * How the work gives the thread back between two pieces: `none` (a plain loop), `microtask`
 * (`await` of a settled promise), `nextTick` (the next piece queued with process.nextTick),
 * `setImmediate` (queued for the loop's check phase), `setTimeout` (a 0 ms timer).
 */
export type YieldStyle = "none" | "microtask" | "nextTick" | "setImmediate" | "setTimeout";

export const YIELD_STYLES: readonly YieldStyle[] = ["none", "microtask", "nextTick", "setImmediate", "setTimeout"];

/** Computes (integer arithmetic) until `ms` milliseconds of wall time have passed; returns a checksum so the loop is not optimised away. */
export function busyFor(ms: number): number {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) for (let i = 0; i < 500; i++) x = (x * 31 + i) | 0;
  return x;
}

/** Where a way of handing back the thread queues the next piece. */
const QUEUE: Readonly<Record<Exclude<YieldStyle, "none" | "microtask">, (next: () => void) => void>> = {
  nextTick: (next) => process.nextTick(next),
  setImmediate: (next) => setImmediate(next),
  setTimeout: (next) => setTimeout(next, 0),
};

/**
 * `pieces` pieces of busyFor(`pieceMs`), the thread handed back between them the `style` way
 * (the first piece runs at once, in the caller's turn). Resolves when the last piece is done. The
 * styles that reach the event loop stop between pieces when `signal` aborts; the others cannot be
 * interrupted (that is the point), and last pieces × pieceMs.
 */
export function workInPieces(style: YieldStyle, pieces: number, pieceMs: number, signal?: AbortSignal): Promise<void> {
  if (!YIELD_STYLES.includes(style)) throw rangeError("style", `one of ${YIELD_STYLES.join(", ")}`, style, 'e.g. "setImmediate"');
  checkInteger("pieces", pieces, 1, 100_000, "e.g. 60");
  checkInteger("pieceMs", pieceMs, 1, 1_000, "e.g. 5");
  if (style === "none") {
    for (let i = 0; i < pieces; i++) busyFor(pieceMs);
    return Promise.resolve();
  }
  if (style === "microtask") {
    return (async () => {
      for (let i = 0; i < pieces; i++) {
        if (i > 0) await Promise.resolve();
        busyFor(pieceMs);
      }
    })();
  }
  const queue = QUEUE[style];
  return new Promise<void>((resolve, reject) => {
    let done = 0;
    const step = (): void => {
      if (signal?.aborted) return reject(new AbortError());
      busyFor(pieceMs);
      if (++done < pieces) queue(step);
      else resolve();
    };
    step();
  });
}

/** How long the loop idles before and after the work, ms, so that monitorEventLoopDelay samples around it. */
const SETTLE_MS = 2;

/** One run of the work beside a 10 ms probe timer. */
export interface PiecesRun {
  readonly style: YieldStyle;
  /** From the first piece's start to the last piece's end, ms. */
  readonly workMs: number;
  /** How often the probe timer fired while the work ran. */
  readonly ticksDuring: number;
  /** The timer, the delay histogram and the utilisation, as loopLag measures them (utilisation over the work and one turn after). */
  readonly lag: LoopLagResult<unknown>;
}

/**
 * Runs workInPieces(`style`, `pieces`, `pieceMs`) once beside loopLag's probe timer (every
 * `intervalMs`): the work's wall time, how often the timer fired during it, how late it fired.
 * Registered as an experiment, so an interrupted cell (or `signal`) stops the styles that can be
 * stopped; rejects with AbortError.
 */
export function measurePieces(style: YieldStyle, pieces: number, pieceMs: number, intervalMs = 10, signal?: AbortSignal): Promise<PiecesRun> {
  checkInteger("intervalMs", intervalMs, 1, 1_000, "a probe period in whole milliseconds, e.g. 10");
  throwIfAborted(signal);
  return startExperiment(async (controller) => {
    const onAbort = (): void => controller.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      return await watchPieces(style, pieces, pieceMs, intervalMs, controller.signal);
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  });
}

/** measurePieces' body: loopLag around the work, with a turn of the loop before and after it. */
async function watchPieces(style: YieldStyle, pieces: number, pieceMs: number, intervalMs: number, signal: AbortSignal): Promise<PiecesRun> {
  let origin = 0;
  let start = 0;
  let end = 0;
  const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const lag = await loopLag(
    async () => {
      origin = performance.now();
      // A turn of the loop first, so that the delay histogram's own timer is running when the
      // work starts, and one after, so that it records how long the work held the loop.
      await settle();
      start = performance.now();
      await workInPieces(style, pieces, pieceMs, signal);
      end = performance.now();
      await settle();
    },
    { intervalMs },
  );
  // The ticks' times count from loopLag's start, a few microseconds before `origin`.
  const ticksDuring = lag.ticks.filter((t) => t.atMs >= start - origin && t.atMs < end - origin).length;
  throwIfAborted(signal);
  return { style, workMs: end - start, ticksDuring, lag };
}
