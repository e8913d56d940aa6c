import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { median, pairedRatios, quantile, summarize } from "conclab";

describe("statistics", () => {
  it("median of odd and even counts, unaffected by order", () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
  });

  it("quantiles interpolate between ranks", () => {
    assert.equal(quantile([10, 20, 30, 40, 50], 0), 10);
    assert.equal(quantile([10, 20, 30, 40, 50], 0.5), 30);
    assert.equal(quantile([10, 20, 30, 40], 0.5), 25);
    assert.equal(quantile([10, 20, 30, 40, 50], 1), 50);
  });

  it("summarize gives median, range, MAD and relative spread, keeping samples in order", () => {
    const s = summarize([10, 12, 11, 30, 9]);
    assert.equal(s.median, 11);
    assert.equal(s.min, 9);
    assert.equal(s.max, 30);
    assert.equal(s.mad, 1);
    assert.equal(s.relativeSpread, 21 / 11);
    assert.deepEqual(s.samples, [10, 12, 11, 30, 9]);
  });

  it("paired ratios divide sample by sample, so a slow repeat on both sides cancels out", () => {
    const r = pairedRatios([200, 400, 210], [100, 200, 100]);
    assert.deepEqual(r.samples, [2, 2, 2.1]);
    assert.equal(r.median, 2);
  });

  it("refuses an empty list, naming it", () => {
    assert.throws(() => median([]), { name: "RangeError", message: /values must hold at least one number/ });
    assert.throws(() => quantile([], 0.5), { name: "RangeError" });
  });
});
