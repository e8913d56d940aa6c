/**
 * Sentences that say what a figure shows, computed from the numbers behind it: a notebook prints
 * one under each figure, so no outcome is written before the data.
 */
import type { CompareResult } from "../experiment/compare";
import { strategyName } from "../figures/style";
import { maxConcurrency } from "./overlap";
import { atLeast, atMost } from "./claims";
import { copySlowdown, ONE_CORE_BUSY, PARALLEL_SHARE, parallelSpeedup } from "./verdicts";

const x = (value: number): string => `${value.toFixed(2)}x`;

/**
 * What a run of `key` against `sequential` (in the same result) shows about parallelism: how much
 * faster the copies finished, how many ran at once, how many CPUs they kept busy, and whether
 * that is parallel work, with the same rule as the verdicts.
 */
export function parallelCaption(result: CompareResult, key: string): string {
  const measure = parallelSpeedup(result, key);
  const { check, speedup, cores, expected, onCpus } = measure;
  const run = result.strategies.find((s) => s.strategy === key)!;
  const atOnce = maxConcurrency(run.spans);
  const name = strategyName(key);
  const busy = run.coresBusy ? `, keeping ${run.coresBusy.median.toFixed(2)} CPUs busy on average` : "";
  const ran =
    `On ${name}, ${result.copies} copies finished ${x(speedup.median)} as fast as one after another (${x(speedup.min)} to ${x(speedup.max)} over ${speedup.samples.length} repeats)` +
    `${atOnce > 0 ? `, with up to ${atOnce} running at once` : ""}${busy}`;
  if (cores < 2) {
    return `${ran}. With 1 CPU usable the copies share one CPU's worth of time, so together they cannot finish sooner than one after another${atOnce > 1 ? ": the overlap of the bars is that sharing, not parallelism" : ""}.`;
  }
  const needed = onCpus ? `${(PARALLEL_SHARE * expected).toFixed(2)} CPUs busy` : x(PARALLEL_SHARE * expected);
  const slowdown = copySlowdown(result, key);
  const slower = onCpus && check === "yes" && slowdown !== null && slowdown > 1.1 ? ` Each copy took ${x(slowdown)} as long beside the others as alone: on this machine CPUs working at once slow each other down.` : "";
  if (check === "yes") return `${ran}: at least ${needed} needs ${expected} CPUs working at the same time, so the copies ran in parallel.${slower}`;
  if (check === "no") return `${ran}: short of the ${needed} that ${expected} CPUs working at once would give, so this run shows no parallel work.`;
  const why = result.noise.busy ? `the run was disturbed (${result.noise.note})` : "the repeats spread too widely to tell";
  return `${ran}: this run cannot tell whether they ran in parallel (parallel work should reach ${needed} here), because ${why}.`;
}

/**
 * The sentence under a wall-time figure: for each strategy against its sequential baseline, how
 * much faster the copies finished and, for CPU work, how many CPUs they kept busy and what that
 * makes them (parallel, one at a time, or undecided); for waiting, whether the waits overlapped.
 * Computed with the verdicts' rule from the same result the figure draws.
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
      const parallel = atLeast(s.coresBusy, PARALLEL_SHARE * expected);
      const alone = atMost(s.coresBusy, ONE_CORE_BUSY);
      return `${busy}: ${parallel === "yes" ? "parallel work" : alone === "yes" ? "one core at a time" : "undecided"}`;
    });
  if (parts.length === 0) return "";
  const rule =
    result.cpuBound === false
      ? `waits overlap when the 95 % interval of the speedup lies at or above ${x(0.8 * result.copies)}`
      : `parallel work keeps at least ${(PARALLEL_SHARE * expected).toFixed(2)} CPUs busy, one core at a time at most ${ONE_CORE_BUSY.toFixed(2)}, by the 95 % interval of ${result.repeats} repeats`;
  return `Here, ${result.copies} copies on ${cores} usable CPU${cores === 1 ? "" : "s"}: ${parts.join("; ")} (${rule}).`;
}
