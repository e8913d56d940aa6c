import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AbortError, compare, countTo, sleep, type StrategyResult, summarize } from "conclab";
import { COMPARE_DEFAULTS, suspicions } from "conclab/internal";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../../tools/paths";
import { ownThreadCount, threadsSettleTo } from "../helpers/threads";

describe("compare", () => {
  it("runs every strategy the same number of times, interleaved, and pairs speedups per repeat", async () => {
    const progress: string[] = [];
    const result = await compare({
      task: countTo,
      args: [300_000],
      copies: 2,
      strategies: ["sequential", "eventLoop", "threads"],
      repeats: 3,
      warmup: 1,
      onProgress: (p) => p.phase === "run" && progress.push(`${p.repeat}:${p.strategy}`),
    });
    assert.deepEqual(progress, ["0:sequential", "0:eventLoop", "0:threads", "1:eventLoop", "1:threads", "1:sequential", "2:threads", "2:sequential", "2:eventLoop"]);
    assert.equal(result.task, "countTo");
    assert.equal(result.cpuBound, true);
    assert.deepEqual(result.strategies.map((s) => s.strategy), ["sequential", "eventLoop", "threads"]);
    for (const s of result.strategies) {
      assert.equal(s.wallMs.samples.length, 3);
      assert.equal(s.spans.length, 3 * 2, "one span per copy per repeat");
      assert.deepEqual(s.results, [300_000, 300_000]);
      assert.equal(s.speedup?.samples.length, 3);
    }
    const sequential = result.strategies[0]!;
    assert.deepEqual(sequential.speedup?.samples, [1, 1, 1]);
    const threads = result.strategies[2]!;
    assert.equal(threads.idealSpeedup, Math.min(2, result.environment.cores));
    assert.equal(threads.efficiency, threads.speedup!.median / Math.min(2, result.environment.cores));
    assert.equal(result.strategies[1]!.idealSpeedup, 1);
    assert.ok(result.finishedAtMs > result.startedAtMs);
  });

  it("repeats until decided: more interleaved rounds while `until` says no, up to maxRepeats", async () => {
    const seen: number[] = [];
    const undecided = await compare({
      task: countTo, args: [100_000], copies: 2, strategies: ["sequential", "threads"], repeats: 2, warmup: 0, maxRepeats: 7,
      until: (partial) => (seen.push(partial.repeats), false),
    });
    assert.deepEqual(seen, [2, 4, 6], "asked after the first rounds, then after every added batch");
    assert.equal(undecided.repeats, 7);
    assert.equal(undecided.addedRepeats, 5);
    for (const s of undecided.strategies) assert.equal(s.wallMs.samples.length, 7);
    assert.equal(undecided.strategies[1]!.speedup?.samples.length, 7);

    const decidedAtOnce = await compare({ task: countTo, args: [100_000], copies: 2, strategies: ["sequential", "threads"], repeats: 2, warmup: 0, until: () => true });
    assert.equal(decidedAtOnce.repeats, 2);
    assert.equal(decidedAtOnce.addedRepeats, 0);
    await assert.rejects(compare({ task: countTo, args: [1], copies: 1, strategies: ["sequential"], repeats: 3, maxRepeats: 2 }), { name: "RangeError", message: /options\.maxRepeats/ });

    // The time budget binds too: rounds of 60 ms or more, and a budget long spent after the first two.
    const outOfTime = await compare({ task: sleep, args: [60], copies: 1, strategies: ["sequential"], repeats: 2, warmup: 0, maxRepeats: 10, maxTotalMs: 100, until: () => false });
    assert.equal(outOfTime.repeats, 2, "no round is added once maxTotalMs has passed");
  });

  it("spans of one repeat fall inside that run and on the lanes of their strategy", async () => {
    const result = await compare({ task: sleep, args: [30], copies: 3, strategies: ["sequential", "async"], repeats: 2, warmup: 0 });
    assert.equal(result.cpuBound, false);
    for (const s of result.strategies) {
      assert.ok(s.spans.every((span) => span.lane === "main" && span.endMs >= span.startMs));
      assert.deepEqual([...new Set(s.spans.map((span) => span.repeat))], [0, 1]);
    }
  });

  it("an abort mid-way rejects with AbortError and leaves no worker thread", async () => {
    const before = ownThreadCount();
    const controller = new AbortController();
    const pending = compare({ task: sleep, args: [400], copies: 2, strategies: ["threads", "eventLoop"], repeats: 20, warmup: 0, signal: controller.signal });
    setTimeout(() => controller.abort(), 600);
    await assert.rejects(pending, AbortError);
    assert.ok((await threadsSettleTo(before)) <= before);
  });

  it("refuses a comparison whose estimate exceeds maxTotalMs before running it", async () => {
    await assert.rejects(
      compare({ task: countTo, args: [50_000_000], copies: 2, strategies: ["sequential"], repeats: 5, maxTotalMs: 1 }),
      { name: "RangeError", message: /^options\.args make this comparison take about .* over options\.maxTotalMs = 1 ms; use a smaller size/ },
    );
  });
});

