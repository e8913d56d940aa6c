/**
 * Predict, then measure. Before a chapter's main experiment the reader commits to an answer to
 * one question; each answer predicts a range of the measured value. After the experiment, the
 * answer this machine supports is the one whose range holds the measurement (its 95 % interval
 * wholly inside), read from the numbers the claim observed. Nothing here knows the right answer in
 * advance: a measurement that lies in no range, or across two, supports none, and so does a claim
 * this run did not decide (its premises, such as free CPUs, were not shown) or could not measure.
 */
import { rangeError, typeError } from "../errors";
import type { Claim, Observed } from "./claims";

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
type Range = readonly [number, number];
const ANY_HIGH = Number.MAX_VALUE;

/** The first choice whose range holds the observed interval (low to high) wholly; null when none does. */
function rangeChoice(observed: Observed, ranges: Readonly<Partial<Record<Choice, Range>>>): Choice | null {
  const { low, high } = observed;
  if (low === undefined || high === undefined) return null;
  for (const [choice, [from, to]] of Object.entries(ranges) as [Choice, Range][]) if (low >= from && high <= to) return choice;
  return null;
}

/** Two copies keeping CPUs busy: about two, about one, or about half of one. */
const TWO_COPIES_BUSY: Readonly<Record<Choice, Range>> = { a: [1.5, 2.5], b: [0.7, 1.3], c: [0, 0.6] };
const TWO_COPIES_BUSY_WORDS = { a: "1.5 to 2.5 CPUs busy", b: "0.7 to 1.3 CPUs busy", c: "under 0.6 CPUs busy" } as const;

