/**
 * Chapter 11, libuv's thread pool: the child that runs each pool size, the loopback DNS server,
 * the figures and sentences computed from hand-made numbers, the question's choices, and the
 * exercise's check (right and wrong answers from test/helpers/exercise-cases.ts, on every CPU and
 * on one).
 */
import assert from "node:assert/strict";
import { Resolver } from "node:dns/promises";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { AbortError, findPython } from "conclab";
import { libuvPool } from "conclab/course";
import { abortAllExperiments } from "conclab/internal";
import { onOneCpuAndOnAll } from "../helpers/exercise-suite";
import { ProcessWatch } from "../helpers/processes";

type Batches = libuvPool.HashBatches;
type Probes = libuvPool.PoolProbes;
type Kind = libuvPool.ProbeKind;

const TWO_ROUNDS = [250, 252, 255, 258, 500, 502, 505, 510];
const ONE_ROUND = [490, 495, 498, 500, 501, 503, 505, 510];
const run = (poolSize: number, batches: number[][]): Batches => ({ poolSize, seenPoolSize: String(poolSize), calls: 8, iterations: 1000, batches });
const idleEnds = { stat: 20.5, readFile: 21, statSync: 20.3, lookup: 20.6, resolve4: 21 };
const busyEnds = { stat: 300.5, readFile: 301, statSync: 20.3, lookup: 300.6, resolve4: 25 };
const probes = (ends: Partial<Record<Kind, number>>[], kinds: Kind[] = ["stat", "readFile", "statSync", "lookup", "resolve4"]): Probes => ({
  poolSize: 4, seenPoolSize: "4", busyHashes: 4, iterations: 1000, kinds,
  rounds: ends.flatMap((busy) => [
    { busy: false, probeStartMs: 20, hashEndsMs: [], probeEndsMs: idleEnds, errors: {} },
    { busy: true, probeStartMs: 20, hashEndsMs: [300, 301, 302, 303], probeEndsMs: busy, errors: {} },
  ]),
});