describe("the checks that flag a result as suspect", () => {
  const stat = (samples: number[]) => summarize(samples);
  const result = (strategy: StrategyResult["strategy"], wall: number[], speedup: number[], ideal: number) => ({
    strategy, wallMs: stat(wall), speedup: stat(speedup), idealSpeedup: ideal, efficiency: null, spans: [], results: [],
    memory: { rssBeforeBytes: 0, rssPeakBytes: 0, rssAfterBytes: 0, heapBeforeBytes: 0, heapPeakBytes: 0, heapAfterBytes: 0, perLane: [] }, contention: null, coresBusy: null,
  });
  const baseline = { ...result("sequential", [100, 101, 99], [1, 1, 1], 1), suspect: [] };

  it("CPU work on one thread that looks faster than sequential", () => {
    const found = suspicions(result("eventLoop", [65, 64, 66], [1.55, 1.56, 1.54], 1), baseline, true, 2);
    assert.equal(found.length, 1);
    assert.match(found[0]!, /^eventLoop took 0\.65x the sequential time, but CPU work on one thread cannot overlap/);
  });

  it("a speedup above the core count", () => {
    const found = suspicions(result("threads", [30, 31, 29], [3.3, 3.2, 3.4], 2), baseline, true, 2);
    assert.match(found.join(), /a speedup of 3\.30x is above the 2 that 2 core\(s\) allow/);
  });

  it("nothing when the numbers are possible, or when the task is not CPU-bound", () => {
    assert.deepEqual(suspicions(result("eventLoop", [101, 100, 99], [0.99, 1.01, 1], 1), baseline, true, 2), []);
    assert.deepEqual(suspicions(result("threads", [52, 51, 50], [1.95, 1.97, 1.99], 2), baseline, true, 2), []);
    assert.deepEqual(suspicions(result("eventLoop", [25, 25, 25], [4, 4, 4], 1), baseline, false, 2), []);
  });
});

describe("compare()'s defaults", () => {
  it("are the ones README documents", () => {
    const readme = readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
    const row = readme.split("\n").find((line) => line.startsWith("| `compare({"));
    assert.ok(row, "README has a row for compare()");
    const d = COMPARE_DEFAULTS;
    assert.ok(row.includes(`(default ${d.strategies.map((s) => `\`${s}\``).join(", ")};`), `default strategies ${d.strategies.join(", ")}`);
    assert.ok(row.includes(`\`repeats\` (${d.repeats}) times`), `repeats ${d.repeats}`);
    assert.ok(row.includes(`\`warmup\` (${d.warmup}) rounds`), `warmup ${d.warmup}`);
    assert.ok(row.includes(`\`maxRepeats\` (${d.maxRepeatsPerRepeat} × \`repeats\`, at most 100)`), `maxRepeats ${d.maxRepeatsPerRepeat} × repeats`);
    assert.ok(row.includes(`\`timeoutMs\` (${d.timeoutMs.toLocaleString("en-US").replace(",", " ")})`), `timeoutMs ${d.timeoutMs}`);
    assert.ok(row.includes(`\`maxTotalMs\` (${d.maxTotalMs / 60_000} min)`), `maxTotalMs ${d.maxTotalMs}`);
  });
});
