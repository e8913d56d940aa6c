/**
 * conclab/course: the course built on the library. One namespace per chapter (its experiments at
 * full and short size, its claims' verdict functions, its captions and its exercise check), the
 * registry of chapters, and what every chapter shares: claims and verdicts, saved results,
 * predictions, and recordings from bigger machines.
 */
// The registry: CHAPTERS, and each chapter's module under the name registry.ts gives it
export * from "./registry";
export type { Chapter, ChapterResults, Size } from "./chapter";

// Claims, verdicts and saved results
export {
  atLeast, atMost, verdictOf, thresholdRule, decided, verdictCounts, loadResults, resultsDir, resultsSource, currentProvenance,
  type Claim, type ClaimKind, type Verdict, type VerdictCounts, type Check, type Observed, type SectionResults, type Provenance,
} from "./claims";
export { saveResults, gatherSections, type GatheredSection } from "./results";
export * as judging from "./judging";

// What several chapters print and check
export { compareCaption, timelineCaption, loopLagCaption } from "./captions";
export type { ExerciseResult, OtherRunners } from "./exercise-kit";

// Predict, then measure
export { QUESTIONS, recordPrediction, predictionOutcome, clearPredictions, type Prediction, type PredictionOutcome } from "./predictions";
export type { Question, Choice } from "./questions";

// Recordings from machines with more CPUs (shown, never judged)
export { referenceView, loadReferences, type ReferenceView } from "./reference-view";
export type { ReferenceRecording, ReferenceCurvePoint, RecordedStat } from "./reference";
