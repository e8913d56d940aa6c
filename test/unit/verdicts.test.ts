import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { parallelCaption, summarize, verdicts, type CompareResult, type LoopLagResult, type Span, type StrategyKey } from "conclab";
import { handMadeResult } from "../helpers/results";

const result = handMadeResult;
const steady = (v: number): number[] => [v, v, v];
const python = (threads: number, processes: number, busy = false, cores = 2): CompareResult =>
  result(cores, 2, { "python:sequential": { wall: steady(500), speedup: steady(1) }, "python:threads": { wall: steady(500 / threads), speedup: steady(threads) }, "python:processes": { wall: steady(500 / processes), speedup: steady(processes) } }, busy);

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

  it("on one core every claim about parallel speedup, or its absence, is not measured", () => {
    const node = result(1, 2, {
      sequential: { wall: steady(300), speedup: steady(1) },
      threads: { wall: steady(300), speedup: steady(1) },
      processes: { wall: steady(310), speedup: steady(0.97) },
    });
    const py = python(1.0, 1.0, false, 1);
    assert.equal(verdicts.gilThreads(py).verdict, "not measured", "no speedup on one core proves nothing about the GIL");
    assert.equal(verdicts.gilProcesses(py).verdict, "not measured");
    for (const c of verdicts.cpuExamples(node, py)) assert.equal(c.verdict, "not measured", c.id);
    const flat = [1, 2].flatMap((k) => ["threads", "processes"].map((strategy) => ({ strategy, workers: k, speedup: summarize([1, 1, 1]), busy: false })));
    assert.equal(verdicts.cpuScales(flat, 1).verdict, "not measured");
    assert.equal(verdicts.threadsBestFor(summarize([1, 1, 1]), 1).verdict, "not measured");
  });

  it("on two cores the same numbers are judged: CPU examples hold or differ by design", () => {
    const node = result(2, 2, {
      sequential: { wall: steady(300), speedup: steady(1) },
      threads: { wall: steady(155), speedup: steady(1.95) },
      processes: { wall: steady(160), speedup: steady(1.9) },
    });
    assert.deepEqual(verdicts.cpuExamples(node, python(1.0, 1.9)).map((c) => c.verdict), ["holds", "holds", "differs in Node by design", "holds"]);
  });

  it("preemption is judged only with more copies than cores; the event loop at 1x can only be unclear, never contradicted", () => {
    const spans = (copies: number, overlapping: boolean, strategy: StrategyKey): Span[] =>
      Array.from({ length: copies }, (_, copy): Span => ({
        strategy, repeat: 0, copy, pid: 1, threadId: overlapping ? copy + 1 : 0,
        lane: overlapping ? `thread ${copy + 1}` : "main", laneKind: overlapping ? "thread" : "main",
        startMs: overlapping ? 0 : copy * 100, endMs: overlapping ? 200 : copy * 100 + 100,
      }));
    const switching = (cores: number, copies: number) =>
      result(cores, copies, {
        eventLoop: { wall: steady(400), speedup: steady(1), spans: spans(copies, false, "eventLoop") },
        threads: { wall: steady(200), speedup: steady(2), spans: spans(copies, true, "threads") },
      });
    assert.equal(verdicts.preemptiveThreads(switching(2, 4)).verdict, "holds");
    assert.equal(verdicts.preemptiveThreads(switching(4, 4)).verdict, "not measured", "a core per copy shows parallelism, not preemption");
    assert.equal(verdicts.asyncBoundToOneThread(summarize([1.0, 1.01, 0.99])).verdict, "holds");
    assert.equal(verdicts.asyncBoundToOneThread(summarize([1.6, 1.6, 1.6])).verdict, "unclear (noisy run)");
  });

  it("moderate waiting differs in Node by design when both overlap the waits", () => {
    const waits = result(2, 8, { sequential: { wall: steady(800), speedup: steady(1) }, async: { wall: steady(110), speedup: steady(7.3) }, threads: { wall: steady(130), speedup: steady(6.1) } });
    assert.equal(verdicts.moderateWaiting(waits).verdict, "differs in Node by design");
    const stuck = result(2, 8, { sequential: { wall: steady(800), speedup: steady(1) }, async: { wall: steady(800), speedup: steady(1) }, threads: { wall: steady(130), speedup: steady(6.1) } });
    assert.equal(verdicts.moderateWaiting(stuck).verdict, "differs");
  });

  it("responsiveness holds when only CPU work on the main thread froze the timer", () => {
    const lag = (maxLateMs: number): LoopLagResult<unknown> => ({ result: undefined, durationMs: 450, intervalMs: 10, ticks: [], maxLateMs, histogram: { p50Ms: 0, p99Ms: 0, maxMs: 0, samples: 0 }, utilization: 0 });
    assert.equal(verdicts.responsiveness(lag(2), lag(440), lag(3)).verdict, "holds");
    assert.equal(verdicts.responsiveness(lag(300), lag(440), lag(3)).verdict, "differs", "a timer late while the thread only awaited");
  });
});

