/**
 * What chapters save and their readers read back, defined once (02's and 03's results, read by 04
 * and the summary), 04's table built from them, and 05's many-waits experiment with its figure.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { findPython, sleep, waitsFigure } from "conclab";
import { type Claim, approaches, gil, prosAndCons, waiting } from "conclab/course";
import { handMadeResult, steady } from "../helpers/results";

const node = handMadeResult(2, 2, {
  sequential: { wall: steady(300), speedup: steady(1), coresBusy: steady(1) },
  threads: { wall: steady(160), speedup: steady(1.9), coresBusy: steady(1.95) },
});
const python = handMadeResult(2, 2, {
  "python:sequential": { wall: steady(500), speedup: steady(1) },
  "python:threads": { wall: steady(500), speedup: steady(1) },
  "python:processes": { wall: steady(260), speedup: steady(1.95) },
});

describe("02's claims and saved numbers", () => {
  it("judge CPython's threads and processes and Node's threads; without a CPython, say so", () => {
    assert.deepEqual(gil.gilClaims(node, python, python).map((c) => c.id), ["gil.threads", "gil.processes", "gil.c-code", "gil.node-threads"]);
    const without = gil.gilClaims(node, null);
    assert.deepEqual(without.map((c) => c.id), ["gil.threads", "gil.processes", "gil.c-code", "gil.node-threads"]);
    assert.equal(without[2]!.verdict, "not measured", "C code in CPython is not decided without a CPython run");
    assert.deepEqual(without.slice(0, 2).map((c) => [c.verdict, c.reason]), [
      ["not measured", "no Python 3.8+ was found on this machine"],
      ["not measured", "no Python 3.8+ was found on this machine"],
    ]);
  });

  it("save each strategy's speedup and CPUs busy, and read back the same, also from results saved without CPUs busy", () => {
    const data = gil.gilData(node, python);
    assert.equal(data.nodeSpeedup.threads?.median, 1.9);
    assert.equal(data.nodeCoresBusy.threads?.median, 1.95);
    assert.equal(data.pythonSpeedup?.["python:processes"]?.median, 1.95);
    assert.deepEqual(gil.readGilData(JSON.parse(JSON.stringify(data)) as Record<string, unknown>), data);
    assert.deepEqual(gil.readGilData({ nodeSpeedup: data.nodeSpeedup }), { nodeSpeedup: data.nodeSpeedup, nodeCoresBusy: {}, pythonSpeedup: null, pythonInterpreter: null });
    assert.equal(gil.gilData(node, null).pythonSpeedup, null);
  });
});

describe("05's many waits", () => {
  it("measure one batch per count, in order, each started together on the event loop", async () => {
    const points = await waiting.concurrentWaits(sleep, 20, [1, 50]);
    assert.deepEqual(points.map((p) => p.copies), [1, 50]);
    for (const p of points) assert.ok(Number.isFinite(p.wallMs) && p.wallMs > 0, `${p.copies} waits took a time`);
  });

  it("draw a bar per batch with its time, titled with the wait, and a sentence from the same numbers", () => {
    const points = [{ copies: 1, wallMs: 301 }, { copies: 1000, wallMs: 340 }];
    const figure = waitsFigure(points, 300);
    assert.deepEqual(figure.data[0]!.x, ["1 waits", "1,000 waits"]);
    assert.deepEqual(figure.data[0]!.text, ["301 ms", "340 ms"]);
    assert.equal((figure.layout.title as { text: string }).text, "Concurrent 300 ms waits on one thread: total wall time");
    assert.match(waiting.waitsCaption(points, 300), /^1,000 concurrent 300 ms waits on one thread took 340 ms in all/);
    assert.throws(() => waitsFigure([], 300), /points must hold at least one batch/);
  });
});

describe("03's saved numbers and 04's table", () => {
  const startups = [
    { strategy: "async" as const, samplesMs: [0.001, 0.002, 0.001] },
    { strategy: "threads" as const, samplesMs: [30, 35, 32] },
    { strategy: "processes" as const, samplesMs: [90, 80, 85] },
  ];
  const memory = [
    { strategy: "async" as const, count: 1000, bytesPerUnit: 800, totalBytes: 800_000, metric: "heap" as const },
    { strategy: "threads" as const, count: 4, bytesPerUnit: 9 * 2 ** 20, totalBytes: 36 * 2 ** 20, metric: "rss" as const },
    { strategy: "processes" as const, count: 4, bytesPerUnit: 15 * 2 ** 20, totalBytes: 60 * 2 ** 20, metric: "pss" as const },
  ];

  it("03 saves each unit's median start-up, memory and meter, and 04 reads back the same", () => {
    const data = approaches.approachesData(startups, memory);
    assert.deepEqual(data, {
      startupMedianMs: { async: 0.001, threads: 32, processes: 85 },
      memoryBytesPerUnit: { async: 800, threads: 9 * 2 ** 20, processes: 15 * 2 ** 20 },
      memoryMetric: { async: "heap", threads: "rss", processes: "pss" },
      cpython: null,
    });
    const cpython = {
      startups: startups.map((s) => ({ ...s, samplesMs: s.samplesMs.map((v) => v / 30) })) as never,
      memory: [{ strategy: "async", bytesPerUnit: 1200, metric: "tracemalloc" }, { strategy: "threads", bytesPerUnit: 17_000, metric: "rss" }, { strategy: "processes", bytesPerUnit: 3.5e6, metric: "pss" }],
    };
    assert.deepEqual(approaches.approachesData(startups, memory, cpython).cpython?.memoryMetric, { async: "tracemalloc", threads: "rss", processes: "pss" }, "CPython's column beside Node's");
    assert.deepEqual(approaches.readApproachesData(JSON.parse(JSON.stringify({ ...data, cores: 2 })) as Record<string, unknown>).startupMedianMs, data.startupMedianMs);
    assert.throws(() => approaches.readApproachesData({ startupMedianMs: {} }), /03's saved results lack memoryBytesPerUnit; run 03-approaches again/);
    assert.throws(() => approaches.approachesData(startups.slice(1), memory), /startups has no async measurement/);
  });

  const switches = [
    { strategy: "async" as const, handoffs: 100_000, samplesMs: [0.0001, 0.00006, 0.00008] },
    { strategy: "threads" as const, handoffs: 2000, samplesMs: [0.003, 0.004, 0.005] },
    { strategy: "processes" as const, handoffs: 2000, samplesMs: [0.011, 0.01, 0.012] },
  ];

  it("04's table has the article's five rows, this machine's numbers, and the verdicts it cites", () => {
    const claims = [{ id: "approaches.preemptive", verdict: "holds" }] as Claim[];
    const rows = prosAndCons.prosAndConsRows(gil.gilData(node, python), approaches.approachesData(startups, memory), switches, claims, 2);
    assert.deepEqual(rows.map((r) => r.Feature), ["Memory per unit", "Switching: who decides (03), one handoff's cost (median)", "Start-up overhead (median)", "CPU speedup, 2 copies on 2 core(s)", "Best for (the course's reading of the rows above, not a measurement)"]);
    assert.match(rows[0]!["Article (threading / multiprocessing / asyncio)"]!, /; CPython not measured here$/, "no CPython column without a CPython run");
    assert.equal(rows[1]!["Worker threads"], "preemptive: the OS (holds); 4 µs");
    assert.equal(rows[1]!["Child processes"], "preemptive: the OS; 11 µs");
    assert.equal(rows[1]!["Async tasks"], "cooperative: at each await (not measured); 0.08 µs", "a verdict not in the claims is said to be not measured");
    assert.equal(prosAndCons.switchCostsCaption(switches), "Here, one handoff between two async tasks 0.08 µs, between two worker threads 4 µs (62x an await's), between two child processes 11 µs (150x an await's): medians of 3 rounds.");
    assert.equal(rows[3]!["Worker threads"], "1.90x");
    assert.match(rows[3]!["Article (threading / multiprocessing / asyncio)"]!, /CPython threads 1\.00x, processes 1\.95x/);
    const freeThreaded = { ...gil.gilData(node, python), pythonInterpreter: { version: "3.13.5", gil: false, freeThreadedBuild: true, switchIntervalS: 0.005, startMethod: "fork", executable: "python3.13t" } };
    const noGilRow = prosAndCons.prosAndConsRows(freeThreaded, approaches.approachesData(startups, memory), switches, claims, 2)[3]!["Article (threading / multiprocessing / asyncio)"]!;
    assert.equal(noGilRow, "GIL-bound: yes / no / yes; CPython here ran without its GIL (3.13.5, a free-threaded build): threads 1.00x, processes 1.95x", "the article's row is not credited with a run without the GIL");
    assert.equal(prosAndCons.unitCostsCaption(approaches.approachesData(startups, memory)), "Here, async task → worker thread → child process: start-up 1 µs → 32 ms (32,000x) → 85 ms (2.66x); memory 0.8 KB → 9 MB (11,796x) → 15 MB (1.67x).");
  });

  it("04's claims: its own switching, then those from 02's Node run it has numbers for", () => {
    assert.deepEqual(prosAndCons.prosAndConsClaims(gil.gilData(node, python), switches, 2).map((c) => c.id), ["proscons.switch-cost", "proscons.threads-best-for"]);
    const withLoop = handMadeResult(2, 2, {
      sequential: { wall: steady(300), speedup: steady(1) },
      eventLoop: { wall: steady(300), speedup: steady(1), coresBusy: steady(1) },
      threads: { wall: steady(160), speedup: steady(1.9), coresBusy: steady(1.95) },
    });
    assert.deepEqual(prosAndCons.prosAndConsClaims(gil.gilData(withLoop, null), switches, 2).map((c) => c.id), ["proscons.switch-cost", "proscons.async-one-thread", "proscons.threads-best-for"]);
  });
});

describe("04's CPython handoffs", () => {
  it("take at least `rounds` and at most `maxRounds` rounds, the same for every unit, or are null without CPython", async () => {
    const samples = await prosAndCons.cpythonSwitchingCosts({ rounds: 2, maxRounds: 4 });
    if (!findPython()) return assert.equal(samples, null);
    assert.ok(samples);
    assert.deepEqual(samples.map((s) => s.strategy), ["async", "async-future", "threads", "processes"]);
    const counts = new Set(samples.map((s) => s.samplesMs.length));
    assert.equal(counts.size, 1, "every unit has a sample in every round");
    const [n] = counts;
    assert.ok(n! >= 2 && n! <= 4, `${n} rounds`);
  });
});
