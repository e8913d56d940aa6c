/** Exercise checks judge what the reader's answer does when it runs, not how it is written. */
import assert from "node:assert/strict";
import * as os from "node:os";
import { Worker } from "node:worker_threads";
import { describe, it } from "node:test";
import { describeMachine, summarize } from "conclab";
import { approaches, choosing, concepts, cpuBound, gil, granularity, prosAndCons, sharedState, waiting, backpressure } from "conclab/course";
import { MAX_PARALLEL_COPIES } from "conclab/internal";
import { exerciseBundle } from "conclab/kernel/internal";
import { CASES } from "../helpers/exercise-cases";
import { onOneCpuAndOnAll } from "../helpers/exercise-suite";


const step = 3;
const stepCases = [{ args: [301], expected: 303 }, { args: [1000], expected: 1002 }];

describe("the exercise: a task that runs on worker threads", () => {
  onOneCpuAndOnAll("05");

  it("a task that uses a notebook name is not yet an answer, and the check says which name and what to do", async () => {
    const countBySteps = (limit: number): number => {
      let i = 0;
      while (i < limit) i += step;
      return i;
    };
    const result = await cpuBound.checkTaskOnThreads(countBySteps, stepCases);
    assert.equal(result.passed, false);
    assert.match(result.message, /^Not yet: .*`step` from outside.*pass values as arguments/);
    assert.match(String(exerciseBundle(result)["text/plain"]), /^✘ Exercise, a task that runs on worker threads: Not yet/);
  });

  it("an answer that returns an argument fails with the case it got wrong; the right one passes and lists the cases", async () => {
    const echo = await cpuBound.checkTaskOnThreads((limit: number) => limit, [{ args: [301, 3], expected: 303 }, { args: [1000, 3], expected: 1002 }]);
    assert.deepEqual([echo.passed, echo.message.startsWith("Not yet: it ran on worker threads, but with args [301,3] it returned 301 where 303 was expected")], [false, true], echo.message);
    const right = await cpuBound.checkTaskOnThreads((limit: number, by: number): number => {
      let i = 0;
      while (i < limit) i += by;
      return i;
    }, [{ args: [301, 3], expected: 303 }, { args: [1000, 3], expected: 1002 }]);
    assert.deepEqual(right, { exercise: "a task that runs on worker threads", passed: true, message: "Done: both copies ran on worker threads and returned 303 for [301,3], 1002 for [1000,3]." });
  });

  it("cases that cannot tell an echo or a constant from a computation are refused, naming the parameter", async () => {
    const echoing = await cpuBound.checkTaskOnThreads((n: number) => n, [{ args: [300], expected: 300 }, { args: [600], expected: 600 }]);
    assert.match(echoing.message, /^Not yet: cases must not expect one of their own arguments, got args \[300\] expecting 300/);
    const constant = await cpuBound.checkTaskOnThreads(() => 1, [{ args: [5], expected: 1 }, { args: [6], expected: 1 }]);
    assert.match(constant.message, /^Not yet: cases must expect at least two different results/);
    const one = await cpuBound.checkTaskOnThreads(() => 1, [{ args: [5], expected: 1 }]);
    assert.match(one.message, /^Not yet: cases must be a list of at least two/);
  });

  it("a task that throws on the thread is not yet an answer, with the thread's error", async () => {
    const result = await cpuBound.checkTaskOnThreads((): number => {
      throw new Error("boom");
    }, stepCases);
    assert.equal(result.passed, false);
    assert.match(result.message, /^Not yet: .*boom/);
  });
});

