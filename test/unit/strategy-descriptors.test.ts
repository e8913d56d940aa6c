import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compare, countTo, STRATEGY_KEYS, strategyColor, strategyName } from "conclab";
import { NODE_STRATEGIES, PYTHON_STRATEGIES, STRATEGIES, strategyDescriptor } from "conclab/internal";

describe("one descriptor per strategy", () => {
  const keys = STRATEGY_KEYS;

  it("covers every strategy name compare() accepts, under its own key", () => {
    assert.deepEqual(Object.keys(STRATEGIES), [...keys]);
    assert.deepEqual([...NODE_STRATEGIES, ...PYTHON_STRATEGIES].sort(), [...keys].sort(), "every strategy runs on Node or CPython");
    for (const [key, d] of Object.entries(STRATEGIES)) assert.equal(d.key, key);
    assert.equal(strategyDescriptor("fibers"), undefined);
    assert.equal(strategyDescriptor("toString"), undefined, "an inherited name is not a strategy");
  });

  it("holds facts that agree with each other", () => {
    for (const d of Object.values(STRATEGIES)) {
      assert.equal(d.runtime === "python", d.key.startsWith("python:"), `${d.key}: runtime`);
      const base = STRATEGIES[d.baseline];
      assert.equal(base.baseline, base.key, `${d.key}: its baseline is measured against itself`);
      assert.equal(base.runtime, d.runtime, `${d.key}: compared within its own runtime`);
      if (d.parallel) assert.equal(d.kernelThread, null, `${d.key}: parallel copies never run on the kernel's thread`);
      if (d.runtime === "python") assert.equal(d.kernelThread, null, `${d.key}: CPython runs in its own process`);
      assert.equal(d.kernelThread !== null, d.placement.where === "kernel-thread", `${d.key}: copies use the kernel's thread exactly when they are placed there`);
      if (d.runtime === "python") assert.notEqual(d.placement.where, "kernel-thread", `${d.key}: CPython copies run in an interpreter`);
      if (d.kernelThread !== null) assert.ok(d.maxCopies.count > 1000, `${d.key}: copies on the kernel's thread are cheap, thousands may run`);
      else assert.ok(d.maxCopies.count <= 64, `${d.key}: a thread or process per copy is capped`);
    }
  });

  it("sets the copy limit, and the error names the strategy that sets it", async () => {
    await assert.rejects(compare({ task: countTo, args: [10], copies: 65, strategies: ["async", "threads"], repeats: 1 }), {
      name: "RangeError",
      message: /^options\.copies must be an integer from 1 to 64, got 65 \(number\); pass how many copies run at once; at most 64 with threads, since each copy gets a thread or process of its own/,
    });
  });

  it("is what the figures draw with", () => {
    for (const d of Object.values(STRATEGIES)) {
      assert.equal(strategyName(d.key), d.style.name);
      assert.equal(strategyColor(d.key), d.style.color);
    }
    assert.equal(new Set(Object.values(STRATEGIES).map((d) => d.style.color)).size, keys.length, "every strategy has a colour of its own");
  });
});
