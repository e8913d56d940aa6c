/**
 * 06's experiments, defined once in conclab's `decision` namespace and run by the chapter and by
 * the summary's short version: each returns what its verdict reads, from real threads, processes
 * and sockets (small sizes here).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { countTo, startDelayServer } from "conclab";
import { choosing, sharedState } from "conclab/course";

describe("the decision matrix's experiments", () => {
  it("the scaling curve's copy counts: powers of two up to the CPUs, and the CPUs themselves, at most 64", () => {
    assert.deepEqual(choosing.scalingCopies(1), [1]);
    assert.deepEqual(choosing.scalingCopies(2), [1, 2]);
    assert.deepEqual(choosing.scalingCopies(6), [1, 2, 4, 6]);
    assert.deepEqual(choosing.scalingCopies(200), [1, 2, 4, 8, 16, 32, 64]);
  });

  it("the scaling curve has one point per parallel strategy and copy count, in order", async () => {
    const curve = await choosing.scalingCurve({ task: countTo, args: [100_000], copies: [1, 2], repeats: 1 });
    assert.deepEqual(curve.map((p) => `${p.strategy}×${p.workers}`), ["threads×1", "processes×1", "threads×2", "processes×2"]);
    for (const point of curve) assert.ok(point.speedup.median > 0, `${point.strategy}×${point.workers} has a speedup`);
  });

  it("the shared counter: atomics and the lock lose nothing, and each row adds up", async () => {
    const counter = await sharedState.sharedCounter(200_000);
    assert.deepEqual(counter.rows.map((r) => r.method), ["plain ++", "Atomics.add", "lock"]);
    for (const row of counter.rows) assert.equal(row.counted + row.lost, row.expected);
    assert.equal(counter.lost.atomic, 0);
    assert.equal(counter.lost.locked, 0);
    assert.equal(counter.lost.expected, 400_000);
    assert.deepEqual(Object.keys(sharedState.counterRows(counter.rows)[0]!), ["method", "expected", "counted", "lost", "wall time (ms)"]);
  });

  it("the deposits race only across an await: with one, every deposit read the same balance", async () => {
    assert.deepEqual(await sharedState.depositRace(), { withAwait: 1, withoutAwait: 100, expected: 100 });
  });

  it("two processes send their counts back as messages, and the parent adds them", async () => {
    assert.deepEqual(await sharedState.countByMessages(1_000), { halves: [1_000, 1_000], sum: 2_000, expected: 2_000 });
  });

  it("massive waiting: one thread awaits every request, a pool serves its share one at a time; the verdict reads both", async () => {
    const server = await startDelayServer({ delayMs: 5 });
    try {
      const massive = await choosing.massiveWaitingRun(server.url, { requests: 50, threads: 4 });
      assert.deepEqual([massive.async.requests, massive.async.failed], [50, 0]);
      assert.deepEqual([massive.pool.threads, massive.pool.requests, massive.pool.failed], [4, 52, 0], "4 threads × 13 requests each");
      assert.equal(choosing.massiveWaiting(massive.async, massive.pool).id, "decision.massive-waiting");
      assert.deepEqual(choosing.massiveWaitingRows(massive).map((r) => [r.connections, r.failed]), [[50, 0], [52, 0]]);
    } finally {
      await server.close();
    }
  });

  it("the sentence under the massive-waiting table is computed from the two runs", () => {
    const result = { async: { requests: 100, failed: 0, wallMs: 200, addedBytes: 2 * 2 ** 20 }, pool: { threads: 8, requests: 104, failed: 0, wallMs: 500, addedBytes: 10 * 2 ** 20 } };
    assert.equal(choosing.massiveWaitingCaption(result), "One thread: 200 ms and 2 MB added, 0 failed; the pool of 8: 2.50x the time and 5.00x the memory.");
    assert.match(choosing.massiveWaitingCaption({ ...result, async: { ...result.async, addedBytes: 0 } }), /10 MB of memory against none measurable\.$/);
    assert.match(choosing.massiveWaitingCaption({ ...result, pool: { ...result.pool, addedBytes: -(2 ** 20) } }), /the pool of 8: 2\.50x the time and no measurable memory against 2 MB\.$/);
    assert.match(choosing.massiveWaitingCaption({ async: { ...result.async, addedBytes: 0 }, pool: { ...result.pool, addedBytes: 0 } }), /and no measurable memory either way\.$/);
  });

  it("the advice cites this run's numbers, and says so when the plain ++ lost nothing", () => {
    const speedup = { median: 1.9, min: 1.8, max: 2, mad: 0.05, relativeSpread: 0.03, samples: [1.9] };
    const evidence = {
      cores: 2,
      curve: [{ strategy: "threads", workers: 2, speedup, busy: false }],
      massive: { async: { requests: 10_000, failed: 0, wallMs: 900, addedBytes: 0 } },
      counter: { lost: { plain: 0, expected: 10 } },
    };
    assert.equal(
      choosing.advise({ bottleneck: "cpu", sharedState: true }, evidence),
      "CPU-bound: use worker threads (here 1.90x with 2 copies on 2 CPUs), or child processes when tasks must be isolated; never the event loop alone.\n" +
        "Shared state: between threads use Atomics or a lock (a plain ++ lost no updates here); in async code keep each read-modify-write free of awaits; between processes send messages.",
    );
    assert.match(choosing.advise({ bottleneck: "waiting", connections: 10_000 }, evidence), /^Massive waiting: .*10,000 connections in 900 ms on one thread, 0 failed/);
    assert.match(choosing.advise({ bottleneck: "waiting", connections: 10 }, evidence), /^Moderate waiting:/);
    const oneCpu = { ...evidence, cores: 1, curve: [{ strategy: "threads", workers: 1, speedup: { ...speedup, median: 1 }, busy: false }] };
    assert.match(choosing.advise({ bottleneck: "cpu" }, oneCpu), /^CPU-bound: use worker threads \(with one CPU here, this machine cannot show their speedup\), or child processes/);
  });
});
