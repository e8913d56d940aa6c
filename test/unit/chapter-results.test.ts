/**
 * What chapters save and their readers read back, defined once (02's GIL results, read by 04 and
 * the summary), and 05's many-waits experiment with its figure.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { concurrentWaits, gilClaims, gilData, readGilData, sleep, waitsCaption, waitsFigure } from "conclab";
import { handMadeResult } from "../helpers/results";

const steady = (v: number): number[] => [v, v, v];
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
    assert.deepEqual(gilClaims(node, python).map((c) => c.id), ["gil.threads", "gil.processes", "gil.node-threads"]);
    const without = gilClaims(node, null);
    assert.deepEqual(without.map((c) => c.id), ["gil.threads", "gil.processes", "gil.node-threads"]);
    assert.deepEqual(without.slice(0, 2).map((c) => [c.verdict, c.reason]), [
      ["not measured", "no Python 3.8+ was found on this machine"],
      ["not measured", "no Python 3.8+ was found on this machine"],
    ]);
  });

  it("save each strategy's speedup and CPUs busy, and read back the same, also from results saved without CPUs busy", () => {
    const data = gilData(node, python);
    assert.equal(data.nodeSpeedup.threads?.median, 1.9);
    assert.equal(data.nodeCoresBusy.threads?.median, 1.95);
    assert.equal(data.pythonSpeedup?.["python:processes"]?.median, 1.95);
    assert.deepEqual(readGilData(JSON.parse(JSON.stringify(data)) as Record<string, unknown>), data);
    assert.deepEqual(readGilData({ nodeSpeedup: data.nodeSpeedup }), { nodeSpeedup: data.nodeSpeedup, nodeCoresBusy: {}, pythonSpeedup: null });
    assert.equal(gilData(node, null).pythonSpeedup, null);
  });
});

describe("05's many waits", () => {
  it("measure one batch per count, in order, each started together on the event loop", async () => {
    const points = await concurrentWaits(sleep, 20, [1, 50]);
    assert.deepEqual(points.map((p) => p.copies), [1, 50]);
    for (const p of points) assert.ok(Number.isFinite(p.wallMs) && p.wallMs > 0, `${p.copies} waits took a time`);
  });

  it("draw a bar per batch with its time, titled with the wait, and a sentence from the same numbers", () => {
    const points = [{ copies: 1, wallMs: 301 }, { copies: 1000, wallMs: 340 }];
    const figure = waitsFigure(points, 300);
    assert.deepEqual(figure.data[0]!.x, ["1 waits", "1,000 waits"]);
    assert.deepEqual(figure.data[0]!.text, ["301 ms", "340 ms"]);
    assert.equal((figure.layout.title as { text: string }).text, "Concurrent 300 ms waits on one thread: total wall time");
    assert.match(waitsCaption(points, 300), /^1,000 concurrent 300 ms waits on one thread took 340 ms in all/);
    assert.throws(() => waitsFigure([], 300), /points must hold at least one batch/);
  });
});
