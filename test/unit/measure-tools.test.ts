import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { blockingSleep, calibrate, compare, countTo, httpGet, loopLag, makeTestFile, measureMemory, measureSwitches, readFileTask, run, saveChromeTrace, sleep, startDelayServer, toChromeTrace, type Span } from "conclab";
import { cpuShareOfCopies } from "conclab/internal";
import { ProcessWatch, until } from "../helpers/processes";

const span = (over: Partial<Span>): Span => ({
  strategy: "threads", repeat: 0, copy: 0, laneKind: "thread", lane: "thread 1", pid: 10, threadId: 1, startMs: 1000, endMs: 1010, ...over,
});

describe("Chrome traces", () => {
  it("one complete event per span, in microseconds from the first, with named processes and threads", () => {
    const trace = toChromeTrace([span({}), span({ copy: 1, threadId: 2, lane: "thread 2", startMs: 1002, endMs: 1012.5 })]);
    const complete = trace.traceEvents.filter((e) => e.ph === "X");
    assert.deepEqual(complete.map((e) => [e.name, e.ts, e.dur, e.pid, e.tid]), [
      ["threads copy 0", 0, 10_000, 10, 1],
      ["threads copy 1", 2000, 10_500, 10, 2],
    ]);
    const names = trace.traceEvents.filter((e) => e.ph === "M").map((e) => `${e.name}=${String(e.args?.name)}`);
    assert.deepEqual(names, ["process_name=conclab pid 10", "thread_name=thread 1", "thread_name=thread 2"]);
  });

  it("saves a JSON file", async () => {
    const file = path.join(tmpdir(), `conclab-trace-${process.pid}.json`);
    try {
      await saveChromeTrace([span({})], file);
      assert.equal((JSON.parse(await readFile(file, "utf8")) as { traceEvents: unknown[] }).traceEvents.length, 3);
    } finally {
      await rm(file, { force: true });
    }
  });
});

describe("the loopback delay server and the I/O tasks", () => {
  it("answers requests carrying its token on 127.0.0.1 and refuses others", async () => {
    const server = await startDelayServer({ delayMs: 20, bodyBytes: 300 });
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{32}$/);
      const result = await run({ strategy: "async", task: httpGet, args: [server.url], copies: 5, warmup: 0 });
      assert.deepEqual(result.results, [300, 300, 300, 300, 300]);
      const noToken = await fetch(`http://127.0.0.1:${server.port}/`);
      assert.equal(noToken.status, 403);
      assert.equal(server.answered, 6, "5 copies, and the one call with which async checks that the task is awaitable");
      assert.equal(server.refused, 1);
    } finally {
      await server.close();
    }
  });

  it("reads a real file from worker threads", async () => {
    const file = await makeTestFile(4096);
    try {
      const result = await run({ strategy: "threads", task: readFileTask, args: [file.path], copies: 2 });
      assert.deepEqual(result.results, [4096, 4096]);
    } finally {
      await file.remove();
    }
    await assert.rejects(stat(file.path), { code: "ENOENT" });
  });
});

describe("loopLag", () => {
  it("sees a blocked loop as a late tick, and returns fn's value", async () => {
    const lag = await loopLag(() => blockingSleep(120), { intervalMs: 10 });
    assert.equal(lag.result, 120);
    assert.ok(lag.ticks.length >= 1);
    assert.ok(lag.maxLateMs > 0);
    assert.ok(lag.utilization >= 0 && lag.utilization <= 1);
  });

  it("ticks regularly while an awaitable waits", async () => {
    const lag = await loopLag(() => new Promise<string>((resolve) => setTimeout(() => resolve("done"), 120)), { intervalMs: 10 });
    assert.equal(lag.result, "done");
    assert.ok(lag.ticks.length > 3, "several ticks while the loop was free");
    assert.ok(lag.histogram.samples > 0);
  });
});

