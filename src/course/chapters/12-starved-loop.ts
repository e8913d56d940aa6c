/**
 * Chapter 12, starving the event loop: the same wall time of work done as a plain loop, as a loop
 * of awaits on settled promises, as recursive process.nextTick, and split with setImmediate and
 * with setTimeout(0), beside a 10 ms timer (its lateness, monitorEventLoopDelay, event-loop
 * utilisation); and in CPython, an asyncio task whose awaits never suspend beside another task's
 * asyncio.sleep timer. Its claims, experiments at full and short size, captions, question and
 * exercise check.
 */
import { describeMachine } from "../../environment";
import { throwIfAborted } from "../../errors";
import { pythonStarvedLoop, type AsyncioStarveResult, type AsyncioStarveRun } from "../../experiment/python-starvation";
import type { LoopLagSeries } from "../../figures/loop-lag";
import { busyFor, measurePieces, workInPieces, YIELD_STYLES, type PiecesRun, type YieldStyle } from "../../measure/pieces";
import { interval, median, pairedRatios, summarize, type Stat } from "../../measure/stats";
import { findPython } from "../../python";
import { startExperiment } from "../../runtime/lifecycle";
import type { Chapter, ChapterResults, Size } from "../chapter";
import { atLeast, atMost, observedStat, type Check, type Claim } from "../claims";
import { count, ExerciseResult, threw, wrongResult } from "../exercise-kit";
import { claim, ms, notMeasuredInCPython, x, xFormat } from "../judging";
import { ANY_HIGH, rangeChoice, type Question } from "../questions";

export { busyFor, measurePieces, workInPieces, YIELD_STYLES, type PiecesRun, type YieldStyle, type AsyncioStarveResult, type AsyncioStarveRun };

const SECTION = "12-starved-loop";

/** Each way of handing back the thread, as sentences and the figure name it. */
export const STYLE_LABELS: Readonly<Record<YieldStyle, string>> = {
  none: "a plain loop",
  microtask: "a loop of awaits on settled promises",
  nextTick: "recursive process.nextTick",
  setImmediate: "split with setImmediate",
  setTimeout: "split with setTimeout(0)",
};

/** The Node experiment: every style's runs, the styles interleaved within each repeat. */
export interface StarvationResult {
  readonly pieces: number;
  readonly pieceMs: number;
  readonly intervalMs: number;
  readonly runs: Readonly<Record<YieldStyle, readonly PiecesRun[]>>;
}

/** How late, at worst, the timer may fire beside work split with setImmediate for the claim to hold: two pieces and 5 ms of slack. */
export const immediateLimitMs = (pieceMs: number): number => 2 * pieceMs + 5;

/** The most the split work may take against the plain loop for the split to "cost little", and the least that clearly costs much. */
export const SPLIT_COST = { little: 1.2, much: 1.5 } as const;

/** The fewest times a timer must fire during the yielding asyncio work, per run, to show that it got in. */
export const ASYNCIO_MIN_TICKS = 2;

/**
 * The rule of a claim decided on two thresholds, with this run's interval: holds at or below
 * `holds`, differs at or above `differs`, unclear between (a disturbed machine lands there).
 */
function bandRule(measure: string, stat: Stat, holds: number, differs: number, format: (value: number) => string, differsWhy: string): string {
  const { low, high, n } = interval(stat.samples);
  const bounds = n < 2 ? "one repeat: no interval" : `${format(low)}–${format(high)}`;
  return `${measure}: 95 % interval ${bounds} from ${n} repeat${n === 1 ? "" : "s"}; holds if it lies at or below ${format(holds)}, differs if it lies at or above ${format(differs)} (${differsWhy}), else unclear`;
}

const worst = (runs: readonly PiecesRun[]): number => Math.max(...runs.map((r) => r.lag.maxLateMs));
const med = (values: readonly number[]): number => (values.length ? median(values) : Number.NaN);

