/**
 * Predict, then measure, in a cell: `predict(id, choice)` shows the question with the reader's
 * choice marked, `reveal(claim)` shows the prediction beside the answer this run supports and
 * why. One display each, HTML for Lab and handouts, plain text elsewhere.
 */
import { predictionOutcome, QUESTIONS, recordPrediction, type Choice, type Claim, type Prediction, type PredictionOutcome, type Question } from "../src/course/index";
import { escapeHtml } from "./html";
import { displayBundle, type MimeBundle } from "./tslab-channel";

const LETTERS: readonly Choice[] = ["a", "b", "c"];

function choicesText(question: Question, marked: Choice | null): string {
  return LETTERS.map((letter) => `${letter === marked ? "▶" : " "} (${letter}) ${question.choices[letter]}`).join("\n");
}

function choicesHtml(question: Question, marked: Choice | null): string {
  const items = LETTERS.map((letter) => {
    const text = `(${letter}) ${escapeHtml(question.choices[letter])}`;
    return `<li style="list-style:none">${letter === marked ? `<b>▶ ${text}</b>` : `&nbsp;&nbsp;${text}`}</li>`;
  });
  return `<ul style="margin:4px 0;padding-left:8px">${items.join("")}</ul>`;
}

/** The bundle of a recorded prediction: the question, the choices, and the one chosen (or how to choose). */
export function predictionBundle(prediction: Prediction): MimeBundle {
  const { question, choice } = prediction;
  const status = choice === null ? `No prediction yet: write your letter between the quotes of predict("${question.id}", "") and run the cell again.` : `Your prediction: (${choice}). The experiment below decides it.`;
  return {
    "text/plain": `Predict: ${question.text}\n${choicesText(question, choice)}\n${status}`,
    "text/html":
      `<div class="conclab-prediction" style="border-left:4px solid #4c78a8;padding:4px 10px;margin:4px 0">` +
      `<b>Predict:</b> ${escapeHtml(question.text)}${choicesHtml(question, choice)}<i>${escapeHtml(status)}</i></div>`,
  };
}

function verdictLine(outcome: PredictionOutcome): string {
  const supported = outcome.supported === null ? "this run supports no answer" : `this run supports (${outcome.supported})`;
  const predicted = outcome.predicted === null ? "You made no prediction" : `You predicted (${outcome.predicted})`;
  const judged = outcome.correct === null ? "" : outcome.correct ? ": right." : ": not what this machine showed.";
  return `${predicted}; ${supported}${judged || "."}`;
}

/** The bundle of an outcome: the question, the prediction beside the supported answer, and why. */
export function outcomeBundle(outcome: PredictionOutcome): MimeBundle {
  const { question } = outcome;
  const line = verdictLine(outcome);
  return {
    "text/plain": `${question.text}\n${choicesText(question, outcome.supported)}\n${line}\n${outcome.explanation}`,
    "text/html":
      `<div class="conclab-outcome" style="border-left:4px solid ${outcome.correct === false ? "#e45756" : "#54a24b"};padding:4px 10px;margin:4px 0">` +
      `<b>${escapeHtml(question.text)}</b>${choicesHtml(question, outcome.supported)}<b>${escapeHtml(line)}</b><br>${escapeHtml(outcome.explanation)}</div>`,
  };
}

/** Records and shows your prediction for question `id` ("a", "b", "c"; "" until you choose). */
export function predict(id: string, choice: string): void {
  displayBundle(predictionBundle(recordPrediction(id, choice)));
}

/**
 * Shows your prediction beside the answer this run's numbers support, and why, for `claims`: one
 * claim, or a chapter's list, of which those the course asks a question about are shown.
 */
export function reveal(claims: Claim | readonly Claim[]): void {
  const list: readonly Claim[] = Array.isArray(claims) ? (claims as readonly Claim[]) : [claims as Claim];
  const asked = list.filter((claim) => Object.prototype.hasOwnProperty.call(QUESTIONS, claim.id));
  if (asked.length === 0) {
    throw new RangeError(`claims must include a claim the course asks a question about (${Object.keys(QUESTIONS).join(", ")}), got ${list.map((c) => c.id).join(", ") || "none"}; pass the verdict that answers your prediction`);
  }
  for (const claim of asked) displayBundle(outcomeBundle(predictionOutcome(claim)));
}
