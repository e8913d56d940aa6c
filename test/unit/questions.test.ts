/**
 * Predict, then measure: the answer a run supports comes from the verdict of the claim the
 * experiment decides, never from the question; an undecided run supports no answer.
 */
import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";
import { type CompareResult } from "conclab";
import { CHAPTERS, clearPredictions, predictionOutcome, QUESTIONS, recordPrediction, gil } from "conclab/course";
import { reveal } from "conclab/kernel";
import { outcomeBundle, predictionBundle } from "conclab/kernel/internal";
import { handMadeResult, steady } from "../helpers/results";

const python = (threads: number, processes: number, cores = 2): CompareResult =>
  handMadeResult(cores, 2, {
    "python:sequential": { wall: steady(500), speedup: steady(1) },
    "python:threads": { wall: steady(500 / threads), speedup: steady(threads) },
    "python:processes": { wall: steady(500 / processes), speedup: steady(processes) },
  });
const node = (cores: number, speedup: number): CompareResult =>
  handMadeResult(cores, 2, { sequential: { wall: steady(300), speedup: steady(1) }, threads: { wall: steady(300 / speedup), speedup: steady(speedup) } });

describe("predict, then measure", () => {
  beforeEach(() => clearPredictions());

  it("every question is answered by a claim the course decides, and offers three different choices", () => {
    const asked = CHAPTERS.flatMap((c) => c.questions.map((q) => ({ chapter: c, q })));
    assert.deepEqual(asked.map(({ q }) => q.id).sort(), Object.keys(QUESTIONS).sort(), "QUESTIONS is every chapter's questions");
    for (const { chapter, q } of asked) {
      assert.ok(chapter.claims.includes(q.id), `${q.id} is a claim ${chapter.id} decides`);
      assert.equal(new Set(Object.values(q.choices)).size, 3, `${q.id}: three different choices`);
      assert.equal(new Set(Object.values(q.predicts)).size, 3, `${q.id}: each choice predicts something different`);
    }
  });

  it("the supported answer is the choice whose range holds the measurement: the GIL holding, a free-threaded build, an undecided run", () => {
    recordPrediction("gil.threads", "b");
    const held = predictionOutcome(gil.gilThreads(python(1.0, 1.95)));
    assert.deepEqual([held.predicted, held.supported, held.correct], ["b", "b", true]);
    assert.match(held.explanation, /^Measured: CPython, 2 copies .*\. That is what \(b\) predicts: 0\.7 to 1\.3 CPUs busy\. The claim holds: the threads took turns holding the GIL/);

    const freeThreaded = predictionOutcome(gil.gilThreads(python(1.9, 1.95)));
    assert.deepEqual([freeThreaded.supported, freeThreaded.correct], ["a", false]);

    const undecided = predictionOutcome(gil.gilThreads(python(1.0, 1.05)));
    assert.deepEqual([undecided.supported, undecided.correct], [null, null]);
    assert.match(undecided.explanation, /^This run cannot answer it \(unclear\): processes did not work in parallel/);
  });

  it("Node's worker threads in parallel support (a), though the article's claim then differs", () => {
    recordPrediction("gil.node-threads", "a");
    const claim = gil.nodeThreadsParallel(node(2, 1.9));
    assert.equal(claim.verdict, "differs");
    const outcome = predictionOutcome(claim);
    assert.deepEqual([outcome.supported, outcome.correct], ["a", true]);
  });

  it("on one CPU the question is not answered, whatever was predicted", () => {
    recordPrediction("gil.node-threads", "a");
    const outcome = predictionOutcome(gil.nodeThreadsParallel(node(1, 1.0)));
    assert.deepEqual([outcome.predicted, outcome.supported, outcome.correct], ["a", null, null]);
    assert.match(outcome.explanation, /not measured/);
  });

  it("every question: each choice is supported by a measurement in its range, and by nothing else", () => {
    const claimWith = (id: string, observed: Record<string, number>, verdict: "holds" | "differs" = "holds") =>
      ({ id, section: "x", claim: "x", measured: "m", verdict, reason: "r", rule: "r", kind: "test", nodeByDesign: null, observed }) as const;
    const exact = (v: number, extra: Record<string, number> = {}) => ({ median: v, low: v, high: v, ...extra });
    const cases: Record<string, Partial<Record<"a" | "b" | "c" | "none", Record<string, number>>>> = {
      "concepts.parallelism": { a: exact(1.9, { expected: 2, cores: 2 }), b: exact(1.0, { expected: 2, cores: 2 }), c: exact(2.6, { expected: 2, cores: 2 }), none: { median: 1.4, low: 1.2, high: 1.6, expected: 2, cores: 2 } },
      "gil.threads": { a: exact(1.9), b: exact(1.0), c: exact(0.4), none: { median: 1.4, low: 1.1, high: 1.7 } },
      "gil.node-threads": { a: exact(1.9), b: exact(1.0), c: exact(0.4), none: exact(1.4) },
      "approaches.preemptive": { a: exact(4, { copies: 4, cores: 2 }), b: exact(2, { copies: 4, cores: 2 }), c: exact(1, { copies: 4, cores: 2 }), none: exact(3, { copies: 4, cores: 2 }) },
      "granularity.tiny-tasks": { a: exact(1.8, { taskUs: 20, dispatchUs: 50 }), b: exact(1.0, { taskUs: 20, dispatchUs: 50 }), c: exact(0.3, { taskUs: 20, dispatchUs: 50 }), none: { median: 1.0, low: 0.6, high: 1.4 } },
      "proscons.switch-cost": { a: exact(40), b: exact(5), c: exact(1.1), none: { median: 10, low: 6, high: 14 } },
      "examples.cpu-node-threads": { a: exact(1.0), b: exact(1.9), c: exact(0.5), none: { median: 1.2, low: 1.0, high: 1.5 } },
      "examples.async-many": { a: exact(1.1, { copies: 1000 }), b: exact(20, { copies: 1000 }), c: exact(900, { copies: 1000 }) },
      "decision.massive-waiting": { a: exact(3.1), b: exact(1.4), c: exact(0.7) },
      "loop.await-starves": { a: exact(0.03), b: exact(0.4), c: exact(0.96), none: { median: 0.6, low: 0.5, high: 0.8 } },
      "bounded.memory": { a: exact(3.5), b: exact(1.5), c: exact(0.9) },
      "queue.round-trip": { a: exact(1.3), b: exact(5), c: exact(40), none: { median: 9, low: 4, high: 20 } },
      "decision.shared-threads": { a: { plainLost: 5, atomicLost: 0 }, b: { plainLost: 0, atomicLost: 0 }, c: { plainLost: 5, atomicLost: 3 }, none: { plainLost: 0, atomicLost: 3 } },
      "cpython.convoy": { a: exact(0.1), b: exact(21), c: exact(80), none: { median: 7, low: 4, high: 9 } },
      // 11: the 4th of 8 calls' finish (median, low, high) and the 1st's (firstLow, firstHigh), as shares of the batch.
      "pool.rounds": {
        a: exact(0.97, { firstLow: 0.9, firstHigh: 0.95 }),
        b: exact(0.52, { firstLow: 0.45, firstHigh: 0.5 }),
        c: exact(0.5, { firstLow: 0.12, firstHigh: 0.13 }),
        none: { median: 0.7, low: 0.5, high: 0.9, firstLow: 0.4, firstHigh: 0.6 },
      },
    };
    assert.deepEqual(Object.keys(cases).sort(), Object.keys(QUESTIONS).sort(), "every question is tried");
    for (const [id, byChoice] of Object.entries(cases)) {
      for (const [choice, observed] of Object.entries(byChoice)) {
        const outcome = predictionOutcome(claimWith(id, observed!));
        assert.equal(outcome.supported, choice === "none" ? null : choice, `${id} with ${JSON.stringify(observed)}`);
      }
      const first = Object.values(byChoice)[0]!;
      assert.equal(predictionOutcome({ ...claimWith(id, first), verdict: "unclear" }).supported, null, `${id}: an undecided run answers nothing`);
    }
  });

  it("no prediction yet is recorded as none, shown with how to make one, and judged as nothing", () => {
    const prediction = recordPrediction("gil.threads", "");
    assert.equal(prediction.choice, null);
    assert.match(String(predictionBundle(prediction)["text/plain"]), /No prediction yet: write your letter between the quotes of predict\("gil\.threads", ""\)/);
    const outcome = predictionOutcome(gil.gilThreads(python(1.0, 1.95)));
    assert.equal(outcome.correct, null);
    assert.match(String(outcomeBundle(outcome)["text/plain"]), /You made no prediction; this run supports \(b\)\./);
  });

  it("a later prediction replaces an earlier one, and the bundles mark the choice and the answer", () => {
    recordPrediction("gil.threads", "a");
    recordPrediction("gil.threads", "b");
    const outcome = predictionOutcome(gil.gilThreads(python(1.0, 1.95)));
    assert.equal(outcome.predicted, "b");
    const html = String(outcomeBundle(outcome)["text/html"]);
    assert.match(html, /<b>▶ \(b\) about one: the threads take turns running Python code<\/b>/);
    assert.match(html, /You predicted \(b\); this run supports \(b\): right\./);
  });

  it("reveal() of a chapter's claims shows the ones the course asks about, and refuses a list with none", () => {
    const asked = gil.gilThreads(python(1.0, 1.95));
    const notAsked = { ...asked, id: "gil.processes" };
    const printed: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => (printed.push(String(chunk)), true)) as typeof process.stdout.write;
    try {
      reveal([notAsked, asked]);
    } finally {
      process.stdout.write = write;
    }
    assert.equal(printed.length, 1, "one outcome shown");
    assert.match(printed[0]!, /^Two CPython threads each run the same pure-Python counting loop/);
    assert.throws(() => reveal([notAsked]), { name: "RangeError", message: /^claims must include a claim the course asks a question about \(concepts\.parallelism, .*\), got gil\.processes; pass the verdict that answers your prediction/ });
  });

  it("refuses an unknown question or choice, naming the parameter, the value and the fix", () => {
    assert.throws(() => recordPrediction("gil.fibers", "a"), { name: "RangeError", message: /^id must be one of concepts\.parallelism, gil\.threads, gil\.node-threads, .*got "gil\.fibers"/ });
    assert.throws(() => recordPrediction("gil.threads", "d"), { name: "RangeError", message: /^choice must be one of "a", "b", "c", or "" before you choose, got "d" \(string\); put the letter of your answer between the quotes/ });
    assert.throws(() => predictionOutcome({ ...gil.gilThreads(python(1, 1.9)), id: "no.such" }), { name: "RangeError", message: /^claim\.id must be one of/ });
  });
});