/** The claims that the runtime's queue rules decide: microtasks and the nextTick queue are drained before any timer. */
const STARVING = {
  microtask: {
    id: "loop.await-starves",
    claim: "A loop of awaits on settled promises holds a timer back as long as a plain CPU loop does: each await queues a microtask, and microtasks all run before any timer.",
    how: "awaits",
  },
  nextTick: {
    id: "loop.nexttick-starves",
    claim: "Recursive process.nextTick starves the event loop too: the nextTick queue is drained, new entries included, before timers and I/O.",
    how: "nextTick callbacks",
  },
} as const;

/**
 * 12: a demonstration that the `style` way (awaits on settled promises, or recursive nextTick)
 * holds the timer back like a plain loop: shown when the timer fired not once while either ran,
 * in every run, and the work lasted at least three timer periods; a tick during either is a broken
 * run (unclear). Observes the timer's worst lateness over the work's wall time, per run.
 */
export function starvesLikeALoop(result: StarvationResult, style: "microtask" | "nextTick"): Claim {
  const { id, claim: text, how } = STARVING[style];
  const mine = result.runs[style];
  const plain = result.runs.none;
  if (mine.length === 0 || plain.length === 0) throw new RangeError(`result.runs must hold runs of "${style}" and "none"; run starvationRun() with every style`);
  const minWorkMs = 3 * result.intervalMs;
  const silent = (runs: readonly PiecesRun[]): boolean => runs.every((r) => r.ticksDuring === 0);
  const longEnough = [...mine, ...plain].every((r) => r.workMs >= minWorkMs);
  const shown = silent(mine) && silent(plain) && longEnough;
  const ticks = (runs: readonly PiecesRun[]): number => runs.reduce((sum, r) => sum + r.ticksDuring, 0);
  const shares = summarize(mine.map((r) => Math.max(r.lag.maxLateMs, 0.01) / r.workMs));
  return claim({
    id,
    section: SECTION,
    claim: text,
    measured:
      `${mine.length} runs of ${result.pieces} × ${ms(result.pieceMs)} of work: the ${result.intervalMs} ms timer fired ${ticks(mine)} times while the ${how} ran (median ${ms(med(mine.map((r) => r.workMs)))}) and came up to ${ms(worst(mine))} late; ` +
      `beside the plain loop it fired ${ticks(plain)} times and came up to ${ms(worst(plain))} late`,
    verdict: shown ? "holds" : "unclear",
    reason: shown
      ? `no timer could run until the ${how} were all done, exactly as with the plain loop: the timer waited ${Math.round(100 * shares.median)}% of the work's time`
      : !longEnough
        ? `the work lasted under ${minWorkMs} ms, too short to keep a ${result.intervalMs} ms timer waiting: the run went wrong`
        : "the timer fired during the work, which the queue rules do not allow: the measurement went wrong",
    rule: `holds if the timer fired 0 times during the ${how} and during the plain loop in every run, each at least ${minWorkMs} ms long; anything else is a broken run (unclear)`,
    kind: "demonstration",
    observed: observedStat(shares),
  });
}

/**
 * 12: splitting the work with setImmediate keeps the timer's lateness to about one piece. Holds
 * when the 95 % interval of the worst lateness per run lies at or below immediateLimitMs; differs
 * when it lies at or above half the work's time (the timer waited as if starved); a disturbed
 * machine, whose pauses make ticks late by tens of milliseconds, lands between: unclear.
 */