describe("the exercise: copies that overlap on one thread", () => {
  onOneCpuAndOnAll("01");

  it("waits moved to a worker thread or a child process fail, saying the exercise is about one thread", async () => {
    for (const name of ["01 waits on a worker thread", "01 waits in a child process"] as const) {
      const result = await CASES[name].run();
      assert.equal(result.passed, false, result.message);
      assert.match(result.message, /^Not yet: it started \d+ (worker threads?|child process(es)?), so the waits ran beside the JavaScript thread.*about one thread/);
    }
  });

  it("a worker thread that something else starts while the check runs is not blamed on the answer", async () => {
    let started = 0;
    const elsewhere = setTimeout(() => {
      const worker = new Worker("setTimeout(() => {}, 50)", { eval: true });
      started++;
      worker.unref();
    }, 20);
    const result = await CASES["01 awaits a timer"].run();
    clearTimeout(elsewhere);
    assert.equal(started, 1, "the outside worker started during the check");
    assert.equal(result.passed, true, result.message);
  });

  it("holding the thread says how to wait; awaiting a timer says the copies waited at once", async () => {
    const held = await CASES["01 holds the thread while it waits"].run();
    assert.match(held.message, /^Not yet: 3 copies started together took .*, one alone .*: they ran one after another.*setTimeout\(resolve, ms\)/);
    const timer = await CASES["01 awaits a timer"].run();
    assert.match(timer.message, /^Done: 3 copies started together took .*: they waited at the same time on the one thread\.$/);
  });

  it("a wrong result is not yet an answer, and a copy too short to tell decides nothing", async () => {
    const result = await concepts.checkOverlapOnOneThread(async (ms: number) => ms * 2, [50], 50);
    assert.deepEqual([result.passed, result.message], [false, "Not yet: it returned 100 where 50 was expected."]);
    const short = await concepts.checkOverlapOnOneThread(async (ms: number) => ms, [1], 1);
    assert.equal(short.passed, null, "a copy too short to tell");
    const bundle = exerciseBundle(short);
    assert.match(String(bundle["text/plain"]), /^\? Exercise, copies that overlap on one thread: Cannot tell: one copy took/);
    assert.match(String(bundle["text/html"]), /#9d9d9d.*<b>\? Exercise/);
  });
});

describe("the exercise: an async computation that lets its siblings run", () => {
  onOneCpuAndOnAll("03");

  it("the messages name what was measured: CPU time for a stand-in, a worker, turns for a computation that holds the thread", async () => {
    const sleeper = await CASES["03 sleeps and returns the total without counting"].run();
    assert.match(sleeper.message, /^Not yet: the main thread spent .* of CPU while the function ran, and the same computation done plainly costs .*, so the function did not compute the total itself/);
    const worker = await CASES["03 counts on a worker thread"].run();
    assert.match(worker.message, /^Not yet: it started 1 worker thread\. The exercise is to share the main thread/);
    for (const name of ["03 holds the thread", "03 yields only to promise callbacks"] as const) {
      const result = await CASES[name].run();
      assert.match(result.message, /^Not yet: the sibling's 10 ms timer fired [01] times? while the function ran for .*await null/);
    }
  });

  it("a wrong total is not yet an answer, and a size countTo refuses is named", async () => {
    const wrong = await approaches.checkYieldsToSiblings(async (n: number) => n + 1, 5);
    assert.deepEqual([wrong.passed, wrong.message], [false, `Not yet: it returned 6 where ${approaches.FAIR_YIELD.pieces * 5} was expected; keep the whole computation.`]);
    const bad = await approaches.checkYieldsToSiblings(async (n: number) => n, -1);
    assert.equal(bad.passed, false);
    assert.match(bad.message, /^Not yet: size must be .*got -1.*Math\.round\(n \/ 5\)/);
  });

  describe("judged from measurements", () => {
    const base: approaches.YieldEvidence = { result: 50, expected: 50, durationMs: 300, ticksDuring: 20, cpuMs: 280, referenceCpuMs: 290, others: { workers: 0, children: 0 } };
    const passed = (change: Partial<approaches.YieldEvidence>): boolean | null => approaches.judgeYieldsToSiblings({ ...base, ...change }).passed;

    it("passes with the main thread's CPU close to the plain run's and the timer firing", () => {
      assert.equal(passed({}), true);
      assert.equal(passed({ cpuMs: approaches.FAIR_YIELD.minCpuShare * 290 }), true);
    });

    it("fails on a wrong total, another thread or process, too little CPU on the main thread, or too few turns", () => {
      assert.equal(passed({ result: 49 }), false);
      assert.equal(passed({ others: { workers: 1, children: 0 } }), false);
      assert.equal(passed({ others: { workers: 0, children: 2 } }), false);
      assert.equal(passed({ cpuMs: 3 }), false);
      assert.equal(passed({ ticksDuring: approaches.FAIR_YIELD.minTicks - 1 }), false);
    });

    it("cannot tell where CPU time cannot be read, the computation is too small, or the run too short", () => {
      assert.equal(passed({ cpuMs: null }), null);
      assert.equal(passed({ referenceCpuMs: null }), null);
      assert.equal(passed({ referenceCpuMs: approaches.FAIR_YIELD.minReferenceCpuMs / 2, cpuMs: approaches.FAIR_YIELD.minReferenceCpuMs / 2 }), null);
      assert.equal(passed({ durationMs: approaches.FAIR_YIELD.minRunMs / 2 }), null);
    });
  });
});

describe("the exercise: a counter that threads share", () => {
  onOneCpuAndOnAll("08");

  it("a lost update names the count and the fix; a pass names the watched and the plain runs", async () => {
    const racy = await CASES["08 count locally, add once with a plain +="].run();
    assert.match(racy.message, /^Not yet: 4 threads × 20,000 additions counted [\d,]+, [\d,]+ lost\. The check held some reads of the counter open .*Atomics\.add/);
    const fixed = await CASES["08 Atomics.add once"].run();
    assert.match(fixed.message, /^Done: 4 threads × 20,000 additions with reads of the counter held open \(0 reads, 0 writes and 4 atomic updates of the counter\) lost none, and 4 threads × 1,000,000 run as written lost none\.$/);
  });

  it("a task that does not return the number of additions, or never touches the counter, is not yet an answer", async () => {
    const result = await sharedState.checkCounterOnThreads((shared: SharedArrayBuffer): number => Atomics.add(new Int32Array(shared), 0, 1));
    assert.equal(result.passed, false);
    assert.match(result.message, /^Not yet: it returned \d+ where 20000 was expected \(return times/);
    const elsewhere = await sharedState.checkCounterOnThreads((shared: SharedArrayBuffer, times: number): number => {
      Atomics.add(new Int32Array(shared, 4), 0, times);
      return times;
    });
    assert.equal(elsewhere.passed, false);
    assert.match(elsewhere.message, /^Not yet: the task never read or updated cell 0 through `new Int32Array\(shared\)`/);
  });

  describe("judged from measurements", () => {
    const report = (change: Partial<sharedState.CounterThreadReport> = {}): sharedState.CounterThreadReport => ({ returned: 10, reads: 0, writes: 0, atomics: 1, startedTogether: true, ...change });
    const { threads } = sharedState.COUNTER_CHECK;
    const reports = (change: Partial<sharedState.CounterThreadReport> = {}): sharedState.CounterThreadReport[] => Array.from({ length: threads }, () => report(change));
    const plain = { times: 100, results: Array(threads).fill(100) as number[], counted: threads * 100 };

    it("passes when neither run lost an addition", () => {
      assert.equal(sharedState.judgeCounterOnThreads({ threads, watchedTimes: 10, watchedCounted: threads * 10, reports: reports(), plain }).passed, true);
    });

    it("fails on a lost addition in either run, a wrong return, or no access to the counter", () => {
      assert.equal(sharedState.judgeCounterOnThreads({ threads, watchedTimes: 10, watchedCounted: threads * 10 - 1, reports: reports(), plain }).passed, false);
      assert.equal(sharedState.judgeCounterOnThreads({ threads, watchedTimes: 10, watchedCounted: threads * 10, reports: reports(), plain: { ...plain, counted: plain.counted - 1 } }).passed, false);
      assert.equal(sharedState.judgeCounterOnThreads({ threads, watchedTimes: 10, watchedCounted: threads * 10, reports: reports({ returned: 9 }), plain }).passed, false);
      assert.equal(sharedState.judgeCounterOnThreads({ threads, watchedTimes: 10, watchedCounted: threads * 10, reports: reports({ atomics: 0 }), plain }).passed, false);
    });

    it("cannot tell when the threads did not all start before the watched run", () => {
      assert.equal(sharedState.judgeCounterOnThreads({ threads, watchedTimes: 10, watchedCounted: threads * 10, reports: reports({ startedTogether: false }), plain }).passed, null);
    });
  });
});

describe("the exercise: two copies, two cores", () => {
  onOneCpuAndOnAll("02");

  it("the event loop never passes: one thread keeps at most one CPU busy", async () => {
    const result = await gil.checkRunsInParallel("eventLoop");
    assert.notEqual(result.passed, true, result.message);
    if (describeMachine().cores < 2) assert.match(result.message, /^Cannot tell here: this machine lets the course use one CPU/);
  });

  it("worker threads are never told 'not yet' where two CPUs are usable (passed, or undecided on a busy machine)", { skip: describeMachine().cores < 2 && "needs two usable CPUs" }, async () => {
    const result = await gil.checkRunsInParallel("threads");
    assert.notEqual(result.passed, false, result.message);
  });

  it("an unknown strategy is not yet an answer, and the message lists the strategies", async () => {
    const result = await gil.checkRunsInParallel("fibers" as "threads");
    assert.equal(result.passed, false);
    assert.match(result.message, /^Not yet: .*must be one of sequential, eventLoop, threads/);
  });
});

describe("the exercise: read the memory row", () => {
  onOneCpuAndOnAll("04");

  const unitCosts = approaches.approachesData(
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
    assert.equal(prosAndCons.checkTasksPerThread(8000, unitCosts).passed, true);
    assert.equal(prosAndCons.checkTasksPerThread(4001, unitCosts).passed, true);
    assert.match(prosAndCons.checkTasksPerThread(8000, unitCosts).message, /^Done: the table's memory row gives 8,000 \(7\.6 MB per worker thread, 1 KB per waiting async task\)/);
    assert.deepEqual([prosAndCons.checkTasksPerThread(3000, unitCosts).passed, /too few/.test(prosAndCons.checkTasksPerThread(3000, unitCosts).message)], [false, true]);
    assert.match(prosAndCons.checkTasksPerThread(20_000, unitCosts).message, /^Not yet: 20,000 is too many by more than a factor of 2/);
    assert.match(prosAndCons.checkTasksPerThread(0, unitCosts).message, /^Not yet: put your answer, a positive number, in place of the 0/);
  });
});

describe("the exercise: many waits in about the time of one", () => {
  onOneCpuAndOnAll("06");

  it("the messages say what was counted and what to change", async () => {
    assert.match((await CASES["06 waits its own timer once and returns the count"].run()).message, /^Not yet: it made 0 waits with the wait\(ms\) it was given, where 5 were expected/);
    assert.match((await CASES["06 waits one after another"].run()).message, /^Not yet: at most 1 of the 5 waits was pending at the same time.*Promise\.all/);
    assert.match((await CASES["06 returns before its waits end"].run()).message, /^Not yet: it returned while 5 of its 5 waits had not ended/);
    assert.match((await CASES["06 waits together"].run()).message, /^Done: all 5 waits were pending at the same time/);
  });

  it("a wrong count, a bad count, a bad wait", async () => {
    const wrong = await waiting.checkWaitsTogether(async () => 1, 5);
    assert.equal(wrong.passed, false);
    assert.match(wrong.message, /^Not yet: fn\(5, wait\) returned 1 where 5 was expected; return the number of waits done\./);
    assert.match((await waiting.checkWaitsTogether(async (n: number) => n, 2)).message, /^Not yet: count must be a whole number from 3 to 10,000, got 2/);
    const badWait = await waiting.checkWaitsTogether(async (n: number, wait) => {
      await wait(-1);
      return n;
    }, 5);
    assert.equal(badWait.passed, false);
    assert.match(badWait.message, /wait\(ms\): ms must be a number of milliseconds from 0 to 10,000, got -1/);
  });

  it("judged from counts: all pending at once and none left passes; fewer, left over or too few at once fails", () => {
    const base = { count: 5, result: 5, made: 5, peak: 5, pendingAtEnd: 0 };
    assert.equal(waiting.judgeWaitsTogether(base).passed, true);
    for (const change of [{ result: 4 }, { made: 4 }, { made: 6 }, { peak: 4 }, { pendingAtEnd: 1 }]) assert.equal(waiting.judgeWaitsTogether({ ...base, ...change }).passed, false, JSON.stringify(change));
  });
});

describe("the exercise: how many copies work at once", () => {
  onOneCpuAndOnAll("07");

  it("answers that are not whole numbers from 1, or above this machine's CPUs, are not yet answers", async () => {
    for (const answer of [0, 1.5, -2]) assert.match((await choosing.checkCopiesAtOnce(answer)).message, /^Not yet: answer with a whole number of copies, 1 or more/);
    const logical = os.cpus().length;
    const tooMany = await choosing.checkCopiesAtOnce(logical + 1);
    assert.deepEqual([tooMany.passed, tooMany.message.startsWith(`Not yet: this machine has ${logical} logical CPU`)], [false, true], tooMany.message);
  });

  it("an answer the processes strategy cannot run one more copy of is 'cannot tell', not a refusal (a machine of 64 CPUs and more)", { skip: os.cpus().length < MAX_PARALLEL_COPIES && "needs a machine with 64 logical CPUs or more" }, async () => {
    assert.equal((await choosing.checkCopiesAtOnce(MAX_PARALLEL_COPIES)).passed, null);
  });

  describe("judged from measurements", () => {
    // Repeats near a reading, a little spread, as compare() gives them.
    const near = (value: number): ReturnType<typeof summarize> => summarize([value * 0.99, value, value * 1.01, value * 0.995, value * 1.005]);
    const one = near(0.97);
    const judge = (answer: number, all: number, more: number, busy = false): boolean | null =>
      choosing.judgeCopiesAtOnce({ answer, one, oneBusy: false, all: near(all), allBusy: busy, more: near(more), moreBusy: busy }).passed;

    // The sentences say what was read and which way to change the answer.
    it("the messages give the readings and the direction", () => {
      const busyOf = (n: number): number => Math.min(n, 4) * 0.97;
      const fewer = choosing.judgeCopiesAtOnce({ answer: 5, one, oneBusy: false, all: near(busyOf(5)), allBusy: false, more: near(busyOf(6)), moreBusy: false });
      assert.match(fewer.message, /^Not yet: 5 copies kept 3\.88 CPUs busy, 6 kept 3\.88 \(one copy alone 0\.97; medians of 5 and 5 repeats\): 5 copies did not all work at once here \(below 4\.37\)\. Try fewer\.$/);
      const more = choosing.judgeCopiesAtOnce({ answer: 3, one, oneBusy: false, all: near(busyOf(3)), allBusy: false, more: near(busyOf(4)), moreBusy: false });
      assert.match(more.message, /one more copy still found a free core \(above 3\.40\)\. Try more\.$/);
    });

    it("on 4 usable CPUs only 4 passes: 3 found a free core for one more, 5 did not all work at once", () => {
      // Usable 4: n copies keep min(n, 4) × 0.97 busy.
      const busyOf = (n: number): number => Math.min(n, 4) * 0.97;
      assert.equal(judge(4, busyOf(4), busyOf(5)), true);
      assert.equal(judge(3, busyOf(3), busyOf(4)), false);
      assert.equal(judge(5, busyOf(5), busyOf(6)), false);
      assert.equal(judge(2, busyOf(2), busyOf(3)), false);
    });

    it("the thresholds sit half a core of this machine's copy either side of the answer", () => {
      assert.deepEqual(choosing.copiesThresholds(4, near(0.97)), { all: 3.5 * 0.97, more: 4.5 * 0.97 });
      assert.deepEqual(choosing.copiesThresholds(4, near(1.2)), { all: 3.5, more: 4.5 }, "a reading above one core counts as one");
    });

    it("a busy machine cannot make a pass or a 'try fewer'; it leaves them undecided", () => {
      assert.equal(judge(4, 3.88, 3.88, true), null, "a quiet pass, read on a busy machine");
      assert.equal(judge(5, 3.88, 3.88, true), null, "too few CPUs busy, but other programs had some");
      assert.equal(judge(3, 2.91, 3.88, true), false, "one more copy found a core: other programs cannot add one");
    });

    it("repeats that straddle a threshold are undecided", () => {
      const wide = summarize([2.5, 4.4, 3.0, 4.2]);
      assert.equal(choosing.judgeCopiesAtOnce({ answer: 4, one, oneBusy: false, all: wide, allBusy: false, more: near(3.9), moreBusy: false }).passed, null);
    });

    it("one copy read on a busy machine, or under a whole core, is no unit: nothing is decided", () => {
      const quietPass = { answer: 4, one, oneBusy: false, all: near(3.88), allBusy: false, more: near(3.88), moreBusy: false };
      assert.equal(choosing.judgeCopiesAtOnce(quietPass).passed, true);
      assert.equal(choosing.judgeCopiesAtOnce({ ...quietPass, oneBusy: true }).passed, null);
      assert.equal(choosing.judgeCopiesAtOnce({ ...quietPass, answer: 3, one: near(0.6) }).passed, null, "a 'try more' would rest on a unit read low");
    });
  });
});

describe("the exercise: cut the job into tasks that pay", () => {
  onOneCpuAndOnAll("10");

  const judge = (tasks: unknown, speedup: number[] | null, cores = 2) =>
    granularity.judgeChunks({ tasks, dispatchUs: 50, speedup: speedup === null ? null : summarize(speedup), cores });

  it("rules out, before any run, what cannot pay: fewer tasks than threads, or tasks shorter than their round trip", () => {
    assert.match(judge(1, null).message, /^Not yet: 1 task keeps one of the 2 threads busy/);
    assert.match(judge(4000, null).message, /^Not yet: 4,000 tasks of 50 µs each cost more to hand out and collect \(50 µs a round trip here\)/);
    assert.match(judge(2.5, null).message, /^Not yet: tasks must be a whole number from 1 to 1,000,000, got 2\.5/);
    assert.equal(judge(3999, [1.8, 1.8, 1.8]).passed, true, "a task just longer than its round trip is left to the run");
  });

  it("decides a count that could pay on the run's interval, and cannot tell on one CPU or in between", () => {
    assert.equal(judge(8, [1.8, 1.85, 1.75]).passed, true);
    assert.equal(judge(8, [0.9, 0.92, 0.88]).passed, false);
    assert.equal(judge(8, [0.9, 1.6, 1.2]).passed, null);
    assert.equal(judge(8, [1.8, 1.8, 1.8], 1).passed, null);
  });
});

describe("the exercise: a batch with a limit", () => {
  onOneCpuAndOnAll("13");

  it("judged from counts: too many at once, dropped jobs, jobs still running, results out of order, a limit left unused", () => {
    const right = { jobs: 20, limit: 4, result: Array.from({ length: 20 }, (_, i) => i), started: 20, finished: 20, mostAtOnce: 4, pendingAtEnd: 0 };
    assert.equal(backpressure.judgeBounded(right).passed, true);
    assert.match(backpressure.judgeBounded({ ...right, mostAtOnce: 20 }).message, /^Not yet: 20 jobs ran at once where the limit is 4; hand each job to a limiter/);
    assert.match(backpressure.judgeBounded({ ...right, started: 4, finished: 4 }).message, /^Not yet: 4 of the 20 jobs were started/);
    assert.match(backpressure.judgeBounded({ ...right, pendingAtEnd: 3 }).message, /^Not yet: the function returned while 3 jobs were still running/);
    assert.match(backpressure.judgeBounded({ ...right, result: [...right.result].reverse() }).message, /^Not yet: it returned \[19,18,/);
    assert.match(backpressure.judgeBounded({ ...right, mostAtOnce: 1 }).message, /^Not yet: at most 1 job ran at once/);
  });

  it("a limit outside 2 to 10 is refused with the range, and a throwing answer is a not yet", async () => {
    assert.match((await backpressure.checkBounded(async () => [], 1)).message, /^Not yet: limit must be a whole number from 2 to 10, got 1\./);
    const threw = await backpressure.checkBounded(async () => {
      throw new Error("boom");
    });
    assert.deepEqual([threw.passed, threw.message], [false, "Not yet: the function threw boom."]);
  });
});

describe("the exercise: a payment that may be delivered twice", () => {
  onOneCpuAndOnAll("15");

  it("says what went wrong: a redelivered payment charged again, two payments under one key, nothing charged", async () => {
    assert.match((await CASES["15 a fresh key per delivery"].run()).message, /^Not yet: the store holds 3 charges, 90 in all, where 2 charges of 65 were due: the redelivered payment was charged again/);
    assert.match((await CASES["15 keyed by customer"].run()).message, /^Not yet: the store holds 1 charge, 40 in all, where 2 charges of 65 were due: two different payments must both be charged/);
    assert.match((await CASES["15 nothing charged"].run()).message, /^Not yet: nothing was charged/);
    assert.deepEqual(await CASES["15 throws"].run(), { exercise: "a payment job that may run twice", passed: false, message: "Not yet: the function threw card declined." });
    assert.match((await CASES["15 keyed by payment id"].run()).message, /^Done: pay-1017 was delivered twice and charged once; the store holds 2 charges, 65 in all\./);
  });
});
