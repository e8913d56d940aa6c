/** Chapter 10's measuring helpers: the serial-fraction fit, the size slopes, the CPU topology reader. */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { AbortError, summarize } from "conclab";
import { abortAllExperiments, runningExperiments } from "conclab/internal";
import { granularity } from "conclab/course";

describe("Amdahl's serial fraction, fitted from speedups", () => {
  it("recovers s from speedups on Amdahl's curve, at any worker counts", () => {
    const points = [2, 4, 8].map((workers) => ({ workers, speedup: summarize([0.99, 1, 1.01].map((w) => w * granularity.amdahlSpeedup(0.2, workers))) }));
    const fit = granularity.fitSerialFraction([{ workers: 1, speedup: summarize([1, 1, 1]) }, ...points], 0.2)!;
    assert.ok(Math.abs(fit.fitted - 0.2) < 0.01, `fitted ${fit.fitted}`);
    assert.ok(fit.interval.low < 0.2 && fit.interval.high > 0.2);
    assert.deepEqual(fit.workers, [2, 4, 8]);
  });

  it("finds nothing to fit without a point on two or more workers", () => {
    assert.equal(granularity.fitSerialFraction([{ workers: 1, speedup: summarize([1, 1]) }]), null);
  });

  it("without a measured slowdown, reads a slower parallel part as a larger serial fraction", () => {
    const fit = granularity.fitSerialFraction([{ workers: 2, speedup: summarize([1.6, 1.6, 1.6]) }])!;
    assert.ok(Math.abs(fit.fitted - 0.25) < 1e-9, `2 / 1.6 − 1 = 0.25, got ${fit.fitted}`);
  });

  it("with the parallel part's measured slowdown, counts it apart: cores that slow each other are not serial work", () => {
    // s = 0.5 with its parallel part 1.3x slower per unit on 2 workers: S = 1 / (0.5 + 0.5 × 1.3 / 2).
    const slowed = 1 / (0.5 + (0.5 * 1.3) / 2);
    const counted = granularity.fitSerialFraction([{ workers: 2, speedup: summarize([slowed, slowed, slowed]), slowdown: 1.3 }], 0.5)!;
    assert.ok(Math.abs(counted.fitted - 0.5) < 1e-9, `fitted ${counted.fitted}`);
    const ignored = granularity.fitSerialFraction([{ workers: 2, speedup: summarize([slowed, slowed, slowed]) }], 0.5)!;
    assert.ok(ignored.fitted > 0.6, `the same speedups read without the slowdown: ${ignored.fitted}`);
  });
});

describe("the cores a machine lists", () => {
  const tree = (cpus: Record<number, [number, number] | null>, online?: string): string => {
    const root = mkdtempSync(path.join(tmpdir(), "cpu-"));
    if (online !== undefined) writeFileSync(path.join(root, "online"), online);
    for (const [cpu, ids] of Object.entries(cpus)) {
      const dir = path.join(root, `cpu${cpu}`, "topology");
      mkdirSync(dir, { recursive: true });
      if (ids) {
        writeFileSync(path.join(dir, "physical_package_id"), `${ids[0]}\n`);
        writeFileSync(path.join(dir, "core_id"), `${ids[1]}\n`);
      }
    }
    return root;
  };

  it("counts two logical CPUs on one core as one physical core (SMT)", () => {
    assert.deepEqual(granularity.readCpuTopology(tree({ 0: [0, 0], 1: [0, 1], 2: [0, 0], 3: [0, 1] }, "0-3")), { logical: 4, physical: 2, packages: 1 });
  });

  it("counts only the online CPUs, and core ids per package", () => {
    assert.deepEqual(granularity.readCpuTopology(tree({ 0: [0, 0], 1: [1, 0], 2: [1, 1] }, "0-1")), { logical: 2, physical: 2, packages: 2 });
  });

  it("says the physical count is unknown where the topology is hidden, never guesses", () => {
    assert.deepEqual(granularity.readCpuTopology(tree({ 0: null, 1: null }, "0-1")), { logical: 2, physical: null, packages: null });
    assert.deepEqual(granularity.readCpuTopology(path.join(tmpdir(), "no-such-cpu-tree"), 3), { logical: 3, physical: null, packages: null });
  });
});

describe("an interrupt stops chapter 10's experiments", () => {
  for (const [what, start] of [
    ["the granularity sweep", () => granularity.granularityRun("full", 2)],
    ["the Amdahl jobs", () => granularity.amdahlRun("full", 2)],
    ["the message round trips", () => granularity.messagesRun("full")],
  ] as const) {
    it(`${what}: rejects with AbortError and leaves no experiment running`, async () => {
      const running = (start as () => Promise<unknown>)();
      const stopped = assert.rejects(running, AbortError);
      await new Promise((resolve) => setTimeout(resolve, 400));
      assert.ok((await abortAllExperiments()) >= 1, "it was running");
      await stopped;
      assert.equal(runningExperiments(), 0);
    });
  }
});