describe("libuv's pool, measured in a child process", () => {
  it("the child sees the UV_THREADPOOL_SIZE it was started with and records every call of every batch", async () => {
    const iterations = libuvPool.pbkdf2Iterations(5);
    const r = await libuvPool.hashBatches({ poolSize: 2, calls: 4, iterations, repeats: 2 });
    assert.equal(r.seenPoolSize, "2");
    assert.equal(r.batches.length, 2);
    for (const batch of r.batches) assert.ok(batch.length === 4 && batch.every((t) => t > 0), JSON.stringify(batch));
  });

  it("probes record idle and busy rounds; resolve4 asks the loopback server, which counts the questions", async () => {
    const server = await libuvPool.startLoopbackDns();
    try {
      const p = await libuvPool.poolProbes({ poolSize: 2, busyHashes: 2, iterations: libuvPool.pbkdf2Iterations(5), kinds: ["stat", "lookup", "resolve4"], repeats: 1, dnsServer: server.address });
      assert.deepEqual(p.rounds.map((r) => [r.busy, r.hashEndsMs.length]), [[false, 0], [true, 2]]);
      for (const r of p.rounds) assert.deepEqual([Object.keys(r.probeEndsMs).sort(), r.errors], [["lookup", "resolve4", "stat"], {}]);
      assert.equal(server.answered, 3, "a warm-up round, an idle round and a busy round each asked once");
    } finally {
      await server.close();
    }
  });

  it("the loopback DNS server answers every A question with 127.0.0.1, and closing it twice is safe", async () => {
    const server = await libuvPool.startLoopbackDns();
    const resolver = new Resolver({ timeout: 2_000, tries: 1 });
    resolver.setServers([server.address]);
    assert.deepEqual(await resolver.resolve4("anything.conclab.test"), ["127.0.0.1"]);
    assert.equal(server.answered, 1);
    await server.close();
    await server.close();
  });

  it("looks localhost up only where the hosts file names it, so that no question leaves the machine", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "conclab-hosts-"));
    try {
      const hosts = (text: string): boolean => {
        writeFileSync(path.join(dir, "hosts"), text);
        return libuvPool.localhostInHosts(path.join(dir, "hosts"));
      };
      assert.equal(hosts("127.0.0.1\tlocalhost\n::1 localhost ip6-localhost\n"), true);
      assert.equal(hosts("# 127.0.0.1 localhost\n10.0.0.1 myhost\n"), false);
      assert.equal(libuvPool.localhostInHosts(path.join(dir, "missing")), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("bad arguments are refused, naming the parameter and the fix", async () => {
    assert.throws(() => libuvPool.pbkdf2Iterations(0), /targetMs must be a duration from 1 to 10,000 ms.*pass how long/);
    await assert.rejects(libuvPool.hashBatches({ poolSize: 2, calls: 0, iterations: 1000, repeats: 1 }), /calls must be/);
    await assert.rejects(libuvPool.hashBatches({ poolSize: 0, calls: 2, iterations: 1000, repeats: 1 }), /poolSize must be.*or null for libuv's default/);
    await assert.rejects(libuvPool.poolProbes({ poolSize: 2, busyHashes: 1, iterations: 1000, kinds: ["resolve4"], repeats: 1 }), /dnsServer must be.*startLoopbackDns/);
  });

  it("an interrupt kills the child and its pool threads, and leaves no process behind", async () => {
    const watch = new ProcessWatch(20);
    const running = libuvPool.hashBatches({ poolSize: 4, calls: 8, iterations: libuvPool.pbkdf2Iterations(2_000), repeats: 5 });
    while (watch.count === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    await abortAllExperiments();
    await assert.rejects(running, AbortError);
    assert.deepEqual(await watch.leftovers(), []);
  });
});

describe("chapter 11's figures and sentences come from the numbers", () => {
  it("the timeline draws a bar per call per pool size, sorted by finishing order", () => {
    const figure = libuvPool.poolTimelineFigure([run(4, [TWO_ROUNDS]), run(8, [ONE_ROUND])]);
    assert.equal(figure.data.length, 2);
    assert.deepEqual(figure.data[0]!.x, TWO_ROUNDS);
    assert.equal((figure.layout.yaxis as { categoryarray: string[] }).categoryarray.length, 16);
  });

  it("the latency figure has an idle and a busy bar per call, on a log axis", () => {
    const figure = libuvPool.probeLatencyFigure(probes([busyEnds, busyEnds]));
    assert.deepEqual(figure.data.map((t) => t.name), ["pool idle", "pool busy (4 hashes in flight)"]);
    assert.equal((figure.data[1]!.y as number[])[0], 280.5);
    assert.equal((figure.layout.yaxis as { type: string }).type, "log");
  });

  it("the rounds sentence compares the totals with the usable cores", () => {
    const same = libuvPool.roundsCaption([run(4, [TWO_ROUNDS]), run(8, [ONE_ROUND])], 2);
    assert.match(same, /on 4 threads the 4th call finished at 51 % of the batch and the batch took 510 ms; on 8 threads .* at 98 %/);
    assert.match(same, /With 2 cores usable, 8 threads can at best finish these CPU-bound calls in 1\.00x the time 4 threads take .*; here they took 1\.00x: 4 threads already gave each core a call/);
    const disturbed = libuvPool.roundsCaption([run(4, [TWO_ROUNDS]), run(8, [ONE_ROUND.map((t) => t * 0.7)])], 2);
    assert.match(disturbed, /here they took 0\.70x: sooner than more threads alone can make CPU-bound calls finish, so the load on this machine changed between the two runs\.$/);
    const sooner = libuvPool.roundsCaption([run(4, [TWO_ROUNDS]), run(8, [ONE_ROUND.map((t) => t / 2)])], 8);
    assert.match(sooner, /With 8 cores usable, 8 threads can at best finish these CPU-bound calls in 0\.50x the time 4 threads take .*; here they took 0\.50x\.$/);
  });

  it("the probes sentence sorts the calls into those that waited for a hash and those that did not", () => {
    const text = libuvPool.probesCaption(probes([busyEnds]), { answered: 3, error: null });
    assert.match(text, /lasted until a hash ended: fs\.promises\.stat \(281 ms busy, 500 µs idle\), fs\.promises\.readFile .*, dns\.lookup .*\. These did not wait: fs\.statSync .*, resolver\.resolve4 \(5\.0 ms busy/);
    assert.match(text, /answered 3 questions; none left the machine/);
    assert.match(libuvPool.probesCaption(probes([busyEnds], ["stat"]), { answered: 0, error: "bind EPERM" }), /could not start on 127\.0\.0\.1 \(bind EPERM\), so resolve4 was not measured/);
  });

  it("the question's answer is read from the measured finishing shares", () => {
    const [asked] = libuvPool.chapter.questions;
    const choose = (four: number[]): unknown => asked!.choose(libuvPool.roundsClaim(run(4, [four, four.map((t) => t + 1), four.map((t) => t + 2)]), run(8, [ONE_ROUND, ONE_ROUND, ONE_ROUND])).observed!);
    assert.equal(choose(TWO_ROUNDS), "b");
    assert.equal(choose(ONE_ROUND), "a");
    assert.equal(choose([60, 120, 180, 240, 300, 360, 420, 480]), "c");
  });
});

describe("CPython's asyncio executor, beside libuv's pool", () => {
  it("counts the calls that finished within half a sleep of the first as the first round", () => {
    assert.equal(libuvPool.firstRound([101, 103, 104, 120, 149, 152, 201, 230], 100), 5);
    assert.equal(libuvPool.firstRound([300, 305, 310], 100), 3);
  });

  it("runs twice the executor's expected size of sleeps in CPython and records every call", { skip: findPython() === null && "no CPython 3.8+ here" }, async () => {
    const r = (await libuvPool.pythonExecutorRun("short"))!;
    assert.ok(r.expectedWorkers >= 5 && r.expectedWorkers <= 32, String(r.expectedWorkers));
    assert.deepEqual([r.calls, r.ends.length, r.ends.every((e) => e.length === r.calls)], [2 * r.expectedWorkers, 2, true]);
    assert.match(libuvPool.executorCaption(r), new RegExp(`^CPython ${r.interpreter.version.replace(/\./g, "\\.")}: of ${r.calls} sleeps of 100 ms`));
  });

  it("says so where no CPython ran", () => {
    assert.equal(libuvPool.executorCaption(null), "No CPython 3.8+ found: asyncio's executor is not measured here.");
  });
});

describe("the exercise: a readFile not stuck behind hashing", () => {
  it("is judged from the rounds: every read early passes, every read late fails, a mix cannot tell", () => {
    assert.equal(libuvPool.judgeReadNotStuck(7, [0.02, 0.05], [10, 12]).passed, true);
    const late = libuvPool.judgeReadNotStuck(4, [1.0, 1.01], [480, 490]);
    assert.deepEqual([late.passed, /^Not yet: with UV_THREADPOOL_SIZE=4 the readFile took 485 ms, until a hash gave its thread back/.test(late.message)], [false, true], late.message);
    assert.equal(libuvPool.judgeReadNotStuck(6, [0.02, 1.0], [10, 480]).passed, null);
    assert.equal(libuvPool.judgeReadNotStuck(6, [], []).passed, null);
  });

  onOneCpuAndOnAll("11");
});