const ASKED: readonly Question[] = [
  {
    id: "concepts.parallelism",
    text: "Several copies of a CPU-bound count run on worker threads, one thread each. On this machine, how many CPUs will they keep busy at the same time?",
    choices: {
      a: "about as many as there are copies or free CPUs, whichever is fewer: each thread gets a core",
      b: "about one: the copies take turns on a single core",
      c: "more than there are CPUs: threads add computing power",
    },
    predicts: {
      a: "CPUs busy between 0.75 and 1.1 times the copies or the CPUs, whichever is fewer",
      b: "0.5 to 1.3 CPUs busy",
      c: "more CPUs busy than the machine has, by 0.2 or more",
    },
    choose: (o) => rangeChoice(o, { a: [0.75 * (o.expected ?? 2), 1.1 * (o.expected ?? 2)], b: [0.5, 1.3], c: [(o.cores ?? 2) + 0.2, ANY_HIGH] }),
  },
  {
    id: "gil.threads",
    text: "Two CPython threads each run the same pure-Python counting loop, with two or more CPUs free. How many CPUs will they keep busy on average?",
    choices: {
      a: "about two: each thread runs on its own core",
      b: "about one: the threads take turns running Python code",
      c: "about half of one: the threads block each other most of the time",
    },
    predicts: TWO_COPIES_BUSY_WORDS,
    choose: (o) => rangeChoice(o, TWO_COPIES_BUSY),
  },
  {
    id: "gil.node-threads",
    text: "Two Node.js worker threads each run the same JavaScript counting loop, with two or more CPUs free. How many CPUs will they keep busy on average?",
    choices: {
      a: "about two: each worker has its own isolate and event loop, on its own thread",
      b: "about one: like CPython's threads, they take turns",
      c: "less than one: the workers mostly wait for the main thread",
    },
    predicts: TWO_COPIES_BUSY_WORDS,
    choose: (o) => rangeChoice(o, TWO_COPIES_BUSY),
  },
  {
    id: "approaches.preemptive",
    text: "More copies of a CPU-bound count than there are CPUs start together, each on a worker thread of its own. While they run, how many of them are in progress at the same time?",
    choices: {
      a: "all of them: the operating system slices the CPUs' time between the threads",
      b: "as many as there are CPUs: the others wait until a thread finishes",
      c: "one: the threads run one after another",
    },
    predicts: { a: "every copy in progress at once", b: "as many copies in progress as there are CPUs", c: "one copy in progress at a time" },
    choose: (o) => (o.median === o.copies ? "a" : o.median === o.cores ? "b" : o.median === 1 ? "c" : null),
  },
  {
    id: "proscons.switch-cost",
    text: "In CPython, two asyncio tasks pass a turn back and forth, each awaiting a future the other sets; two threads do the same through events, each asleep until the other wakes it. How does one handoff between the threads compare with one between the asyncio tasks?",
    choices: {
      a: "ten times dearer or more: the operating system must wake the sleeping thread, and asyncio's switch stays inside one thread",
      b: "dearer, but by less than ten times: asyncio's own switch runs Python code that costs microseconds too",
      c: "about as cheap or cheaper: a thread switch is done by the CPU, an await goes through the event loop",
    },
    predicts: { a: "a thread's handoff 10x an asyncio task's or more", b: "a thread's handoff 1.5x to 10x an asyncio task's", c: "a thread's handoff at most 1.5x an asyncio task's" },
    choose: (o) => rangeChoice(o, { a: [10, ANY_HIGH], b: [1.5, 10], c: [0, 1.5] }),
  },
  {
    id: "examples.cpu-node-threads",
    text: "Two copies of a CPU-bound count start together on Node worker threads, against the same two run one after another. With two or more CPUs free, what speedup will the threads give?",
    choices: {
      a: "about 1x: threads give CPU-bound work no speedup, as the article says of Python",
      b: "up to about 2x: each worker thread runs its own JavaScript engine on its own core",
      c: "well under 1x: threads always cost more than they give",
    },
    predicts: { a: "a speedup of 0.8x to 1.2x", b: "a speedup of 1.3x to 2.2x", c: "a speedup under 0.8x" },
    choose: (o) => rangeChoice(o, { a: [0.8, 1.2], b: [1.3, 2.2], c: [0, 0.8] }),
  },
  {
    id: "examples.async-many",
    text: "In CPython, many asyncio tasks each await a 300 ms sleep, all started together on the one thread of the event loop (chapter 06 runs up to ten thousand). How long do they take in all?",
    choices: {
      a: "about 300 ms: one thread waits on all the timers at once",
      b: "clearly longer than one wait: a thread can only wait on a few things at a time",
      c: "about as many times 300 ms as there are tasks: the thread waits for one timer after another",
    },
    predicts: { a: "at most 1.5 times one wait", b: "between 1.5 times one wait and half the waits one after another", c: "at least half the time of the waits one after another" },
    choose: (o) => rangeChoice(o, { a: [0, 1.5], b: [1.5, 0.5 * (o.copies ?? 1000)], c: [0.5 * (o.copies ?? 1000), ANY_HIGH] }),
  },
  {
    id: "decision.massive-waiting",
    text: "In CPython, thousands of requests all wait at once on a slow server: either every one awaited on one asyncio event loop, or one thread per request, blocked in its socket call. How does the memory a thread per connection takes compare with asyncio's per connection?",
    choices: {
      a: "twice asyncio's or more: each thread keeps a stack and its own state while it waits",
      b: "between about the same and twice: a waiting socket costs most of it either way",
      c: "less than asyncio's: threads share their process's memory",
    },
    predicts: { a: "a thread per connection at least 2x asyncio's memory", b: "1x to 2x asyncio's memory", c: "under asyncio's memory" },
    choose: (o) => rangeChoice(o, { a: [2, ANY_HIGH], b: [1, 2], c: [0, 1] }),
  },
  {
    id: "decision.shared-threads",
    text: "Two worker threads each add 1 to the same shared counter five million times with a plain `++`, and the same again with `Atomics.add`. What will the counter read?",
    choices: {
      a: "under ten million with `++`, exactly ten million with `Atomics.add`: a `++` can be cut in the middle by the other thread",
      b: "exactly ten million both ways: each `++` is a single step",
      c: "under ten million both ways: threads cannot share a counter at all",
    },
    predicts: { a: "updates lost with ++, none with Atomics.add", b: "no update lost either way", c: "updates lost both ways" },
    choose: ({ plainLost, atomicLost }) =>
      plainLost === undefined || atomicLost === undefined ? null : atomicLost === 0 ? (plainLost > 0 ? "a" : "b") : plainLost > 0 ? "c" : null,
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
