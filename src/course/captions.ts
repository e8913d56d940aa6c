/**
 * The sentences printed under the figures several chapters show: a comparison's wall times
 * (compareCaption), a timeline (timelineCaption) and the event loop's lateness (loopLagCaption),
 * each computed from the numbers. A caption only one chapter prints lives in that chapter's module.
 */
import { pythonInterpreterOf, type CompareResult } from "../experiment/compare";
import { strategyName } from "../figures/style";
import { spansOf, type WithSpans } from "../figures/timeline";
import type { LoopLagResult } from "../measure/loop-lag";
import type { Span } from "../measure/spans";
import { median } from "../measure/stats";
import { strategyDescriptor } from "../strategies/descriptors";
import { atLeast, atMost } from "./claims";
import { interpreterText, ms, ONE_CORE_BUSY, oneCoreAtATime, PARALLEL_SHARE, parallelSpeedup, x } from "./judging";
import { byRepeat, cpuShareOfCopies, laneCount, maxConcurrency } from "./overlap";


/**
 * The sentence under a wall-time figure: for each strategy against its sequential baseline, how
 * much faster the copies finished and, for CPU work, how many CPUs they kept busy and what that
 * makes them (parallel, one at a time, or undecided); for waiting, whether the waits overlapped.
 * Computed with the verdicts' rule from the same result the figure draws. For CPython's
 * strategies it names the interpreter that ran them and whether its GIL was on while they ran.
 */
export function compareCaption(result: CompareResult): string {
  const cores = result.environment.cores;
  const expected = Math.min(result.copies, cores);
  const parts = result.strategies
    .filter((s) => s.speedup && s.strategy !== "sequential" && s.strategy !== "python:sequential")
    .map((s) => {
      const name = strategyName(s.strategy);
      const speed = `${name} ${x(s.speedup!.median)} as fast as one after another`;
      if (result.cpuBound === false) {
        const overlap = atLeast(s.speedup!, 0.8 * result.copies);
        const serial = atMost(s.speedup!, 1.2);
        return `${speed}: ${overlap === "yes" ? "the waits overlapped" : serial === "yes" ? "the waits ran one after another" : "overlap undecided"}`;
      }
      if (!s.coresBusy) return speed;
      const busy = `${speed}, ${s.coresBusy.median.toFixed(2)} CPUs busy`;
      if (cores < 2) return `${busy} (one usable CPU: nothing can run in parallel)`;
      // The verdicts' own rules, so that a caption never says what the claim's verdict would not.
      const parallel = parallelSpeedup(result, s.strategy).check;
      const alone = oneCoreAtATime(result, s.strategy).check;
      return `${busy}: ${parallel === "yes" ? "parallel work" : alone === "yes" ? "one core at a time" : "undecided"}`;
    });
  if (parts.length === 0) return "";
  const rule =
    result.cpuBound === false
      ? `waits overlap when the 95 % interval of the speedup lies at or above ${x(0.8 * result.copies)}`
      : `parallel work keeps at least ${(PARALLEL_SHARE * expected).toFixed(2)} CPUs busy, one core at a time at most ${ONE_CORE_BUSY.toFixed(2)}, by the 95 % interval of ${result.repeats} repeats`;
  const interpreter = pythonInterpreterOf(result);
  const node = result.strategies.some((s) => strategyDescriptor(s.strategy)?.runtime !== "python");
  const who = interpreter ? `, run by ${node ? "Node and " : ""}${interpreterText(interpreter)}` : "";
  return `Here, ${result.copies} copies on ${cores} usable CPU${cores === 1 ? "" : "s"}${who}: ${parts.join("; ")} (${rule}).`;
}


export const times = (value: number): string => (value >= 10 ? `${Math.round(value).toLocaleString("en-US")}x` : x(value));

/**
 * The sentence under a timeline: per strategy, how many copies ran at once (in every repeat), on
 * how many lanes, and how long a copy took against one run alone (the sequential copies, when the
 * spans include them). Takes a compare() result or the spans, like timelineFigure.
 */
export function timelineCaption(input: readonly Span[] | WithSpans): string {
  const spans = spansOf(input);
  const keys = [...new Set(spans.map((s) => s.strategy))];
  const duration = (group: readonly Span[]): number => median(group.map((s) => s.endMs - s.startMs));
  const alone = keys.find((k) => strategyDescriptor(k)?.baseline === k);
  const aloneMs = alone ? duration(spans.filter((s) => s.strategy === alone)) : null;
  const parts = keys.map((key) => {
    const mine = spans.filter((s) => s.strategy === key);
    const runs = byRepeat(mine);
    const least = Math.min(...runs.map(maxConcurrency));
    const most = Math.max(...runs.map(maxConcurrency));
    const atOnce = least === most ? `${most}` : `${least} to ${most}`;
    const copyMs = duration(mine);
    const against = aloneMs !== null && key !== alone ? ` (${x(copyMs / aloneMs)} a copy alone)` : "";
    const share = cpuShareOfCopies(mine);
    const cpu = share === null ? "" : `, with ${Math.round(share * 100)}% of a CPU while it ran`;
    return `${strategyName(key)}: up to ${atOnce} at once on ${laneCount(mine)} lane${laneCount(mine) === 1 ? "" : "s"}, a copy took ${ms(copyMs)}${against}${cpu}`;
  });
  return `In these runs, ${parts.join("; ")}.`;
}

/** The sentence under an event-loop lag figure: how late the timer was at worst in each case, against the calmest. */
export function loopLagCaption(cases: readonly { readonly label: string; readonly lag: LoopLagResult<unknown> }[]): string {
  if (cases.length === 0) return "";
  const calm = Math.max(1, Math.min(...cases.map((c) => c.lag.maxLateMs)));
  const parts = cases.map((c) => `${ms(c.lag.maxLateMs)} ${c.label}${c.lag.maxLateMs > 4 * calm ? ` (${times(c.lag.maxLateMs / calm)} the calmest case)` : ""}`);
  return `At worst the timer fired ${parts.join(", ")}.`;
}
