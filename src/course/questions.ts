/**
 * Predict, then measure. Before a chapter's main experiment the reader commits to an answer to
 * one question; after it, the answer this machine supports is read from the verdict of the claim
 * the experiment decides, and explained with that claim's own numbers. Nothing here knows the
 * right answer in advance: a run that cannot decide the claim cannot decide the question either.
 */
import { rangeError, typeError } from "../errors";
import type { Claim } from "./claims";

export type Choice = "a" | "b" | "c";

export interface Question {
  /** The id of the claim whose verdict answers it. */
  readonly id: string;
  readonly text: string;
  readonly choices: Readonly<Record<Choice, string>>;
  /** The choice the claim's verdict supports: when it holds, and when it differs. */
  readonly answerWhen: { readonly holds: Choice; readonly differs: Choice };
}

const ASKED: readonly Question[] = [
    {
      id: "concepts.parallelism",
      text: "Several copies of a CPU-bound count run on worker threads, one thread each. On this machine, how many CPUs will they keep busy at the same time?",
      choices: {
        a: "about as many as there are copies or free CPUs, whichever is fewer: each thread gets a core",
        b: "about one: the copies take turns on a single core",
        c: "more than there are CPUs: threads add computing power",
      },
      answerWhen: { holds: "a", differs: "b" },
    },
    {
      id: "gil.threads",
      text: "Two CPython threads each run the same pure-Python counting loop, with two or more CPUs free. How many CPUs will they keep busy on average?",
      choices: {
        a: "about two: each thread runs on its own core",
        b: "about one: the threads take turns running Python code",
        c: "about half of one: the threads block each other most of the time",
      },
      answerWhen: { holds: "b", differs: "a" },
    },
    {
      id: "gil.node-threads",
      text: "Two Node.js worker threads each run the same JavaScript counting loop, with two or more CPUs free. How many CPUs will they keep busy on average?",
      choices: {
        a: "about two: each worker has its own isolate and event loop, on its own thread",
        b: "about one: like CPython's threads, they take turns",
        c: "less than one: the workers mostly wait for the main thread",
      },
      // The claim is the article's rule for threads, so it differs in Node when the workers run in parallel.
      answerWhen: { holds: "b", differs: "a" },
    },
  {
    id: "approaches.preemptive",
    text: "More copies of a CPU-bound count than there are CPUs start together, each on a worker thread of its own. While they run, how many of them are in progress at the same time?",
    choices: {
      a: "all of them: the operating system slices the CPUs' time between the threads",
      b: "as many as there are CPUs: the others wait until a thread finishes",
      c: "one: the threads run one after another",
    },
    answerWhen: { holds: "a", differs: "b" },
  },
  {
    id: "proscons.switch-cost",
    text: "Two async tasks pass a turn back and forth, one await each time; two worker threads do the same, each asleep until the other wakes it. How does one handoff between the threads compare with one between the async tasks?",
    choices: {
      a: "ten times dearer or more: the operating system must wake the sleeping thread",
      b: "about as cheap or cheaper: a thread switch is done by the CPU, an await goes through the event loop",
      c: "they cannot be compared: the two threads run at the same time",
    },
    answerWhen: { holds: "a", differs: "b" },
  },
  {
    id: "examples.cpu-node-threads",
    text: "Two copies of a CPU-bound count start together on Node worker threads, against the same two run one after another. With two or more CPUs free, what speedup will the threads give?",
    choices: {
      a: "about 1x: threads give CPU-bound work no speedup, as the article says of Python",
      b: "up to about 2x: each worker thread runs its own JavaScript engine on its own core",
      c: "well under 1x: threads always cost more than they give",
    },
    answerWhen: { holds: "a", differs: "b" },
  },
  {
    id: "examples.async-many",
    text: "A thousand tasks each await a 300 ms timer, all started together on the one JavaScript thread. How long do they take in all?",
    choices: {
      a: "about 300 ms: one thread waits on all the timers at once",
      b: "clearly longer than one wait: a thread can only wait on a few things at a time",
      c: "about a thousand times 300 ms: the thread waits for one timer after another",
    },
    answerWhen: { holds: "a", differs: "b" },
  },
  {
    id: "decision.massive-waiting",
    text: "Ten thousand requests each wait on a slow server: all of them awaited at once on one thread, or served by a pool of a few dozen threads that each handle one request at a time. Which takes less time and less memory?",
    choices: {
      a: "async on one thread, on both counts",
      b: "the thread pool, on at least one count",
      c: "neither: they cost about the same",
    },
    answerWhen: { holds: "a", differs: "b" },
  },
  {
    id: "decision.shared-threads",
    text: "Two worker threads each add 1 to the same shared counter five million times with a plain `++`, and the same again with `Atomics.add`. What will the counter read?",
    choices: {
      a: "under ten million with `++`, exactly ten million with `Atomics.add`: a `++` can be cut in the middle by the other thread",
      b: "exactly ten million both ways: each `++` is a single step",
      c: "under ten million both ways: threads cannot share a counter at all",
    },
    answerWhen: { holds: "a", differs: "b" },
  },
];

/** One question per chapter's main experiment, keyed by the claim that answers it. */
export const QUESTIONS: Readonly<Record<string, Question>> = Object.freeze(Object.fromEntries(ASKED.map((q) => [q.id, q])));

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

/** The prediction for `claim`'s question beside the answer that claim's verdict supports. */
export function predictionOutcome(claim: Claim): PredictionOutcome {
  const asked = question(claim.id, "claim.id");
  const predicted = predictions.get(asked.id) ?? null;
  const supported = claim.verdict === "holds" ? asked.answerWhen.holds : claim.verdict === "differs" ? asked.answerWhen.differs : null;
  const explanation =
    supported === null
      ? `This run cannot answer it (${claim.verdict}): ${claim.reason}. Measured: ${claim.measured}.`
      : `Measured: ${claim.measured}. So ${claim.reason}.`;
  return { question: asked, predicted, supported, correct: predicted === null || supported === null ? null : predicted === supported, explanation };
}

/** Forgets every recorded prediction (a restarted course). */
export function clearPredictions(): void {
  predictions.clear();
}