export function immediateLateness(result: StarvationResult): Claim {
  const runs = result.runs.setImmediate;
  if (runs.length === 0) throw new RangeError('result.runs.setImmediate must hold runs; run starvationRun() with every style');
  const late = summarize(runs.map((r) => Math.max(r.lag.maxLateMs, 0.01)));
  const limit = immediateLimitMs(result.pieceMs);
  const starved = med(runs.map((r) => r.workMs)) / 2;
  const small = atMost(late, limit);
  const large = atLeast(late, starved);
  const check: Check = small === "yes" ? "yes" : large === "yes" ? "no" : "unclear";
  const fired = med(runs.map((r) => r.ticksDuring));
  return claim({
    id: "loop.immediate-lateness",
    section: SECTION,
    claim: "Splitting the work with setImmediate keeps a timer's lateness to about one piece of work.",
    measured: `${runs.length} runs of ${result.pieces} × ${ms(result.pieceMs)} split with setImmediate: the ${result.intervalMs} ms timer fired ${Math.round(fired)} times during the work (median) and came at worst ${ms(late.median)} late (median of the runs)`,
    verdict: check === "yes" ? "holds" : check === "no" ? "differs" : "unclear",
    reason:
      check === "yes"
        ? "each setImmediate ended the loop's turn, and the next turn ran due timers before the next piece"
        : check === "no"
          ? "the timer waited for much of the work although every piece was queued with setImmediate"
          : "the timer came later than two pieces but far from the whole work: pauses of the machine, not the loop, decide such readings",
    rule: bandRule(`the timer's worst lateness per run, against two pieces and 5 ms`, late, limit, starved, ms, "half the work's time"),
  });
}

/**
 * 12: splitting with setImmediate costs little time. The split work's wall time over the plain
 * loop's, paired by repeat: holds when its interval lies at or below SPLIT_COST.little, differs
 * when at or above SPLIT_COST.much, else unclear.
 */
export function immediateCost(result: StarvationResult): Claim {
  const split = result.runs.setImmediate;
  const plain = result.runs.none;
  if (split.length === 0 || split.length !== plain.length) throw new RangeError("result.runs.setImmediate and result.runs.none must hold as many runs, one per repeat; run starvationRun() with every style");
  const ratio = pairedRatios(split.map((r) => r.workMs), plain.map((r) => r.workMs));
  const little = atMost(ratio, SPLIT_COST.little);
  const much = atLeast(ratio, SPLIT_COST.much);
  const check: Check = little === "yes" ? "yes" : much === "yes" ? "no" : "unclear";
  return claim({
    id: "loop.immediate-cost",
    section: SECTION,
    claim: "Giving the thread back with setImmediate between pieces costs little: the split work takes about as long as the plain loop.",
    measured: `${result.pieces} × ${ms(result.pieceMs)} of work: ${x(ratio.median)} the plain loop's time when split with setImmediate (median of ${split.length} paired runs)`,
    verdict: check === "yes" ? "holds" : check === "no" ? "differs" : "unclear",
    reason:
      check === "yes"
        ? `${result.pieces - 1} hand-backs to the event loop added ${ms(Math.max(0, med(split.map((r) => r.workMs)) - med(plain.map((r) => r.workMs))))} in all`
        : check === "no"
          ? "handing the thread back cost much of the work's time"
          : "the ratio did not settle on either side in this run",
    rule: bandRule("the split work's wall time over the plain loop's, paired by repeat", ratio, SPLIT_COST.little, SPLIT_COST.much, xFormat, "the split cost half the work again"),
  });
}

const ASYNCIO_CLAIM = "In asyncio, a task whose awaits never suspend holds back every other task, timers included; `await asyncio.sleep(0)` lets them in.";

/**
 * 12: the article's trap in asyncio, decided in CPython. Holds when in every run the ticker woke
 * 0 times beside the coroutines that never suspend and at least ASYNCIO_MIN_TICKS times beside
 * the same work with `await asyncio.sleep(0)`; differs when every run shows the awaits letting the
 * ticker in (ASYNCIO_MIN_TICKS or more), or sleep(0) never letting it in; else unclear. Not
 * measured without CPython.
 */