describe("measureMemory", () => {
  for (const [unit, count, metric] of [["async", 2000, "heap"], ["threads", 2, "rss"], ["processes", 2, "pss"]] as const) {
    it(`${unit}: reports bytes per unit and what it measured`, async () => {
      const m = await measureMemory(unit, count);
      assert.equal(m.strategy, unit);
      assert.equal(m.count, count);
      assert.equal(m.metric, metric);
      assert.ok(m.totalBytes > 0);
      assert.equal(m.bytesPerUnit, m.totalBytes / count);
    });
  }
});

describe("measureSwitches", () => {
  const small = { async: 1000, threads: 200, processes: 200 };
  const switchDirs = (): string[] => readdirSync(tmpdir()).filter((name) => name.startsWith("conclab-switch-"));

  it("takes one sample per unit and round, in the units' order, and leaves no process or pipe behind", async () => {
    const watch = new ProcessWatch(20);
    const before = switchDirs();
    const measures = await measureSwitches(["async", "threads", "processes"], { rounds: 2, handoffs: small });
    assert.deepEqual(measures.map((m) => [m.strategy, m.handoffs, m.samplesMs.length]), [["async", 1000, 2], ["threads", 200, 2], ["processes", 200, 2]]);
    for (const m of measures) for (const v of m.samplesMs) assert.ok(v > 0 && Number.isFinite(v), `${m.strategy}: ${v} ms per handoff`);
    const turns = measures[0]!.eventLoopTurnMs ?? [];
    assert.equal(turns.length, 2, "async also times a handoff through a turn of the event loop, once per round");
    for (const v of turns) assert.ok(v > 0 && Number.isFinite(v));
    assert.equal(measures[1]!.eventLoopTurnMs, undefined, "only async has an event-loop turn");
    assert.ok(watch.count >= 2, "the processes round started child processes");
    assert.deepEqual(await watch.leftovers(), []);
    assert.deepEqual(switchDirs(), before);
  });

  it("takes more rounds while until() says no, up to maxRounds, and stops as soon as it says yes", async () => {
    const seen: number[] = [];
    const never = await measureSwitches(["async"], { rounds: 2, maxRounds: 4, handoffs: small, until: (sofar) => (seen.push(sofar[0]!.samplesMs.length), false) });
    assert.equal(never[0]!.samplesMs.length, 4);
    assert.deepEqual(seen, [2, 3]);
    const at3 = await measureSwitches(["async"], { rounds: 2, maxRounds: 6, handoffs: small, until: (sofar) => sofar[0]!.samplesMs.length >= 3 });
    assert.equal(at3[0]!.samplesMs.length, 3);
  });

  it("names the parameter, the value and the fix", async () => {
    await assert.rejects(measureSwitches(["fibers" as "async"]), /units must be a list of "async", "threads", "processes", got "fibers" \(string\)/);
    await assert.rejects(measureSwitches(["threads"], { handoffs: { threads: 201 } }), /options\.handoffs\.threads must be an even integer .*got 201 \(number\); pass an even number/);
    await assert.rejects(measureSwitches(["async"], { rounds: 0 }), /options\.rounds must be an integer from 1 to 100, got 0/);
  });

  for (const unit of ["threads", "processes"] as const) {
    it(`${unit}: an abort stops a long sample and ends its ${unit}`, async () => {
      const watch = new ProcessWatch(20);
      const threadsBefore = process.getActiveResourcesInfo().filter((r) => r === "MessagePort").length;
      const controller = new AbortController();
      const running = measureSwitches([unit], { rounds: 1, handoffs: { [unit]: 10_000_000 }, signal: controller.signal });
      // Let the units start and settle into their handoffs before the abort.
      await sleep(unit === "processes" ? 1500 : 500);
      if (unit === "processes") assert.ok(await until(() => (watch.poll(), watch.count >= 2), 10_000), "both children started");
      controller.abort();
      await assert.rejects(running, { name: "AbortError" });
      assert.deepEqual(await watch.leftovers(), []);
      assert.equal(process.getActiveResourcesInfo().filter((r) => r === "MessagePort").length, threadsBefore, "no worker's port is left open");
    });
  }
});

describe("calibrate", () => {
  it("returns a whole size the task accepts and runs", async () => {
    const n = await calibrate(countTo, { targetMs: 20 });
    assert.ok(Number.isInteger(n) && n > 0);
    assert.equal(countTo(n), n);
  });
});

