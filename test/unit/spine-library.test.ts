import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { countTo, describeMachine, durationsFigure, findPython, timeEach } from "conclab";

describe("countTo", () => {
  it("counts up to n and returns it", () => {
    assert.equal(countTo(0), 0);
    assert.equal(countTo(12_345), 12_345);
  });
});

describe("timeEach", () => {
  it("runs the function once per count and returns one non-negative duration per run", () => {
    let calls = 0;
    const durations = timeEach(() => calls++, 7);
    assert.equal(calls, 7);
    assert.equal(durations.length, 7);
    assert.ok(durations.every((d) => d >= 0));
  });

  it("rejects counts that are not whole numbers from 1 to 10000", () => {
    for (const bad of [0, -1, 2.5, Number.NaN, Number.POSITIVE_INFINITY, 10_001]) {
      assert.throws(() => timeEach(() => 0, bad), { name: "RangeError", message: new RegExp(`^count must be an integer from 1 to 10000, got ${String(bad)}`) });
    }
  });
});

describe("durationsFigure", () => {
  it("plots each run in order and a median line", () => {
    const fig = durationsFigure([30, 10, 20, 40], "noise");
    const [runs, median] = fig.data;
    assert.deepEqual(runs?.x, [1, 2, 3, 4]);
    assert.deepEqual(runs?.y, [30, 10, 20, 40]);
    assert.deepEqual(median?.y, [25, 25]);
    assert.equal(median?.name, "median 25.0 ms");
    assert.deepEqual(fig.layout.title, { text: "noise" });
  });

  it("refuses an empty list", () => {
    assert.throws(() => durationsFigure([], "x"), { name: "RangeError", message: /^durationsMs must hold at least one duration/ });
  });
});

describe("describeMachine and findPython", () => {
  it("describe this machine", () => {
    const machine = describeMachine();
    assert.ok(Number.isInteger(machine.cores) && machine.cores >= 1);
    assert.equal(machine.node, process.version);
    assert.equal(machine.loadAverage.length, 3);
  });

  it("findPython returns null rather than a wrong interpreter", () => {
    assert.equal(findPython({ ...process.env, CONCLAB_PYTHON: "/nonexistent/python3" }), null);
    const found = findPython();
    if (found) assert.match(found.version, /^3\.\d+\.\d+$/);
  });
});