export function asyncioStarves(result: AsyncioStarveResult | null): Claim {
  if (!result) return notMeasuredInCPython("loop.asyncio-starves", SECTION, ASYNCIO_CLAIM);
  const never = result.runs.filter((r) => r.mode === "never-suspends");
  const yielding = result.runs.filter((r) => r.mode === "sleep0");
  if (never.length === 0 || yielding.length === 0) throw new RangeError('result.runs must hold runs of "never-suspends" and "sleep0"; measure both with pythonStarvedLoop()');
  const { version, gil } = result.interpreter;
  const shown = never.every((r) => r.ticksDuring === 0) && yielding.every((r) => r.ticksDuring >= ASYNCIO_MIN_TICKS);
  const awaitsYield = never.every((r) => r.ticksDuring >= ASYNCIO_MIN_TICKS);
  const sleepStarves = yielding.every((r) => r.ticksDuring === 0);
  const verdict = shown ? "holds" : awaitsYield || sleepStarves ? "differs" : "unclear";
  const ticks = (runs: readonly AsyncioStarveRun[]): string => runs.map((r) => r.ticksDuring).join(", ");
  const lateness = (runs: readonly AsyncioStarveRun[]): string => ms(med(runs.map((r) => r.maxLateMs)));
  return claim({
    id: "loop.asyncio-starves",
    section: SECTION,
    claim: ASYNCIO_CLAIM,
    measured:
      `CPython ${version}${gil ? "" : " (GIL off)"}, ${result.pieces} × ${ms(result.pieceMs)} of work per run: the ${result.intervalMs} ms asyncio.sleep timer woke ${ticks(never)} times during the work beside coroutines that never suspend (at worst ${lateness(never)} late, median), ` +
      `${ticks(yielding)} times with \`await asyncio.sleep(0)\` after each piece (at worst ${lateness(yielding)} late)`,
    verdict,
    reason:
      verdict === "holds"
        ? "awaiting a coroutine runs it like a call: the task never reached the event loop, so the timer waited for all of the work; sleep(0) handed the loop a turn after each piece"
        : verdict === "differs"
          ? awaitsYield
            ? "the timer got in while the awaits ran: on this interpreter awaiting a coroutine that does not suspend reached the event loop"
            : "the timer did not get in even with sleep(0) after each piece"
          : "some runs showed the pattern and others did not",
    rule: `holds if in every run the timer woke 0 times beside the awaits that never suspend and at least ${ASYNCIO_MIN_TICKS} times with sleep(0); differs if every run had it wake at least ${ASYNCIO_MIN_TICKS} times beside the awaits, or never with sleep(0); else unclear`,
  });
}

/** Every claim of the Node experiment, in the order the chapter shows them. */
export function starvationClaims(result: StarvationResult): Claim[] {
  return [starvesLikeALoop(result, "microtask"), starvesLikeALoop(result, "nextTick"), immediateLateness(result), immediateCost(result)];
}

/** One run per style (the last repeat) as loopLagFigure's series. */
export function lagSeries(result: StarvationResult): LoopLagSeries[] {
  // No strategy colours: none of the five is a strategy, so each takes a series colour of its own.
  return YIELD_STYLES.filter((style) => result.runs[style].length > 0).map((style) => ({ label: STYLE_LABELS[style], lag: result.runs[style].at(-1)!.lag }));
}

/**
 * The sentence under the figure: per style, medians over the runs of how often the timer fired
 * during the work, how late it came at worst, the delay histogram's maximum and the utilisation,
 * and the work's time against the plain loop's; then what utilisation did or did not tell apart.
 */
