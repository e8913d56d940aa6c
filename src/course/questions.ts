/**
 * Predict, then measure. Before a chapter's main experiment the reader commits to an answer to
 * one question; each answer predicts a range of the measured value. After the experiment, the
 * answer this machine supports is the one whose range holds the measurement (its 95 % interval
 * wholly inside), read from the numbers the claim observed. Nothing here knows the right answer in
 * advance: a measurement that lies in no range, or across two, supports none, and so does a claim
 * this run did not decide (its premises, such as free CPUs, were not shown) or could not measure.
 */
import type { Observed } from "./claims";

export type Choice = "a" | "b" | "c";

export interface Question {
  /** The id of the claim whose verdict answers it. */
  readonly id: string;
  readonly text: string;
  readonly choices: Readonly<Record<Choice, string>>;
  /** What each choice predicts of the measurement, in words (shown beside the answer). */
  readonly predicts: Readonly<Record<Choice, string>>;
  /** The choice whose prediction holds the claim's observed numbers, or null when none does. */
  readonly choose: (observed: Observed) => Choice | null;
}

/** A closed range of a measure, [low, high]. */
export type Range = readonly [number, number];
export const ANY_HIGH = Number.MAX_VALUE;

/** The first choice whose range holds the observed interval (low to high) wholly; null when none does. */
export function rangeChoice(observed: Observed, ranges: Readonly<Partial<Record<Choice, Range>>>): Choice | null {
  const { low, high } = observed;
  if (low === undefined || high === undefined) return null;
  for (const [choice, [from, to]] of Object.entries(ranges) as [Choice, Range][]) if (low >= from && high <= to) return choice;
  return null;
}

/** Two copies keeping CPUs busy: about two, about one, or about half of one. */
export const TWO_COPIES_BUSY: Readonly<Record<Choice, Range>> = { a: [1.5, 2.5], b: [0.7, 1.3], c: [0, 0.6] };
export const TWO_COPIES_BUSY_WORDS = { a: "1.5 to 2.5 CPUs busy", b: "0.7 to 1.3 CPUs busy", c: "under 0.6 CPUs busy" } as const;