describe("cores busy (CPU time over wall time)", () => {
  it("is recorded per strategy on Linux, at most one CPU for work on one thread, near none while waiting", { skip: process.platform !== "linux" && "reads /proc" }, async () => {
    const n = await calibrate(countTo, { targetMs: 150 });
    const cpu = await compare({ task: countTo, args: [n], copies: 2, strategies: ["sequential", "eventLoop"], repeats: 3, warmup: 1 });
    for (const s of cpu.strategies) {
      assert.ok(s.coresBusy, `${s.strategy} has a reading`);
      assert.equal(s.coresBusy.samples.length, 3, "one per timed run");
      // One thread cannot keep more than one CPU busy; the margin covers /proc's 10 ms tick over a
      // ~300 ms run and V8's background compiler and GC threads.
      assert.ok(s.coresBusy.median <= 1.3, `${s.strategy}: ${s.coresBusy.median} CPUs busy on one thread`);
    }
    const waiting = await compare({ task: sleep, args: [150], copies: 2, strategies: ["async"], repeats: 3, warmup: 0 });
    assert.ok(waiting.strategies[0]!.coresBusy!.median < 0.5, `waiting on timers keeps ${waiting.strategies[0]!.coresBusy!.median} CPUs busy`);
  });
});

describe("each copy's CPU time", () => {
  const onLinux = process.platform === "linux";

  it("is read in every context where a copy has its thread to itself, and not for copies that await on the shared thread", { skip: !onLinux && "reads /proc/thread-self" }, async () => {
    const cpu = await compare({ task: countTo, args: [50_000_000], copies: 2, strategies: ["sequential", "eventLoop", "threads", "processes"], repeats: 1, warmup: 0 });
    for (const s of cpu.strategies) {
      for (const span of s.spans) {
        assert.equal(typeof span.cpuMs, "number", `${s.strategy} copy ${span.copy} has its CPU time`);
        assert.ok(span.cpuMs! > 0, `${s.strategy}: counting to fifty million used the CPU`);
      }
      assert.ok(cpuShareOfCopies(s.spans)! > 0);
    }
    const waits = await compare({ task: sleep, args: [20], copies: 2, strategies: ["async", "threads"], repeats: 1, warmup: 0 });
    const onMain = waits.strategies.find((s) => s.strategy === "async")!;
    assert.ok(onMain.spans.every((span) => span.cpuMs === undefined), "awaiting copies share the main thread: no CPU time of their own");
    assert.equal(cpuShareOfCopies(onMain.spans), null);
    assert.ok(waits.strategies.find((s) => s.strategy === "threads")!.spans.every((span) => typeof span.cpuMs === "number"));
  });

  it("keeps one open file per thread that reads it, and none after its worker threads end", { skip: !onLinux && "reads /proc/self/fd" }, async () => {
    const openFiles = (): number => readdirSync("/proc/self/fd").length;
    await compare({ task: countTo, args: [1000], copies: 2, strategies: ["sequential"], repeats: 1, warmup: 0 }); // this thread's own file
    const before = openFiles();
    for (let i = 0; i < 5; i++) await compare({ task: countTo, args: [1000], copies: 4, strategies: ["sequential", "threads"], repeats: 2, warmup: 0 });
    assert.equal(openFiles(), before, "20 worker threads came and went; their files went with them");
  });

  it("gives the share of a CPU a copy had while it ran, as the median over copies", () => {
    const span = (startMs: number, endMs: number, cpuMs?: number): Span => ({ strategy: "threads", repeat: 0, copy: 0, pid: 1, threadId: 1, lane: "thread 1", laneKind: "thread", startMs, endMs, ...(cpuMs === undefined ? {} : { cpuMs }) });
    assert.equal(cpuShareOfCopies([span(0, 100, 50), span(0, 200, 100), span(0, 100, 90)]), 0.5);
    assert.equal(cpuShareOfCopies([span(0, 100, 50), span(0, 100)]), null, "a copy without its CPU time makes the share unknown");
  });
});