describe("captions are computed from the numbers, with the verdicts' rule", () => {
  const node = (cores: number, speedup: number[], busy = false): CompareResult =>
    result(cores, 2, { sequential: { wall: steady(300), speedup: steady(1) }, threads: { wall: speedup.map((s) => 300 / s), speedup } }, busy);

  it("says the copies ran in parallel only past the threshold, and quotes this run's numbers", () => {
    assert.match(parallelCaption(node(2, steady(1.9)), "threads"), /finished 1\.90x as fast .* so the copies ran in parallel\.$/);
    assert.match(parallelCaption(node(2, steady(1.62)), "threads"), /1\.62x .* so the copies ran in parallel/);
  });

  it("says when a run shows no parallel speedup, and when it cannot tell", () => {
    assert.match(parallelCaption(node(2, steady(1.05)), "threads"), /short of the 1\.50x that 2 CPUs working at once would give, so this run shows no parallel speedup\.$/);
    assert.match(parallelCaption(node(2, [1.2, 1.45, 1.4], true), "threads"), /rerun the cell to decide\.$/);
  });

  it("on one CPU never calls overlap parallelism", () => {
    assert.match(parallelCaption(node(1, steady(1.0)), "threads"), /With 1 CPU usable the copies share one CPU's worth of time, so together they cannot finish sooner than one after another\.$/);
  });
});

describe("reasons name only measured causes", () => {
  it("a clear shortfall on free CPUs quotes the contention meter instead of blaming other work", () => {
    const short = result(2, 2, { sequential: { wall: steady(300), speedup: steady(1) }, threads: { wall: steady(280), speedup: steady(1.07) } });
    for (const claim of [verdicts.nodeThreadsParallel(short), verdicts.gilProcesses(python(1, 1.05))]) {
      assert.equal(claim.verdict, "differs");
      assert.doesNotMatch(claim.reason, /busy with other work/);
      assert.match(claim.reason, /although 2 cores were usable; other programs used 0% of the CPU meanwhile, too little to explain it/);
    }
  });
});

describe("memory per unit", () => {
  const unit = (strategy: "async" | "threads" | "processes", bytesPerUnit: number, metric: "heap" | "rss" | "pss") => ({ strategy, count: 1, bytesPerUnit, totalBytes: bytesPerUnit, metric });

  it("keeps the article's order but not its reason: Node's worker threads share no objects", () => {
    const claim = verdicts.memoryCosts([unit("async", 400, "heap"), unit("threads", 8e6, "rss"), unit("processes", 1.1e7, "pss")]);
    assert.equal(claim.verdict, "differs in Node by design");
    assert.match(claim.reason, /shares no objects/);
    assert.match(claim.measured, /\(heap\).*\(rss\).*\(pss\)/);
  });

  it("differs when the measured order does not follow the claim", () => {
    assert.equal(verdicts.memoryCosts([unit("async", 400, "heap"), unit("threads", 2e7, "rss"), unit("processes", 1.1e7, "pss")]).verdict, "differs");
  });
});

describe("the GIL verdicts and the interpreter in use", () => {
  it("say so when the interpreter reports its GIL disabled, instead of guessing", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "conclab-python-"));
    const fake = path.join(dir, "python3.13t");
    writeFileSync(fake, "#!/bin/sh\necho 3.13.1\necho False\n");
    chmodSync(fake, 0o755);
    const before = process.env.CONCLAB_PYTHON;
    try {
      process.env.CONCLAB_PYTHON = fake;
      assert.match(verdicts.gilThreads(python(1.9, 1.95)).reason, /runs with its GIL disabled \(a free-threaded build\)/);
    } finally {
      if (before === undefined) delete process.env.CONCLAB_PYTHON;
      else process.env.CONCLAB_PYTHON = before;
      rmSync(dir, { recursive: true, force: true });
    }
    assert.doesNotMatch(verdicts.gilThreads(python(1.9, 1.95)).reason, /free-threaded build\)/, "a standard build is not called free-threaded");
  });
});

