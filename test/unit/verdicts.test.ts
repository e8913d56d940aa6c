import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { summarize, verdicts, type CompareResult, type Span, type StrategyKey, type StrategyResult } from "conclab";

/** A hand-made comparison: per strategy, wall-time samples and (paired) speedup samples. */
function result(cores: number, copies: number, rows: Partial<Record<StrategyKey, { wall: number[]; speedup: number[]; spans?: Span[] }>>, busy = false): CompareResult {
  const strategies: StrategyResult[] = Object.entries(rows).map(([key, row]) => ({
    strategy: key as StrategyKey,
    wallMs: summarize(row!.wall),
    speedup: summarize(row!.speedup),
    idealSpeedup: key.includes("sequential") || key === "eventLoop" ? 1 : Math.min(copies, cores),
    efficiency: null,
    spans: row!.spans ?? [],
    memory: { rssBeforeBytes: 0, rssPeakBytes: 0, rssAfterBytes: 0, heapBeforeBytes: 0, heapPeakBytes: 0, heapAfterBytes: 0, perLane: [] },
    contention: null,
    results: [],
    suspect: [],
  }));
  return {
    task: "countTo", args: [1], copies, repeats: 3, warmup: 1, cpuBound: true, strategies, startedAtMs: 0, finishedAtMs: 1,
    environment: { cores, cpuModel: "test", node: "v20", v8: "11", platform: "linux x64", totalMemoryBytes: 1, loadAverage: [0, 0, 0] },
    noise: { relativeSpread: 0.05, contention: 0, busy, note: "" },
  };
}
const steady = (v: number): number[] => [v, v, v];
const python = (threads: number, processes: number, busy = false): CompareResult =>
  result(2, 2, { "python:sequential": { wall: steady(500), speedup: steady(1) }, "python:threads": { wall: steady(500 / threads), speedup: steady(threads) }, "python:processes": { wall: steady(500 / processes), speedup: steady(processes) } }, busy);

describe("verdicts are computed from the numbers", () => {
  it("the GIL: threads at 1x hold only when processes in the same run sped up", () => {
    assert.equal(verdicts.gilThreads(python(1.0, 1.95)).verdict, "holds");
    assert.equal(verdicts.gilThreads(python(1.0, 1.05)).verdict, "unclear (noisy run)", "no speedup anywhere proves nothing");
    assert.equal(verdicts.gilThreads(python(1.9, 1.95)).verdict, "differs", "a free-threaded build");
  });

  it("processes: a clear speedup holds, a clear shortfall differs, and a busy machine makes it unclear", () => {
    assert.equal(verdicts.gilProcesses(python(1, 1.9)).verdict, "holds");
    assert.equal(verdicts.gilProcesses(python(1, 1.05)).verdict, "differs");
    assert.equal(verdicts.gilProcesses(python(1, 1.05, true)).verdict, "unclear (noisy run)");
  });

  it("Node's threads differ by design when they run in parallel, and are not measured on one core", () => {
    const node = (cores: number, speedup: number) => result(cores, 2, { sequential: { wall: steady(300), speedup: steady(1) }, threads: { wall: steady(300 / speedup), speedup: steady(speedup) } });
    assert.equal(verdicts.nodeThreadsParallel(node(2, 1.9)).verdict, "differs in Node by design");
    assert.equal(verdicts.nodeThreadsParallel(node(1, 1.0)).verdict, "not measured");
    assert.match(verdicts.nodeThreadsParallel(node(1, 1.0)).measured, /on 1 core$/);
  });

  it("a noisy speedup inside the margin is unclear, never a pass", () => {
    const noisy = result(2, 2, { sequential: { wall: [300, 450, 300], speedup: steady(1) }, "threads": { wall: [200, 230, 190], speedup: [1.4, 1.45, 1.3] } });
    assert.equal(verdicts.nodeThreadsParallel(noisy).verdict, "unclear (noisy run)");
  });

  it("shared state: lost updates without atomics hold the claim; a lost update under atomics is a bug", () => {
    const race = { withAwait: 1, withoutAwait: 100, expected: 100 };
    const messages = { sum: 10, expected: 10 };
    assert.deepEqual(verdicts.sharedState({ plain: 5, atomic: 0, locked: 0, expected: 100 }, race, messages, 2).map((c) => c.verdict), ["holds", "holds", "holds"]);
    assert.equal(verdicts.sharedState({ plain: 0, atomic: 0, locked: 0, expected: 100 }, race, messages, 1)[0]!.verdict, "unclear (noisy run)");
    assert.equal(verdicts.sharedState({ plain: 5, atomic: 1, locked: 0, expected: 100 }, race, messages, 2)[0]!.verdict, "differs");
  });

  it("massive waiting holds only if one thread lost nothing and beat the pool on time and memory", () => {
    const pool = { threads: 32, requests: 10_000, failed: 0, wallMs: 9_000, addedBytes: 300e6 };
    assert.equal(verdicts.massiveWaiting({ requests: 10_000, failed: 0, wallMs: 2_000, addedBytes: 100e6 }, pool).verdict, "holds");
    assert.equal(verdicts.massiveWaiting({ requests: 10_000, failed: 3, wallMs: 2_000, addedBytes: 100e6 }, pool).verdict, "differs");
  });
});
