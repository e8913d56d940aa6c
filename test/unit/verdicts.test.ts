import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { interval, summarize, type CompareResult, type LoopLagResult, type Span, type StrategyKey } from "conclab";
import { atLeast, atMost, compareCaption, loopLagCaption, timelineCaption, verdictCounts, approaches, choosing, concepts, cpuBound, gil, judging, overview, prosAndCons, sharedState, waiting } from "conclab/course";
import { handMadeResult, steady } from "../helpers/results";

const result = handMadeResult;
const python = (threads: number, processes: number, busy = false, cores = 2): CompareResult =>
  result(cores, 2, { "python:sequential": { wall: steady(500), speedup: steady(1) }, "python:threads": { wall: steady(500 / threads), speedup: steady(threads) }, "python:processes": { wall: steady(500 / processes), speedup: steady(processes) } }, busy);

describe("verdicts are computed from the numbers", () => {
  it("the GIL: threads at 1x hold only when processes in the same run sped up", () => {
    assert.equal(gil.gilThreads(python(1.0, 1.95)).verdict, "holds");
    assert.equal(gil.gilThreads(python(1.0, 1.05)).verdict, "unclear", "no speedup anywhere proves nothing");
    assert.equal(gil.gilThreads(python(1.9, 1.95)).verdict, "differs", "threads in parallel on a run that reported no interpreter without a GIL");
  });

  it("processes: a clear speedup holds, a clear shortfall differs, and a busy machine makes it unclear", () => {
    assert.equal(gil.gilProcesses(python(1, 1.9)).verdict, "holds");
    assert.equal(gil.gilProcesses(python(1, 1.05)).verdict, "differs");
    assert.equal(gil.gilProcesses(python(1, 1.05, true)).verdict, "unclear");
  });

  it("Node's threads differ by design when they run in parallel, and are not measured on one core", () => {
    const node = (cores: number, speedup: number) => result(cores, 2, { sequential: { wall: steady(300), speedup: steady(1) }, threads: { wall: steady(300 / speedup), speedup: steady(speedup) } });
    assert.equal(gil.nodeThreadsParallel(node(2, 1.9)).verdict, "differs");
    assert.match(gil.nodeThreadsParallel(node(2, 1.9)).nodeByDesign ?? "", /no GIL/);
    assert.equal(gil.nodeThreadsParallel(node(1, 1.0)).verdict, "not measured");
    assert.match(gil.nodeThreadsParallel(node(1, 1.0)).measured, /copies on 1 core: /);
  });

  it("a noisy speedup inside the margin is unclear, never a pass", () => {
    const noisy = result(2, 2, { sequential: { wall: [300, 450, 300], speedup: steady(1) }, "threads": { wall: [200, 230, 190], speedup: [1.4, 1.45, 1.3] } });
    assert.equal(gil.nodeThreadsParallel(noisy).verdict, "unclear");
  });

  it("shared state: lost updates without atomics hold the claim; a lost update under atomics is a bug", () => {
    const race = { withAwait: 1, withoutAwait: 100, expected: 100 };
    const messages = { sum: 10, expected: 10 };
    assert.deepEqual(sharedState.sharedStateClaims({ plain: 5, atomic: 0, locked: 0, expected: 100 }, race, messages, 2).map((c) => c.verdict), ["holds", "holds", "holds"]);
    assert.equal(sharedState.sharedStateClaims({ plain: 0, atomic: 0, locked: 0, expected: 100 }, race, messages, 1)[0]!.verdict, "unclear");
    assert.equal(sharedState.sharedStateClaims({ plain: 0, atomic: 0, locked: 0, expected: 100 }, race, messages, 2)[0]!.verdict, "differs", "nothing lost on two cores");
    assert.equal(sharedState.sharedStateClaims({ plain: 5, atomic: 1, locked: 0, expected: 100 }, race, messages, 2)[0]!.verdict, "unclear", "a broken run is no evidence");
  });

  it("massive waiting is decided on CPython at equal concurrency: asyncio lost nothing and held a connection for under half a thread's memory", () => {
    const nodeAsync = { requests: 10_000, failed: 0, wallMs: 2_000, addedBytes: 100e6 };
    const pool = { threads: 32, requests: 10_000, failed: 0, wallMs: 9_000, addedBytes: 300e6 };
    const run = (bytesPerConnection: number, failed = 0) => ({ count: 5_000, failed, wallMs: 1_800, mostAtOnce: 5_000, bytesPerConnection });
    const claim = choosing.massiveWaiting(nodeAsync, pool, { asyncio: run(7_600), threads: run(23_300) });
    assert.equal(claim.verdict, "holds");
    assert.match(claim.measured, /^CPython 5,000 requests waiting at once: asyncio .* 7\.4 KB per connection .*a thread each .* 23 KB per connection.*; Node \(the translation\): 10,000 connections on one thread/);
    assert.equal(choosing.massiveWaiting(nodeAsync, pool, { asyncio: run(7_600, 3), threads: run(23_300) }).verdict, "differs", "asyncio lost requests that threads served");
    assert.equal(choosing.massiveWaiting(nodeAsync, pool, null).verdict, "not measured", "Node's capped pool does not decide a claim about a thread per connection");
  });

  it("on one core every claim about parallel speedup, or its absence, is not measured", () => {
    const node = result(1, 2, {
      sequential: { wall: steady(300), speedup: steady(1) },
      threads: { wall: steady(300), speedup: steady(1) },
      processes: { wall: steady(310), speedup: steady(0.97) },
    });
    const py = python(1.0, 1.0, false, 1);
    assert.equal(gil.gilThreads(py).verdict, "not measured", "no speedup on one core proves nothing about the GIL");
    assert.equal(gil.gilProcesses(py).verdict, "not measured");
    for (const c of cpuBound.cpuExamples(node, py)) assert.equal(c.verdict, "not measured", c.id);
    const flat = [1, 2].flatMap((k) => ["threads", "processes"].map((strategy) => ({ strategy, workers: k, speedup: summarize([1, 1, 1]), busy: false })));
    assert.equal(choosing.cpuScales(flat, 1).verdict, "not measured");
    assert.equal(prosAndCons.threadsBestFor(summarize([1, 1, 1]), 1).verdict, "not measured");
  });

  it("on two cores the same numbers are judged: CPU examples hold or differ by design", () => {
    const node = result(2, 2, {
      sequential: { wall: steady(300), speedup: steady(1) },
      threads: { wall: steady(155), speedup: steady(1.95) },
      processes: { wall: steady(160), speedup: steady(1.9) },
    });
    assert.deepEqual(cpuBound.cpuExamples(node, python(1.0, 1.9)).map((c) => c.verdict), ["holds", "holds", "differs", "holds"]);
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
    assert.equal(approaches.preemptiveThreads(switching(2, 4)).verdict, "holds");
    assert.equal(approaches.preemptiveThreads(switching(4, 4)).verdict, "not measured", "a core per copy shows parallelism, not preemption");
    assert.equal(judging.asyncBoundToOneThread(summarize([1.0, 1.01, 0.99])).verdict, "holds");
    assert.equal(judging.asyncBoundToOneThread(summarize([1.6, 1.6, 1.6])).verdict, "unclear");
  });

  it("moderate waiting is decided on CPython's threads, with Node's numbers quoted as the translation", () => {
    const node = { sequential: { wall: steady(800), speedup: steady(1) }, async: { wall: steady(110), speedup: steady(7.3) }, threads: { wall: steady(130), speedup: steady(6.1) } };
    const waits = (py: number) => result(2, 8, { ...node, "python:sequential": { wall: steady(800), speedup: steady(1) }, "python:threads": { wall: steady(800 / py), speedup: steady(py) } });
    assert.equal(choosing.moderateWaiting(waits(7)).verdict, "holds");
    assert.match(choosing.moderateWaiting(waits(7)).measured, /CPython threads 7\.00x .*in Node \(the translation\): Node async 7\.30x, Node worker threads 6\.10x/);
    assert.equal(choosing.moderateWaiting(waits(1)).verdict, "differs");
    const nodeOnly = choosing.moderateWaiting(result(2, 8, node));
    assert.equal(nodeOnly.verdict, "not measured", "a claim about Python's threads is not decided on Node");
    assert.match(nodeOnly.reason, /no CPython/);
  });

  it("responsiveness holds when only CPU work on the main thread froze the timer", () => {
    const lag = (maxLateMs: number): LoopLagResult<unknown> => ({ result: undefined, durationMs: 450, intervalMs: 10, ticks: [], maxLateMs, histogram: { p50Ms: 0, p99Ms: 0, maxMs: 0, samples: 0 }, utilization: 0 });
    assert.equal(concepts.responsiveness(lag(2), lag(440), lag(3)).verdict, "holds");
    assert.equal(concepts.responsiveness(lag(300), lag(440), lag(3)).verdict, "unclear", "a timer late while the thread only awaited: a busy machine, no evidence against the claim");
  });
});

