/** Exercise checks judge what the reader's answer does when it runs, not how it is written. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { approachesData, calibrate, checkCopiesAtOnce, checkCounterOnThreads, checkOverlapOnOneThread, checkRunsInParallel, checkTaskOnThreads, checkTasksPerThread, checkWaitsTogether, checkYieldsToSiblings, countTo, COUNTER_CHECK, describeMachine } from "conclab";
import { exerciseBundle } from "conclab/kernel/internal";

const step = 3;

describe("the exercise: a task that runs on worker threads", () => {
  it("a task that uses a notebook name is not yet an answer, and the check says which name and what to do", async () => {
    const countBySteps = (limit: number): number => {
      let i = 0;
      while (i < limit) i += step;
      return i;
    };
    const result = await checkTaskOnThreads(countBySteps, [300], 300);
    assert.equal(result.passed, false);
    assert.match(result.message, /^Not yet: .*`step` from outside.*pass values as arguments/);
    assert.match(String(exerciseBundle(result)["text/plain"]), /^✘ Exercise, a task that runs on worker threads: Not yet/);
  });

  it("the same task taking the name as an argument passes", async () => {
    const countBySteps = (limit: number, by: number): number => {
      let i = 0;
      while (i < limit) i += by;
      return i;
    };
    const result = await checkTaskOnThreads(countBySteps, [300, 3], 300);
    assert.deepEqual(result, { exercise: "a task that runs on worker threads", passed: true, message: "Done: both copies ran on worker threads and returned 300." });
  });

  it("a task that runs but returns the wrong value is not yet an answer", async () => {
    const result = await checkTaskOnThreads((limit: number, by: number) => limit * by, [300, 3], 300);
    assert.equal(result.passed, false);
    assert.match(result.message, /returned 900 where 300 was expected/);
  });

  it("a task that throws on the thread is not yet an answer, with the thread's error", async () => {
    const result = await checkTaskOnThreads((): number => {
      throw new Error("boom");
    }, [], 1);
    assert.equal(result.passed, false);
    assert.match(result.message, /^Not yet: .*boom/);
  });
});

describe("the exercise: copies that overlap on one thread", () => {
  it("a task that waits by holding the thread is not yet an answer, and the check says how to wait", async () => {
    const holdFor = async (ms: number): Promise<number> => {
      const end = Date.now() + ms;
      while (Date.now() < end);
      return ms;
    };
    const result = await checkOverlapOnOneThread(holdFor, [50], 50);
    assert.equal(result.passed, false);
    assert.match(result.message, /^Not yet: 3 copies started together took .*, one alone .*: they ran one after another.*setTimeout\(resolve, ms\)/);
  });

  it("the same task awaiting a timer passes", async () => {
    const waitFor = async (ms: number): Promise<number> => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return ms;
    };
    const result = await checkOverlapOnOneThread(waitFor, [50], 50);
    assert.equal(result.passed, true, result.message);
    assert.match(result.message, /^Done: 3 copies started together took .*: they waited at the same time on the one thread\.$/);
  });

  it("a wrong result is not yet an answer", async () => {
    const result = await checkOverlapOnOneThread(async (ms: number) => ms * 2, [50], 50);
    assert.deepEqual([result.passed, result.message], [false, "Not yet: it returned 100 where 50 was expected."]);
    const short = await checkOverlapOnOneThread(async (ms: number) => ms, [1], 1);
    assert.equal(short.passed, null, "a copy too short to tell");
    const bundle = exerciseBundle(short);
    assert.match(String(bundle["text/plain"]), /^\? Exercise, copies that overlap on one thread: Cannot tell: one copy took/);
    assert.match(String(bundle["text/html"]), /#9d9d9d.*<b>\? Exercise/);
  });
});

describe("the exercise: an async computation that lets its siblings run", () => {
  const pieces = 20;
  const split = (yieldBetween: () => Promise<unknown>) => async (size: number): Promise<number> => {
    let total = 0;
    for (let piece = 0; piece < pieces; piece++) {
      total += countTo(size);
      await yieldBetween();
    }
    return total;
  };

  it("holding the thread, or yielding only to promise callbacks, is not yet an answer; yielding a macrotask passes", async () => {
    const size = await calibrate(countTo, { targetMs: 15 });
    const expected = pieces * size;
    const starving = await checkYieldsToSiblings(async (n: number) => {
      let total = 0;
      for (let piece = 0; piece < pieces; piece++) total += countTo(n);
      return total;
    }, size, expected);
    const microtasks = await checkYieldsToSiblings(split(async () => null), size, expected);
    const macrotasks = await checkYieldsToSiblings(split(() => new Promise((resolve) => setImmediate(resolve))), size, expected);
    for (const result of [starving, microtasks]) {
      assert.equal(result.passed, false, result.message);
      assert.match(result.message, /^Not yet: the sibling's 10 ms timer fired [01] times? while the function ran for .*await null/);
    }
    assert.equal(macrotasks.passed, true, macrotasks.message);
  });

  it("a run too short to tell decides nothing, and a wrong total is not yet an answer", async () => {
    assert.equal((await checkYieldsToSiblings(async (n: number) => n, 5, 5)).passed, null);
    const wrong = await checkYieldsToSiblings(async (n: number) => n + 1, 5, 5);
    assert.deepEqual([wrong.passed, wrong.message], [false, "Not yet: it returned 6 where 5 was expected; keep the whole computation."]);
  });
});

describe("the exercise: a counter that threads share", () => {
  it("a plain ++ loses additions on threads; Atomics.add loses none", async () => {
    const plain = (shared: SharedArrayBuffer, times: number): number => {
      const cells = new Int32Array(shared);
      for (let i = 0; i < times; i++) cells[0]!++;
      return times;
    };
    const atomic = (shared: SharedArrayBuffer, times: number): number => {
      const cells = new Int32Array(shared);
      for (let i = 0; i < times; i++) Atomics.add(cells, 0, 1);
      return times;
    };
    const racy = await checkCounterOnThreads(plain);
    assert.equal(racy.passed, false, racy.message);
    assert.match(racy.message, /^Not yet: run \d counted [\d,]+ of 40,000,000, [\d,]+ lost\..*Atomics\.add/);
    const fixed = await checkCounterOnThreads(atomic);
    assert.equal(fixed.passed, true, fixed.message);
    assert.equal(fixed.message.startsWith(`Done: ${COUNTER_CHECK.runs} runs of ${COUNTER_CHECK.threads} threads`), true, fixed.message);
  });

  it("a task that does not return the number of additions is not yet an answer", async () => {
    const result = await checkCounterOnThreads((shared: SharedArrayBuffer): number => Atomics.add(new Int32Array(shared), 0, 1));
    assert.equal(result.passed, false);
    assert.match(result.message, /^Not yet: it returned \d+ where 10000000 was expected \(return times/);
  });
});

describe("the exercise: two copies, two cores", () => {
  it("the event loop never passes: one thread keeps at most one CPU busy", async () => {
    const result = await checkRunsInParallel("eventLoop");
    assert.notEqual(result.passed, true, result.message);
    if (describeMachine().cores < 2) assert.match(result.message, /^Cannot tell here: this machine lets the course use one CPU/);
  });

  it("worker threads are never told 'not yet' where two CPUs are usable (passed, or undecided on a busy machine)", { skip: describeMachine().cores < 2 && "needs two usable CPUs" }, async () => {
    const result = await checkRunsInParallel("threads");
    assert.notEqual(result.passed, false, result.message);
  });

  it("an unknown strategy is not yet an answer, and the message lists the strategies", async () => {
    const result = await checkRunsInParallel("fibers" as "threads");
    assert.equal(result.passed, false);
    assert.match(result.message, /^Not yet: .*must be one of sequential, eventLoop, threads/);
  });
});

describe("the exercise: read the memory row", () => {
  const approaches = approachesData(
    [
      { strategy: "async", samplesMs: [0.001] },
      { strategy: "threads", samplesMs: [30] },
      { strategy: "processes", samplesMs: [80] },
    ],
    [
      { strategy: "async", count: 1000, bytesPerUnit: 1000, totalBytes: 1e6, metric: "heap" },
      { strategy: "threads", count: 2, bytesPerUnit: 8_000_000, totalBytes: 16e6, metric: "rss" },
      { strategy: "processes", count: 2, bytesPerUnit: 15e6, totalBytes: 30e6, metric: "pss" },
    ],
  );

  it("passes within a factor of 2 of the ratio, and says by which side a wrong answer misses", () => {
    assert.equal(checkTasksPerThread(8000, approaches).passed, true);
    assert.equal(checkTasksPerThread(4001, approaches).passed, true);
    assert.match(checkTasksPerThread(8000, approaches).message, /^Done: the table's memory row gives 8,000 \(7\.6 MB per worker thread, 1 KB per waiting async task\)/);
    assert.deepEqual([checkTasksPerThread(3000, approaches).passed, /too few/.test(checkTasksPerThread(3000, approaches).message)], [false, true]);
    assert.match(checkTasksPerThread(20_000, approaches).message, /^Not yet: 20,000 is too many by more than a factor of 2/);
    assert.match(checkTasksPerThread(0, approaches).message, /^Not yet: put your answer, a positive number, in place of the 0/);
  });
});

describe("the exercise: many waits in about the time of one", () => {
  const pause = (): Promise<unknown> => new Promise((resolve) => setTimeout(resolve, 50));

  it("waits one after another are not yet an answer, and the check names Promise.all; waits started together pass", async () => {
    const inTurn = async (count: number): Promise<number> => {
      for (let i = 0; i < count; i++) await pause();
      return count;
    };
    const together = async (count: number): Promise<number> => {
      await Promise.all(Array.from({ length: count }, pause));
      return count;
    };
    const slow = await checkWaitsTogether(inTurn, 5);
    assert.equal(slow.passed, false);
    assert.match(slow.message, /^Not yet: 5 waits took .*, one .*: each wait began after the one before had ended\..*Promise\.all/);
    const fast = await checkWaitsTogether(together, 5);
    assert.equal(fast.passed, true, fast.message);
  });

  it("a wrong count, a bad count and a wait too short to tell", async () => {
    const wrong = await checkWaitsTogether(async () => 1, 5);
    assert.equal(wrong.passed, false);
    assert.match(wrong.message, /^Not yet: fn\(5\) returned 1 where 5 was expected; return the number of waits done\./);
    assert.match((await checkWaitsTogether(async (n: number) => n, 2)).message, /^Not yet: count must be a whole number from 3 to 10,000, got 2/);
    assert.equal((await checkWaitsTogether(async (n: number) => n, 5)).passed, null);
  });
});

describe("the exercise: how many copies work at once", () => {
  const cores = describeMachine().cores;

  it("answers outside 1 to 31 are not yet answers", async () => {
    for (const answer of [0, 32, 1.5]) assert.match((await checkCopiesAtOnce(answer)).message, /^Not yet: answer with a whole number from 1 to 31/);
  });

  it("more copies than usable CPUs never pass: they cannot all work at once", async () => {
    const result = await checkCopiesAtOnce(cores + 1);
    assert.notEqual(result.passed, true, result.message);
  });

  it("the number of usable CPUs is never told 'not yet' (passed, or undecided on a busy machine)", { skip: cores > 8 && "runs cores + 1 processes" }, async () => {
    const result = await checkCopiesAtOnce(cores);
    assert.notEqual(result.passed, false, result.message);
  });
});