export function starvationCaption(result: StarvationResult): string {
  const plainMs = med(result.runs.none.map((r) => r.workMs));
  const styles = YIELD_STYLES.filter((style) => result.runs[style].length > 0);
  const parts = styles.map((style) => {
    const runs = result.runs[style];
    const workMs = med(runs.map((r) => r.workMs));
    const against = style === "none" || !Number.isFinite(plainMs) ? "" : `, ${x(workMs / plainMs)} the plain loop's time`;
    return (
      `${STYLE_LABELS[style]}: the timer fired ${Math.round(med(runs.map((r) => r.ticksDuring)))} times in ${ms(workMs)} of work and came up to ${ms(med(runs.map((r) => r.lag.maxLateMs)))} late ` +
      `(delay histogram max ${ms(med(runs.map((r) => r.lag.histogram.maxMs)))}, utilisation ${Math.round(100 * med(runs.map((r) => r.lag.utilization)))}%${against})`
    );
  });
  const elu = styles.map((style) => med(result.runs[style].map((r) => r.lag.utilization)));
  const lowest = Math.min(...elu);
  const eluText =
    lowest >= 0.9
      ? ` Utilisation was at least ${Math.round(100 * lowest)}% for every way: it says the loop was busy, not whether a timer could get in; the lateness and the delay histogram say that.`
      : ` Utilisation ranged from ${Math.round(100 * lowest)}% to ${Math.round(100 * Math.max(...elu))}%.`;
  const runs = result.runs.none.length;
  return `Medians of ${runs} run${runs === 1 ? "" : "s"} of ${result.pieces} × ${ms(result.pieceMs)}: ${parts.join("; ")}.${eluText}`;
}

/** The sentence for CPython's asyncio runs; says so where no CPython ran (null). */
export function asyncioCaption(result: AsyncioStarveResult | null): string {
  if (!result) return "No CPython 3.8+ found: the claim about asyncio is not measured here.";
  const of = (mode: AsyncioStarveRun["mode"]): { ticks: number; late: number; work: number } => {
    const runs = result.runs.filter((r) => r.mode === mode);
    return { ticks: med(runs.map((r) => r.ticksDuring)), late: med(runs.map((r) => r.maxLateMs)), work: med(runs.map((r) => r.workMs)) };
  };
  const never = of("never-suspends");
  const yielding = of("sleep0");
  return (
    `CPython ${result.interpreter.version}, medians of ${result.runs.length / 2} runs: beside a task awaiting coroutines that never suspend, the ${result.intervalMs} ms asyncio.sleep timer woke ${Math.round(never.ticks)} times during ${ms(never.work)} of work and came up to ${ms(never.late)} late; ` +
    `with \`await asyncio.sleep(0)\` after each piece it woke ${Math.round(yielding.ticks)} times during ${ms(yielding.work)} and came up to ${ms(yielding.late)} late.`
  );
}

/** How big 12's experiments run: pieces of work per run, repeats (at least, and at most while a test claim is unclear), CPython's repeats. */
const SIZES = {
  full: { pieces: 60, repeats: 5, maxRepeats: 8, pythonRepeats: 3 },
  short: { pieces: 24, repeats: 5, maxRepeats: 8, pythonRepeats: 3 },
} as const;

/** The length of one piece of work, ms, and the probe timer's period. */
export const PIECE_MS = 5;
export const INTERVAL_MS = 10;

/**
 * The Node experiment: each of the five ways of doing 60 pieces of 5 ms of work (24 short), run
 * beside a 10 ms timer, the styles interleaved, 5 repeats, more (up to 8) while the setImmediate
 * claims are unclear. One untimed round first, so that V8 has compiled the pieces. An interrupted
 * cell stops it between two runs (a run that never hands the loop back cannot be stopped inside).
 */
export function starvationRun(size: Size = "full"): Promise<StarvationResult> {
  const { pieces, repeats, maxRepeats } = SIZES[size];
  return startExperiment(async ({ signal }) => {
    const measure = (style: YieldStyle, count: number): Promise<PiecesRun> => {
      throwIfAborted(signal);
      return measurePieces(style, count, PIECE_MS, INTERVAL_MS, signal);
    };
    for (const style of YIELD_STYLES) await measure(style, 2);
    const runs: Record<YieldStyle, PiecesRun[]> = { none: [], microtask: [], nextTick: [], setImmediate: [], setTimeout: [] };
    const result: StarvationResult = { pieces, pieceMs: PIECE_MS, intervalMs: INTERVAL_MS, runs };
    for (let repeat = 0; repeat < maxRepeats; repeat++) {
      for (const style of YIELD_STYLES) runs[style].push(await measure(style, pieces));
      if (repeat + 1 >= repeats && [immediateLateness(result), immediateCost(result)].every((c) => c.verdict !== "unclear")) break;
    }
    return result;
  });
}