describe("captions are computed from the numbers, with the verdicts' rule", () => {
  const node = (cores: number, speedup: number[], busy = false): CompareResult =>
    result(cores, 2, { sequential: { wall: steady(300), speedup: steady(1) }, threads: { wall: speedup.map((s) => 300 / s), speedup } }, busy);

  it("says the copies ran in parallel only past the threshold, and quotes this run's numbers", () => {
    assert.match(concepts.parallelCaption(node(2, steady(1.9)), "threads"), /finished 1\.90x as fast .* so the copies ran in parallel\.$/);
    assert.match(concepts.parallelCaption(node(2, steady(1.62)), "threads"), /1\.62x .* so the copies ran in parallel/);
  });

  it("says when a run shows no parallel speedup, and when it cannot tell", () => {
    assert.match(concepts.parallelCaption(node(2, steady(1.05)), "threads"), /short of the 1\.50x that 2 CPUs working at once would give, so this run shows no parallel work\.$/);
    assert.match(concepts.parallelCaption(node(2, [1.2, 1.45, 1.4], true), "threads"), /cannot tell whether they ran in parallel .*because the run was disturbed/);
  });

  it("under a wall-time figure: each strategy's speedup, its CPUs busy and what that makes it, by the verdicts' rule", () => {
    const r = result(2, 2, {
      sequential: { wall: steady(300), speedup: steady(1), coresBusy: steady(1) },
      eventLoop: { wall: steady(300), speedup: steady(1), coresBusy: [1, 1.01, 0.99] },
      threads: { wall: steady(160), speedup: [1.85, 1.9, 1.88], coresBusy: [1.95, 1.97, 1.96] },
      processes: { wall: steady(200), speedup: [1.5, 1.6, 1.4], coresBusy: [1.2, 1.9, 1.6] },
    });
    assert.equal(
      compareCaption(r),
      "Here, 2 copies on 2 usable CPUs: event loop (Promise.all) 1.00x as fast as one after another, 1.00 CPUs busy: one core at a time; " +
        "worker threads 1.88x as fast as one after another, 1.96 CPUs busy: parallel work; child processes 1.50x as fast as one after another, 1.60 CPUs busy: undecided " +
        "(parallel work keeps at least 1.50 CPUs busy, one core at a time at most 1.30, by the 95 % interval of 3 repeats).",
    );
    assert.match(compareCaption({ ...r, cpuBound: false }), /worker threads 1\.88x as fast as one after another: the waits overlapped/);
  });

  it("on one CPU never calls overlap parallelism", () => {
    assert.match(concepts.parallelCaption(node(1, steady(1.0)), "threads"), /With 1 CPU usable the copies share one CPU's worth of time, so together they cannot finish sooner than one after another\.$/);
  });
});

describe("the sentence under every figure is computed from its numbers", () => {
  const span = (strategy: StrategyKey, repeat: number, copy: number, startMs: number, endMs: number, threadId = 0): Span =>
    ({ strategy, repeat, copy, pid: 1, threadId, lane: threadId ? `thread ${threadId}` : "main", laneKind: threadId ? "thread" : "main", startMs, endMs });
  const lag = (maxLateMs: number): LoopLagResult<unknown> => ({ result: undefined, durationMs: 450, intervalMs: 10, ticks: [], maxLateMs, histogram: { p50Ms: 0, p99Ms: 0, maxMs: 0, samples: 0 }, utilization: 0 });

  it("timelines: copies at once, lanes, and a copy's time against one alone", () => {
    const spans = [span("sequential", 0, 0, 0, 100), span("sequential", 0, 1, 100, 200), span("threads", 0, 0, 0, 190, 1), span("threads", 0, 1, 0, 210, 2)];
    assert.equal(timelineCaption(spans), "In these runs, sequential: up to 1 at once on 1 lane, a copy took 100 ms; worker threads: up to 2 at once on 2 lanes, a copy took 200 ms (2.00x a copy alone).");
  });

  it("timer lateness, start-up, memory, the curve and many waits", () => {
    assert.equal(loopLagCaption([{ label: "awaiting", lag: lag(2) }, { label: "computing", lag: lag(400) }]), "At worst the timer fired 2.0 ms awaiting, 400 ms computing (200x the calmest case).");
    assert.equal(
      approaches.startupCaption([{ strategy: "threads", samplesMs: [20, 22, 21] }, { strategy: "async", samplesMs: [0.002, 0.003] }, { strategy: "processes", samplesMs: [60, 63] }]),
      "Median start-up here, fastest first: async 2.5 µs, threads 21 ms (8,400x the async), processes 62 ms (2.93x the threads).",
    );
    assert.match(approaches.memoryCaption([{ strategy: "processes", bytesPerUnit: 4e7, metric: "pss" }, { strategy: "async", bytesPerUnit: 400, metric: "heap" }]), /^Memory per unit here, least first: async 0\.4 KB \(heap\); processes .* \(pss\), 100,000x the async\.$/);
    const curve = [
      { strategy: "threads", workers: 1, speedup: summarize([1]) },
      { strategy: "threads", workers: 2, speedup: summarize([1.8]), coresBusy: summarize([1.9]) },
    ];
    assert.equal(choosing.speedupCurveCaption(curve, 2), "With 2 copies on 2 usable CPUs (ideal speedup here: 2.00x): worker threads 1.80x (efficiency 0.90, 1.90 CPUs busy).");
    assert.equal(waiting.waitsCaption([{ copies: 1, wallMs: 301 }, { copies: 1000, wallMs: 340 }], 300), "1,000 concurrent 300 ms waits on one thread took 340 ms in all, 1.13x the time of a single one (301 ms); one after another they would take 300 s.");
  });
});

describe("reasons name only measured causes", () => {
  it("a clear shortfall on free CPUs quotes the contention meter instead of blaming other work", () => {
    const short = result(2, 2, { sequential: { wall: steady(300), speedup: steady(1) }, threads: { wall: steady(280), speedup: steady(1.07) } });
    assert.equal(gil.nodeThreadsParallel(short).verdict, "unclear", "threads that fell short with no processes beside them: a run gone wrong");
    assert.equal(gil.gilProcesses(python(1, 1.05)).verdict, "differs");
    for (const claim of [gil.nodeThreadsParallel(short), gil.gilProcesses(python(1, 1.05))]) {
      assert.doesNotMatch(claim.reason, /busy with other work/);
      assert.match(claim.reason, /although 2 cores were usable; other programs used 0% of the CPU meanwhile, too little to explain it/);
    }
  });
});

describe("memory per unit, decided on CPython's units with Node's quoted", () => {
  const unit = (strategy: "async" | "threads" | "processes", bytesPerUnit: number, metric: string) => ({ strategy, bytesPerUnit, metric });
  const node = [unit("async", 400, "heap"), unit("threads", 8e6, "rss"), unit("processes", 1.1e7, "pss")];

  it("holds where a CPython thread costs a small share of a process, and quotes Node's worker beside it", () => {
    const claim = approaches.memoryCosts(node, [unit("async", 1200, "tracemalloc"), unit("threads", 17_000, "rss"), unit("processes", 3.5e6, "pss")]);
    assert.equal(claim.verdict, "holds");
    assert.match(claim.reason, /a CPython thread cost 0\.5% of a process, an asyncio task about 1\/14 of a thread/);
    assert.match(claim.measured, /^CPython, per unit: asyncio task 1\.2 KB \(tracemalloc\), thread 17 KB \(rss\), process 3\.3 MB \(pss\); Node \(the translation\): async task 0\.4 KB \(heap\), worker thread 7\.6 MB \(rss\).*carries its own V8 isolate/);
    assert.equal(claim.nodeByDesign, null, "decided on CPython: no Node-by-design difference to count");
  });

  it("differs when the order does not follow the claim, is unclear between little and not little, and is not measured without CPython", () => {
    assert.equal(approaches.memoryCosts(node, [unit("async", 400, "heap"), unit("threads", 2e7, "rss"), unit("processes", 1.1e7, "pss")]).verdict, "differs");
    assert.equal(approaches.memoryCosts(node, [unit("async", 12_000, "tracemalloc"), unit("threads", 17_000, "rss"), unit("processes", 3.5e6, "pss")]).verdict, "differs", "an asyncio task not clearly the least");
    assert.equal(approaches.memoryCosts(node, [unit("async", 400, "heap"), unit("threads", 1.65e6, "rss"), unit("processes", 1.1e7, "pss")]).verdict, "unclear", "15% of a process: between little and not little");
    assert.equal(approaches.memoryCosts(node, null).verdict, "not measured");
  });
});

describe("00's durations sentence", () => {
  it("gives the median, the range and spread, and the first run against the median", () => {
    assert.equal(overview.durationsCaption([40, 20, 22, 18, 21]), "Here: median 21 ms over 5 runs, from 18 ms to 40 ms (a spread of 105 % of the median); the first run took 40 ms, 1.90x the median.");
    assert.throws(() => overview.durationsCaption([]), /durationsMs must hold at least one duration/);
  });
});

describe("the cost of a switch, decided on CPython's asyncio and threads", () => {
  const unit = (strategy: string, samplesMs: number[]) => ({ strategy, handoffs: 2000, samplesMs });
  const node = [unit("async", [0.0001, 0.00012, 0.0001, 0.00011, 0.0001]), unit("threads", [0.004, 0.005, 0.0045, 0.004, 0.006]), unit("processes", [0.01, 0.011, 0.012, 0.01, 0.01])] as const;
  const future = [0.0025, 0.0027, 0.0026, 0.0025, 0.0026];

  it("holds when a CPython thread's handoff costs clearly over 3x an asyncio task's, round by round, with Node's quoted", () => {
    const claim = prosAndCons.switchCosts(node as never, [unit("async-future", future), unit("async", future.map((v) => v / 2)), unit("threads", future.map((v) => v * 20))]);
    assert.equal(claim.verdict, "holds");
    assert.match(claim.measured, /^CPython, per handoff \(median\): asyncio task 2\.6 µs \(a future, one turn of the loop; 1\.3 µs with sleep\(0\)\), thread 52 µs, process not measured; a thread's handoff cost 20\.00x an asyncio task's; Node \(the translation\), per handoff: await 0\.1 µs, worker threads 4\.5 µs, child processes 10 µs \(a worker thread's handoff 41\.67x an await's\)/);
    assert.match(claim.rule, /interval .* from 5 repeats; yes if it lies at or above 3\.00x/);
  });

  it("differs when the threads' handoff is clearly under 3x, stays unclear when the rounds straddle it, and is not measured without CPython", () => {
    assert.equal(prosAndCons.switchCosts(node as never, [unit("async-future", future), unit("threads", future.map((v) => v * 1.5))]).verdict, "differs");
    assert.match(prosAndCons.switchCosts(node as never, [unit("async-future", future), unit("threads", future.map((v) => v * 1.5))]).reason, /each turn of asyncio's loop runs Python code/);
    assert.equal(prosAndCons.switchCosts(node as never, [unit("async-future", future), unit("threads", [0.002, 0.03, 0.004, 0.025, 0.008])]).verdict, "unclear");
    assert.equal(prosAndCons.switchCosts(node as never, [unit("async-future", [0.0025]), unit("threads", [0.05])]).verdict, "unclear", "one round has no interval");
    assert.equal(prosAndCons.switchCosts(node as never, null).verdict, "not measured");
  });

  it("needs CPython's asyncio-through-a-future and threads samples", () => {
    assert.throws(() => prosAndCons.switchCosts(node as never, [unit("async", future)]), /python must hold "async-future" and "threads" samples/);
  });
});

describe("the GIL verdicts and the interpreter in use", () => {
  it("read the GIL from the interpreter that ran the threads, never from a separate probe", () => {
    const ran = (gil: boolean): CompareResult => {
      const r = python(1.9, 1.95);
      const interpreter = { version: "3.13.1", gil, freeThreadedBuild: true, switchIntervalS: 0.005, startMethod: "fork", executable: "python3.13t" };
      return { ...r, strategies: r.strategies.map((s) => (s.strategy.startsWith("python") ? { ...s, interpreter } : s)) };
    };
    assert.equal(gil.gilThreads(ran(false)).verdict, "not measured");
    assert.match(gil.gilThreads(ran(false)).reason, /^CPython 3\.13\.1 \(a free-threaded build, GIL disabled while it ran\) ran these threads/);
    const dir = mkdtempSync(path.join(tmpdir(), "conclab-python-"));
    const fake = path.join(dir, "python3.13t");
    writeFileSync(fake, "#!/bin/sh\necho 3.13.1\necho False\n");
    chmodSync(fake, 0o755);
    const before = process.env.CONCLAB_PYTHON;
    try {
      process.env.CONCLAB_PYTHON = fake;
      const backOn = gil.gilThreads(ran(true));
      assert.equal(backOn.verdict, "differs", "PYTHON_GIL=1 at run time: the run's report wins over a bare probe");
      assert.match(backOn.reason, /although CPython 3\.13\.1 \(a free-threaded build, GIL enabled while it ran\) ran them: the work ran in C code/);
      const unreported = gil.gilThreads(python(1.9, 1.95));
      assert.equal(unreported.verdict, "differs", "a probe that says free-threaded does not decide a run that reported nothing");
      assert.match(unreported.reason, /did not report whether its interpreter's GIL was on/);
    } finally {
      if (before === undefined) delete process.env.CONCLAB_PYTHON;
      else process.env.CONCLAB_PYTHON = before;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the decision rule: an interval that clears the threshold, on either side", () => {
  it("a noisy sample whose median is above the threshold is not a pass", () => {
    const noisy = summarize([1.3, 1.9, 2.2]);
    assert.ok(noisy.median >= 1.5, "the median alone would have passed");
    assert.equal(atLeast(noisy, 1.5), "unclear");
    assert.equal(atLeast(summarize([1.9, 1.95, 1.88, 1.92]), 1.5), "yes");
    assert.equal(atLeast(summarize([1.05, 1.1, 1.02, 1.07]), 1.5), "no");
  });

  it("decides nothing from one sample, on either side", () => {
    assert.equal(atLeast(summarize([3]), 1.5), "unclear");
    assert.equal(atMost(summarize([1]), 1.2), "unclear");
  });

  it("the interval is symmetric on a log scale and narrows with more repeats", () => {
    const few = interval([0.5, 2]);
    assert.ok(Math.abs(few.low * few.high - 1) < 1e-9, "geometric: 0.5x and 2x around 1x");
    const three = interval([1.8, 2.0, 1.9]);
    const nine = interval([1.8, 2.0, 1.9, 1.8, 2.0, 1.9, 1.8, 2.0, 1.9]);
    assert.ok(nine.high - nine.low < three.high - three.low);
    assert.equal(three.n, 3);
    assert.throws(() => interval([1, 0]), /samples must be positive finite numbers \(ratios, durations\), got 0/);
  });

  it("every threshold verdict shows its rule with this run's interval and repeats", () => {
    const node = result(2, 2, { sequential: { wall: steady(300), speedup: steady(1) }, threads: { wall: [160, 150, 155], speedup: [1.88, 2, 1.94] } });
    const claim = gil.nodeThreadsParallel(node);
    assert.match(claim.rule, /^wall-time speedup of threads \(no CPU meter here\): 95 % interval 1\.\d\dx–2\.\d\dx from 3 repeats; yes if it lies at or above 1\.50x, no if below, else unclear; yes means the claim differs; a no holds it only if child processes in the same run did keep the CPUs busy, else it is unclear$/);
  });
});

describe("claims about cores at work are decided on CPUs busy", () => {
  const twoCopies = (speedup: number[], coresBusy: number[], key: "threads" | "processes" = "threads", spans?: Span[]): CompareResult =>
    result(2, 2, { sequential: { wall: steady(300), speedup: steady(1), coresBusy: steady(1) }, [key]: { wall: speedup.map((s) => 300 / s), speedup, coresBusy, spans } });

  it("two CPUs busy is parallel work even when each copy ran slower side by side", () => {
    const slowCopies = (strategy: StrategyKey, ms: number): Span[] =>
      [0, 1].map((copy): Span => ({ strategy, repeat: 0, copy, pid: 1, threadId: copy, lane: `t${copy}`, laneKind: "thread", startMs: 0, endMs: ms }));
    const r = result(2, 2, {
      sequential: { wall: steady(300), speedup: steady(1), coresBusy: steady(1), spans: slowCopies("sequential", 150) },
      threads: { wall: steady(230), speedup: [1.3, 1.31, 1.29], coresBusy: [1.96, 1.95, 1.97], spans: slowCopies("threads", 230) },
    });
    const claim = gil.nodeThreadsParallel(r);
    assert.equal(claim.verdict, "differs", "the article's rule does not hold: worker threads worked at once");
    assert.match(claim.rule, /^CPUs busy at once on threads: 95 % interval 1\.9\d–1\.9\d from 3 repeats; yes if it lies at or above 1\.50/);
    assert.match(claim.measured, /1\.30x the speed of one after another .*1\.96 CPUs busy at once on average .*each copy took 1\.53x as long as alone/);
    assert.match(claim.reason, /each ran 1\.53x as long beside the others as alone: .*the hardware, not the runtime/);
    assert.match(concepts.parallelCaption(r, "threads"), /keeping 1\.96 CPUs busy on average: at least 1\.50 CPUs busy needs 2 CPUs .* Each copy took 1\.53x as long/);
    const contended = { ...r, noise: { ...r.noise, contention: 0.4 } };
    assert.match(gil.nodeThreadsParallel(contended).reason, /each ran 1\.53x as long beside the others as alone: other programs took 40% of the CPU meanwhile$/, "a measured cause, not the hardware");
    assert.match(concepts.parallelCaption(contended, "threads"), /Each copy took 1\.53x as long beside the others as alone: other programs took 40% of the CPU meanwhile\.$/);
  });

  it("one CPU busy is no parallel work even when the wall-time ratio looks fast", () => {
    assert.equal(gil.nodeThreadsParallel(twoCopies([1.7, 1.8, 1.75], [1.02, 1.0, 1.01])).verdict, "unclear", "no parallel work, and no processes to show the cores free");
    const withProcesses = result(2, 2, {
      sequential: { wall: steady(300), speedup: steady(1), coresBusy: steady(1) },
      threads: { wall: steady(170), speedup: [1.7, 1.8, 1.75], coresBusy: [1.02, 1.0, 1.01] },
      processes: { wall: steady(160), speedup: steady(1.9), coresBusy: steady(1.95) },
    });
    assert.equal(gil.nodeThreadsParallel(withProcesses).verdict, "holds", "the cores were free and only the threads failed to use them");
  });

  it("the GIL holds on one busy core beside processes that kept two busy, whatever the wall-time ratios", () => {
    const py = result(2, 2, {
      "python:sequential": { wall: steady(500), speedup: steady(1), coresBusy: steady(1) },
      "python:threads": { wall: steady(520), speedup: [0.96, 0.97, 0.95], coresBusy: [1.01, 1.03, 1.02] },
      "python:processes": { wall: steady(380), speedup: [1.3, 1.35, 1.33], coresBusy: [1.93, 1.95, 1.94] },
    });
    assert.equal(gil.gilThreads(py).verdict, "holds");
    assert.equal(gil.gilProcesses(py).verdict, "holds");
    assert.match(gil.gilThreads(py).rule, /yes if it lies at or below 1\.30/);
  });

  it("between one and two CPUs busy, and with a wide interval, the verdict is unclear", () => {
    assert.equal(gil.nodeThreadsParallel(twoCopies(steady(1.5), [1.45, 1.55, 1.5])).verdict, "unclear");
    assert.equal(gil.nodeThreadsParallel(twoCopies(steady(1.5), [1.4, 1.42, 1.41])).verdict, "unclear", "clearly below the threshold, with nothing to show the cores were free");
    assert.equal(gil.nodeThreadsParallel(twoCopies(steady(1.5), [1.1, 1.9, 1.6])).verdict, "unclear");
  });
});

describe("honest categories", () => {
  it("a check the runtime guarantees is a demonstration; by-design differences carry their explanation apart", () => {
    const loop = summarize([1.0, 1.01, 0.99]);
    assert.equal(judging.asyncBoundToOneThread(loop).kind, "demonstration");
    const threadsUp = prosAndCons.threadsBestFor(summarize([1.9, 1.92, 1.95]), 2);
    assert.equal(threadsUp.kind, "test");
    assert.equal(threadsUp.verdict, "differs");
    assert.ok(threadsUp.nodeByDesign && threadsUp.nodeByDesign.length > 0);
  });

  it("the counts leave demonstrations out, tell by-design differences apart, and count a shared fact once", () => {
    const race = { withAwait: 1, withoutAwait: 100, expected: 100 };
    const noisyThreads = gil.nodeThreadsParallel(result(2, 2, { sequential: { wall: steady(300), speedup: steady(1) }, threads: { wall: [200, 230, 190], speedup: [1.3, 1.6, 1.45] } }));
    const claims = [
      ...sharedState.sharedStateClaims({ plain: 5, atomic: 0, locked: 0, expected: 100 }, race, { sum: 10, expected: 10 }, 2),
      prosAndCons.threadsBestFor(summarize([1.9, 1.92, 1.95]), 2),
      prosAndCons.threadsBestFor(summarize([1.9, 1.92, 1.95]), 1),
      gil.gilProcesses(python(1, 1.05)),
      gil.gilProcesses(python(1, 1.05, false, 1)),
    ];
    const counts = verdictCounts(claims);
    assert.deepEqual(
      { tests: counts.tests, testClaims: counts.testClaims, holds: counts.holds, differsByDesign: counts.differsByDesign, differs: counts.differs, unclear: counts.unclear, notMeasured: counts.notMeasured, demonstrations: counts.demonstrations },
      { tests: 4, testClaims: 5, holds: 1, differsByDesign: 1, differs: 1, unclear: 0, notMeasured: 1, demonstrations: 2 },
      "the two threads-best-for claims rest on one fact: its 'not measured' run does not outvote the run that measured it",
    );
    assert.deepEqual(counts.shared, [{ evidence: judging.EVIDENCE.nodeThreadsParallel, ids: ["proscons.threads-best-for", "proscons.threads-best-for"] }]);
    assert.match(counts.sentence, /^Counting a fact that decides several claims once, this machine could have contradicted 4 claims: 1 held, 1 differed where Node is built differently, 1 differed otherwise, 0 stayed unclear and 1 could not be measured here \(2 claims \(proscons\.threads-best-for, proscons\.threads-best-for\) rest on one fact, "Node's worker threads keep several CPUs busy on CPU work", counted once\); 2 more claims are demonstrations \(2 shown\)/);
    const undecided = verdictCounts([prosAndCons.threadsBestFor(summarize([1.9, 1.92, 1.95]), 2), noisyThreads]);
    assert.deepEqual([undecided.tests, undecided.differsByDesign, undecided.unclear], [1, 1, 0], "an undecided run does not outvote one that decided");
    const threadsOnly = result(2, 2, {
      sequential: { wall: steady(300), speedup: steady(1) },
      threads: { wall: steady(280), speedup: steady(1.07) },
      processes: { wall: steady(160), speedup: steady(1.9) },
    });
    const disagreeing = verdictCounts([prosAndCons.threadsBestFor(summarize([1.9, 1.92, 1.95]), 2), gil.nodeThreadsParallel(threadsOnly)]);
    assert.deepEqual([disagreeing.tests, disagreeing.unclear], [1, 1], "one run held and another differed: the fact is unclear");
  });
});
