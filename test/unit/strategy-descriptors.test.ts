import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NODE_STRATEGIES, PYTHON_MODES, strategyColor, strategyName } from "conclab";
import { STRATEGIES, strategyDescriptor } from "conclab/dist/src/strategies/descriptors";

describe("one descriptor per strategy", () => {
  const keys = [...NODE_STRATEGIES, ...PYTHON_MODES.map((m) => `python:${m}`)];

  it("covers every strategy name compare() accepts, under its own key", () => {
    assert.deepEqual(Object.keys(STRATEGIES).sort(), [...keys].sort());
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
    }
  });

  it("is what the figures draw with", () => {
    for (const d of Object.values(STRATEGIES)) {
      assert.equal(strategyName(d.key), d.style.name);
      assert.equal(strategyColor(d.key), d.style.color);
    }
    assert.equal(new Set(Object.values(STRATEGIES).map((d) => d.style.color)).size, keys.length, "every strategy has a colour of its own");
  });
});