/** The same trap in CPython's asyncio: 60 pieces of 5 ms (24 short), never suspending and with sleep(0), 3 runs each. Null without CPython 3.8+. */
export async function asyncioRun(size: Size = "full"): Promise<AsyncioStarveResult | null> {
  if (!findPython()) return null;
  const { pieces, pythonRepeats } = SIZES[size];
  return pythonStarvedLoop({ pieces, pieceMs: PIECE_MS, intervalMs: INTERVAL_MS, repeats: pythonRepeats });
}

/** The numbers 12 saves beside its claims: per style, medians of the runs. */
export function starvationData(result: StarvationResult, python: AsyncioStarveResult | null): Record<string, unknown> {
  const styles = Object.fromEntries(
    YIELD_STYLES.filter((style) => result.runs[style].length > 0).map((style) => {
      const runs = result.runs[style];
      return [style, { workMs: med(runs.map((r) => r.workMs)), ticksDuring: med(runs.map((r) => r.ticksDuring)), maxLateMs: med(runs.map((r) => r.lag.maxLateMs)), delayMaxMs: med(runs.map((r) => r.lag.histogram.maxMs)), utilization: med(runs.map((r) => r.lag.utilization)) }];
    }),
  );
  return { pieces: result.pieces, pieceMs: result.pieceMs, intervalMs: result.intervalMs, repeats: result.runs.none.length, styles, asyncio: python ? { version: python.interpreter.version, runs: python.runs } : null, cores: describeMachine().cores };
}

/** 12's experiments at their short size, judged. */
export async function shortRun(): Promise<ChapterResults> {
  const result = await starvationRun("short");
  const python = await asyncioRun("short");
  return { claims: [...starvationClaims(result), asyncioStarves(python)], data: starvationData(result, python) };
}

/** 12's check: items in the queue, the wall time each takes, the heartbeat's period, and the most items that may run between two beats. */
export const HEARTBEAT = { items: 200, itemMs: 1, intervalMs: 10, maxItemsBetween: 25 } as const;

/** What 12's check saw of the reader's function. */
export interface HeartbeatEvidence {
  readonly items: number;
  readonly result: unknown;
  /** Items never handed to handle(). */
  readonly missing: number;
  /** Items handed to handle() more than once. */
  readonly repeated: number;
  /** The most items handled between two heartbeats (or before the first, or after the last). */
  readonly mostBetween: number;
  /** Heartbeats while the function ran. */
  readonly beats: number;
}

/**
 * 12's verdict, from counts only: the function returned the number of items, handled each exactly
 * once, and never let more than HEARTBEAT.maxItemsBetween items run between two heartbeats. Each
 * item takes HEARTBEAT.itemMs of wall time, so a busy machine changes the count of beats, not the
 * count of items between them.
 */
export function judgeKeepsHeartbeat(evidence: HeartbeatEvidence): ExerciseResult {
  const exercise = "a queue that keeps the heartbeat going";
  const { items, result, missing, repeated, mostBetween, beats } = evidence;
  const wrong = wrongResult([result], items);
  if (wrong) return { exercise, passed: false, message: `Not yet: ${wrong}; return how many items were handled.` };
  if (missing > 0 || repeated > 0) {
    const parts = [missing > 0 ? `${count(missing)} item${missing === 1 ? " was" : "s were"} never handled` : "", repeated > 0 ? `${count(repeated)} handled more than once` : ""].filter(Boolean);
    return { exercise, passed: false, message: `Not yet: ${parts.join(" and ")}; call handle(item) once for each item of the queue.` };
  }
  const { maxItemsBetween, itemMs, intervalMs } = HEARTBEAT;
  if (mostBetween > maxItemsBetween) {
    const silent = mostBetween >= items ? `the heartbeat never fired while the ${count(items)} items were handled` : `up to ${count(mostBetween)} items (${ms(mostBetween * itemMs)} of work) ran between two heartbeats`;
    return {
      exercise,
      passed: false,
      message:
        `Not yet: ${silent}; at most ${maxItemsBetween} may. ` +
        "`await null`, queueMicrotask and process.nextTick hand the thread only to the microtask and nextTick queues, which run before any timer: " +
        `give it back to the event loop every few items instead, e.g. every 10 items \`await new Promise((resolve) => setImmediate(resolve))\` (a ${intervalMs} ms heartbeat needs the loop at least every ${intervalMs} items).`,
    };
  }
  return { exercise, passed: true, message: `Done: all ${count(items)} items handled, at most ${mostBetween} between two heartbeats; the heartbeat fired ${beats} times while the queue was worked through.` };
}

