/**
 * The reader's predictions: what they chose before a chapter's main experiment, and, after it, the
 * choice this run's numbers support (see questions.ts for how a question's choices are judged).
 */
import { rangeError, typeError } from "../errors";
import type { Claim } from "./claims";
import type { Choice, Question } from "./questions";
import { CHAPTERS } from "./registry";

/** Every question the chapters ask, keyed by the claim that answers it. */
export const QUESTIONS: Readonly<Record<string, Question>> = Object.freeze(Object.fromEntries(CHAPTERS.flatMap((c) => c.questions).map((q) => [q.id, q])));

/** What the reader predicted, or null when they have not chosen yet. */
export interface Prediction {
  readonly question: Question;
  readonly choice: Choice | null;
}

/** The prediction beside what this machine measured. */
export interface PredictionOutcome {
  readonly question: Question;
  readonly predicted: Choice | null;
  /** The choice this run supports; null when the run could not decide the claim. */
  readonly supported: Choice | null;
  /** Whether the prediction matches what was supported; null when either is missing. */
  readonly correct: boolean | null;
  /** Why, from this run's numbers: what was measured and the claim's reason. */
  readonly explanation: string;
}

const predictions = new Map<string, Choice | null>();

function question(id: unknown, param: string): Question {
  if (typeof id !== "string") throw typeError(param, "a question id", id, `pass one of ${Object.keys(QUESTIONS).join(", ")}`);
  const found = Object.prototype.hasOwnProperty.call(QUESTIONS, id) ? QUESTIONS[id] : undefined;
  if (!found) throw rangeError(param, `one of ${Object.keys(QUESTIONS).join(", ")}`, id, "pass the id of a question the course asks");
  return found;
}

/**
 * Records the reader's prediction for question `id`: a choice ("a", "b" or "c"), or "" while they
 * have not chosen (the question is shown, nothing is recorded as an answer).
 */
export function recordPrediction(id: string, choice: string): Prediction {
  const asked = question(id, "id");
  if (choice !== "" && !Object.prototype.hasOwnProperty.call(asked.choices, choice)) {
    throw rangeError("choice", `one of "a", "b", "c", or "" before you choose`, choice, "put the letter of your answer between the quotes");
  }
  const recorded = choice === "" ? null : (choice as Choice);
  predictions.set(asked.id, recorded);
  return { question: asked, choice: recorded };
}

/**
 * The prediction for `claim`'s question beside the answer its measurement supports: the choice
 * whose range holds the claim's observed numbers. None where the claim was not decided, carries no
 * numbers (results saved by an older course), or lies in no single choice's range.
 */
export function predictionOutcome(claim: Claim): PredictionOutcome {
  const asked = question(claim.id, "claim.id");
  const predicted = predictions.get(asked.id) ?? null;
  // A run that did not decide its claim did not show the question's premises (free CPUs, a quiet machine) either.
  const decided = claim.verdict === "holds" || claim.verdict === "differs";
  const supported = decided && claim.observed ? asked.choose(claim.observed) : null;
  const verdict = `The claim ${claim.verdict === "holds" || claim.verdict === "differs" ? claim.verdict : `is ${claim.verdict}`}: ${claim.reason}.`;
  const explanation =
    supported !== null
      ? `Measured: ${claim.measured}. That is what (${supported}) predicts: ${asked.predicts[supported]}. ${verdict}`
      : !decided
        ? `This run cannot answer it (${claim.verdict}): ${claim.reason}. Measured: ${claim.measured}.`
        : !claim.observed
          ? `This run recorded no numbers for the question. Measured: ${claim.measured}.`
          : `This run cannot answer it: the measurement lies in no single choice's range (${(Object.entries(asked.predicts) as [Choice, string][]).map(([c, p]) => `(${c}) ${p}`).join("; ")}). Measured: ${claim.measured}. ${verdict}`;
  return { question: asked, predicted, supported, correct: predicted === null || supported === null ? null : predicted === supported, explanation };
}

/** Forgets every recorded prediction (a restarted course). */
export function clearPredictions(): void {
  predictions.clear();
}
