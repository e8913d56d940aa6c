/** Chapter 00, the index: this machine, and how noise spreads one task's timings. */
import { median } from "../../measure/stats";
import type { Chapter } from "../chapter";
import { ms, x } from "../judging";

/** The sentence under 00's durations figure: the median, the range and spread of the runs, and how the first compares. */
export function durationsCaption(durationsMs: readonly number[]): string {
  if (durationsMs.length === 0) throw new RangeError("durationsMs must hold at least one duration; time the work first (timeEach)");
  const mid = median(durationsMs);
  const [low, high] = [Math.min(...durationsMs), Math.max(...durationsMs)];
  const spread = `${Math.round((100 * (high - low)) / mid)} % of the median`;
  const first = durationsMs[0]!;
  return `Here: median ${ms(mid)} over ${durationsMs.length} runs, from ${ms(low)} to ${ms(high)} (a spread of ${spread}); the first run took ${ms(first)}, ${x(first / mid)} the median.`;
}

export const chapter: Chapter = {
  id: "00-index",
  title: "Concurrency vs parallelism, measured",
  question: "",
  about: "what this is, this machine, and how noise affects every timing",
  claims: [],
  questions: [],
};