/**
 * 12: a function `(items, handle) => count` that works through a queue, calling `handle(item)` for
 * each (HEARTBEAT.itemMs of computation), and keeps a HEARTBEAT.intervalMs heartbeat timer firing
 * meanwhile. Counts the items handled between beats; judged by judgeKeepsHeartbeat.
 */
export async function checkKeepsHeartbeat(fn: (items: number[], handle: (item: number) => void) => unknown): Promise<ExerciseResult> {
  const exercise = "a queue that keeps the heartbeat going";
  if (typeof fn !== "function") return { exercise, passed: false, message: `Not yet: pass your function, e.g. checkKeepsHeartbeat(drainQueue), got ${typeof fn}.` };
  const { items, itemMs, intervalMs } = HEARTBEAT;
  const handled = new Array<number>(items).fill(0);
  let sinceBeat = 0;
  let mostBetween = 0;
  let beats = 0;
  const handle = (item: number): void => {
    if (!Number.isInteger(item) || item < 0 || item >= items) throw new RangeError(`handle(item): item must be one of the queue's items, 0 to ${items - 1}, got ${String(item)}; pass the items the function was given`);
    busyFor(itemMs);
    handled[item]!++;
    mostBetween = Math.max(mostBetween, ++sinceBeat);
  };
  const heartbeat = setInterval(() => {
    beats++;
    sinceBeat = 0;
  }, intervalMs);
  let result: unknown;
  try {
    result = await fn(Array.from({ length: items }, (_, i) => i), handle);
  } catch (error) {
    return threw(exercise, error);
  } finally {
    clearInterval(heartbeat);
  }
  return judgeKeepsHeartbeat({ items, result, missing: handled.filter((n) => n === 0).length, repeated: handled.filter((n) => n > 1).length, mostBetween, beats });
}

/** Asked before the experiment that decides loop.await-starves. */
const ASKED_AWAIT_STARVES: Question = {
  id: "loop.await-starves",
  text: "A 10 ms timer is set; then a loop does 5 ms pieces of work, awaiting an already-resolved promise (`await Promise.resolve()`) between pieces, for about 300 ms in all. How late does the timer fire?",
  choices: {
    a: "about one piece late, a few milliseconds: every await gives the timer its chance",
    b: "late by a part of the work: the timer gets in now and then",
    c: "late by about the whole loop: it fires only after the last piece",
  },
  predicts: { a: "the timer's lateness under 15 % of the work's time", b: "between 15 % and 70 % of the work's time", c: "at least 70 % of the work's time" },
  choose: (o) => rangeChoice(o, { a: [0, 0.15], b: [0.15, 0.7], c: [0.7, ANY_HIGH] }),
};

export const chapter: Chapter = {
  id: "12-starved-loop",
  title: "12 · Starving the event loop: microtasks, nextTick and setImmediate",
  question: "Can code that awaits still freeze everything else?",
  about: "a timer beside the same work as a plain loop, awaits, nextTick, setImmediate and setTimeout(0) splits; asyncio's never-suspending awaits in CPython",
  claims: ["loop.await-starves", "loop.nexttick-starves", "loop.immediate-lateness", "loop.immediate-cost", "loop.asyncio-starves"],
  questions: [ASKED_AWAIT_STARVES],
  shortRun,
};
