/**
 * Chapter 12: work in pieces handed back five ways, the asyncio trap in CPython, and the heartbeat
 * exercise, right and wrong answers judged on every CPU and on one.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AbortError, findPython, loopLagFigure } from "conclab";
import { starvedLoop } from "conclab/course";
import { abortAllExperiments, runningExperiments } from "conclab/internal";
import { onOneCpuAndOnAll } from "../helpers/exercise-suite";

describe("work in pieces beside a timer", () => {
  it("the plain loop, awaits of settled promises and recursive nextTick never let the timer fire while they run", async () => {
    for (const style of ["none", "microtask", "nextTick"] as const) {
      const run = await starvedLoop.measurePieces(style, 8, 5);
      assert.equal(run.ticksDuring, 0, `${style}: ${JSON.stringify(run.lag.ticks)}`);
      assert.ok(run.workMs >= 40, `${style} did 8 pieces of 5 ms: ${run.workMs} ms`);
      assert.ok(run.lag.ticks.length >= 1, `${style}: the held-back tick is recorded after the work`);
    }
  });

  it("setImmediate and setTimeout(0) between pieces let the timer fire during the work", async () => {
    for (const style of ["setImmediate", "setTimeout"] as const) {
      const run = await starvedLoop.measurePieces(style, 10, 5);
      assert.ok(run.ticksDuring >= 1, `${style}: ${run.ticksDuring} ticks in ${run.workMs} ms`);
    }
  });

  it("the delay histogram sees a block that started right away", async () => {
    const run = await starvedLoop.measurePieces("none", 8, 5);
    assert.ok(run.lag.histogram.samples > 0 && run.lag.histogram.maxMs >= 30, JSON.stringify(run.lag.histogram));
  });

  it("work split with setImmediate stops between pieces when its experiment is aborted", async () => {
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(starvedLoop.workInPieces("setImmediate", 10_000, 5, controller.signal), AbortError);
    assert.ok(performance.now() - started < 10_000, "it did not run all 10,000 pieces");
  });

  it("an interrupted experiment stops between two runs and leaves nothing running", async () => {
    const running = starvedLoop.starvationRun("full");
    setTimeout(() => void abortAllExperiments(), 100);
    // A run that went on to the end would resolve with its result: rejecting is stopping.
    await assert.rejects(running, AbortError);
    assert.equal(runningExperiments(), 0);
  });

  it("refuses a bad style, piece count or length, naming the parameter and the fix", () => {
    assert.throws(() => starvedLoop.workInPieces("yield" as starvedLoop.YieldStyle, 1, 1), /^RangeError: style must be one of none, microtask, nextTick, setImmediate, setTimeout, got "yield" \(string\)/);
    assert.throws(() => starvedLoop.workInPieces("none", 0, 1), /^RangeError: pieces must be an integer from 1 to 100000, got 0 \(number\); e\.g\. 60/);
    assert.throws(() => starvedLoop.workInPieces("none", 1, 1.5), /^RangeError: pieceMs must be an integer from 1 to 1000/);
  });

  it("the figure draws one series per style and the caption reads the runs' numbers", async () => {
    const result: starvedLoop.StarvationResult = {
      pieces: 4, pieceMs: 5, intervalMs: 10,
      runs: Object.fromEntries(await Promise.all(starvedLoop.YIELD_STYLES.map(async (style) => [style, [await starvedLoop.measurePieces(style, 4, 5)]] as const))) as unknown as starvedLoop.StarvationResult["runs"],
    };
    const figure = loopLagFigure(starvedLoop.lagSeries(result));
    assert.equal(figure.data.length, 5);
    const caption = starvedLoop.starvationCaption(result);
    assert.match(caption, /^Medians of 1 run of 4 × 5\.0 ms: a plain loop: the timer fired 0 times in /);
    assert.match(caption, /split with setTimeout\(0\): the timer fired \d+ times in .* the plain loop's time\)\. Utilisation /);
  });
});

describe("the asyncio trap, in CPython", { skip: findPython() ? false : "no CPython 3.8+ here" }, () => {
  it("a task awaiting coroutines that never suspend lets the ticker wake 0 times; the runs come back interleaved with who ran them", async () => {
    const result = await starvedLoop.asyncioRun("short");
    assert.ok(result);
    assert.deepEqual(result.runs.map((r) => r.mode), ["never-suspends", "sleep0", "never-suspends", "sleep0", "never-suspends", "sleep0"]);
    assert.deepEqual(result.runs.filter((r) => r.mode === "never-suspends").map((r) => r.ticksDuring), [0, 0, 0]);
    assert.match(result.interpreter.version, /^3\.\d+\.\d+$/);
    assert.match(starvedLoop.asyncioCaption(result), /^CPython 3\.\d+\.\d+, medians of 3 runs: beside a task awaiting coroutines that never suspend, the 10 ms asyncio\.sleep timer woke 0 times/);
  });
});

describe("the exercise: a queue that keeps the heartbeat going", () => {
  onOneCpuAndOnAll("12");

  describe("judged from counts", () => {
    const evidence = { items: 200, result: 200, missing: 0, repeated: 0, mostBetween: 12, beats: 20 };
    it("a hand-back that never reaches the loop fails, saying why and what to use", () => {
      const r = starvedLoop.judgeKeepsHeartbeat({ ...evidence, mostBetween: 200, beats: 0 });
      assert.equal(r.passed, false);
      assert.match(r.message, /^Not yet: the heartbeat never fired while the 200 items were handled; at most 25 may\. `await null`, queueMicrotask and process\.nextTick .* setImmediate/);
      assert.match(starvedLoop.judgeKeepsHeartbeat({ ...evidence, mostBetween: 60 }).message, /^Not yet: up to 60 items \(60 ms of work\) ran between two heartbeats/);
    });

    it("a wrong count, a missing or a repeated item fails", () => {
      assert.match(starvedLoop.judgeKeepsHeartbeat({ ...evidence, result: 199 }).message, /^Not yet: it returned 199 where 200 was expected; return how many items were handled\./);
      assert.match(starvedLoop.judgeKeepsHeartbeat({ ...evidence, missing: 1 }).message, /^Not yet: 1 item was never handled; call handle\(item\) once/);
      assert.match(starvedLoop.judgeKeepsHeartbeat({ ...evidence, repeated: 3 }).message, /^Not yet: 3 handled more than once/);
    });

    it("at most 25 items between beats passes, with the counts", () => {
      assert.deepEqual(starvedLoop.judgeKeepsHeartbeat(evidence), { exercise: "a queue that keeps the heartbeat going", passed: true, message: "Done: all 200 items handled, at most 12 between two heartbeats; the heartbeat fired 20 times while the queue was worked through." });
      assert.equal(starvedLoop.judgeKeepsHeartbeat({ ...evidence, mostBetween: 25 }).passed, true);
      assert.equal(starvedLoop.judgeKeepsHeartbeat({ ...evidence, mostBetween: 26 }).passed, false);
    });

    it("an item outside the queue, a throw or no function is not yet an answer, naming what went wrong", async () => {
      const outside = await starvedLoop.checkKeepsHeartbeat(async (_items, handle) => {
        handle(500);
        return 200;
      });
      assert.match(outside.message, /^Not yet: the function threw handle\(item\): item must be one of the queue's items, 0 to 199, got 500/);
      const none = await starvedLoop.checkKeepsHeartbeat(undefined as unknown as () => number);
      assert.match(none.message, /^Not yet: pass your function/);
    });
  });
});
